"""Stale deals in the digests (coaching contract, "Monthly digests"; mart contract, the
stale-deal rule). An open deal whose close date passed more than
`next_best_actions.hygiene_after_days` (settings.yaml, default 90) before as_of is pipeline
hygiene, not coaching:
- the rep digest leaves it out of the next best actions, so the rep's few slots go to deals
  that can still be won (the mart keeps its "Update the close date or close the deal" task);
- the manager digest leaves it out of the at-risk deals (deal_health_scores.is_at_risk) and
  lists the team's such deals in a hygiene list instead: owner, deal, amount, close date and
  days past due.

Decisions where the contracts are silent: days past due count to the warehouse's as_of (the
digests' other deal lists are as of the run too), so a deal exactly 90 days past due is
still the rep's; a deal without a close date is never stale; the list puts the largest
amount first (the deal that inflates the team's pipeline most), then the most days past due,
then the opportunity id, and shows MAX_HYGIENE_DEALS of them with a count of the rest.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ..config import Settings
from . import defaults
from .formatting import day_text, deal_texts, money


def cutoff(as_of: dt.date, config: Settings) -> dt.date:
    """The earliest close date that is not stale: a deal whose close date is before it is
    more than hygiene_after_days past due as of `as_of`."""
    return as_of - dt.timedelta(days=config.next_best_actions.hygiene_after_days)


def stale_deals_by_owner(con: duckdb.DuckDBPyConnection, as_of: dt.date, config: Settings) -> dict[str, list[dict]]:
    """Every open stale deal, grouped by owner id (read once for all the manager digests)."""
    cur = con.execute("""
        select owner_id, opportunity_id, opportunity_name, account_name, amount, close_date,
               ? - close_date as days_past_due
        from marts.deal_health_scores
        where not is_closed and close_date < ?
        order by owner_id, opportunity_id""", [as_of, cutoff(as_of, config)])
    names = [d[0] for d in cur.description]
    grouped: dict[str, list[dict]] = {}
    for row in cur.fetchall():
        r = dict(zip(names, row, strict=True))
        grouped.setdefault(r["owner_id"], []).append(r)
    return grouped


def team_list(stale: dict[str, list[dict]], team_ids: list[str], name, config: Settings) -> dict:
    """The manager digest's hygiene section for the sellers `team_ids`; `name` gives a user's
    display name. Texts are formatted once here for both the HTML and the Markdown."""
    deals = sorted((d for rep_id in team_ids for d in stale.get(rep_id, [])),
                   key=lambda d: (d["amount"] is None, -(d["amount"] or 0), -d["days_past_due"], d["opportunity_id"]))
    rows = [{
        "opportunity_id": d["opportunity_id"], "opportunity_name": d["opportunity_name"], **deal_texts(d),
        "rep_name": name(d["owner_id"]), "close_text": day_text(d["close_date"]), "days_past_due": d["days_past_due"],
        "days_text": f"{d['days_past_due']:,} days",
    } for d in deals]
    return {
        "deals": rows[: defaults.MAX_HYGIENE_DEALS], "count": len(rows),
        "amount": money(sum(d["amount"] or 0 for d in deals)),
        "more": max(0, len(rows) - defaults.MAX_HYGIENE_DEALS),
        "after_days": config.next_best_actions.hygiene_after_days,
    }

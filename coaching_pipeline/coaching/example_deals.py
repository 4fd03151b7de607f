"""Example deals behind a coaching event (coaching contract, "Evidence or silence": up to
three example calls or deals): for an open event whose weakest component is measured on the
seller's deals, the deals of the windows of its latest assessment that show the gap. Pure;
rules.replay calls it with the deal evidence it was given (examples.py does the calls).

  win_rate                      deals lost in the deal window, latest close first
  late_stage_win_rate           of those, the ones that had reached a late stage
  early_disqualification_rate   lost deals not disqualified early, longest cycle first
  close_date_kept_rate          closed deals whose close date slipped, latest close first
  deal_size_vs_role_median      won deals, smallest first
  meddpicc_completeness         open deals, least complete first
  champion_and_eb_rate          open and recently closed deals without a champion or an
                                economic buyer, latest first

Windows as the assessment reads them (component_values.window): closed in [d - deal window,
d - 1], open at d. Null when not applicable (the component is not a deal one, the event is
resolved); [] when no deal of the window shows it. Ties: the deal id.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from ..config import CoachingSettings
from .evidence import Evidence

MAX_EXAMPLES = 3
DEAL_COMPONENTS = ("win_rate", "late_stage_win_rate", "early_disqualification_rate", "close_date_kept_rate",
                   "deal_size_vs_role_median", "meddpicc_completeness", "champion_and_eb_rate")


def deals_by_rep(evidence: Evidence | None, cfg: CoachingSettings) -> dict[str, pl.DataFrame]:
    """owner_id -> that seller's deals, each with the first date it reached a late stage and
    the first date its close date slipped (one pass for every event)."""
    if evidence is None or evidence.deals is None or evidence.deals.is_empty():
        return {}
    deals = evidence.deals
    if evidence.stage_history is not None and not evidence.stage_history.is_empty():
        late = (evidence.stage_history.filter(pl.col("probability") >= cfg.late_stage_probability)
                .group_by("opportunity_id").agg(pl.col("created_date").min().alias("late_on")))
        deals = deals.join(late, on="opportunity_id", how="left")
    else:
        deals = deals.with_columns(pl.lit(None, dtype=pl.Date).alias("late_on"))
    history = evidence.close_date_history
    if history is not None and not history.is_empty():
        as_date = lambda c: pl.col(c).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)  # noqa: E731
        slips = (history.filter(as_date("new_value") > as_date("old_value"))
                 .group_by("opportunity_id").agg(pl.col("created_date").min().alias("slipped_on")))
        deals = deals.join(slips, on="opportunity_id", how="left")
    else:
        deals = deals.with_columns(pl.lit(None, dtype=pl.Date).alias("slipped_on"))
    return {key[0]: frame for key, frame in deals.partition_by("owner_id", as_dict=True).items()}


def _pick(component: str, closed: pl.DataFrame, open_: pl.DataFrame, last: dt.date,
          cfg: CoachingSettings) -> tuple[pl.DataFrame, list[str], list[bool]]:
    """The deals that show the gap, with their sort order."""
    won = pl.col("is_won").fill_null(False)
    latest = (["close_date", "opportunity_id"], [True, False])
    if component == "win_rate":
        return closed.filter(~won), *latest
    if component == "late_stage_win_rate":
        return closed.filter(~won & (pl.col("late_on") <= last)), *latest
    if component == "early_disqualification_rate":
        slow = pl.col("sales_cycle_days").fill_null(cfg.early_disqualification_days + 1) > cfg.early_disqualification_days
        return closed.filter(~won & slow), ["sales_cycle_days", "opportunity_id"], [True, False]
    if component == "close_date_kept_rate":
        return closed.filter(pl.col("slipped_on") <= last), *latest
    if component == "deal_size_vs_role_median":
        return closed.filter(won & pl.col("amount").is_not_null()), ["amount", "opportunity_id"], [False, False]
    if component == "meddpicc_completeness":
        return (open_.filter(pl.col("meddpicc_completeness").is_not_null()),
                ["meddpicc_completeness", "created_date", "opportunity_id"], [False, False, False])
    both = pl.concat([open_, closed])
    return (both.filter((pl.col("has_champion") == False) | (pl.col("has_economic_buyer") == False)),  # noqa: E712
            *latest)


def _detail(component: str, row: dict) -> str:
    if component == "meddpicc_completeness":
        return f"MEDDPICC {int(row['meddpicc_completeness'] * 100 + 0.5)}% filled"  # half up, as analysts round
    if component == "champion_and_eb_rate":
        missing = [name for name, flag in (("champion", row["has_champion"]),
                                           ("economic buyer", row["has_economic_buyer"])) if flag is False]
        return "no " + " and no ".join(missing)
    if component == "deal_size_vs_role_median":
        return "won"
    if component == "close_date_kept_rate":
        return "close date moved later"
    if component == "early_disqualification_rate":
        return f"lost after {row['sales_cycle_days']} days"
    if component == "late_stage_win_rate":
        return "lost after reaching a late stage"
    return "lost"


def example_deals(event: dict, deals: pl.DataFrame | None, cfg: CoachingSettings) -> str | None:
    """The JSON list of up to MAX_EXAMPLES deals (opportunity_id, opportunity_name,
    close_date, amount, detail) of an open event, from the seller's deals (deals_by_rep);
    None when not applicable."""
    component = event.get("_weakest") or ""
    if event["status"] != "open" or component not in DEAL_COMPONENTS:
        return None
    if deals is None or deals.is_empty():
        return "[]"
    d = event["last_assessed_on"]
    last = d - dt.timedelta(days=1)
    is_closed = pl.col("is_closed").fill_null(False)
    closed = deals.filter(is_closed & pl.col("close_date").is_between(d - dt.timedelta(days=cfg.deal_window_days), last))
    open_ = deals.filter((pl.col("created_date") <= last) & (~is_closed | (pl.col("close_date") >= d)))
    rows, order, descending = _pick(component, closed, open_, last, cfg)
    picked = rows.sort(order, descending=descending, nulls_last=True).head(MAX_EXAMPLES)
    return json.dumps([
        {"opportunity_id": r["opportunity_id"], "opportunity_name": r["opportunity_name"],
         "close_date": r["close_date"].isoformat() if r["close_date"] else None,
         "amount": None if r["amount"] is None else str(r["amount"]), "detail": _detail(component, r)}
        for r in picked.iter_rows(named=True)])

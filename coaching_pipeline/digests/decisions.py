"""The manager's decision on each escalation, as the SLM notice says it (coaching contract,
"Monthly digests": an SLM notice says, for each escalation, what the manager decided on it,
approved, modified, dismissed or never decided, and when).

One plain sentence per escalation, formatted here once for the HTML and the Markdown notice.
The templates escape it like CRM text: the new action of a modified event and the note of a
dismissal are typed by a manager.

Decisions where the contract is silent:
- a decision counts as made only when decided_at (UTC) falls on or before the warehouse's
  as_of, the data date of every other figure of the notice; a later one reads as not made yet;
- an undecided recommendation has waited since the event's opened_on (the week it was made),
  or until its pattern cleared when it cleared by as_of;
- an escalation without a coaching event (attainment, bottom_quartile, manual...) has no
  recommendation to decide: a manual one says who raised it and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from .formatting import day_text


def decision_texts(con: duckdb.DuckDBPyConnection, escalations: list[dict], as_of: dt.date,
                   name: Callable[[str | None], str]) -> dict[str, str]:
    """escalation_id -> the sentence, for rows of coaching.escalations; `name` gives a user's
    display name. One query for all the rows."""
    ids = sorted({e["coaching_id"] for e in escalations if e["coaching_id"]})
    cur = con.execute("""
        select coaching_id, approval_status, decided_by, decided_at, decision_note, approved_action, opened_on,
               resolution_date
        from coaching.coaching_log where list_contains(?::varchar[], coaching_id)""", [ids])
    columns = [d[0] for d in cur.description]
    events = {row[0]: dict(zip(columns, row, strict=True)) for row in cur.fetchall()}
    out = {}
    for e in escalations:
        c = events.get(e["coaching_id"])
        if e["coaching_id"] is None and e["rule"] == "manual":
            by = f", {name(e['escalated_by'])}," if e["escalated_by"] else ""
            text = f"Raised by the manager{by} on {day_text(e['escalation_date'])}: no recommendation to decide."
        elif e["coaching_id"] is None:
            text = "No recommendation to decide: this rule escalates on its own."
        elif c is None:
            text = f"Manager's decision: not known: coaching event {e['coaching_id']} is no longer in the log."
        elif (c["approval_status"] in ("approved", "modified", "dismissed") and c["decided_at"] is not None
              and c["decided_at"].date() <= as_of):
            text = f"Manager's decision: {c['approval_status']} by {name(c['decided_by'])} on {day_text(c['decided_at'].date())}"
            said = (c["approved_action"] if c["approval_status"] == "modified" else
                    c["decision_note"] if c["approval_status"] == "dismissed" else None)
            if said and said.strip():
                text += f": {'new action' if c['approval_status'] == 'modified' else 'note'} “{said.strip()}”"
            text += "."
        elif c["resolution_date"] is not None and c["resolution_date"] <= as_of:
            text = (f"Manager's decision: none: the recommendation waited for approval from "
                    f"{day_text(c['opened_on'])} until the pattern cleared on {day_text(c['resolution_date'])}.")
        else:
            text = f"Manager's decision: none yet: the recommendation has waited for approval since {day_text(c['opened_on'])}."
        out[e["escalation_id"]] = text
    return out

"""The role sections of the workbench (roles contract, last paragraph), read from the published
marts.role_metrics and worded by the digests' code (digests/role_sections.py), so the
dashboard, the team view, their JSON twins and the digests print the same texts.

- the rep dashboard (/reps/{id}): the seller's own row only, with their own role's metrics;
  the cohort rows are read for the benchmark guardrail (a median is hidden from a rep when
  fewer than two peers make it up) and never leave this module;
- the team view (/team): the roll-up per role of the scope's sellers (team_queries.scope_for
  decides who they are, before anything is read).

The month is the one holding the data's as_of (role_metrics.is_current_month; a file without
that column: its latest month_start). A file published before role_metrics existed reads as
"no role data was delivered". Access is decided before these run (access.py).
"""

from __future__ import annotations

import datetime as dt

from ..config import settings
from ..digests.formatting import Month
from ..digests.role_sections import rep_section, team_rollup
from .access import Person, RepAccess
from .published import columns_of, per_snapshot, rows


def _month_filter(columns: set[str]) -> str:
    if "is_current_month" in columns:
        return "is_current_month"
    return "month_start = (select max(month_start) from marts.role_metrics)"


def _current_month(cur) -> tuple[dict, ...] | None:
    columns = columns_of(cur, "marts", "role_metrics")
    if not columns:
        return None
    return tuple(rows(cur, f"select * from marts.role_metrics where {_month_filter(columns)} order by rep_id"))


def read_current(cur, *, role: str | None = None, rep_ids: list[str] | None = None) -> list[dict] | None:
    """The current month's rows (of `role`, or of `rep_ids`), by rep id; None when the file has
    no role_metrics. Every seller's row is read once per publication (a team's read of a wide
    table cost 30-40 ms a page at M); each caller gets its own copies."""
    found = per_snapshot("role_metrics_current_month", cur, _current_month)
    if found is None:
        return None
    wanted = None if rep_ids is None else set(rep_ids)
    return [dict(r) for r in found
            if (role is None or r.get("role") == role) and (wanted is None or r["rep_id"] in wanted)]


def month_label(found: list[dict] | None, as_of: dt.date | None) -> str:
    """The month the section covers: the rows' month, else the as_of's, else 'this month'."""
    day = next((r["month_start"] for r in found or [] if r.get("month_start")), None) or as_of
    return Month.of(day).label if day else "this month"


def rep_roles(cur, rep: Person, access: RepAccess, as_of: dt.date | None = None) -> dict | None:
    """The seller's role section (None for a role outside AE, AM, CSM, SDR): their own row, of
    the role the row carries (else the CRM user's). A rep looking at their own dashboard gets
    guarded medians; a manager (see_names) the medians as they are."""
    mine = read_current(cur, rep_ids=[rep.user_id])
    own = mine[0] if mine else None
    role = (own or {}).get("role") or rep.role
    guard = not access.see_names
    # the cohort's rows only count the peers behind a guarded median: a manager's view skips
    # reading them (a third of the dashboard's time at M)
    cohort = (read_current(cur, role=role) or []) if own is not None and guard else []
    return rep_section(own, role, cohort, settings(), month_label(mine, as_of), guard=guard)


def team_roles(cur, sellers: tuple[Person, ...], as_of: dt.date | None = None) -> dict:
    """The roll-up per role of `sellers` (the team view's scope, by name)."""
    ids = [s.user_id for s in sellers]
    found = read_current(cur, rep_ids=ids)
    by_rep = {r["rep_id"]: r for r in found or []}
    return team_rollup([{"rep_id": s.user_id, "name": s.name, "role": s.role} for s in sellers], by_rep,
                       settings(), month_label(found, as_of))

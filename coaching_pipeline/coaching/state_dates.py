"""The dates coaching state may be written for: up to the run's as_of, never beyond today (UTC).

The coaching state is append-only and kept across runs, so one row dated in the future (an
activity dated 2099 that moved as_of) stays there and changes every later replay and digest.
The save functions of state.py call `check_dates` before writing anything; what a past
mistake left behind is removed with `coaching state purge --after DATE` (purge.py).

Decisions where the design is silent:
- "The run's as_of" is the as_of the run was given (--as-of, COACHING_AS_OF). Without one, only
  today bounds the weekly assessment: the Monday schedule assesses that Monday on data up to
  the night before, whose latest event may well be the Friday before.
- A replay (state.apply_replay) is bounded by today only: it re-derives every week already in
  the log, and a backfill of an earlier week legitimately rewrites events of later weeks,
  each of which was checked against its own run's as_of when it was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..config import utc_today

SCHEMA = "coaching"

# Each state table and the date its rows are written for: what the guard checks and what
# `coaching state purge --after DATE` compares with DATE. coaching_log's other dates
# (last_assessed_on, escalation_date, resolution_date) are re-derived by the replay.
STATE_DATES: dict[str, str] = {
    "skill_assessment_log": "assessment_date",
    "coaching_log": "opened_on",
    "coaching_history": "assessment_date",
    "escalations": "escalation_date",
    "daily_flags": "flag_date",
    "decisions": "decided_at",  # wall-clock UTC time of a manager's action: never in the future, never purged
}


class FutureStateDate(ValueError):
    """Coaching state dated after the run's as_of or after today; nothing was written."""


def write_limit(as_of: dt.date | None = None, today: dt.date | None = None) -> dt.date:
    """The latest date coaching state may be written for."""
    today = today or utc_today()
    return min(as_of, today) if as_of else today


def _span(days: list[dt.date]) -> str:
    return days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"


def check_dates(what: str, dates: Iterable[dt.date | None], *, as_of: dt.date | None = None,
                today: dt.date | None = None) -> None:
    """Raise FutureStateDate naming the offending dates, the as_of and today when any of
    `dates` is after the run's as_of or after today. `what` completes "refused to ..."."""
    today = today or utc_today()
    limit = write_limit(as_of, today)
    days = {d.date() if isinstance(d, dt.datetime) else d for d in dates if d is not None}
    late = sorted(d for d in days if d > limit)
    if not late:
        return
    reasons = []
    if as_of and late[-1] > as_of:
        reasons.append(f"after the run's as_of ({as_of})")
    if late[-1] > today:
        reasons.append(f"after today ({today}, UTC)")
    context = f"the run's as_of: {as_of or 'not set'}; today: {today}, UTC"
    raise FutureStateDate(
        f"refused to {what} {_span(late)}: {' and '.join(reasons)} ({context}). Nothing was written. "
        "Coaching state is only written up to the run's as_of and never beyond today: check the dates "
        "in the extracts or the --as-of given, then run again. State already written for later dates "
        f"is removed with: coaching state purge --after {limit} --dry-run (then without --dry-run)"
    )


def check_weeks(weeks: Iterable[dt.date], *, as_of: dt.date | None = None, today: dt.date | None = None) -> None:
    """A weekly partition is keyed by its Monday, the assessment date it writes: refuse the
    weeks that could not be assessed yet before anything is read or written."""
    check_dates("assess the weekly partition(s) of", weeks, as_of=as_of, today=today)


def check_frame(table: str, frame, columns: Iterable[str], *, as_of: dt.date | None = None,
                today: dt.date | None = None) -> None:
    """check_dates over the date `columns` of a polars frame about to be written to `table`."""
    for column in columns:
        if column in frame.columns and not frame.is_empty():
            check_dates(f"write {SCHEMA}.{table} rows with {column}", frame[column].unique().to_list(),
                        as_of=as_of, today=today)

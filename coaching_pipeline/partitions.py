"""The weekly and monthly partitions, and the day they start (settings partitions.start_date).

Dagster's partitions are fixed when the code location loads, before any data is read, so they
cannot start "where the data starts": they start at a configured day, early enough by default
(2010) for a real org's history. A week or month asked for before it is refused here with one
sentence naming that day and the setting, instead of Dagster's invariant error ("partition key
range start ... is before the partitions definition start time ...") or its unknown-partition
error, which name neither.
"""

from __future__ import annotations

import datetime as dt

from dagster import Failure, MonthlyPartitionsDefinition, WeeklyPartitionsDefinition

from .config import settings
from .fiscal import monday_of

SETTING = "partitions.start_date"


def first_week(start: dt.date | None = None) -> dt.date:
    """The Monday of the week holding the configured start: that week is the first partition."""
    start = start or settings().partitions.start_date
    return monday_of(start)


def first_month(start: dt.date | None = None) -> dt.date:
    start = start or settings().partitions.start_date
    return start.replace(day=1)


# One partition per week, keyed by its Monday (the assessment date). The current week is
# included so the nightly and weekly runs can assess it on its Monday.
WEEKLY_PARTITIONS = WeeklyPartitionsDefinition(start_date=first_week().isoformat(), day_offset=1, end_offset=1)

# One partition per calendar month, keyed by its first day; the partition is the month
# rendered (the monthly schedule renders the previous month on the first business day).
# The current month is included, so a month-to-date preview can be rendered on demand.
MONTHLY_PARTITIONS = MonthlyPartitionsDefinition(start_date=first_month().isoformat(), end_offset=1)


class BeforePartitionsStart(ValueError):
    """A week or month asked for before the configured start of the partitions."""


def before_start_message(first: dt.date, what: str) -> str:
    """`what` names the earliest day asked for, e.g. 'The first week to assess (12 weeks
    before as_of 2017-12-29, on a new install)'."""
    return (
        f"{what} is {first}, before the first partition: {SETTING} is {settings().partitions.start_date}; "
        f"set it to {first} or earlier in your settings file (COACHING_CONFIG) and run again."
    )


def check_weeks(first_monday: dt.date, what: str = "The first week asked for") -> None:
    if first_monday < first_week():
        raise BeforePartitionsStart(before_start_message(first_monday, what))


def check_month(month: dt.date, what: str = "The first month asked for") -> None:
    if month < first_month():
        raise BeforePartitionsStart(before_start_message(month, what))


def requested_keys(context, partitions_def) -> list[str]:
    """The partition keys of the run, refused before Dagster computes them when the range
    starts before the first partition (a run launched with range tags is not validated
    against the partitions until then, and would fail with Dagster's invariant error)."""
    first = context.partition_key_range.start if context.has_partition_key_range else context.partition_key
    day = dt.date.fromisoformat(first)
    check = check_weeks if partitions_def is WEEKLY_PARTITIONS else check_month
    try:
        check(day, "The first partition of this run")
    except BeforePartitionsStart as exc:
        raise Failure(str(exc)) from None
    return context.partition_keys

"""When the jobs run. Every schedule is in UTC.

| schedule | cron (UTC) | job | partition |
|---|---|---|---|
| `nightly_schedule` | `0 2 * * *` (02:00 every day) | nightly | none |
| `weekly_coaching_schedule` | `0 4 * * 1` (04:00 on Mondays, after the nightly run) | weekly_coaching_job | the week of that Monday |
| `monthly_digests_schedule` | `0 6 1-3 * *` (06:00 on the 1st-3rd, runs on the first business day only) | monthly_digests_job | the previous month |

The first business day is the first Monday-Friday of the month (public holidays are not
known to the product): cron cannot say "first weekday", so the schedule ticks on the 1st,
2nd and 3rd and skips the days that are not it.

Schedules and sensors start stopped (Dagster's default) unless COACHING_AUTOMATION=on is set
in the environment of the code location; once turned on in the UI (Automation) or with
`dagster schedule start`, their state is kept in the instance storage.
"""

import datetime as dt
import os

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from .fiscal import monday_of, previous_month
from .jobs import monthly_digests_job, nightly_job, weekly_coaching_job
from .partitions import MONTHLY_PARTITIONS, first_month

TIMEZONE = "UTC"
NIGHTLY_CRON = "0 2 * * *"
WEEKLY_CRON = "0 4 * * 1"
MONTHLY_CRON = "0 6 1-3 * *"


def automation_on() -> bool:
    return os.environ.get("COACHING_AUTOMATION", "").strip().lower() in {"1", "on", "true", "yes", "running"}


def default_schedule_status() -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if automation_on() else DefaultScheduleStatus.STOPPED


def _tick_date(context: ScheduleEvaluationContext) -> dt.date:
    """The tick's date in UTC (a tick requested by hand has no scheduled time: now)."""
    when = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.date()


def first_business_day(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += dt.timedelta(days=1)
    return day


def month_partition_key(month: dt.date) -> str:
    """The key of the digests' partition holding `month`."""
    return month.strftime(MONTHLY_PARTITIONS.fmt)


nightly_schedule = ScheduleDefinition(
    name="nightly_schedule",
    job=nightly_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=default_schedule_status(),
    description="Every night at 02:00 UTC: ingestion, dbt build, daily flags, publish.",
)


@schedule(
    name="weekly_coaching_schedule",
    job=weekly_coaching_job,
    cron_schedule=WEEKLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=default_schedule_status(),
    description="Mondays at 04:00 UTC (after the nightly run): the skill assessment of that Monday's week.",
)
def weekly_coaching_schedule(context: ScheduleEvaluationContext):
    monday = monday_of(_tick_date(context))
    # The partition is keyed by its Monday, the assessment date; the run key makes a
    # repeated tick for the same week a no-op.
    return RunRequest(run_key=f"weekly_coaching:{monday.isoformat()}", partition_key=monday.isoformat())


@schedule(
    name="monthly_digests_schedule",
    job=monthly_digests_job,
    cron_schedule=MONTHLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=default_schedule_status(),
    description="On the first business day of each month at 06:00 UTC: the digests of the previous month.",
)
def monthly_digests_schedule(context: ScheduleEvaluationContext):
    today = _tick_date(context)
    first = first_business_day(today.year, today.month)
    if today != first:
        return SkipReason(f"{today} is not the first business day of the month ({first})")
    month = previous_month(today)
    if month < first_month():
        # partitions.start_date falls in this month: last month has no partition to render.
        return SkipReason(f"{month:%Y-%m} is before the first monthly partition ({first_month():%Y-%m}, "
                          "settings partitions.start_date)")
    key = month_partition_key(month)
    return RunRequest(run_key=f"monthly_digests:{key}", partition_key=key)


SCHEDULES = [nightly_schedule, weekly_coaching_schedule, monthly_digests_schedule]

"""The named jobs ops run and schedules start."""

from dagster import AssetSelection, define_asset_job

from .assets.coaching import DAILY_FLAGS, WEEKLY_PARTITIONS, weekly_coaching

# Ingestion, the dbt build (every model and test) and the daily flags.
nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.groups("raw", "staging", "intermediate", "marts") | AssetSelection.assets(DAILY_FLAGS),
    description="Load new extracts, build and test every dbt model, raise the daily flags.",
)

# The skill assessment of one week (a Monday partition), then the coaching log and
# escalations it drives.
weekly_coaching_job = define_asset_job(
    "weekly_coaching_job",
    selection=AssetSelection.assets(weekly_coaching),
    partitions_def=WEEKLY_PARTITIONS,
    description="Assess every seller's skills for the week and update coaching events and escalations.",
)

JOBS = [nightly_job, weekly_coaching_job]

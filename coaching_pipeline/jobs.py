"""The named jobs ops run and schedules start.

| job | assets | partitions |
|---|---|---|
| `nightly` | the decisions store applied to the coaching log (first), ingestion (raw), the dbt build (staging, intermediate, marts, with dbt tests), daily flags, publish | none |
| `weekly_coaching_job` | the decisions store applied (first), skill assessment, coaching log, escalations of one week, then publish | weekly, keyed by the Monday |
| `monthly_digests_job` | the digests of one month, then their mail when SMTP is set (coaching_pipeline/assets/digests.py) | monthly |

Every asset of these jobs is in the `duckdb_writer` pool, whose limit is 1 with run
granularity (dagster.yaml): the run queue starts one of these runs at a time, so the DuckDB
warehouse, which allows one writing process, never sees two runs interleave.
"""

from dagster import AssetCheckKey, AssetKey, AssetSelection, define_asset_job

from .assets.coaching import DAILY_FLAGS, weekly_coaching
from .assets.decisions_store import APPLIED_DECISIONS
from .assets.digests import digest_delivery, monthly_digests
from .assets.publish import PUBLISHED_MARTS
from .ingest import configured_objects

NIGHTLY = "nightly"
# Not "weekly_coaching" / "monthly_digests": a job may not share its name with an op of the
# code location (the weekly multi-asset's op is `weekly_coaching`), or the location fails to load.
WEEKLY = "weekly_coaching_job"
MONTHLY = "monthly_digests_job"

# The check name Dagster's freshness-check factory gives (sensors.raw_freshness_checks).
FRESHNESS_CHECK = "freshness_check"
RAW_FRESHNESS_CHECKS = [AssetCheckKey(AssetKey(["raw", obj.name]), FRESHNESS_CHECK) for obj in configured_objects()]

# Ingestion, the dbt build (every model and test), the daily flags, then the analysts' copy.
nightly_job = define_asset_job(
    NIGHTLY,
    selection=(
        AssetSelection.groups("raw", "staging", "intermediate", "marts")
        | AssetSelection.assets(APPLIED_DECISIONS, DAILY_FLAGS, PUBLISHED_MARTS)
    )
    # The raw freshness checks run on their own sensor (right after a load they say nothing).
    - AssetSelection.checks(*RAW_FRESHNESS_CHECKS),
    description="Apply the managers' new decisions, load new extracts, build and test every dbt model, raise the daily flags, publish "
    "the marts for analysts (analytics.duckdb).",
)

# The skill assessment of one week (a Monday partition), the coaching log and escalations
# it drives, then a new publication so analysts see the week's scores the same morning.
weekly_coaching_job = define_asset_job(
    WEEKLY,
    selection=AssetSelection.assets(APPLIED_DECISIONS, weekly_coaching) | AssetSelection.assets(PUBLISHED_MARTS),
    description="Assess every seller's skills for the week and update coaching events and escalations; "
    "publish the coaching tables for analysts.",
)


# The digests of one month (the month partition is the month rendered), then the mail.
monthly_digests_job = define_asset_job(
    MONTHLY,
    selection=AssetSelection.assets(monthly_digests, digest_delivery),
    description="Render the monthly rep digests, manager digests and SLM notices for one month; mail them "
    "when COACHING_SMTP_URL is set.",
)


JOBS = [nightly_job, weekly_coaching_job, monthly_digests_job]

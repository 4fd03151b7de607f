"""The code location: assembles assets, resources, jobs, schedules and sensors. Nothing is
computed here."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from .assets.coaching import daily_flags, weekly_coaching
from .assets.dbt import dbt_models
from .assets.decisions_store import applied_decisions
from .assets.digests import digest_delivery, monthly_digests
from .assets.ingest import ingest_assets
from .assets.landing import extract_files
from .assets.publish import published_marts
from .jobs import JOBS
from .paths import RunPaths
from .resources import DBT_PROJECT, LandingZone, RunSettings, Warehouse
from .resources.dbt import DbtCli, dbt_executable
from .schedules import SCHEDULES
from .sensors import SENSORS, raw_freshness_checks


def _resources(paths: RunPaths | None) -> dict:
    """Given paths (`coaching run`, tests, the bench) configure the resources; without, each
    resource resolves its flag-less default (the COACHING_* variable, else the built-in path)
    when a step uses it, so importing the code location reads no environment."""
    if paths is None:
        return {"warehouse": Warehouse(), "landing": LandingZone(), "run": RunSettings()}
    return {
        "warehouse": Warehouse(path=str(paths.warehouse)),
        "landing": LandingZone(path=str(paths.landing)),
        "run": RunSettings(as_of=paths.as_of.isoformat() if paths.as_of else None, output_dir=str(paths.output)),
    }


def build_definitions(paths: RunPaths | None = None) -> Definitions:
    return Definitions(
        assets=[extract_files, *ingest_assets(), dbt_models, applied_decisions, weekly_coaching, daily_flags, published_marts, monthly_digests,
                digest_delivery],
        asset_checks=raw_freshness_checks,
        jobs=JOBS,
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources={**_resources(paths), "dbt": DbtCli(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())},
        # Steps share one DuckDB file that allows a single writer: running them in one
        # process, one after the other, costs nothing and avoids lock contention.
        executor=in_process_executor,
    )


defs = build_definitions()

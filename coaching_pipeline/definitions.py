"""The code location: assembles assets, resources, jobs, schedules and sensors. Nothing is
computed here."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from .assets.coaching import daily_flags, weekly_coaching
from .assets.dbt import dbt_models
from .assets.digests import digest_delivery, monthly_digests
from .assets.ingest import ingest_assets
from .assets.landing import extract_files
from .assets.publish import published_marts
from .config import RunPaths, resolve_paths
from .jobs import JOBS
from .resources import DBT_PROJECT, LandingZone, RunSettings, Warehouse
from .resources.dbt import DbtCli, dbt_executable
from .schedules import SCHEDULES
from .sensors import SENSORS, raw_freshness_checks


def build_definitions(paths: RunPaths) -> Definitions:
    return Definitions(
        assets=[extract_files, *ingest_assets(), dbt_models, weekly_coaching, daily_flags, published_marts, monthly_digests,
                digest_delivery],
        asset_checks=raw_freshness_checks,
        jobs=JOBS,
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources={
            "warehouse": Warehouse(path=str(paths.warehouse)),
            "landing": LandingZone(path=str(paths.landing)),
            "run": RunSettings(
                as_of=paths.as_of.isoformat() if paths.as_of else None, output_dir=str(paths.output)
            ),
            "dbt": DbtCli(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        },
        # Steps share one DuckDB file that allows a single writer: running them in one
        # process, one after the other, costs nothing and avoids lock contention.
        executor=in_process_executor,
    )


defs = build_definitions(resolve_paths())

"""The code location: assembles assets, resources and jobs. Nothing is computed here."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from .assets.coaching import daily_flags, weekly_coaching
from .assets.dbt import dbt_models
from .assets.ingest import ingest_assets
from .config import RunPaths, resolve_paths
from .jobs import JOBS
from .resources import DBT_PROJECT, LandingZone, RunSettings, Warehouse
from .resources.dbt import DbtCli, dbt_executable


def build_definitions(paths: RunPaths) -> Definitions:
    return Definitions(
        assets=[*ingest_assets(), dbt_models, weekly_coaching, daily_flags],
        jobs=JOBS,
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

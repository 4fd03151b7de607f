"""The dbt project as Dagster sees it, and the vars every dbt invocation gets.

The manifest is prepared once (`make` runs `dbt parse`; so does the first load after a
dbt file changes), not on every definitions load: `ensure_manifest` only compares file
times when the manifest is current, which keeps `dagster dev` reloads fast.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from ..config import DBT_PROJECT_DIR, settings
from ..fiscal import FISCAL_START_ENV
from ..ingest.objects import to_snake
from ..paths import resolve_warehouse

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_SOURCES = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for f in files:
            newest = max(newest, f.stat().st_mtime)
    return newest


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def ensure_manifest() -> Path:
    """Parse the dbt project when the manifest is missing or older than its sources."""
    manifest = DBT_PROJECT.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    parse_project(resolve_warehouse())
    return manifest


def parse_project(warehouse: Path) -> None:
    """`dbt parse` into the project's target folder (`make setup` does this), so that the
    first run starts from a partial parse. The warehouse's path is not part of dbt's parse
    state (dbt_warehouse_plugin): one parse serves every warehouse file."""
    env = {**os.environ, **dbt_env(warehouse, None)}
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--vars", json.dumps(dbt_vars())],
        check=True,
        env=env,
        cwd=DBT_PROJECT_DIR,
    )


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without two costs paid on every invocation:
    - `dbt --version`, which asks PyPI for the latest release (5+ s, and a network call at
      run time); the installed dbt-core is the executable this resource runs;
    - an in-process dbt adapter (2-8 s of macro loading), used only by fetch_row_counts()
      and fetch_column_metadata(), which we do not call: row counts come from our own
      queries once dbt has released the DuckDB file."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


# The as_of of a dbt build travels in this environment variable (int_as_of.sql reads it),
# not in --vars: the vars stay the same from night to night, so dbt re-uses its partial
# parse (dagster-dbt copies partial_parse.msgpack into each run's target) instead of
# re-parsing the whole project, which costs 8-15 s per invocation.
AS_OF_ENV = "COACHING_DBT_AS_OF"


def dbt_env(warehouse: str | Path, as_of: dt.date | None,
            fiscal_start_month: int | None = None) -> dict[str, str]:
    """The environment a dbt invocation needs: the warehouse it attaches, its as_of and the
    Organization's fiscal year start month (fiscal.organization_start_month; empty: dbt uses
    the var fiscal_year_start_month, the configured default). Like as_of, the month comes from
    the data, so it travels here and not in --vars (partial parsing, above)."""
    duckdb = settings().warehouse  # dbt_warehouse_plugin reads these, as db.duckdb_settings does for us
    return {"COACHING_WAREHOUSE": str(warehouse), AS_OF_ENV: as_of.isoformat() if as_of else "",
            FISCAL_START_ENV: str(fiscal_start_month) if fiscal_start_month else "",
            "COACHING_DUCKDB_MEMORY_LIMIT": duckdb.memory_limit,
            "COACHING_DUCKDB_CHECKPOINT_THRESHOLD": duckdb.checkpoint_threshold,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def dbt_vars() -> dict:
    """The product's settings as dbt vars (column names in the raw layer's snake_case).
    The same every night for a given settings file."""
    config = settings()
    crm = config.crm
    return {
        "role_field": to_snake(crm.role_field),
        "region_field": to_snake(crm.region_field),
        "segment_field": to_snake(crm.segment_field),
        "csm_field": to_snake(crm.csm_field),
        "sdr_field": to_snake(crm.sdr_field),
        "meddpicc_fields": {k: to_snake(v) for k, v in crm.meddpicc_fields.items()},
        "role_patterns": [p.model_dump() for p in crm.role_patterns],
        "champion_roles": [r.lower() for r in crm.champion_roles],
        "economic_buyer_roles": [r.lower() for r in crm.economic_buyer_roles],
        "default_quota_period_months": crm.default_quota_period_months,
        "gong_trackers": config.gong.trackers,
        # the default; the Organization's month, when given, comes in the environment (dbt_env)
        "fiscal_year_start_month": config.fiscal.year_start_month,
        "default_corporate_currency": config.org_defaults.corporate_currency,
        "default_time_zone": config.org_defaults.time_zone,
        **config.marts.model_dump(),
        "deal_health": config.deal_health.model_dump(),
        "next_best_actions": config.next_best_actions.model_dump(),
        "roles": config.roles.model_dump(),
    }

"""Building a warehouse from a landing zone in tests, without Dagster: the loader for
`raw`, then `dbt build` (models and their tests) on the real dbt project."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
from pathlib import Path

from coaching_pipeline.config import DBT_PROJECT_DIR
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.fiscal import organization_start_month
from coaching_pipeline.ingest import configured_objects, loader
from coaching_pipeline.resources.dbt import dbt_env, dbt_executable, dbt_vars


def load_raw(landing: Path, warehouse: Path) -> None:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = open_warehouse(warehouse)
    try:
        for obj in configured_objects():
            loader.load_object(con, landing, obj)
    finally:
        con.close()


def _dbt_home() -> Path:
    """One dbt folder per test process (the tests of a process run one at a time)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    session = f"{worker}-{os.getppid()}" if worker else str(os.getpid())
    home = Path(tempfile.gettempdir()) / f"coaching-tests-dbt-{session}"
    home.mkdir(exist_ok=True)
    return home


def dbt(args: list[str], warehouse: Path, as_of: dt.date | None, extra_vars: dict | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run dbt on the project against `warehouse`, as the product does (settings as vars,
    as_of and the Organization's fiscal start month in the environment); its log stays
    beside the file. One target folder per test process keeps dbt's partial parse (the
    warehouse's path is not part of it: dbt_warehouse_plugin)."""
    work = warehouse.parent / f"dbt-{warehouse.stem}"
    home = _dbt_home()
    env = {**os.environ, **dbt_env(warehouse, as_of, _organization_start_month(warehouse))}
    proc = subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(home / "target"), "--log-path", str(work / "logs"),
         "--vars", json.dumps({**dbt_vars(), **(extra_vars or {})})],
        capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR, timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc


def _organization_start_month(warehouse: Path) -> int | None:
    """What the dbt step reads before dbt starts (assets/dbt.py)."""
    if not warehouse.exists():
        return None
    con = open_warehouse(warehouse, read_only=True)
    try:
        return organization_start_month(con)
    finally:
        con.close()


def build_warehouse(landing: Path, warehouse: Path, as_of: dt.date | None, select: str | None = None) -> Path:
    """Load `landing` into `warehouse` and `dbt build` (optionally only `select`)."""
    load_raw(landing, warehouse)
    # cautious: a test that also touches a model outside the selection is not run
    selection = ["--select", select, "--indirect-selection", "cautious"] if select else []
    dbt(["build", *selection], warehouse, as_of)
    return warehouse


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = open_warehouse(warehouse, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def query_dicts(warehouse: Path, sql: str, params=None) -> list[dict]:
    con = open_warehouse(warehouse, read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()

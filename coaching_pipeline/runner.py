"""`coaching run`: materialize every asset once, in process, and report what was built."""

from __future__ import annotations

import contextlib
import os
import time

import duckdb
from dagster import AssetCheckSeverity, DagsterInstance

from .config import RunPaths


def _instance() -> DagsterInstance:
    # With DAGSTER_HOME set (make run does), the run shows in the Dagster UI's history.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def run_all(paths: RunPaths, echo=print) -> bool:
    from .definitions import build_definitions

    started = time.perf_counter()
    defs = build_definitions(paths)
    job = defs.resolve_implicit_global_asset_job_def()
    # The console shows progress bars and the summary; dbt's own output (which dagster-dbt
    # echoes to stdout) goes to a log file, and the full event log is in the Dagster UI.
    log_file = paths.output / "logs" / "coaching-run.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with _instance() as instance, log_file.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    # WARN-severity checks (data-quality findings such as an unknown deal owner) are
    # reported without failing the run; ERROR-severity ones fail it.
    failed_checks = [c for c in evaluations if not c.passed and c.severity == AssetCheckSeverity.ERROR]
    warnings = [c for c in evaluations if not c.passed and c.severity == AssetCheckSeverity.WARN]
    elapsed = time.perf_counter() - started
    report(paths, echo)
    for check in warnings:
        echo(f"warning {check.asset_key.to_user_string()}:{check.check_name}")
    for check in failed_checks:
        echo(f"FAILED CHECK {check.asset_key.to_user_string()}:{check.check_name}")
    ok = result.success and not failed_checks
    echo(f"dbt and run log: {log_file}")
    echo(f"{'Finished' if ok else 'FAILED'} in {elapsed:.1f}s (run {result.run_id})")
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                echo(f"  step {event.step_key} failed: {event.event_specific_data.error.message.strip()}")
    return ok


def report(paths: RunPaths, echo=print) -> None:
    echo(f"Warehouse: {paths.warehouse}")
    if not paths.warehouse.exists():
        return
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'main') order by 1, 2"
        ).fetchall()
        schema = None
        for table_schema, table in tables:
            if table_schema != schema:
                schema = table_schema
                echo(f"  {schema}")
            rows = con.execute(f'select count(*) from {table_schema}."{table}"').fetchone()[0]
            echo(f"    {table:<44} {rows:>12,}")
        failed = con.execute("select file, error from raw._loaded_files where status = 'failed'").fetchall()
        for file, error in failed:
            echo(f"  REJECTED FILE {file}: {error}")
    finally:
        con.close()

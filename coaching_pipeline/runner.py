"""`coaching run`: materialize every asset once, in process, and report what was built.

Order: the nightly job (ingest, dbt build, daily flags, publish); then the weekly coaching
job for the week containing as_of, preceded on a new install (empty coaching history) by the
configured number of weeks before it, oldest first, so coaching starts with a history; then
the monthly digests of the last complete month before as_of (the month the first-business-day
schedule would render; as_of's own month when as_of is its last day), rendered but not
mailed (`coaching send` mails them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time

import duckdb
from dagster import AssetCheckSeverity, DagsterInstance
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from . import partitions, preflight, run_lock
from .assets.digests import MONTHLY_DIGESTS
from .assets.publish import REJECTED_FILES
from .config import settings
from .db import WarehouseLocked, error_line, open_warehouse, table_exists, table_row_counts
from .fiscal import monday_of, previous_month
from .jobs import MONTHLY, NIGHTLY, WEEKLY
from .paths import RunPaths


def _instance() -> DagsterInstance:
    # With DAGSTER_HOME set (make run does), the runs show in the Dagster UI's history.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def weeks_to_assess(as_of: dt.date, history_empty: bool, backfill_weeks: int) -> list[dt.date]:
    """The Mondays to assess: the week containing as_of, and on a new install the
    `backfill_weeks` before it, oldest first."""
    monday = monday_of(as_of)
    weeks = [monday]
    if history_empty:
        weeks = [monday - dt.timedelta(weeks=k) for k in range(backfill_weeks, 0, -1)] + weeks
    return weeks


def digest_month(as_of: dt.date) -> dt.date:
    """The first day of the last complete month on as_of."""
    next_day = as_of + dt.timedelta(days=1)
    if next_day.day == 1:
        return as_of.replace(day=1)
    return previous_month(as_of)


def partitions_refusal(as_of: dt.date, weeks: list[dt.date]) -> str | None:
    """The sentence naming the first date needed and the setting to change, when a week to
    assess or the month to render is before the configured partitions (Dagster would fail on
    it with an invariant error naming neither); None when they are all partitions."""
    why = (f"the week of as_of {as_of}" if len(weeks) == 1
           else f"{len(weeks) - 1} weeks before as_of {as_of}, on a new install")
    try:
        partitions.check_weeks(weeks[0], f"The first week to assess ({why})")
        partitions.check_month(digest_month(as_of), f"The month of digests before as_of {as_of}")
    except partitions.BeforePartitionsStart as exc:
        return str(exc)
    return None


def _coaching_state(paths: RunPaths) -> tuple[dt.date, bool]:
    con = open_warehouse(paths.warehouse, read_only=True)
    try:
        as_of = paths.as_of or con.execute("select as_of from intermediate.int_as_of").fetchone()[0]
        has_log = table_exists(con, "coaching", "skill_assessment_log")
        empty = not has_log or con.execute("select count(*) = 0 from coaching.skill_assessment_log").fetchone()[0]
        return as_of, bool(empty)
    finally:
        con.close()


def run_all(paths: RunPaths, echo=print, full_refresh: bool = False) -> bool:
    """Raises run_lock.RunLocked, before anything opens the warehouse, when another run holds it."""
    with run_lock.hold(paths.warehouse, "coaching run", warn=echo):
        return _run_all(paths, echo, full_refresh)


def _run_all(paths: RunPaths, echo, full_refresh: bool) -> bool:
    from .definitions import build_definitions

    started = time.perf_counter()
    if paths.warehouse.exists():
        # Held by another process, nothing could run: its one line (db.WarehouseLocked,
        # which the command prints without a traceback) instead of a run that fails. Any
        # other error (a read-only disk) is left to the run, whose steps report it.
        try:
            open_warehouse(paths.warehouse).close()
        except WarehouseLocked:
            raise
        except duckdb.Error:
            pass
    defs = build_definitions(paths)
    # The console shows progress bars and the summary; dbt's own output (which dagster-dbt
    # echoes to stdout) goes to a log file, and the full event log is in the Dagster UI.
    log_file = paths.output / "logs" / "coaching-run.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    results, refused, nightly_built = [], None, False
    with _instance() as instance, log_file.open("w") as log, contextlib.redirect_stdout(log):
        nightly_config = {**quiet, "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}}}
        results.append(defs.resolve_job_def(NIGHTLY).execute_in_process(
            instance=instance, raise_on_error=False, run_config=nightly_config))
        # A nightly that failed only because an extract file was rejected has built and
        # published what loaded: coaching goes on from it, and the run still ends FAILED.
        nightly_built = results[-1].success or only_rejections(results[-1])
        if nightly_built:
            as_of, history_empty = _coaching_state(paths)
            weeks = weeks_to_assess(as_of, history_empty, settings().coaching.backfill_weeks)
            refused = partitions_refusal(as_of, weeks)
        if nightly_built and not refused:
            # One run for all the weeks (the weekly assets backfill a range in a single run):
            # each week is assessed, the coaching log replayed once, then the marts published.
            results.append(defs.resolve_job_def(WEEKLY).execute_in_process(
                instance=instance, raise_on_error=False, run_config=quiet,
                tags={ASSET_PARTITION_RANGE_START_TAG: weeks[0].isoformat(),
                      ASSET_PARTITION_RANGE_END_TAG: weeks[-1].isoformat()}))
            if results[-1].success:
                # Rendered, not mailed: `coaching run` is run again and again while setting
                # up; mail goes with `coaching send` or the monthly schedule.
                results.append(defs.resolve_job_def(MONTHLY).execute_in_process(
                    instance=instance, raise_on_error=False, run_config=quiet,
                    partition_key=digest_month(as_of).isoformat(), asset_selection=[MONTHLY_DIGESTS]))

    evaluations = [
        e.event_specific_data for r in results for e in r.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    # WARN-severity checks (data-quality findings such as an unknown deal owner) are
    # reported without failing the run; ERROR-severity ones fail it.
    failed_checks = [c for c in evaluations if not c.passed and c.severity == AssetCheckSeverity.ERROR]
    warnings = [c for c in evaluations if not c.passed and c.severity == AssetCheckSeverity.WARN]
    elapsed = time.perf_counter() - started
    if nightly_built:  # what the nightly understood of the data (preflight.py); its steps log it too
        for line in preflight.lines_of(paths.warehouse):
            echo(line)
    report(paths, echo)
    if paths.published.exists():
        echo(f"Published for analysts (schemas marts, coaching, ops): {paths.published}")
    for result in results:
        for event in result.all_events:
            if event.is_step_materialization and event.asset_key.path[-1] == "monthly_digests":
                meta = event.event_specific_data.materialization.metadata
                echo(f"Digests: {meta['files'].value} files in {meta['directory'].value} "
                     f"(narrative: {meta['narrative_ai'].value} AI, {meta['narrative_template'].value} template); "
                     f"not mailed: coaching send --month {meta['months'].value}")
    for check in warnings:
        echo(f"warning {check.asset_key.to_user_string()}:{check.check_name}")
    for check in failed_checks:
        echo(f"FAILED CHECK {check.asset_key.to_user_string()}:{check.check_name}")
    ok = all(r.success for r in results) and not failed_checks and not refused
    echo(f"dbt and run log: {log_file}")
    echo(f"{'Finished' if ok else 'FAILED'} in {elapsed:.1f}s ({len(results)} runs)")
    for line in failure_lines(results) + ([f"  coaching not run: {refused}"] if refused else []):
        echo(line)
    return ok


def only_rejections(result) -> bool:
    """True when every failed step of `result` failed because extract files were rejected
    (the publish step's Failure, after publishing what loaded)."""
    failures = [e for e in result.all_events if e.is_step_failure]
    return bool(failures) and all(
        (data := e.event_specific_data.user_failure_data) is not None and REJECTED_FILES in (data.metadata or {})
        for e in failures
    )


def failure_lines(results) -> list[str]:
    """One line per failed step, naming its cause (db.error_line), not Dagster's wrapper; a
    run that failed before any step (a resource, the run's own setup) gets one line too."""
    lines = []
    for result in results:
        steps = [e for e in result.all_events if e.is_step_failure]
        lines += [f"  step {e.step_key} failed: {error_line(e.event_specific_data.error)}" for e in steps]
        if not steps and not result.success:
            for event in result.all_events:
                error = getattr(event.event_specific_data, "error", None) if event.is_run_failure else None
                if error is not None:
                    lines.append(f"  run {result.job_def.name} failed: {error_line(error)}")
    return lines


def report(paths: RunPaths, echo=print) -> None:
    echo(f"Warehouse: {paths.warehouse}")
    if not paths.warehouse.exists():
        return
    con = open_warehouse(paths.warehouse, read_only=True)
    try:
        schema = None
        counts = table_row_counts(con)
        for (table_schema, table), rows in counts.items():
            if table_schema != schema:
                schema = table_schema
                echo(f"  {schema}")
            echo(f"    {table:<44} {rows:>12,}")
        if ("raw", "_loaded_files") not in counts:  # a run that failed before loading anything
            return
        failed = con.execute(
            "select distinct file, error from raw._loaded_files f where status = 'failed' "
            "and not exists (select 1 from raw._loaded_files l where l.file = f.file and l.status = 'loaded')"
        ).fetchall()
        for file, error in failed:
            # the loader's messages start with the file already
            echo(f"  REJECTED FILE {error if error.startswith(file) else f'{file}: {error}'}")
    finally:
        con.close()

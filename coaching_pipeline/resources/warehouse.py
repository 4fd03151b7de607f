"""The DuckDB warehouse, the landing zone and the run's as_of, as Dagster resources."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from pydantic import Field

from .. import run_lock
from ..config import utc_today
from ..db import WarehouseLocked, error_line, existing_tables, open_warehouse
from ..paths import DEFAULT_WAREHOUSE, resolve_as_of, resolve_landing, resolve_output, resolve_warehouse

# Every asset that writes the warehouse runs in this pool, whose limit is 1 (dagster.yaml):
# DuckDB allows one writing process at a time.
WRITER_POOL = "duckdb_writer"


class Warehouse(ConfigurableResource):
    """The DuckDB file every layer lives in (schemas raw, staging, intermediate, marts, coaching)."""

    path: str | None = Field(default=None, description=(
        f"The DuckDB file. Unset: $COACHING_WAREHOUSE, else {DEFAULT_WAREHOUSE} (read when a step runs)"))

    @property
    def file(self) -> Path:
        """The file this run uses: the configured path, else the environment's, else the default."""
        return resolve_warehouse(self.path)

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection closed on exit, inside the warehouse's run lock (self.run_lock)."""
        with self.run_lock(), self._connect(read_only) as con:
            yield con

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        """The run lock (run_lock.py) for the block, read-only steps included: a reader keeps
        another run's writer out just as well. Already held by this process (`coaching run`
        executes its jobs in process), it is simply held once more; held by another process,
        the step fails with the holder's one line, and nothing of it runs."""
        from dagster import Failure, OpExecutionContext, get_dagster_logger

        try:
            context = OpExecutionContext.get()
            run_id, step = context.run_id, context.get_step_execution_context().step.key
            what = f"Dagster run {run_id}, step {step}"
        except Exception:  # noqa: BLE001 - outside a step (a script using the resource)
            what, run_id = "Dagster", None
        lock = contextlib.ExitStack()
        try:
            lock.enter_context(run_lock.hold(self.file, what, run_id=run_id, warn=get_dagster_logger().warning))
        except run_lock.RunLocked as locked:
            raise Failure(description=locked.message) from locked
        with lock:
            yield

    @contextlib.contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection closed on exit, so no step keeps the file locked after it ends.

        Every writer step does its work inside this block, so this is where a step's failure
        gets its message: an error raised inside (or a warehouse held by another process,
        db.WarehouseLocked) becomes a dagster.Failure whose description, what the UI shows
        first, is the cause's first line (db.error_line), raised from the error itself so
        its traceback stays in the event log."""
        from dagster import Failure, MetadataValue, RetryRequested
        from dagster._utils.error import serializable_error_info_from_exc_info

        def failure(exc: Exception) -> Failure:
            info = serializable_error_info_from_exc_info((type(exc), exc, exc.__traceback__))
            return Failure(description=error_line(info), metadata={"error": MetadataValue.text(info.to_string())})

        if not read_only:
            self.file.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = open_warehouse(self.file, read_only=read_only)
        except WarehouseLocked as locked:
            raise failure(locked) from locked
        try:
            yield con
        except BaseException as exc:
            try:
                con.close()
            except duckdb.Error as failed:  # on a full disk closing fails too: exc is the real error
                exc.add_note(f"(closing the warehouse failed too: {str(failed).strip().splitlines()[0]})")
            if not isinstance(exc, Exception) or isinstance(exc, Failure | RetryRequested):
                raise
            raise failure(exc) from exc
        con.close()


class LandingZone(ConfigurableResource):
    """Root folder of the extracts: crm/, gong/ and activity/."""

    path: str | None = Field(default=None, description=(
        "The landing zone. Unset: $COACHING_LANDING_DIR, else data/landing (read when a step runs)"))

    @property
    def folder(self) -> Path:
        return resolve_landing(self.path)


class RunSettings(ConfigurableResource):
    """Settings of one run. as_of empty: the latest event date found in the landing zone."""

    as_of: str | None = Field(default=None, description=(
        "The run's as_of (YYYY-MM-DD). Unset: $COACHING_AS_OF, else the latest event date loaded"))
    output_dir: str | None = Field(default=None, description=(
        "Where digests and logs go. Unset: $COACHING_OUTPUT_DIR, else data/output (read when a step runs)"))

    def as_of_date(self) -> dt.date | None:
        return resolve_as_of(self.as_of)

    @property
    def output(self) -> Path:
        return resolve_output(self.output_dir)


def latest_event_date(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> dt.date | None:
    """The default as_of: the latest date of an activity, Task, Event, Gong call or closed
    deal's CloseDate loaded,
    not after today (a meeting booked for next week, or a row dated 2099, is not data yet)."""
    existing = existing_tables(con, "raw")
    event_dates = {
        "activities": "occurred_at::date",
        "task": "coalesce(activity_date, created_date::date)",
        "event": "start_date_time::date",
        "gong_calls": "started::date",
        # a closed deal's CloseDate (the mart contract): CRM-only data gets the last close
        "opportunity": "case when is_closed and is_deleted is not true and _fivetran_deleted is not true "
                       "then close_date end",
    }
    selects = [
        f"select max({day}) as d from raw.{table} where {day} <= $today"
        for table, day in event_dates.items() if table in existing
    ]
    if not selects:
        return None
    return con.execute(
        f"select max(d) from ({' union all '.join(selects)})", {"today": today or utc_today()}
    ).fetchone()[0]

"""The DuckDB warehouse, the landing zone and the run's as_of, as Dagster resources."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from ..db import open_warehouse

# Every asset that writes the warehouse runs in this pool, whose limit is 1 (dagster.yaml):
# DuckDB allows one writing process at a time.
WRITER_POOL = "duckdb_writer"


class Warehouse(ConfigurableResource):
    """The DuckDB file every layer lives in (schemas raw, staging, intermediate, marts, coaching)."""

    path: str

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection closed on exit, so no step keeps the file locked after it ends."""
        if not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = open_warehouse(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()


class LandingZone(ConfigurableResource):
    """Root folder of the extracts: crm/, gong/ and activity/."""

    path: str


class RunSettings(ConfigurableResource):
    """Settings of one run. as_of empty: the latest event date found in the landing zone."""

    as_of: str | None = None
    output_dir: str

    def as_of_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of) if self.as_of else None


def latest_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The default as_of: the latest date of an activity, Task, Event or Gong call loaded."""
    existing = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    parts = {
        "activities": "max(occurred_at)",
        "task": "max(coalesce(activity_date, created_date::date))",
        "event": "max(start_date_time)",
        "gong_calls": "max(started)",
    }
    selects = [f"select {expr}::date as d from raw.{t}" for t, expr in parts.items() if t in existing]
    if not selects:
        return None
    return con.execute(f"select max(d) from ({' union all '.join(selects)})").fetchone()[0]

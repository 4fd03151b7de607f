"""The published analytics file (assets/publish.py), read-only, never the warehouse.

Publishing replaces the file by an atomic rename, so the app keeps one read-only connection
and re-opens when the file's inode or mtime changes. A request that started on the old
connection keeps it (it holds a reference) and finishes on the old snapshot; the old
connection is closed when the last such request lets go of it, so an open page never breaks
and a nightly run is never blocked (a read-only reader of analytics.duckdb does not lock the
warehouse, and the run only ever renames over the published file).

What is the same for every reader of one publication (its catalog, the current month's role
metrics of every seller) is read once per publication: `per_snapshot` keeps it beside the
connection it came from, and a request sees the memo of the snapshot its cursor reads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import duckdb

CATALOG = "published"
T = TypeVar("T")
# The memo of the snapshot the current request's cursor reads (PublishedFile.cursor sets it).
_SNAPSHOT_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("published_snapshot_memo", default=None)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


class NotPublished(RuntimeError):
    def __init__(self, path: Path):
        super().__init__(f"no published analytics file at {path}: run `coaching run` (or make run) first")


class PublishedFile:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None
        self._memo: dict[Any, Any] = {}
        self.generation = 0  # bumped at each re-open: caches derived from the file key on it

    def _current(self) -> tuple[duckdb.DuckDBPyConnection, int, dict[Any, Any]]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise NotPublished(self.path) from None
        stamp = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if stamp != self._stamp or self._con is None:
                # the old connection is not closed here: requests still reading it finish first.
                # An in-memory database attaching the file: duckdb.connect(path) would hand back
                # the instance it still caches for that path, i.e. the replaced file.
                con = duckdb.connect(":memory:")
                con.execute(f"attach '{_quote(self.path)}' as {CATALOG} (read_only)")
                self._con = con
                self._stamp = stamp
                self._memo = {}
                self.generation += 1
            return self._con, self.generation, self._memo

    @contextmanager
    def cursor(self):
        """A cursor of the newest published snapshot, for one request (DuckDB cursors are
        per thread; the connection is shared)."""
        con, _, memo = self._current()
        cur = con.cursor()
        cur.execute(f"use {CATALOG}")  # per connection: `marts.x` then names the published file
        token = _SNAPSHOT_MEMO.set(memo)
        try:
            yield cur
        finally:
            _SNAPSHOT_MEMO.reset(token)
            cur.close()

    def current_generation(self) -> int:
        return self._current()[1]


def per_snapshot(key: Any, cur: duckdb.DuckDBPyConnection, load: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """load(cur), read once per publication when `cur` comes from PublishedFile.cursor (else
    every time, e.g. a test's plain connection). The value is shared by every request on that
    snapshot: callers must not change it. Two requests racing on a new snapshot may both load
    it; they read the same file, so either result is the one kept."""
    memo = _SNAPSHOT_MEMO.get()
    if memo is None:
        return load(cur)
    if key not in memo:
        memo[key] = load(cur)
    return memo[key]


def rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    result = cur.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, r)) for r in result.fetchall()]


def _catalog(cur: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], frozenset[str]]:
    """(schema, table) -> its column names, for every table of the published file."""
    found: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in cur.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = ?",
            [CATALOG]).fetchall():
        found.setdefault((schema, table), set()).add(column)
    return {key: frozenset(names) for key, names in found.items()}


def has_table(cur: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (schema, table) in per_snapshot("catalog", cur, _catalog)


def columns_of(cur: duckdb.DuckDBPyConnection, schema: str, table: str) -> frozenset[str]:
    """The column names of a published table (empty when it is missing): an older file may
    lack a column a later release added, and the readers degrade instead of failing."""
    return per_snapshot("catalog", cur, _catalog).get((schema, table), frozenset())


def has_column(cur: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    return column in columns_of(cur, schema, table)


def weekly_rows(cur: duckdb.DuckDBPyConnection, coaching_ids: list[str]) -> dict[str, list[dict]]:
    """coaching_id -> its weekly rows (coaching.coaching_history: flagged, metric_value, the
    persistence clock), oldest first; empty when the file has no such table."""
    if not coaching_ids or not has_table(cur, "coaching", "coaching_history"):
        return {}
    out: dict[str, list[dict]] = {}
    for r in rows(cur, """
            select coaching_id, assessment_date, flagged, metric_value, clock_week, clock_reset, escalated
            from coaching.coaching_history where list_contains(?::varchar[], coaching_id)
            order by coaching_id, assessment_date""", [coaching_ids]):
        out.setdefault(r.pop("coaching_id"), []).append(r)
    return out

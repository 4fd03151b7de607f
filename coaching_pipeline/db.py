"""Opening the DuckDB warehouse.

DuckDB names a database file's catalog after its file stem, and a schema with the same
name as the catalog makes every `schema.table` reference ambiguous: a warehouse called
`coaching.duckdb` or `marts.duckdb` holds the contract's schema of that name. So the file is
always attached under the fixed alias `warehouse` (as dbt's profile does), whatever its name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator

import click
import duckdb

from .config import settings
from .paths import published_path

ALIAS = "warehouse"

# DuckDB names the process holding a file's lock: 'Conflicting lock is held in
# /usr/bin/python3.11 (PID 12345) by user root' (the user part is not printed everywhere).
_LOCK_HOLDER = re.compile(
    r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)(?: by user (?P<user>[^\s.]+))?"
)


class WarehouseLocked(duckdb.IOException, click.ClickException):
    """The warehouse file is held by another process. An IOException still, so code catching
    DuckDB's errors keeps catching it; a ClickException too, so every `coaching` command prints
    just its one line and exits 1, with no traceback and no handler in each command."""

    def __init__(self, path: str | os.PathLike, duckdb_message: str):
        holder = _LOCK_HOLDER.search(duckdb_message)
        self.pid = int(holder["pid"]) if holder else None
        who = ""
        if holder:
            user = f", user {holder['user']}" if holder["user"] else ""
            who = f" ({holder['program']}, PID {holder['pid']}{user})"
        super().__init__(
            f"warehouse {path} is locked by another process{who}: wait for that run to finish or stop it; "
            f"analysts should open the published file {published_path(path)} instead"
        )


def open_warehouse(path: str | os.PathLike, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the warehouse file, attached as `warehouse`.
    Raises WarehouseLocked when another process holds the file."""
    con = duckdb.connect(config=duckdb_settings(path))
    quoted = str(path).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS {ALIAS}{' (READ_ONLY)' if read_only else ''}")
        con.execute(f"USE {ALIAS}")
    except BaseException as exc:
        con.close()
        if isinstance(exc, duckdb.IOException) and "Could not set lock on file" in str(exc):
            raise WarehouseLocked(path, str(exc)) from exc
        raise
    return con


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    """The names of the tables and views of `schema` in the connection's current database
    (the warehouse, not a file attached beside it): one catalog query, none created."""
    return {
        row[0] for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ?",
            [schema],
        ).fetchall()
    }


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether `schema.table` (a table or view) exists in the connection's current database."""
    return table in existing_tables(con, schema)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The column names of `schema.table` in the connection's current database (empty when missing)."""
    return {row[0] for row in con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() and schema_name = ? "
        "and table_name = ?", [schema, table]).fetchall()}


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's current database is attached read-only (nothing may be written)."""
    row = con.execute("select readonly from duckdb_databases() where database_name = current_database()").fetchone()
    return bool(row and row[0])


def utc_now() -> dt.datetime:
    """Now in UTC as the warehouse stores it: a naive TIMESTAMP holding UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the caller holds an open transaction on `con`. DuckDB has no such flag, and a
    BEGIN inside a transaction aborts it; in autocommit every statement gets a new
    transaction id, inside a transaction they share one."""
    query = "select current_transaction_id()"
    return con.execute(query).fetchone()[0] == con.execute(query).fetchone()[0]


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, commit: bool = True, join: bool = True) -> Iterator[None]:
    """The block in one transaction: committed at its end, rolled back (`rollback`, keeping
    the error) when it raises.
    join: inside a transaction the caller opened, the block runs in it and the caller commits;
    join=False begins one regardless (DuckDB refuses a transaction inside another).
    commit=False: rolled back at the end even when the block succeeds (a dry run)."""
    if join and in_transaction(con):
        yield
        return
    con.begin()
    try:
        yield
    except BaseException as exc:
        rollback(con, exc)
        raise
    if commit:
        con.commit()
    else:
        con.rollback()


def rollback(con: duckdb.DuckDBPyConnection, cause: BaseException) -> None:
    """Roll back after `cause` without hiding it: on a full disk or an invalidated
    database the ROLLBACK fails too, and its error would replace the real one. The
    caller re-raises `cause`, which then carries the rollback's failure as a note."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as failed:
        cause.add_note(f"(the rollback failed too: {str(failed).strip().splitlines()[0]})")


# Errors whose message is already the sentence an operator should read (dagster.Failure's
# description, the lock above): the summary stops there and drops the class name.
PLAIN_ERRORS = {"Failure", "WarehouseLocked", "RunLocked"}
# Classes that add nothing to their message ("RuntimeError: dbt build failed: ...").
_GENERIC_ERRORS = {"Exception", "RuntimeError"}


def error_line(error) -> str:
    """One line naming the cause of a failure, from a (Dagster) SerializableErrorInfo or
    anything with its cls_name, message, cause and context.

    Dagster's own wrappers ("Error occurred while executing op ...") give way to the user
    exception they carry (their `cause`). An exception raised while handling another (its
    `context`: a failed rollback or cleanup) gives way to the one being handled, the real
    error. An explicit `raise ... from` is a translation that chose its words: it stays.
    The class name is kept when it tells something ("ValueError: boom: x", "OSError: [Errno
    28] No space left on device"), not for DuckDB's errors, whose message names their kind
    ("IO Error: ..."), nor for the plain and generic ones above."""
    while True:
        wrapper = error.message.startswith("dagster.") and error.cls_name not in PLAIN_ERRORS
        if wrapper and error.cause is not None:
            error = error.cause
        elif error.cls_name not in PLAIN_ERRORS and error.cause is None and error.context is not None:
            error = error.context
        else:
            break
    first = (error.message.strip().splitlines() or [""])[0].strip()
    qualified, sep, text = first.partition(": ")
    if not sep and qualified.split(".")[-1] == error.cls_name:
        return error.cls_name  # an exception without a message
    if not sep or qualified.split(".")[-1] != error.cls_name:
        return first
    if error.cls_name in PLAIN_ERRORS | _GENERIC_ERRORS or qualified.startswith(("_duckdb.", "duckdb.")):
        return text
    return f"{error.cls_name}: {text}"


def duckdb_settings(path: str | os.PathLike) -> dict[str, str]:
    """The memory limit and checkpoint threshold (settings.yaml: warehouse) and where to spill
    beyond the limit; dbt's connection gets the same (profiles.yml)."""
    warehouse = settings().warehouse
    return {"memory_limit": warehouse.memory_limit, "checkpoint_threshold": warehouse.checkpoint_threshold,
            "temp_directory": f"{path}.tmp"}


def table_row_counts(con: duckdb.DuckDBPyConnection, schemas: list[str] | None = None) -> dict[tuple[str, str], int]:
    """{(schema, table): rows} of the warehouse's tables, by schema then table name: the
    given schemas, else every schema but `main`."""
    where = f"table_schema in ({', '.join('?' for _ in schemas)})" if schemas else "table_schema <> 'main'"
    tables = con.execute(
        f"select table_schema, table_name from information_schema.tables where table_catalog = '{ALIAS}' "
        f"and {where} order by 1, 2",
        schemas or [],
    ).fetchall()
    return {(s, t): con.execute(f'select count(*) from {s}."{t}"').fetchone()[0] for s, t in tables}

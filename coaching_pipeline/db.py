"""Opening the DuckDB warehouse.

DuckDB names a database file's catalog after its file stem, and a schema with the same
name as the catalog makes every `schema.table` reference ambiguous: the default warehouse
`coaching.duckdb` holds the contract's schema `coaching`. So the file is always attached
under the fixed alias `warehouse` (as dbt's profile does), whatever the user names it.
"""

from __future__ import annotations

import os

import duckdb

from .config import settings

ALIAS = "warehouse"


def open_warehouse(path: str | os.PathLike, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the warehouse file, attached as `warehouse`."""
    con = duckdb.connect(config=duckdb_settings(path))
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {ALIAS}{' (READ_ONLY)' if read_only else ''}")
    con.execute(f"USE {ALIAS}")
    return con


def rollback(con: duckdb.DuckDBPyConnection, cause: BaseException) -> None:
    """Roll back after `cause` without hiding it: on a full disk or an invalidated
    database the ROLLBACK fails too, and its error would replace the real one. The
    caller re-raises `cause`, which then carries the rollback's failure as a note."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as failed:
        cause.add_note(f"(the rollback failed too: {str(failed).strip().splitlines()[0]})")


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

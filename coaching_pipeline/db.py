"""Opening the DuckDB warehouse.

DuckDB names a database file's catalog after its file stem, and a schema with the same
name as the catalog makes every `schema.table` reference ambiguous: the default warehouse
`coaching.duckdb` holds the contract's schema `coaching`. So the file is always attached
under the fixed alias `warehouse` (as dbt's profile does), whatever the user names it.
"""

from __future__ import annotations

import os

import duckdb

ALIAS = "warehouse"


def open_warehouse(path: str | os.PathLike, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the warehouse file, attached as `warehouse`."""
    con = duckdb.connect()
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {ALIAS}{' (READ_ONLY)' if read_only else ''}")
    con.execute(f"USE {ALIAS}")
    return con

"""The `raw` schema's tables: the load ledger, the quarantine and one table per landing-zone
object, created when missing and brought up to the object definitions of this version
(declared columns added, money made exact, former extra columns typed)."""

from __future__ import annotations

import logging

import duckdb

from . import objects as o

log = logging.getLogger(__name__)

LEDGER = "raw._loaded_files"
QUARANTINE = "raw.quarantine"

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS {LEDGER} (
    file VARCHAR NOT NULL,          -- path relative to the landing root
    object VARCHAR NOT NULL,        -- raw table it loads into
    checksum VARCHAR NOT NULL,      -- sha256 of the file's bytes
    size_bytes BIGINT,
    modified_ns BIGINT,             -- the file's mtime (ns) when it was read
    status VARCHAR NOT NULL,        -- loaded | failed
    rows_read BIGINT,
    rows_loaded BIGINT,             -- inserted or replacing an older version
    rows_superseded BIGINT,         -- valid, but an existing version is newer
    rows_merged BIGINT,             -- identical duplicates inside the file, loaded once
    rows_quarantined BIGINT,
    error VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS {QUARANTINE} (
    source VARCHAR NOT NULL,        -- raw table the row was meant for
    file VARCHAR NOT NULL,
    row_number BIGINT,              -- 1-based record number in the file (header excluded); 0 = whole page
    reason VARCHAR NOT NULL,
    raw_row VARCHAR,                -- the delivered values as JSON (a broken page or row: its text)
    quarantined_at TIMESTAMP NOT NULL
);
ALTER TABLE {LEDGER} ADD COLUMN IF NOT EXISTS modified_ns BIGINT;
"""


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, objects: list[o.SourceObject]) -> None:
    con.execute(_DDL)
    for obj in objects:
        cols = [f'"{c.name}" {o.DUCKDB_TYPES[c.kind]}' for c in obj.columns]
        cols += [f'"{n}" {t}' for n, t in o.LOAD_METADATA_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS {obj.table} ({', '.join(cols)})")
        # Declared columns added to the spec later (e.g. a newly configured field)
        existing = table_columns(con, obj.name)
        for c in obj.columns:
            wanted = o.DUCKDB_TYPES[c.kind]
            if c.name not in existing:
                con.execute(f'ALTER TABLE {obj.table} ADD COLUMN "{c.name}" {wanted}')
            elif c.kind in (o.MONEY, o.RATE) and existing[c.name] != wanted:
                # A warehouse from before money was exact holds DOUBLE amounts: made DECIMAL
                # once (DuckDB rounds each value to the cent), so old and new rows compare exactly.
                con.execute(f'ALTER TABLE {obj.table} ALTER COLUMN "{c.name}" TYPE {wanted}')
            elif existing[c.name] == "VARCHAR" and wanted != "VARCHAR":
                _type_former_extra_column(con, obj, c, wanted)


def _type_former_extra_column(con, obj: o.SourceObject, column: o.Column, wanted: str) -> None:
    """A column declared now that an earlier version stored as an unknown extra column (text
    as delivered, e.g. the activity log's sequence_step before issue 20) gets its declared
    type, once. Those rows were never validated: a value that does not convert becomes null,
    and the count is logged (its file still holds it)."""
    text = f'nullif(trim("{column.name}"), \'\')'
    lost = con.execute(
        f"select count(*) from {obj.table} where {text} is not null and try_cast({text} as {wanted}) is null"
    ).fetchone()[0]
    con.execute(f'ALTER TABLE {obj.table} ALTER COLUMN "{column.name}" TYPE {wanted} '
                f"USING try_cast({text} as {wanted})")
    if lost:
        log.warning(f"{obj.table}.{column.name}: {lost} value(s) loaded before the column was declared are not "
                    f"{column.kind} and became null")


def table_columns(con, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of a raw table."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'raw' and table_name = ?",
        [table],
    ).fetchall()
    return dict(rows)

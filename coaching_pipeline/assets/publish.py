"""Publishing for analysts: the marts and the coaching tables copied into a separate DuckDB
file (`analytics.duckdb` beside the warehouse, config.published_path) that is replaced
atomically.

Why a copy: DuckDB lets one process write a file, and a read-write process cannot open a
file another process holds. An analyst with the warehouse open would block the nightly
run; with the published copy open, nothing blocks: each publication is written to a temp
file in the same folder and moved over the old one with os.replace (one rename, atomic on
POSIX). A reader that opened the old file keeps reading the old snapshot (its inode lives
until it closes); a reader that opens after the rename gets the new one; nobody ever sees
half of each. A failed run never reaches this step, so it publishes nothing.

Layout of the published file, chosen for the way analysts type queries: the same schemas
as the warehouse, `marts` (`select * from marts.rep_performance`) and `coaching`
(`select * from coaching.coaching_log`); `marts.publication` lists every published table
with its row count, the run and as_of. DuckDB names a file's catalog after its stem and a
schema of that name would make `stem.table` ambiguous: the stem `analytics` is no schema,
and `main` stays empty.

Schema `ops`, for the workbench's data-quality and run-status page (which reads only this
file, never the warehouse) and for ops at the DuckDB CLI: `ops.loaded_files`, the ingestion
ledger (raw._loaded_files) as one row per extract file, its newest attempt (loaded or
rejected, with the reason); `ops.quarantine_summary`, the rows set aside (raw.quarantine)
counted per file and reason, with the first row numbers. Their columns are documented in
_OPS_DOCS (as comments in the file). Written into the same temp file as the rest, so they
always describe the run whose marts they sit beside; skipped while the warehouse has no
ledger yet (nothing was ever ingested).
"""

import datetime as dt
import os
import uuid
from pathlib import Path

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ..db import existing_tables, open_warehouse, utc_now
from ..paths import published_path
from ..resources import WRITER_POOL, Warehouse
from .coaching import ASSESSMENTS, COACHING_LOG, DAILY_FLAGS, ESCALATIONS

# The key predates the file's name analytics.duckdb: kept, so the asset's history, its
# step name and the schedules' selections stay what they were.
PUBLISHED_MARTS = AssetKey(["warehouse", "published_marts"])

# The mart contract's tables (schema `marts` in both files).
MART_TABLES = ("users", "sellers", "rep_performance", "top_performer_patterns", "rep_activities", "deal_health_scores",
               "next_best_actions", "role_metrics")
# The coaching state analysts read (schema `coaching` in both files). Internal tables
# (caches) are not published. A table not created yet (no weekly run so far) is skipped.
COACHING_TABLES = ("skill_assessment_log", "coaching_log", "coaching_history", "escalations", "daily_flags",
                   "decisions", "process_gaps")

MART_KEYS = [AssetKey(["marts", name]) for name in MART_TABLES]


_PUBLICATION_DOCS = {
    None: "What this file holds: one row per published table, written by the run that published it.",
    "table_schema": "marts, coaching or ops.",
    "table_name": "The published table.",
    "row_count": "Its rows when published.",
    "published_at": "When the file was written (UTC).",
    "as_of": "The as-of date of the marts (intermediate.int_as_of): records dated after it are ignored.",
    "dagster_run_id": "The Dagster run (or coaching run) that published it; null for a publish outside a run.",
}


# The ops tables: what the ingestion ledger and the quarantine say, shaped for reading (the
# raw rows stay in the warehouse). One row per file: the ledger keeps every attempt, and a
# rejected file is retried (and recorded again) by every run until it is fixed.
_OPS_TABLES = {
    "loaded_files": """
        select split_part(file, '/', 1) as source, object, file, status, loaded_at,
               make_timestamp(modified_ns // 1000) as file_modified_at, size_bytes, rows_read, rows_loaded,
               rows_superseded, rows_merged, rows_quarantined, error, attempts
        from (select *, row_number() over (partition by file order by loaded_at desc) as newest,
                     count(*) over (partition by file) as attempts
              from warehouse.raw._loaded_files)
        where newest = 1
        order by loaded_at, file""",
    # Reasons name the offending value ("Amount: must be >= 0 (got '-12500')") or the rows
    # ("... (rows 1, 2)"): without that tail one bad column of a big file is one row here.
    "quarantine_summary": """
        select split_part(file, '/', 1) as source, object, file, reason, count(*) as rows,
               list_slice(list_sort(list(distinct row_number)), 1, 10) as first_rows,
               min(example) as example_reason, min(quarantined_at) as first_quarantined_at,
               max(quarantined_at) as last_quarantined_at
        from (select source as object, file, row_number, quarantined_at, reason as example,
                     regexp_replace(reason, '\\s*\\((got|rows) .*\\)$', '') as reason
              from warehouse.raw.quarantine)
        group by all
        order by file, rows desc, reason""",
}
_OPS_DOCS = {
    "loaded_files": {
        None: "One row per extract file of the landing zone that ingestion ever read (raw._loaded_files, the "
              "newest attempt of each): loaded, or rejected whole with the reason.",
        "source": "The landing-zone folder: crm, gong or activity.",
        "object": "The raw table the file loads into.",
        "file": "Path relative to the landing root.",
        "status": "loaded, or failed: the file was rejected whole (nothing of it loaded); see error.",
        "loaded_at": "When ingestion recorded this attempt (UTC).",
        "file_modified_at": "The file's modification time when it was read (UTC).",
        "size_bytes": "The file's size when it was read.",
        "rows_read": "Records read from the file.",
        "rows_loaded": "Rows inserted or replacing an older version.",
        "rows_superseded": "Valid rows not loaded because the stored version is newer.",
        "rows_merged": "Identical duplicates inside the file, loaded once.",
        "rows_quarantined": "Rows set aside with their reason (ops.quarantine_summary).",
        "error": "Why the file was rejected; null when it loaded.",
        "attempts": "How many times ingestion recorded this file (a rejected file is retried every run).",
    },
    "quarantine_summary": {
        None: "The rows ingestion set aside (raw.quarantine), counted per file and reason; the rows themselves "
              "stay in the warehouse.",
        "source": "The landing-zone folder: crm, gong or activity.",
        "object": "The raw table the rows were meant for.",
        "file": "Path relative to the landing root.",
        "reason": "Why they were set aside, without the offending value (see example_reason).",
        "rows": "Rows set aside for this reason in this file.",
        "first_rows": "The first (at most 10) record numbers in the file, 1-based, header excluded; 0 is the "
                      "whole page (a page that does not parse).",
        "example_reason": "One full reason, with its offending value.",
        "first_quarantined_at": "When the first of them was set aside (UTC).",
        "last_quarantined_at": "When the last of them was set aside (UTC).",
    },
}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The table's and its columns' comments (the dbt docs, persisted; the coaching tables'
    docs) onto the published copy: `create table as` carries data, not comments."""
    where = "database_name = 'warehouse' and schema_name = ? and table_name = ?"
    row = con.execute(f"select comment from duckdb_tables() where {where}", [schema, table]).fetchone()
    statements = []
    if row and row[0]:
        statements.append(f'COMMENT ON TABLE published.{schema}."{table}" IS {_sql_text(row[0])}')
    for column, comment in con.execute(
        f"select column_name, comment from duckdb_columns() where {where} and comment is not null and comment <> ''",
        [schema, table],
    ).fetchall():
        statements.append(f'COMMENT ON COLUMN published.{schema}."{table}"."{column}" IS {_sql_text(comment)}')
    for statement in statements:
        con.execute(statement)


_PUBLICATION_COMMENTS = [
    f"COMMENT ON TABLE published.marts.publication IS {_sql_text(text)}" if column is None
    else f"COMMENT ON COLUMN published.marts.publication.{column} IS {_sql_text(text)}"
    for column, text in _PUBLICATION_DOCS.items()
]


def _publish_ops(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """The ops schema into the attached temp file; nothing while nothing was ever ingested."""
    if not _existing(con, "raw", ("_loaded_files",)):
        return []
    con.execute("create schema published.ops")
    published = []
    for table in [t for t in _OPS_TABLES if t == "loaded_files" or _existing(con, "raw", ("quarantine",))]:
        con.execute(f"create table published.ops.{table} as {_OPS_TABLES[table]}")
        for column, text in _OPS_DOCS[table].items():
            target = f"TABLE published.ops.{table}" if column is None else f"COLUMN published.ops.{table}.{column}"
            con.execute(f"COMMENT ON {target} IS {_sql_text(text)}")
        published.append(("ops", table, _rows(con, f"published.ops.{table}")))
    return published


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _existing(con, schema: str, names: tuple[str, ...]) -> list[str]:
    present = existing_tables(con, schema)  # of the warehouse, the connection's database
    return [n for n in names if n in present]


def publish(warehouse: str | os.PathLike, target: str | os.PathLike | None = None, run_id: str | None = None,
            con: duckdb.DuckDBPyConnection | None = None) -> list[tuple[str, str, int]]:
    """Copy the marts and coaching tables of `warehouse` into `target` (default: analytics.duckdb
    beside it) by an atomic replace. Returns (schema, table, rows) per published table.
    `con`: an open connection to `warehouse` to read through (left open), else one is opened."""
    target = Path(target) if target else published_path(warehouse)
    if target.resolve() == Path(warehouse).resolve():
        raise RuntimeError(f"cannot publish {warehouse} over itself: publish it to another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of a publication killed mid-way (the pool runs one publication at a time).
    for stale in target.parent.glob(f".{target.name}.*.tmp*"):
        stale.unlink(missing_ok=True)
    # Same folder as the target: os.replace is only atomic within one file system.
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    published: list[tuple[str, str, int]] = []
    own = con is None
    if own:
        con = open_warehouse(warehouse, read_only=True)
    try:
        missing = [t for t in MART_TABLES if t not in _existing(con, "marts", MART_TABLES)]
        if missing:
            raise RuntimeError(f"cannot publish: mart tables missing from {warehouse}: {', '.join(missing)}")
        as_of = None
        if _existing(con, "intermediate", ("int_as_of",)):
            as_of = con.execute("select max(as_of) from intermediate.int_as_of").fetchone()[0]
        con.execute(f"ATTACH '{_quote(temp)}' AS published")
        try:
            con.execute("create schema published.marts")
            for table in MART_TABLES:
                con.execute(f'create table published.marts."{table}" as select * from warehouse.marts."{table}"')
                _copy_comments(con, "marts", table)
                published.append(("marts", table, _rows(con, f'published.marts."{table}"')))
            con.execute("create schema published.coaching")
            for table in _existing(con, "coaching", COACHING_TABLES):
                con.execute(
                    f'create table published.coaching."{table}" as select * from warehouse.coaching."{table}"'
                )
                _copy_comments(con, "coaching", table)
                published.append(("coaching", table, _rows(con, f'published.coaching."{table}"')))
            published += _publish_ops(con)
            con.execute(
                "create table published.marts.publication (table_schema varchar, table_name varchar, "
                "row_count bigint, published_at timestamp, as_of date, dagster_run_id varchar)"
            )
            for statement in _PUBLICATION_COMMENTS:
                con.execute(statement)
            now = utc_now()
            con.executemany(
                "insert into published.marts.publication values (?, ?, ?, ?, ?, ?)",
                [(s, t, n, now, as_of, run_id) for s, t, n in published],
            )
        except BaseException as exc:
            # The DETACH below checkpoints the temp file: on a full disk it fails too, and its
            # error would replace the real one.
            try:
                con.execute("DETACH DATABASE IF EXISTS published")
            except duckdb.Error as failed:
                exc.add_note(f"(closing the temp file failed too: {str(failed).strip().splitlines()[0]})")
            raise
        # DETACH checkpoints and closes the temp file: after it, no WAL is left and the
        # file is complete on its own.
        con.execute("DETACH DATABASE IF EXISTS published")
    except BaseException:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
        raise
    finally:
        if own:
            con.close()
    _fsync(temp)
    os.replace(temp, target)
    _fsync(target.parent)
    return published


def _rows(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def _fsync(path: Path) -> None:
    """Flush to disk so a power cut after the rename cannot leave an empty file behind it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


REJECTED_FILES = "rejected_files"


def _run_start(context: AssetExecutionContext) -> dt.datetime | None:
    stats = context.instance.get_run_stats(context.run.run_id)
    if stats.start_time is None:
        return None
    return dt.datetime.fromtimestamp(stats.start_time, dt.UTC).replace(tzinfo=None)


def rejected_since(con: duckdb.DuckDBPyConnection, started: dt.datetime | None) -> list[tuple[str, str]]:
    """(file, reason) of every extract file rejected whole since `started` (this run)."""
    if started is None:
        return []
    return con.execute(
        "select file, error from raw._loaded_files where status = 'failed' and loaded_at >= ? order by file",
        [started],
    ).fetchall()


def rejection_message(rejected: list[tuple[str, str]]) -> str:
    first = rejected[0][1]
    more = f" (and {len(rejected) - 1} more rejected file{'s' if len(rejected) > 2 else ''})" if len(rejected) > 1 else ""
    return (f"{first}{more}. Everything else loaded and is published; fix or remove the file and run again.")


@asset(
    key=PUBLISHED_MARTS,
    deps=[*MART_KEYS, DAILY_FLAGS, ASSESSMENTS, COACHING_LOG, ESCALATIONS],
    group_name="publish",
    pool=WRITER_POOL,  # reads the warehouse: no writer may hold it meanwhile
    kinds={"duckdb"},
    description="The marts (schema marts: `select * from marts.rep_performance`) and the coaching tables "
    "(schema coaching) copied to analytics.duckdb beside the warehouse by an atomic replace, for analysts: "
    "holding it open never blocks a run, and a reader never sees a half-written state.",
)
def published_marts(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    target = published_path(warehouse.file)
    # Through the resource's connection: a failure gets its cause as its message, and a
    # warehouse held by another process stops the run (Warehouse.connect).
    started = _run_start(context)
    with warehouse.connect(read_only=True) as con:
        published = publish(warehouse.file, target, run_id=context.run.run_id, con=con)
        rejected = rejected_since(con, started)
    rows = sum(n for _, _, n in published)
    context.log.info(f"published {len(published)} tables ({rows:,} rows) to {target}")
    table = "\n".join(
        ["| table | rows |", "|---|---:|"]
        + [f"| {s}.{t} | {n:,} |" for s, t, n in published]
    )
    metadata = {
        "path": MetadataValue.path(str(target)),
        "tables_published": len(published),
        "rows_published": rows,
        "file_size_bytes": target.stat().st_size,
        "tables": MetadataValue.md(table),
        **{f"rows/{s}.{t}": n for s, t, n in published},
    }
    if rejected:
        # What loaded is published (recorded as this asset's materialization: the file is new),
        # but the run must not look green: it ends failed with the rejection as its message.
        context.log_event(AssetMaterialization(asset_key=PUBLISHED_MARTS, metadata=metadata))
        raise Failure(description=rejection_message(rejected), metadata={REJECTED_FILES: len(rejected)})
    return MaterializeResult(metadata=metadata)

"""Loading files into `raw`: one transaction per file, so a crash or kill mid-load leaves
no partial file behind; a ledger of loaded files (path + checksum) makes reloads no-ops.

Per file: read -> validate every row (pandera) -> quarantine failures with their reason
-> settle duplicates inside the file -> upsert by key with the re-delivery rule (greatest
SystemModstamp, else LastModifiedDate, else the later file in name order) -> record the
file in `raw._loaded_files`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import polars as pl

from ..db import transaction
from . import objects as o
from .parsing import null_of
from .raw_tables import LEDGER, QUARANTINE, ensure_raw_tables, table_columns
from .readers import Delivery, FileRejected, discover, link_outside, read
from .validation import PARSED, row_failures, with_parsed

log = logging.getLogger(__name__)

# Per file, inside its transaction: the stored rows whose key the file delivers again.
_STORED = "temp._upsert_stored"


@dataclass
class FileResult:
    file: str
    object: str
    status: str  # loaded | skipped | failed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_superseded: int = 0
    rows_merged: int = 0
    rows_quarantined: int = 0
    error: str | None = None


def file_checksum(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _already_loaded(con, rel: str, checksum: str) -> bool:
    return bool(
        con.execute(
            f"select 1 from {LEDGER} where file = ? and checksum = ? and status = 'loaded' limit 1",
            [rel, checksum],
        ).fetchone()
    )


_INTERNAL_COLUMNS = {"_source_row", "_row_hash", "_pos", "_key", "reason"}


def _is_internal(column: str) -> bool:
    return column in _INTERNAL_COLUMNS or column.startswith(PARSED)


def _raw_json(frame: pl.DataFrame, delivered_names: dict[str, str]) -> pl.Series:
    """Each row's delivered values as a JSON object keyed by the delivered column names."""
    cols = [c for c in frame.columns if not _is_internal(c)]
    renamed = frame.select(pl.col(c).cast(pl.Utf8).alias(delivered_names.get(c, c)) for c in cols)
    return renamed.select(pl.struct(pl.all()).struct.json_encode()).to_series()


def _version_newer_or_same(obj: o.SourceObject, new: str, old: str) -> str:
    """SQL: the `new` row's version is >= the `old` row's (re-delivery rule)."""
    floor = "TIMESTAMP '0001-01-01'"
    terms = [(f"coalesce({new}.{c}, {floor})", f"coalesce({old}.{c}, {floor})") for c in obj.version_columns]
    terms.append((f"{new}._source_file", f"{old}._source_file"))
    sql = f"{terms[-1][0]} >= {terms[-1][1]}"
    for n, p in reversed(terms[:-1]):
        sql = f"({n} > {p} OR ({n} = {p} AND {sql}))"
    return sql


class Loader:
    """Loads the files of one source object into its raw table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, landing: Path, obj: o.SourceObject):
        self.con, self.landing, self.obj = con, landing, obj

    def files(self) -> list[Path]:
        return discover(self.landing, self.obj)

    @cached_property
    def _loaded_stats(self) -> dict[str, tuple[int, int]]:
        """file -> (size, mtime) of this object's loaded files. Extracts are never edited in
        place (landing-zone contract): a file with the size and mtime it was loaded with is
        the same file, and a nightly run need not hash the whole landing zone again (9 GB
        at scale L). Anything else is hashed, so a re-written file is still caught."""
        rows = self.con.execute(
            f"select file, size_bytes, modified_ns from {LEDGER} "
            "where object = ? and status = 'loaded' and modified_ns is not null",
            [self.obj.name],
        ).fetchall()
        return {file: (size, modified) for file, size, modified in rows}

    def load_all(self, progress=None) -> list[FileResult]:
        results = []
        for path in self.files():
            results.append(self.load_file(path))
            if progress is not None:
                progress(results[-1])
        return results

    def load_file(self, path: Path) -> FileResult:
        rel = path.relative_to(self.landing).as_posix()
        target = link_outside(self.landing, path)
        if target is not None:
            message = f"{rel}: a link to {target}, outside the landing zone; not followed, nothing loaded from it"
            # The checksum stands for the link itself: its target is never read.
            self._record_failure(rel, hashlib.sha256(str(target).encode()).hexdigest(), path.lstat(), message)
            log.error(message)
            return FileResult(rel, self.obj.name, "failed", error=message)
        stat = path.stat()
        if self._loaded_stats.get(rel) == (stat.st_size, stat.st_mtime_ns):
            return FileResult(rel, self.obj.name, "skipped")
        checksum = file_checksum(path)
        if _already_loaded(self.con, rel, checksum):
            return FileResult(rel, self.obj.name, "skipped")
        try:
            delivery = read(path, self.obj)
            # Messages name the file relative to the landing root, as the ledger does.
        except FileRejected as exc:
            message = str(exc).replace(str(path), rel)
            self._record_failure(rel, checksum, stat, message)
            log.error(message)
            return FileResult(rel, self.obj.name, "failed", error=message)
        result = FileResult(rel, self.obj.name, "loaded", rows_read=delivery.frame.height)
        self._load_delivery(delivery, rel, checksum, stat, result)
        return result

    def _load_time(self) -> dt.datetime:
        """Now, but strictly after every load in the ledger. The incremental dbt models
        build the raw rows loaded after the newest _loaded_at they hold, so load times must
        only grow (and no two files share one), even if the clock steps back."""
        last = self.con.execute(f"select max(loaded_at) from {LEDGER}").fetchone()[0]
        now = _now()
        return now if last is None or now > last else last + dt.timedelta(microseconds=1)

    def _record_failure(self, rel, checksum, stat: os.stat_result, message) -> None:
        self.con.execute(
            f"insert into {LEDGER} (file, object, checksum, size_bytes, modified_ns, status, error, loaded_at) "
            "values (?, ?, ?, ?, ?, 'failed', ?, ?)",
            [rel, self.obj.name, checksum, stat.st_size, stat.st_mtime_ns, message, self._load_time()],
        )

    def _load_delivery(self, delivery: Delivery, rel: str, checksum: str, stat: os.stat_result, result: FileResult):
        obj, frame = self.obj, delivery.frame
        loaded_at = self._load_time()
        quarantine: list[pl.DataFrame] = []
        if delivery.unreadable:
            reason, text = delivery.unreadable
            quarantine.append(_quarantine_frame(obj.name, rel, [0], [reason], [text], loaded_at))
            result.rows_read = 1
        if delivery.malformed:
            bad = delivery.malformed
            quarantine.append(_quarantine_frame(obj.name, rel, [m.row for m in bad], [m.reason for m in bad],
                                                [m.text for m in bad], loaded_at))
            result.rows_read += len(bad)

        if frame.height:
            frame = frame.with_columns(
                _row_hash=frame.drop("_source_row").hash_rows(seed=0, seed_1=1, seed_2=2, seed_3=3)
            )
            frame = with_parsed(frame, obj)
            failures = row_failures(frame.drop("_source_row", "_row_hash"), obj, delivery.delivered_names)
            if failures:
                bad = pl.DataFrame(
                    {"_pos": list(failures), "reason": list(failures.values())},
                    schema={"_pos": pl.UInt32, "reason": pl.Utf8},
                )
                positioned = frame.with_row_index("_pos")
                rejected = positioned.join(bad, on="_pos", how="inner")
                quarantine.append(self._quarantine_rows(rejected, delivery, rel, loaded_at))
                frame = positioned.join(bad, on="_pos", how="anti").drop("_pos")
            frame, conflicts, merged = self._settle_duplicates(frame, delivery.delivered_names)
            if conflicts is not None and conflicts.height:
                quarantine.append(self._quarantine_rows(conflicts, delivery, rel, loaded_at))
            result.rows_merged = merged

        typed_frame = self._typed(frame, delivery, rel, loaded_at)
        quarantined = sum(q.height for q in quarantine)
        result.rows_quarantined = quarantined

        con = self.con
        with transaction(con, join=False):  # one file, one transaction: all of it loads or none
            self._add_extra_columns(delivery.extra_columns)
            if typed_frame.height:
                inserted = self._upsert(typed_frame)
                result.rows_loaded = inserted
                result.rows_superseded = typed_frame.height - inserted
            for q in quarantine:
                con.register("_quarantine_batch", q)
                con.execute(f"insert into {QUARANTINE} by name select * from _quarantine_batch")
                con.unregister("_quarantine_batch")
            con.execute(
                f"insert into {LEDGER} (file, object, checksum, size_bytes, modified_ns, status, rows_read, "
                "rows_loaded, rows_superseded, rows_merged, rows_quarantined, error, loaded_at) "
                "values (?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, NULL, ?)",
                [rel, obj.name, checksum, stat.st_size, stat.st_mtime_ns, result.rows_read, result.rows_loaded,
                 result.rows_superseded, result.rows_merged, quarantined, loaded_at],
            )

    def _quarantine_rows(self, rows: pl.DataFrame, delivery: Delivery, rel: str, at) -> pl.DataFrame:
        if self.obj.source == "gong":
            raw = rows["record"]
        else:
            raw = _raw_json(rows, delivery.delivered_names)
        return _quarantine_frame(
            self.obj.name, rel, rows["_source_row"].to_list(), rows["reason"].to_list(), raw.to_list(), at
        )

    def _settle_duplicates(self, frame: pl.DataFrame, delivered_names: dict[str, str]):
        """Several rows with one key inside a file. Gong: the last delivered wins (the
        same call on two pages of a pull). CRM and activity log: identical copies load
        once; copies that disagree are all quarantined, since nothing says which is right."""
        key = list(self.obj.key)
        if frame.height == 0:
            return frame, None, 0
        key_text = [pl.col(k).cast(pl.Utf8).str.strip_chars() for k in key]
        frame = frame.with_columns(_key=pl.concat_str(key_text, separator="\x1f", ignore_nulls=False))
        counts = frame.group_by("_key").agg(
            n=pl.len(), versions=pl.col("_row_hash").n_unique(), rows=pl.col("_source_row").sort()
        ).filter(pl.col("n") > 1)
        if counts.height == 0:
            return frame.drop("_key"), None, 0
        if self.obj.source == "gong":
            kept = frame.unique(subset="_key", keep="last", maintain_order=True)
            return kept.drop("_key"), None, frame.height - kept.height
        conflicting = counts.filter(pl.col("versions") > 1)
        reasons = conflicting.select(
            "_key",
            reason=pl.lit(f"duplicate {'/'.join(delivered_names.get(k, k) for k in key)} within the file with conflicting content (rows ")
            + pl.col("rows").cast(pl.List(pl.Utf8)).list.join(", ")
            + pl.lit(")"),
        )
        rejected = frame.join(reasons, on="_key", how="inner").drop("_key")
        rest = frame.join(reasons, on="_key", how="anti")
        kept = rest.unique(subset="_key", keep="first", maintain_order=True)
        return kept.drop("_key"), rejected, rest.height - kept.height

    def _typed(self, frame: pl.DataFrame, delivery: Delivery, rel: str, loaded_at) -> pl.DataFrame:
        schema = frame.schema
        exprs = []
        for col in self.obj.columns:
            if PARSED + col.name in schema:
                exprs.append(pl.col(PARSED + col.name).alias(col.name))
            else:  # not delivered: null, so every version and key column exists
                exprs.append(null_of(col.kind).alias(col.name))
        exprs += [pl.col(c).cast(pl.Utf8) for c in delivery.extra_columns if c in schema]
        exprs += [
            pl.lit(rel).alias("_source_file"),
            pl.col("_source_row") if "_source_row" in schema else pl.lit(None, pl.Int64).alias("_source_row"),
            pl.lit(loaded_at).cast(pl.Datetime("us")).alias("_loaded_at"),
            (pl.col("_row_hash") if "_row_hash" in schema else pl.lit(None, pl.UInt64)).alias("_row_hash"),
        ]
        return frame.select(exprs)

    def _add_extra_columns(self, extra: list[str]) -> None:
        if not extra:
            return
        existing = table_columns(self.con, self.obj.name)
        for name in extra:
            if name not in existing:
                self.con.execute(f'ALTER TABLE {self.obj.table} ADD COLUMN "{name}" VARCHAR')

    def _upsert(self, incoming: pl.DataFrame) -> int:
        """Insert the file's rows; a row replaces an existing one with the same key when its
        version is newer or the same (later file). Returns the rows inserted.

        The raw table is probed once, for the stored rows whose key the file delivers again
        (none, for most pages of calls and activities); the replace-or-keep decision is then
        taken against that small set, never by joining the whole (growing) table twice."""
        con, table, key = self.con, self.obj.table, self.obj.key
        on = " AND ".join(f"r.{k} = i.{k}" for k in key)
        newer = _version_newer_or_same(self.obj, "i", "r")
        kept = ", ".join(dict.fromkeys(f"r.{c}" for c in (*key, *self.obj.version_columns, "_source_file")))
        con.register("_incoming", incoming)
        try:
            matched = con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_STORED} AS SELECT r.rowid AS _rowid, {kept} "
                f"FROM {table} AS r SEMI JOIN _incoming AS i ON {on}"
            ).fetchone()[0]
            if not matched:
                con.execute(f"DROP TABLE {_STORED}")
                inserted = con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming").fetchone()[0]
                return int(inserted)
            # The stored versions that lose leave the raw table (by rowid) and the matched set,
            # which then holds exactly the stored rows that stay.
            con.execute(
                f"DELETE FROM {table} WHERE rowid IN "
                f"(SELECT r._rowid FROM {_STORED} AS r JOIN _incoming AS i ON {on} WHERE {newer})"
            )
            con.execute(f"DELETE FROM {_STORED} AS r USING _incoming AS i WHERE {on} AND {newer}")
            inserted = con.execute(
                f"INSERT INTO {table} BY NAME SELECT i.* FROM _incoming AS i "
                f"WHERE NOT EXISTS (SELECT 1 FROM {_STORED} AS r WHERE {on})"
            ).fetchone()[0]
            con.execute(f"DROP TABLE {_STORED}")
        finally:
            con.unregister("_incoming")
        return int(inserted)


def _quarantine_frame(source, file, rows, reasons, raw, at) -> pl.DataFrame:
    n = len(rows)
    return pl.DataFrame(
        {
            "source": [source] * n,
            "file": [file] * n,
            "row_number": rows,
            "reason": reasons,
            "raw_row": raw,
            "quarantined_at": [at] * n,
        },
        schema={
            "source": pl.Utf8, "file": pl.Utf8, "row_number": pl.Int64, "reason": pl.Utf8,
            "raw_row": pl.Utf8, "quarantined_at": pl.Datetime("us"),
        },
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def load_object(
    con: duckdb.DuckDBPyConnection, landing: Path, obj: o.SourceObject, progress=None
) -> list[FileResult]:
    """Load every new file of one object. The raw tables are created if needed."""
    ensure_raw_tables(con, [obj])
    return Loader(con, landing, obj).load_all(progress)


def summarize(results: list[FileResult]) -> dict[str, int]:
    return {
        "files_found": len(results),
        "files_loaded": sum(r.status == "loaded" for r in results),
        "files_skipped": sum(r.status == "skipped" for r in results),
        "files_failed": sum(r.status == "failed" for r in results),
        "rows_read": sum(r.rows_read for r in results),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_superseded": sum(r.rows_superseded for r in results),
        "rows_merged": sum(r.rows_merged for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
    }

"""Finding a source object's files in the landing zone and reading one file into a frame
of delivered values with canonical (snake_case) column names.

CSV is read with every column as text, so ids keep their digits and leading zeros. Text is
decoded strictly in the source folder's configured encoding (settings ingest.encodings): a
file with an invalid byte is rejected naming its line, never decoded lossily.
Gong pages are parsed by DuckDB's JSON reader, which keeps each record's original text, so
19-20 digit ids written as JSON numbers keep every digit (float-based parsers lose the
last ones).
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from ..config import settings
from . import objects as o

TABULAR_SUFFIXES = (".csv", ".parquet", ".jsonl")


class FileRejected(Exception):
    """The whole file cannot load (missing required column, wrong format). Its message
    names the file and the column or problem; nothing from the file is loaded."""


@dataclass(frozen=True)
class MalformedRow:
    """A CSV record with more or fewer fields than the header (a file cut short mid-row):
    its fields cannot be matched to columns, so it is quarantined with its text."""

    row: int  # 1-based record number, header excluded
    reason: str
    text: str


@dataclass
class Delivery:
    """One file's rows as delivered, before validation."""

    frame: pl.DataFrame  # snake_case columns + `_source_row` (1-based)
    delivered_names: dict[str, str]  # snake name -> name as delivered in the file
    # A page that does not parse at all: (reason, full text). The page is quarantined whole.
    unreadable: tuple[str, str] | None = None
    extra_columns: list[str] = field(default_factory=list)  # delivered, not in the spec
    malformed: list[MalformedRow] = field(default_factory=list)


def link_outside(landing: Path, path: Path) -> Path | None:
    """Where `path` really leads when a symbolic link (the file's or a folder's) takes it out
    of the landing zone, else None. Such a file is refused, never read: a link must not load
    a file from elsewhere on the machine."""
    target = path.resolve()
    return None if target.is_relative_to(landing.resolve()) else target


def discover(landing: Path, obj: o.SourceObject) -> list[Path]:
    """The object's files in its source folder, in file-name order (the order that
    decides re-delivery ties)."""
    folder = landing / obj.source
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        stem, suffix = path.stem, path.suffix.lower()
        if obj.source == "crm":
            matches = suffix in TABULAR_SUFFIXES and any(
                stem == s or stem.startswith(f"{s}__") for s in obj.file_stems
            )
        elif obj.source == "gong":
            # `scorecards*` must not swallow `answered_scorecards*` (it does not: prefix match)
            matches = suffix == ".json" and any(path.name.startswith(s) for s in obj.file_stems)
            if obj.name == "gong_scorecards" and path.name.startswith("answered_"):
                matches = False
        else:
            matches = suffix in TABULAR_SUFFIXES and any(path.name.startswith(s) for s in obj.file_stems)
        if matches:
            found.append(path)
    return sorted(found, key=lambda p: p.name)


def _python_codec(encoding: str) -> str:
    """The codec that reads `encoding`; UTF-8 accepts (and drops) a byte-order mark."""
    name = codecs.lookup(encoding).name
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def first_invalid_byte(path: Path, encoding: str) -> tuple[int, int, bytes] | None:
    """(line, byte offset, the byte) of the first byte of `path` not valid in `encoding`, or
    None when the whole file decodes. Streams the file, so a large one is never held whole."""
    decoder = codecs.getincrementaldecoder(_python_codec(encoding))()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _line_of(path, offset - pending + exc.start), offset - pending + exc.start, \
                    exc.object[exc.start:exc.start + 1]
            offset += len(chunk)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _line_of(path, offset - pending), offset - pending, b""
    return None


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def _reject_invalid_encoding(path: Path, encoding: str, folder: str) -> None:
    bad = first_invalid_byte(path, encoding)
    if bad is not None:
        line, _offset, byte = bad
        shown = f"byte 0x{byte.hex()}" if byte else "a character cut short at the end"
        raise FileRejected(
            f"{path}: not valid {encoding} at line {line} ({shown}); nothing loaded from this file. "
            f"Re-export it as {encoding}, or set ingest.encodings.{folder} to the file's encoding"
        )


def _read_csv(path: Path, encoding: str, folder: str) -> tuple[pl.DataFrame, list[MalformedRow]]:
    """Every column as text. pyarrow rather than polars: it reports each record whose field
    count differs from the header's (polars pads a short row with nulls, so a file cut short
    mid-row loaded a half row). Empty unquoted fields are null, a quoted "" stays empty."""
    codec = _python_codec(encoding)
    try:
        with path.open(encoding=codec, newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        _reject_invalid_encoding(path, encoding, folder)
        raise
    if not header:
        raise FileRejected(f"{path}: empty file (no header row); nothing loaded from this file")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise FileRejected(f"{path}: column {duplicated[0]!r} appears twice in the header; nothing loaded from this file")
    invalid: list = []

    def read(threads: bool) -> pa.Table:
        invalid.clear()
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=threads, encoding="utf8" if codec == "utf-8-sig" else codec),
            parse_options=pacsv.ParseOptions(newlines_in_values=True,
                                             invalid_row_handler=lambda row: invalid.append(row) or "skip"),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=False),
        )

    try:
        table = read(threads=True)
        if invalid:  # record numbers are known only to the single-threaded reader (rare: bad files)
            table = read(threads=False)
    except pa.ArrowInvalid:
        _reject_invalid_encoding(path, encoding, folder)
        raise
    frame = pl.from_arrow(table)
    # pyarrow numbers rows from the header (row 1): record = number - 1.
    malformed = [
        MalformedRow(row.number - 1, f"row has {row.actual_columns} fields, the header has "
                     f"{row.expected_columns}" + (" (cut short?)" if row.actual_columns < row.expected_columns else ""),
                     row.text)
        for row in invalid
    ]
    if not malformed:
        return frame, malformed  # records are numbered by position (_canonical_columns)
    kept = np.ones(frame.height + len(malformed), dtype=bool)
    kept[[m.row - 1 for m in malformed]] = False
    return frame.with_columns(_source_row=pl.Series(np.flatnonzero(kept) + 1)), malformed


def _canonical_columns(frame: pl.DataFrame, path: Path, obj: o.SourceObject) -> Delivery:
    delivered_names: dict[str, str] = {}
    for name in frame.columns:
        snake = o.to_snake(name)
        if snake in delivered_names:
            raise FileRejected(
                f"{path}: columns {delivered_names[snake]!r} and {name!r} both mean {snake!r}"
            )
        delivered_names[snake] = name
    frame = frame.rename({v: k for k, v in delivered_names.items()})
    _require_columns(frame.columns, path, obj, delivered_names)
    known = {c.name for c in obj.columns}
    extra = [c for c in frame.columns if c not in known and c != "_source_row"]
    if "_source_row" not in frame.columns:
        frame = frame.with_row_index("_source_row", offset=1)
    frame = frame.with_columns(pl.col("_source_row").cast(pl.Int64))
    return Delivery(frame=frame, delivered_names=delivered_names, extra_columns=extra)


def _require_columns(columns, path: Path, obj: o.SourceObject, delivered_names=None) -> None:
    present = set(columns)
    for col in obj.required_columns:
        if col not in present:
            api = _api_hint(obj, col)
            raise FileRejected(f"{path}: missing required column {api} (or {col!r}); nothing loaded from this file")
    for group in obj.one_of:
        if not present.intersection(group):
            raise FileRejected(
                f"{path}: needs one of the columns {', '.join(group)}; nothing loaded from this file"
            )


def _api_hint(obj: o.SourceObject, snake: str) -> str:
    if obj.source != "crm":
        return repr(snake)
    # Salesforce API name for the message: stage_name -> StageName, economic_buyer_c -> Economic_Buyer__c
    if snake.endswith("_c"):
        return repr("_".join(p.capitalize() for p in snake[:-2].split("_")) + "__c")
    return repr("".join(p.capitalize() for p in snake.split("_")))


def read_tabular(path: Path, obj: o.SourceObject) -> Delivery:
    suffix = path.suffix.lower()
    encoding = settings().ingest.encoding(obj.source)
    malformed: list[MalformedRow] = []
    try:
        if suffix == ".csv":
            frame, malformed = _read_csv(path, encoding, obj.source)
        elif suffix == ".parquet":
            frame = pl.read_parquet(path)
            # ids and text must stay text; anything else keeps its Parquet type
            frame = frame.with_columns(
                pl.col(c).cast(pl.Utf8) for c, t in frame.schema.items() if t.is_integer()
                and (obj.column(o.to_snake(c)) is None or obj.column(o.to_snake(c)).kind in (o.ID, o.TEXT))
            )
        elif suffix == ".jsonl":
            frame = _read_jsonl(path, encoding, obj.source)
        else:
            raise FileRejected(f"{path}: unsupported file type {suffix!r}")
    except FileRejected:
        raise
    except Exception as exc:  # polars/pyarrow parse errors: the file is not what its name says
        raise FileRejected(f"{path}: not a readable {suffix.lstrip('.')} file: {exc}") from exc
    delivery = _canonical_columns(frame, path, obj)
    delivery.malformed = malformed
    return delivery


def _read_jsonl(path: Path, encoding: str, folder: str) -> pl.DataFrame:
    rows = []
    try:
        with path.open(encoding=_python_codec(encoding)) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise FileRejected(f"{path}: line {number} is not JSON: {exc}") from exc
                rows.append({k: _as_text(v) for k, v in record.items()})
    except UnicodeDecodeError:
        _reject_invalid_encoding(path, encoding, folder)
        raise
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return pl.DataFrame(
        {c: [row.get(c) for row in rows] for c in columns}, schema={c: pl.Utf8 for c in columns}
    )


def _as_text(value) -> str | None:
    """A JSON scalar as delivered text: ints keep every digit, booleans are true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


# Gong payload fields: raw column -> path inside one payload record.
GONG_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "gong_users": {
        "id": ("id",), "email_address": ("emailAddress",), "first_name": ("firstName",),
        "last_name": ("lastName",), "manager_id": ("managerId",), "title": ("title",),
        "active": ("active",), "created": ("created",),
    },
    "gong_calls": {
        "call_id": ("metaData", "id"), "url": ("metaData", "url"), "title": ("metaData", "title"),
        "started": ("metaData", "started"), "scheduled": ("metaData", "scheduled"),
        "duration": ("metaData", "duration"), "primary_user_id": ("metaData", "primaryUserId"),
        "direction": ("metaData", "direction"), "scope": ("metaData", "scope"),
        "system": ("metaData", "system"), "media": ("metaData", "media"),
        "language": ("metaData", "language"), "workspace_id": ("metaData", "workspaceId"),
    },
    "gong_transcripts": {"call_id": ("callId",)},
    "gong_scorecards": {
        "scorecard_id": ("scorecardId",), "scorecard_name": ("scorecardName",),
        "enabled": ("enabled",), "updated": ("updated",),
    },
    "gong_answered_scorecards": {
        "answered_scorecard_id": ("answeredScorecardId",), "scorecard_id": ("scorecardId",),
        "call_id": ("callId",), "call_start_time": ("callStartTime",),
        "reviewed_user_id": ("reviewedUserId",), "reviewer_user_id": ("reviewerUserId",),
        "review_time": ("reviewTime",),
    },
}


@functools.cache
def _page_reader() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process for reading pages (a cursor each): opening and
    closing a database per page cost 40 ms, 7 s of a load at scale M (about 200 pages)."""
    return duckdb.connect()


def read_gong_page(path: Path, obj: o.SourceObject) -> Delivery:
    """One Gong response page. DuckDB's JSON reader does the parsing (many times faster
    than Python) and keeps each payload record's original text, so a 20-digit id written
    as a JSON number is extracted with every digit."""
    fields = GONG_FIELDS[obj.name]
    delivered_names = {col: ".".join(p) for col, p in fields.items()}
    # One parse of each record for all fields (a list of paths), not one parse per field.
    paths = ", ".join(f"'$.{'.'.join(p)}'" for p in fields.values())
    extracted = ", ".join(f"fields[{i}] as {col}" for i, col in enumerate(fields, start=1))
    # A page is one JSON document; the reader's buffer must hold it whole (a large buffer
    # costs time, so it is sized to the file).
    source = (
        f"read_json(?, columns = {{'{obj.payload}': 'JSON[]'}}, format = 'auto', "
        f"maximum_object_size = {max(16 << 20, path.stat().st_size + (1 << 20))})"
    )
    sql = f"""
        with page as (
            select {obj.payload} as payload from {source}
        ), records as (
            select unnest(payload) as record, generate_subscripts(payload, 1) as _source_row
            from page
        )
        select {extracted}, record::varchar as record, _source_row::bigint as _source_row
        from (select *, json_extract_string(record, [{paths}]) as fields from records)
        order by _source_row
    """
    con = _page_reader().cursor()
    try:
        frame = con.execute(sql, [str(path)]).pl()
        if frame.height == 0:  # an empty page, or no payload array at all
            present = con.execute(f"select {obj.payload} is not null from {source}", [str(path)]).fetchall()
            if not present or not all(p for (p,) in present):
                raise FileRejected(f"{path}: not a Gong {obj.name} page: no {obj.payload!r} array")
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
            raise FileRejected(f"{path}: not a Gong {obj.name} page: {exc}") from exc
        _reject_invalid_encoding(path, "utf-8", obj.source)  # JSON is UTF-8 (RFC 8259)
        text = path.read_text(encoding="utf-8")
        empty = pl.DataFrame(schema={**{c: pl.Utf8 for c in fields}, "record": pl.Utf8, "_source_row": pl.Int64})
        return Delivery(empty, delivered_names, unreadable=(f"page is not valid JSON: {_first_line(exc)}", text))
    finally:
        con.close()
    return Delivery(frame.cast({c: pl.Utf8 for c in fields}), delivered_names)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def read(path: Path, obj: o.SourceObject) -> Delivery:
    return read_gong_page(path, obj) if obj.source == "gong" else read_tabular(path, obj)

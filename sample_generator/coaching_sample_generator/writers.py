"""Writers: CSV (every column as text, API-name or snake_case headers), Parquet, and
compact JSON response pages. Each write is recorded (file -> rows, object -> rows) for the
summary. Output is byte-deterministic: fixed column order, no timestamps of the run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from .common import to_series

# The EL tools' snake_case headers (Fivetran, Airbyte), written by the generator on its own:
# a copy of coaching_pipeline.ingest.objects.to_snake, because the generator imports nothing
# from the product it feeds (the product's loader reads these headers back with its own copy).
_CAMEL_BOUNDARY_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_BOUNDARY_2 = re.compile(r"([a-z])([A-Z])")
_LETTER_DIGIT = re.compile(r"([A-Za-z])(\d)")
_DIGIT_LETTER = re.compile(r"(\d)([A-Za-z])")


def to_snake(name: str) -> str:
    """API name -> EL-tool snake_case: StageName -> stage_name, Economic_Buyer__c ->
    economic_buyer_c, Pricebook2Id -> pricebook_2_id, _fivetran_deleted unchanged."""
    stripped = name.strip()
    leading = "_" if stripped.startswith("_") else ""
    s = stripped.lstrip("_")
    s = _CAMEL_BOUNDARY_1.sub(r"\1_\2", s)
    s = _CAMEL_BOUNDARY_2.sub(r"\1_\2", s)
    s = _LETTER_DIGIT.sub(r"\1_\2", s)
    s = _DIGIT_LETTER.sub(r"\1_\2", s)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    s = re.sub(r"_+", "_", s)
    return leading + s


def frame(columns: dict, snake: bool = False) -> pl.DataFrame:
    """A text-only frame from name -> values (Series, numpy array or list); None is empty.
    With snake=True the API names become the snake_case EL tools land."""
    cols = []
    for name, values in columns.items():
        s = to_series(values)
        if s.dtype != pl.Utf8:
            s = s.cast(pl.Utf8)
        cols.append(s.alias(to_snake(name) if snake else name))
    return pl.DataFrame(cols)


def check_plain(*arrays) -> None:
    """Text written without quoting or escaping (unquoted CSV, JSON built from fragments)
    must not contain quotes, backslashes, commas or line breaks."""
    for arr in arrays:
        if to_series(arr).str.contains(r'["\\,\n\r]').any():
            raise ValueError("generated text needs escaping")


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Sink:
    """The landing-zone root and the bookkeeping of what was written."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.files: dict[str, int] = {}
        self.objects: dict[str, int] = {}

    def _path(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _count(self, rel: str, obj: str, rows: int) -> None:
        self.files[rel] = self.files.get(rel, 0) + rows
        self.objects[obj] = self.objects.get(obj, 0) + rows

    def csv(self, rel: str, obj: str, df: pl.DataFrame, quote: str = "necessary") -> None:
        """quote='never' only for frames whose text comes from fixed vocabularies, ids and
        timestamps (checked by the callers): it halves the cost of the big files."""
        df.write_csv(self._path(rel), quote_style=quote)
        self._count(rel, obj, df.height)

    def parquet(self, rel: str, obj: str, df: pl.DataFrame, dictionary: list[str] | None = None) -> None:
        pq.write_table(df.to_arrow(), self._path(rel), compression="snappy", write_statistics=False,
                       use_dictionary=dictionary or False)
        self._count(rel, obj, df.height)

    def polars_parquet(self, rel: str, obj: str, df: pl.DataFrame) -> None:
        """Parquet written by polars itself (about twice as fast as through pyarrow), for the
        big files added since (roles_sequences.py); the older Parquet files keep their writer."""
        df.write_parquet(self._path(rel), compression="snappy", statistics=False)
        self._count(rel, obj, df.height)

    def json(self, rel: str, obj: str, page: dict, payload_key: str) -> None:
        self._path(rel).write_text(dumps(page), encoding="utf-8")
        self._count(rel, obj, len(page.get(payload_key, [])))

    def text(self, rel: str, obj: str, text: str, rows: int) -> None:
        self._path(rel).write_text(text, encoding="utf-8")
        self._count(rel, obj, rows)

    def appender(self, rel: str, obj: str, quote: str = "necessary") -> CsvAppender:
        return CsvAppender(self, rel, obj, quote)


class CsvAppender:
    """One CSV file written chunk by chunk (header once), for the big CRM activity objects."""

    def __init__(self, sink: Sink, rel: str, obj: str, quote: str = "necessary"):
        self.sink, self.rel, self.obj, self.quote = sink, rel, obj, quote
        self._fh = None

    def write(self, df: pl.DataFrame) -> None:
        if df.height == 0 and self._fh is not None:
            return
        first = self._fh is None
        if first:
            self._fh = open(self.sink._path(self.rel), "wb")
        df.write_csv(self._fh, include_header=first, quote_style=self.quote)
        self.sink._count(self.rel, self.obj, df.height)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

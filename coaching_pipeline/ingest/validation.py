"""Row validation with pandera: each delivered row either passes or gets a reason.

The schema is built from the object's column specs and the columns a file actually
delivers: required values present, values parse as their kind, numbers in range, and
at least one column of each `one_of` group filled, and values plausible (ids shaped like
ids, dates within the configured span, amounts finite and bounded: `Bounds`). Checks run vectorised (pandera's
polars backend; lazy mode collects every failure) on the delivered text next to its
parsed value, which is computed once (`with_parsed`) and reused for loading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from ..config import add_years, settings, utc_today
from . import objects as o
from .parsing import KIND_ERRORS, is_blank, needs_parsing, typed

REQUIRED_ERROR = "required value missing"
PARSED = "__parsed__"  # prefix of the parsed sibling of a delivered column


def with_parsed(frame: pl.DataFrame, obj: o.SourceObject) -> pl.DataFrame:
    """Add `__parsed__<col>`: the typed value of every delivered column of the spec."""
    schema = frame.schema
    return frame.with_columns(
        typed(pl.col(c.name), c.kind, schema[c.name]).alias(PARSED + c.name)
        for c in obj.columns
        if c.name in schema
    )


@dataclass(frozen=True)
class Rule:
    """One check: `test(delivered, parsed)` is True where a row passes. A frame-level rule
    (column None) tests its own expression over several columns."""

    column: str | None
    error: str
    test: Callable[[pl.Expr, pl.Expr], pl.Expr] | None = None
    frame_test: pl.Expr | None = None

    def expr(self) -> pl.Expr:
        if self.column is None:
            return self.frame_test
        return self.test(pl.col(self.column), pl.col(PARSED + self.column)).fill_null(True)

    def pandera_check(self) -> pa.Check:
        if self.column is None:
            return pa.Check(lambda data: data.lazyframe.select(self.frame_test), error=self.error)
        return pa.Check(
            lambda data: data.lazyframe.select(self.test(pl.col(data.key), pl.col(PARSED + data.key))),
            error=self.error,
        )


@dataclass(frozen=True)
class Bounds:
    """What a plausible value is, on the day of a load (settings ingest: id_patterns, bounds)."""

    id_patterns: dict[str, str]
    earliest: dt.date
    latest: dt.date  # the last plausible date of anything planned (CloseDate, periods, quotas)
    latest_recorded: dt.date  # the last plausible date a record was written (tomorrow: clock skew)
    max_amount: float
    max_years_ahead: int

    @classmethod
    def on(cls, today: dt.date | None = None) -> Bounds:
        ingest = settings().ingest
        today = today or utc_today()
        years = ingest.bounds.max_years_ahead
        return cls(
            id_patterns=ingest.id_patterns, earliest=ingest.bounds.earliest_date,
            latest=add_years(today, years), latest_recorded=today + dt.timedelta(days=1),
            max_amount=ingest.bounds.max_amount, max_years_ahead=years,
        )


def _not_after(day: dt.date, kind: str):
    """parsed <= day, for a date column or (the whole day) a timestamp column."""
    if kind == o.DATE:
        return lambda raw, parsed: (parsed <= pl.lit(day)).fill_null(True)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    return lambda raw, parsed: (parsed < pl.lit(end).cast(pl.Datetime("us"))).fill_null(True)


def _not_before(day: dt.date, kind: str):
    lower = pl.lit(day) if kind == o.DATE else pl.lit(dt.datetime.combine(day, dt.time())).cast(pl.Datetime("us"))
    return lambda raw, parsed: (parsed >= lower).fill_null(True)


def _plausibility_rules(obj: o.SourceObject, col: o.Column, dtype: pl.DataType, bounds: Bounds) -> list[Rule]:
    """Ids that look like ids, dates in a plausible span, finite and bounded amounts: one
    bad row must not write files outside the output folder, move as_of, create thousands
    of periods or sum to infinity."""
    rules = []
    if col.kind == o.ID:
        fmt = obj.id_format(col)
        pattern = f"^(?:{bounds.id_patterns[fmt]})$"
        rules.append(Rule(col.name, f"not a plausible {fmt} id (ingest.id_patterns.{fmt})",
                          lambda raw, parsed, p=pattern: is_blank(raw) | parsed.str.contains(p)))
    elif col.kind in (o.DATE, o.TIMESTAMP) and not col.unbounded_dates:
        rules.append(Rule(col.name, f"before {bounds.earliest} (ingest.bounds.earliest_date)",
                          _not_before(bounds.earliest, col.kind)))
        if col.is_record_timestamp:
            rules.append(Rule(col.name, f"after {bounds.latest_recorded}: a record time in the future",
                              _not_after(bounds.latest_recorded, col.kind)))
        else:
            rules.append(Rule(col.name, f"after {bounds.latest} (more than {bounds.max_years_ahead} years "
                              "ahead; ingest.bounds.max_years_ahead)", _not_after(bounds.latest, col.kind)))
    elif col.kind in (o.NUMBER, o.INTEGER, o.MONEY, o.RATE):
        if not needs_parsing(col.kind, dtype) and dtype.is_float():  # Parquet floats can hold inf/NaN
            rules.append(Rule(col.name, "not a finite number", lambda raw, parsed: parsed.is_finite().fill_null(True)))
        if col.is_amount:
            rules.append(Rule(col.name, f"must be <= {bounds.max_amount:g} (ingest.bounds.max_amount)",
                              lambda raw, parsed, m=bounds.max_amount: (parsed <= m).fill_null(True)))
    return rules


def rules_for(obj: o.SourceObject, dtypes: dict[str, pl.DataType], bounds: Bounds | None = None) -> list[Rule]:
    """The checks of one delivered file of `obj` (dtypes: its delivered snake columns)."""
    bounds = bounds or Bounds.on()
    rules = []
    for col in obj.columns:
        if col.name not in dtypes:
            continue
        if col.required:
            rules.append(Rule(col.name, REQUIRED_ERROR, lambda raw, parsed: ~is_blank(raw)))
        if needs_parsing(col.kind, dtypes[col.name]):
            rules.append(Rule(col.name, KIND_ERRORS[col.kind], lambda raw, parsed: is_blank(raw) | parsed.is_not_null()))
        rules.extend(_plausibility_rules(obj, col, dtypes[col.name], bounds))
        if col.minimum is not None:
            rules.append(Rule(col.name, f"must be >= {col.minimum:g}",
                              lambda raw, parsed, c=col: (parsed >= c.minimum).fill_null(True)))
        if col.maximum is not None:
            rules.append(Rule(col.name, f"must be <= {col.maximum:g}",
                              lambda raw, parsed, c=col: (parsed <= c.maximum).fill_null(True)))
    for group in obj.one_of:
        present = [c for c in group if c in dtypes]
        rules.append(Rule(None, f"one of {', '.join(group)} required",
                          frame_test=pl.any_horizontal(*[~is_blank(pl.col(c)) for c in present])))
    return rules


def build_schema(obj: o.SourceObject, dtypes: dict[str, pl.DataType], bounds: Bounds | None = None
                 ) -> pa.DataFrameSchema:
    """The pandera schema of one delivered file of `obj`."""
    rules = rules_for(obj, dtypes, bounds)
    columns = {
        # dtype None: values arrive as text (CSV, JSON) or typed (Parquet); nulls in a
        # required column fail pandera's own not_nullable check as well.
        col.name: pa.Column(
            None,
            nullable=not col.required,
            checks=[r.pandera_check() for r in rules if r.column == col.name],
        )
        for col in obj.columns
        if col.name in dtypes
    }
    frame_checks = [r.pandera_check() for r in rules if r.column is None]
    return pa.DataFrameSchema(columns, checks=frame_checks, name=obj.name)


def row_failures(
    frame: pl.DataFrame, obj: o.SourceObject, delivered_names: dict[str, str]
) -> dict[int, str]:
    """0-based row position -> reason, for every row of `frame` (delivered columns plus
    their `with_parsed` siblings) that fails validation.

    `delivered_names` maps snake names back to the names in the file, so the reason
    names the column the way the user sees it (e.g. `CloseDate`)."""
    dtypes = {c: t for c, t in frame.schema.items() if not c.startswith(PARSED)}
    # Fast path: every rule in one vectorised pass. Most files are clean, and pandera's
    # per-check passes cost ~0.1 s a file; it runs when a row fails, to report failures.
    bounds = Bounds.on()
    rules = rules_for(obj, dtypes, bounds)
    if not rules or frame.select(pl.all_horizontal(r.expr() for r in rules).all()).item():
        return {}
    schema = build_schema(obj, dtypes, bounds)
    try:
        schema.validate(frame, lazy=True)
        return {}
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    reasons: dict[int, list[str]] = {}
    for row in cases.iter_rows(named=True):
        if row["index"] is None:
            raise ValueError(f"{obj.name}: validation failed outside any row: {row['check']}")
        check = REQUIRED_ERROR if row["check"] == "not_nullable" else row["check"]
        if row["schema_context"] == "DataFrameSchema":  # frame-level check (a one_of group)
            text = check
        else:
            name = delivered_names.get(row["column"], row["column"])
            value = row["failure_case"]
            shown = "" if value is None or check == REQUIRED_ERROR else f" (got {value!r})"
            text = f"{name}: {check}{shown}"
        texts = reasons.setdefault(int(row["index"]), [])
        if text not in texts:
            texts.append(text)
    return {index: "; ".join(texts) for index, texts in reasons.items()}

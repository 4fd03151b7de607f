"""Vectorised parsers from delivered text to typed values (polars expressions).

Each parser returns null where the text does not parse; the validator flags exactly
those rows (text present, parsed value null), so parsing and validation never disagree.
Columns that arrive already typed (Parquet) pass through without a round trip to text.
"""

from __future__ import annotations

import polars as pl

from . import objects as o

_TRUE = ["true", "t", "1", "yes", "y"]
_FALSE = ["false", "f", "0", "no", "n"]

# ISO 8601 shapes seen in real extracts. The first format covers offsets (-08:00),
# `Z` and Salesforce's `.000+0000` in one pass; the others (naive timestamps, taken as
# UTC, and bare dates) are tried only on the rows the first one misses.
_FAST_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
_FALLBACK_AWARE = ("%Y-%m-%d %H:%M:%S%.f%#z",)
_FALLBACK_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Utf8).str.strip_chars()


def is_blank(expr: pl.Expr) -> pl.Expr:
    """Null, or text that is empty after trimming."""
    return expr.is_null() | (_text(expr).str.len_chars() == 0)


def _timestamps(text: pl.Series) -> pl.Series:
    text = text.cast(pl.Utf8).str.strip_chars()
    parsed = text.str.to_datetime(_FAST_FORMAT, strict=False, time_zone="UTC", time_unit="us")
    parsed = parsed.dt.replace_time_zone(None)
    missed = parsed.is_null() & text.is_not_null()
    if not missed.any():
        return parsed
    rest = text.filter(missed)
    candidates = [
        *(rest.str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us").dt.replace_time_zone(None)
          for f in _FALLBACK_AWARE),
        *(rest.str.to_datetime(f, strict=False, time_unit="us") for f in _FALLBACK_NAIVE),
        rest.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    ]
    filled = pl.select(pl.coalesce(candidates)).to_series()
    return parsed.scatter(missed.arg_true(), filled)


def parse_timestamp(expr: pl.Expr) -> pl.Expr:
    """ISO 8601 text -> naive UTC datetime (microseconds)."""
    return expr.map_batches(_timestamps, return_dtype=pl.Datetime("us"))


def _dates(text: pl.Series) -> pl.Series:
    text = text.cast(pl.Utf8).str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    missed = parsed.is_null() & text.is_not_null()
    if not missed.any():
        return parsed
    return parsed.scatter(missed.arg_true(), _timestamps(text.filter(missed)).dt.date())


def parse_date(expr: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD, or a full timestamp whose UTC calendar date is taken."""
    return expr.map_batches(_dates, return_dtype=pl.Date)


def parse_bool(expr: pl.Expr) -> pl.Expr:
    s = _text(expr).str.to_lowercase()
    return (
        pl.when(s.is_in(_TRUE)).then(True).when(s.is_in(_FALSE)).then(False).otherwise(None)
    )


def parse_number(expr: pl.Expr) -> pl.Expr:
    value = _text(expr).cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value).otherwise(None)


# Money is parsed straight from its text into a decimal (never through a float): up to 38
# digits with 10 places, then rounded half away from zero, as Salesforce rounds currency.
_WIDE_DECIMAL = pl.Decimal(38, 10)
MONEY_DTYPE = pl.Decimal(18, 2)
RATE_DTYPE = pl.Decimal(18, 6)


def _decimal_parser(scale: int, dtype: pl.DataType):
    def parse(expr: pl.Expr) -> pl.Expr:
        wide = _text(expr).cast(_WIDE_DECIMAL, strict=False)
        fits = wide.abs() < 10 ** (dtype.precision - scale)
        return pl.when(fits).then(wide.round(scale, mode="half_away_from_zero")).otherwise(None).cast(dtype)
    return parse


parse_money = _decimal_parser(2, MONEY_DTYPE)
parse_rate = _decimal_parser(6, RATE_DTYPE)


def parse_integer(expr: pl.Expr) -> pl.Expr:
    value = parse_number(expr)
    return pl.when(value == value.floor()).then(value).otherwise(None).cast(pl.Int64)


_TEXT_PARSERS = {
    o.TIMESTAMP: parse_timestamp,
    o.DATE: parse_date,
    o.BOOL: parse_bool,
    o.NUMBER: parse_number,
    o.MONEY: parse_money,
    o.RATE: parse_rate,
    o.INTEGER: parse_integer,
}

_TARGET_DTYPES = {
    o.TIMESTAMP: pl.Datetime("us"),
    o.DATE: pl.Date,
    o.BOOL: pl.Boolean,
    o.NUMBER: pl.Float64,
    o.MONEY: MONEY_DTYPE,
    o.RATE: RATE_DTYPE,
    o.INTEGER: pl.Int64,
}


def already_typed(dtype: pl.DataType, kind: str) -> bool:
    """True when a delivered column (Parquet) already holds values of the kind."""
    if kind == o.TIMESTAMP:
        return isinstance(dtype, pl.Datetime)
    if kind == o.DATE:
        return dtype == pl.Date
    if kind == o.BOOL:
        return dtype == pl.Boolean
    if kind in (o.NUMBER, o.INTEGER):
        return dtype.is_numeric()
    if kind in (o.MONEY, o.RATE):
        # Parquet decimals and integers are exact; a Parquet float goes through its shortest
        # decimal text (what the exporter meant), not its binary value.
        return dtype.is_decimal() or dtype.is_integer()
    return False


def typed(expr: pl.Expr, kind: str, dtype: pl.DataType = pl.Utf8) -> pl.Expr:
    """The typed value of a delivered column (null where it does not parse)."""
    if kind in (o.ID, o.TEXT, o.JSON):
        return _text(expr) if kind == o.ID else expr.cast(pl.Utf8)
    if kind in (o.MONEY, o.RATE) and already_typed(dtype, kind):
        scale, target = (2, MONEY_DTYPE) if kind == o.MONEY else (6, RATE_DTYPE)
        return expr.cast(_WIDE_DECIMAL).round(scale, mode="half_away_from_zero").cast(target)
    if already_typed(dtype, kind):
        if kind == o.TIMESTAMP and getattr(dtype, "time_zone", None):
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return expr.cast(_TARGET_DTYPES[kind])
    if kind in (o.MONEY, o.RATE) and dtype.is_float():
        return _TEXT_PARSERS[kind](pl.when(expr.is_finite()).then(expr).otherwise(None).cast(pl.Utf8))
    return _TEXT_PARSERS[kind](expr)


def null_of(kind: str) -> pl.Expr:
    """A null of the kind's type (a spec column the file does not deliver)."""
    return pl.lit(None, _TARGET_DTYPES.get(kind, pl.Utf8))


def needs_parsing(kind: str, dtype: pl.DataType) -> bool:
    return kind in _TEXT_PARSERS and not already_typed(dtype, kind)


KIND_ERRORS = {
    o.TIMESTAMP: "not an ISO 8601 timestamp",
    o.DATE: "not a date (YYYY-MM-DD)",
    o.BOOL: "not a boolean (true/false, 1/0)",
    o.NUMBER: "not a number",
    o.MONEY: "not an amount (a decimal number, at most 16 digits before the point)",
    o.RATE: "not a conversion rate (a decimal number, at most 12 digits before the point)",
    o.INTEGER: "not a whole number",
}

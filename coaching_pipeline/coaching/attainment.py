"""Quota attainment at an assessment date, in the fiscal quarter holding its last day of data:
the input of the attainment escalation (rules.replay)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import polars as pl

from ..config import CoachingSettings
from ..fiscal import days_left, fiscal_quarter, fiscal_quarter_name, fiscal_year_start_month
from .evidence import Evidence, sellers

ATTAINMENT_SCHEMA: dict[str, pl.DataType] = {
    "rep_id": pl.Utf8,
    "assessment_date": pl.Date,
    "role": pl.Utf8,
    "attainment": pl.Float64,
    "days_left": pl.Int64,
    "fiscal_quarter": pl.Utf8,
    "quarter_start": pl.Date,
    "quarter_end": pl.Date,
    "won_amount": pl.Decimal(18, 2),
    "quota_amount": pl.Decimal(18, 2),
}


def quarter_quota(quota_periods: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """rep_id, quota_amount: each seller's quota of [start, end], pro rata by calendar day
    over the quota rows overlapping it (amount x overlap days / covered days), summed exactly
    and rounded half up to the cent once, as rep_performance does. A row in an unknown
    currency (null amount) adds nothing; a seller without an overlapping row has no row."""
    shares: dict[str, Fraction] = {}
    for row in quota_periods.filter(
        pl.col("quota_amount").is_not_null() & (pl.col("coverage_start") <= end) & (pl.col("coverage_end") >= start)
    ).iter_rows(named=True):
        overlap = (min(row["coverage_end"], end) - max(row["coverage_start"], start)).days + 1
        share = Fraction(row["quota_amount"]) * overlap / row["coverage_days"]
        shares[row["rep_id"]] = shares.get(row["rep_id"], Fraction(0)) + share
    cents = {rep: (2 * total * 100 + 1) // 2 for rep, total in shares.items()}  # half up
    return pl.DataFrame(
        {"rep_id": list(cents), "quota_amount": [Decimal(int(c)).scaleb(-2) for c in cents.values()]},
        schema={"rep_id": pl.Utf8, "quota_amount": pl.Decimal(18, 2)},
    )


def attainment_at(evidence: Evidence, assessment_date: dt.date, cfg: CoachingSettings | None = None,
                  year_start_month: int | None = None) -> pl.DataFrame:
    """Per seller, quota attainment in the fiscal quarter holding d - 1 (the last day of data):
    attainment = won amount closed in [quarter_start, d - 1] / the quarter's full quota (pro rata
    over int_quota_periods, as rep_performance computes it; null without quota),
    days_left = quarter_end - (d - 1).
    year_start_month: the warehouse's (fiscal.fiscal_year_start_month(con), as the weekly job
    passes it); omitted, the configured default."""
    del cfg  # the attainment thresholds are applied by the escalation rules
    start_month = year_start_month or fiscal_year_start_month()
    last = assessment_date - dt.timedelta(days=1)
    q_start, q_end = fiscal_quarter(last, start_month)
    won = (
        evidence.deals.filter(
            pl.col("is_won").fill_null(False) & pl.col("close_date").is_between(q_start, last)
        )
        .group_by("owner_id")
        .agg(pl.col("amount").fill_null(0).sum().alias("won_amount"))
        .rename({"owner_id": "rep_id"})
    )
    quota = quarter_quota(evidence.quota_periods, q_start, q_end)
    out = (
        sellers(evidence).select("rep_id", "role")
        .join(won, on="rep_id", how="left")
        .join(quota, on="rep_id", how="left")
        .with_columns(
            pl.col("won_amount").fill_null(Decimal(0)),
            pl.lit(assessment_date, dtype=pl.Date).alias("assessment_date"),
            pl.lit(days_left(q_end, last), dtype=pl.Int64).alias("days_left"),
            pl.lit(fiscal_quarter_name(q_start, start_month)).alias("fiscal_quarter"),
            pl.lit(q_start, dtype=pl.Date).alias("quarter_start"),
            pl.lit(q_end, dtype=pl.Date).alias("quarter_end"),
        )
        .with_columns(
            # a ratio of two exact amounts: exactly 1.0 when won equals quota
            pl.when(pl.col("quota_amount") > 0)
            .then(pl.col("won_amount").cast(pl.Float64) / pl.col("quota_amount").cast(pl.Float64))
            .alias("attainment")
        )
        .sort("rep_id")
    )
    return out.select([pl.col(c).cast(t) for c, t in ATTAINMENT_SCHEMA.items()])

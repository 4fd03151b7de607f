"""Scores and labels of the weekly skill assessment (coaching contract, "Skill scores"): a
component's 0-100 score against its target band, and a skill score's level, gap, severity,
trend and cohort percentile. Each also as a polars expression, vectorised over sellers.
"""

from __future__ import annotations

import math

import polars as pl

from ..config import CoachingSettings, TargetBand


def rounded(expr: pl.Expr, decimals: int) -> pl.Expr:
    # Half away from zero, as an analyst (and SQL round) rounds: 69.95 -> 70.0.
    return expr.round(decimals, mode="half_away_from_zero")


def band_score(value: float | None, band: TargetBand) -> float | None:
    """0-100: 100 inside [low, high]; outside, linear down to 0 at zero_below / zero_above
    (a side without one never falls); None for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value < band.low:
        if band.zero_below is None:
            return 100.0
        if value <= band.zero_below:
            return 0.0
        return 100.0 * (value - band.zero_below) / (band.low - band.zero_below)
    if value > band.high:
        if band.zero_above is None:
            return 100.0
        if value >= band.zero_above:
            return 0.0
        return 100.0 * (band.zero_above - value) / (band.zero_above - band.high)
    return 100.0


def band_score_expr(value: pl.Expr, low: pl.Expr, high: pl.Expr, zero_below: pl.Expr,
                    zero_above: pl.Expr) -> pl.Expr:
    """`band_score` as a polars expression over columns (null bounds: that side never falls)."""
    below = (
        pl.when(zero_below.is_null()).then(100.0)
        .when(value <= zero_below).then(0.0)
        .otherwise(100.0 * (value - zero_below) / (low - zero_below))
    )
    above = (
        pl.when(zero_above.is_null()).then(100.0)
        .when(value >= zero_above).then(0.0)
        .otherwise(100.0 * (zero_above - value) / (zero_above - high))
    )
    return (
        pl.when(value.is_null() | value.is_nan()).then(None)
        .when(value < low).then(below)
        .when(value > high).then(above)
        .otherwise(100.0)
    )


def level_expr(score: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """The level whose (inclusive) lower bound is the highest one at or below the score."""
    level = pl.lit(None, dtype=pl.Utf8)
    for lv in sorted(cfg.levels, key=lambda lv: lv.min):
        level = pl.when(score >= lv.min).then(pl.lit(lv.name)).otherwise(level)
    return level


def gap_expr(score: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """A gap: score < gap_below (never for a null score)."""
    return (score < cfg.gap_below).fill_null(False)


def severity_expr(score: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """high / medium / low for a gap (upper bounds exclusive); null without a gap."""
    return (
        pl.when(~gap_expr(score, cfg)).then(None)
        .when(score < cfg.severity.high_below).then(pl.lit("high"))
        .when(score < cfg.severity.medium_below).then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
    )


def trend_expr(score: pl.Expr, previous: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """improving / deteriorating when the (1-decimal) score moved by trend_points or more
    since the previous week, stable otherwise; null when either score is null."""
    change = rounded(score - previous, 1)
    return (
        pl.when(change.is_null()).then(None)
        .when(change >= cfg.trend_points).then(pl.lit("improving"))
        .when(change <= -cfg.trend_points).then(pl.lit("deteriorating"))
        .otherwise(pl.lit("stable"))
    )


def cohort_percentile_expr(score: pl.Expr, over: list[str]) -> pl.Expr:
    """percent_rank * 100 (1 decimal) of the score within `over` (e.g. role and skill), null
    scores left out; ties share the lowest rank; a cohort of one is 0."""
    rank = score.rank("min").over(over)
    cohort = score.count().over(over)
    return (
        pl.when(score.is_null()).then(None)
        .when(cohort <= 1).then(0.0)
        .otherwise(rounded((rank - 1) / (cohort - 1) * 100.0, 1))
    )


def label_scores(frame: pl.DataFrame, cfg: CoachingSettings) -> pl.DataFrame:
    """Adds level, gap_detected, severity, trend and cohort_percentile to a frame with role,
    skill, score (rounded) and previous (last week's rounded score of the same skill)."""
    score = pl.col("score")
    return frame.with_columns(
        level_expr(score, cfg).alias("level"),
        gap_expr(score, cfg).alias("gap_detected"),
        severity_expr(score, cfg).alias("severity"),
        trend_expr(score, pl.col("previous"), cfg).alias("trend"),
        cohort_percentile_expr(score, ["role", "skill"]).alias("cohort_percentile"),
    )

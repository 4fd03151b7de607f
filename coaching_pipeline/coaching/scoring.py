"""Scores and labels of the weekly skill assessment (coaching contract, "Skill scores"): a
component's 0-100 score against its target band, and a skill score's level, gap, severity,
trend and cohort percentile, each also as a polars expression, vectorised over sellers; and
whether a scored skill may be called a strength (`may_be_strength`, for the digests and the
workbench).
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
    """The score's percentile 0-100 (1 decimal) within `over` (e.g. role and skill), null
    scores left out: (rank - 1) / (cohort - 1) x 100, where tied scores share their mid-rank
    (the mean of the ranks they span, polars rank "average"). Scores 10, 20, 20, 40 are at
    0, 50, 50 and 100; 18 sellers tied in a cohort of 18 are all at 50, never in the bottom
    quartile (with the lowest rank, "min", they were all at 0 and all escalated).

    A cohort of one is null: a seller without a peer scored has no percentile (0 put them in
    the bottom quartile of a cohort of themselves). Null is "no comparison" downstream:
    rules.py's bottom-quartile rule skips the week (neither extends nor breaks the streak)
    and signal.py judges the gap on the absolute threshold alone."""
    rank = score.rank("average").over(over)
    cohort = score.count().over(over)
    return (
        pl.when(score.is_null() | (cohort <= 1)).then(None)
        .otherwise(rounded((rank - 1) / (cohort - 1) * 100.0, 1))
    )


def lowest_level(cfg: CoachingSettings) -> str | None:
    """The name of the lowest level (Critical by default)."""
    return min(cfg.levels, key=lambda lv: lv.min).name if cfg.levels else None


def may_be_strength(score: float | None, gap_detected: bool | None, level: str | None,
                    cfg: CoachingSettings) -> bool:
    """Whether a skill may be called a strength, or a seller's strongest skill, anywhere (the
    digests, the workbench): it is scored, has no gap (gap_detected; for a row without the
    flag, score < gap_below) and is not at the lowest level (Critical), whatever the levels
    and gap threshold are configured to. 'Your strongest skill is X at 12 (Critical)' is
    never said: with no skill that qualifies, nothing is."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return False
    if gap_detected or (gap_detected is None and score < cfg.gap_below):
        return False
    return level != lowest_level(cfg)


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

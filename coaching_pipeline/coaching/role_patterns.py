"""Role metrics as coaching patterns (roles contract): the monthly rows of the mart
role_metrics become assessments of `metric:...` patterns, folded by the same persistence
clock, approval gate and focus-area budget as the skills (rules.replay), and the book-wide
health tier drop becomes an escalation to the manager and the SLM at once.

Decisions where the contracts are silent:
- A role metric is measured once per fiscal month. A month is assessed at the weekly
  assessment of the week after it closed (its assessment_date), so its events open in a weekly run like
  the skills' and a manager meets them in the same weekly inbox; the current, unfinished
  month is not assessed. The clock therefore counts months: a pattern flagged for
  persistence_weeks (3) monthly assessments in a row is escalated to the SLM.
- Flagged (role_catalogue's rule of the metric), with the mart's value and benchmark (the role
  cohort's median of the month; the segment cohort's for stage conversion):
  - a rate where higher is better: rate_gap_points (15) points or more under the benchmark,
    or under rate_gap_ratio (half) of it (small rates: meeting acceptance, replies);
  - a rate where lower is better (renewals opened late, accounts at risk): rate_gap_points or
    more over the benchmark;
  - a stage-pair conversion: stage_conversion_gap_points (15) or more under the segment median;
  - forecast accuracy: outside the band for two closed quarters in a row;
  - book health: falling health_trend_drop_per_month (5) points a month or faster;
  - SDR volume: touches per business day under volume_below (80%) of the target.
  A null value or benchmark (not delivered, or under the minimum sample) is "not enough
  data": the clock neither moves nor resolves.
- Book tier drop: any closed month in which more than book_tier_drop_share of an AM's or a
  CSM's book dropped at least one health tier; no minimum book size (the contract names none).
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_right
from collections.abc import Sequence

import polars as pl

from .confidence import wilson_bounds
from .ids import escalation_id
from .role_catalogue import (
    BOOK_TIER_DROP_PATTERN,
    BOOK_TIER_DROP_RULE,
    FORECAST,
    METRICS,
    RATE,
    STAGE_PAIR,
    TREND,
    VOLUME,
    RoleMetric,
)
from .role_clock import percent_text

_EPS = 1e-9

# the role_metrics columns the engine reads beside the metric columns themselves
IDENTITY = ("rep_id", "rep_name", "role", "manager_id", "slm_id", "segment", "month_start", "month_end")


def assessment_dates(month_ends: Sequence[dt.date], assessed: Sequence[dt.date]) -> dict[dt.date, dt.date]:
    """month_end -> the weekly assessment of the week after it (the first assessment date in
    the 7 days after the month's end). A month whose next week was not assessed (before a new
    install's first week, or not yet) is left out, so a backfill never assesses old months all
    at once on its first week."""
    weeks = sorted(set(assessed))
    out = {}
    for end in set(month_ends):
        i = bisect_right(weeks, end)
        if i < len(weeks) and weeks[i] <= end + dt.timedelta(days=7):
            out[end] = weeks[i]
    return out


def doubted(metric: RoleMetric, value: float, trials: float | None, confidence: float | None) -> float:
    """A rate given the benefit of the doubt, as the skills' rates are (confidence.py): moved
    toward better to the edge of its Wilson interval over its sample (90%: 0 of 10 reads as
    0.21, 4 of 10 as 0.65); a value without a sample, or with confidence off, as it is."""
    if confidence is None or not trials or metric.rule not in (RATE, STAGE_PAIR) or not 0 <= value <= 1:
        return value
    low, high = wilson_bounds(value, int(trials), confidence)
    return high if metric.higher_is_better else low


def flagged(metric: RoleMetric, value: float | None, benchmark: float | None, row: dict, roles,
            trials: float | None = None, confidence: float | None = None) -> bool | None:
    """Whether one measured value is the metric's pattern (module docstring); None when the
    data cannot say (no value, or no benchmark to compare a rate with). With `trials` and
    `confidence`, a rate must show the gap at the edge of its interval (doubted)."""
    if value is None:
        return None
    if benchmark is not None:
        value = doubted(metric, value, trials, confidence)
    if metric.rule == FORECAST:
        return (row.get("forecast_quarters_out_of_band") or 0) >= 2
    if metric.rule == TREND:
        return value <= -roles.health_trend_drop_per_month + _EPS
    if metric.rule == VOLUME:
        return value < roles.volume_below - _EPS
    if benchmark is None:
        return None
    if metric.rule == STAGE_PAIR:
        return (benchmark - value) * 100 >= roles.stage_conversion_gap_points - _EPS
    points = roles.rate_gap_points / 100
    if metric.higher_is_better:
        return value <= benchmark - points + _EPS or value < benchmark * roles.rate_gap_ratio - _EPS
    return value >= benchmark + points - _EPS


def _scalar_rows(metric: RoleMetric, row: dict) -> list[dict]:
    value = row.get(metric.column)
    numerator = row.get(f"{metric.column}_numerator")
    denominator = row.get(f"{metric.column}_denominator")
    if value is None and denominator is None and metric.rule != FORECAST:
        return []  # nothing measured at all this month (e.g. a source not delivered)
    if metric.rule == FORECAST and row.get("forecast_quarter") is None:
        return []
    return [{"pattern_key": metric.key(), "score": value, "benchmark": row.get(f"{metric.column}_benchmark"),
             "numerator": numerator, "denominator": denominator}]


def _breakdown_rows(metric: RoleMetric, row: dict) -> list[dict]:
    out = []
    for part in row.get(metric.column) or []:
        key = part.get(metric.key_field)
        if key is None:
            continue
        extra = {k: part.get(k) for k in ("from_stage", "to_stage") if k in part}
        out.append({"pattern_key": metric.key(key), "score": part.get("rate"), "benchmark": part.get("benchmark"),
                    "numerator": part.get(metric.numerator_field), "denominator": part.get(metric.denominator_field),
                    **extra})
    return out


def metric_assessments(role_metrics: pl.DataFrame | None, assessed: Sequence[dt.date], roles,
                       confidence: float | None = None) -> list[dict]:
    """One assessment row per (seller, role pattern, closed month) that has a measurement,
    sorted by seller, pattern and date; `assessed`: the weekly assessment dates so far;
    `confidence`: the doubt given to rates (coaching.flag_confidence)."""
    if role_metrics is None or role_metrics.is_empty() or not assessed:
        return []
    dates = assessment_dates(role_metrics["month_end"].to_list(), assessed)
    out = []
    for row in role_metrics.filter(pl.col("month_end").is_in(list(dates))).iter_rows(named=True):
        role = row.get("role")
        for metric in METRICS:
            if role not in metric.roles or metric.column not in row:
                continue
            parts = _breakdown_rows(metric, row) if metric.key_field else _scalar_rows(metric, row)
            for part in parts:
                out.append({
                    **{k: row.get(k) for k in IDENTITY}, **part, "metric": metric.name,
                    "assessment_date": dates[row["month_end"]],
                    "flagged": flagged(metric, part["score"], part["benchmark"], row, roles,
                                       part["denominator"], confidence),
                    **{k: row.get(k) for k in ("forecast_quarter", "forecast_quarters_out_of_band",
                                               "forecast_accuracy_previous", "touches_per_business_day",
                                               "touch_target") if k in row},
                })
    return sorted(out, key=lambda r: (r["rep_id"], r["pattern_key"], r["assessment_date"]))


def _month_text(day: dt.date) -> str:
    return f"{day:%B %Y}"


def book_tier_drop_escalations(role_metrics: pl.DataFrame | None, assessed: Sequence[dt.date], roles,
                               hierarchy: dict[str, dict]) -> list[dict]:
    """The roles contract's book rule: more than half of an AM's or CSM's book dropped at
    least one health tier within one month -> the manager and the SLM at once."""
    if role_metrics is None or role_metrics.is_empty() or not assessed or "book_tier_drop_share" not in role_metrics.columns:
        return []
    dates = assessment_dates(role_metrics["month_end"].to_list(), assessed)
    rows = role_metrics.filter(
        pl.col("role").is_in(["AM", "CSM"]) & pl.col("month_end").is_in(list(dates))
        & (pl.col("book_tier_drop_share") > roles.book_tier_drop_share + _EPS)
    ).sort(["rep_id", "month_start"])
    out = []
    for row in rows.iter_rows(named=True):
        day, user = dates[row["month_end"]], hierarchy.get(row["rep_id"]) or {}
        drops, book = row["book_tier_drops"], row["book_accounts"]
        reason = (f"{drops} of the {book} accounts in {row.get('rep_name') or row['rep_id']}'s "
                  f"book dropped at least one health tier in {_month_text(row['month_start'])} "
                  f"({percent_text(row['book_tier_drop_share'])}, more than {percent_text(roles.book_tier_drop_share)}): "
                  "a book-wide problem, not one account's; sent to the manager and the second-line manager at once.")
        out.append({
            "escalation_id": escalation_id(BOOK_TIER_DROP_RULE, row["rep_id"], BOOK_TIER_DROP_PATTERN, day),
            "rep_id": row["rep_id"], "role": row["role"], "rule": BOOK_TIER_DROP_RULE,
            "pattern_key": BOOK_TIER_DROP_PATTERN, "coaching_id": None, "escalated_to": "manager_and_slm",
            "manager_id": user.get("manager_id") or row.get("manager_id"),
            "slm_id": user.get("slm_id") or row.get("slm_id"), "escalation_date": day, "reason": reason,
            "history": json.dumps([{"month_start": row["month_start"].isoformat(), "book_accounts": book,
                                    "book_tier_drops": drops, "book_tier_drop_share": row["book_tier_drop_share"]}]),
        })
    return out


__all__ = ["assessment_dates", "book_tier_drop_escalations", "flagged", "metric_assessments"]

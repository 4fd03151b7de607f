"""The persistence clock of one seller's role pattern (`metric:...`): the skills' clock
(persistence.PersistenceClock) fed monthly assessments (role_patterns.metric_assessments),
with the metric's own direction of improvement and its own words.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import groupby

from .persistence import PersistenceClock
from .role_catalogue import FORECAST, STAGE_PAIR, TREND, VOLUME, metric_of

_EPS = 1e-9


def percent_text(share: float) -> str:
    """A share as a whole percent, halves up (0.625 -> '63%'), as the marts' sentences round."""
    return f"{math.floor(round(float(share) * 100, 6) + 0.5):.0f}%"


def value_text(row: dict) -> str:
    """A role metric's value as a manager reads it: '35%', '0.62', '-6.5 points a month'."""
    metric, _ = metric_of(row["pattern_key"])
    value = row.get("score")
    if value is None:
        return "n/a"
    if metric.rule == FORECAST:
        return f"{value:.2f}"
    if metric.rule == TREND:
        return f"{value:+.1f} points a month"
    if metric.rule == VOLUME:
        return f"{percent_text(value)} of target"
    return percent_text(value)


def _benchmark_text(row: dict) -> str | None:
    metric, _ = metric_of(row["pattern_key"])
    bench = row.get("benchmark")
    if bench is None or metric.rule in (FORECAST, TREND, VOLUME):
        return None
    cohort = f"the {row.get('segment')} {row.get('role')} median" if metric.rule == STAGE_PAIR and row.get("segment") \
        else f"the {row.get('role')} median"
    return f"{cohort} {percent_text(bench)}"


def _sample_text(row: dict) -> str | None:
    metric, _ = metric_of(row["pattern_key"])
    num, den = row.get("numerator"), row.get("denominator")
    if num is None or den is None or metric.rule in (TREND, VOLUME):
        return None
    if metric.rule == FORECAST:
        return f"won {num:,.0f} of a Commit of {den:,.0f}"
    return f"{num:g} of {den:g} {metric.unit_of_sample}"


def describe_metric(row: dict) -> tuple[str, str]:
    """(pattern_detected, recommended_action) of one flagged role-metric assessment."""
    metric, part = metric_of(row["pattern_key"])
    label = metric.label if part is None else f"{metric.label} {part}"
    if metric.rule == STAGE_PAIR and row.get("from_stage") and row.get("to_stage"):
        label = f"{metric.label} {part} ({row['from_stage']} to {row['to_stage']})"
    bits = [f"{label} {value_text(row)}"]
    sample = _sample_text(row)
    if sample:
        bits[0] += f" ({sample})"
    bench = _benchmark_text(row)
    if bench:
        bits.append(f"vs {bench}")
    if metric.rule == FORECAST:
        bits.append(f"in {row.get('forecast_quarter')}, outside the band for "
                    f"{row.get('forecast_quarters_out_of_band')} closed quarters running")
    if metric.rule == VOLUME and row.get("touches_per_business_day") is not None:
        bits.append(f"({row['touches_per_business_day']:.0f} touches a business day of {row.get('touch_target'):g})")
    month = row.get("month_start")
    pattern = " ".join(bits) + (f", {month:%B %Y}" if month else "")
    return pattern, f"{label}: {metric.advice}."


class MetricClock(PersistenceClock):
    """Events, monthly history and persistence escalations of one (rep, role pattern)."""

    def __init__(self, rep_id: str, pattern_key: str, people: dict, cfg):
        self.metric, _ = metric_of(pattern_key)
        super().__init__(rep_id, pattern_key, people, cfg, pattern_key=pattern_key)

    def _improved(self, previous: float, now: float) -> bool:
        """A 10% relative move in the metric's right direction restarts the clock."""
        step = self.cfg.improvement_reset * abs(previous) - _EPS
        moved = now - previous if self.metric.higher_is_better else previous - now
        return moved > 0 and moved >= step

    def _describe(self, row: dict) -> tuple[str, str]:
        return describe_metric(row)

    def _evidence(self, row: dict) -> dict:
        bench = row.get("benchmark")
        month = row.get("month_start")
        cohort = None
        if bench is not None and month is not None:
            segment = f" {row.get('segment')}" if self.metric.rule == STAGE_PAIR and row.get("segment") else ""
            cohort = f"median of the{segment} {row.get('role')} sellers, {month:%B %Y}"
        den = row.get("denominator")
        return {"_weakest": None, "_weakest_value": None,
                "sample_size": None if den is None else int(den),
                "benchmark_value": None if bench is None else round(float(bench), 4),
                "benchmark_cohort": cohort}

    def _reason(self, weeks: list[tuple[dt.date, float]], since: dt.date | None) -> str:
        # the event's pattern_detected describes the escalating month already
        again = " more" if since else ""
        return (f"Flagged {len(weeks)}{again} monthly assessments in a row (persistence rule: "
                f"{self.cfg.persistence_weeks} months for a role metric): {self._event['pattern_detected']}.")


def fold_role_patterns(rows: list[dict], people_of, cfg) -> tuple[list[dict], list[dict], list[dict]]:
    """(events, history, escalations) of one MetricClock per (rep, role pattern), fed its
    monthly assessments (rows sorted by rep, pattern and date); `people_of(row)`: the
    event's rep_name, role, manager_id and slm_id."""
    events, history, escalations = [], [], []
    for (rep_id, pattern_key), group in groupby(rows, key=lambda r: (r["rep_id"], r["pattern_key"])):
        group = list(group)
        clock = MetricClock(rep_id, pattern_key, people_of(group[0]), cfg)
        for row in group:
            clock.week(row)
        ev, hi, es = clock.finish()
        events, history, escalations = events + ev, history + hi, escalations + es
    return events, history, escalations

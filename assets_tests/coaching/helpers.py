"""Shared helpers of the coaching rules and state tests (plain module, no tests): hand-made
weekly assessments (rules.replay input), attainment and daily-flag inputs, and a six-week
history written to a coaching schema in DuckDB. Defaults of settings.yaml (gap below 70,
3 weeks, 10% reset, attainment < 50% with < 42 days, bottom quartile 30 days, large deal
> 100,000)."""

from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl

from coaching_pipeline.coaching import rules, state
from coaching_pipeline.coaching.schema import STATE_TABLES
from coaching_pipeline.config import load_settings

CFG = load_settings().coaching  # the shipped defaults, whatever $COACHING_CONFIG says
D0 = dt.date(2025, 1, 6)  # a Monday: week 1
MISSING = object()  # a week the rep was not assessed at all

ASSESSMENT_SCHEMA = {
    "rep_id": pl.String, "role": pl.String, "manager_id": pl.String, "assessment_date": pl.Date,
    "skill": pl.String, "score": pl.Float64, "level": pl.String, "components": pl.String,
    "gap_detected": pl.Boolean, "severity": pl.String, "evidence_source": pl.String, "trend": pl.String,
    "cohort_percentile": pl.Float64, "weakest_component": pl.String, "weakest_value": pl.Float64,
    "weakest_target": pl.String,
}
USERS = pl.DataFrame([
    {"user_id": "R1", "user_name": "Rita Ames", "role": "AE", "manager_id": "M1", "slm_id": "S1"},
    {"user_id": "R2", "user_name": "Raj Bell", "role": "AE", "manager_id": "M1", "slm_id": "S1"},
    {"user_id": "R3", "user_name": "Rosa Cruz", "role": "AM", "manager_id": "M2", "slm_id": "S1"},
    {"user_id": "M1", "user_name": "Mia Manager", "role": "MANAGER", "manager_id": "S1", "slm_id": None},
])


def week(n: int) -> dt.date:
    return D0 + dt.timedelta(weeks=n - 1)


def level_of(score):
    if score is None:
        return None
    return next(lv.name for lv in CFG.levels if score >= lv.min)


def assessment(rep, n, skill, score, *, gap=None, role="AE", manager="M1", pct=None,
               weakest=("questions_per_call", 6.1, "11-14")) -> dict:
    gap = (score is not None and score < 70) if gap is None else gap
    return {
        "rep_id": rep, "role": role, "manager_id": manager, "assessment_date": week(n), "skill": skill,
        "score": score, "level": level_of(score), "components": "[]", "gap_detected": gap,
        "severity": None if not gap else ("high" if score < 40 else "medium" if score < 60 else "low"),
        "evidence_source": '["gong_calls"]', "trend": None, "cohort_percentile": pct,
        "weakest_component": weakest[0] if score is not None else None,
        "weakest_value": weakest[1] if score is not None else None,
        "weakest_target": weakest[2] if score is not None else None,
    }


def series(rep, skill, scores, **kw) -> list[dict]:
    """One row per week 1, 2, ... (MISSING: no row that week)."""
    return [assessment(rep, n, skill, s, **kw) for n, s in enumerate(scores, start=1) if s is not MISSING]


def frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ASSESSMENT_SCHEMA)


def md5_id(prefix, *parts):
    return prefix + hashlib.md5("|".join(parts).encode()).hexdigest()[:12]


def attainment_frame(rows):
    return pl.DataFrame(
        [{"rep_id": r, "assessment_date": d, "attainment": a, "days_left": left} for r, d, a, left in rows],
        schema={"rep_id": pl.String, "assessment_date": pl.Date, "attainment": pl.Float64, "days_left": pl.Int64},
    )


# --- daily flag inputs ------------------------------------------------------------------------

PERF_SCHEMA = {
    "rep_id": pl.String, "role": pl.String, "manager_id": pl.String, "fiscal_quarter": pl.String,
    "quarter_start": pl.Date, "quarter_end": pl.Date, "is_current_quarter": pl.Boolean, "attainment": pl.Float64,
}
DEAL_SCHEMA = {
    "opportunity_id": pl.String, "opportunity_name": pl.String, "owner_id": pl.String, "amount": pl.Float64,
    "is_closed": pl.Boolean, "health_score": pl.Float64, "health_band": pl.String,
    "risk_reasons": pl.List(pl.String),
}


def perf(rep, role, attainment, *, quarter_end=dt.date(2025, 3, 31), current=True, manager="M1"):
    start = dt.date(quarter_end.year, quarter_end.month - 2, 1)
    return {"rep_id": rep, "role": role, "manager_id": manager, "fiscal_quarter": f"{quarter_end.year}-Q{quarter_end.month // 3}",
            "quarter_start": start, "quarter_end": quarter_end, "is_current_quarter": current, "attainment": attainment}


def deal(opp, owner, amount, band, *, closed=False, score=30.0):
    return {"opportunity_id": opp, "opportunity_name": f"Deal {opp}", "owner_id": owner, "amount": amount,
            "is_closed": closed, "health_score": None if closed else score, "health_band": None if closed else band,
            "risk_reasons": ["No touch in 18 days", "Economic buyer not identified"]}


# --- coaching state in DuckDB ------------------------------------------------------------------


def snapshot(con) -> dict[str, list[tuple]]:
    """Full contents of every coaching table, in a stable order."""
    return {t: con.execute(f"select * from coaching.{t} order by all").fetchall() for t in STATE_TABLES}


# Weekly scores by rep and skill (weeks 1-6); R1 is an AE of M1, R3 an AM of M2.
SCORES = {
    ("R1", "discovery"): [60, 59, 58, 57, 56, 55],       # escalations at weeks 3 and 6
    ("R1", "closing"): [65, 72, 68, 66, 64, 90],         # resolved at 2; reopened 3; escalated 5; resolved 6
    ("R3", "negotiation"): [50, 56, 55, 54, 53, 52],     # restart at 2 (+12%); escalated at 4
    ("R3", "presentation"): [80, 80, 69, 80, 80, 80],    # one flagged week
}
OVERALL_PCT = {"R1": [10, 10, 10, 10, 10, 10], "R3": [60, 60, 60, 60, 60, 60]}


def week_frame(n: int) -> pl.DataFrame:
    rows = []
    for (rep, skill), scores in SCORES.items():
        role, manager = ("AE", "M1") if rep == "R1" else ("AM", "M2")
        rows.append(assessment(rep, n, skill, scores[n - 1], role=role, manager=manager))
    for rep, pcts in OVERALL_PCT.items():
        role, manager = ("AE", "M1") if rep == "R1" else ("AM", "M2")
        rows.append(assessment(rep, n, "overall", 55.0, role=role, manager=manager, pct=pcts[n - 1]))
    return frame(rows)


# R1's attainment: 30% with 77 - 7 (n - 1) days left -> 42 at week 6 (no), so add a 7th row in tests that need it
ATTAINMENT = attainment_frame([("R1", week(n), 0.30, 77 - 7 * (n - 1)) for n in range(1, 7)])


def run_week(con, n: int) -> dict:
    """What the weekly job does: save the week, then replay everything assessed so far."""
    state.save_assessments(con, week_frame(n))
    assessed = state.read_assessments(con)
    weeks = set(assessed["assessment_date"].to_list())
    attainment = ATTAINMENT.filter(pl.col("assessment_date").is_in(weeks))
    return state.apply_replay(con, rules.replay(assessed, USERS, attainment, CFG))


def event_id(con, rep, pattern, status="open") -> str:
    return con.execute(
        "select coaching_id from coaching.coaching_log where rep_id = ? and pattern_key = ? and status = ? "
        "order by opened_on desc limit 1",
        [rep, pattern, status],
    ).fetchone()[0]

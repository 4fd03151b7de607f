"""Coaching rules (coaching/rules.py) on hand-made weekly series: the persistence clock,
resolution, re-opening, escalations (persistence, attainment, bottom quartile), order
independence and daily flags. Expected values are written out; defaults of settings.yaml
(gap below 70, 3 weeks, 10% reset, attainment < 50% with < 42 days, bottom quartile 30 days,
large deal > 100,000)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

import polars as pl
import pytest

from coaching_pipeline.coaching import rules
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


def history_tuples(result: rules.Replay, coaching_id: str):
    return [
        (r["assessment_date"], r["flagged"], r["metric_value"], r["clock_week"], r["clock_reset"], r["escalated"])
        for r in result.history.filter(pl.col("coaching_id") == coaching_id).iter_rows(named=True)
    ]


# --- the persistence clock ------------------------------------------------------------------
# Each case: discovery scores of R1 at weeks 1.. (all below 70 unless said), the expected history
# (week, flagged, metric, clock, reset, escalated) and the weeks with a persistence escalation.
CLOCK_CASES = {
    "flagged_3_weeks_escalates_at_week_3": (
        [60, 59, 58],
        [(1, True, 60, 1, False, False), (2, True, 59, 2, False, False), (3, True, 58, 3, False, True)],
        [3],
    ),
    "flagged_4_weeks_escalates_once": (
        [60, 59, 58, 57],
        [(1, True, 60, 1, False, False), (2, True, 59, 2, False, False), (3, True, 58, 3, False, True),
         (4, True, 57, 4, False, False)],
        [3],
    ),
    # 55 - 50 = 5 = 10% of 50: the clock restarts at week 2, so week 3 is only clock 2
    "ten_percent_improvement_restarts_clock": (
        [50, 55, 54, 53],
        [(1, True, 50, 1, False, False), (2, True, 55, 1, True, False), (3, True, 54, 2, False, False),
         (4, True, 53, 3, False, True)],
        [4],
    ),
    # 54.5 - 50 = 4.5 = 9% of 50: not enough
    "nine_percent_improvement_does_not_restart": (
        [50, 54.5, 54],
        [(1, True, 50, 1, False, False), (2, True, 54.5, 2, False, False), (3, True, 54, 3, False, True)],
        [3],
    ),
    # a fall is never an improvement
    "falling_score_advances": (
        [65, 50, 45],
        [(1, True, 65, 1, False, False), (2, True, 50, 2, False, False), (3, True, 45, 3, False, True)],
        [3],
    ),
    "persisting_3_more_weeks_after_escalation_flags_again": (
        [60, 59, 58, 57, 56, 55],
        [(1, True, 60, 1, False, False), (2, True, 59, 2, False, False), (3, True, 58, 3, False, True),
         (4, True, 57, 4, False, False), (5, True, 56, 5, False, False), (6, True, 55, 6, False, True)],
        [3, 6],
    ),
    # after the week-3 escalation, week 5 rises 63 - 57 = 6 >= 5.7 (10% of 57): the count
    # since the escalation restarts, so the second flag comes at week 7, not week 6
    "improvement_after_escalation_restarts_the_count": (
        [60, 59, 58, 57, 63, 62, 61, 60],
        [(1, True, 60, 1, False, False), (2, True, 59, 2, False, False), (3, True, 58, 3, False, True),
         (4, True, 57, 4, False, False), (5, True, 63, 1, True, False), (6, True, 62, 2, False, False),
         (7, True, 61, 3, False, True), (8, True, 60, 4, False, False)],
        [3, 7],
    ),
    # insufficient data (null score) at week 2: kept in the history, the clock stands still
    "null_score_week_neither_advances_nor_resolves": (
        [60, None, 59, 58],
        [(1, True, 60, 1, False, False), (2, None, None, 1, False, False), (3, True, 59, 2, False, False),
         (4, True, 58, 3, False, True)],
        [4],
    ),
    # week 2 not assessed at all: the next assessment is the next clock week
    "unassessed_week_leaves_no_trace": (
        [60, MISSING, 59, 58],
        [(1, True, 60, 1, False, False), (3, True, 59, 2, False, False), (4, True, 58, 3, False, True)],
        [4],
    ),
}


@pytest.mark.parametrize("case", CLOCK_CASES, ids=list(CLOCK_CASES))
def test_persistence_clock(case):
    scores, expected_history, escalation_weeks = CLOCK_CASES[case]
    result = rules.replay(frame(series("R1", "discovery", scores)), USERS, None, CFG)
    assert result.events.height == 1
    event = result.events.row(0, named=True)
    cid = md5_id("C", "R1", "skill:discovery", "2025-01-06")
    assert event["coaching_id"] == cid
    assert history_tuples(result, cid) == [
        (week(n), f, None if m is None else float(m), c, r, e) for n, f, m, c, r, e in expected_history
    ]
    last_clock = expected_history[-1][3]
    assert (event["status"], event["weeks_flagged"], event["opened_on"]) == ("open", last_clock, week(1))
    assert event["last_assessed_on"] == week(max(n for n, f, *_ in expected_history if f is not None))
    assert (event["resolution_date"], event["improvement_detected"]) == (None, False)
    assert (event["escalated_to_slm"], event["escalation_date"]) == (True, week(escalation_weeks[0]))
    esc = result.escalations
    assert esc["escalation_date"].to_list() == [week(n) for n in escalation_weeks]
    assert set(esc["rule"]) == {"persistence"} and set(esc["escalated_to"]) == {"slm"}
    assert set(esc["coaching_id"]) == {cid} and set(esc["slm_id"]) == {"S1"} and set(esc["manager_id"]) == {"M1"}
    assert esc["escalation_id"].to_list() == [
        md5_id("E", "persistence", "R1", "skill:discovery", week(n).isoformat()) for n in escalation_weeks
    ]


def test_escalation_texts_and_weekly_history():
    result = rules.replay(frame(series("R1", "discovery", [52, 51, 50.5])), USERS, None, CFG)
    event = result.events.row(0, named=True)
    assert event["rep_name"] == "Rita Ames"
    assert event["pattern_detected"] == "Discovery 50.5 (Needs Coaching): 6.1 questions per call vs target 11-14"
    assert event["recommended_action"] == (
        "Discovery: bring questions per call from 6.1 into the target of 11-14: prepare open questions on "
        "pain, impact and the decision process before each call, and review a recorded call with the "
        "manager to find where more questions fit."
    )
    reason = (
        "Discovery below 70 at 3 consecutive weekly assessments without a 10% improvement "
        "(52.0, 51.0, 50.5 on 2025-01-06, 2025-01-13, 2025-01-20); 6.1 questions per call vs target 11-14"
    )
    assert event["escalation_reason"] == reason
    esc = result.escalations.row(0, named=True)
    assert esc["reason"] == reason
    assert json.loads(esc["history"]) == [
        {"assessment_date": "2025-01-06", "flagged": True, "metric_value": 52.0, "clock_week": 1,
         "clock_reset": False, "escalated": False},
        {"assessment_date": "2025-01-13", "flagged": True, "metric_value": 51.0, "clock_week": 2,
         "clock_reset": False, "escalated": False},
        {"assessment_date": "2025-01-20", "flagged": True, "metric_value": 50.5, "clock_week": 3,
         "clock_reset": False, "escalated": True},
    ]


def test_second_escalation_reason_counts_since_the_first():
    result = rules.replay(frame(series("R1", "discovery", [60, 59, 58, 57, 56, 55])), USERS, None, CFG)
    second = result.escalations.row(1, named=True)
    assert second["reason"] == (
        "Discovery still below 70 at 3 more weekly assessments without a 10% improvement since the "
        "escalation of 2025-01-20 (57.0, 56.0, 55.0 on 2025-01-27, 2025-02-03, 2025-02-10); "
        "6.1 questions per call vs target 11-14"
    )
    assert len(json.loads(second["history"])) == 6
    # the event keeps its first escalation
    assert result.events["escalation_date"].to_list() == [week(3)]


@pytest.mark.parametrize(
    ("component", "value", "target", "pattern", "action_start"),
    [
        ("talk_ratio", 0.72, "0.4-0.5", "Presentation 55.0 (Needs Coaching): talk ratio 72% vs target 40-50%",
         "Presentation: bring talk ratio from 72% into the target of 40-50%: let the customer"),
        ("longest_monologue_s", 212.0, "0-150", "Presentation 55.0 (Needs Coaching): longest monologue 212 s "
         "vs target at most 150 s", "Presentation: bring the longest monologue from 212 s into the target of at most 150 s"),
        ("scorecard_presentation", 48.0, "70-100", "Presentation 55.0 (Needs Coaching): presentation scorecard "
         "48/100 vs target 70-100", "Presentation: bring the presentation scorecard score from 48/100"),
    ],
)
def test_pattern_and_action_name_the_weakest_component(component, value, target, pattern, action_start):
    row = assessment("R1", 1, "presentation", 55.0, weakest=(component, value, target))
    result = rules.replay(frame([row]), USERS, None, CFG)
    event = result.events.row(0, named=True)
    assert event["pattern_detected"] == pattern
    assert event["recommended_action"].startswith(action_start)


def test_cleared_pattern_is_resolved_and_a_later_gap_opens_a_new_event():
    # 60, 65 flagged; 72 clears (>= 70); 68, 66 flagged again
    result = rules.replay(frame(series("R1", "closing", [60, 65, 72, 68, 66])), USERS, None, CFG)
    first_id = md5_id("C", "R1", "skill:closing", week(1).isoformat())
    second_id = md5_id("C", "R1", "skill:closing", week(4).isoformat())
    events = {e["coaching_id"]: e for e in result.events.iter_rows(named=True)}
    assert list(events) == [first_id, second_id]
    first, second = events[first_id], events[second_id]
    assert (first["status"], first["resolution_date"], first["improvement_detected"]) == ("resolved", week(3), True)
    assert (first["weeks_flagged"], first["last_assessed_on"], first["escalated_to_slm"]) == (2, week(3), False)
    assert (second["status"], second["opened_on"], second["weeks_flagged"]) == ("open", week(4), 2)
    assert (second["resolution_date"], second["improvement_detected"]) == (None, False)
    assert history_tuples(result, first_id) == [
        (week(1), True, 60.0, 1, False, False), (week(2), True, 65.0, 2, False, False),
        (week(3), False, 72.0, None, False, False),
    ]
    assert history_tuples(result, second_id) == [
        (week(4), True, 68.0, 1, False, False), (week(5), True, 66.0, 2, False, False),
    ]
    assert result.escalations.is_empty()


def test_no_gap_no_event_and_overall_opens_no_event():
    rows = series("R1", "discovery", [80, 75, 90]) + series("R1", "overall", [50, 50, 50], pct=60.0)
    result = rules.replay(frame(rows), USERS, None, CFG)
    assert result.events.is_empty() and result.history.is_empty() and result.escalations.is_empty()


# --- attainment rule ------------------------------------------------------------------------


def attainment_frame(rows):
    return pl.DataFrame(
        [{"rep_id": r, "assessment_date": d, "attainment": a, "days_left": left} for r, d, a, left in rows],
        schema={"rep_id": pl.String, "assessment_date": pl.Date, "attainment": pl.Float64, "days_left": pl.Int64},
    )


@pytest.mark.parametrize(
    ("rep", "attainment", "days_left", "escalates"),
    [
        ("R1", 0.45, 40, True),     # AE below 50% with 40 < 42 days left
        ("R1", 0.45, 43, False),    # 43 days left: too early
        ("R1", 0.45, 42, False),    # "fewer than 42": 42 is not
        ("R1", 0.45, 41, True),
        ("R1", 0.50, 40, False),    # "below 50%": 50% is not
        ("R1", 0.499, 40, True),
        ("R1", None, 10, False),    # no quota: no attainment, no rule
        ("R3", 0.45, 40, False),    # AM: the rule is for AEs only
    ],
)
def test_attainment_rule(rep, attainment, days_left, escalates):
    result = rules.replay(frame([]), USERS, attainment_frame([(rep, week(1), attainment, days_left)]), CFG)
    if not escalates:
        assert result.escalations.is_empty()
        return
    esc = result.escalations.row(0, named=True)
    assert result.escalations.height == 1
    assert {k: esc[k] for k in ("rep_id", "role", "rule", "pattern_key", "coaching_id", "escalated_to",
                                "manager_id", "slm_id", "escalation_date")} == {
        "rep_id": "R1", "role": "AE", "rule": "attainment", "pattern_key": "metric:attainment",
        "coaching_id": None, "escalated_to": "manager_and_slm", "manager_id": "M1", "slm_id": "S1",
        "escalation_date": week(1),
    }
    assert esc["reason"] == (
        f"Attainment {attainment * 100:.1f}% with {days_left} days left in the quarter "
        "(rule: below 50% with fewer than 42 days left)"
    )


def test_attainment_escalates_once_per_quarter():
    # quarter ending 2025-03-31: weeks 7 (2025-02-17, 42 days left), 8 (35), 9 (28), 10 (21)
    # quarter ending 2025-06-30: week 21 (2025-05-26, 35 days left)
    rows = [
        ("R1", week(7), 0.30, 42), ("R1", week(8), 0.35, 35), ("R1", week(9), 0.40, 28),
        ("R1", week(10), 0.20, 21), ("R1", week(21), 0.10, 35),
    ]
    result = rules.replay(frame([]), USERS, attainment_frame(rows), CFG)
    assert result.escalations["escalation_date"].to_list() == [week(8), week(21)]
    assert json.loads(result.escalations["history"][0]) == [
        {"assessment_date": "2025-02-17", "attainment": 0.30, "days_left": 42},
        {"assessment_date": "2025-02-24", "attainment": 0.35, "days_left": 35},
    ]


# --- bottom quartile rule -------------------------------------------------------------------


def test_bottom_quartile_for_30_days_escalates_to_the_manager_once_per_streak():
    # overall percentiles of R2 by week; None = no overall score (skipped)
    pcts = [10, 20, 5, None, 24, 10, 15, 30, 10, 10, 10, 10, 10, 10, 10]
    rows = [assessment("R2", n, "overall", None if p is None else 40.0, pct=p, gap=p is not None)
            for n, p in enumerate(pcts, start=1)]
    result = rules.replay(frame(rows), USERS, None, CFG)
    # streak 1 starts week 1: week 5 is 28 days later (< 30), week 6 is 35 days -> escalate at 6;
    # week 7 still in the streak: no second escalation; week 8 (30th percentile) ends it.
    # streak 2 starts week 9 -> week 14 (35 days) escalates; week 15 does not.
    assert result.escalations["escalation_date"].to_list() == [week(6), week(14)]
    first = result.escalations.row(0, named=True)
    assert (first["rule"], first["escalated_to"], first["pattern_key"], first["manager_id"], first["coaching_id"]) == (
        "bottom_quartile", "manager", "metric:overall_bottom_quartile", "M1", None)
    assert first["reason"] == (
        "Overall score in the bottom quartile of the AE cohort at 5 consecutive weekly assessments since "
        "2025-01-06 (35 days; percentiles 10.0, 20.0, 5.0, 24.0, 10.0; latest overall score 40.0)"
    )
    assert result.events.is_empty()  # 'overall' is not a coaching pattern


def test_bottom_quartile_streak_broken_before_30_days_does_not_escalate():
    pcts = [10, 10, 10, 10, 25, 10, 10]  # week 5 at the 25th percentile is not "< 25"
    rows = [assessment("R2", n, "overall", 40.0, pct=p) for n, p in enumerate(pcts, start=1)]
    assert rules.replay(frame(rows), USERS, None, CFG).escalations.is_empty()


# --- order independence ---------------------------------------------------------------------


def mixed_history():
    rows = (
        series("R1", "discovery", [60, 59, 58, 57, 63, 62, 61, 60])
        + series("R1", "closing", [65, 72, 68, 66, 64, 90, 50, 50])
        + series("R2", "presentation", [50, 56, None, 55, 54, 53, 80, 79], role="AE")
        + series("R3", "negotiation", [40, 41, 42, 43, 44, 45, 46, 47], role="AM", manager="M2")
        + [assessment("R2", n, "overall", 45.0, pct=p) for n, p in enumerate([10, 10, 20, 10, 10, 10, 50, 10], 1)]
        + [assessment("R1", n, "overall", 60.0, pct=60.0) for n in range(1, 9)]
    )
    attainment = attainment_frame([("R1", week(n), 0.3, 84 - 7 * n) for n in range(1, 9)])
    return frame(rows), attainment


def test_replay_does_not_depend_on_input_row_order():
    assessments, attainment = mixed_history()
    expected = rules.replay(assessments, USERS, attainment, CFG)
    # R1 discovery: 1 event; R1 closing: 3 (resolved at weeks 2 and 6); R2 presentation: 1
    # (resolved at week 7); R3 negotiation: 1 (each rise is 2.5%, so no restart)
    assert expected.events.height == 6
    assert expected.escalations.select("escalation_date", "rep_id", "rule", "pattern_key").rows() == [
        (week(3), "R1", "persistence", "skill:discovery"),
        (week(3), "R3", "persistence", "skill:negotiation"),
        (week(5), "R1", "persistence", "skill:closing"),  # 68, 66, 64 at weeks 3-5
        # R2: 50, 56 (+12%: restart at 1), null (stays 1), 55 (2), 54 (3) -> week 5
        (week(5), "R2", "persistence", "skill:presentation"),
        # R2's bottom-quartile streak since week 1 is 35 days old at week 6
        (week(6), "R2", "bottom_quartile", "metric:overall_bottom_quartile"),
        (week(6), "R3", "persistence", "skill:negotiation"),
        (week(7), "R1", "attainment", "metric:attainment"),  # 84 - 49 = 35 days left
        (week(7), "R1", "persistence", "skill:discovery"),
    ]
    for seed in range(5):
        order = list(range(assessments.height))
        random.Random(seed).shuffle(order)
        att_order = list(range(attainment.height))
        random.Random(seed).shuffle(att_order)
        got = rules.replay(assessments[order], USERS.reverse(), attainment[att_order], CFG)
        assert got.events.equals(expected.events)
        assert got.history.equals(expected.history)
        assert got.escalations.equals(expected.escalations)


# --- daily flags ----------------------------------------------------------------------------

RUN_DATE = dt.date(2025, 2, 19)  # a Wednesday; its Monday is 2025-02-17; quarter ends 2025-03-31 (40 days)
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


def test_daily_flags():
    performance = pl.DataFrame([
        perf("R1", "AE", 0.45),                          # 40 days left, 45%: flag
        perf("R1", "AE", 0.45),                          # the same row twice: one flag
        perf("R2", "AE", 0.45, quarter_end=dt.date(2025, 4, 3)),  # 43 days left: no (another fiscal calendar)
        perf("R3", "AM", 0.10, manager="M2"),            # not an AE
        perf("R4", "AE", None),                          # no quota
        perf("R5", "AE", 0.10, quarter_end=dt.date(2024, 12, 31), current=False),  # past quarter
    ], schema=PERF_SCHEMA)
    deals = pl.DataFrame([
        deal("O1", "R3", 150_000, "red"),                 # flag (manager from rep_performance: M2)
        deal("O2", "R1", 150_000, "yellow"),              # not red
        deal("O3", "R1", 150_000, None, closed=True),     # closed
        deal("O4", "R1", 100_000, "red"),                 # not above 100,000
        deal("O5", "R1", 100_001, "red"),                 # flag
    ], schema=DEAL_SCHEMA)
    flags = rules.daily_flags(performance, deals, RUN_DATE, CFG)
    monday = dt.date(2025, 2, 17)
    assert flags.select("rep_id", "manager_id", "rule", "flag_week", "flag_date", "opportunity_id").rows() == [
        ("R1", "M1", "attainment", monday, RUN_DATE, None),
        ("R1", "M1", "large_deal_red", monday, RUN_DATE, "O5"),
        ("R3", "M2", "large_deal_red", monday, RUN_DATE, "O1"),
    ]
    assert flags["flag_id"].to_list() == [
        md5_id("F", "R1", "attainment", "2025-02-17", ""),
        md5_id("F", "R1", "large_deal_red", "2025-02-17", "O5"),
        md5_id("F", "R3", "large_deal_red", "2025-02-17", "O1"),
    ]
    assert flags["detail"].to_list() == [
        "Attainment 45.0% with 40 days left in 2025-Q1 (flag below 50% with fewer than 42 days left)",
        "Open deal Deal O5 (O5) of 100,001 is in the red health band (health score 30): No touch in 18 days; "
        "Economic buyer not identified",
        "Open deal Deal O1 (O1) of 150,000 is in the red health band (health score 30): No touch in 18 days; "
        "Economic buyer not identified",
    ]
    # another day of the same week gives the same flag ids; the next week new ones
    same_week = rules.daily_flags(performance, deals, dt.date(2025, 2, 20), CFG)  # R2: 42 days left, still no
    assert same_week["flag_id"].to_list() == flags["flag_id"].to_list()
    next_week = rules.daily_flags(performance, deals, dt.date(2025, 2, 24), CFG)
    assert set(next_week["flag_id"]).isdisjoint(flags["flag_id"])


def test_daily_flags_on_empty_inputs():
    flags = rules.daily_flags(pl.DataFrame(schema=PERF_SCHEMA), pl.DataFrame(schema=DEAL_SCHEMA), RUN_DATE, CFG)
    assert flags.is_empty() and flags.schema == pl.Schema(rules.DAILY_FLAG_SCHEMA)

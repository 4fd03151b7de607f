"""Coaching rules (coaching/rules.py) on hand-made weekly series: the persistence clock
(advance, 10% restart, nulls, unassessed weeks), the escalation and event texts, resolution
and re-opening. Expected values are written out; defaults of settings.yaml (gap below 70,
3 weeks, 10% reset)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from coaching_pipeline.coaching import rules

from .helpers import CFG, MISSING, USERS, assessment, frame, md5_id, series, week


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

"""Coaching rules (coaching/rules.py): the attainment escalation (AEs below 50% with fewer
than 42 days left, once a quarter), the bottom-quartile escalation (30 days) and a replay
that does not depend on the order of its input rows. Expected values are written out;
defaults of settings.yaml."""

from __future__ import annotations

import json
import random

import pytest

from coaching_pipeline.coaching import rules

from .helpers import CFG, USERS, assessment, attainment_frame, frame, series, week


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

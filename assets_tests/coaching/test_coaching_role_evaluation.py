"""`coaching eval`'s scoring of the role rules (coaching/role_evaluation.py) on a hand-made
ground truth: an event belongs to the month before its assessment's month, window rates
may lag 2 months, book tier drops match their month exactly."""

from __future__ import annotations

import datetime as dt

from coaching_pipeline.coaching.role_evaluation import month_of, role_misses, score_role_patterns

D = dt.date
# Mondays after each closed month of 2026: Jul -> 3 Aug, Aug -> 7 Sep, Sep -> 5 Oct, Oct -> 2 Nov
ASSESSED = [D(2026, 7, 6) + dt.timedelta(weeks=i) for i in range(18)]  # 6 Jul .. 2 Nov
TRUTH = {"role_patterns": [
    {"rep_id": "A1", "role": "AM", "pattern_key": "metric:renewals_opened_late",
     "months": ["2026-07-01", "2026-08-01", "2026-09-01"], "detectable": True},
    {"rep_id": "S1", "role": "SDR", "pattern_key": "metric:response_rate_by_step:2",
     "months": ["2026-09-01"], "detectable": True},
    {"rep_id": "S2", "role": "SDR", "pattern_key": "metric:response_rate_by_step:2",
     "months": ["2026-09-01"], "detectable": False},  # too few touches to show
    {"rep_id": "C1", "role": "CSM", "pattern_key": "metric:book_tier_drop", "months": ["2026-09-01"],
     "detectable": True},
]}


def ev(rep, key, opened):
    return {"rep_id": rep, "pattern_key": key, "opened_on": opened, "skill": None}


def test_the_month_an_assessment_measured():
    assert month_of(D(2026, 8, 3)) == D(2026, 7, 1)
    assert month_of(D(2026, 1, 5)) == D(2025, 12, 1)


def test_events_and_escalations_per_rule():
    events = [
        ev("A1", "metric:renewals_opened_late", D(2026, 8, 3)),  # July: planted -> right
        ev("S1", "metric:response_rate_by_step:2", D(2026, 10, 5)),  # September: right
        ev("S1", "metric:response_rate_by_step:3", D(2026, 10, 5)),  # step 3 was never planted: wrong
        ev("S2", "metric:response_rate_by_step:2", D(2026, 10, 5)),  # not detectable: wrong
        {"rep_id": "A1", "pattern_key": "skill:closing", "opened_on": D(2026, 8, 3), "skill": "closing"},  # ignored
    ]
    escalations = [
        {"rep_id": "C1", "rule": "book_tier_drop", "pattern_key": "metric:book_tier_drop",
         "escalation_date": D(2026, 10, 5)},  # September: right
        {"rep_id": "C1", "rule": "book_tier_drop", "pattern_key": "metric:book_tier_drop",
         "escalation_date": D(2026, 11, 2)},  # October: the drop was in September -> wrong
        {"rep_id": "A1", "rule": "persistence", "pattern_key": "metric:renewals_opened_late",
         "escalation_date": D(2026, 10, 5)},  # Jul, Aug, Sep all planted: right
    ]
    f = score_role_patterns(TRUTH, events, escalations, ASSESSED)
    assert f["events"]["per_rule"]["renewals_opened_late"] == {
        "made": 1, "right": 1, "precision": 1.0, "expected": 1, "found": 1, "recall": 1.0}
    assert f["events"]["per_rule"]["response_rate_by_step"] == {
        "made": 3, "right": 1, "precision": 0.3333, "expected": 1, "found": 1, "recall": 1.0}
    assert f["events"]["overall"] == {"made": 4, "right": 2, "precision": 0.5, "expected": 2, "found": 2, "recall": 1.0}
    assert f["escalations"]["per_rule"]["book_tier_drop"] == {
        "made": 2, "right": 1, "precision": 0.5, "expected": 1, "found": 1, "recall": 1.0}
    assert f["escalations"]["per_rule"]["persistence (role patterns)"] == {
        "made": 1, "right": 1, "precision": 1.0, "expected": 1, "found": 1, "recall": 1.0}
    assert role_misses(f) == [
        "role events response_rate_by_step precision 0.3333 (target >= 0.85)",
        "role escalations book_tier_drop precision 0.5 (target >= 0.9)",
    ]


def test_a_detector_that_flags_nothing_has_recall_zero_and_an_old_truth_is_not_scored():
    f = score_role_patterns(TRUTH, [], [], ASSESSED)
    assert f["events"]["overall"]["recall"] == 0.0
    assert f["escalations"]["per_rule"]["book_tier_drop"]["recall"] == 0.0
    assert role_misses(f) == ["role events renewals_opened_late recall 0.0 (target >= 0.8)",
                              "role events response_rate_by_step recall 0.0 (target >= 0.8)"]
    assert score_role_patterns({"gaps": []}, [], [], ASSESSED) is None


def test_a_win_rate_event_is_right_for_a_seller_with_a_planted_closing_gap():
    truth = {**TRUTH, "gaps": [
        {"rep_id": "A2", "skill": "closing", "from": "2026-08-17", "until": None, "detectable": True},
        {"rep_id": "A3", "skill": "closing", "from": "2026-08-17", "until": None, "detectable": False},
    ]}
    events = [
        ev("A2", "metric:expansion_conversion", D(2026, 9, 7)),  # August, the gap holds from 17 Aug: right
        ev("A2", "metric:expansion_conversion", D(2026, 8, 3)),  # July, before the gap: wrong
        ev("A3", "metric:expansion_conversion", D(2026, 9, 7)),  # an undetectable gap: wrong
        ev("A2", "metric:renewals_opened_late", D(2026, 9, 7)),  # not a win rate: wrong
    ]
    f = score_role_patterns(truth, events, [], ASSESSED)
    assert f["events"]["per_rule"]["expansion_conversion"] == {
        "made": 3, "right": 1, "precision": 0.3333, "expected": 0, "found": 0, "recall": None}
    assert f["events"]["per_rule"]["renewals_opened_late"]["right"] == 0


def test_a_planted_rule_its_data_cannot_show_is_still_reported():
    truth = {"role_patterns": [{"rep_id": "E1", "role": "AE", "pattern_key": "metric:stage_conversion:2>3",
                                "months": [], "detectable": False}]}
    f = score_role_patterns(truth, [], [], ASSESSED)
    assert f["events"]["per_rule"] == {"stage_conversion": {
        "made": 0, "right": 0, "precision": None, "expected": 0, "found": 0, "recall": None}}
    assert role_misses(f) == []


def test_an_incidental_pattern_in_the_data_is_right_and_never_expected():
    truth = {**TRUTH, "role_incidental": [
        {"rep_id": "E2", "role": "AE", "pattern_key": "metric:forecast_accuracy", "months": ["2026-08-01"]}],
        "gaps": [{"rep_id": "A4", "skill": "negotiation", "from": "2026-01-05", "until": None, "detectable": True}]}
    events = [
        ev("E2", "metric:forecast_accuracy", D(2026, 9, 7)),  # August: the data shows it -> right
        ev("E2", "metric:forecast_accuracy", D(2026, 12, 7)),  # November: 3 months on, past the lag -> wrong
        ev("A4", "metric:expansion_conversion", D(2026, 9, 7)),  # a weak negotiator loses deals -> right
        ev("A4", "metric:renewal_rate", D(2026, 9, 7)),  # renewals do not follow the AM's skills -> wrong
    ]
    f = score_role_patterns(truth, events, [], ASSESSED)
    assert f["events"]["per_rule"]["forecast_accuracy"] == {
        "made": 2, "right": 1, "precision": 0.5, "expected": 0, "found": 0, "recall": None}
    assert f["events"]["per_rule"]["expansion_conversion"]["right"] == 1
    assert f["events"]["per_rule"]["renewal_rate"]["right"] == 0

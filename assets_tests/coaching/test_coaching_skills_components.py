"""Component values of the skill assessment on hand-made evidence: the evidence windows and
minimum evidence, scorecard answers normalised on each question's range, and attainment
(fiscal quarters, won amount against the pro-rated quota). The assessment date is Monday
2025-06-02 (DAY) unless said otherwise; settings are the defaults of settings.yaml."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coaching_pipeline.coaching.attainment import attainment_at
from coaching_pipeline.fiscal import fiscal_quarter, fiscal_quarter_name

from .skills_helpers import (
    CFG,
    DAY,
    D,
    assess_week_checked,
    call,
    components_of,
    deal,
    evidence,
    rows_of,
    user,
)

# All the skill modules share one xdist group: they stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("coaching_skills")


# ---------------------------------------------------------------------------------------
# Evidence windows and minimum evidence


def test_evidence_windows():
    ev = evidence(
        users=[user("R1"), user("R9")],
        calls=[
            call("c1", "R1", 1, tracker_next_steps=1),  # d - 1: counts
            call("c2", "R1", 0, tracker_next_steps=1),  # on d: not yet
            call("c3", "R1", 30, tracker_next_steps=1),  # d - 30: first day of the window
            call("c4", "R1", 31, tracker_next_steps=1),  # d - 31: too old
            call("c5", "R1", 5, external=False, tracker_next_steps=1),  # Internal
            call("c6", "R1", 10, tracker_next_steps=1),
            call("c7", "R9", 10, tracker_next_steps=1),  # another seller
            call("c8", "R1", 2),  # the next-steps tracker not reported on this call
        ],
        deals=[
            deal("k1", "R1", 30, 1, "won", meddpicc_completeness=0.5),  # closed d - 1: closed in window
            deal("k2", "R1", 120, 90, "lost", meddpicc_completeness=0.5),  # d - 90: first day of the window
            deal("k3", "R1", 120, 91, "lost", meddpicc_completeness=0.5),  # d - 91: too old
            deal("k4", "R1", 40, 0, "won", meddpicc_completeness=0.5),  # closed ON d: still open at d
            deal("k5", "R1", 1, -30, "open", meddpicc_completeness=0.5),  # created d - 1: open
            deal("k6", "R1", 0, -30, "open", meddpicc_completeness=0.5),  # created on d: not yet
            deal("k7", "R1", 200, 100, "lost", meddpicc_completeness=0.5),
            deal("k8", "R9", 20, 5, "won", meddpicc_completeness=0.5),
        ],
        # the org has CloseDate history (a deal pulled in), so the close-date kept rate is measured
        close_dates=[{"opportunity_id": "k2", "field_name": "CloseDate", "old_value": "2025-03-10",
                      "new_value": "2025-03-04", "created_date": D(2025, 2, 20)}],
    )
    got = components_of(ev, "R1")
    assert got["next_steps_call_share"] == (1.0, 3, 100.0)  # c1, c3, c6 (c8 tells nothing)
    # closed in window k1, k2: 2 < min_closed_deals -> null, never 0
    assert got["win_rate"] == (None, 2, None)
    assert got["close_date_kept_rate"] == (None, 2, None)
    # open at d k4, k5: 2 < min_open_deals
    assert got["meddpicc_completeness"] == (None, 2, None)
    # open + closed in window: k1, k2, k4, k5
    assert got["champion_and_eb_rate"] == (0.0, 4, 0.0)


def test_scorecard_answers_normalised_on_each_questions_own_range():
    ev = evidence(
        users=[user("R4")],
        calls=[call(f"c{i}", "R4", i) for i in (1, 2, 3, 4)]
        + [call("c5", "R4", 40), call("c6", "R4", 2, external=False)],
        questions=[
            {"scorecard_id": "S1", "question_id": "q1", "question_text": "Discovery: pain uncovered?",
             "min_range": 1, "max_range": 5},
            # tag case-insensitive, space before the colon allowed
            {"scorecard_id": "S1", "question_id": "q2", "question_text": "discovery : budget known?",
             "min_range": 0, "max_range": 10},
            {"scorecard_id": "S1", "question_id": "q3", "question_text": "Demo: mapped to the pain?",
             "min_range": 1, "max_range": 3},
            {"scorecard_id": "S1", "question_id": "q4", "question_text": "Discovery call notes",  # no ':'
             "min_range": 1, "max_range": 5},
            {"scorecard_id": "S1", "question_id": "q5", "question_text": "Overall: rating",
             "min_range": 0, "max_range": 50},
            {"scorecard_id": "S1", "question_id": "q6", "question_text": "Objection Handling: stayed calm?",
             "min_range": 1, "max_range": 5},
            {"scorecard_id": "S1", "question_id": "q7", "question_text": "Closing: which next step?",
             "min_range": None, "max_range": None},  # an options question: no scale
            # the same question id on another scorecard with another scale: not mixed up
            {"scorecard_id": "S2", "question_id": "q2", "question_text": "Discovery: budget known?",
             "min_range": 0, "max_range": 100},
        ],
        answers=[
            {"scorecard_id": "S1", "call_id": "c1", "question_id": "q1", "score": 4},  # (4-1)/4 = 75
            {"scorecard_id": "S1", "call_id": "c2", "question_id": "q2", "score": 5},  # 5/10 = 50
            {"scorecard_id": "S1", "call_id": "c3", "question_id": "q1", "score": 5},  # 100
            {"scorecard_id": "S1", "call_id": "c4", "question_id": "q4", "score": 1},  # untagged
            {"scorecard_id": "S1", "call_id": "c4", "question_id": "q5", "score": 50},  # overall question
            {"scorecard_id": "S1", "call_id": "c4", "question_id": "q1", "score": 3, "not_applicable": True},
            {"scorecard_id": "S1", "call_id": "c4", "question_id": "q2", "score": None},
            {"scorecard_id": "S1", "call_id": "c5", "question_id": "q1", "score": 1},  # call out of the window
            {"scorecard_id": "S1", "call_id": "c6", "question_id": "q1", "score": 1},  # Internal call
            {"scorecard_id": "S1", "call_id": "c1", "question_id": "q3", "score": 3},  # (3-1)/2 = 100
            {"scorecard_id": "S1", "call_id": "c2", "question_id": "q3", "score": 1},  # 0
            {"scorecard_id": "S1", "call_id": "c1", "question_id": "q6", "score": 5},  # 100
            {"scorecard_id": "S1", "call_id": "c2", "question_id": "q6", "score": 2},  # 25
            {"scorecard_id": "S1", "call_id": "c3", "question_id": "q6", "score": 4},  # 75
            {"scorecard_id": "S1", "call_id": "c1", "question_id": "q7", "score": 3},
        ],
    )
    got = components_of(ev, "R4")
    assert got["scorecard_discovery"] == (75.0, 3, 75.0)  # (75 + 50 + 100) / 3
    assert got["scorecard_presentation"] == (None, 2, None)  # two answers < min_calls
    assert got["scorecard_objection_handling"] == (66.6667, 3, 66.667)  # (100 + 25 + 75) / 3
    assert got["scorecard_closing"] == (None, 0, None)
    out = assess_week_checked(ev)
    discovery = rows_of(out, "R4")["discovery"]
    # discovery = the scorecard alone (the calls carry no interaction stats)
    assert (discovery["score"], discovery["evidence_source"]) == (75.0, '["scorecards"]')



# ---------------------------------------------------------------------------------------
# Attainment


@pytest.mark.parametrize(("day", "start_month", "quarter", "name"), [
    (D(2025, 6, 1), 1, (D(2025, 4, 1), D(2025, 6, 30)), "2025-Q2"),
    # fiscal years named by the calendar year they end in (int_fiscal_quarters)
    (D(2025, 6, 1), 2, (D(2025, 5, 1), D(2025, 7, 31)), "2026-Q2"),
    (D(2025, 1, 15), 2, (D(2024, 11, 1), D(2025, 1, 31)), "2025-Q4"),
    (D(2024, 12, 31), 1, (D(2024, 10, 1), D(2024, 12, 31)), "2024-Q4"),
    (D(2025, 3, 1), 11, (D(2025, 2, 1), D(2025, 4, 30)), "2025-Q2"),
])
def test_fiscal_quarter(day, start_month, quarter, name):
    assert fiscal_quarter(day, start_month) == quarter
    assert fiscal_quarter_name(quarter[0], start_month) == name


def test_attainment_at():
    ev = evidence(
        users=[user("A"), user("B")],
        deals=[
            deal("w1", "A", 100, (DAY - D(2025, 4, 1)).days, "won", 20000),  # first day of the quarter
            deal("w2", "A", 100, 1, "won", 10000),  # June 1 = d - 1
            deal("w3", "A", 100, 0, "won", 50000),  # on d: not yet
            deal("w4", "A", 100, (DAY - D(2025, 3, 31)).days, "won", 7000),  # previous quarter
            deal("w5", "A", 100, 20, "lost", 99999),
            deal("w6", "A", 100, 20, "won", None),  # no amount: 0
        ],
        # 92000 from Apr 1 to Jul 1 (92 days): 1000 a day
        quota=[{"rep_id": "A", "coverage_start": D(2025, 4, 1), "coverage_end": D(2025, 7, 1), "coverage_days": 92,
                "quota_amount": Decimal("92000.00")}],
    )
    got = attainment_at(ev, DAY, CFG, year_start_month=1).to_dicts()
    # quarter Apr 1 - Jun 30: quota 91 days x 1000 = 91000; won 20000 + 10000 = 30000
    # days left: Jun 30 - Jun 1 = 29
    assert got == [
        {"rep_id": "A", "assessment_date": DAY, "role": "AE", "attainment": pytest.approx(30000 / 91000),
         "days_left": 29, "fiscal_quarter": "2025-Q2", "quarter_start": D(2025, 4, 1),
         "quarter_end": D(2025, 6, 30), "won_amount": Decimal("30000.00"), "quota_amount": Decimal("91000.00")},
        {"rep_id": "B", "assessment_date": DAY, "role": "AE", "attainment": None, "days_left": 29,
         "fiscal_quarter": "2025-Q2", "quarter_start": D(2025, 4, 1), "quarter_end": D(2025, 6, 30), "won_amount": Decimal("0.00"), "quota_amount": None},
    ]
    # fiscal year from February: quarter May 1 - Jul 31; won in [May 1, Jun 1] = 10000; quota
    # May 1 - Jul 1 = 31 + 30 + 1 = 62 days -> 62000; days left Jul 31 - Jun 1 = 60
    feb = attainment_at(ev, DAY, CFG, year_start_month=2).row(0, named=True)
    assert (feb["attainment"], feb["days_left"], feb["quota_amount"]) == (
        pytest.approx(10000 / 62000), 60, Decimal("62000.00"))

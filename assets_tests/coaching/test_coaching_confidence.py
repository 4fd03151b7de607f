"""Evidence or silence for rates (coaching/confidence.py, through signal.mark_flags): a gap a
small sample of deals could show by chance is not flagged; the same rate on more deals is."""

import datetime as dt
import json

import polars as pl
import pytest

from coaching_pipeline.coaching import rules
from coaching_pipeline.coaching.confidence import doubt_shift, survives_doubt, wilson_bounds
from coaching_pipeline.config import load_settings

CFG = load_settings(None).coaching  # flag_confidence 0.9, gap below 70; late-stage win rate band 0.6-1.0
W1 = dt.date(2026, 10, 5)


def late_stage(wins: int, deals: int) -> list[dict]:
    rate = wins / deals
    return [{"component": "late_stage_win_rate", "value": rate, "evidence_count": deals,
             "score": round(min(rate / 0.6, 1.0) * 100, 1)}]


def test_wilson_bounds_of_no_success():
    # p = 0: the upper bound is z^2 / (n + z^2); z = 1.6449 at 90% two-sided
    low, high = wilson_bounds(0.0, 3, 0.9)
    assert low == 0.0
    assert high == pytest.approx(2.7055 / (3 + 2.7055), abs=1e-4)  # 0.4742
    assert wilson_bounds(0.0, 4, 0.9)[1] == pytest.approx(2.7055 / (4 + 2.7055), abs=1e-4)  # 0.4035


def test_no_late_stage_win_in_three_deals_could_be_chance_but_in_four_it_is_not():
    # 0 of 3: the edge of the interval (0.474) scores 79.0, above 70: no flag
    assert doubt_shift(late_stage(0, 3), CFG, 0.9) == pytest.approx(79.04, abs=0.01)
    assert not survives_doubt(0.0, late_stage(0, 3), CFG)
    # 0 of 4: 0.4035 scores 67.2, still a gap
    assert survives_doubt(0.0, late_stage(0, 4), CFG)
    # 1 of 10 (0.1, scored 16.7): the edge is 0.348 (58.0): a gap
    assert survives_doubt(16.7, late_stage(1, 10), CFG)


def test_averages_are_not_doubted_and_rate_shifts_add_in_quadrature():
    talk = {"component": "talk_ratio", "value": 0.62, "evidence_count": 3, "score": 20.0}
    assert doubt_shift([talk], CFG, 0.9) == 0.0
    # the skill's score rises by sqrt(s1^2 + s2^2) / 2, less than the two shifts' mean
    two = [{"component": "win_rate", "value": 0.14, "evidence_count": 50, "score": 40.0},
           {"component": "close_date_kept_rate", "value": 0.4, "evidence_count": 50, "score": 50.0}]
    shifts = [doubt_shift([part], CFG, 0.9) for part in two]  # one component alone: its own shift
    assert all(s > 10 for s in shifts)
    assert doubt_shift(two, CFG, 0.9) == pytest.approx((shifts[0] ** 2 + shifts[1] ** 2) ** 0.5 / 2, abs=1e-9)
    assert doubt_shift(two, CFG, 0.9) < (shifts[0] + shifts[1]) / 2


def test_a_gap_on_three_deals_opens_no_event_and_the_same_gap_on_eight_does():
    def row(rep, pct, components):
        return {"rep_id": rep, "role": "AE", "manager_id": "M1", "assessment_date": W1, "skill": "negotiation",
                "score": components[0]["score"], "level": None, "gap_detected": components[0]["score"] < 70,
                "components": json.dumps(components), "severity": None, "evidence_source": None, "trend": None,
                "cohort_percentile": pct, "weakest_component": "late_stage_win_rate",
                "weakest_value": components[0]["value"], "weakest_target": None}

    rows = [row("THIN", 0.0, late_stage(0, 3)), row("MANY", 14.3, late_stage(0, 8))] + [
        row(f"R{i}", 28.6 + 14.3 * i, late_stage(5, 6)) for i in range(6)]
    result = rules.replay(pl.DataFrame(rows, infer_schema_length=None), None, None, CFG)
    assert result.events["rep_id"].to_list() == ["MANY"]

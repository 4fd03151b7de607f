"""Skill scoring (coaching contract, "Skill scores"): target-band scores and their polars
expression, target texts, levels, gaps, severity, trend and cohort percentile at their
edges. Settings are the defaults of settings.yaml."""

from __future__ import annotations

import polars as pl
import pytest

from coaching_pipeline.coaching.components import band_text
from coaching_pipeline.coaching.scoring import band_score, band_score_expr, label_scores
from coaching_pipeline.config import TargetBand

from .skills_helpers import CFG

# All the skill modules share one xdist group: they stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("coaching_skills")


# ---------------------------------------------------------------------------------------
# Target bands

QUESTIONS = TargetBand(low=11, high=14, zero_below=0, zero_above=28)
MONOLOGUE = TargetBand(low=0, high=150, zero_above=300)  # no lower fall
TALK = TargetBand(low=0.40, high=0.50, zero_below=0.20, zero_above=0.65)
SIZE = TargetBand(low=1.0, high=1000000, zero_below=0.25)  # no upper fall

BAND_CASES = [
    (QUESTIONS, 11, 100), (QUESTIONS, 14, 100), (QUESTIONS, 12.5, 100),  # inside, edges included
    (QUESTIONS, 5.5, 50), (QUESTIONS, 0, 0), (QUESTIONS, -1, 0),  # below: 100 * 5.5 / 11
    (QUESTIONS, 21, 50), (QUESTIONS, 28, 0), (QUESTIONS, 40, 0),  # above: 100 * (28 - 21) / 14
    (QUESTIONS, None, None),
    (MONOLOGUE, 225, 50), (MONOLOGUE, 150, 100), (MONOLOGUE, 300, 0), (MONOLOGUE, -5, 100),
    (TALK, 0.30, 50), (TALK, 0.20, 0), (TALK, 0.575, 50), (TALK, 0.65, 0), (TALK, 0.45, 100),
    (SIZE, 0.625, 50), (SIZE, 0.25, 0), (SIZE, 5.0, 100),  # 100 * (0.625 - 0.25) / 0.75
]


@pytest.mark.parametrize(("band", "value", "expected"), BAND_CASES)
def test_band_score(band, value, expected):
    assert band_score(value, band) == (None if expected is None else pytest.approx(expected))


def test_band_score_expression_matches_the_scalar():
    bands = pl.DataFrame(
        [{"value": v, "low": b.low, "high": b.high, "zb": b.zero_below, "za": b.zero_above} for b, v, _ in BAND_CASES],
        schema={"value": pl.Float64, "low": pl.Float64, "high": pl.Float64, "zb": pl.Float64, "za": pl.Float64},
    )
    got = bands.select(band_score_expr(pl.col("value"), pl.col("low"), pl.col("high"), pl.col("zb"),
                                       pl.col("za"))).to_series().to_list()
    assert got == [None if e is None else pytest.approx(e) for _, _, e in BAND_CASES]


@pytest.mark.parametrize(("band", "text"), [
    (QUESTIONS, "11-14"), (MONOLOGUE, "0-150"), (TALK, "0.4-0.5"), (SIZE, ">= 1"),
    (TargetBand(low=100, high=100, zero_below=0), "100"),
])
def test_target_text(band, text):
    assert band_text(band) == text


# ---------------------------------------------------------------------------------------
# Levels, gaps, severity, trend, cohort percentile


def labelled(rows):
    df = pl.DataFrame(rows, schema={"rep_id": pl.Utf8, "role": pl.Utf8, "skill": pl.Utf8, "score": pl.Float64,
                                    "previous": pl.Float64})
    return label_scores(df, CFG)


@pytest.mark.parametrize(("score", "level", "gap", "severity"), [
    (100.0, "Expert", False, None), (90.0, "Expert", False, None), (89.9, "Proficient", False, None),
    (75.0, "Proficient", False, None), (74.9, "Developing", False, None), (70.0, "Developing", False, None),
    (69.9, "Developing", True, "low"), (60.0, "Developing", True, "low"),
    (59.9, "Needs Coaching", True, "medium"), (40.0, "Needs Coaching", True, "medium"),
    (39.9, "Critical", True, "high"), (0.0, "Critical", True, "high"),
    (None, None, False, None),  # insufficient data: no level, no gap
])
def test_level_gap_and_severity_edges(score, level, gap, severity):
    row = labelled([{"rep_id": "R", "role": "AE", "skill": "discovery", "score": score}]).row(0, named=True)
    assert (row["level"], row["gap_detected"], row["severity"]) == (level, gap, severity)


@pytest.mark.parametrize(("score", "previous", "trend"), [
    (75.0, 70.0, "improving"), (74.9, 70.0, "stable"),  # +5.0 is a change of 5 points or more
    (65.0, 70.0, "deteriorating"), (65.1, 70.0, "stable"),
    (70.3, 65.3, "improving"), (65.3, 70.3, "deteriorating"),  # 5.0 despite float arithmetic
    (70.0, None, None), (None, 70.0, None),
])
def test_trend_edges(score, previous, trend):
    row = labelled([{"rep_id": "R", "role": "AE", "skill": "discovery", "score": score, "previous": previous}])
    assert row["trend"].to_list() == [trend]


def test_cohort_percentile_within_role_and_skill_with_ties():
    rows = [
        # AE discovery: 10, 20, 20, 40 rank 1, 2.5, 2.5 (the mid-rank of ranks 2 and 3), 4
        # among 4 scores -> (rank - 1) / 3 * 100
        ("A", "AE", "discovery", 10.0, 0.0), ("B", "AE", "discovery", 20.0, 50.0),
        ("C", "AE", "discovery", 20.0, 50.0), ("D", "AE", "discovery", 40.0, 100.0),
        ("E", "AE", "discovery", None, None),  # null score: left out, no percentile
        # another skill of the same role is its own cohort
        ("A", "AE", "overall", 10.0, 0.0), ("B", "AE", "overall", 20.0, 100.0),
        # a cohort of one: no peer, no percentile (was 0: the bottom quartile of itself)
        ("F", "AM", "discovery", 30.0, None),
        # a cohort of three equal scores: all at the mid-rank 2 -> 50 (was 0 for all three)
        ("G", "CSM", "closing", 50.0, 50.0), ("H", "CSM", "closing", 50.0, 50.0), ("I", "CSM", "closing", 50.0, 50.0),
        # a scored seller whose only peer has no score is a cohort of one too
        ("J", "SDR", "closing", 60.0, None), ("K", "SDR", "closing", None, None),
        # mixed ties: 10, 10, 30, 30, 30 -> ranks 1.5, 1.5, 4, 4, 4 of 5 -> 12.5, 12.5, 75, 75, 75
        *[(f"L{i}", "AE", "closing", 10.0, 12.5) for i in (1, 2)],
        *[(f"M{i}", "AE", "closing", 30.0, 75.0) for i in (1, 2, 3)],
    ]
    got = labelled([{"rep_id": r, "role": role, "skill": s, "score": score} for r, role, s, score, _ in rows])
    assert got["cohort_percentile"].to_list() == [r[4] for r in rows]


def test_eighteen_tied_sellers_are_at_the_median_not_the_bottom_quartile():
    # issue 19: 18 sellers sharing 77.8 were all at percentile 0 ('bottom quartile', escalated)
    got = labelled([{"rep_id": f"R{i:02d}", "role": "AE", "skill": "overall", "score": 77.8} for i in range(18)])
    assert got["cohort_percentile"].to_list() == [50.0] * 18
    # one seller below them: 0; the 18 tied share ranks 2..19, mid-rank 10.5 -> 9.5 / 18 = 52.8
    got = labelled([{"rep_id": f"R{i:02d}", "role": "AE", "skill": "overall", "score": 77.8} for i in range(18)]
                   + [{"rep_id": "LOW", "role": "AE", "skill": "overall", "score": 40.0}])
    assert got["cohort_percentile"].to_list() == [52.8] * 18 + [0.0]

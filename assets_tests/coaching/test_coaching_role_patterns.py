"""Role metrics as coaching patterns (coaching/role_patterns.py, role_clock.py) on hand-made
monthly rows of the mart role_metrics: when a metric is flagged, the monthly persistence
clock, the event's words and evidence, and the book tier drop escalation. Defaults of
settings.yaml (roles: 15 gap points or under half of the median, 80% of the touch target,
health falling 5 points a month, more than half of a book; coaching: 3 assessments, 10%)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from coaching_pipeline.coaching import role_patterns, rules
from coaching_pipeline.coaching.role_catalogue import BY_NAME, pattern_label
from coaching_pipeline.config import load_settings

from .helpers import CFG, assessment

ROLES = load_settings().roles

USERS = pl.DataFrame([
    {"user_id": "R1", "user_name": "Rita Ames", "role": "AE", "manager_id": "M1", "slm_id": "S1"},
    {"user_id": "R3", "user_name": "Rosa Cruz", "role": "AM", "manager_id": "M2", "slm_id": "S1"},
    {"user_id": "R4", "user_name": "Cleo Dunn", "role": "CSM", "manager_id": "M2", "slm_id": "S1"},
])
# Mondays 6 July .. 30 November 2026: each closed month is assessed at the first Monday after
# it: July -> 3 Aug, August (ends Mon 31 Aug) -> 7 Sep, September -> 5 Oct, October -> 2 Nov;
# November ends on Mon 30 Nov, the last week assessed, so it has no assessment yet.
WEEKS = [dt.date(2026, 7, 6) + dt.timedelta(weeks=i) for i in range(22)]
MONTHS = {m: (dt.date(2026, m, 1), dt.date(2026, m + 1, 1) - dt.timedelta(days=1)) for m in range(7, 12)}

STAGE_PAIRS = pl.List(pl.Struct({"stage_pair": pl.String, "from_stage": pl.String, "to_stage": pl.String,
                                 "converted": pl.Int64, "left_stage": pl.Int64, "rate": pl.Float64,
                                 "benchmark": pl.Float64}))
SCHEMA = {
    "rep_id": pl.String, "rep_name": pl.String, "role": pl.String, "manager_id": pl.String, "slm_id": pl.String,
    "segment": pl.String, "month_start": pl.Date, "month_end": pl.Date,
    "renewals_opened_late_share": pl.Float64, "renewals_opened_late_share_numerator": pl.Int64,
    "renewals_opened_late_share_denominator": pl.Int64, "renewals_opened_late_share_benchmark": pl.Float64,
    "stage_conversions": STAGE_PAIRS,
    "forecast_accuracy": pl.Float64, "forecast_accuracy_numerator": pl.Decimal(18, 2),
    "forecast_accuracy_denominator": pl.Decimal(18, 2), "forecast_quarter": pl.String,
    "forecast_quarters_out_of_band": pl.Int64,
    "book_accounts": pl.Int64, "book_tier_drops": pl.Int64, "book_tier_drop_share": pl.Float64,
}


def month_row(rep, role, month, **metrics) -> dict:
    start, end = MONTHS[month]
    names = USERS.filter(pl.col("user_id") == rep).row(0, named=True)
    return {"rep_id": rep, "rep_name": names["user_name"], "role": role, "manager_id": names["manager_id"],
            "slm_id": "S1", "segment": "Mid-Market", "month_start": start, "month_end": end, **metrics}


def skill_weeks(*reps) -> pl.DataFrame:
    """A discovery score of 85 (no gap) for each rep at every Monday: the weekly assessments
    the months are assessed at."""
    rows = []
    for rep, role, manager in reps:
        for day in WEEKS:
            rows.append({**assessment(rep, 1, "discovery", 85, role=role, manager=manager), "assessment_date": day})
    return pl.DataFrame(rows)


def late(share, num, den, bench=0.10) -> dict:
    return {"renewals_opened_late_share": share, "renewals_opened_late_share_numerator": num,
            "renewals_opened_late_share_denominator": den, "renewals_opened_late_share_benchmark": bench}


def replay(rows, *reps) -> rules.Replay:
    return rules.replay(skill_weeks(*reps), USERS, None, CFG, role_metrics=pl.DataFrame(rows, schema=SCHEMA),
                        roles=ROLES)


# --- when a metric is flagged ------------------------------------------------------------------

@pytest.mark.parametrize(("metric", "value", "benchmark", "row", "expected"), [
    ("renewal_rate", 0.30, 0.45, {}, True),  # 15 points under the median
    ("renewal_rate", 0.31, 0.45, {}, False),  # 14 points, and above half of it
    ("meeting_acceptance", 0.02, 0.05, {}, True),  # 3 points, but under half (0.025)
    ("meeting_acceptance", 0.03, 0.05, {}, False),
    ("renewals_opened_late", 0.40, 0.20, {}, True),  # lower is better: 20 points over
    ("renewals_opened_late", 0.30, 0.20, {}, False),  # 10 points over; twice the median does not count
    ("stage_conversion", 0.40, 0.60, {}, True),  # 20 points under the segment median
    ("stage_conversion", 0.46, 0.60, {}, False),  # 14 points
    ("forecast_accuracy", 0.62, None, {"forecast_quarters_out_of_band": 2}, True),
    ("forecast_accuracy", 0.62, None, {"forecast_quarters_out_of_band": 1}, False),
    ("book_health_trend", -5.0, None, {}, True),
    ("book_health_trend", -4.9, None, {}, False),
    ("volume_vs_target", 0.79, None, {}, True),
    ("volume_vs_target", 0.80, None, {}, False),
    ("renewal_rate", None, 0.45, {}, None),  # under the minimum sample: the mart's rate is null
    ("renewal_rate", 0.10, None, {}, None),  # no cohort to compare with
])
def test_a_metric_is_flagged_by_its_rule(metric, value, benchmark, row, expected):
    assert role_patterns.flagged(BY_NAME[metric], value, benchmark, row, ROLES) is expected


@pytest.mark.parametrize(("metric", "value", "trials", "benchmark", "expected"), [
    # 90% Wilson interval: 8 of 20 (0.40) reads as 0.58, 2 points under 0.60: not a gap yet
    ("stage_conversion", 0.40, 20, 0.60, False),
    ("stage_conversion", 0.20, 20, 0.60, True),  # 4 of 20 reads as 0.38: 22 points under
    ("renewals_opened_late", 6 / 12, 12, 0.10, True),  # lower is better: 6 of 12 reads as 0.29
    ("renewals_opened_late", 4 / 9, 9, 0.10, False),  # 4 of 9 reads as 0.22, under 0.25
])
def test_a_rate_must_show_its_gap_at_the_edge_of_its_interval(metric, value, trials, benchmark, expected):
    assert role_patterns.flagged(BY_NAME[metric], value, benchmark, {}, ROLES, trials, CFG.flag_confidence) is expected


def test_pattern_labels():
    assert pattern_label("metric:stage_conversion:2>3") == "Stage conversion 2>3"
    assert pattern_label("metric:response_rate_by_step:2") == "Response rate at sequence step 2"
    assert pattern_label("metric:renewal_rate") == "Renewal rate"
    assert pattern_label("metric:book_tier_drop") == "Book health tier drop"
    assert pattern_label("skill:discovery") is None


# --- the monthly clock -----------------------------------------------------------------------

def test_an_am_opening_renewals_late_month_after_month_is_escalated_at_the_third_month():
    rows = [month_row("R3", "AM", 7, **late(0.5, 6, 12)), month_row("R3", "AM", 8, **late(0.5, 6, 12)),
            month_row("R3", "AM", 9, **late(0.5, 6, 12)),
            # 8 of 18 = 0.444: 0.056 better than 0.5, at least 10% of it: the clock restarts;
            # still flagged at the edge of its 90% interval (0.272 >= 0.10 + 0.15)
            month_row("R3", "AM", 10, **late(8 / 18, 8, 18)),
            month_row("R3", "AM", 11, **late(0.0, 0, 10))]  # November is not assessed yet
    result = replay(rows, ("R3", "AM", "M2"))
    events = result.events.filter(pl.col("pattern_key") == "metric:renewals_opened_late")
    assert events.height == 1
    ev = events.row(0, named=True)
    assert (ev["opened_on"], ev["status"], ev["weeks_flagged"], ev["escalation_date"]) == \
        (dt.date(2026, 8, 3), "open", 1, dt.date(2026, 10, 5))
    assert (ev["rep_name"], ev["role"], ev["manager_id"], ev["slm_id"]) == ("Rosa Cruz", "AM", "M2", "S1")
    assert ev["pattern_detected"] == "Renewals opened late 44% (8 of 18 renewals opened) vs the AM median 10%, October 2026"
    assert ev["recommended_action"] == (
        "Renewals opened late: open every renewal at least 90 days before the contract ends: list the contracts "
        "ending in the next two quarters with the rep and open their renewals this week.")
    assert (ev["sample_size"], ev["benchmark_value"], ev["benchmark_cohort"]) == \
        (18, 0.1, "median of the AM sellers, October 2026")
    history = [(h["assessment_date"], h["flagged"], h["clock_week"], h["clock_reset"], h["escalated"])
               for h in result.history.filter(pl.col("coaching_id") == ev["coaching_id"]).iter_rows(named=True)]
    assert history == [
        (dt.date(2026, 8, 3), True, 1, False, False), (dt.date(2026, 9, 7), True, 2, False, False),
        (dt.date(2026, 10, 5), True, 3, False, True), (dt.date(2026, 11, 2), True, 1, True, False),
    ]
    esc = result.escalations.filter(pl.col("pattern_key") == "metric:renewals_opened_late")
    assert esc.select("rule", "escalated_to", "slm_id", "escalation_date").rows() == \
        [("persistence", "slm", "S1", dt.date(2026, 10, 5))]
    assert esc["reason"][0] == (
        "Flagged 3 monthly assessments in a row (persistence rule: 3 months for a role metric): Renewals opened "
        "late 50% (6 of 12 renewals opened) vs the AM median 10%, September 2026.")


def test_a_month_without_enough_data_keeps_the_event_open_and_a_good_month_resolves_it():
    rows = [month_row("R3", "AM", 7, **late(0.5, 6, 12)),
            month_row("R3", "AM", 8, **late(None, 2, 4)),  # 4 renewals opened: under the minimum sample
            month_row("R3", "AM", 9, **late(0.1, 1, 10))]  # at the median: resolved
    result = replay(rows, ("R3", "AM", "M2"))
    ev = result.events.row(0, named=True)
    assert (ev["opened_on"], ev["status"], ev["resolution_date"]) == (dt.date(2026, 8, 3), "resolved", dt.date(2026, 10, 5))
    assert result.history.select("assessment_date", "flagged").rows() == [
        (dt.date(2026, 8, 3), True), (dt.date(2026, 9, 7), None), (dt.date(2026, 10, 5), False)]


def test_an_ae_stage_pair_20_points_under_the_segment_opens_an_event_of_its_own():
    pairs = [{"stage_pair": "1>2", "from_stage": "Prospecting", "to_stage": "Qualification", "converted": 14,
              "left_stage": 20, "rate": 0.7, "benchmark": 0.7},
             {"stage_pair": "2>3", "from_stage": "Qualification", "to_stage": "Needs Analysis", "converted": 4,
              "left_stage": 20, "rate": 0.2, "benchmark": 0.6}]
    result = replay([month_row("R1", "AE", 9, stage_conversions=pairs)], ("R1", "AE", "M1"))
    assert result.events["pattern_key"].to_list() == ["metric:stage_conversion:2>3"]
    ev = result.events.row(0, named=True)
    assert ev["opened_on"] == dt.date(2026, 10, 5)
    assert ev["pattern_detected"] == (
        "Stage conversion 2>3 (Qualification to Needs Analysis) 20% (4 of 20 deals) vs the Mid-Market AE median 60%, "
        "September 2026")
    assert (ev["sample_size"], ev["benchmark_cohort"]) == (20, "median of the Mid-Market AE sellers, September 2026")


def test_forecast_accuracy_out_of_band_two_quarters_running_opens_an_event():
    from decimal import Decimal
    forecast = {"forecast_accuracy": 0.62, "forecast_accuracy_numerator": Decimal("310000.00"),
                "forecast_accuracy_denominator": Decimal("500000.00"), "forecast_quarter": "FY2026-Q3"}
    rows = [month_row("R1", "AE", 9, **forecast, forecast_quarters_out_of_band=1),
            month_row("R1", "AE", 10, **forecast, forecast_quarters_out_of_band=2)]
    result = replay(rows, ("R1", "AE", "M1"))
    ev = result.events.row(0, named=True)
    assert (ev["pattern_key"], ev["opened_on"]) == ("metric:forecast_accuracy", dt.date(2026, 11, 2))
    assert ev["pattern_detected"] == (
        "Forecast accuracy 0.62 (won 310,000 of a Commit of 500,000) in FY2026-Q3, outside the band for 2 closed "
        "quarters running, October 2026")


# --- the book tier drop ----------------------------------------------------------------------

def test_a_csm_whose_book_has_5_of_8_accounts_drop_a_tier_goes_to_manager_and_slm_at_once():
    rows = [month_row("R4", "CSM", 8, book_accounts=8, book_tier_drops=4, book_tier_drop_share=0.5),  # not more than half
            month_row("R4", "CSM", 9, book_accounts=8, book_tier_drops=5, book_tier_drop_share=0.625)]
    result = replay(rows, ("R4", "CSM", "M2"))
    esc = result.escalations.filter(pl.col("rule") == "book_tier_drop")
    assert esc.select("rep_id", "escalated_to", "manager_id", "slm_id", "escalation_date", "pattern_key").rows() == [
        ("R4", "manager_and_slm", "M2", "S1", dt.date(2026, 10, 5), "metric:book_tier_drop")]
    assert esc["reason"][0] == (
        "5 of the 8 accounts in Cleo Dunn's book dropped at least one health tier in September 2026 (63%, more than "
        "50%): a book-wide problem, not one account's; sent to the manager and the second-line manager at once.")
    assert json.loads(esc["history"][0]) == [
        {"month_start": "2026-09-01", "book_accounts": 8, "book_tier_drops": 5, "book_tier_drop_share": 0.625}]


def test_without_role_metrics_the_replay_is_the_skills_alone():
    weeks = skill_weeks(("R3", "AM", "M2"))
    assert rules.replay(weeks, USERS, None, CFG).events.is_empty()
    assert rules.replay(weeks, USERS, None, CFG, role_metrics=pl.DataFrame(schema=SCHEMA), roles=ROLES).events.is_empty()


def test_a_month_is_assessed_in_the_week_after_it_closed_and_never_on_a_later_first_week():
    ends = [MONTHS[m][1] for m in (7, 8, 9)]
    # the first week assessed is 14 Sep: July and August (next weeks 3 Aug, 7 Sep) are not assessed
    weeks = [dt.date(2026, 9, 14) + dt.timedelta(weeks=i) for i in range(4)]
    assert role_patterns.assessment_dates(ends, weeks) == {dt.date(2026, 9, 30): dt.date(2026, 10, 5)}


def test_role_patterns_are_named_and_timed_as_a_manager_reads_them():
    from coaching_pipeline.coaching.role_catalogue import flagged_text, pattern_subject
    from coaching_pipeline.digests.escalations import rule_label

    assert pattern_subject("metric:stage_conversion:2>3") == "Stage conversion 2>3"
    assert pattern_subject("metric:renewals_opened_late") == "Renewals opened late"
    assert pattern_subject("metric:book_tier_drop") == "Book health tier drop"
    assert pattern_subject("metric:attainment") == "Attainment"  # an escalation rule's key, not a role metric
    assert pattern_subject("skill:objection_handling") == "Objection handling"
    assert pattern_subject("manual") is None and pattern_subject(None) is None
    assert (flagged_text("metric:renewal_rate", 3), flagged_text("skill:closing", 1)) == ("3 months", "1 week")
    assert rule_label("persistence", "metric:renewal_rate") == "Pattern persisted 3 months"
    assert rule_label("persistence", "skill:closing") == "Pattern persisted 3 weeks"
    assert rule_label("book_tier_drop", "metric:book_tier_drop") == "Over half the book dropped a health tier"

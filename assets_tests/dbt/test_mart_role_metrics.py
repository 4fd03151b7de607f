"""marts.role_metrics on a hand-written landing zone (role_org.py: an SDR, an AM, a CSM and
three AEs, as_of 2025-06-20), every number computed by hand from the roles contract. The
June 2025 rows are checked: their role window (window_months 3) is 2025-04-01..2025-06-20,
SDR figures are June's alone (15 business days, 06-02..06-20). role_org.py's docstring
describes the org."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching_pipeline.resources.dbt import dbt_vars

from ..warehouse import dbt, load_raw, query_dicts
from .role_org import AS_OF, JUNE, TAG, USERS, write_role_landing

pytestmark = pytest.mark.xdist_group("mart_role_metrics")

BUILD = ["build", "--select", "+role_metrics", "--indirect-selection", "cautious"]


def _build(root, with_cs: bool, extra_vars: dict | None = None) -> dict:
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    write_role_landing(landing, with_cs=with_cs)
    load_raw(landing, warehouse)
    dbt(BUILD, warehouse, AS_OF, extra_vars=extra_vars)
    rows = query_dicts(warehouse, "select * from marts.role_metrics")
    return {(TAG[r["rep_id"]], r["month_start"]): r for r in rows}


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("role_metrics"), with_cs=True)


@pytest.fixture(scope="module")
def metrics_without_cs(tmp_path_factory):
    # The same org without cs/, and every rate shown from one case (roles.min_sample 1).
    roles = {**(dbt_vars().get("roles") or {}), "min_sample": 1}
    return _build(tmp_path_factory.mktemp("role_metrics_no_cs"), with_cs=False, extra_vars={"roles": roles})


def june(metrics, tag: str) -> dict:
    return metrics[(tag, JUNE)]


def months_of(metrics, tag: str) -> list[dt.date]:
    return sorted(month for rep, month in metrics if rep == tag)


def test_one_row_per_seller_and_month_from_their_first_data(metrics):
    # A1's first deal F0 was created 2024-10-05; A2/A3's stage deals 2025-04-01; AM1's R3
    # 2025-03-01; the SDRs act in June only; C1 has no data of their own: the earliest month
    # of the data (the cs/ ARR snapshot of 2024-06-01). Managers have no row.
    assert {rep for rep, _ in metrics} == {"A1", "A2", "A3", "S1", "S2", "AM1", "C1"}
    assert months_of(metrics, "A1")[0] == dt.date(2024, 10, 1)
    assert len(months_of(metrics, "A1")) == 9
    assert months_of(metrics, "A2") == [dt.date(2025, 4, 1), dt.date(2025, 5, 1), JUNE]
    assert months_of(metrics, "S1") == [JUNE]
    assert months_of(metrics, "AM1")[0] == dt.date(2025, 3, 1)
    assert months_of(metrics, "C1")[0] == dt.date(2024, 6, 1)
    assert len(months_of(metrics, "C1")) == 13


def test_identity_and_window(metrics):
    row = june(metrics, "A1")
    assert (row["role"], row["manager_id"], row["slm_id"], row["fiscal_quarter"], row["is_current_month"]) == (
        "AE", USERS["M1"], USERS["V1"], "2025-Q2", True)
    assert (row["month_end"], row["window_start"], row["window_end"]) == (
        dt.date(2025, 6, 30), dt.date(2025, 4, 1), AS_OF)
    may = metrics[("A1", dt.date(2025, 5, 1))]
    assert (may["is_current_month"], may["window_start"], may["window_end"]) == (
        False, dt.date(2025, 3, 1), dt.date(2025, 5, 31))


def test_segment_of_each_seller(metrics):
    # AE / SDR: their deals' accounts (SA1, Segment__c SMB); AM: the accounts they own
    # (NumberOfEmployees 5 000, no field: Enterprise); CSM: their book (500: Mid-Market).
    assert {tag: june(metrics, tag)["segment"] for tag in ("A1", "S1", "AM1", "C1")} == {
        "A1": "SMB", "S1": "SMB", "AM1": "Enterprise", "C1": "Mid-Market"}


def test_sdr_meeting_acceptance_and_qualified_conversion(metrics):
    s1, s2 = june(metrics, "S1"), june(metrics, "S2")
    # S1: 40 touches (email and call), 2 with outcome meeting_booked: 2 / 40 = 0.05.
    # S2: 20 touches, 1 meeting: 0.05. Benchmark: median(0.05, 0.05).
    assert (s1["meeting_acceptance"], s1["meeting_acceptance_numerator"], s1["meeting_acceptance_denominator"]) == (
        pytest.approx(0.05), 2, 40)
    assert s1["meeting_acceptance_benchmark"] == pytest.approx(0.05)
    assert s1["meetings_booked_source"] == "outcome"
    # QO1 (SDR__c = S1) reached Qualification (Probability 20), QO2 (CreatedById S1) did
    # not: 1 qualified / 2 meetings; 2 meetings < min_sample 10: the rate is null.
    assert (s1["qualified_conversion"], s1["qualified_conversion_numerator"],
            s1["qualified_conversion_denominator"]) == (None, 1, 2)
    assert (s2["qualified_conversion_numerator"], s2["qualified_conversion_denominator"]) == (0, 1)


def test_sdr_volume_vs_target(metrics):
    s1 = june(metrics, "S1")
    # 40 touches / 15 business days = 2.667 a day, against the target of 60 a day.
    assert s1["touches_per_business_day"] == pytest.approx(40 / 15)
    assert s1["volume_vs_target"] == pytest.approx(40 / 15 / 60)
    assert s1["touch_target"] == 60


def test_sdr_response_by_step_and_cadence(metrics):
    s1, s2 = june(metrics, "S1"), june(metrics, "S2")
    # S1 step 1: 2 meeting_booked + 3 replied of 20 = 0.25, step 2: 1 replied of 20 = 0.05;
    # S2 step 1: 1 meeting + 4 replied of 10 = 0.5, step 2: 4 connected of 10 = 0.4.
    # Benchmarks: median(0.25, 0.5) = 0.375, median(0.05, 0.4) = 0.225.
    assert s1["response_by_step"] == [
        {"sequence_step": 1, "touches": 20, "responses": 5, "rate": 0.25, "benchmark": pytest.approx(0.375)},
        {"sequence_step": 2, "touches": 20, "responses": 1, "rate": pytest.approx(0.05),
         "benchmark": pytest.approx(0.225)},
    ]
    assert s2["response_by_step"][1] == {"sequence_step": 2, "touches": 10, "responses": 4,
                                         "rate": pytest.approx(0.4), "benchmark": pytest.approx(0.225)}
    # Cadence: S1's 40 touches are cold (6 responses), S2's 20 warm (9).
    assert s1["response_by_cadence"] == [
        {"cadence_type": "cold", "touches": 40, "responses": 6, "rate": pytest.approx(0.15),
         "benchmark": pytest.approx(0.15)}]
    assert s2["response_by_cadence"] == [
        {"cadence_type": "warm", "touches": 20, "responses": 9, "rate": pytest.approx(0.45),
         "benchmark": pytest.approx(0.45)}]


def test_ae_stage_conversion_under_the_segment_median(metrics):
    # Ten deals each left Qualification (stage 2) on 05-01: to Proposal 4 (A1), 6 (A2), 7 (A3).
    # Segment SMB median of 0.4, 0.6, 0.7 = 0.6: A1 is 20 points under it.
    a1 = june(metrics, "A1")
    assert a1["stage_conversions"] == [
        {"stage_pair": "1>2", "from_stage": "Prospecting", "to_stage": "Qualification", "converted": 10,
         "left_stage": 10, "rate": 1.0, "benchmark": 1.0},
        {"stage_pair": "2>3", "from_stage": "Qualification", "to_stage": "Proposal", "converted": 4,
         "left_stage": 10, "rate": pytest.approx(0.4), "benchmark": pytest.approx(0.6)},
    ]
    rates = {tag: june(metrics, tag)["stage_conversions"][1]["rate"] for tag in ("A2", "A3")}
    assert rates == {"A2": pytest.approx(0.6), "A3": pytest.approx(0.7)}


def test_ae_days_in_stage(metrics):
    # Stage 1: 04-01 -> 04-10 = 9 days, stage 2: 04-10 -> 05-01 = 21 days (ten stays each);
    # W1 left Negotiation (stage 4) once in the window: below the minimum sample, null.
    assert june(metrics, "A1")["days_in_stage"] == [
        {"stage_number": 1, "stage": "Prospecting", "median_days": 9.0, "sample": 10, "benchmark": 9.0},
        {"stage_number": 2, "stage": "Qualification", "median_days": 21.0, "sample": 10, "benchmark": 21.0},
        {"stage_number": 4, "stage": "Negotiation", "median_days": None, "sample": 1, "benchmark": None},
    ]


def test_ae_forecast_accuracy_of_the_last_closed_quarter(metrics):
    a1 = june(metrics, "A1")
    # 2025-Q1 snapshot on 01-15 (01-01, a Wednesday, + 14): Commit F1 50 000 + F2 30 000 =
    # 80 000 (F3 entered Commit on 01-20, F4 was Pipeline). Won in Q1: F1 40 000 + F3 5 000 +
    # F4 10 000 = 55 000: 55 000 / 80 000 = 0.6875. 2024-Q4: F0 won 50 000 of 100 000
    # committed: 0.5. Both outside 0.85-1.15: two quarters in a row.
    assert (a1["forecast_quarter"], a1["forecast_accuracy"], a1["forecast_accuracy_numerator"],
            a1["forecast_accuracy_denominator"], a1["forecast_accuracy_previous"],
            a1["forecast_quarters_out_of_band"]) == ("2025-Q1", 0.6875, 55000, 80000, 0.5, 2)
    # A2 and A3 had no Commit: null accuracy, so the benchmark is A1's.
    assert june(metrics, "A2")["forecast_accuracy"] is None
    assert a1["forecast_accuracy_benchmark"] == 0.6875


def test_ae_attainment_vs_pace_and_discount_depth(metrics):
    a1 = june(metrics, "A1")
    # (W1 won 40 500 + P1 Commit 40 500 closing 06-28) / (91 000 x 81/91 days elapsed) = 1.
    assert (a1["attainment_vs_pace_numerator"], a1["attainment_vs_pace_denominator"]) == (81000, 81000)
    assert a1["attainment_vs_pace"] == pytest.approx(1.0)
    # W1's lines: 30 000 at 10 % and 10 500 at 1 - 800/1 000 = 20 %: 5 100 / 40 500.
    assert a1["discount_depth"] == pytest.approx(5100 / 40500)
    assert (a1["discount_depth_numerator"], a1["discount_depth_denominator"]) == (5100, 40500)
    assert a1["discount_depth_benchmark"] == pytest.approx(5100 / 40500)


def test_am_renewals_expansions_and_nrr(metrics):
    am = june(metrics, "AM1")
    # Closed in the window: R2 won, R3 lost (1 / 2); created in it: R1 30 days before its
    # Contract's end (late) and R2 182 days before (1 / 2); expansions E1 won, E2 lost.
    # All below min_sample 10: the rates are null, the counts stay.
    assert (am["renewal_rate"], am["renewal_rate_numerator"], am["renewal_rate_denominator"]) == (None, 1, 2)
    assert (am["renewals_opened_late_share_numerator"], am["renewals_opened_late_share_denominator"]) == (1, 2)
    assert (am["expansion_conversion_numerator"], am["expansion_conversion_denominator"]) == (1, 2)
    # cs/ ARR 2024-06-01 -> 2025-06-01: AMA1 100k -> 120k (+20k), AMA2 200k -> 150k (-50k),
    # AMA3 50k -> 0 (churn): (350k + 20k - 50k - 50k) / 350k.
    assert (am["nrr_source"], am["nrr_starting_arr"], am["nrr_expansion"], am["nrr_contraction"],
            am["nrr_churn"]) == ("health_arr", 350000, 20000, 50000, 50000)
    assert am["nrr"] == pytest.approx(270000 / 350000)
    assert (am["book_accounts"], am["book_tier_drops"], am["book_tier_drop_share"]) == (3, 0, 0.0)


def test_am_rates_with_a_smaller_minimum_sample_and_nrr_from_opportunities(metrics_without_cs):
    am = june(metrics_without_cs, "AM1")
    assert (am["renewal_rate"], am["renewals_opened_late_share"], am["expansion_conversion"]) == (0.5, 0.5, 0.5)
    # Without ARR: renewals closed in the 12 months R2 100k (won) + R3 20k (lost, churn),
    # won expansion E1 30k: (120k + 30k - 20k) / 120k; contraction cannot be seen (null).
    assert (am["nrr_source"], am["nrr_starting_arr"], am["nrr_expansion"], am["nrr_contraction"],
            am["nrr_churn"]) == ("opportunities", 120000, 30000, None, 20000)
    assert am["nrr"] == pytest.approx(130000 / 120000)
    assert june(metrics_without_cs, "S1")["qualified_conversion"] == 0.5


def test_csm_book_drops_a_tier(metrics):
    c1 = june(metrics, "C1")
    # CS1..CS4 from 80 (healthy) to 60 (neutral), CS5 to the delivered at_risk: 5 of 8.
    assert (c1["book_accounts"], c1["book_tier_drops"], c1["book_tier_drop_share"]) == (8, 5, 0.625)
    # Only CS5 is at_risk or critical: 1 / 8, below the minimum sample.
    assert (c1["escalation_rate"], c1["escalation_rate_numerator"], c1["escalation_rate_denominator"]) == (
        None, 1, 8)
    # Book means 80, 80, (5 x 60 + 3 x 80) / 8 = 67.5 over April-June: slope -6.25 a month.
    assert c1["book_health_trend"] == pytest.approx(-6.25)
    # NPS: May 10 (CS1), June mean(30, 50) = 40: +30 a month; no CSAT delivered.
    assert (c1["nps_mean"], c1["nps_trend"], c1["csat_mean"], c1["csat_trend"]) == (
        pytest.approx(40), pytest.approx(30), None, None)
    may = metrics[("C1", dt.date(2025, 5, 1))]
    assert (may["book_tier_drops"], may["book_tier_drop_share"]) == (0, 0.0)


def test_csm_onboarding(metrics):
    c1 = june(metrics, "C1")
    # CS1 live 24 days after kickoff (target 30): attained; CS2 live after 49 days: missed
    # (decided 05-02); CS3's target day 07-31 is after as_of: not decided yet.
    assert (c1["ttv_attainment"], c1["ttv_attainment_numerator"], c1["ttv_attainment_denominator"]) == (
        None, 1, 2)
    # On time: both of CS1's; late: both of CS2's; CS3's kickoff call is due 06-30: not yet.
    assert (c1["milestones_on_time_numerator"], c1["milestones_on_time_denominator"]) == (2, 4)
    assert c1["has_cs_data"] is True


def test_org_without_cs_data_leaves_csm_metrics_null(metrics_without_cs):
    c1 = june(metrics_without_cs, "C1")
    nulls = ["ttv_attainment", "ttv_attainment_numerator", "ttv_attainment_denominator", "milestones_on_time",
             "milestones_on_time_numerator", "milestones_on_time_denominator", "escalation_rate",
             "escalation_rate_numerator", "escalation_rate_denominator", "book_health_trend", "book_tier_drops",
             "book_tier_drop_share", "nps_mean", "nps_trend", "csat_mean", "csat_trend"]
    assert {column: c1[column] for column in nulls} == dict.fromkeys(nulls)
    # The book itself is CRM data: still there.
    assert (c1["book_accounts"], c1["has_cs_data"]) == (8, False)
    assert {june(metrics_without_cs, tag)["has_cs_data"] for tag in ("A1", "S1", "AM1")} == {False}


def test_metrics_of_other_roles_are_null(metrics):
    s1, a1, am, c1 = (june(metrics, tag) for tag in ("S1", "A1", "AM1", "C1"))
    assert (s1["stage_conversions"], s1["forecast_accuracy_denominator"], s1["renewal_rate_denominator"],
            s1["book_accounts"], s1["ttv_attainment_denominator"]) == (None, None, None, None, None)
    assert (a1["meeting_acceptance_denominator"], a1["response_by_step"], a1["touches_per_business_day"],
            a1["nrr_source"]) == (None, None, None, None)
    assert (am["stage_conversions"], am["ttv_attainment_denominator"], am["meeting_acceptance_denominator"],
            am["escalation_rate_denominator"]) == (None, None, None, None)
    assert (c1["renewal_rate_denominator"], c1["nrr"], c1["attainment_vs_pace"]) == (None, None, None)


def test_coverage_columns(metrics):
    a1 = june(metrics, "A1")
    assert (a1["has_cs_data"], a1["has_sequence_data"], a1["has_line_items"], a1["has_contracts"]) == (
        True, True, True, True)

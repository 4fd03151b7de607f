"""marts.rep_performance on a hand-written landing zone (seller_org.py: seven AEs and one
SDR over two fiscal quarters, 2025-Q1 past and 2025-Q2 current, as_of 2025-05-14), with
every number below computed by hand from the mart contract; seller_org.py's docstring
describes the org, its quotas, deals and calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from ..warehouse import dbt, load_raw, query_dicts
from .seller_org import (
    AS_OF,
    Q1,
    Q2,
    TAG,
    USERS,
    write_seller_landing,
)

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("mart_rep_performance")

# Tests of models outside the selection (e.g. other marts) are not run: "cautious".
BUILD = ["build", "--select", "+rep_performance", "--indirect-selection", "cautious"]


@pytest.fixture(scope="module")
def perf(tmp_path_factory):
    root = tmp_path_factory.mktemp("rep_performance")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    write_seller_landing(landing)
    load_raw(landing, warehouse)
    dbt(BUILD, warehouse, AS_OF)
    rows = query_dicts(warehouse, "select * from marts.rep_performance")
    return {(TAG[r["rep_id"]], r["fiscal_quarter"]): r for r in rows}


SELLERS = ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "S1")


def pick(perf, columns, quarters=(Q1, Q2), reps=SELLERS) -> dict:
    return {(rep, q): tuple(perf[(rep, q)][c] for c in columns) for rep in reps for q in quarters}


def approx(expected: dict) -> dict:
    """Expected rows with every number compared approximately (floats), others exactly."""
    return {
        key: tuple(v if v is None or isinstance(v, (bool, str, dt.date)) else pytest.approx(v) for v in values)
        for key, values in expected.items()
    }


def test_one_row_per_seller_and_fiscal_quarter(perf):
    # Sellers x quarters from 2025-Q1 (first close / quota start) to 2025-Q2 (holds as_of);
    # the VP, the managers and the manager's own won deal have no row.
    assert set(perf) == {(rep, q) for rep in SELLERS for q in (Q1, Q2)}
    assert pick(perf, ["quarter_start", "quarter_end", "is_current_quarter", "quota_pace"], reps=["A1"]) == {
        ("A1", Q1): (dt.date(2025, 1, 1), dt.date(2025, 3, 31), False, 1.0),
        # 04-01..05-14 = 30 + 14 = 44 elapsed days of 91
        ("A1", Q2): (dt.date(2025, 4, 1), dt.date(2025, 6, 30), True, pytest.approx(44 / 91)),
    }


def test_hierarchy_columns(perf):
    cols = ["rep_name", "role", "manager_id", "manager_name", "slm_id", "team_size"]
    assert pick(perf, cols, quarters=[Q1], reps=["A1", "A6", "S1"]) == {
        ("A1", Q1): ("Ann One", "AE", USERS["M1"], "Mia Manager", USERS["V1"], 4),
        ("A6", Q1): ("Fay Six", "AE", USERS["M2"], "Mo Manager", USERS["V1"], 3),
        ("S1", Q1): ("Sam Sdr", "SDR", USERS["M1"], "Mia Manager", USERS["V1"], 1),
    }


def test_quota_attainment_and_ytd(perf):
    cols = ["quota_amount", "closed_won_amount", "attainment", "ytd_attainment"]
    assert pick(perf, cols) == approx({
        ("A1", Q1): (90000, 108000, 1.2, 1.2),        # D1 60 000 + D2 48 000
        ("A2", Q1): (90000, 72000, 0.8, 0.8),
        ("A3", Q1): (45000, 36000, 0.8, 0.8),
        ("A4", Q1): (59000, 29500, 0.5, 0.5),         # 59 of the 89 quota days fall in Q1
        ("A5", Q1): (90000, 0, 0.0, 0.0),             # no closed deal: 0, not null
        ("A6", Q1): (None, 80000, None, None),        # no quota: attainment null
        ("A7", Q1): (None, 0, None, None),
        ("S1", Q1): (None, 0, None, None),
        # ytd up to as_of: Q1 quota + 44 days of the Q2 quota (1 000 or 500 a day)
        ("A1", Q2): (91000, 27300, 0.3, (108000 + 27300) / (90000 + 44000)),
        ("A2", Q2): (91000, 54600, 0.6, (72000 + 54600) / (90000 + 44000)),
        ("A3", Q2): (45500, 0, 0.0, 36000 / (45000 + 22000)),
        # A4's quota ends 04-30: 30 days in Q2, ytd quota 59 000 + 30 000
        ("A4", Q2): (30000, 30000, 1.0, (29500 + 30000) / (59000 + 30000)),
        # no Q2 quota: attainment and ytd_attainment null (even with a Q1 quota); D14 is won
        # but closes on 05-20, after as_of: not counted
        ("A5", Q2): (None, 0, None, None),
        ("A6", Q2): (None, 0, None, None),            # the quota starting 06-01 is ignored
        ("A7", Q2): (None, 0, None, None),
        ("S1", Q2): (None, 0, None, None),
    })


def test_deal_metrics_of_deals_closed_in_the_quarter(perf):
    cols = ["won_count", "lost_count", "win_rate", "avg_deal_size", "avg_sales_cycle_days", "avg_stakeholders",
            "avg_days_to_meeting", "champion_identification_rate", "economic_buyer_rate", "open_pipeline_amount"]
    none8 = (None,) * 7
    assert pick(perf, cols) == approx({
        ("A1", Q1): (2, 0, 1.0, 54000, 54, 4, 10, 1, 1, 0),        # cycles 45, 63; people 5, 3; meetings 8, 12
        ("A2", Q1): (1, 1, 0.5, 72000, 49, 3, 6, 0.5, 1, 0),       # people 4, 2; only D3 had a meeting
        ("A3", Q1): (1, 1, 0.5, 36000, 42, 2, None, 0.5, 1, 0),    # no meeting: null
        ("A4", Q1): (1, 1, 0.5, 29500, 37, 3, 8, 1, 1, 0),
        ("A5", Q1): (0, 0, *none8, 60000),                          # no closed deal; D11 open, closes 03-20
        ("A6", Q1): (2, 0, 1.0, 40000, 44, 3, None, 1, 1, 0),      # cycles 30, 58
        ("A7", Q1): (0, 1, 0.0, None, None, 1, None, 1, 1, 0),     # lost only: win rate 0, no deal size
        ("S1", Q1): (0, 0, *none8, 0),
        ("A1", Q2): (1, 0, 1.0, 27300, 19, 1, None, 0, 0, 0),
        ("A2", Q2): (1, 0, 1.0, 54600, 31, 2, None, 0, 0, 0),
        ("A3", Q2): (0, 0, *none8, 0),
        ("A4", Q2): (1, 0, 1.0, 30000, 38, 2, None, 0, 0, 0),
        # D12 (25 000, closes 06-15) + D14 (10 000: won on 05-20, after as_of, so still open
        # on as_of); D15 was created after as_of
        ("A5", Q2): (0, 0, *none8, 35000),
        ("A6", Q2): (0, 0, *none8, 0),
        ("A7", Q2): (0, 0, *none8, 0),
        ("S1", Q2): (0, 0, *none8, 0),
    })


def test_rank_ties_total_reps_and_previous_quarter(perf):
    cols = ["overall_rank", "total_reps", "prev_quarter_attainment", "prev_quarter_rank"]
    assert pick(perf, cols) == approx({
        # Q1 attainment 1.2, 0.8, 0.8, 0.5, 0.0: A2 and A3 share rank 2, A4 is 4th (RANK()).
        ("A1", Q1): (1, 5, None, None),
        ("A2", Q1): (2, 5, None, None),
        ("A3", Q1): (2, 5, None, None),
        ("A4", Q1): (4, 5, None, None),
        ("A5", Q1): (5, 5, None, None),
        ("A6", Q1): (None, 5, None, None),   # no quota: not ranked, total_reps still on the row
        ("A7", Q1): (None, 5, None, None),
        ("S1", Q1): (None, 0, None, None),   # no SDR ranked
        # Q2 attainment A4 1.0, A2 0.6, A1 0.3, A3 0.0
        ("A1", Q2): (3, 4, 1.2, 1),
        ("A2", Q2): (2, 4, 0.8, 2),
        ("A3", Q2): (4, 4, 0.8, 2),
        ("A4", Q2): (1, 4, 0.5, 4),
        ("A5", Q2): (None, 4, 0.0, 5),
        ("A6", Q2): (None, 4, None, None),
        ("A7", Q2): (None, 4, None, None),
        ("S1", Q2): (None, 0, None, None),
    })


def test_is_top_25_marks_the_top_group_of_the_role(perf):
    # Q1: ceil(0.25 x 5) = 2 ranks -> ranks 1, 2, 2 (A1, A2, A3); Q2: ceil(0.25 x 4) = 1 -> A4.
    # Unranked sellers (no quota, or the SDR alone without one) are false, never null.
    top = {key for key, (flag,) in pick(perf, ["is_top_25"]).items() if flag}
    assert top == {("A1", Q1), ("A2", Q1), ("A3", Q1), ("A4", Q2)}
    assert all(flag is False for key, (flag,) in pick(perf, ["is_top_25"]).items() if key not in top)


def test_external_calls_and_their_means_skip_missing_stats(perf):
    cols = ["calls_count", "avg_talk_ratio", "avg_questions_per_call", "avg_longest_monologue_s", "avg_patience_s"]
    assert pick(perf, cols, reps=["A2", "A1"]) == approx({
        # three External calls in Q1 (the Internal one is not counted): talk (0.4 + 0.6) / 2,
        # questions (10 + 20) / 2, monologue (100 + 80) / 2, patience 0.5 (one call has it)
        ("A2", Q1): (3, 0.5, 15, 90, 0.5),
        ("A2", Q2): (1, 0.5, None, None, None),   # the 05-20 call is after as_of
        ("A1", Q1): (0, None, None, None, None),
        ("A1", Q2): (0, None, None, None, None),
    })


def test_avg_daily_activities_over_the_business_day_rows_of_30_days(perf):
    daily = {rep: perf[(rep, Q1)]["avg_daily_activities_30d"] for rep in SELLERS}
    assert daily == pytest.approx({
        "A1": 6.0,         # the 10 Saturday calls do not count
        "A2": 5.0,         # the 20 calls of 02-28 are before the window (03-02..03-31)
        "A3": 4.0,
        "A4": 5.0,
        "A5": 2.0,
        "A6": 81 / 20,     # first activity 03-04: only 20 business-day rows exist (not 21)
        "A7": 0.0,         # a social touch only: rows of zeros
        "S1": None,        # no activity at all: no row, null
    })
    # Q2 window 04-15..05-14: rows of zeros for every AE, still nothing for S1.
    assert {rep: perf[(rep, Q2)]["avg_daily_activities_30d"] for rep in SELLERS} == {
        **{rep: 0.0 for rep in SELLERS[:-1]}, "S1": None,
    }


def test_team_means_include_the_rep(perf):
    cols = ["team_size", "team_avg_win_rate", "team_avg_deal_size", "team_avg_cycle", "team_avg_stakeholders",
            "team_avg_daily_30d"]
    team_m1 = (4, (1 + 0.5 + 0.5 + 0.5) / 4, (54000 + 72000 + 36000 + 29500) / 4, (54 + 49 + 42 + 37) / 4,
               (4 + 3 + 2 + 3) / 4, (6 + 5 + 4 + 5) / 4)
    # A5 has no closed deal and A7 no won deal: they add nothing to those means.
    team_m2 = (3, (1.0 + 0.0) / 2, 40000, 44, (3 + 1) / 2, (2 + 4.05 + 0) / 3)
    assert pick(perf, cols, quarters=[Q1]) == approx({
        **{(rep, Q1): team_m1 for rep in ("A1", "A2", "A3", "A4")},
        **{(rep, Q1): team_m2 for rep in ("A5", "A6", "A7")},
        ("S1", Q1): (1, None, None, None, None, None),
    })
    # Q2, team M1|AE: A3 closed nothing
    assert pick(perf, cols, quarters=[Q2], reps=["A3"]) == approx({
        ("A3", Q2): (4, 1.0, (27300 + 54600 + 30000) / 3, (19 + 31 + 38) / 3, (1 + 2 + 2) / 3, 0.0),
    })


def test_deal_size_and_cycle_against_the_team(perf):
    cols = ["deal_size_vs_team_pct", "cycle_vs_team"]
    assert pick(perf, cols, quarters=[Q1]) == approx({
        ("A1", Q1): ((54000 - 47875) / 47875, 54 - 45.5),
        ("A2", Q1): ((72000 - 47875) / 47875, 49 - 45.5),
        ("A3", Q1): ((36000 - 47875) / 47875, 42 - 45.5),
        ("A4", Q1): ((29500 - 47875) / 47875, 37 - 45.5),
        ("A5", Q1): (None, None),
        ("A6", Q1): (0.0, 0.0),
        ("A7", Q1): (None, None),
        ("S1", Q1): (None, None),
    })


TOP_COLUMNS = ["top_avg_stakeholders", "top_avg_days_to_meeting", "top_champion_rate", "top_eb_rate",
               "top_avg_win_rate", "top_daily_30d"]


def test_top_group_metrics(perf):
    # Q1: ceil(0.25 x 5) = 2 -> ranks <= 2 -> A1, A2, A3 (the tie at rank 2 is in).
    # stakeholders (4 + 3 + 2) / 3; days to meeting (10 + 6) / 2 (A3 has none);
    # champion (1 + 0.5 + 0.5) / 3; economic buyer 1; win rate (1 + 0.5 + 0.5) / 3;
    # daily (6 + 5 + 4) / 3.
    top_q1 = (3, 8, 2 / 3, 1, 2 / 3, 5)
    # Q2: ceil(0.25 x 4) = 1 -> A4 alone.
    top_q2 = (2, None, 0, 0, 1, 0)
    expected = {(rep, Q1): top_q1 for rep in SELLERS[:-1]} | {(rep, Q2): top_q2 for rep in SELLERS[:-1]}
    # No SDR is ranked: no Top 25% group, top columns null.
    expected |= {("S1", Q1): (None,) * 6, ("S1", Q2): (None,) * 6}
    assert pick(perf, TOP_COLUMNS) == approx(expected)


def test_primary_coaching_need_and_recommended_action(perf):
    cols = ["primary_coaching_need", "recommended_action"]
    assert pick(perf, cols) == {
        # Gaps vs top (3, 8, 2/3, 1, 2/3, 5). A1: speed (10 - 8) / 8 = 0.25, the rest negative or 0.
        ("A1", Q1): ("speed_to_meeting",
                     "Book the first meeting sooner: your deals took 10.0 days from creation to the first meeting "
                     "vs 8.0 days for the Top 25% of AEs."),
        # A2: champion (2/3 - 1/2) / (2/3) = 0.25 ties win rate 0.25: the earlier row wins.
        ("A2", Q1): ("champion_identification",
                     "Identify a champion on more deals: 50% of your closed deals had one vs 67% "
                     "for the Top 25% of AEs."),
        # A3: stakeholders (3 - 2) / 3 = 0.33 beats champion 0.25, win rate 0.25, activity 0.2.
        ("A3", Q1): ("multithreading",
                     "Engage more people on each deal: your closed deals averaged 2.0 stakeholders vs 3.0 "
                     "for the Top 25% of AEs."),
        # A4: win rate (2/3 - 1/2) / (2/3) = 0.25 > 20%; every other gap <= 0.
        ("A4", Q1): ("win_rate",
                     "Qualify harder and focus on winnable deals: your win rate was 50% vs 67% "
                     "for the Top 25% of AEs."),
        # A5: no closed deal (skipped); activity (5 - 2) / 5 = 0.6.
        ("A5", Q1): ("activity_volume",
                     "Raise your daily activity: you averaged 2.0 calls, emails, meetings and demos per business "
                     "day over the last 30 days vs 5.0 for the Top 25% of AEs."),
        # A6: the largest gap is activity (5 - 4.05) / 5 = 0.19: not above 20%.
        ("A6", Q1): (None, None),
        # A7: win rate (2/3 - 0) / (2/3) = 1 ties activity (5 - 0) / 5 = 1: win_rate is the
        # earlier row (stakeholders (3 - 1) / 3 = 0.67 is smaller).
        ("A7", Q1): ("win_rate",
                     "Qualify harder and focus on winnable deals: your win rate was 0% vs 67% "
                     "for the Top 25% of AEs."),
        ("S1", Q1): (None, None),
        # Q2 top = A4 (2, null, 0, 0, 1, 0): metrics with a null or 0 top are skipped.
        ("A1", Q2): ("multithreading",
                     "Engage more people on each deal: your closed deals averaged 1.0 stakeholders vs 2.0 "
                     "for the Top 25% of AEs."),
        ("A2", Q2): (None, None),
        ("A3", Q2): (None, None),
        ("A4", Q2): (None, None),
        ("A5", Q2): (None, None),
        ("A6", Q2): (None, None),
        ("A7", Q2): (None, None),
        ("S1", Q2): (None, None),
    }

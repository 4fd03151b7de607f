"""Not delivered is not zero (issue 19, point 5) in the marts: an org without contact roles,
MEDDPICC fields, field history, Gong calls or an activity log gets null facts and leaves
their health components out (weights renormalised), never 0; the same org with those
sources delivered (none of them on A1's deals) keeps A1's true zeros. The orgs and every
hand-worked number are in crm_only_org.py (as_of 2025-06-30).

Before the fix the CRM-only org scored A1's and A2's open deals O1 34, O2 0, O3 7 and O4 32,
all red with priority 'task' ('MEDDPICC 0/8 complete' first), with 'Stakeholders 0.0' and
'Champion identified 0%' on every seller."""

from __future__ import annotations

import pytest

from ..warehouse import query_dicts
from .crm_only_org import A1, A2, OPEN, opp

# The orgs are built once per session for this module and test_digest_missing_data: one worker.
pytestmark = pytest.mark.xdist_group("not_delivered")

SCALE = 100 / 35  # recency (25) and velocity (10) are the only components with a source


@pytest.fixture(scope="module")
def warehouses(not_delivered_orgs):
    """shape -> its built warehouse (conftest.not_delivered_orgs: read here, never written)."""
    return not_delivered_orgs


def rows_by(warehouse, sql: str, key: str) -> dict:
    return {r.pop(key): r for r in query_dicts(warehouse, sql)}


COVERAGE = ["has_contact_roles", "has_meddpicc_fields", "has_close_date_history", "has_gong_calls",
            "has_activity_log", "has_crm_activities", "has_stakeholder_source", "has_buying_role_source",
            # the role inputs (issue 20)
            "has_opportunity_history", "has_line_items", "has_contracts", "has_cs_health", "has_cs_onboarding",
            "has_sequences"]


@pytest.mark.parametrize(("shape", "expected"), [
    # Tasks and Events are there, without a WhoId: no stakeholder source either
    ("crm_only", [False, False, False, False, False, True, False, False] + [False] * 6),
    ("delivered", [True] * 14),
    ("bare", [False] * 14),
])
def test_source_coverage(warehouses, shape, expected):
    [row] = query_dicts(warehouses[shape], f"select {', '.join(COVERAGE)} from intermediate.int_source_coverage")
    assert [row[c] for c in COVERAGE] == expected


FACTS = ["stakeholder_count", "has_champion", "has_economic_buyer", "meddpicc_filled", "meddpicc_completeness",
         "contact_role_count"]


def test_deal_facts_are_null_without_their_source_and_a_true_zero_with_it(warehouses):
    crm_only = rows_by(warehouses["crm_only"], f"select opportunity_id, {', '.join(FACTS)} "
                                               "from intermediate.int_deal_facts", "opportunity_id")
    delivered = rows_by(warehouses["delivered"], f"select opportunity_id, {', '.join(FACTS)} "
                                                 "from intermediate.int_deal_facts", "opportunity_id")
    assert len(crm_only) == len(delivered) == 11
    # no source: unknown on every deal, never 0 / false
    assert all([r[c] for c in FACTS] == [None] * 6 for r in crm_only.values())
    # sources delivered elsewhere: A1's deals truly have nobody, no buying role, 0/8
    for tag in ("W1", "L1", "L2", "L4", "O1", "O2", "O3"):
        assert [delivered[opp(tag)][c] for c in FACTS] == [0, False, False, 0, 0.0, 0], tag
    # L5 holds the one contact role (Champion) and the one MEDDPICC field (Metrics)
    assert [delivered[opp("L5")][c] for c in FACTS] == [1, True, False, 1, 0.125, 1]


POINTS = ["points_qualification", "points_recency", "points_multithreading", "points_champion",
          "points_economic_buyer", "points_velocity", "points_hygiene"]


def health(warehouse) -> dict:
    return rows_by(warehouse, "select opportunity_id, health_score, health_band, risk_reasons, priority_action, "
                              + ", ".join(POINTS) + " from marts.deal_health_scores where not is_closed",
                   "opportunity_id")


def test_crm_only_leaves_out_the_components_without_a_source(warehouses):
    got = health(warehouses["crm_only"])
    # qualification, multithreading, champion and economic buyer are left out: recency (25) and
    # velocity (10) are rescaled by 100 / 35 so a deal that loses nothing would score 100
    assert {tag: [got[opp(tag)][c] for c in POINTS] for tag in OPEN} == {
        "O1": [None, pytest.approx(23.913043 * SCALE), None, None, None, pytest.approx(10 * SCALE), 0],
        "O2": [None, pytest.approx(10.869565 * SCALE), None, None, None, 0, -15],
        "O3": [None, 0, None, None, None, pytest.approx(6.813187 * SCALE), 0],
        "O4": [None, pytest.approx(21.739130 * SCALE), None, None, None, pytest.approx(10 * SCALE), 0],
    }
    assert {tag: (got[opp(tag)]["health_score"], got[opp(tag)]["health_band"], got[opp(tag)]["risk_reasons"],
                  got[opp(tag)]["priority_action"]) for tag in OPEN} == {
        # (23.913 + 10) x 100/35 = 96.89 -> 97; lost 1.087 x 100/35 of recency; 8 days < 21: email
        "O1": (97, "green", ["No touch in 8 days"], "email"),
        # 10.870 x 100/35 - 15 = 16.06 -> 16; losses 40.37 (recency), 28.57 (velocity), 15; the
        # passed close date gives the task
        "O2": (16, "red", ["No touch in 20 days", "Open 2.6x longer than a typical won deal",
                           "Close date passed 10 days ago"], "task"),
        # 6.813 x 100/35 = 19.47 -> 19; losses 71.43 (never touched: call), 9.11
        "O3": (19, "red", ["No touch recorded yet", "Open 1.3x longer than a typical won deal"], "call"),
        # (21.739 + 10) x 100/35 = 90.68 -> 91
        "O4": (91, "green", ["No touch in 10 days"], "email"),
    }


def test_the_same_deals_keep_their_true_zeros_when_the_sources_are_delivered(warehouses):
    got = health(warehouses["delivered"])
    assert [got[opp("O1")][c] for c in POINTS] == [0, pytest.approx(23.913043), 0, 0, 0, 10, 0]
    assert {tag: (got[opp(tag)]["health_score"], got[opp(tag)]["health_band"], got[opp(tag)]["priority_action"])
            for tag in OPEN} == {
        "O1": (34, "red", "task"),   # 23.913 + 10
        "O2": (0, "red", "task"),    # 10.870 - 15 < 0
        "O3": (7, "red", "task"),    # 6.813
        "O4": (32, "red", "task"),   # 21.739 + 10
    }
    # losses 30 (qualification), 15 (multithreading), 15 (hygiene: the tie goes to table
    # order), 14.13 (recency), 10, 10, 10
    assert got[opp("O2")]["risk_reasons"] == [
        "MEDDPICC 0/8 complete", "0 stakeholders engaged (healthy: 4+)", "Close date passed 10 days ago",
        "No touch in 20 days", "Champion not identified", "Economic buyer not identified",
        "Open 2.6x longer than a typical won deal"]


def test_next_best_actions_are_not_all_the_same(warehouses):
    crm_only = query_dicts(warehouses["crm_only"], "select opportunity_id, action_type, action_reason, rank_for_rep "
                                                   "from marts.next_best_actions order by opportunity_id")
    # O2: 30 000 x 84/100 x 1.5 (close date passed) = 37 800; O3: 40 000 x 81/100 = 32 400
    assert [(r["opportunity_id"], r["action_type"], r["rank_for_rep"]) for r in crm_only] == [
        (opp("O2"), "task", 1), (opp("O3"), "call", 2)]
    assert [r["action_reason"] for r in crm_only] == [
        "Update the close date or close the deal: close date passed 10 days ago",
        "Make first contact: no touch recorded yet"]
    delivered = query_dicts(warehouses["delivered"], "select opportunity_id, action_type from marts.next_best_actions "
                                                     "order by opportunity_id")
    assert [(r["opportunity_id"], r["action_type"]) for r in delivered] == [
        (opp(t), "task") for t in OPEN]


PERF = ["won_count", "lost_count", "win_rate", "avg_stakeholders", "champion_identification_rate",
        "economic_buyer_rate", "calls_count", "avg_daily_activities_30d"]


def perf(warehouse) -> dict:
    return rows_by(warehouse, f"select rep_id, {', '.join(PERF)} from marts.rep_performance "
                              "where fiscal_quarter = '2025-Q2'", "rep_id")


def test_rep_performance_without_the_sources(warehouses):
    got = perf(warehouses["crm_only"])
    # A1 closed W1 won, L1 L2 L4 lost in the quarter; A2 W2 won, L5 L3 lost. Stakeholders and
    # buying roles have no source: null, not 0.0 / 0%. calls_count is a count (contract: 0
    # without calls). Daily activities: A1's rows run 06-10..06-30, 15 business days, one call
    # on 06-10 (the 06-22 email is a Sunday) -> 1/15; A2's from the 06-20 meeting, 7 business
    # days -> 1/7.
    assert {rep: [got[rep][c] for c in PERF] for rep in (A1, A2)} == {
        A1: [1, 3, 0.25, None, None, None, 0, pytest.approx(1 / 15)],
        A2: [1, 2, pytest.approx(1 / 3), None, None, None, 0, pytest.approx(1 / 7)],
    }


def test_rep_performance_with_the_sources_keeps_true_zeros(warehouses):
    got = perf(warehouses["delivered"])
    assert {rep: [got[rep][c] for c in PERF] for rep in (A1, A2)} == {
        A1: [1, 3, 0.25, 0.0, 0.0, 0.0, 0, pytest.approx(1 / 15)],
        # L5: one stakeholder, a champion; the 06-18 call; the log's 06-24 email -> 2/7
        A2: [1, 2, pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(1 / 3), 0.0, 1, pytest.approx(2 / 7)],
    }


def test_no_activity_at_all_gives_no_activity_figure(warehouses):
    got = perf(warehouses["bare"])
    assert [got[A1]["avg_daily_activities_30d"], got[A2]["avg_daily_activities_30d"]] == [None, None]
    assert query_dicts(warehouses["bare"], "select count(*) as n from marts.rep_activities") == [{"n": 0}]

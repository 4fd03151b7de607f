"""marts.top_performer_patterns on the seller landing zone of seller_org.py, the org that
test_mart_rep_performance checks (seven AEs, one SDR; its docstring gives the org and the
rep-level values used below), plus two CSMs: C1 has a Q1 quota (45 000 won of 90 000: attainment 0.5) and C2 has none.

Groups per quarter and role: Top Performers = attainment >= 1.0; Top 25% = overall_rank <=
ceil(0.25 x total_reps); Rest = ranked and not Top 25%; All = every seller of the role.
Group values are means of the members' rep-level values, ignoring nulls."""

from __future__ import annotations

import pytest

from ..landing import write_crm
from ..warehouse import dbt, load_raw, query
from .seller_org import (
    ACCOUNT,
    AS_OF,
    CONTACTS,
    PERIOD_Q1,
    Q1,
    Q2,
    USERS,
    sfid,
    write_seller_landing,
)

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("mart_top_performer_patterns")

C1, C2 = sfid("005", "C1"), sfid("005", "C2")
METRICS = ["attainment", "win_rate", "avg_deal_size", "avg_sales_cycle_days", "avg_stakeholders",
           "avg_days_to_meeting", "champion_identification_rate", "economic_buyer_rate",
           "avg_daily_activities_30d", "avg_talk_ratio", "avg_questions_per_call", "avg_longest_monologue_s",
           "avg_patience_s"]
TOP_PERFORMERS, TOP_25, REST, ALL = "Top Performers (100%+ attainment)", "Top 25%", "Rest", "All"


def write_csm_files(landing) -> None:
    write_crm(landing, "User", [
        {"Id": C1, "Name": "Cleo Csm", "Email": "c1@vendor.example", "IsActive": "true", "ManagerId": USERS["M2"],
         "Sales_Role__c": "CSM"},
        {"Id": C2, "Name": "Cody Csm", "Email": "c2@vendor.example", "IsActive": "true", "ManagerId": USERS["M2"],
         "Sales_Role__c": "CSM"},
    ], suffix="csm")
    deal = sfid("006", "DC1")
    # Won 45 000 on 02-10, created 01-06: cycle 35 days; 2 stakeholders; champion, no economic buyer.
    write_crm(landing, "Opportunity", [
        {"Id": deal, "AccountId": ACCOUNT, "OwnerId": C1, "Name": "Acme renewal", "StageName": "Closed Won",
         "Amount": 45000, "CloseDate": "2025-02-10", "CreatedDate": "2025-01-06T09:00:00Z", "IsClosed": "true",
         "IsWon": "true", "Champion__c": "Named"},
    ], suffix="csm")
    write_crm(landing, "OpportunityContactRole", [
        {"Id": sfid("00K", f"DC1C{i}"), "OpportunityId": deal, "ContactId": CONTACTS[i], "Role": "Influencer"}
        for i in range(2)
    ], suffix="csm")
    write_crm(landing, "ForecastingQuota", [
        {"QuotaOwnerId": C1, "StartDate": "2025-01-01", "QuotaAmount": 90000, "PeriodId": PERIOD_Q1},
    ], suffix="csm")


BUILD = ["build", "--select", "+top_performer_patterns", "--indirect-selection", "cautious"]


@pytest.fixture(scope="module")
def patterns(tmp_path_factory):
    root = tmp_path_factory.mktemp("top_performer_patterns")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    write_seller_landing(landing)
    write_csm_files(landing)
    load_raw(landing, warehouse)
    dbt(BUILD, warehouse, AS_OF)
    rows = query(warehouse, f'select fiscal_quarter, role, "group", rep_count, {", ".join(METRICS)} '
                            "from marts.top_performer_patterns")
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def approx(expected: dict) -> dict:
    return {key: tuple(None if v is None else pytest.approx(v) for v in values) for key, values in expected.items()}


NO_CALLS = (None, None, None, None)
NOTHING = (None,) * 13

EXPECTED = {
    # 2025-Q1 AEs: attainment A1 1.2, A2 0.8, A3 0.8, A4 0.5, A5 0.0, A6/A7 none; 5 ranked,
    # ceil(0.25 x 5) = 2, so ranks 1, 2, 2 are the Top 25%.
    #                      n  attain.  win    deal size  cycle  people  meet  champ  EB   daily   talk  quest. mono. pat.
    (Q1, "AE", TOP_PERFORMERS): (1, 1.2, 1.0, 54000, 54, 4, 10, 1.0, 1.0, 6.0, *NO_CALLS),          # A1
    (Q1, "AE", TOP_25): (3, (1.2 + 0.8 + 0.8) / 3, (1 + 0.5 + 0.5) / 3, (54000 + 72000 + 36000) / 3,
                         (54 + 49 + 42) / 3, (4 + 3 + 2) / 3,
                         (10 + 6) / 2,                                 # A3 has no meeting: ignored
                         (1 + 0.5 + 0.5) / 3, 1.0, (6 + 5 + 4) / 3,
                         0.5, 15, 90, 0.5),                            # only A2 has calls
    (Q1, "AE", REST): (2, (0.5 + 0.0) / 2, 0.5, 29500, 37, 3, 8, 1.0, 1.0, (5 + 2) / 2, *NO_CALLS),  # A4, A5
    (Q1, "AE", ALL): (7, (1.2 + 0.8 + 0.8 + 0.5 + 0.0) / 5,
                      (1 + 0.5 + 0.5 + 0.5 + 1 + 0) / 6,                # A5 closed nothing
                      (54000 + 72000 + 36000 + 29500 + 40000) / 5,
                      (54 + 49 + 42 + 37 + 44) / 5,
                      (4 + 3 + 2 + 3 + 3 + 1) / 6,
                      (10 + 6 + 8) / 3,
                      (1 + 0.5 + 0.5 + 1 + 1 + 1) / 6, 1.0,
                      (6 + 5 + 4 + 5 + 2 + 81 / 20 + 0) / 7,
                      0.5, 15, 90, 0.5),
    # CSMs: only C1 is ranked: ceil(0.25 x 1) = 1 -> C1 is the Top 25%, Rest is empty, nobody
    # reached 100%. C2 adds nothing to the means of All (no value anywhere).
    (Q1, "CSM", TOP_25): (1, 0.5, 1.0, 45000, 35, 2, None, 1.0, 0.0, None, *NO_CALLS),
    (Q1, "CSM", ALL): (2, 0.5, 1.0, 45000, 35, 2, None, 1.0, 0.0, None, *NO_CALLS),
    # The SDR has no quota: no ranked SDR, only All.
    (Q1, "SDR", ALL): (1, *NOTHING),
    # 2025-Q2 AEs: A4 1.0 (exactly 100%: a Top Performer), A2 0.6, A1 0.3, A3 0.0; 4 ranked,
    # ceil(0.25 x 4) = 1 -> A4 alone. Q2 activity windows hold rows of zeros.
    (Q2, "AE", TOP_PERFORMERS): (1, 1.0, 1.0, 30000, 38, 2, None, 0.0, 0.0, 0.0, *NO_CALLS),
    (Q2, "AE", TOP_25): (1, 1.0, 1.0, 30000, 38, 2, None, 0.0, 0.0, 0.0, *NO_CALLS),
    (Q2, "AE", REST): (3, (0.6 + 0.3 + 0.0) / 3, 1.0, (54600 + 27300) / 2, (31 + 19) / 2, (2 + 1) / 2, None,
                       0.0, 0.0, 0.0, 0.5, None, None, None),           # A2's one Q2 call
    (Q2, "AE", ALL): (7, (1.0 + 0.6 + 0.3 + 0.0) / 4, 1.0, (30000 + 54600 + 27300) / 3, (38 + 31 + 19) / 3,
                      (2 + 2 + 1) / 3, None, 0.0, 0.0, 0.0, 0.5, None, None, None),
    # C1 has no Q2 quota: no ranked CSM.
    (Q2, "CSM", ALL): (2, *NOTHING),
    (Q2, "SDR", ALL): (1, *NOTHING),
}


def test_one_row_per_non_empty_group(patterns):
    assert sorted(patterns) == sorted(EXPECTED)


def test_group_sizes(patterns):
    assert {key: row[0] for key, row in patterns.items()} == {key: row[0] for key, row in EXPECTED.items()}


def test_group_means_ignore_nulls(patterns):
    assert patterns == approx(EXPECTED)

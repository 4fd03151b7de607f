"""marts.deal_health_scores on a hand-made landing zone: every health component with the
default weights, the velocity median window, rounding (half away from zero, floor at 0),
the band edges, risk_reasons text and order, priority_action, and closed deals (facts
computed, health columns null).

as_of = 2025-06-30. Won deals closed in the 365 days before as_of (2024-06-30 ..
2025-06-30) have cycles 60, 100 and 140 days: median 100, so velocity_ratio = age_days / 100.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ..landing import CRM_ROWS, U1, U2, write_activities, write_crm
from ..warehouse import dbt, load_raw, query, query_dicts

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("mart_deal_health_scores")

AS_OF = dt.date(2025, 6, 30)
U9 = "005000000000000ZZZ"  # owner that is not in the User extract (legal: warns only)
ACCOUNT = "001000000000000AAA"

MEDDPICC_FIELDS = {
    "metrics": "Metrics__c", "economic_buyer": "Economic_Buyer__c", "decision_criteria": "Decision_Criteria__c",
    "decision_process": "Decision_Process__c", "paper_process": "Paper_Process__c",
    "identify_pain": "Identify_Pain__c", "champion": "Champion__c", "competition": "Competition__c",
}
ALL8 = set(MEDDPICC_FIELDS)


def opp(tag: str) -> str:
    return f"006{tag:0>12}AAA"


def contact(tag: str) -> str:
    return f"003{tag:0>12}AAA"


def opportunity(tag, *, created, close, status="open", owner=U1, amount=10000, meddpicc=(), deleted=False):
    row = {
        "Id": opp(tag), "AccountId": ACCOUNT, "OwnerId": owner, "Name": f"Deal {tag}",
        "StageName": {"open": "Discovery", "won": "Closed Won", "lost": "Closed Lost"}[status],
        "Amount": str(amount), "CloseDate": close, "CreatedDate": f"{created}T09:00:00Z",
        "IsClosed": str(status != "open").lower(), "IsWon": str(status == "won").lower(),
        "ForecastCategoryName": {"open": "Pipeline", "won": "Closed", "lost": "Omitted"}[status],
        "IsDeleted": str(deleted).lower(),
    }
    for key, field in MEDDPICC_FIELDS.items():
        row[field] = f"{key} noted" if key in meddpicc else ""
    return row


def roles(tag, *contacts_and_roles):
    return [
        {"Id": f"00K{tag:0>9}{i:03d}AAA", "OpportunityId": opp(tag), "ContactId": contact(c), "Role": r,
         "IsPrimary": "false"}
        for i, (c, r) in enumerate(contacts_and_roles)
    ]


def four_roles(tag):
    """Four distinct stakeholders, none a champion or economic buyer by role."""
    return roles(tag, *[(f"{tag}C{i}", "Influencer") for i in range(1, 5)])


def task(task_tag, tag, date, who=None):
    return {"Id": f"00T{task_tag:0>12}AAA", "OwnerId": U1, "ActivityDate": date,
            "CreatedDate": f"{date}T10:00:00Z", "TaskSubtype": "Call", "Subject": "Call",
            "WhatId": opp(tag), "WhoId": contact(who) if who else ""}


# Open deals ------------------------------------------------------------------------------
OPEN_DEALS = [
    # D01 everything healthy: 8/8, 4 stakeholders, touched exactly 7 days ago, age 50 (ratio 0.5).
    opportunity("D01", created="2025-05-11", close="2025-08-31", meddpicc=ALL8),
    # D02 the contract's example: 3/8 (champion field among them), touched 18 days ago by
    # one contact, no economic buyer, age 160 (ratio 1.6), close date 12 days ago.
    opportunity("D02", created="2025-01-21", close="2025-06-18", meddpicc={"metrics", "champion", "identify_pain"}),
    # D03 / D05: 2/8 (champion, metrics), touched recently without a WhoId (0 stakeholders).
    opportunity("D03", created="2025-02-20", close="2025-09-30", meddpicc={"metrics", "champion"}),   # age 130
    opportunity("D05", created="2025-02-10", close="2025-09-30", meddpicc={"metrics", "champion"}),   # age 140
    # D04: 2/8 (champion, economic buyer), 4 stakeholders, age 180 (ratio 1.8).
    opportunity("D04", created="2025-01-01", close="2025-09-30", meddpicc={"champion", "economic_buyer"}),
    # D06 close date = as_of: not passed (strictly before as_of only).
    opportunity("D06", created="2025-05-31", close="2025-06-30", meddpicc=ALL8),
    opportunity("D07", created="2025-05-31", close="2025-09-30", meddpicc=ALL8),
    opportunity("D08", created="2025-05-31", close="2025-09-30", meddpicc=ALL8),
    opportunity("D09", created="2025-05-31", close="2025-09-30", meddpicc=ALL8),
    opportunity("D10", created="2025-05-31", close="2025-09-30", meddpicc=ALL8),
    opportunity("D11", created="2025-05-31", close="2025-09-30", meddpicc=ALL8 - {"champion"}),
    opportunity("D12", created="2025-05-31", close="2025-09-30", meddpicc=ALL8 - {"economic_buyer"}),
    opportunity("D13", created="2025-05-31", close="2025-09-30", meddpicc=ALL8 - {"champion", "economic_buyer"}),
    opportunity("D14", created="2024-10-23", close="2025-09-30", meddpicc=ALL8),   # age 250 (ratio 2.5)
    opportunity("D15", created="2025-05-31", close="2025-06-25", meddpicc=ALL8),   # close 5 days ago
    # D16 nothing at all, unknown owner, age 300, close date 40 days ago.
    opportunity("D16", created="2024-09-03", close="2025-05-21", owner=U9),
    # Not in the mart: soft-deleted, and created after as_of.
    opportunity("DEL", created="2025-05-31", close="2025-09-30", meddpicc=ALL8, deleted=True),
    opportunity("NEW", created="2025-07-05", close="2025-09-30", meddpicc=ALL8),
]

# Closed deals: the velocity median, and facts on closed deals -----------------------------
CLOSED_DEALS = [
    opportunity("W01", created="2024-05-01", close="2024-06-30", status="won"),   # 60 d, closed as_of - 365: in
    opportunity("W02", created="2024-11-21", close="2025-03-01", status="won"),   # 100 d
    opportunity("W03", created="2025-01-11", close="2025-05-31", status="won"),   # 140 d
    opportunity("W04", created="2021-10-03", close="2024-06-29", status="won"),   # 1000 d, as_of - 366: out
    opportunity("W05", created="2024-12-31", close="2025-07-15", status="won"),   # 196 d, closes after as_of: out
    opportunity("L01", created="2025-03-22", close="2025-04-01", status="lost"),  # 10 d, lost: out
]
# Wrongly including W04 or W05 or L01 or dropping W01 moves the median to 120, 120, 80, 120.

CONTACT_ROLES = [
    *four_roles("D01"), *four_roles("D04"), *four_roles("D06"), *four_roles("D07"), *four_roles("D08"),
    *four_roles("D09"), *four_roles("D11"), *four_roles("D12"), *four_roles("D13"), *four_roles("D14"),
    *four_roles("D15"),
    *roles("W03", ("W03C1", "Champion")),
]

TASKS = [
    task("1", "D01", "2025-06-23", who="D01C1"),   # 7 days: full recency
    task("2", "D02", "2025-06-12", who="D02C1"),   # 18 days; its WhoId is D02's only stakeholder
    task("3", "D03", "2025-06-28"),                # no WhoId: a touch, not a stakeholder
    task("4", "D04", "2025-06-25", who="D04C1"),
    task("5", "D05", "2025-06-29"),
    task("6", "D06", "2025-06-10", who="D06C1"),   # 20 days
    task("7", "D07", "2025-06-09", who="D07C1"),   # 21 days
    task("9", "D09", "2025-05-31", who="D09C1"),   # 30 days
    task("11", "D11", "2025-06-26", who="D11C1"),
    task("12", "D12", "2025-06-26", who="D12C1"),
    task("13", "D13", "2025-06-26", who="D13C1"),
    task("14", "D14", "2025-06-26", who="D14C1"),
    task("15", "D15", "2025-06-26", who="D15C1"),
    task("16", "W03", "2025-05-20", who="W03C2"),  # closed deal: 41 days, second stakeholder
    task("17", "D01", "2025-07-02", who="D01C1"),  # after as_of: ignored (D01 stays at 7 days)
]

# D10: touched by the activity log only (2 days ago). Its contact_id is no stakeholder.
ACTIVITIES = [
    {"activity_id": "log-1", "source": "outreach", "rep_id": U1, "activity_type": "email",
     "occurred_at": "2025-06-28T10:00:00Z", "opportunity_id": opp("D10"), "contact_id": contact("D10C9")},
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("deal_health")
    landing = root / "landing"
    users = [u for u in CRM_ROWS["User"] if u["Id"] in (U1, U2)]
    write_crm(landing, "User", users)
    write_crm(landing, "UserRole", CRM_ROWS["UserRole"])
    write_crm(landing, "Account", [{"Id": ACCOUNT, "Name": "Acme", "OwnerId": U1}])
    contact_tags = sorted({r["ContactId"] for r in CONTACT_ROLES} | {t["WhoId"] for t in TASKS if t["WhoId"]})
    write_crm(landing, "Contact", [{"Id": c, "AccountId": ACCOUNT, "LastName": c[-6:]} for c in contact_tags])
    write_crm(landing, "Opportunity", OPEN_DEALS + CLOSED_DEALS)
    write_crm(landing, "OpportunityContactRole", CONTACT_ROLES)
    write_crm(landing, "Task", TASKS)
    write_activities(landing, ACTIVITIES)
    warehouse = root / "warehouse.duckdb"
    load_raw(landing, warehouse)
    # cautious: only the tests whose models are all built (the default, eager, also runs the
    # tests of unbuilt models that merely reference a built one, and those fail).
    dbt(["build", "--select", "+deal_health_scores +int_users", "--indirect-selection", "cautious"], warehouse, AS_OF)
    return warehouse


@pytest.fixture(scope="module")
def rows(warehouse):
    return {r["opportunity_id"]: r for r in query_dicts(warehouse, "select * from marts.deal_health_scores")}


def test_one_row_per_non_deleted_opportunity_created_by_as_of(rows):
    expected = {opp(t) for t in [f"D{i:02d}" for i in range(1, 17)] + ["W01", "W02", "W03", "W04", "W05", "L01"]}
    assert set(rows) == expected


def test_velocity_uses_the_median_won_cycle_of_the_365_days_before_as_of(rows):
    # median(60, 100, 140) = 100
    assert rows[opp("D01")]["velocity_ratio"] == pytest.approx(0.5)   # 50 / 100
    assert rows[opp("D02")]["velocity_ratio"] == pytest.approx(1.6)   # 160 / 100
    assert rows[opp("D14")]["velocity_ratio"] == pytest.approx(2.5)   # 250 / 100
    assert rows[opp("D16")]["velocity_ratio"] == pytest.approx(3.0)   # 300 / 100


def test_every_component_of_the_contract_example(rows):
    d02 = rows[opp("D02")]
    assert d02["meddpicc_completeness"] == pytest.approx(3 / 8)
    assert d02["days_since_last_touch"] == 18
    assert d02["stakeholder_count"] == 1
    assert d02["close_date_passed"] is True
    assert d02["points_qualification"] == pytest.approx(11.25)          # 30 x 3/8
    assert d02["points_recency"] == pytest.approx(300 / 23)             # 25 x (30 - 18) / (30 - 7) = 13.0435
    assert d02["points_multithreading"] == pytest.approx(3.75)          # 15 x 1/4
    assert d02["points_champion"] == 10                                 # Champion__c filled
    assert d02["points_economic_buyer"] == 0
    assert d02["points_velocity"] == pytest.approx(4.0)                 # 10 x (2 - 1.6) / (2 - 1)
    assert d02["points_hygiene"] == -15
    # 11.25 + 13.0435 + 3.75 + 10 + 0 + 4 - 15 = 27.0435 -> 27
    assert (d02["health_score"], d02["health_band"]) == (27, "red")
    # losses: qualification 18.75, hygiene 15, recency 11.96, multithreading 11.25,
    # economic buyer 10, velocity 6
    assert d02["risk_reasons"] == [
        "MEDDPICC 3/8 complete",
        "Close date passed 12 days ago",
        "No touch in 18 days",
        "1 stakeholder engaged (healthy: 4+)",
        "Economic buyer not identified",
        "Open 1.6x longer than a typical won deal",
    ]
    assert d02["priority_action"] == "task"


def test_a_deal_that_lost_nothing(rows):
    d01 = rows[opp("D01")]
    points = [d01[f"points_{c}"] for c in ("qualification", "recency", "multithreading", "champion",
                                            "economic_buyer", "velocity", "hygiene")]
    assert points == [30, 25, 15, 10, 10, 10, 0]   # touched exactly 7 days ago: full recency
    assert (d01["health_score"], d01["health_band"], d01["risk_reasons"], d01["priority_action"]) == (
        100, "green", [], "none")


# (deal, health_score, band, risk_reasons, priority_action)
EXPECTED = [
    # 30x2/8 = 7.5 + 25 + 0 + 10 + 0 + 10x(2-1.3) = 7 -> 49.5 -> 50: yellow (the band is taken
    # from the rounded score); losses 22.5, 15, 10, 3
    ("D03", 50, "yellow", ["MEDDPICC 2/8 complete", "0 stakeholders engaged (healthy: 4+)",
                           "Economic buyer not identified", "Open 1.3x longer than a typical won deal"], "task"),
    # 7.5 + 25 + 15 + 10 + 10 + 10x(2-1.8) = 2 -> 69.5 -> 70: green; losses 22.5, 8
    ("D04", 70, "green", ["MEDDPICC 2/8 complete", "Open 1.8x longer than a typical won deal"], "task"),
    # 7.5 + 25 + 0 + 10 + 0 + 10x(2-1.4) = 6 -> 48.5 -> 49 (half away from zero; half-even gives 48)
    ("D05", 49, "red", ["MEDDPICC 2/8 complete", "0 stakeholders engaged (healthy: 4+)",
                        "Economic buyer not identified", "Open 1.4x longer than a typical won deal"], "task"),
    # 75 + 25x(30-20)/23 = 85.87 -> 86; 20 days < 21: email
    ("D06", 86, "green", ["No touch in 20 days"], "email"),
    # 75 + 25x(30-21)/23 = 84.78 -> 85; 21 days: call
    ("D07", 85, "green", ["No touch in 21 days"], "call"),
    # no touch at all: recency 0 -> 75; call
    ("D08", 75, "green", ["No touch recorded yet"], "call"),
    # exactly 30 days: recency 0 -> 75
    ("D09", 75, "green", ["No touch in 30 days"], "call"),
    # touched by the activity log only: 0 stakeholders -> 85
    ("D10", 85, "green", ["0 stakeholders engaged (healthy: 4+)"], "call"),
    # 30x7/8 = 26.25 + 25 + 15 + 0 + 10 + 10 = 86.25 -> 86; losses 10, 3.75
    ("D11", 86, "green", ["Champion not identified", "MEDDPICC 7/8 complete"], "call"),
    ("D12", 86, "green", ["Economic buyer not identified", "MEDDPICC 7/8 complete"], "meeting"),
    # 22.5 + 25 + 15 + 0 + 0 + 10 = 72.5 -> 73; losses 10 (champion), 10 (economic buyer: tie,
    # table order), 7.5
    ("D13", 73, "green", ["Champion not identified", "Economic buyer not identified",
                          "MEDDPICC 6/8 complete"], "call"),
    # ratio 2.5 >= 2: velocity 0 -> 90
    ("D14", 90, "green", ["Open 2.5x longer than a typical won deal"], "meeting"),
    # close date 5 days ago: 100 - 15 = 85
    ("D15", 85, "green", ["Close date passed 5 days ago"], "task"),
    # 0 + 0 + 0 + 0 + 0 + 0 - 15 = -15 -> max(0, -15) = 0; losses 30, 25, 15 (multithreading),
    # 15 (hygiene: tie, table order), 10, 10, 10
    ("D16", 0, "red", ["MEDDPICC 0/8 complete", "No touch recorded yet", "0 stakeholders engaged (healthy: 4+)",
                       "Close date passed 40 days ago", "Champion not identified",
                       "Economic buyer not identified", "Open 3.0x longer than a typical won deal"], "task"),
]


@pytest.mark.parametrize("tag, score, band, reasons, action", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_score_band_reasons_and_action(rows, tag, score, band, reasons, action):
    row = rows[opp(tag)]
    assert (row["health_score"], row["health_band"], row["risk_reasons"], row["priority_action"]) == (
        score, band, reasons, action)


def test_recency_and_velocity_edges(rows):
    assert rows[opp("D07")]["points_recency"] == pytest.approx(225 / 23)   # 25 x 9 / 23
    assert rows[opp("D08")]["days_since_last_touch"] is None
    assert rows[opp("D08")]["points_recency"] == 0
    assert rows[opp("D09")]["points_recency"] == 0
    assert rows[opp("D04")]["points_velocity"] == pytest.approx(2.0)
    assert rows[opp("D14")]["points_velocity"] == 0
    assert rows[opp("D06")]["close_date_passed"] is False     # CloseDate = as_of
    assert rows[opp("D06")]["points_hygiene"] == 0
    assert rows[opp("D16")]["points_hygiene"] == -15
    assert rows[opp("D16")]["owner_id"] == U9


def test_closed_deals_have_facts_but_no_health_columns(rows):
    w03 = rows[opp("W03")]
    assert (w03["is_closed"], w03["is_won"]) == (True, True)
    assert w03["stakeholder_count"] == 2            # contact role + the task's WhoId
    assert w03["has_champion"] is True              # contact role 'Champion'
    assert w03["days_since_last_touch"] == 41       # 2025-05-20
    assert w03["age_days"] == 170                   # 2025-01-11 -> 2025-06-30
    assert w03["sales_cycle_days"] == 140
    assert w03["velocity_ratio"] == pytest.approx(1.7)
    assert w03["close_date_passed"] is False
    health = ["health_score", "health_band", "risk_reasons", "priority_action", "points_qualification",
              "points_recency", "points_multithreading", "points_champion", "points_economic_buyer",
              "points_velocity", "points_hygiene"]
    for tag in ("W01", "W02", "W03", "W04", "W05", "L01"):
        assert [rows[opp(tag)][c] for c in health] == [None] * len(health), tag


def test_contract_columns_and_types(warehouse):
    columns = dict(query(warehouse, "select column_name, data_type from information_schema.columns "
                                    "where table_schema = 'marts' and table_name = 'deal_health_scores'"))
    for name in ["opportunity_id", "opportunity_name", "account_id", "account_name", "owner_id", "stage_name",
                 "amount", "close_date", "created_date", "is_closed", "is_won", "forecast_category",
                 "stakeholder_count", "first_meeting_date", "days_to_meeting", "has_champion",
                 "has_economic_buyer", "meddpicc_filled", "last_touch_date", "sales_cycle_days",
                 "meddpicc_completeness", "days_since_last_touch", "age_days", "velocity_ratio",
                 "close_date_passed", "points_qualification", "points_recency", "points_multithreading",
                 "points_champion", "points_economic_buyer", "points_velocity", "points_hygiene",
                 "health_score", "health_band", "risk_reasons", "priority_action", "priority_action_label",
                 "is_at_risk"]:
        assert name in columns, name
    assert columns["risk_reasons"] == "VARCHAR[]"
    assert columns["health_score"] == "INTEGER"

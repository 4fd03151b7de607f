"""Staging of the role inputs (issue 20): line items, contracts, the segment, CSM and SDR
fields, the activity log's sequence columns and the cs/ exports, with exact values from a
small hand-written landing zone (the small org of landing.py plus those inputs). Also: a
warehouse built by the version before the sequence columns keeps building incrementally,
and its old activity rows get the new columns' values."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from coaching_pipeline.db import open_warehouse
from coaching_pipeline.resources.dbt import dbt_vars

from ..landing import U1, write_activities, write_crm, write_cs, write_small_landing
from ..warehouse import build_warehouse, dbt, load_raw, query, query_dicts

AS_OF = dt.date(2025, 6, 30)
ACME, BETA = "001000000000000AAA", "001000000000002AAA"
DEAL = "006000000000000AAA"
CSM, SDR = "005000000000000CSM", "005000000000000SDR"
MODELS = ("stg_salesforce__users stg_salesforce__accounts stg_salesforce__opportunities "
          "stg_salesforce__opportunity_line_items stg_salesforce__contracts stg_activity__activities "
          "stg_cs__health_snapshots stg_cs__onboarding_milestones")


def write_role_inputs(landing) -> None:
    write_small_landing(landing)
    write_crm(landing, "Account", [
        {"Id": ACME, "Name": "Acme", "OwnerId": U1, "Segment__c": "  Enterprise ", "CSM__c": f" {CSM}"},
        {"Id": BETA, "Name": "Beta", "OwnerId": U1, "NumberOfEmployees": "150", "Segment__c": "   "},
    ])
    write_crm(landing, "Opportunity", [
        {"Id": DEAL, "AccountId": ACME, "OwnerId": U1, "Name": "Acme - Platform", "StageName": "Negotiation",
         "Amount": "50000", "CloseDate": "2025-06-30", "CreatedDate": "2025-01-15T09:30:00Z", "IsClosed": "false",
         "IsWon": "false", "Type": " Existing Business - Renewal ", "SDR__c": SDR, "CreatedById": U1},
    ])
    write_crm(landing, "OpportunityLineItem", [
        # 3 x 1 234.56 less 12.5% = 3 240.72
        {"Id": "00k000000000001AAA", "OpportunityId": DEAL, "Product2Id": "01t000000000001AAA", "Quantity": "3",
         "UnitPrice": "1234.56", "ListPrice": "1300.00", "TotalPrice": "3240.72", "Discount": "12.5",
         "CurrencyIsoCode": " eur "},
        {"Id": "00k000000000002AAA", "OpportunityId": DEAL, "Quantity": "1", "UnitPrice": "99.99",
         "TotalPrice": "99.99"},
    ])
    write_crm(landing, "Contract", [
        {"Id": "800000000000001AAA", "AccountId": ACME, "StartDate": "2024-07-01", "EndDate": "2025-06-30",
         "Status": " Activated ", "ContractTerm": "12", "OwnerId": U1},
    ])
    write_activities(landing, [
        {"activity_id": "s1", "source": "outreach", "rep_id": SDR, "activity_type": "email",
         "occurred_at": "2025-06-02T10:00:00Z", "sequence_name": " Q2 outbound ", "sequence_step": "1",
         "cadence_type": "Cold", "outcome": "Meeting Booked"},
        {"activity_id": "s2", "source": "outreach", "rep_id": SDR, "activity_type": "call",
         "occurred_at": "2025-06-03T10:00:00Z", "sequence_name": "Q2 outbound", "sequence_step": "2",
         "cadence_type": "newsletter", "outcome": "left a voicemail"},
        {"activity_id": "s3", "source": "outreach", "rep_id": SDR, "activity_type": "social",
         "occurred_at": "2025-06-04T10:00:00Z", "sequence_step": "3", "cadence_type": "Re-Engage",
         "outcome": "NO_ANSWER"},
        {"activity_id": "s4", "source": "outreach", "rep_id": SDR, "activity_type": "email",
         "occurred_at": "2025-06-05T10:00:00Z", "cadence_type": " ", "outcome": ""},
    ], name="activities_2.csv")
    write_cs(landing, "health_2025-06.csv", [
        {"account_id": ACME, "snapshot_date": "2025-06-01", "health_score": "74.9", "nps": "-20", "csat": "4.5",
         "arr": "120000.50", "csm_id": CSM, "csm_email": " Cara@Vendor.Example "},
        {"account_id": ACME, "snapshot_date": "2025-06-08", "health_score": "75"},
        {"account_id": ACME, "snapshot_date": "2025-06-15", "health_score": "24"},
        {"account_id": ACME, "snapshot_date": "2025-06-22", "health_score": "25"},
        {"account_id": ACME, "snapshot_date": "2025-06-29", "health_score": "50"},
        # a delivered tier wins over the score; an unknown one without a score gives no tier
        {"account_id": BETA, "snapshot_date": "2025-06-01", "health_score": "90", "health_tier": "At Risk"},
        {"account_id": BETA, "snapshot_date": "2025-06-08", "health_tier": "Amber"},
        {"account_id": BETA, "snapshot_date": "2025-06-15", "health_score": "10", "health_tier": "Amber"},
    ])
    write_cs(landing, "onboarding.csv", [
        {"account_id": ACME, "milestone": " Kickoff ", "due_date": "2024-07-15", "completed_date": "2024-07-12",
         "ttv_target_days": "60", "kickoff_date": "2024-07-12", "go_live_date": "2024-08-30"},
        {"account_id": ACME, "milestone": "Go-live", "due_date": "2024-09-01"},
    ])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("staging_roles")
    write_role_inputs(root / "landing")
    return build_warehouse(root / "landing", root / "warehouse" / "coaching.duckdb", AS_OF, select=MODELS)


def test_line_items_keep_exact_local_prices_and_the_discount_as_a_share(built):
    assert query(built, "select line_item_id, opportunity_id, product_id, quantity, unit_price_local, "
                        "list_price_local, total_price_local, discount_share, currency_iso_code "
                        "from staging.stg_salesforce__opportunity_line_items order by 1") == [
        # 12.5% -> 0.125; prices exact to the cent
        ("00k000000000001AAA", DEAL, "01t000000000001AAA", 3.0, Decimal("1234.56"), Decimal("1300.00"),
         Decimal("3240.72"), 0.125, "EUR"),
        # no Discount delivered: unknown (null), not 0
        ("00k000000000002AAA", DEAL, None, 1.0, Decimal("99.99"), None, Decimal("99.99"), None, None),
    ]
    types = dict(query(built, "select column_name, data_type from information_schema.columns "
                              "where table_name = 'stg_salesforce__opportunity_line_items'"))
    assert [types[c] for c in ("unit_price_local", "list_price_local", "total_price_local", "discount_share")] == [
        "DECIMAL(18,2)", "DECIMAL(18,2)", "DECIMAL(18,2)", "DOUBLE"]


def test_contracts(built):
    assert query_dicts(built, "select * from staging.stg_salesforce__contracts") == [{
        "contract_id": "800000000000001AAA", "account_id": ACME, "owner_id": U1, "start_date": dt.date(2024, 7, 1),
        "end_date": dt.date(2025, 6, 30), "status": "Activated", "contract_term_months": 12, "created_at": None}]


def test_the_segment_csm_sdr_and_type_fields(built):
    assert query(built, "select account_id, segment_field_value, csm_field_id from staging.stg_salesforce__accounts "
                        "order by 1") == [(ACME, "Enterprise", CSM), (BETA, None, None)]  # blank segment: null
    assert query(built, "select opportunity_type, sdr_field_id, created_by_id "
                        "from staging.stg_salesforce__opportunities") == [("Existing Business - Renewal", SDR, U1)]


def test_activity_sequences_cadences_and_outcomes(built):
    assert query(built, "select activity_id, sequence_name, sequence_step, cadence_type, outcome, outcome_kind "
                        "from staging.stg_activity__activities where source = 'outreach' and activity_id like 's%' "
                        "order by 1") == [
        ("s1", "Q2 outbound", 1, "cold", "Meeting Booked", "meeting_booked"),  # 'Cold' -> cold
        ("s2", "Q2 outbound", 2, "other", "left a voicemail", "other"),  # 'newsletter' -> other
        ("s3", None, 3, "re_engage", "NO_ANSWER", "no_answer"),
        ("s4", None, None, None, None, None),  # blanks: not delivered, not other
    ]
    assert dict(query(built, "select column_name, data_type from information_schema.columns "
                             "where table_name = 'stg_activity__activities' and column_name = 'sequence_step'")) == {
        "sequence_step": "INTEGER"}


def test_health_tiers_come_from_the_delivered_tier_else_the_score(built):
    assert query(built, "select account_id, snapshot_date::varchar, health_score, health_tier, health_tier_rank, "
                        "tier_source, health_tier_delivered from staging.stg_cs__health_snapshots order by 1, 2") == [
        (ACME, "2025-06-01", 74.9, "neutral", 3, "score", None),  # 74.9 < 75
        (ACME, "2025-06-08", 75.0, "healthy", 4, "score", None),  # 75 >= 75
        (ACME, "2025-06-15", 24.0, "critical", 1, "score", None),  # below 25
        (ACME, "2025-06-22", 25.0, "at_risk", 2, "score", None),
        (ACME, "2025-06-29", 50.0, "neutral", 3, "score", None),
        (BETA, "2025-06-01", 90.0, "at_risk", 2, "delivered", "At Risk"),  # the delivered tier wins
        (BETA, "2025-06-08", None, None, None, None, "Amber"),  # unknown tier, no score
        (BETA, "2025-06-15", 10.0, "critical", 1, "score", "Amber"),
    ]
    assert query(built, "select nps, csat, arr, csm_id, csm_email_lower from staging.stg_cs__health_snapshots "
                        "where snapshot_date = '2025-06-01' and account_id = ?", [ACME]) == [
        (-20.0, 4.5, Decimal("120000.50"), CSM, "cara@vendor.example")]


def test_onboarding_milestones(built):
    assert query(built, "select * from staging.stg_cs__onboarding_milestones order by due_date") == [
        (ACME, "Kickoff", dt.date(2024, 7, 15), dt.date(2024, 7, 12), 60, dt.date(2024, 8, 30), dt.date(2024, 7, 12)),
        (ACME, "Go-live", dt.date(2024, 9, 1), None, None, None, None),
    ]


def test_configured_health_tier_thresholds_apply(built, tmp_path):
    warehouse = tmp_path / "coaching.duckdb"
    shutil.copy(built, warehouse)
    roles = {"health_tiers": {"healthy": 80.0, "neutral": 60.0, "at_risk": 20.0}}
    dbt(["run", "--select", "stg_cs__health_snapshots"], warehouse, AS_OF,
        extra_vars={"roles": {**dbt_vars()["roles"], **roles}})
    assert query(warehouse, "select health_score, health_tier from staging.stg_cs__health_snapshots "
                            "where account_id = ? order by snapshot_date", [ACME]) == [
        (74.9, "neutral"), (75.0, "neutral"), (24.0, "at_risk"), (25.0, "at_risk"), (50.0, "at_risk")]


def test_a_warehouse_of_the_earlier_version_builds_and_its_old_rows_get_the_new_columns(built, tmp_path):
    """The activity table of the version before issue 20 has none of the sequence columns
    (nor outcome_kind): the next incremental build adds them and builds the old rows again."""
    warehouse = tmp_path / "coaching.duckdb"
    shutil.copy(built, warehouse)
    con = open_warehouse(warehouse)
    for column in ("sequence_name", "sequence_step", "cadence_type", "outcome_kind"):
        con.execute(f"alter table staging.stg_activity__activities drop column {column}")
    con.close()
    landing = tmp_path / "landing"
    write_activities(landing, [
        {"activity_id": "s5", "source": "outreach", "rep_id": SDR, "activity_type": "email",
         "occurred_at": "2025-06-06T10:00:00Z", "sequence_step": "4", "cadence_type": "ABM", "outcome": "replied"},
    ], name="activities_3.csv")
    load_raw(landing, warehouse)
    dbt(["build", "--select", "stg_activity__activities"], warehouse, AS_OF)
    assert query(warehouse, "select activity_id, sequence_step, cadence_type, outcome_kind "
                            "from staging.stg_activity__activities where activity_id like 's%' order by 1") == [
        ("s1", 1, "cold", "meeting_booked"), ("s2", 2, "other", "other"), ("s3", 3, "re_engage", "no_answer"),
        ("s4", None, None, None), ("s5", 4, "abm", "replied")]
    # and the table is whole: the small landing's two rows are still there, once each
    assert query(warehouse, "select count(*), count(distinct activity_key) from staging.stg_activity__activities") == [
        (7, 7)]


def test_a_current_warehouse_builds_only_the_new_activity_rows(built, tmp_path):
    """With the columns there, the incremental filter holds: a staging row whose raw row did
    not change is not built again (its value is left as it was)."""
    warehouse = tmp_path / "coaching.duckdb"
    shutil.copy(built, warehouse)
    con = open_warehouse(warehouse)
    con.execute("update staging.stg_activity__activities set sequence_name = 'left alone' where activity_id = 's1'")
    con.close()
    landing = tmp_path / "landing"
    write_activities(landing, [
        {"activity_id": "s6", "source": "outreach", "rep_id": SDR, "activity_type": "email",
         "occurred_at": "2025-06-06T10:00:00Z"},
    ], name="activities_3.csv")
    load_raw(landing, warehouse)
    dbt(["build", "--select", "stg_activity__activities"], warehouse, AS_OF)
    assert query(warehouse, "select activity_id, sequence_name from staging.stg_activity__activities "
                            "where activity_id in ('s1', 's6') order by 1") == [("s1", "left alone"), ("s6", None)]

"""The inputs of role-parameterised coaching (issue 20, roles contract "Inputs"): Salesforce
OpportunityLineItem and Contract, the segment, CSM and SDR fields, the activity log's
sequence columns and the cs/ folder (health snapshots, onboarding milestones). Each good file
loads with exact typed values; each bad row is quarantined naming file, row and field; an
org without them loads as before; a warehouse whose raw tables an earlier version created
gets the new columns."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest

from coaching_pipeline.ingest import configured_object, configured_objects, loader

from ..landing import U1, write_activities, write_crm, write_cs, write_small_landing

ACME = "001000000000000AAA"
DEAL = "006000000000000AAA"
CSM = "005000000000000CSM"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def load(con, landing, name):
    return loader.load_object(con, landing, configured_object(name))


def quarantined(con) -> list[tuple]:
    return con.execute("select source, file, row_number, reason from raw.quarantine order by file, row_number").fetchall()


LINE_ITEM = {"Id": "00k000000000001AAA", "OpportunityId": DEAL, "Product2Id": "01t000000000001AAA",
             "Quantity": "2", "UnitPrice": "4999.99", "ListPrice": "5000.00", "TotalPrice": "8749.98",
             "Discount": "12.5", "CurrencyIsoCode": "EUR"}


def test_opportunity_line_items_load_with_exact_prices_and_the_percent_discount(tmp_path, con):
    write_crm(tmp_path, "OpportunityLineItem", [
        LINE_ITEM,
        {"Id": "00k000000000002AAA", "OpportunityId": DEAL, "UnitPrice": "100"},  # no discount: null, not 0
    ])
    [result] = load(con, tmp_path, "opportunity_line_item")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 0)
    assert con.execute(
        "select id, opportunity_id, product_2_id, quantity, unit_price, list_price, total_price, discount, "
        "currency_iso_code from raw.opportunity_line_item order by id").fetchall() == [
        ("00k000000000001AAA", DEAL, "01t000000000001AAA", 2.0, Decimal("4999.99"), Decimal("5000.00"),
         Decimal("8749.98"), 12.5, "EUR"),
        ("00k000000000002AAA", DEAL, None, None, Decimal("100.00"), None, None, None, None),
    ]


def test_bad_line_items_are_quarantined_naming_file_row_and_field(tmp_path, con):
    write_crm(tmp_path, "OpportunityLineItem", [
        LINE_ITEM,
        LINE_ITEM | {"Id": "00k000000000003AAA", "Discount": "120"},
        LINE_ITEM | {"Id": "00k000000000004AAA", "UnitPrice": "-1"},
        LINE_ITEM | {"Id": "00k000000000005AAA", "OpportunityId": ""},
        LINE_ITEM | {"Id": "00k000000000006AAA", "Discount": "-0.5"},
    ])
    [result] = load(con, tmp_path, "opportunity_line_item")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 4)
    assert quarantined(con) == [
        ("opportunity_line_item", "crm/OpportunityLineItem.csv", 2, "Discount: must be <= 100 (got '120')"),
        ("opportunity_line_item", "crm/OpportunityLineItem.csv", 3, "UnitPrice: must be >= 0 (got '-1')"),
        ("opportunity_line_item", "crm/OpportunityLineItem.csv", 4, "OpportunityId: required value missing"),
        ("opportunity_line_item", "crm/OpportunityLineItem.csv", 5, "Discount: must be >= 0 (got '-0.5')"),
    ]
    # nothing is lost: the delivered values are kept
    raw_row = con.execute("select raw_row from raw.quarantine where row_number = 2").fetchone()[0]
    assert json.loads(raw_row)["Discount"] == "120"


CONTRACT = {"Id": "800000000000001AAA", "AccountId": ACME, "StartDate": "2024-07-01", "EndDate": "2025-06-30",
            "Status": "Activated", "ContractTerm": "12", "OwnerId": U1}


def test_contracts_load_typed_and_bad_ones_are_quarantined(tmp_path, con):
    write_crm(tmp_path, "Contract", [
        CONTRACT,
        CONTRACT | {"Id": "800000000000002AAA", "EndDate": "2025-13-01"},
        CONTRACT | {"Id": "800000000000003AAA", "ContractTerm": "0"},
        CONTRACT | {"Id": "800000000000004AAA", "ContractTerm": "12.5"},
        CONTRACT | {"Id": "800000000000005AAA", "StartDate": "1899-12-31"},
    ])
    [result] = load(con, tmp_path, "contract")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 4)
    assert con.execute("select id, account_id, start_date, end_date, status, contract_term, owner_id "
                       "from raw.contract").fetchall() == [
        ("800000000000001AAA", ACME, dt.date(2024, 7, 1), dt.date(2025, 6, 30), "Activated", 12, U1)]
    assert [(n, r) for _, _, n, r in quarantined(con)] == [
        (2, "EndDate: not a date (YYYY-MM-DD) (got '2025-13-01')"),
        (3, "ContractTerm: must be >= 1 (got '0')"),
        (4, "ContractTerm: not a whole number (got '12.5')"),
        (5, "StartDate: before 2000-01-01 (ingest.bounds.earliest_date) (got '1899-12-31')"),
    ]


def test_a_contract_file_without_end_dates_is_rejected_naming_the_column(tmp_path, con):
    write_crm(tmp_path, "Contract", [{k: v for k, v in CONTRACT.items() if k != "EndDate"}])
    [result] = load(con, tmp_path, "contract")
    assert result.status == "failed"
    assert result.error == ("crm/Contract.csv: missing required column 'EndDate' (or 'end_date'); "
                            "nothing loaded from this file")


def test_segment_csm_sdr_and_created_by_fields_load_and_a_csm_that_is_not_an_id_is_quarantined(tmp_path, con):
    write_crm(tmp_path, "Account", [
        {"Id": ACME, "Name": "Acme", "Segment__c": "Mid-Market", "CSM__c": CSM},
        {"Id": "001000000000002AAA", "Name": "Beta", "CSM__c": "Jane Doe"},
    ])
    write_crm(tmp_path, "Opportunity", [
        {"Id": DEAL, "OwnerId": U1, "Name": "Acme - Platform", "StageName": "Discovery", "CloseDate": "2025-06-30",
         "CreatedDate": "2025-01-15T09:30:00Z", "IsClosed": "false", "IsWon": "false",
         "SDR__c": "005000000000000SDR", "CreatedById": "005000000000000SDR"},
    ])
    load(con, tmp_path, "account")
    load(con, tmp_path, "opportunity")
    assert con.execute("select id, segment_c, csm_c from raw.account").fetchall() == [(ACME, "Mid-Market", CSM)]
    assert quarantined(con) == [("account", "crm/Account.csv", 2,
                                 "CSM__c: not a plausible salesforce id (ingest.id_patterns.salesforce) (got 'Jane Doe')")]
    assert con.execute("select sdr_c, created_by_id from raw.opportunity").fetchall() == [
        ("005000000000000SDR", "005000000000000SDR")]


ACTIVITY = {"activity_id": "a1", "source": "outreach", "rep_id": U1, "activity_type": "email",
            "occurred_at": "2025-03-03T10:00:00Z"}


def test_activity_sequence_columns_load_and_a_step_below_one_is_quarantined(tmp_path, con):
    write_activities(tmp_path, [
        ACTIVITY | {"sequence_name": "Q1 outbound", "sequence_step": "2", "cadence_type": "Cold", "outcome": "replied"},
        ACTIVITY | {"activity_id": "a2"},  # outside a sequence
        ACTIVITY | {"activity_id": "a3", "sequence_step": "0"},
        ACTIVITY | {"activity_id": "a4", "sequence_step": "two"},
    ])
    [result] = load(con, tmp_path, "activities")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert con.execute("select activity_id, sequence_name, sequence_step, cadence_type, outcome "
                       "from raw.activities order by 1").fetchall() == [
        ("a1", "Q1 outbound", 2, "Cold", "replied"), ("a2", None, None, None, None)]
    assert quarantined(con) == [
        ("activities", "activity/activities_1.csv", 3, "sequence_step: must be >= 1 (got '0')"),
        ("activities", "activity/activities_1.csv", 4, "sequence_step: not a whole number (got 'two')"),
    ]


HEALTH = {"account_id": ACME, "snapshot_date": "2025-06-01", "health_score": "74.9", "health_tier": "",
          "nps": "-20", "csat": "4.5", "arr": "120000.50", "csm_id": CSM, "csm_email": "Cara@Vendor.example"}


def test_cs_health_snapshots_load_with_exact_typed_values(tmp_path, con):
    write_cs(tmp_path, "health_2025-06.csv", [
        HEALTH,
        {"account_id": ACME, "snapshot_date": "2025-07-01", "health_tier": "At Risk"},  # a tier, no score
    ])
    [result] = load(con, tmp_path, "cs_health")
    assert (result.file, result.rows_loaded, result.rows_quarantined) == ("cs/health_2025-06.csv", 2, 0)
    assert con.execute("select account_id, snapshot_date, health_score, health_tier, nps, csat, arr, csm_id, "
                       "csm_email from raw.cs_health order by snapshot_date").fetchall() == [
        (ACME, dt.date(2025, 6, 1), 74.9, None, -20.0, 4.5, Decimal("120000.50"), CSM, "Cara@Vendor.example"),
        (ACME, dt.date(2025, 7, 1), None, "At Risk", None, None, None, None, None),
    ]


def test_bad_cs_health_rows_are_quarantined_naming_file_row_and_field(tmp_path, con):
    write_cs(tmp_path, "health.csv", [
        HEALTH,
        HEALTH | {"snapshot_date": "2025-06-02", "health_score": "100.5"},
        HEALTH | {"snapshot_date": "2025-06-03", "nps": "-101"},
        HEALTH | {"snapshot_date": "2025-06-04", "health_score": ""},  # neither score nor tier
        HEALTH | {"snapshot_date": "2025-02-30"},
        HEALTH | {"snapshot_date": "2025-06-05", "account_id": "acme-corp"},
        HEALTH | {"snapshot_date": "2025-06-06", "arr": "-5"},
    ])
    [result] = load(con, tmp_path, "cs_health")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 6)
    assert [(f, n, r) for _, f, n, r in quarantined(con)] == [
        ("cs/health.csv", 2, "health_score: must be <= 100 (got '100.5')"),
        ("cs/health.csv", 3, "nps: must be >= -100 (got '-101')"),
        ("cs/health.csv", 4, "one of health_score, health_tier required"),
        ("cs/health.csv", 5, "snapshot_date: not a date (YYYY-MM-DD) (got '2025-02-30')"),
        ("cs/health.csv", 6, "account_id: not a plausible salesforce id (ingest.id_patterns.salesforce) "
                             "(got 'acme-corp')"),
        ("cs/health.csv", 7, "arr: must be >= 0 (got '-5')"),
    ]


def test_a_health_file_with_neither_score_nor_tier_is_rejected_whole(tmp_path, con):
    write_cs(tmp_path, "health.csv", [{"account_id": ACME, "snapshot_date": "2025-06-01", "nps": "10"}])
    [result] = load(con, tmp_path, "cs_health")
    assert (result.status, result.error) == (
        "failed", "cs/health.csv: needs one of the columns health_score, health_tier; nothing loaded from this file")


def test_a_latin1_cs_file_is_rejected_naming_its_folders_encoding_setting(tmp_path, con):
    (tmp_path / "cs").mkdir()
    (tmp_path / "cs" / "onboarding.csv").write_bytes(
        f"account_id,milestone,due_date\n{ACME},Schulung für Café,2025-06-01\n".encode("latin-1"))
    [result] = load(con, tmp_path, "cs_onboarding")
    assert result.error == (
        "cs/onboarding.csv: not valid utf-8 at line 2 (byte 0xfc); nothing loaded from this file. "
        "Re-export it as utf-8, or set ingest.encodings.cs to the file's encoding")


ONBOARDING = {"account_id": ACME, "milestone": "Kickoff", "due_date": "2025-01-15", "completed_date": "2025-01-14",
              "ttv_target_days": "60", "go_live_date": "2025-03-10", "kickoff_date": "2025-01-14"}


def test_cs_onboarding_milestones_load_typed_and_bad_ones_are_quarantined(tmp_path, con):
    write_cs(tmp_path, "onboarding_2025.csv", [
        ONBOARDING,
        ONBOARDING | {"milestone": "Go-live", "due_date": "2025-03-01", "completed_date": "", "go_live_date": ""},
        ONBOARDING | {"milestone": "Training", "ttv_target_days": "-1"},
        ONBOARDING | {"milestone": "Integration", "due_date": ""},
        ONBOARDING | {"milestone": "", "due_date": "2025-02-01"},
    ])
    [result] = load(con, tmp_path, "cs_onboarding")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 3)
    assert con.execute("select account_id, milestone, due_date, completed_date, ttv_target_days, go_live_date, "
                       "kickoff_date from raw.cs_onboarding order by due_date").fetchall() == [
        (ACME, "Kickoff", dt.date(2025, 1, 15), dt.date(2025, 1, 14), 60, dt.date(2025, 3, 10), dt.date(2025, 1, 14)),
        (ACME, "Go-live", dt.date(2025, 3, 1), None, 60, None, dt.date(2025, 1, 14)),
    ]
    assert [(f, n, r) for _, f, n, r in quarantined(con)] == [
        ("cs/onboarding_2025.csv", 3, "ttv_target_days: must be >= 0 (got '-1')"),
        ("cs/onboarding_2025.csv", 4, "due_date: required value missing"),
        ("cs/onboarding_2025.csv", 5, "milestone: required value missing"),
    ]


def test_an_org_without_the_role_inputs_loads_as_before_with_their_tables_empty(tmp_path, con):
    landing = write_small_landing(tmp_path / "landing")  # no cs/ folder, no line items or contracts
    results = {obj.name: loader.load_object(con, landing, obj) for obj in configured_objects()}
    for name in ("opportunity_line_item", "contract", "cs_health", "cs_onboarding"):
        assert results[name] == [], name
        assert con.execute(f"select count(*) from raw.{name}").fetchone()[0] == 0, name
    assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == 0
    assert con.execute("select segment_c, csm_c from raw.account").fetchall() == [(None, None)]
    assert con.execute("select sequence_step from raw.activities").fetchall() == [(None,), (None,)]


def test_raw_tables_of_the_earlier_version_get_the_new_columns_typed(tmp_path, con):
    """The earlier version created raw.account without segment_c and csm_c, and stored a
    delivered sequence_step as an unknown extra column (text)."""
    activities = configured_object("activities")
    old_columns = [c for c in activities.columns if c.name not in ("sequence_name", "sequence_step", "cadence_type")]
    con.execute("create schema raw")
    con.execute("create table raw.account (id varchar, name varchar, _source_file varchar)")
    con.execute("insert into raw.account values (?, 'Acme', 'crm/Account.csv')", [ACME])
    columns = ", ".join(f"{c.name} varchar" for c in old_columns)
    con.execute(f"create table raw.activities ({columns}, sequence_step varchar, _source_file varchar)")
    con.execute("insert into raw.activities (activity_id, source, sequence_step) values "
                "('a1', 'outreach', ' 3 '), ('a2', 'outreach', 'third'), ('a3', 'outreach', null)")
    loader.ensure_raw_tables(con, [configured_object("account"), activities])
    types = dict(con.execute("select table_name || '.' || column_name, data_type from information_schema.columns "
                             "where table_schema = 'raw'").fetchall())
    assert [types.get(c) for c in ("account.segment_c", "account.csm_c", "activities.sequence_step",
                                   "activities.sequence_name", "activities.cadence_type")] == [
        "VARCHAR", "VARCHAR", "BIGINT", "VARCHAR", "VARCHAR"]
    assert con.execute("select name, segment_c from raw.account").fetchall() == [("Acme", None)]
    # 'third' was never validated (an extra column then): null, its file still holds it
    assert con.execute("select activity_id, sequence_step from raw.activities order by 1").fetchall() == [
        ("a1", 3), ("a2", None), ("a3", None)]

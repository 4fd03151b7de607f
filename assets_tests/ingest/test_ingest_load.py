"""Loading hand-written landing zones into `raw`: both namings, bad input, re-delivery,
idempotence and per-file atomicity."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from coaching_pipeline.ingest import configured_object, configured_objects, loader

from ..landing import CRM_ROWS, U1, gong_call, party, write_activities, write_crm, write_gong_page

OBJECT_OF_FILE = {
    "User": "user", "UserRole": "user_role", "Account": "account", "Contact": "contact",
    "Opportunity": "opportunity", "OpportunityHistory": "opportunity_history",
    "OpportunityContactRole": "opportunity_contact_role",
    "OpportunityFieldHistory": "opportunity_field_history", "Task": "task", "Event": "event",
    "ForecastingQuota": "forecasting_quota", "Period": "period",
}


def load(con, landing, name):
    return loader.load_object(con, landing, configured_object(name))


def load_everything(con, landing):
    return {obj.name: loader.load_object(con, landing, obj) for obj in configured_objects()}


def table_rows(con, table):
    """Rows without load metadata that legitimately differs between two loads."""
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema='raw' and table_name=? "
            "order by ordinal_position",
            [table],
        ).fetchall()
        if r[0] not in ("_loaded_at",)
    ]
    return con.execute(f"select {', '.join(cols)} from raw.{table} order by all").fetchall()


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def test_every_crm_object_loads_the_same_from_api_names_and_snake_case(tmp_path):
    loaded = {}
    for naming in ("api", "snake"):
        landing = tmp_path / naming
        for obj, rows in CRM_ROWS.items():
            write_crm(landing, obj, rows, naming=naming)
        con = duckdb.connect(str(tmp_path / f"{naming}.duckdb"))
        for name in OBJECT_OF_FILE.values():
            results = load(con, landing, name)
            assert [r.status for r in results] == ["loaded"], name
        loaded[naming] = {name: table_rows(con, name) for name in OBJECT_OF_FILE.values()}
        con.close()
    for name in OBJECT_OF_FILE.values():
        assert loaded["api"][name] == loaded["snake"][name], name
        assert len(loaded["api"][name]) == len(CRM_ROWS[next(k for k, v in OBJECT_OF_FILE.items() if v == name)])


def test_loaded_values_are_typed_and_normalised_to_utc(tmp_path, con):
    for obj, rows in CRM_ROWS.items():
        write_crm(tmp_path, obj, rows)
    load_everything(con, tmp_path)
    row = con.execute(
        "select amount, close_date::varchar, created_date::varchar, is_closed, probability, champion_c "
        "from raw.opportunity"
    ).fetchone()
    assert row == (50000.0, "2025-06-30", "2025-01-15 09:30:00", False, 60.0, "Cy Buyer")
    # -08:00 offset normalised to UTC; 1 is a boolean true
    assert con.execute("select created_date::varchar from raw.task").fetchone() == ("2025-01-20 23:00:00",)
    assert con.execute("select is_primary from raw.opportunity_contact_role").fetchone() == (True,)
    assert con.execute("select role_field from (select sales_role_c as role_field from raw.user order by id)").fetchall() == [("AE",), (None,)]


def test_gong_ids_written_as_json_numbers_keep_every_digit(tmp_path, con):
    call = gong_call(7000001111111111111, "2025-03-03T10:00:00-05:00", 234599484848423001,
                     parties=[party("cy@acme.example")], talk_ratio=0.45, questions=12)
    write_gong_page(tmp_path, "calls_0001.json", "calls", [call])
    load(con, tmp_path, "gong_calls")
    assert con.execute("select call_id, primary_user_id, started::varchar from raw.gong_calls").fetchone() == (
        "7000001111111111111", "234599484848423001", "2025-03-03 15:00:00",
    )


def test_the_same_call_on_two_pages_keeps_the_last_delivered(tmp_path, con):
    first = gong_call("7000000000000000001", "2025-03-03T10:00:00Z", "1", talk_ratio=0.7)
    again = gong_call("7000000000000000001", "2025-03-03T10:00:00Z", "1", talk_ratio=0.4)
    write_gong_page(tmp_path, "calls_0001.json", "calls", [first], cursor="next")
    write_gong_page(tmp_path, "calls_0002.json", "calls", [again], page_number=1)
    load(con, tmp_path, "gong_calls")
    rows = con.execute("select call_id, _source_file, record->'interaction'->'interactionStats'->0->>'value' from raw.gong_calls").fetchall()
    assert rows == [("7000000000000000001", "gong/calls_0002.json", "0.4")]


def test_a_file_missing_a_required_column_fails_alone_with_file_and_column_named(tmp_path, con):
    write_crm(tmp_path, "Opportunity", CRM_ROWS["Opportunity"])
    broken = [{k: v for k, v in CRM_ROWS["Opportunity"][0].items() if k != "StageName"} | {"Id": "006000000000000ZZZ"}]
    write_crm(tmp_path, "Opportunity", broken, suffix="2025-02-01")
    results = load(con, tmp_path, "opportunity")
    assert [(r.file, r.status) for r in results] == [
        ("crm/Opportunity.csv", "loaded"),
        ("crm/Opportunity__2025-02-01.csv", "failed"),
    ]
    assert results[1].error == (
        "crm/Opportunity__2025-02-01.csv: missing required column 'StageName' (or 'stage_name'); "
        "nothing loaded from this file"
    )
    assert con.execute("select id from raw.opportunity").fetchall() == [("006000000000000AAA",)]
    assert con.execute("select status, error is not null from raw._loaded_files where file like '%02-01%'").fetchall() == [
        ("failed", True)
    ]


def test_bad_rows_are_quarantined_with_file_row_and_field(tmp_path, con):
    good = CRM_ROWS["Opportunity"][0]
    rows = [
        good,
        good | {"Id": "006000000000000BAD", "CloseDate": "31/02/2025"},
        good | {"Id": "006000000000000NEG", "Amount": "-100"},
        good | {"Id": "006000000000000OWN", "OwnerId": ""},
        good | {"Id": "006000000000000DUP", "Name": "First"},
        good | {"Id": "006000000000000DUP", "Name": "Second"},
        good | {"Id": "006000000000000TWI"},
        good | {"Id": "006000000000000TWI"},  # identical copy: loads once
    ]
    write_crm(tmp_path, "Opportunity", rows)
    [result] = load(con, tmp_path, "opportunity")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_merged) == (8, 2, 5, 1)
    quarantined = con.execute(
        "select source, file, row_number, reason, raw_row from raw.quarantine order by row_number"
    ).fetchall()
    assert [(s, f, n, r) for s, f, n, r, _ in quarantined] == [
        ("opportunity", "crm/Opportunity.csv", 2, "CloseDate: not a date (YYYY-MM-DD) (got '31/02/2025')"),
        ("opportunity", "crm/Opportunity.csv", 3, "Amount: must be >= 0 (got '-100')"),
        ("opportunity", "crm/Opportunity.csv", 4, "OwnerId: required value missing"),
        ("opportunity", "crm/Opportunity.csv", 5, "duplicate Id within the file with conflicting content (rows 5, 6)"),
        ("opportunity", "crm/Opportunity.csv", 6, "duplicate Id within the file with conflicting content (rows 5, 6)"),
    ]
    # nothing is lost: the quarantined row keeps every delivered value
    assert json.loads(quarantined[0][4])["CloseDate"] == "31/02/2025"
    assert json.loads(quarantined[0][4])["Id"] == "006000000000000BAD"
    assert sorted(r[0] for r in con.execute("select id from raw.opportunity").fetchall()) == [
        "006000000000000AAA", "006000000000000TWI",
    ]


def test_a_gong_page_that_does_not_parse_is_quarantined_whole(tmp_path, con):
    write_gong_page(tmp_path, "calls_0001.json", "calls", [gong_call("7000000000000000001", "2025-03-03T10:00:00Z", "1")])
    (tmp_path / "gong" / "calls_0002.json").write_text('{"requestId": "x", "calls": [{"metaData": {"id": "70', encoding="utf-8")
    results = load(con, tmp_path, "gong_calls")
    assert [r.status for r in results] == ["loaded", "loaded"]
    row = con.execute("select file, row_number, reason, raw_row from raw.quarantine").fetchone()
    assert row[:2] == ("gong/calls_0002.json", 0)
    assert row[2].startswith("page is not valid JSON: ")
    assert row[3] == '{"requestId": "x", "calls": [{"metaData": {"id": "70'
    assert con.execute("select count(*) from raw.gong_calls").fetchone() == (1,)


def test_a_gong_call_without_a_start_time_is_quarantined(tmp_path, con):
    ok = gong_call("7000000000000000001", "2025-03-03T10:00:00Z", "1")
    missing = gong_call("7000000000000000002", "2025-03-03T10:00:00Z", "1")
    del missing["metaData"]["started"]
    write_gong_page(tmp_path, "calls_0001.json", "calls", [ok, missing])
    load(con, tmp_path, "gong_calls")
    assert con.execute("select file, row_number, reason from raw.quarantine").fetchall() == [
        ("gong/calls_0001.json", 2, "metaData.started: required value missing")
    ]


def test_activity_rows_need_a_rep_and_a_parseable_time(tmp_path, con):
    base = {"activity_id": "a1", "source": "outreach", "rep_id": U1, "rep_email": "", "activity_type": "Email",
            "occurred_at": "2025-03-03T10:00:00Z"}
    write_activities(tmp_path, [
        base,
        base | {"activity_id": "a2", "occurred_at": "yesterday"},
        base | {"activity_id": "a3", "rep_id": ""},
        base | {"activity_id": "a4", "rep_id": "", "rep_email": "ada@vendor.example"},
    ])
    load(con, tmp_path, "activities")
    assert con.execute("select row_number, reason from raw.quarantine order by 1").fetchall() == [
        (2, "occurred_at: not an ISO 8601 timestamp (got 'yesterday')"),
        (3, "one of rep_id, rep_email required"),
    ]
    assert con.execute("select activity_id from raw.activities order by 1").fetchall() == [("a1",), ("a4",)]


def test_redelivery_keeps_the_greatest_system_modstamp(tmp_path, con):
    base = CRM_ROWS["Opportunity"][0]
    write_crm(tmp_path, "Opportunity", [base], suffix="2025-02-01")
    newer = base | {"StageName": "Closed Won", "IsClosed": "true", "IsWon": "true",
                    "SystemModstamp": "2025-03-01T00:00:00.000+0000"}
    write_crm(tmp_path, "Opportunity", [newer], suffix="2025-03-01")
    # delivered later, but an older version: it must lose
    stale = base | {"StageName": "Discovery", "SystemModstamp": "2025-01-20T00:00:00.000+0000"}
    write_crm(tmp_path, "Opportunity", [stale], suffix="2025-04-01")
    results = load(con, tmp_path, "opportunity")
    assert [(r.rows_loaded, r.rows_superseded) for r in results] == [(1, 0), (1, 0), (0, 1)]
    assert con.execute("select stage_name, is_won, _source_file from raw.opportunity").fetchall() == [
        ("Closed Won", True, "crm/Opportunity__2025-03-01.csv")
    ]


def test_without_modstamps_the_later_file_wins(tmp_path, con):
    row = {"Id": "00E000000000001AAA", "Name": "AE"}
    write_crm(tmp_path, "UserRole", [row], suffix="a")
    write_crm(tmp_path, "UserRole", [row | {"Name": "Account Executive"}], suffix="b")
    load(con, tmp_path, "user_role")
    assert con.execute("select name from raw.user_role").fetchall() == [("Account Executive",)]


def test_loading_the_same_landing_zone_twice_changes_nothing(tmp_path, con):
    for obj, rows in CRM_ROWS.items():
        write_crm(tmp_path, obj, rows)
    write_gong_page(tmp_path, "calls_0001.json", "calls", [gong_call("7000000000000000001", "2025-03-03T10:00:00Z", "1")])
    (tmp_path / "gong" / "calls_0002.json").write_text("{broken", encoding="utf-8")
    load_everything(con, tmp_path)
    tables = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema='raw'").fetchall()]
    before = {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in tables}
    second = load_everything(con, tmp_path)
    assert {r.status for results in second.values() for r in results} == {"skipped"}
    assert {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in tables} == before


def test_a_loaded_file_is_recognised_by_size_and_mtime_and_a_touched_one_by_its_bytes(tmp_path, con):
    path = write_crm(tmp_path, "UserRole", [{"Id": "00E000000000001AAA", "Name": "AE"}])
    assert [r.status for r in load(con, tmp_path, "user_role")] == ["loaded"]
    stat = path.stat()
    assert con.execute("select size_bytes, modified_ns from raw._loaded_files").fetchall() == [
        (stat.st_size, stat.st_mtime_ns)
    ]
    # Same size and mtime: the same file, not read (nor hashed) again.
    assert [r.status for r in load(con, tmp_path, "user_role")] == ["skipped"]
    # Touched (copied again, same bytes): hashed, recognised by its checksum, not loaded twice.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert [r.status for r in load(con, tmp_path, "user_role")] == ["skipped"]
    # Re-written with other bytes: a new delivery.
    write_crm(tmp_path, "UserRole", [{"Id": "00E000000000001AAA", "Name": "Account Executive"}])
    assert [r.status for r in load(con, tmp_path, "user_role")] == ["loaded"]
    assert con.execute("select name from raw.user_role").fetchall() == [("Account Executive",)]


def test_load_times_only_grow_even_when_the_clock_steps_back(tmp_path, con):
    # The incremental dbt models build the raw rows loaded after the newest one they hold:
    # a file loaded after a build must carry a later _loaded_at, whatever the clock says.
    load(con, tmp_path, "user_role")  # creates the ledger (no files yet)
    con.execute(
        "insert into raw._loaded_files (file, object, checksum, status, loaded_at) "
        "values ('crm/earlier.csv', 'user', 'x', 'loaded', timestamp '2999-01-01 00:00:00')"
    )
    write_crm(tmp_path, "UserRole", [{"Id": "00E000000000001AAA", "Name": "AE"}])
    write_crm(tmp_path, "Period", CRM_ROWS["Period"])
    load(con, tmp_path, "user_role")
    load(con, tmp_path, "period")
    assert con.execute("select distinct cast(_loaded_at as varchar) from raw.user_role").fetchall() == [
        ("2999-01-01 00:00:00.000001",)
    ]
    assert con.execute("select distinct cast(_loaded_at as varchar) from raw.period").fetchall() == [
        ("2999-01-01 00:00:00.000002",)
    ]


def test_a_load_that_fails_midway_leaves_nothing_of_the_file(tmp_path, con):
    # The raw table already holds an extra column as INTEGER; a file delivering text in it
    # fails at insert time, after its quarantine rows were written in the same transaction.
    loader.ensure_raw_tables(con, [configured_object("opportunity")])
    con.execute("alter table raw.opportunity add column region_code_c INTEGER")
    good = CRM_ROWS["Opportunity"][0] | {"Region_Code__c": "north"}
    write_crm(tmp_path, "Opportunity", [good, good | {"Id": "006000000000000BAD", "Amount": "-1"}])
    with pytest.raises(duckdb.ConversionException):
        load(con, tmp_path, "opportunity")
    assert con.execute("select count(*) from raw.opportunity").fetchone() == (0,)
    assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    assert con.execute("select count(*) from raw._loaded_files").fetchone() == (0,)


def test_unknown_extra_columns_are_kept_in_raw(tmp_path, con):
    write_crm(tmp_path, "Account", [CRM_ROWS["Account"][0] | {"Tier__c": "Gold"}])
    load(con, tmp_path, "account")
    assert con.execute("select tier_c from raw.account").fetchone() == ("Gold",)

"""Hostile input at ingestion (issue: input that cannot hurt): each hostile file sits in a
small landing zone beside good ones; the rest loads, the bad rows are quarantined or the
file refused with a reason naming it, and nothing outside the warehouse changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from coaching_pipeline import config
from coaching_pipeline.cli import main
from coaching_pipeline.config import FutureAsOf, add_years, check_as_of, utc_today
from coaching_pipeline.ingest import configured_object, configured_objects, loader
from coaching_pipeline.ingest.readers import first_invalid_byte
from coaching_pipeline.resources.warehouse import latest_event_date

from ..landing import CRM_ROWS, U1, gong_call, write_activities, write_crm, write_crm_rows, write_gong_page
from ..warehouse import build_warehouse, query

TODAY = utc_today()


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root with the sha256 of its bytes (links by their target)."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            files[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


@pytest.fixture
def zone(tmp_path):
    """(landing, connection, outside folder): a landing zone with the tiny org, a warehouse,
    and a folder outside both whose files must never change."""
    landing = tmp_path / "landing"
    write_crm_rows(landing)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_text("Id,Name\n001000000000009ZZZ,Not For Loading\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    before = snapshot(outside)
    yield landing, con, outside
    con.close()
    assert snapshot(outside) == before


def load(con, landing, name):
    return loader.load_object(con, landing, configured_object(name))


def quarantined(con, source):
    return con.execute(
        "select file, row_number, reason from raw.quarantine where source = ? order by file, row_number", [source]
    ).fetchall()


def test_an_id_that_is_a_path_is_quarantined_and_the_rest_loads(zone):
    landing, con, _ = zone
    users = [*CRM_ROWS["User"], {"Id": "../../../tmp/evil", "Name": "Eve", "Email": "eve@x.example",
                                 "IsActive": "true"}]
    write_crm(landing, "User", users)
    load(con, landing, "user")
    assert quarantined(con, "user") == [(
        "crm/User.csv", 3,
        "Id: not a plausible salesforce id (ingest.id_patterns.salesforce) (got '../../../tmp/evil')",
    )]
    assert sorted(r[0] for r in con.execute("select id from raw.user").fetchall()) == sorted(
        u["Id"] for u in CRM_ROWS["User"])


def test_a_15_character_id_and_a_gong_numeric_id_are_plausible_a_gong_id_with_letters_is_not(zone):
    landing, con, _ = zone
    write_crm(landing, "Account", [{"Id": "001000000000001", "Name": "Short Id Co"}])
    load(con, landing, "account")
    assert con.execute("select id from raw.account").fetchall() == [("001000000000001",)]
    write_gong_page(landing, "calls_0001.json", "calls", [
        gong_call("7000000000000000001", "2025-01-22T17:00:00Z", "234599484848423001"),
        gong_call("70000000000000000x2", "2025-01-22T18:00:00Z", "234599484848423001"),
    ])
    load(con, landing, "gong_calls")
    assert con.execute("select call_id from raw.gong_calls").fetchall() == [("7000000000000000001",)]
    assert quarantined(con, "gong_calls") == [(
        "gong/calls_0001.json", 2,
        "metaData.id: not a plausible gong id (ingest.id_patterns.gong) (got '70000000000000000x2')",
    )]


def test_a_link_out_of_the_landing_zone_is_refused_naming_it(zone):
    landing, con, outside = zone
    (landing / "crm" / "Account__linked.csv").symlink_to(outside / "secret.csv")
    results = load(con, landing, "account")
    by_file = {r.file: r for r in results}
    assert by_file["crm/Account.csv"].status == "loaded"
    refused = by_file["crm/Account__linked.csv"]
    assert refused.status == "failed"
    assert refused.error == (f"crm/Account__linked.csv: a link to {(outside / 'secret.csv').resolve()}, outside "
                             "the landing zone; not followed, nothing loaded from it")
    assert con.execute("select name from raw.account").fetchall() == [("Acme",)]
    assert con.execute("select status from raw._loaded_files where file = 'crm/Account__linked.csv'"
                       ).fetchall() == [("failed",)]


def test_a_link_inside_the_landing_zone_is_followed(zone):
    landing, con, _ = zone
    archive = landing / "archive"
    archive.mkdir()
    (landing / "crm" / "Account.csv").rename(archive / "Account.csv")
    (landing / "crm" / "Account.csv").symlink_to(archive / "Account.csv")
    assert [r.status for r in load(con, landing, "account")] == ["loaded"]
    assert con.execute("select name from raw.account").fetchall() == [("Acme",)]


def activity(activity_id, occurred_at):
    return {"activity_id": activity_id, "source": "outreach", "rep_id": U1, "activity_type": "email",
            "occurred_at": occurred_at}


def test_an_activity_dated_2099_is_quarantined_and_one_dated_tomorrow_loads_but_does_not_move_as_of(zone):
    landing, con, _ = zone
    tomorrow = TODAY + dt.timedelta(days=1)
    write_activities(landing, [
        activity("a1", "2025-01-21T10:00:00Z"),
        activity("a2099", "2099-06-01T10:00:00Z"),
        activity("a-tomorrow", f"{tomorrow}T10:00:00Z"),
    ])
    load(con, landing, "activities")
    latest = add_years(TODAY, 5)
    assert quarantined(con, "activities") == [(
        "activity/activities_1.csv", 2,
        f"occurred_at: after {latest} (more than 5 years ahead; ingest.bounds.max_years_ahead) "
        "(got '2099-06-01T10:00:00Z')",
    )]
    assert sorted(r[0] for r in con.execute("select activity_id from raw.activities").fetchall()) == [
        "a-tomorrow", "a1"]
    for obj in configured_objects():
        loader.load_object(con, landing, obj)
    assert latest_event_date(con) == dt.date(2025, 1, 22)  # the tiny org's Event; not tomorrow


def test_dbt_as_of_ignores_events_after_today_and_counts_them(tmp_path):
    landing = tmp_path / "landing"
    write_crm_rows(landing)
    tomorrow = TODAY + dt.timedelta(days=1)
    write_activities(landing, [activity("a1", "2025-02-03T10:00:00Z"), activity("a2", f"{tomorrow}T10:00:00Z")])
    warehouse = build_warehouse(landing, tmp_path / "w.duckdb", None, select="+int_as_of")
    assert query(warehouse, "select as_of, as_of_source, latest_event_date, events_after_today "
                            "from intermediate.int_as_of") == [
        (dt.date(2025, 2, 3), "latest_event", dt.date(2025, 2, 3), 1)]


def test_a_close_date_in_year_one_and_a_record_time_in_the_future_are_quarantined(zone):
    landing, con, _ = zone
    base = CRM_ROWS["Opportunity"][0]
    write_crm(landing, "Opportunity", [
        base,
        {**base, "Id": "006000000000001AAA", "CloseDate": "0001-01-01"},
        {**base, "Id": "006000000000002AAA", "SystemModstamp": "2099-01-01T00:00:00.000+0000"},
        {**base, "Id": "006000000000003AAA", "CloseDate": str(add_years(TODAY, 5))},  # the last plausible day
    ])
    load(con, landing, "opportunity")
    assert quarantined(con, "opportunity") == [
        ("crm/Opportunity.csv", 2, "CloseDate: before 2000-01-01 (ingest.bounds.earliest_date) (got '0001-01-01')"),
        ("crm/Opportunity.csv", 3, f"SystemModstamp: after {TODAY + dt.timedelta(days=1)}: a record time in the "
                                   "future (got '2099-01-01T00:00:00.000+0000')"),
    ]
    assert sorted(r[0] for r in con.execute("select id from raw.opportunity").fetchall()) == [
        "006000000000000AAA", "006000000000003AAA"]


def test_huge_amounts_are_quarantined_so_nothing_sums_to_infinity(zone):
    landing, con, _ = zone
    base = CRM_ROWS["Opportunity"][0]
    write_crm(landing, "Opportunity", [
        base,
        {**base, "Id": "006000000000001AAA", "Amount": "1e308"},
        {**base, "Id": "006000000000002AAA", "Amount": "99999999999999.00"},
        {**base, "Id": "006000000000003AAA", "Amount": "1000000000000"},  # exactly the maximum loads
    ])
    load(con, landing, "opportunity")
    assert quarantined(con, "opportunity") == [
        ("crm/Opportunity.csv", 2, "Amount: not an amount (a decimal number, at most 16 digits before the point) "
                                   "(got '1e308')"),
        ("crm/Opportunity.csv", 3, "Amount: must be <= 1e+12 (ingest.bounds.max_amount) (got '99999999999999.00')")]
    assert con.execute("select sum(amount) from raw.opportunity").fetchone()[0] == Decimal("1000000050000.00")


def test_a_parquet_infinity_is_not_a_finite_number(zone):
    landing, con, _ = zone
    rows = [{**CRM_ROWS["Opportunity"][0], "Amount": 5.0},
            {**CRM_ROWS["Opportunity"][0], "Id": "006000000000001AAA", "Amount": float("inf")}]
    pl.DataFrame(rows).write_parquet(landing / "crm" / "Opportunity__extra.parquet")
    load(con, landing, "opportunity")
    assert quarantined(con, "opportunity") == [
        ("crm/Opportunity__extra.parquet", 2,
         "Amount: not an amount (a decimal number, at most 16 digits before the point) (got 'inf')")]


def latin1_accounts(landing: Path) -> Path:
    path = landing / "crm" / "Account__latin1.csv"
    path.write_bytes("Id,Name\n001000000000001AAA,Plain Co\n001000000000002AAA,Café Lumière\n".encode("latin-1"))
    return path


def test_a_latin1_file_is_rejected_naming_the_line_of_the_first_bad_byte(zone):
    landing, con, _ = zone
    latin1_accounts(landing)
    by_file = {r.file: r for r in load(con, landing, "account")}
    assert by_file["crm/Account.csv"].status == "loaded"
    assert by_file["crm/Account__latin1.csv"].error == (
        "crm/Account__latin1.csv: not valid utf-8 at line 3 (byte 0xe9); nothing loaded from this file. "
        "Re-export it as utf-8, or set ingest.encodings.crm to the file's encoding")
    assert con.execute("select name from raw.account").fetchall() == [("Acme",)]


@pytest.fixture
def latin1_crm(tmp_path, monkeypatch):
    override = tmp_path / "settings.yaml"
    override.write_text("ingest:\n  encodings:\n    crm: latin-1\n")
    monkeypatch.setenv("COACHING_CONFIG", str(override))
    config.settings.cache_clear()
    yield
    config.settings.cache_clear()


def test_a_latin1_file_decodes_exactly_with_its_configured_encoding(zone, latin1_crm):
    landing, con, _ = zone
    (landing / "crm" / "Account.csv").unlink()
    latin1_accounts(landing)
    assert [r.status for r in load(con, landing, "account")] == ["loaded"]
    assert con.execute("select name from raw.account order by id").fetchall() == [("Plain Co",), ("Café Lumière",)]


def test_a_utf8_byte_order_mark_is_accepted(zone):
    landing, con, _ = zone
    (landing / "crm" / "Account.csv").write_bytes(b"\xef\xbb\xbfId,Name\n001000000000001AAA,Caf\xc3\xa9\n")
    assert [r.status for r in load(con, landing, "account")] == ["loaded"]
    assert con.execute("select id, name from raw.account").fetchall() == [("001000000000001AAA", "Café")]


def test_first_invalid_byte_across_a_chunk_boundary(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a\n" * 10 + "é".encode()[:1])  # a two-byte character cut short at the end
    assert first_invalid_byte(path, "utf-8") == (11, 20, b"")
    path.write_bytes(b"ok\n\xff")
    assert first_invalid_byte(path, "utf-8") == (2, 3, b"\xff")
    path.write_bytes("fine é\n".encode())
    assert first_invalid_byte(path, "utf-8") is None


def test_a_gong_page_that_is_not_utf8_is_rejected_naming_the_line(zone):
    landing, con, _ = zone
    page = write_gong_page(landing, "calls_0001.json", "calls", [
        gong_call("7000000000000000001", "2025-01-22T17:00:00Z", "234599484848423001")])
    text = json.dumps(json.loads(page.read_text()), indent=1)
    page.write_bytes(text.replace("Call 7000000000000000001", "Caf\udce9", 1).encode("utf-8", "surrogateescape"))
    line = text.split("Call 7000000000000000001")[0].count("\n") + 1
    [result] = load(con, landing, "gong_calls")
    assert result.status == "failed"
    assert result.error.startswith(f"gong/calls_0001.json: not valid utf-8 at line {line} (byte 0xe9)")


def test_a_row_cut_short_at_the_end_of_a_file_is_quarantined(zone):
    landing, con, _ = zone
    path = write_crm(landing, "Account", [
        {"Id": "001000000000001AAA", "Name": "Whole", "Industry": "Software", "BillingCountry": "FR"},
        {"Id": "001000000000002AAA", "Name": "Also whole", "Industry": "Retail", "BillingCountry": "DE"},
    ])
    cut = path.read_bytes()[:-len(b",Retail,DE\r\n")]  # the writer ends rows with \r\n
    path.write_bytes(cut)
    load(con, landing, "account")
    assert quarantined(con, "account") == [
        ("crm/Account.csv", 2, "row has 2 fields, the header has 4 (cut short?)")]
    assert con.execute("select raw_row from raw.quarantine").fetchone()[0] == "001000000000002AAA,Also whole"
    assert con.execute("select id, name, industry, billing_country, _source_row from raw.account").fetchall() == [
        ("001000000000001AAA", "Whole", "Software", "FR", 1)]


def test_a_row_with_too_many_fields_is_quarantined_and_later_rows_keep_their_numbers(zone):
    landing, con, _ = zone
    (landing / "crm" / "Account.csv").write_text(
        'Id,Name\n001000000000001AAA,"One, with comma"\n001000000000002AAA,Two,extra\n'
        '001000000000003AAA,"Three\nlines"\n')
    load(con, landing, "account")
    assert quarantined(con, "account") == [("crm/Account.csv", 2, "row has 3 fields, the header has 2")]
    assert con.execute("select id, name, _source_row from raw.account order by id").fetchall() == [
        ("001000000000001AAA", "One, with comma", 1), ("001000000000003AAA", "Three\nlines", 3)]


def test_as_of_after_today_is_refused(tmp_path, monkeypatch):
    with pytest.raises(FutureAsOf, match=r"^as_of 2099-01-01 is after today"):
        check_as_of(dt.date(2099, 1, 1))
    assert check_as_of(TODAY) == TODAY
    landing = tmp_path / "landing"
    write_crm_rows(landing)
    result = CliRunner().invoke(main, ["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
                                       "--output", str(tmp_path / "out"), "--as-of", "2099-01-01"])
    assert result.exit_code == 2
    assert f"as_of 2099-01-01 is after today ({TODAY}, UTC)" in result.output
    monkeypatch.setenv("COACHING_AS_OF", "2099-01-01")
    result = CliRunner().invoke(main, ["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
                                       "--output", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: COACHING_AS_OF: as_of 2099-01-01 is after today")
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "out").exists()


def test_a_closed_deals_close_date_counts_for_as_of_an_open_deals_does_not(tmp_path):
    """CRM-only orgs: as_of is the last close, not today (mart contract)."""
    landing = tmp_path / "landing"
    write_crm_rows(landing)  # Task 2025-01-20, Event 2025-01-22, an open deal closing 2025-06-30
    base = CRM_ROWS["Opportunity"][0]
    write_crm(landing, "Opportunity", [base, {**base, "Id": "006000000000001AAA", "CloseDate": "2025-04-10",
                                              "IsClosed": "true", "IsWon": "true"}])
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    for obj in configured_objects():
        loader.load_object(con, landing, obj)
    assert latest_event_date(con) == dt.date(2025, 4, 10)
    con.close()
    build_warehouse(landing, warehouse, None, select="+int_as_of")
    assert query(warehouse, "select as_of, latest_event_date from intermediate.int_as_of") == [
        (dt.date(2025, 4, 10), dt.date(2025, 4, 10))]

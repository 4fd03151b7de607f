"""Publishing analytics.duckdb for analysts (coaching_pipeline.assets.publish), on small
hand-made warehouses: the names analysts type, what is copied, and what a failure leaves."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from coaching_pipeline.assets.publish import MART_TABLES, publish, published_path
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.paths import resolve_paths


def make_warehouse(path, marts=MART_TABLES, coaching=("coaching_log", "daily_flags")):
    """Each mart with two rows (`rep` U1, U2), the given coaching tables with one row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = open_warehouse(path)
    con.execute("create schema marts")
    for table in marts:
        con.execute(f"create table marts.{table} as select * from (values ('U1', 1.5), ('U2', 2.5)) t(rep, value)")
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_as_of as select date '2026-11-13' as as_of")
    if coaching:
        con.execute("create schema coaching")
        for table in coaching:
            con.execute(f"create table coaching.{table} as select 'c1' as id, '{table}' as kind")
    # something that is not published
    con.execute("create schema staging")
    con.execute("create table staging.stg_x as select 1 as x")
    con.close()
    return path


def test_the_duckdb_shell_in_the_virtual_environment_opens_the_published_file(tmp_path):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    publish(warehouse, run_id="run-1")
    shell = Path(sys.executable).with_name("duckdb")
    proc = subprocess.run([str(shell), "-readonly", "-csv", str(tmp_path / "analytics.duckdb"),
                           "-c", "select rep, value from marts.rep_performance order by rep"],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "rep,value\nU1,1.5\nU2,2.5\n", "")


def test_table_and_column_comments_reach_the_published_file(tmp_path):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    con = open_warehouse(warehouse)
    con.execute("comment on table marts.sellers is 'One row per seller.'")
    con.execute("comment on column marts.sellers.rep is 'Salesforce User Id of the seller.'")
    con.execute("comment on column coaching.coaching_log.kind is 'It''s the kind.'")
    con.close()
    publish(warehouse, run_id="run-1")
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)
    try:
        assert con.execute("select comment from duckdb_tables() where table_name = 'sellers'").fetchall() == [
            ("One row per seller.",)]
        assert con.execute("select schema_name, table_name, column_name, comment from duckdb_columns() "
                           "where comment is not null and table_name <> 'publication' order by all").fetchall() == [
            ("coaching", "coaching_log", "kind", "It's the kind."),
            ("marts", "sellers", "rep", "Salesforce User Id of the seller.")]
        # the publication table documents itself
        assert con.execute("select count(*) from duckdb_columns() where table_name = 'publication' "
                           "and comment is null").fetchone() == (0,)
    finally:
        con.close()


def test_the_published_file_is_beside_the_warehouse():
    paths = resolve_paths(None, "/srv/wh/coaching.duckdb", None, None)
    assert published_path(paths.warehouse) == paths.published == Path("/srv/wh/analytics.duckdb")


def test_analysts_query_marts_and_coaching_tables_by_their_usual_names(tmp_path):
    warehouse = make_warehouse(tmp_path / "coaching.duckdb")
    published = publish(warehouse, run_id="run-1")
    assert published == [*(("marts", t, 2) for t in MART_TABLES), ("coaching", "coaching_log", 1),
                         ("coaching", "daily_flags", 1)]
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)  # a plain connection
    try:
        assert con.execute("select * from marts.rep_performance order by rep").fetchall() == [("U1", 1.5), ("U2", 2.5)]
        assert con.execute("select kind from coaching.coaching_log").fetchall() == [("coaching_log",)]
        assert con.execute("select table_schema, table_name, row_count, as_of, dagster_run_id from marts.publication "
                           "where table_name in ('next_best_actions', 'daily_flags') order by 2").fetchall() == [
            ("coaching", "daily_flags", 1, dt.date(2026, 11, 13), "run-1"),
            ("marts", "next_best_actions", 2, dt.date(2026, 11, 13), "run-1")]
        tables = con.execute("select table_catalog, table_schema, table_name from information_schema.tables "
                             "order by all").fetchall()
        # real schemas marts and coaching, none named after the file's stem, nothing unpublished
        assert {(c, s) for c, s, _ in tables} == {("analytics", "marts"), ("analytics", "coaching")}
        assert len(tables) == len(MART_TABLES) + 1 + 2  # the marts, marts.publication, two coaching tables
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analytics.duckdb", "coaching.duckdb"]  # no temp, no WAL


def test_without_coaching_tables_yet_the_marts_are_published(tmp_path):
    warehouse = make_warehouse(tmp_path / "coaching.duckdb", coaching=())
    assert [s for s, _, _ in publish(warehouse)] == ["marts"] * 8  # users, sellers, the five marts of the contract and role_metrics
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)
    assert con.execute("select count(*) from information_schema.tables where table_schema = 'coaching'"
                       ).fetchone()[0] == 0
    con.close()


def test_a_failed_publication_leaves_the_previous_file_untouched(tmp_path):
    good = make_warehouse(tmp_path / "good" / "coaching.duckdb")
    target = tmp_path / "analytics.duckdb"
    publish(good, target, run_id="good")
    before = target.read_bytes()
    broken = make_warehouse(tmp_path / "broken" / "coaching.duckdb", marts=MART_TABLES[:3])
    with pytest.raises(RuntimeError, match="deal_health_scores, next_best_actions"):
        publish(broken, target, run_id="broken")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analytics.duckdb", "broken", "good"]


def test_leftovers_of_a_killed_publication_are_cleared(tmp_path):
    warehouse = make_warehouse(tmp_path / "coaching.duckdb")
    (tmp_path / ".analytics.duckdb.0123456789ab.tmp").write_bytes(b"half a file")
    (tmp_path / ".analytics.duckdb.0123456789ab.tmp.wal").write_bytes(b"")
    publish(warehouse)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analytics.duckdb", "coaching.duckdb"]


def test_the_landing_zone_step_lists_the_extract_files_and_those_not_loaded_before(tmp_path):
    from dagster import materialize

    from coaching_pipeline.assets.landing import extract_files
    from coaching_pipeline.resources import LandingZone, Warehouse

    from ..landing import write_activities, write_crm

    landing = tmp_path / "landing"
    write_crm(landing, "Account", [{"Id": "001A", "Name": "Acme"}])
    write_activities(landing, [])
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    result = materialize([extract_files], resources={
        "warehouse": Warehouse(path=str(warehouse)), "landing": LandingZone(path=str(landing))})
    [event] = result.asset_materializations_for_node("landing__extract_files")
    meta = {k: v.value for k, v in event.metadata.items()}
    assert (meta["files"], meta["new_files"], meta["files_per_folder"]) == (2, 2, {"activity": 1, "crm": 1})
    assert meta["new"] == "- activity/activities_1.csv\n- crm/Account.csv"
    assert warehouse.exists()  # it opened the warehouse for writing: that is its test of the lock


def test_the_ops_tables_summarize_the_ledger_and_the_quarantine(tmp_path):
    """ops.loaded_files: one row per file, its newest attempt (a rejected file is tried again by
    every run); ops.quarantine_summary: per file and reason without the offending value."""
    from coaching_pipeline.ingest.loader import ensure_raw_tables

    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    con = open_warehouse(warehouse)
    ensure_raw_tables(con, [])  # the real ledger and quarantine DDL
    day = dt.datetime(2026, 11, 13, 2, 0)
    bad = "crm/Opportunity__bad.csv: missing required column 'OwnerId'; nothing loaded from this file"
    ledger = [  # file, object, modified (ns), status, read, loaded, quarantined, error, loaded at
        ("crm/Opportunity.csv", "opportunity", 1_763_000_000_123_456_789, "loaded", 10, 7, 3, None, day),
        ("crm/Opportunity__bad.csv", "opportunity", None, "failed", None, None, None, bad, day),
        ("crm/Opportunity__bad.csv", "opportunity", None, "failed", None, None, None, bad, day + dt.timedelta(days=1)),
        ("gong/calls_0001.json", "gong_calls", None, "loaded", 2, 2, 0, None, day + dt.timedelta(minutes=1)),
    ]
    con.executemany("insert into raw._loaded_files (file, object, checksum, size_bytes, modified_ns, status, "
                    "rows_read, rows_loaded, rows_superseded, rows_merged, rows_quarantined, error, loaded_at) "
                    "values (?, ?, 'sha', 99, ?, ?, ?, ?, 0, 0, ?, ?, ?)", ledger)
    con.executemany("insert into raw.quarantine values ('opportunity', 'crm/Opportunity.csv', ?, ?, '{}', ?)", [
        (7, "Amount: must be >= 0 (got '-1')", day), (3, "Amount: must be >= 0 (got '-5')", day),
        (5, "duplicate Id within the file with conflicting content (rows 5, 6)", day)])
    con.close()
    published = publish(warehouse, run_id="run-1")
    assert published[-2:] == [("ops", "loaded_files", 3), ("ops", "quarantine_summary", 2)]
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)
    try:
        assert con.execute("select source, object, file, status, loaded_at, file_modified_at, size_bytes, rows_read, "
                           "rows_loaded, rows_quarantined, error, attempts from ops.loaded_files").fetchall() == [
            ("crm", "opportunity", "crm/Opportunity.csv", "loaded", day, dt.datetime(2025, 11, 13, 2, 13, 20, 123456),
             99, 10, 7, 3, None, 1),
            ("gong", "gong_calls", "gong/calls_0001.json", "loaded", day + dt.timedelta(minutes=1), None, 99, 2, 2, 0,
             None, 1),
            ("crm", "opportunity", "crm/Opportunity__bad.csv", "failed", day + dt.timedelta(days=1), None, 99, None,
             None, None, bad, 2)]
        assert con.execute("select source, object, file, reason, rows, first_rows, example_reason, "
                           "first_quarantined_at from ops.quarantine_summary").fetchall() == [
            ("crm", "opportunity", "crm/Opportunity.csv", "Amount: must be >= 0", 2, [3, 7],
             "Amount: must be >= 0 (got '-1')", day),
            ("crm", "opportunity", "crm/Opportunity.csv", "duplicate Id within the file with conflicting content", 1,
             [5], "duplicate Id within the file with conflicting content (rows 5, 6)", day)]
        assert con.execute("select table_name, row_count from marts.publication where table_schema = 'ops' "
                           "order by 1").fetchall() == [("loaded_files", 3), ("quarantine_summary", 2)]
        # documented like every published table
        assert con.execute("select count(*) from duckdb_columns() where schema_name = 'ops' and comment is null"
                           ).fetchone() == (0,)
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'ops' and comment is not null"
                           ).fetchone() == (2,)
    finally:
        con.close()

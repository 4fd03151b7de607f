"""The raw and staging assets materialized by Dagster with the real dbt project, and the
`coaching run` command end to end on a small hand-written landing zone."""

import subprocess
import sys

import pytest
from dagster import AssetKey, DagsterInstance

from coaching_pipeline.config import resolve_paths
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.definitions import build_definitions

from .landing import write_small_landing

STAGING_ROWS = {
    "stg_salesforce__users": 2,
    "stg_salesforce__user_roles": 2,
    "stg_salesforce__accounts": 1,
    "stg_salesforce__contacts": 1,
    "stg_salesforce__opportunities": 1,
    "stg_salesforce__opportunity_history": 1,
    "stg_salesforce__opportunity_contact_roles": 1,
    "stg_salesforce__opportunity_field_history": 1,
    "stg_salesforce__tasks": 1,
    "stg_salesforce__events": 1,
    "stg_salesforce__forecasting_quotas": 1,
    "stg_salesforce__periods": 1,
    "stg_gong__users": 2,
    "stg_gong__calls": 1,
    "stg_gong__call_parties": 2,
    "stg_gong__call_trackers": 2,
    "stg_gong__transcripts": 1,
    "stg_gong__scorecards": 1,
    "stg_gong__scorecard_questions": 1,
    "stg_gong__answered_scorecards": 1,
    "stg_gong__scorecard_answers": 1,
    "stg_activity__activities": 2,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every raw and staging asset materialized once, into a warehouse with an odd name."""
    root = tmp_path_factory.mktemp("pipeline")
    landing = write_small_landing(root / "landing")
    warehouse = root / "any dir" / "my.warehouse.v2.duckdb"
    paths = resolve_paths(str(landing), str(warehouse), str(root / "output"), "2025-01-31")
    defs = build_definitions(paths)
    job = defs.resolve_job_def("nightly")
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    return result, warehouse


def test_raw_and_staging_assets_materialize(built):
    result, warehouse = built
    assert result.success
    materialized = {
        e.event_specific_data.materialization.asset_key
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    for name in STAGING_ROWS:
        assert AssetKey(["staging", name]) in materialized
    assert AssetKey(["raw", "opportunity"]) in materialized


def test_staging_tables_hold_the_expected_rows(built):
    _, warehouse = built
    con = open_warehouse(warehouse, read_only=True)
    counts = {name: con.execute(f"select count(*) from staging.{name}").fetchone()[0] for name in STAGING_ROWS}
    con.close()
    assert counts == STAGING_ROWS


def test_dbt_tests_run_as_passing_asset_checks(built):
    result, _ = built
    evaluations = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    dbt_checks = [c for c in evaluations if c.asset_key.path[0] == "staging"]
    assert len(dbt_checks) >= len(STAGING_ROWS)  # at least a grain test per model
    assert [c.check_name for c in evaluations if not c.passed] == []


def test_asset_metadata_reports_row_counts_and_quarantine(built):
    result, _ = built
    by_key = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            m = event.event_specific_data.materialization
            by_key[m.asset_key.to_user_string()] = m.metadata
    raw_opp = by_key["raw/opportunity"]
    assert raw_opp["dagster/row_count"].value == 1
    assert raw_opp["rows_quarantined"].value == 0
    assert raw_opp["files_loaded"].value == 1
    assert by_key["staging/stg_gong__calls"]["dagster/row_count"].value == 1


def test_coaching_run_prints_the_warehouse_and_exits_1_on_a_rejected_file(tmp_path):
    """One `coaching run` end to end: everything builds, the rejected file is named, and the
    exit code says something failed."""
    landing = write_small_landing(tmp_path / "landing")
    (landing / "crm" / "Opportunity__broken.csv").write_text("Id,Name\n006X,No owner column\n")
    warehouse = tmp_path / "elsewhere" / "nightly.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "coaching_pipeline.cli", "run", "--landing", str(landing),
         "--warehouse", str(warehouse), "--as-of", "2025-01-31", "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"Warehouse: {warehouse}" in proc.stdout
    assert "stg_salesforce__opportunities" in proc.stdout
    assert "rep_performance" in proc.stdout
    assert "skill_assessment_log" in proc.stdout  # the weekly coaching ran too
    assert "crm/Opportunity__broken.csv: missing required column 'AccountId'" in proc.stdout
    assert "FAILED CHECK raw/opportunity:every_file_loads" in proc.stdout
    assert "FAILED in" in proc.stdout

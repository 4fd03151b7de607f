"""The raw and staging assets materialized by Dagster with the real dbt project, and the
`coaching run` command end to end on a small hand-written landing zone (the session
fixture `coaching_run`, conftest.py)."""

import pytest

from coaching_pipeline.db import open_warehouse

# The session fixture runs once per worker: its tests (and test_ops_runbook's) stay on one.
pytestmark = pytest.mark.xdist_group("pipeline")

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


def materializations(events) -> dict:
    return {
        e.event_specific_data.materialization.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
        for e in events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


def test_the_three_jobs_ran_and_are_kept_in_the_instance(coaching_run):
    _, _, _, events = coaching_run
    assert set(events) == {"nightly", "weekly_coaching_job", "monthly_digests_job"}


def test_raw_and_staging_assets_materialize(coaching_run):
    nightly = materializations(coaching_run[3]["nightly"])
    for name in STAGING_ROWS:
        assert f"staging/{name}" in nightly
    assert "raw/opportunity" in nightly and "warehouse/published_marts" in nightly


def test_staging_tables_hold_the_expected_rows(coaching_run):
    warehouse = coaching_run[1]
    con = open_warehouse(warehouse, read_only=True)
    counts = {name: con.execute(f"select count(*) from staging.{name}").fetchone()[0] for name in STAGING_ROWS}
    con.close()
    assert counts == STAGING_ROWS


def test_dbt_tests_run_as_passing_asset_checks(coaching_run):
    evaluations = [
        e.event_specific_data for e in coaching_run[3]["nightly"] if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    dbt_checks = [c for c in evaluations if c.asset_key.path[0] == "staging"]
    assert len(dbt_checks) >= len(STAGING_ROWS)  # at least a grain test per model
    # the only failing check is the rejected file's
    assert [(c.asset_key.to_user_string(), c.check_name) for c in evaluations if not c.passed] == [
        ("raw/opportunity", "every_file_loads")]


def test_asset_metadata_reports_row_counts_and_quarantine(coaching_run):
    nightly = materializations(coaching_run[3]["nightly"])
    raw_opp = nightly["raw/opportunity"]
    assert raw_opp["dagster/row_count"].value == 1
    assert raw_opp["rows_quarantined"].value == 0
    assert raw_opp["files_loaded"].value == 1 and raw_opp["files_failed"].value == 1
    assert raw_opp["dagster/last_updated_timestamp"].value > 0  # when its newest extract loaded
    assert nightly["staging/stg_gong__calls"]["dagster/row_count"].value == 1
    weekly = materializations(coaching_run[3]["weekly_coaching_job"])
    # a new install assesses the week of as_of and the 12 before it, in one run
    assert weekly["coaching/skill_assessment_log"]["assessment_dates"].value.count(",") == 12
    digests = materializations(coaching_run[3]["monthly_digests_job"])["digests/monthly_digests"]
    assert digests["months"].value == "2025-01"  # as_of 2025-01-31 closes January
    assert digests["narrative_template"].value == digests["rep_digests"].value


def test_every_dbt_model_reports_the_rows_its_table_holds(coaching_run):
    # dbt logs each model's count once built (macros/row_counts.sql), after the model's own
    # post-hooks: the figure is the table as it stays.
    nightly = materializations(coaching_run[3]["nightly"])
    reported = {key: meta["dagster/row_count"].value for key, meta in nightly.items()
                if key.split("/")[0] in ("staging", "intermediate", "marts")}
    con = open_warehouse(coaching_run[1], read_only=True)
    try:
        actual = {key: con.execute(f'select count(*) from {key.replace("/", ".")}').fetchone()[0] for key in reported}
    finally:
        con.close()
    # 30 staging (line items, contracts and the two cs/ models included), 30 intermediate (the 12
    # of role_metrics included) and 8 marts models (users, sellers, the five and role_metrics)
    assert len(reported) == 68
    assert reported == actual


def test_coaching_run_prints_the_warehouse_and_exits_1_on_a_rejected_file(coaching_run):
    """Everything builds, the rejected file is named, and the exit code says something failed."""
    proc, warehouse, out, _ = coaching_run
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"Warehouse: {warehouse}" in proc.stdout
    assert "stg_salesforce__opportunities" in proc.stdout
    assert "rep_performance" in proc.stdout
    assert "skill_assessment_log" in proc.stdout  # the weekly coaching ran too
    assert "Digests: " in proc.stdout and (out / "digests" / "2025-01" / "manifest.json").exists()
    # AccountId is optional (Salesforce allows a deal without an account): OwnerId is the first missing
    assert "  REJECTED FILE crm/Opportunity__broken.csv: missing required column 'OwnerId'" in proc.stdout
    assert "FAILED CHECK raw/opportunity:every_file_loads" in proc.stdout
    assert "FAILED in" in proc.stdout
    # the nightly published what loaded, then ended failed with the rejection as its message
    assert (warehouse.with_name("analytics.duckdb")).exists()
    assert ("  step warehouse__published_marts failed: crm/Opportunity__broken.csv: missing required column "
            "'OwnerId'") in proc.stdout
    assert "Everything else loaded and is published; fix or remove the file and run again." in proc.stdout

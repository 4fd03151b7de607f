"""Every asset check says what it checks (interfaces.md, Dagster: "dbt tests and data
validations appear as asset checks, each with a description, warnings as warnings"): dbt
tests get one from their YAML or from coaching_pipeline.assets.dbt_checks.describe_test,
warn-severity tests do not block, and the ingestion check names the rejected files."""

from __future__ import annotations

import json

import pytest
from dagster import AssetCheckSeverity, AssetKey, materialize
from dagster_dbt import DbtProject
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from coaching_pipeline.assets.dbt import TRANSLATOR
from coaching_pipeline.assets.dbt_checks import describe_test
from coaching_pipeline.assets.ingest import (
    FILES_CHECK,
    FILES_CHECK_DESCRIPTION,
    build_ingest_asset,
    rejected_files,
)
from coaching_pipeline.definitions import defs
from coaching_pipeline.ingest import configured_objects
from coaching_pipeline.ingest.loader import FileResult
from coaching_pipeline.resources import DBT_PROJECT, LandingZone, Warehouse, ensure_manifest

from ..landing import CRM_ROWS, write_crm, write_csv

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("asset_check_descriptions")

COLUMN_RULES_FAILURE = (
    "A failure names each broken rule and column, with what was expected, the number of failures and an example.")
RELATIONSHIP_WARNING = (
    " This is a warning and does not fail the run: real extracts reference records that are outside the "
    "extract (deleted, merged or not exported), and such rows still load; the result counts the failing rows."
)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text())


@pytest.fixture(scope="module")
def specs() -> dict:
    """Every check spec of the code location, by check key."""
    found = {}
    for definition in [*defs.assets, *(defs.asset_checks or [])]:
        for spec in getattr(definition, "check_specs", []):
            found[spec.key] = spec
    assert set(found) == set(defs.resolve_asset_graph().asset_check_keys)
    return found


def dbt_specs(specs: dict) -> dict:
    """The dbt tests' check specs, by dbt test name."""
    return {spec.name: spec for spec in specs.values() if spec.metadata.get("dagster_dbt/unique_id")}


def test_every_asset_check_has_a_description(specs):
    assert len(specs) > 150  # 112 dbt tests, 25 ingestion checks, 25 freshness checks
    missing = sorted(key.to_user_string() for key, spec in specs.items() if not (spec.description or "").strip())
    assert missing == []
    freshness = [spec for spec in specs.values() if spec.name == "freshness_check"]
    assert len(freshness) == 25
    assert {spec.description for spec in freshness} == {
        "Warns when no extract of this object has loaded for more than a day (the time its newest file "
        "loaded, or the asset's last materialization): the nightly delivery is late or stopped. A warning: "
        "nothing fails, the marts are built from what is there."}


def test_every_dbt_test_is_a_check_blocking_exactly_when_its_severity_is_error(specs, manifest):
    tests = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    checks = dbt_specs(specs)
    assert set(checks) == set(tests)
    for name, test in tests.items():
        severity = (test["config"].get("severity") or "error").lower()
        assert checks[name].blocking == (severity == "error"), name
        if severity == "warn":
            assert "warning" in checks[name].description.lower(), name
    assert sum(not c.blocking for c in checks.values()) >= 20  # a _warn column_rules test per model with one


def test_generated_descriptions_of_concrete_tests(specs):
    checks = dbt_specs(specs)
    owner = checks["column_rules_stg_salesforce__opportunities_warn"]
    assert owner.asset_key == AssetKey(["staging", "stg_salesforce__opportunities"])
    assert owner.description == (
        "Column rules of stg_salesforce__opportunities: account_id is an account_id of stg_salesforce__accounts; "
        "owner_id is a user_id of stg_salesforce__users; sdr_field_id is a user_id of stg_salesforce__users. "
        + COLUMN_RULES_FAILURE + RELATIONSHIP_WARNING)
    assert not owner.blocking
    assert checks["column_rules_stg_salesforce__users"].description == (
        "Column rules of stg_salesforce__users: never null: user_id, email, is_active; one row per user_id. "
        + COLUMN_RULES_FAILURE.strip())
    assert checks["column_rules_stg_salesforce__users"].blocking
    assert "; health_band is one of red, yellow, green;" in checks["column_rules_deal_health_scores"].description
    # a singular test: its description comes from dbt_project/tests/marts_reps/_marts_reps_tests.yml
    assert checks["marts_reps_rep_performance_is_sellers_x_quarters"].description == (
        "rep_performance holds exactly one row per seller and fiscal quarter of int_fiscal_quarters. "
        "Each failing row is a seller and quarter with its problem: missing row, unexpected row or "
        "duplicate row.")
    assert checks["marts_reps_rep_performance_is_sellers_x_quarters"].blocking


def test_every_singular_test_has_its_own_description(manifest):
    singular = [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and not n.get("test_metadata")]
    assert len(singular) == 19  # the three of role_metrics included
    assert [n["name"] for n in singular if len(n["description"].strip()) < 80] == []


def test_a_failed_warn_test_comes_through_as_a_warning(manifest):
    """dagster-dbt's own reading of dbt's result: status warn -> WARN, not a failed ERROR check."""
    name = "column_rules_stg_salesforce__opportunities_warn"
    unique_id = next(u for u, n in manifest["nodes"].items() if n["name"] == name)
    event = DbtCoreCliEventMessage(raw_event={
        "info": {"name": "LogTestResult", "msg": "WARN 3", "invocation_id": "x"},
        "data": {"node_info": {"unique_id": unique_id, "node_status": "warn"}, "num_failures": 3, "status": "warn"},
    }, event_history_metadata={})
    project = DbtProject(project_dir=DBT_PROJECT.project_dir)
    [evaluation] = event.to_default_asset_events(manifest=manifest, dagster_dbt_translator=TRANSLATOR, project=project)
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.WARN
    assert evaluation.metadata["dagster_dbt/failed_row_count"].value == 3


def test_the_ingestion_check_says_what_fails_it(specs):
    assert FILES_CHECK_DESCRIPTION == (
        "Fails when an extract file of this object was rejected whole (a required column missing, an "
        "unreadable file); the result names each file and why. Rows rejected one by one go to "
        "raw.quarantine and do not fail it.")
    ingestion = [spec for spec in specs.values() if spec.name == FILES_CHECK]
    assert len(ingestion) == 25
    assert {spec.description for spec in ingestion} == {FILES_CHECK_DESCRIPTION}
    assert all(spec.asset_key.path[0] == "raw" for spec in ingestion)


def test_rejected_files_lists_each_file_and_why():
    def failed(file, error):
        return FileResult(file, "opportunity", "failed", error=error)

    assert rejected_files([failed(
        "crm/Opportunity_2.csv",
        "crm/Opportunity_2.csv: missing required column StageName; nothing loaded from this file")]) == (
        "1 file rejected: crm/Opportunity_2.csv: missing required column StageName")
    assert rejected_files([
        failed("crm/Opportunity_2.csv", "crm/Opportunity_2.csv: not a readable csv file: bad quote"),
        failed("crm/Opportunity_3.csv", "unsupported file type"),
    ]) == ("2 files rejected: crm/Opportunity_2.csv: not a readable csv file: bad quote; "
           "crm/Opportunity_3.csv: unsupported file type")


def test_a_rejected_file_fails_the_ingestion_check_with_the_reason_as_its_description(tmp_path):
    account = next(obj for obj in configured_objects() if obj.name == "account")
    landing = tmp_path / "landing"
    write_crm(landing, "Account", CRM_ROWS["Account"])
    write_csv(landing / "crm" / "Account__broken.csv", [{"Name": "Acme"}])
    result = materialize([build_ingest_asset(account)], raise_on_error=False, resources={
        "warehouse": Warehouse(path=str(tmp_path / "coaching.duckdb")), "landing": LandingZone(path=str(landing))})
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    assert evaluation.description.startswith("1 file rejected: crm/Account__broken.csv: missing required column ")
    assert "nothing loaded" not in evaluation.description


def test_describe_test_needs_no_dagster():
    def generic(kind, severity="ERROR", **kwargs):
        return {"name": f"{kind}_t", "resource_type": "test", "attached_node": "model.coaching.stg_x",
                "config": {"severity": severity}, "test_metadata": {"name": kind, "kwargs": kwargs}}

    assert describe_test(generic("not_null", column_name="close_date")) == "close_date is never null."
    assert describe_test(generic("unique", column_name="opportunity_id")) == "Each opportunity_id appears on one row only."
    assert describe_test(generic("relationships", "warn", column_name="owner_id", to="ref('stg_users')",
                                 field="user_id")) == "Every owner_id of stg_x is a user_id of stg_users." + RELATIONSHIP_WARNING
    assert describe_test(generic("relationships", column_name="account_id", to="source('crm', 'account')",
                                 field="id")) == "Every account_id of stg_x is an id of account."
    assert describe_test(generic("accepted_values", column_name="n", values=list("abcdefghij"))) == (
        "Every n is one of: a, b, c, d, e, f, g, h, ….")
    assert describe_test(generic("accepted_range", column_name="talk_ratio", min_value=0, inclusive=False)) == (
        "Every talk_ratio is above 0 (nulls pass).")
    assert describe_test(generic("accepted_ranges", ranges=[
        {"column": "win_rate", "min_value": 0, "max_value": 1}, {"column": "team_size", "min_value": 1},
        {"column": "debt", "max_value": 0}])) == (
        "Every value is in its range (nulls pass): win_rate between 0 and 1; team_size at least 1; debt at most 0. "
        "A failure names each column out of range, with the lowest and highest offending values.")
    assert describe_test(generic("at_least_one_not_null", columns=["rep_id", "rep_email"])) == (
        "Every row has a value in at least one of rep_id or rep_email.")
    assert describe_test(generic("unique_combination_of_columns", combination_of_columns=["call_id", "tracker"])) == (
        "No two rows share the same call_id and tracker.")
    assert describe_test(generic("not_null_columns", columns=["a", '"group"'])) == (
        "None of these columns is ever null: a, group. A failure names each column that holds nulls, with their number.")
    assert describe_test(generic("column_rules", not_null=["a", '"group"'], unique=["id", ["call_id", "tracker"]],
                                 values=[{"column": "band", "values": ["red", "green"]}],
                                 references=[{"column": "owner_id", "to": "ref('stg_users')", "field": "user_id"}],
                                 ranges=[{"column": "win_rate", "min_value": 0, "max_value": 1}])) == (
        "Column rules of stg_x: never null: a, group; one row per id; one row per call_id and tracker; band is "
        "one of red, green; owner_id is a user_id of stg_users; in range (nulls pass): win_rate between 0 and 1. "
        + COLUMN_RULES_FAILURE)
    assert describe_test(generic("column_rules", "warn", values=[{"column": "scope", "values": ["A"]}],
                                 ranges=[{"column": "n", "min_value": 0}])).endswith(
        "the result counts the distinct unexpected values. The figures are the source system's own, kept as "
        "delivered, and their rows still load; the result counts the values out of range.")
    # its own description wins, then meta.description; a warn test of another kind says why it only warns
    assert describe_test({**generic("unique", column_name="x"), "description": " Own.\n"}) == "Own."
    assert describe_test({**generic("unique", column_name="x"), "meta": {"description": "Meta."}}) == "Meta."
    assert describe_test(generic("accepted_values", "warn", column_name="scope", values=["A"])).endswith(
        "the result counts the distinct unexpected values.")
    assert describe_test({"name": "odd", "config": {}, "test_metadata": {"name": "custom", "kwargs": {}}}) == (
        "dbt test odd: the rows its SQL returns are failures.")

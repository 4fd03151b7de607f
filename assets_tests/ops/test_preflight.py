"""The preflight (issue 15, point 10): what a run understood of the data, in its log and in
the Dagster metadata, and a plain sentence instead of a crash where nothing can be coached.

The tiny org (landing.py): Ada (AE by the role field Sales_Role__c, manager Max), Max (no role
field value; UserRole 'Sales Manager' matches the default pattern Manager, so MANAGER, and he
has no manager). The agents org is a real data set's shape: no role field values, UserRole
names 'Sales Agent' (Ada, Bea) and 'Sales Manager' (Max): the default patterns make Max a
manager and nobody a seller. Its hostile variant also delivers a User column the spec does
not declare (Nickname__c), a user row with an implausible Id (quarantined) and an Account
file without its Id column (rejected).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from dagster import DagsterInstance
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from coaching_pipeline import config, preflight
from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.jobs import WEEKLY
from coaching_pipeline.paths import resolve_paths
from coaching_pipeline.runner import failure_lines

from ..landing import CRM_ROWS, write_crm, write_small_landing
from ..warehouse import build_warehouse

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("preflight")

AS_OF = dt.date(2025, 1, 24)  # the Friday after the tiny org's last event (2025-01-22)
U3 = "005000000000000CCC"
AGENT_ROLE, MANAGER_ROLE = "00E000000000001AAA", "00E000000000002AAA"

NOTHING_TO_COACH = (
    "Nothing can be coached: 0 of 3 users resolved to a sales role (AE, AM, CSM, SDR). Their UserRole names are "
    "'Sales Agent', 'Sales Manager'; set crm.role_patterns (settings.yaml, COACHING_CONFIG) to map them.")


def write_agents_landing(landing, hostile: bool = False) -> None:
    write_small_landing(landing)
    ada, max_ = ({**row, "Sales_Role__c": ""} for row in CRM_ROWS["User"])
    bea = {**ada, "Id": U3, "Name": "Bea Rep", "Email": "bea@vendor.example"}
    users = [ada, max_, bea]
    if hostile:
        users = [{**u, "Nickname__c": u["Name"].split()[0]} for u in users]
        users.append({**bea, "Id": "not-an-id", "Name": "Bad Row", "Nickname__c": ""})
        write_crm(landing, "Account", [{"Name": "No Id Inc"}], suffix="noid")
    write_crm(landing, "User", users)
    write_crm(landing, "UserRole", [
        {"Id": AGENT_ROLE, "Name": "Sales Agent", "ParentRoleId": MANAGER_ROLE},
        {"Id": MANAGER_ROLE, "Name": "Sales Manager", "ParentRoleId": ""},
    ])


@pytest.fixture(scope="module")
def agents(tmp_path_factory):
    root = tmp_path_factory.mktemp("agents")
    write_agents_landing(root / "landing", hostile=True)
    return build_warehouse(root / "landing", root / "w.duckdb", AS_OF)


@pytest.fixture
def agents_mapped(tmp_path, monkeypatch):
    """COACHING_CONFIG maps the agents org's UserRole names."""
    override = tmp_path / "settings.yaml"
    override.write_text("crm:\n  role_patterns:\n    - {pattern: 'Sales Agent', role: AE}\n"
                        "    - {pattern: 'Manager', role: MANAGER}\n")
    monkeypatch.setenv("COACHING_CONFIG", str(override))
    config.settings.cache_clear()
    write_agents_landing(tmp_path / "landing")
    yield build_warehouse(tmp_path / "landing", tmp_path / "w.duckdb", None)
    config.settings.cache_clear()


def test_the_tiny_org_preflight(tmp_path):
    warehouse = build_warehouse(write_small_landing(tmp_path / "landing"), tmp_path / "w.duckdb", AS_OF)
    report = preflight.read(warehouse)
    assert report.lines() == [
        "Preflight: 2 users: 1 seller, 1 manager, 0 without a role",
        "  sellers by role: AE 1 (role field Sales_Role__c 1)",
        "  managers: 1 (UserRole name 1)",
        "  without a role: none",
        "  managers without a manager (their sellers' escalations go to them): 'Max Manager'",
        "  as_of 2025-01-24: set for this run (--as-of or COACHING_AS_OF); latest event 2025-01-22",
        "  files rejected: none",
        "  rows in raw.quarantine: 0",
        "  columns delivered that the landing-zone spec does not declare (kept in raw, not used): none",
    ]
    assert report.nothing_to_coach is None
    # as the dbt step runs without --as-of: it passes the latest event date it found
    build_warehouse(tmp_path / "landing", tmp_path / "w.duckdb", dt.date(2025, 1, 22))
    assert preflight.read(warehouse).lines()[5] == (
        "  as_of 2025-01-22: the latest event loaded (activity, Task, Event, Gong call or closed deal)")
    assert report.markdown().splitlines()[:3] == [
        "**Preflight: 2 users: 1 seller, 1 manager, 0 without a role**", "",
        "- sellers by role: AE 1 (role field Sales\\_Role\\_\\_c 1)"]


def test_an_org_whose_role_names_match_no_pattern_is_told_what_was_understood(agents):
    report = preflight.read(agents)
    assert report.lines() == [
        "Preflight: 3 users: 0 sellers, 1 manager, 2 without a role",
        "  sellers by role: none",
        "  managers: 1 (UserRole name 1)",
        "  without a role: 2 (UserRole names 'Sales Agent' (2))",
        "  managers without a manager (their sellers' escalations go to them): none",
        "  as_of 2025-01-24: set for this run (--as-of or COACHING_AS_OF); latest event 2025-01-22",
        "  files rejected: crm/Account__noid.csv: missing required column 'Id' (or 'id'); nothing loaded from this file",
        "  rows in raw.quarantine: 1 (user 1)",
        "  columns delivered that the landing-zone spec does not declare (kept in raw, not used): "
        "raw.user: nickname_c",
    ]
    assert report.nothing_to_coach == NOTHING_TO_COACH


def test_the_weekly_coaching_fails_at_once_with_the_sentence(agents, tmp_path):
    paths = resolve_paths(str(tmp_path / "landing"), str(agents), str(tmp_path / "out"), AS_OF.isoformat())
    with DagsterInstance.ephemeral() as instance:
        result = build_definitions(paths).resolve_job_def(WEEKLY).execute_in_process(
            instance=instance, raise_on_error=False,
            tags={ASSET_PARTITION_RANGE_START_TAG: "2025-01-20", ASSET_PARTITION_RANGE_END_TAG: "2025-01-20"})
    assert not result.success
    assert failure_lines([result]) == [f"  step weekly_coaching failed: {NOTHING_TO_COACH}"]
    failure = next(e for e in result.all_events if e.is_step_failure).event_specific_data.user_failure_data
    assert failure.metadata["preflight"].value.startswith("**Preflight: 3 users: 0 sellers,")


def test_role_patterns_set_in_coaching_config_resolve_the_sellers(agents_mapped, tmp_path):
    report = preflight.read(agents_mapped)
    assert report.lines()[:5] == [
        "Preflight: 3 users: 2 sellers, 1 manager, 0 without a role",
        "  sellers by role: AE 2 (UserRole name 2)",
        "  managers: 1 (UserRole name 1)",
        "  without a role: none",
        "  managers without a manager (their sellers' escalations go to them): 'Max Manager'",
    ]
    assert report.lines()[5] == ("  as_of 2025-01-22: the latest event loaded "
                                 "(activity, Task, Event, Gong call or closed deal)")
    assert report.nothing_to_coach is None
    # the weekly coaching then assesses both sellers, the preflight in its metadata
    paths = resolve_paths(str(tmp_path / "landing"), str(agents_mapped), str(tmp_path / "out"), "2025-01-22")
    with DagsterInstance.ephemeral() as instance:
        result = build_definitions(paths).resolve_job_def(WEEKLY).execute_in_process(
            instance=instance, raise_on_error=False,
            tags={ASSET_PARTITION_RANGE_START_TAG: "2025-01-20", ASSET_PARTITION_RANGE_END_TAG: "2025-01-20"})
    assert result.success, failure_lines([result])
    meta = next(e.event_specific_data.materialization.metadata for e in result.all_events
                if e.is_step_materialization and e.asset_key.path == ["coaching", "skill_assessment_log"])
    assert meta["rows_written"].value == 2 * 7  # six skills and overall per seller
    assert meta["preflight"].value.startswith("**Preflight: 3 users: 2 sellers, 1 manager, 0 without a role**")


def test_coaching_run_prints_the_preflight_and_exits_1_with_the_sentence(tmp_path):
    write_agents_landing(tmp_path / "landing")
    home = tmp_path / "dagster_home"
    home.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "coaching_pipeline.cli", "run", "--landing", str(tmp_path / "landing"),
         "--warehouse", str(tmp_path / "w.duckdb"), "--as-of", AS_OF.isoformat(), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=600, env={**os.environ, "DAGSTER_HOME": str(home)},
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.rstrip().splitlines()
    assert "Preflight: 3 users: 0 sellers, 1 manager, 2 without a role" in lines
    assert "  without a role: 2 (UserRole names 'Sales Agent' (2))" in lines
    assert lines[-1] == f"  step weekly_coaching failed: {NOTHING_TO_COACH}"
    assert "concat" not in proc.stdout + proc.stderr

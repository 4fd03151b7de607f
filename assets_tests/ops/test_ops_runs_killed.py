"""A nightly run killed with SIGKILL during the dbt build, then re-executed from failure, on
a Dagster instance backed by a real PostgreSQL server (Debian's package, started on
127.0.0.1 for the scenario), ending with the same warehouse as the uninterrupted run of
test_ops_runs.py; both runs are read back from Postgres. Like the scenarios there, it runs
once per test session (`once_per_session`)."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, ReexecutionOptions, RunsFilter, execute_job, reconstructable

from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.paths import published_path

from ..landing import write_small_landing
from ..postgres import Postgres
from .test_ops_runs import (
    PUBLISHED_MARTS,
    coaching_env,
    nightly_job_from_env,
    once_per_session,
    pg_instance_home,
    uninterrupted_scenario,
    warehouse_tables,
)

pytestmark = pytest.mark.xdist_group("ops_runs")


@pytest.fixture
def uninterrupted(tmp_path_factory, worker_id):
    """The reference run of test_ops_runs.py (computed once per session, shared)."""
    return once_per_session(tmp_path_factory, worker_id, "ops_uninterrupted", uninterrupted_scenario)


# ---------------------------------------------------------------- killed and re-executed


def _dbt_models_built(target: Path) -> int:
    return sum(log.read_text(errors="replace").count('"code": "Q012"') for log in target.glob("dbt_models-*/dbt.log"))


def killed_scenario(folder: Path) -> dict:
    """The nightly job started by `dagster job execute` on a Postgres-backed instance, killed
    (SIGKILL to its process group: Dagster and dbt) once dbt has built a few models; the run
    marked failed, then re-executed from failure; then both runs read back from Postgres."""
    server = Postgres()
    try:
        server.start()
        home = pg_instance_home(folder, server)
        landing = write_small_landing(folder / "landing")
        warehouse = folder / "warehouse" / "coaching.duckdb"
        target = folder / "dbt_target"
        env = {**os.environ, **server.env, "DAGSTER_HOME": str(home), "DBT_TARGET_PATH": str(target),
               **coaching_env(landing, warehouse)}
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "coaching_pipeline.definitions",
             "-j", "nightly", "--tags", json.dumps({"ops_test": "killed"})],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 400
            while _dbt_models_built(target) < 5:
                assert proc.poll() is None, "the run ended before it could be killed"
                assert time.monotonic() < deadline, "dbt never started"
                time.sleep(0.2)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out = {"warehouse": str(warehouse), "published_after_kill": published_path(warehouse).exists()}

        with pytest.MonkeyPatch.context() as mp:
            for key, value in {**server.env, **coaching_env(landing, warehouse), "DBT_TARGET_PATH": str(target)}.items():
                mp.setenv(key, value)
            with DagsterInstance.from_config(str(home)) as instance:
                [killed] = instance.get_runs(RunsFilter(tags={"ops_test": "killed"}))
                out["status_after_kill"] = killed.status.value
                # What an operator does for a run whose process died: mark it ended (the UI's
                # Terminate marks it canceled), then re-execute from failure.
                instance.report_run_failed(killed, message="run worker killed (SIGKILL) during the dbt build")
                result = execute_job(reconstructable(nightly_job_from_env), instance,
                                     reexecution_options=ReexecutionOptions.from_failure(killed.run_id, instance))
                out.update(parent_run_id=killed.run_id, run_id=result.run_id, success=result.success,
                           steps=sorted(e.step_key for e in result.all_events
                                        if e.event_type_value == "STEP_SUCCESS"))
            # read back through Dagster, from a new instance on the same configuration ...
            with DagsterInstance.from_config(str(home)) as instance:
                run = instance.get_run_by_id(result.run_id)
                [published] = instance.fetch_materializations(PUBLISHED_MARTS, limit=1).records
                out["dagster"] = {
                    "run_storage": type(instance.run_storage).__name__,
                    "run": [run.job_name, run.status.value, run.parent_run_id],
                    "parent_status": instance.get_run_by_id(killed.run_id).status.value,
                    "published_by": published.run_id,
                    "tables_published": published.asset_materialization.metadata["tables_published"].value,
                }
        # ... and straight from the server's tables
        with contextlib.closing(server.connect()) as con:
            cur = con.cursor()
            cur.execute("select run_id, pipeline_name, status from runs order by create_timestamp")
            out["pg_runs"] = [list(r) for r in cur.fetchall()]
            cur.execute("select run_id, count(*) from event_logs where dagster_event_type = 'STEP_SUCCESS' group by 1")
            out["pg_step_successes"] = dict(cur.fetchall())
        return out
    finally:
        server.stop()


@pytest.fixture
def killed(tmp_path_factory, worker_id):
    return once_per_session(tmp_path_factory, worker_id, "ops_killed", killed_scenario)


def test_a_killed_run_is_left_unfinished_and_publishes_nothing(killed):
    assert killed["status_after_kill"] == "STARTED"  # nobody was left to record an end
    assert killed["published_after_kill"] is False
    assert killed["dagster"]["parent_status"] == "FAILURE"


def test_reexecution_from_failure_reruns_only_what_did_not_finish(killed):
    assert killed["success"]
    # ingestion finished before the kill: it is not run again
    assert killed["steps"] == ["coaching__daily_flags", "dbt_models", "warehouse__published_marts"]


def test_both_runs_are_read_back_from_postgres(killed):
    parent, child = killed["parent_run_id"], killed["run_id"]
    assert killed["dagster"] == {
        "run_storage": "PostgresRunStorage",
        "run": ["nightly", "SUCCESS", parent],
        "parent_status": "FAILURE",
        "published_by": child,
        "tables_published": 17,  # 8 marts, 7 coaching, 2 ops
    }
    assert killed["pg_runs"] == [[parent, "nightly", "FAILURE"], [child, "nightly", "SUCCESS"]]
    # the killed run: the landing-zone step, the 25 ingestion steps and applying the
    # decisions store; the re-execution: dbt, daily flags, publish
    assert killed["pg_step_successes"] == {parent: 27, child: 3}


def test_killed_and_reexecuted_run_ends_like_the_uninterrupted_run(killed, uninterrupted):
    expected = warehouse_tables(Path(uninterrupted["warehouse"]))
    actual = warehouse_tables(Path(killed["warehouse"]))
    assert sorted(actual) == sorted(expected)  # no table left behind by the kill (dbt temp relations)
    assert "marts.rep_performance" in actual and "raw._loaded_files" in actual
    for table in expected:
        assert actual[table] == expected[table], table

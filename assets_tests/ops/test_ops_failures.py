"""A failed dbt build names the model at fault in the run's error (ops read it in the UI's
run view and in `coaching run`'s summary)."""

import duckdb
from dagster import AssetKey, DagsterInstance

from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.paths import resolve_paths

from ..landing import write_small_landing
from ..warehouse import load_raw
from .test_ops_runs import error_text

AS_OF = "2025-01-31"


def test_a_failing_model_is_named_in_the_run_error(tmp_path, monkeypatch):
    landing = write_small_landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse" / "coaching.duckdb"
    load_raw(landing, warehouse)
    # A raw table replaced by one without the columns the staging model selects.
    con = duckdb.connect(str(warehouse))
    con.execute("create or replace table raw.gong_users as select 1 as unexpected")
    con.close()
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    defs = build_definitions(resolve_paths(str(landing), str(warehouse), str(tmp_path / "output"), AS_OF))
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(
            instance=instance, raise_on_error=False,
            asset_selection=[AssetKey(["staging", "stg_gong__users"]), AssetKey(["staging", "stg_gong__calls"])],
        )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = error_text(failure.event_specific_data.error)
    assert "dbt build failed: model.coaching.stg_gong__users (error)" in message
    assert "stg_gong__calls (error)" not in message  # the model that built is not blamed

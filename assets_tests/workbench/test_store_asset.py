# ruff: noqa: F811
"""The coaching/applied_decisions asset: the first step of the nightly and weekly jobs, which
the daily flags and the weekly coaching log depend on; it opens the store at step time."""

from __future__ import annotations

import datetime as dt

import pytest
from dagster import AssetKey, materialize

from coaching_pipeline.assets.decisions_store import APPLIED_DECISIONS, applied_decisions
from coaching_pipeline.definitions import defs
from coaching_pipeline.resources import Warehouse
from coaching_pipeline.workbench.store import decide, open_store

from .store_world import world  # noqa: F401

pytestmark = pytest.mark.xdist_group("workbench_store")


def test_both_jobs_apply_the_store_before_the_coaching_steps():
    graph = defs.resolve_asset_graph()
    assert APPLIED_DECISIONS in graph.get(AssetKey(["coaching", "daily_flags"])).parent_keys
    assert APPLIED_DECISIONS in graph.get(AssetKey(["coaching", "coaching_log"])).parent_keys
    for job in ("nightly", "weekly_coaching_job"):
        assert "coaching__applied_decisions" in {n.name for n in defs.resolve_job_def(job).graph.node_defs}, job


def test_the_asset_applies_the_configured_store(world, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = open_store(url)
    decide(store, world.facts, world.events["R1 discovery"], "M1", "approved", at=dt.datetime(2025, 1, 8, 9))
    store.close()
    monkeypatch.setenv("COACHING_DATABASE_URL", url)  # read at step time
    result = materialize([applied_decisions], resources={"warehouse": Warehouse(path=str(world.warehouse))})
    assert result.success
    metadata = result.asset_materializations_for_node("coaching__applied_decisions")[0].metadata
    assert (metadata["decisions_applied"].value, metadata["store_rows_marked"].value) == (1, 1)
    assert world.warehouse_rows("select approval_status from coaching.coaching_log where coaching_id = ?",
                                [world.events["R1 discovery"]]) == [("approved",)]


def test_without_a_store_the_asset_creates_none(world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COACHING_DATABASE_URL", raising=False)
    result = materialize([applied_decisions], resources={"warehouse": Warehouse(path=str(world.warehouse))})
    assert result.success and not (tmp_path / "data" / "app").exists()

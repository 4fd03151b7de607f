"""The code location loads as `dagster dev` loads it, with the expected lineage."""

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.definitions import defs


def test_definitions_load_from_the_workspace_file(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All code locations passed validation" in proc.stdout + proc.stderr


def test_every_staging_model_is_downstream_of_its_ingestion_asset():
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    raw = {k for k in keys if k.path[0] == "raw"}
    # one per landing-zone object (21, and since issue 20 OpportunityLineItem, Contract, cs/health
    # and cs/onboarding); landing/extract_files runs before them
    assert len(raw) == 25
    staging = {k for k in keys if k.path[0] == "staging"}
    assert staging, "no staging models"
    for key in staging:
        parents = graph.get(key).parent_keys
        assert parents and parents <= raw | staging, key
    assert graph.get(AssetKey(["staging", "stg_gong__calls"])).parent_keys == {AssetKey(["raw", "gong_calls"])}
    assert graph.get(AssetKey(["staging", "stg_cs__health_snapshots"])).parent_keys == {AssetKey(["raw", "cs_health"])}


def test_assets_are_grouped_by_layer():
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"raw", "staging"} <= groups


def test_every_writer_is_in_the_single_writer_pool():
    for node in defs.resolve_all_job_defs()[0].graph.node_defs:
        assert node.pool == "duckdb_writer", node.name


def test_dbt_project_var_defaults_match_the_settings_file():
    import yaml

    from coaching_pipeline.resources.dbt import dbt_vars

    project = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    assert project["vars"] == {"as_of": None, **dbt_vars()}


def test_a_current_manifest_is_not_parsed_again(monkeypatch):
    """Definitions load (every `dagster dev` reload) must not wait for `dbt parse`."""
    from coaching_pipeline.resources import dbt as dbt_resource

    manifest = dbt_resource.ensure_manifest()  # current after this call

    def no_parse(*args, **kwargs):
        raise AssertionError(f"dbt parse ran again: {args}")

    monkeypatch.setattr(dbt_resource.subprocess, "run", no_parse)
    assert dbt_resource.ensure_manifest() == manifest


def test_a_full_refresh_of_the_incremental_models_is_one_run_config_away():
    from dagster import validate_run_config

    from coaching_pipeline.assets.dbt import DbtBuildConfig, build_args

    assert build_args(DbtBuildConfig())[:3] == ["build", "--log-level-file", "info"]
    assert build_args(DbtBuildConfig(full_refresh=True))[:2] == ["build", "--full-refresh"]
    nightly = defs.resolve_job_def("nightly")
    validate_run_config(nightly, {"ops": {"dbt_models": {"config": {"full_refresh": True}}}})
    # A nightly run needs no config at all.
    validate_run_config(nightly, {})

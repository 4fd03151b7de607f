"""The Dagster instance configuration written by `python -m coaching_pipeline.instance`:
the repository's dagster.yaml (SQLite in DAGSTER_HOME), plus PostgreSQL storage read from
the environment when DAGSTER_PG_HOST is set."""

import os
import subprocess
import sys

import pytest
import yaml
from dagster import DagsterInstance

from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.instance import InstanceConfigError, instance_config, write_instance_config

PG = {"DAGSTER_PG_HOST": "db.internal", "DAGSTER_PG_USERNAME": "dagster", "DAGSTER_PG_PASSWORD": "pw",
      "DAGSTER_PG_DB": "dagster", "DAGSTER_PG_PORT": "6543"}


def test_without_postgres_settings_the_instance_is_the_repository_file():
    assert instance_config({}) == yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    assert "storage" not in instance_config({})


def test_with_postgres_settings_storage_reads_them_from_the_environment():
    storage = instance_config(PG)["storage"]["postgres"]["postgres_db"]
    assert storage == {
        "hostname": {"env": "DAGSTER_PG_HOST"},
        "port": {"env": "DAGSTER_PG_PORT"},
        "username": {"env": "DAGSTER_PG_USERNAME"},
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "db_name": {"env": "DAGSTER_PG_DB"},
        "scheme": "postgresql+psycopg2",
    }
    # the rest of the repository file is kept
    assert instance_config(PG)["concurrency"] == instance_config({})["concurrency"]


def test_optional_postgres_settings_get_their_defaults():
    env = {k: v for k, v in PG.items() if k not in ("DAGSTER_PG_PORT", "DAGSTER_PG_PASSWORD")}
    storage = instance_config(env)["storage"]["postgres"]["postgres_db"]
    assert storage["port"] == 5432
    assert "password" not in storage


def test_a_missing_required_postgres_setting_is_named():
    with pytest.raises(InstanceConfigError, match="DAGSTER_PG_USERNAME, DAGSTER_PG_DB"):
        instance_config({"DAGSTER_PG_HOST": "db.internal"})


def test_the_command_replaces_an_old_symlink_without_touching_the_template(tmp_path):
    template = (REPO_ROOT / "dagster.yaml").read_text()
    (tmp_path / "dagster.yaml").symlink_to(REPO_ROOT / "dagster.yaml")  # what older setups left
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAGSTER_PG_")}
    proc = subprocess.run([sys.executable, "-m", "coaching_pipeline.instance", "--home", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"SQLite in {tmp_path}" in proc.stdout
    assert not (tmp_path / "dagster.yaml").is_symlink()
    assert (REPO_ROOT / "dagster.yaml").read_text() == template


def test_the_written_instance_loads_with_one_writer_run_at_a_time(tmp_path):
    write_instance_config(tmp_path, {})
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert pools.pool_granularity.value == "run"

"""Shared fixtures. The default sample (scale S) is generated, loaded and built by dbt
once per test session; tests that change a warehouse work on a copy of it."""

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest
from coaching_sample_generator import generate_landing_zone
from dagster import DagsterInstance

from coaching_pipeline.db import open_warehouse
from coaching_pipeline.ingest import configured_objects, loader
from coaching_pipeline.instance import write_instance_config

from .landing import write_small_landing
from .warehouse import dbt

SAMPLE_AS_OF = dt.date(2026, 11, 13)


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory):
    """The S sample (seed 42) loaded into raw: (landing, warehouse, first load results)."""
    root = tmp_path_factory.mktemp("sample")
    landing = root / "landing"
    generate_landing_zone(landing, scale="S", seed=42, as_of=SAMPLE_AS_OF)
    warehouse = root / "coaching.duckdb"
    con = open_warehouse(warehouse)
    first = {obj.name: loader.load_object(con, landing, obj) for obj in configured_objects()}
    con.close()  # dbt needs the file to itself
    return landing, warehouse, first


@pytest.fixture(scope="session")
def sample_built(sample_raw):
    """The S sample after a full `dbt build`: (landing, warehouse, dbt stdout)."""
    landing, warehouse, _ = sample_raw
    result = dbt(["build"], warehouse, SAMPLE_AS_OF)  # raises on any error
    return landing, warehouse, result.stdout


@pytest.fixture(scope="session")
def not_delivered_orgs(tmp_path_factory):
    """(test_sources_not_delivered, test_digest_missing_data: both in the xdist group
    "not_delivered", so the three dbt builds run once.) shape -> the warehouse of that shape
    of assets_tests/dbt/crm_only_org.py after a full `dbt build`; tests that write copy it."""
    from .dbt.crm_only_org import AS_OF, write_landing
    from .warehouse import load_raw

    built = {}
    for shape in ("crm_only", "delivered", "bare"):
        root = tmp_path_factory.mktemp(f"not_delivered_{shape}")
        write_landing(root / "landing", shape)
        warehouse = root / "warehouse" / "warehouse.duckdb"
        load_raw(root / "landing", warehouse)
        # every test runs, the singular ones on deal facts and health included: a failure fails here
        dbt(["build"], warehouse, AS_OF)
        built[shape] = warehouse
    return built


@pytest.fixture
def sample_copy(sample_built, tmp_path):
    """A private copy of the built sample warehouse: (landing, warehouse)."""
    landing, warehouse, _ = sample_built
    copy = tmp_path / "warehouse" / "coaching.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    return landing, copy


@pytest.fixture(scope="session")
def coaching_run(tmp_path_factory):
    """(test_pipeline, test_ops_runbook: both in the xdist group "pipeline", so it runs once.)
    One `coaching run` end to end on the small landing zone plus a broken extract, into a
    warehouse with an odd name, its Dagster instance in a temporary DAGSTER_HOME (as `make
    run` keeps it for the UI): (process, warehouse, output folder, events by job name)."""
    root = tmp_path_factory.mktemp("pipeline")
    landing = write_small_landing(root / "landing")
    (landing / "crm" / "Opportunity__broken.csv").write_text("Id,Name\n006X,No owner column\n")
    warehouse = root / "any dir" / "my.warehouse.v2.duckdb"
    home = root / "dagster_home"
    write_instance_config(home, {})  # as `make setup` writes it (local SQLite, no onboarding modal)
    proc = subprocess.run(
        [sys.executable, "-m", "coaching_pipeline.cli", "run", "--landing", str(landing),
         "--warehouse", str(warehouse), "--as-of", "2025-01-31", "--output", str(root / "out")],
        capture_output=True, text=True, timeout=600, env={**os.environ, "DAGSTER_HOME": str(home)},
    )
    events = {}
    with DagsterInstance.from_config(str(home)) as instance:
        for record in instance.get_run_records():
            run = record.dagster_run
            events[run.job_name] = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event]
    return proc, warehouse, root / "out", events

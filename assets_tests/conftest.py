"""Shared fixtures. The default sample (scale S) is generated, loaded and built by dbt
once per test session; tests that change a warehouse work on a copy of it."""

import datetime as dt
import shutil

import pytest

from coaching_pipeline.db import open_warehouse
from coaching_pipeline.generate import generate_landing_zone
from coaching_pipeline.ingest import configured_objects, loader

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


@pytest.fixture
def sample_copy(sample_built, tmp_path):
    """A private copy of the built sample warehouse: (landing, warehouse)."""
    landing, warehouse, _ = sample_built
    copy = tmp_path / "warehouse" / "coaching.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    return landing, copy

"""The code location's paths (interfaces contract, "Dagster"): importing the definitions
bakes no path in; each resource resolves its COACHING_* variable, else the default, when a
step uses it, and a path given to build_definitions (`coaching run`, tests) wins."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import materialize

from coaching_pipeline.assets.landing import extract_files
from coaching_pipeline.config import FutureAsOf
from coaching_pipeline.definitions import build_definitions, defs
from coaching_pipeline.paths import resolve_paths

from ..landing import write_small_landing

VARIABLES = ("COACHING_LANDING_DIR", "COACHING_WAREHOUSE", "COACHING_OUTPUT_DIR", "COACHING_AS_OF")


@pytest.fixture
def no_path_variables(monkeypatch, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_code_location_configures_no_path(no_path_variables):
    resources = defs.resources
    assert (resources["warehouse"].path, resources["landing"].path) == (None, None)
    assert (resources["run"].output_dir, resources["run"].as_of) == (None, None)
    # what the Dagster UI's resource page says instead of a value
    assert "COACHING_WAREHOUSE" in type(resources["warehouse"]).model_fields["path"].description


def test_unset_variables_give_the_defaults_below_the_working_folder(no_path_variables):
    root = no_path_variables
    resources = build_definitions().resources
    assert resources["warehouse"].file == root / "data" / "warehouse" / "warehouse.duckdb"
    assert resources["landing"].folder == root / "data" / "landing"
    assert resources["run"].output == root / "data" / "output"
    assert resources["run"].as_of_date() is None


def test_variables_set_after_the_import_are_what_a_step_uses(no_path_variables, monkeypatch):
    root = no_path_variables
    landing = write_small_landing(root / "extracts")
    monkeypatch.setenv("COACHING_LANDING_DIR", str(landing))
    monkeypatch.setenv("COACHING_WAREHOUSE", str(root / "wh" / "nightly.duckdb"))
    monkeypatch.setenv("COACHING_AS_OF", "2025-01-31")
    resources = defs.resources
    result = materialize([extract_files], resources={"warehouse": resources["warehouse"], "landing": resources["landing"]})
    metadata = result.asset_materializations_for_node("landing__extract_files")[0].metadata
    assert metadata["landing_zone"].path == str(landing)
    # the small landing zone: 1 activity-log file, 12 CRM objects, 5 Gong pages
    assert metadata["files_per_folder"].value == {"activity": 1, "crm": 12, "gong": 5}
    assert (root / "wh" / "nightly.duckdb").exists()
    assert resources["run"].as_of_date() == dt.date(2025, 1, 31)


def test_a_future_as_of_fails_the_run_not_the_code_location(no_path_variables, monkeypatch):
    monkeypatch.setenv("COACHING_AS_OF", "2099-01-01")
    with pytest.raises(FutureAsOf, match="as_of 2099-01-01 is after today"):
        defs.resources["run"].as_of_date()
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES} | {"COACHING_AS_OF": "2099-01-01"}
    loaded = subprocess.run(
        [sys.executable, "-c", "import json; from coaching_pipeline.definitions import defs; "
         "print(json.dumps(sorted(defs.resources)))"],
        env=env, cwd=no_path_variables, capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout.strip().splitlines()[-1]) == ["dbt", "landing", "run", "warehouse"]


def test_given_paths_win_over_the_environment(no_path_variables, monkeypatch):
    monkeypatch.setenv("COACHING_WAREHOUSE", "/nonexistent/elsewhere.duckdb")
    root = no_path_variables
    paths = resolve_paths(str(root / "l"), str(root / "w.duckdb"), str(root / "o"), "2025-01-31")
    resources = build_definitions(paths).resources
    assert resources["warehouse"].file == Path(root / "w.duckdb")
    assert (resources["landing"].folder, resources["run"].output) == (root / "l", root / "o")
    assert resources["run"].as_of_date() == dt.date(2025, 1, 31)

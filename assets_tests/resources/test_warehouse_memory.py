"""Every connection to the warehouse, the product's and dbt's, runs under the configured
DuckDB memory limit and spills beside the file (DuckDB's default, 80% of RAM, let one dbt
build at scale L take 12 GB), with the configured checkpoint threshold."""

import pydantic
import pytest
import yaml

from coaching_pipeline.config import DBT_PROJECT_DIR, load_settings
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.resources.dbt import dbt_env

from ..warehouse import dbt


def test_the_product_opens_the_warehouse_with_the_memory_limit_and_a_spill_folder_beside_it(tmp_path):
    warehouse = tmp_path / "coaching.duckdb"
    con = open_warehouse(warehouse)
    try:
        # 4GB in settings.yaml: DuckDB shows it in GiB.
        assert con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('checkpoint_threshold')"
        ).fetchone() == ("3.7 GiB", f"{warehouse}.tmp", "953.6 MiB")
    finally:
        con.close()


def test_dbt_runs_under_the_same_limit(tmp_path):
    warehouse = tmp_path / "coaching.duckdb"
    open_warehouse(warehouse).close()
    assert dbt_env(warehouse, None)["COACHING_DUCKDB_MEMORY_LIMIT"] == "4GB"
    output = dbt(["show", "--output", "json", "--inline", "select current_setting('memory_limit') as memory_limit, "
                  "current_setting('temp_directory') as temp_directory, "
                  "current_setting('checkpoint_threshold') as checkpoint_threshold"], warehouse, None).stdout
    assert '"memory_limit": "3.7 GiB"' in output
    assert '"checkpoint_threshold": "953.6 MiB"' in output
    assert f'"temp_directory": "{warehouse}.tmp"' in output


def test_a_memory_limit_duckdb_cannot_read_is_refused_when_the_settings_load(tmp_path):
    override = tmp_path / "settings.yaml"
    override.write_text(yaml.safe_dump({"warehouse": {"memory_limit": "four gigs"}}))
    with pytest.raises(pydantic.ValidationError, match="memory_limit"):
        load_settings(override)
    assert load_settings().warehouse.memory_limit == "4GB"
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    assert profile["coaching"]["outputs"]["warehouse"]["plugins"] == [{"module": "coaching_pipeline.dbt_warehouse_plugin"}]

"""dbt's raw-layer sources (dbt_project/models/staging/_sources.yml) are rendered from the
ingestion's object definitions (coaching_pipeline/ingest/dbt_sources.py): the committed
file is what the renderer gives, so a column or object added to objects.py without
regenerating the file (or without a description) fails here."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from coaching_pipeline.config import load_settings
from coaching_pipeline.ingest import dbt_sources, objects_for
from coaching_pipeline.ingest.objects import LOAD_METADATA_COLUMNS, TEXT, Column

REGENERATE = "python -m coaching_pipeline.ingest.dbt_sources"


def default_objects():
    return objects_for(load_settings().crm)


def test_the_committed_sources_file_is_what_the_object_definitions_render():
    committed = dbt_sources.SOURCES_FILE.read_text()
    assert committed == dbt_sources.render(), f"_sources.yml is not current: run `{REGENERATE}`"


def test_every_object_and_column_is_declared_in_the_loaders_order():
    declared = yaml.safe_load(dbt_sources.SOURCES_FILE.read_text())["sources"]
    assert [s["name"] for s in declared] == ["raw"]
    tables = {t["name"]: t for t in declared[0]["tables"]}
    objects = default_objects()
    assert list(tables) == [o.name for o in objects]
    for obj in objects:
        table = tables[obj.name]
        assert table["meta"]["dagster"]["asset_key"] == ["raw", obj.name]
        assert [c["name"] for c in table["columns"]] == [c.name for c in obj.columns] + list(LOAD_METADATA_COLUMNS)
        for column in table["columns"]:
            spec = obj.column(column["name"])
            assert column["description"].strip(), (obj.name, column["name"])
            assert column["description"].endswith(" Required.") == bool(spec and spec.required), (
                obj.name, column["name"])


def test_a_column_added_to_objects_py_without_a_description_fails_the_render():
    objects = default_objects()
    task = next(o for o in objects if o.name == "task")
    widened = [dataclasses.replace(o, columns=(*o.columns, Column("priority", TEXT))) if o is task else o
               for o in objects]
    with pytest.raises(ValueError, match=r"task\.priority: no description"):
        dbt_sources.render(widened)


def test_a_description_of_a_column_objects_py_dropped_fails_the_render():
    objects = default_objects()
    narrowed = [dataclasses.replace(o, columns=tuple(c for c in o.columns if c.name != "industry"))
                if o.name == "account" else o for o in objects]
    with pytest.raises(ValueError, match=r"account\.industry: described in COLUMNS but not a column"):
        dbt_sources.render(narrowed)


def test_the_check_command_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "_sources.yml"
    stale.write_text(dbt_sources.render().replace("Job title.", "Title."))
    assert dbt_sources.main(["--check", "--path", str(stale)]) == 1
    assert "NOT current" in capsys.readouterr().out
    assert dbt_sources.main(["--path", str(stale)]) == 0  # rewrites it
    assert dbt_sources.main(["--check", "--path", str(stale)]) == 0

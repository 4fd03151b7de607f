"""The names people type (interfaces contract, "Warehouse layout"): the default warehouse
and its published copy, analysts' `marts.<table>` and `coaching.<table>` in a plain DuckDB
connection, and `coaching run` on warehouses named like the schemas they hold."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from coaching_pipeline.cli import main
from coaching_pipeline.db import WarehouseLocked, open_warehouse
from coaching_pipeline.paths import ReservedWarehouseName, published_path, resolve_paths

from ..landing import write_small_landing

# The module fixture's two runs: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("warehouse_names")

# Warehouse file names a user may well pick: each is also a schema inside it.
SCHEMA_NAMED = ("marts.duckdb", "coaching.duckdb")


def test_default_paths(tmp_path, monkeypatch):
    for var in ("COACHING_LANDING_DIR", "COACHING_WAREHOUSE", "COACHING_OUTPUT_DIR", "COACHING_AS_OF"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    paths = resolve_paths()
    assert paths.warehouse == tmp_path / "data" / "warehouse" / "warehouse.duckdb"
    assert paths.published == tmp_path / "data" / "warehouse" / "analytics.duckdb"
    assert paths.landing == tmp_path / "data" / "landing" and paths.output == tmp_path / "data" / "output"


def test_an_install_with_the_old_default_warehouse_is_told_to_rename_it(tmp_path, monkeypatch):
    for var in ("COACHING_WAREHOUSE", "COACHING_AS_OF"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "data" / "warehouse" / "coaching.duckdb"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"")
    new = old.with_name("warehouse.duckdb")
    result = CliRunner().invoke(main, ["approvals", "list"])
    assert (result.exit_code, result.output) == (1, (
        f"Error: found the warehouse at the old default {old} and none at the new default {new}: rename it "
        f"(mv {old} {new}, and its .wal file if there is one) or keep it with --warehouse {old} "
        "(or COACHING_WAREHOUSE)\n"))
    assert resolve_paths(warehouse=str(old)).warehouse == old  # named explicitly: used as it is
    new.write_bytes(b"")
    assert resolve_paths().warehouse == new  # both there: the new default wins


def test_the_published_copy_is_beside_whatever_warehouse_is_used():
    assert published_path("/srv/wh/marts.duckdb") == Path("/srv/wh/analytics.duckdb")
    assert published_path(Path("/srv/wh/my.warehouse.v2.duckdb")) == Path("/srv/wh/analytics.duckdb")
    assert resolve_paths(warehouse="/srv/x/coaching.duckdb").published == Path("/srv/x/analytics.duckdb")


def test_a_warehouse_named_like_its_published_copy_is_refused_before_anything_runs(tmp_path):
    warehouse = tmp_path / "analytics.duckdb"
    with pytest.raises(ReservedWarehouseName, match="cannot be called analytics.duckdb"):
        resolve_paths(warehouse=str(warehouse))
    result = CliRunner().invoke(main, ["run", "--landing", str(tmp_path), "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: the warehouse cannot be called analytics.duckdb ({warehouse}): the copy published for "
        "analysts takes that name beside it; any other name works (default warehouse.duckdb)\n")
    assert not warehouse.exists()


def test_the_locked_warehouse_message_names_the_published_copy():
    message = str(WarehouseLocked("/srv/x/marts.duckdb", "Conflicting lock is held in /usr/bin/python3 (PID 7)"))
    assert message == ("warehouse /srv/x/marts.duckdb is locked by another process (/usr/bin/python3, PID 7): "
                       "wait for that run to finish or stop it; analysts should open the published file "
                       "/srv/x/analytics.duckdb instead")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`coaching run` on the small landing zone into x/marts.duckdb and x/coaching.duckdb (two
    folders): {file name: (process, warehouse)}. One after the other: two processes that both
    find the dbt manifest out of date would both re-parse it into the same file."""
    root = tmp_path_factory.mktemp("names")
    landing = write_small_landing(root / "landing")
    # An ephemeral Dagster instance each, the template narrative, nothing from the caller's runs.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COACHING_", "ANTHROPIC_")) and k != "DAGSTER_HOME"}
    done = {}
    for name in SCHEMA_NAMED:
        warehouse = root / name.split(".")[0] / "x" / name
        done[name] = subprocess.run(
            [sys.executable, "-m", "coaching_pipeline.cli", "run", "--landing", str(landing),
             "--warehouse", str(warehouse), "--as-of", "2025-01-31", "--output", str(warehouse.parent / "out")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=900), warehouse
    return done


@pytest.mark.parametrize("name", SCHEMA_NAMED)
def test_coaching_run_completes_and_publishes_analytics_beside_it(runs, name):
    proc, warehouse = runs[name]
    assert proc.returncode == 0, proc.stdout[-3000:]
    analytics = warehouse.with_name("analytics.duckdb")
    assert f"Published for analysts (schemas marts, coaching, ops): {analytics}\n" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Finished in ")
    # the warehouse is still the warehouse (publishing never lands on it), read by the
    # product's own connection whatever the file is called
    con = open_warehouse(warehouse, read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("raw.opportunity", "marts.rep_performance", "coaching.coaching_log",
                            "coaching.skill_assessment_log")}
    finally:
        con.close()
    assert counts["raw.opportunity"] == 1 and counts["marts.rep_performance"] == 1
    assert counts["coaching.skill_assessment_log"] > 0
    assert sorted(p.name for p in warehouse.parent.glob("*.duckdb")) == sorted({"analytics.duckdb", name})


@pytest.mark.parametrize("name", SCHEMA_NAMED)
def test_an_analyst_types_schema_dot_table_in_a_plain_connection(runs, name):
    _, warehouse = runs[name]
    con = duckdb.connect(str(warehouse.with_name("analytics.duckdb")), read_only=True)
    try:
        # as an analyst types them
        rep_performance = con.execute("select count(*) from marts.rep_performance").fetchone()[0]
        coaching_log = con.execute("select count(*) from coaching.coaching_log").fetchone()[0]
        assessments = con.execute("select count(*) from coaching.skill_assessment_log").fetchone()[0]
        published = dict(con.execute("select table_schema || '.' || table_name, row_count from marts.publication"
                                     ).fetchall())
        as_of = {r[0] for r in con.execute("select as_of from marts.publication").fetchall()}
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert rep_performance == 1  # the small landing zone's one seller
    assert (published["marts.rep_performance"], published["coaching.coaching_log"],
            published["coaching.skill_assessment_log"]) == (rep_performance, coaching_log, assessments)
    assert {str(d) for d in as_of} == {"2025-01-31"}
    assert schemas == {"marts", "coaching", "ops"}  # ops: the ingestion ledger, for the workbench's admin page
    source = open_warehouse(warehouse, read_only=True)
    try:
        assert (coaching_log, assessments) == source.execute(
            "select (select count(*) from coaching.coaching_log), (select count(*) from coaching.skill_assessment_log)"
        ).fetchone()
    finally:
        source.close()

"""The nightly job for real: the atomic publication of analytics.duckdb while analysts hold it
open, and a failed run that publishes nothing. The helpers here (the PostgreSQL server, the
once-per-session scenarios, the uninterrupted reference run) also serve
test_ops_runs_killed.py: a run killed with SIGKILL during the dbt build, then re-executed.

Each nightly run builds the small hand-made landing zone (assets_tests/landing.py). A dbt
build costs most of a minute on two shared cores, and a persistent instance adds the
writing of ~2,000 events per run (every dbt test is an asset check), so only the killed
run and its re-execution use the Postgres instance; the reference run is in memory.

The two scenarios run once per test session even when pytest-xdist spreads this module's
tests over workers (`once_per_session`: a file lock in the session's shared temp folder,
the scenario's observations saved as JSON); the tests assert on what they observed."""

import contextlib
import fcntl
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
)

from coaching_pipeline.assets.publish import MART_TABLES, publish
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.instance import write_instance_config
from coaching_pipeline.paths import published_path, resolve_paths

from ..landing import write_small_landing
from ..postgres import Postgres

pytestmark = pytest.mark.xdist_group("ops_runs")

AS_OF = "2025-01-31"
# Columns holding the wall-clock time of a load: the only values two runs may differ in.
LOAD_TIME_COLUMNS = {"_loaded_at", "_loaded_through", "loaded_at", "modified_ns", "quarantined_at"}
PUBLISHED_MARTS = AssetKey(["warehouse", "published_marts"])


def once_per_session(tmp_path_factory, worker_id: str, name: str, scenario) -> dict:
    """Run `scenario(folder)` once per test session, across xdist workers, and return what
    it returned (JSON). Another worker needing it waits for the first one."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # shared by the workers of this session only
    done = root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder = root / name
            folder.mkdir(exist_ok=True)
            done.write_text(json.dumps(scenario(folder)))
    return json.loads(done.read_text())


def coaching_env(landing: Path, warehouse: Path) -> dict[str, str]:
    return {"COACHING_LANDING_DIR": str(landing), "COACHING_WAREHOUSE": str(warehouse),
            "COACHING_OUTPUT_DIR": str(warehouse.parent / "output"), "COACHING_AS_OF": AS_OF}


def nightly_job_from_env():
    """The nightly job of the code location configured by COACHING_* (for execute_job)."""
    return build_definitions(resolve_paths()).resolve_job_def("nightly")


def error_text(error) -> str:
    """A step failure's message with the messages of its causes (the user code's error)."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause
    return "\n".join(parts)


def warehouse_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table of the warehouse, rows sorted, without the load-time columns."""
    con = open_warehouse(warehouse, read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = 'warehouse' "
            "and table_schema not in ('information_schema', 'pg_catalog') order by 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            columns = [c[0] for c in con.execute(f'describe "{schema}"."{table}"').fetchall()
                       if c[0] not in LOAD_TIME_COLUMNS]
            select = ", ".join(f'"{c}"' for c in columns)
            out[f"{schema}.{table}"] = con.execute(f'select {select} from "{schema}"."{table}" order by all').fetchall()
        return out
    finally:
        con.close()


# ---------------------------------------------------------------- analyst reading analytics.duckdb

READER = r"""
import json, pathlib, sys, time
import duckdb

mode, path, ready, stop, out = sys.argv[1:6]


def snapshot(con):
    published = con.execute(
        "select table_schema, table_name, row_count, dagster_run_id from marts.publication").fetchall()
    runs = sorted({r[3] for r in published})
    counts = {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t, _, _ in published}
    expected = {f"{s}.{t}": n for s, t, n, _ in published}
    # The names an analyst types: schema.table, in the schemas marts and coaching.
    typed = [con.execute("select count(*) from marts.rep_performance").fetchone()[0],
             con.execute("select count(*) from coaching.daily_flags").fetchone()[0]]
    return {"runs": runs, "consistent": len(runs) == 1 and counts == expected,
            "typed_ok": typed == [expected["marts.rep_performance"], expected["coaching.daily_flags"]]}


# mode `hold`: one session open from start to end (an analyst's DuckDB CLI left open);
# mode `poll`: a new session every 0.2 s (DuckDB shares one open database per file within
# a process, so the two modes run in two processes).
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
first = snapshot(held) if held else None
pathlib.Path(ready).write_text("ready")
seen, errors = [], []
while not pathlib.Path(stop).exists():
    try:
        if held:
            seen.append(snapshot(held))
        else:
            con = duckdb.connect(path, read_only=True)
            try:
                seen.append(snapshot(con))
            finally:
                con.close()
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.2)
pathlib.Path(out).write_text(json.dumps({"first": first, "seen": seen, "errors": errors}))
"""


def old_snapshot(folder: Path) -> Path:
    """A previous publication in `folder`/analytics.duckdb (run id `old`), made by the real
    publish function from a tiny stand-in warehouse: one row per mart, no coaching rows
    except one daily flag."""
    stand_in = folder / "previous" / "coaching.duckdb"
    stand_in.parent.mkdir(parents=True)
    con = open_warehouse(stand_in)
    con.execute("create schema marts")
    for table in MART_TABLES:
        con.execute(f"create table marts.{table} as select 'previous' as note")
    con.execute("create schema coaching")
    con.execute("create table coaching.daily_flags as select 'f0' as flag_id")
    con.close()
    publish(stand_in, folder / "analytics.duckdb", run_id="old")
    return folder / "analytics.duckdb"


@contextlib.contextmanager
def analyst_reading(path: Path, work: Path):
    """Two processes reading `path` meanwhile: one holds a session open throughout, one
    opens a new session every 0.2 s. Yields a function that stops them and returns what
    each saw: {"hold": ..., "poll": ...}."""
    procs = {}
    try:
        for mode in ("hold", "poll"):
            files = [work / f"{mode}.{name}" for name in ("ready", "stop", "json")]
            procs[mode] = (subprocess.Popen([sys.executable, "-c", READER, mode, str(path), *map(str, files)]), files)
        deadline = time.monotonic() + 60
        for proc, (ready, _, _) in procs.values():
            while not ready.exists():
                assert proc.poll() is None, "a reader process died"
                assert time.monotonic() < deadline, "a reader did not start"
                time.sleep(0.1)

        def finish():
            time.sleep(1.0)  # a few more reads after the run
            result = {}
            for mode, (proc, (_, stop, out)) in procs.items():
                stop.touch()
                proc.wait(timeout=60)
                result[mode] = json.loads(out.read_text())
            return result

        yield finish
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()




def pg_instance_home(folder: Path, server: "Postgres") -> Path:
    """A DAGSTER_HOME whose dagster.yaml coaching_pipeline.instance writes for the Postgres
    settings (the password stays in the environment)."""
    home = folder / "dagster_home_pg"
    write_instance_config(home, server.env)
    text = (home / "dagster.yaml").read_text()
    assert "postgres_db" in text and server.password not in text
    return home


def publication(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("select table_schema || '.' || table_name, row_count from marts.publication").fetchall())
    finally:
        con.close()


# ---------------------------------------------------------------- the uninterrupted run


def uninterrupted_scenario(folder: Path) -> dict:
    """The nightly job while analysts' processes read the previous analytics.duckdb."""
    landing = write_small_landing(folder / "landing")
    warehouse = folder / "warehouse" / "coaching.duckdb"
    warehouse.parent.mkdir()
    old_snapshot(warehouse.parent)
    defs = build_definitions(resolve_paths(str(landing), str(warehouse), str(folder / "output"), AS_OF))
    with pytest.MonkeyPatch.context() as mp, DagsterInstance.ephemeral() as instance, \
            analyst_reading(published_path(warehouse), folder) as readers:
        mp.setenv("DBT_TARGET_PATH", str(folder / "dbt_target"))
        result = defs.resolve_job_def("nightly").execute_in_process(instance=instance, raise_on_error=False)
        seen = readers()
    [published] = [e.event_specific_data.materialization for e in result.all_events
                   if e.event_type_value == "ASSET_MATERIALIZATION"
                   and e.event_specific_data.materialization.asset_key == PUBLISHED_MARTS]
    return {"warehouse": str(warehouse), "run_id": result.run_id, "success": result.success, "seen": seen,
            "metadata": {k: v.value for k, v in published.metadata.items() if k != "tables"}}


@pytest.fixture
def uninterrupted(tmp_path_factory, worker_id):
    return once_per_session(tmp_path_factory, worker_id, "ops_uninterrupted", uninterrupted_scenario)


def test_publish_reports_tables_and_rows(uninterrupted):
    metadata = uninterrupted["metadata"]
    published = Path(uninterrupted["warehouse"]).with_name("analytics.duckdb")
    assert metadata["path"] == str(published)
    tables = publication(published)
    # the eight marts in `marts`; the coaching state tables (the daily flags step creates the
    # whole coaching schema) in `coaching`; the ingestion ledger and quarantine summary in `ops`
    assert set(tables) == {
        "marts.users", "marts.sellers", "marts.rep_performance", "marts.top_performer_patterns", "marts.rep_activities",
        "marts.deal_health_scores", "marts.next_best_actions", "marts.role_metrics",
        "coaching.skill_assessment_log", "coaching.coaching_log",
        "coaching.coaching_history", "coaching.escalations", "coaching.daily_flags", "coaching.decisions",
        "coaching.process_gaps", "ops.loaded_files", "ops.quarantine_summary"}
    assert metadata["tables_published"] == 17
    assert metadata["rows_published"] == sum(tables.values())
    assert metadata["rows/marts.rep_performance"] == tables["marts.rep_performance"]


def test_an_analyst_reading_the_published_file_sees_old_then_new_never_a_mix(uninterrupted):
    run_id, warehouse = uninterrupted["run_id"], Path(uninterrupted["warehouse"])
    assert uninterrupted["success"]  # the analysts' open sessions did not block the run
    hold, poll = uninterrupted["seen"]["hold"], uninterrupted["seen"]["poll"]
    assert hold["errors"] == [] and poll["errors"] == []
    assert hold["seen"] and poll["seen"]
    # every read saw one whole publication: all tables of one run, row counts as published
    assert all(s["consistent"] and s["typed_ok"] for s in hold["seen"] + poll["seen"])
    # new sessions see the previous publication, then (from the rename on) the new one
    runs = [s["runs"][0] for s in poll["seen"]]
    assert runs[0] == "old" and runs[-1] == run_id
    switch = runs.index(run_id)
    assert set(runs[:switch]) == {"old"} and set(runs[switch:]) == {run_id}
    # the session held open throughout keeps reading the snapshot it opened
    assert hold["first"]["runs"] == ["old"]
    assert {s["runs"][0] for s in hold["seen"]} == {"old"}
    # analysts' names resolve in a plain connection (marts.<mart>, coaching.<table>) and
    # hold what the warehouse holds
    con = duckdb.connect(str(warehouse.with_name("analytics.duckdb")), read_only=True)
    try:
        published_marts = con.execute("select * from marts.rep_performance order by all").fetchall()
        published_flags = con.execute("select * from coaching.daily_flags order by all").fetchall()
    finally:
        con.close()
    source = open_warehouse(warehouse, read_only=True)
    try:
        assert published_marts == source.execute("select * from marts.rep_performance order by all").fetchall()
        assert published_flags == source.execute("select * from coaching.daily_flags order by all").fetchall()
    finally:
        source.close()
    assert published_marts  # the small landing zone's seller has a row
    leftovers = [p.name for p in warehouse.parent.iterdir() if p.name.startswith(".analytics.duckdb")]
    assert leftovers == []


def test_a_failed_run_publishes_nothing_and_names_the_locked_file(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse" / "coaching.duckdb"
    warehouse.parent.mkdir()
    published = old_snapshot(warehouse.parent)
    open_warehouse(warehouse).close()
    before = (published.stat().st_ino, published.stat().st_mtime_ns, published.read_bytes())
    defs = build_definitions(resolve_paths(str(landing), str(warehouse), str(tmp_path / "output"), AS_OF))
    # Another process holds the warehouse open for writing: every step that writes fails.
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, duckdb, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
                               " time.sleep(600)", str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("nightly").execute_in_process(instance=instance, raise_on_error=False)
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    # the first step finds it held and fails, naming the file; nothing after it starts
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "landing__extract_files"
    assert str(warehouse) in error_text(failure.event_specific_data.error)
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert started == {"landing__extract_files"}
    after = (published.stat().st_ino, published.stat().st_mtime_ns, published.read_bytes())
    assert after == before

"""One writer at a time (issue 15, point 8): the run lock beside the warehouse.

A second `coaching run` on a warehouse another run holds exits 1 at once with one line
naming the holder (pid, start time) and touches nothing; the holder keeps its lock; a lock
file left by a SIGKILLed run is taken over, saying so; a process that holds the lock goes
on holding it through its own in-process Dagster steps; a Dagster step started while
another process holds it fails with the same line. The holders are real processes
(subprocesses of the test), since the lock is the kernel's flock."""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from dagster import AssetExecutionContext, AssetKey, DagsterInstance, asset, materialize

from coaching_pipeline import runner
from coaching_pipeline.assets.ingest import build_ingest_asset
from coaching_pipeline.cli import main
from coaching_pipeline.ingest import configured_objects
from coaching_pipeline.paths import resolve_paths
from coaching_pipeline.resources import LandingZone, Warehouse
from coaching_pipeline.run_lock import RunLocked, hold, lock_path
from coaching_pipeline.runner import failure_lines, run_all

from ..landing import write_small_landing

HOST = socket.gethostname()
ACCOUNT = next(obj for obj in configured_objects() if obj.name == "account")

# Holds the lock as `coaching run` would, prints its record, and on a line from stdin reports
# whether the lock file still names it, then releases it by leaving the block.
HOLDER = textwrap.dedent("""
    import json, sys
    from coaching_pipeline.run_lock import hold, lock_path
    with hold(sys.argv[1], sys.argv[2]) as holder:
        print(json.dumps(holder), flush=True)
        sys.stdin.readline()
        print(json.loads(lock_path(sys.argv[1]).read_text()) == holder, flush=True)
""")


# `coaching run` in a process of its own, reporting afterwards which heavy modules it loaded.
SECOND_RUN = textwrap.dedent("""
    import sys
    from coaching_pipeline.cli import main
    try:
        main(sys.argv[1:])
    finally:
        print("loaded:", [m for m in ("coaching_pipeline.runner", "coaching_pipeline.definitions") if m in sys.modules])
""")


@contextmanager
def holding(warehouse: Path, what: str = "coaching run"):
    """Another process holding the run lock; yields (process, its holder record)."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(warehouse), what],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield process, json.loads(process.stdout.readline())
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def release(process: subprocess.Popen) -> str:
    out, _ = process.communicate("\n", timeout=30)
    assert process.returncode == 0
    return out.strip()


def in_use(warehouse: Path, pid: int, started: str, what: str = "coaching run") -> str:
    return (f"warehouse {warehouse} is in use by another run ({what}, pid {pid} on {HOST}, started {started}): "
            "wait for it to finish or stop it, then start this one again")


def try_from_another_process(warehouse: Path) -> str:
    """What a second taker in another process gets: 'took it' or RunLocked's message."""
    script = ("import sys\nfrom coaching_pipeline.run_lock import RunLocked, hold\n"
              "try:\n    with hold(sys.argv[1], 'probe'):\n        print('took it')\n"
              "except RunLocked as exc:\n    print(exc.message)\n")
    done = subprocess.run([sys.executable, "-c", script, str(warehouse)], capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.strip()


@pytest.fixture
def small(tmp_path, monkeypatch):
    """The small landing zone, a warehouse path not created yet, and the COACHING_*
    variables `coaching run` exports restored afterwards."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for name in ("COACHING_LANDING_DIR", "COACHING_WAREHOUSE", "COACHING_OUTPUT_DIR", "COACHING_AS_OF"):
        monkeypatch.setenv(name, "recorded")  # so that teardown restores it, even if absent
        monkeypatch.delenv(name)
    landing = write_small_landing(tmp_path / "landing")
    return landing, tmp_path / "warehouse" / "coaching.duckdb", tmp_path / "output"


def test_a_second_coaching_run_exits_at_once_naming_the_first_and_touches_nothing(small):
    landing, warehouse, output = small
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with holding(warehouse) as (first, holder):
        assert holder["pid"] == first.pid
        started = dt.datetime.strptime(holder["started"], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=dt.UTC)
        assert before <= started <= dt.datetime.now(dt.UTC)
        args = ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--output", str(output),
                "--as-of", "2025-01-31"]
        result = CliRunner().invoke(main, args)
        assert (result.exit_code, result.output) == (1, f"Error: {in_use(warehouse, first.pid, holder['started'])}\n")
        # as a command of its own: stopped before loading the definitions (which may re-parse
        # the dbt project under the first run's build, and take seconds)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", SECOND_RUN, *args], capture_output=True, text=True, timeout=60)
        elapsed = time.perf_counter() - t0
        assert (done.returncode, done.stdout, done.stderr) == (
            1, "loaded: []\n", f"Error: {in_use(warehouse, first.pid, holder['started'])}\n")
        assert elapsed < 10  # about a second, the interpreter and click: nothing waited for
        assert not warehouse.exists() and not output.exists()
        assert sorted(p.name for p in warehouse.parent.iterdir()) == ["coaching.duckdb.run-lock"]
        # the first run's lock is untouched: its record is still the file's, and it still holds it
        assert try_from_another_process(warehouse) == in_use(warehouse, first.pid, holder["started"])
        assert release(first) == "True"
    # released cleanly: the file is emptied (not stale) and the next run takes it without a word
    assert lock_path(warehouse).read_text() == ""
    warned = []
    with hold(warehouse, "coaching run", warn=warned.append) as mine:
        assert mine["pid"] == os.getpid()
    assert warned == []


def test_a_lock_left_by_a_killed_run_is_recognised_as_stale_and_taken_over(small):
    landing, warehouse, output = small
    with holding(warehouse) as (killed, holder):
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    # the kernel dropped the flock with the process; its record is still in the file
    assert json.loads(lock_path(warehouse).read_text()) == holder
    lines = []
    ran = []

    def _run_all(paths, echo, full_refresh):
        ran.append(json.loads(lock_path(warehouse).read_text()))
        return True

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "_run_all", _run_all)
        assert run_all(resolve_paths(str(landing), str(warehouse), str(output), "2025-01-31"), echo=lines.append)
    assert lines == [f"run lock {lock_path(warehouse)}: replaced a stale lock from pid {killed.pid} "
                     f"(coaching run, started {holder['started']}), which ended without releasing it"]
    assert ran[0]["pid"] == os.getpid() and ran[0]["what"] == "coaching run"
    assert lock_path(warehouse).read_text() == ""


def test_a_locked_file_without_its_record_yet_still_stops_the_second_taker(tmp_path):
    warehouse = tmp_path / "coaching.duckdb"
    script = ("import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
              "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(600)\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(lock_path(warehouse))],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "locked"
        with pytest.raises(RunLocked) as locked:
            with hold(warehouse, "coaching run"):
                pass
    finally:
        process.kill()
        process.wait()
    assert locked.value.message == (
        f"warehouse {warehouse} is in use by another run (details not written yet; lock file "
        f"{lock_path(warehouse)}): wait for it to finish or stop it, then start this one again")


def test_the_holding_process_takes_it_again_and_its_dagster_steps_run(small):
    landing, warehouse, _ = small
    with hold(warehouse, "coaching run") as outer:
        with hold(warehouse, "nested") as inner:
            assert inner is outer
        # leaving the inner block did not release it
        assert try_from_another_process(warehouse) == in_use(warehouse, os.getpid(), outer["started"])
        # `coaching run` executes its jobs in process: the steps find the lock held by their pid
        result = materialize([build_ingest_asset(ACCOUNT)], raise_on_error=False, resources={
            "warehouse": Warehouse(path=str(warehouse)), "landing": LandingZone(path=str(landing))})
        assert result.success
        assert json.loads(lock_path(warehouse).read_text()) == outer
    assert lock_path(warehouse).read_text() == ""
    assert try_from_another_process(warehouse) == "took it"


def test_a_dagster_step_fails_with_the_holder_line_while_another_process_holds_it(small):
    landing, warehouse, _ = small
    with holding(warehouse) as (first, holder):
        result = materialize([build_ingest_asset(ACCOUNT)], raise_on_error=False, resources={
            "warehouse": Warehouse(path=str(warehouse)), "landing": LandingZone(path=str(landing))})
        assert release(first) == "True"  # the holder was not disturbed
    line = in_use(warehouse, first.pid, holder["started"])
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.event_specific_data.user_failure_data.description == line
    assert failure.event_specific_data.error.message == f"dagster._core.definitions.events.Failure: {line}\n"
    assert failure_lines([result]) == [f"  step raw__account failed: {line}"]
    assert not warehouse.exists()  # nothing of the step ran


def test_a_dagster_step_holding_it_is_named_by_run_and_step(tmp_path):
    warehouse = tmp_path / "coaching.duckdb"
    seen = {}

    @asset
    def probe(context: AssetExecutionContext, warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            con.execute("create table t as select 1 as x")
            seen["run_id"] = context.run_id
            seen["holder"] = json.loads(lock_path(warehouse.path).read_text())
            seen["other"] = try_from_another_process(Path(warehouse.path))

    assert materialize([probe], resources={"warehouse": Warehouse(path=str(warehouse))}).success
    holder = seen["holder"]
    assert (holder["pid"], holder["run_id"], holder["what"]) == (
        os.getpid(), seen["run_id"], f"Dagster run {seen['run_id']}, step probe")
    assert seen["other"] == in_use(warehouse, os.getpid(), holder["started"], f"Dagster run {seen['run_id']}, step probe")
    assert lock_path(warehouse).read_text() == ""  # released when the step's connection closed


def test_the_dbt_step_holds_it_for_the_whole_build(small, monkeypatch):
    """dbt writes the warehouse from a subprocess of the step: the step holds the lock around it."""
    from coaching_pipeline.assets import dbt as dbt_assets
    from coaching_pipeline.definitions import build_definitions

    landing, warehouse, output = small
    seen = []

    def _build(context, dbt, warehouse, run, config):
        seen.append((context.run_id, json.loads(lock_path(warehouse.path).read_text())))
        raise ValueError("stopped before dbt")
        yield  # a generator, as the real one

    monkeypatch.setattr(dbt_assets, "_build", _build)
    defs = build_definitions(resolve_paths(str(landing), str(warehouse), str(output), "2025-01-31"))
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=[AssetKey(["marts", "rep_performance"])])
    assert failure_lines([result]) == ["  step dbt_models failed: ValueError: stopped before dbt"]
    [(run_id, holder)] = seen
    assert (holder["pid"], holder["what"], holder["run_id"]) == (os.getpid(), f"Dagster run {run_id}, step dbt_models", run_id)
    assert lock_path(warehouse).read_text() == ""

"""Failures name their cause (issue 14, point 8): `coaching run`'s "step ... failed" lines and
a Dagster step failure's message are the first line of the underlying exception, not
Dagster's wrapper; a full disk shows "No space left on device", not the error of the
rollback or cleanup that followed it; a warehouse held by another process is one plain line
naming the holder, printed by every `coaching` command and by every Dagster step that
finds it.

The full-disk tests put the warehouse on a small tmpfs mounted in a private mount namespace
(`unshare -rm`), so nothing is left mounted; they are skipped where that is not allowed."""

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from dagster import AssetKey, DagsterInstance, job, op, resource
from dagster._utils.error import serializable_error_info_from_exc_info

from coaching_pipeline.assets.publish import MART_TABLES
from coaching_pipeline.cli import main
from coaching_pipeline.db import error_line, open_warehouse, rollback
from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.ingest import configured_objects, loader
from coaching_pipeline.paths import resolve_paths
from coaching_pipeline.runner import failure_lines, run_all

from ..landing import U1, write_activities, write_small_landing

AS_OF = "2025-01-31"
RAW_STEPS = sorted(f"raw__{obj.name}" for obj in configured_objects())


def info(exc: BaseException):
    return serializable_error_info_from_exc_info((type(exc), exc, exc.__traceback__))


def throw(exc: BaseException):
    raise exc


def raised(make) -> BaseException:
    try:
        make()
    except Exception as exc:  # noqa: BLE001 - the exception is the test's subject
        return exc
    raise AssertionError("nothing raised")


@contextlib.contextmanager
def held(warehouse: Path):
    """Another process holding the warehouse open for writing, as an analyst's session or a
    second run would."""
    holder = subprocess.Popen([sys.executable, "-c", "import sys, duckdb, time; c = duckdb.connect(sys.argv[1]);"
                               " print('held', flush=True); time.sleep(600)", str(warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def locked_line(warehouse: Path, pid: int) -> str:
    program = os.readlink(f"/proc/{pid}/exe")  # DuckDB names the holder by its executable
    return (f"warehouse {warehouse} is locked by another process ({program}, PID {pid}): wait for that run to "
            f"finish or stop it; analysts should open the published file {warehouse.parent / 'analytics.duckdb'} "
            "instead")


@pytest.fixture
def small(tmp_path, monkeypatch):
    """The small landing zone, a warehouse path beside it, an ephemeral Dagster instance for
    run_all, and the COACHING_* variables `coaching run` exports restored afterwards."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for name in ("COACHING_LANDING_DIR", "COACHING_WAREHOUSE", "COACHING_OUTPUT_DIR", "COACHING_AS_OF"):
        monkeypatch.setenv(name, "recorded")  # so that teardown restores it, even if absent
        monkeypatch.delenv(name)
    landing = write_small_landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse" / "coaching.duckdb"
    return landing, warehouse, resolve_paths(str(landing), str(warehouse), str(tmp_path / "output"), AS_OF)


# ---------------------------------------------------------------- the first line of the cause


def _wrapped_value_error():
    @op
    def boom():
        raise ValueError("boom: x\nsecond line")

    @job
    def one_step():
        boom()

    result = one_step.execute_in_process(raise_on_error=False)
    [failure] = [e for e in result.all_events if e.is_step_failure]
    return failure.event_specific_data.error


def _cleanup_failed_after_disk_full():
    try:
        raise OSError(28, "No space left on device")
    except OSError:
        # implicit chaining on purpose: this is how a failed cleanup hides the real error
        raise duckdb.TransactionException("TransactionContext Error: cannot rollback - no transaction is active")  # noqa: B904


def _translated():
    raise RuntimeError("crm/Account.csv: not a CSV file") from ValueError("line 3: bad quote")


@pytest.mark.parametrize(("make", "expected"), [
    # Dagster's "Error occurred while executing op" gives way to the user's exception
    (_wrapped_value_error, "ValueError: boom: x"),
    # an error raised while handling another (a cleanup) gives way to the one handled
    (lambda: info(raised(_cleanup_failed_after_disk_full)), "OSError: [Errno 28] No space left on device"),
    # an explicit translation (raise ... from) chose its words; RuntimeError adds nothing
    (lambda: info(raised(_translated)), "crm/Account.csv: not a CSV file"),
    # DuckDB's messages name their kind themselves
    (lambda: info(raised(lambda: duckdb.connect().execute("select * from nope"))),
     "Catalog Error: Table with name nope does not exist!"),
    (lambda: info(raised(lambda: int("x"))), "ValueError: invalid literal for int() with base 10: 'x'"),
    (lambda: info(raised(lambda: {}["key"])), "KeyError: 'key'"),
    (lambda: info(raised(lambda: throw(ValueError()))), "ValueError"),
], ids=["dagster-wrapper", "context", "explicit-cause", "duckdb", "builtin", "keyerror", "no-message"])
def test_error_line_is_the_first_line_of_the_underlying_exception(make, expected):
    assert error_line(make()) == expected


def test_a_step_failing_outside_the_warehouse_resource_is_summarized_by_its_cause():
    @op
    def boom():
        raise ValueError("boom: x")

    @job
    def one_step():
        boom()

    result = one_step.execute_in_process(raise_on_error=False)
    assert failure_lines([result]) == ["  step boom failed: ValueError: boom: x"]


@resource
def broken(_):
    raise ValueError("no such folder: /x")


@op(required_resource_keys={"broken"})
def uses():
    pass


@job(resource_defs={"broken": broken})
def needs_broken():
    """A run that fails before any step: its resource cannot start (test_ops_alerts too)."""
    uses()


def test_a_run_failing_before_its_steps_is_summarized_by_its_cause():
    result = needs_broken.execute_in_process(raise_on_error=False)
    assert failure_lines([result]) == ["  run needs_broken failed: ValueError: no such folder: /x"]


def test_a_failing_writer_step_names_its_cause_in_dagster_and_in_the_summary(small, monkeypatch):
    landing, warehouse, paths = small

    def boom(con, objects):
        raise ValueError("boom: x")

    monkeypatch.setattr(loader, "ensure_raw_tables", boom)
    defs = build_definitions(paths)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=[AssetKey(["raw", "account"])])
    [failure] = [e for e in result.all_events if e.is_step_failure]
    data = failure.event_specific_data
    # what the UI shows first: the Failure's description, the cause's first line
    assert data.user_failure_data.description == "ValueError: boom: x"
    assert data.error.message == "dagster._core.definitions.events.Failure: ValueError: boom: x\n"
    assert data.error.cause.cls_name == "ValueError"  # the original error, with its traceback
    assert "in boom" in "".join(data.error.cause.stack)
    assert "ValueError: boom: x" in data.user_failure_data.metadata["error"].value

    lines = []
    assert run_all(paths, echo=lines.append) is False
    assert [line for line in lines if line.startswith("  step ")] == [
        f"  step {step} failed: ValueError: boom: x" for step in RAW_STEPS]
    assert lines[-len(RAW_STEPS) - 1].startswith("FAILED in ")


# ---------------------------------------------------------------- a warehouse held by another process


def test_coaching_commands_print_one_line_naming_the_process_holding_the_warehouse(small):
    landing, warehouse, _ = small
    warehouse.parent.mkdir()
    open_warehouse(warehouse).close()
    with held(warehouse) as holder:
        line = locked_line(warehouse, holder.pid)
        result = CliRunner().invoke(main, ["run", "--landing", str(landing), "--warehouse", str(warehouse),
                                           "--output", str(warehouse.parent.parent / "output"), "--as-of", AS_OF])
        # the coaching-state repair opens the warehouse (decisions go to the decisions store,
        # which a held warehouse never stops: assets_tests/workbench/test_store_apply.py)
        purge = CliRunner().invoke(main, ["state", "purge", "--after", AS_OF, "--dry-run",
                                          "--warehouse", str(warehouse)])
    assert (result.exit_code, result.output) == (1, f"Error: {line}\n")
    assert (purge.exit_code, purge.output) == (1, f"Error: {line}\n")
    assert not (warehouse.parent.parent / "output").exists()  # nothing ran


def test_a_dagster_run_finding_the_warehouse_held_fails_once_with_the_one_line(small):
    landing, warehouse, paths = small
    warehouse.parent.mkdir()
    open_warehouse(warehouse).close()
    defs = build_definitions(paths)
    with held(warehouse) as holder, DagsterInstance.ephemeral() as instance:
        line = locked_line(warehouse, holder.pid)
        result = defs.resolve_job_def("nightly").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    # the landing-zone step fails; the ingestion steps after it, and everything downstream, never start
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "landing__extract_files"
    # the message the UI shows first is the plain line, not a DuckDB stack trace
    assert failure.event_specific_data.error.message == f"dagster._core.definitions.events.Failure: {line}\n"
    assert failure_lines([result]) == [f"  step landing__extract_files failed: {line}"]
    started = {e.step_key for e in result.all_events if e.is_step_start}
    assert started == {"landing__extract_files"}


# ---------------------------------------------------------------- a full disk


def test_a_failed_rollback_keeps_the_error_that_caused_it():
    con = duckdb.connect()  # no transaction is open: its ROLLBACK fails
    cause = raised(lambda: throw(ValueError("boom: x")))
    rollback(con, cause)
    assert cause.__notes__ == [
        "(the rollback failed too: TransactionContext Error: cannot rollback - no transaction is active)"]
    assert error_line(info(cause)) == "ValueError: boom: x"


@pytest.fixture
def tmpfs(tmp_path):
    """run(size_kb, mountpoint, *command): the command in a private mount namespace with a
    tmpfs of that size mounted at mountpoint."""
    probe = tmp_path / "probe"
    probe.mkdir()
    script = 'mount -t tmpfs -o size="$1"k tmpfs "$2" && shift 2 && exec "$@"'
    ok = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", "64", str(probe), "true"],
                        capture_output=True, check=False)
    if ok.returncode:
        pytest.skip(f"cannot mount a tmpfs in a user namespace: {ok.stderr.decode().strip()}")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}

    def run(size_kb: int, mountpoint: Path, *command: str) -> subprocess.CompletedProcess:
        mountpoint.mkdir(parents=True, exist_ok=True)
        return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(size_kb), str(mountpoint), *command],
                              capture_output=True, text=True, timeout=300, env=env, check=False)

    return run


def test_ingestion_on_a_full_disk_names_the_full_disk(tmp_path, tmpfs):
    landing = write_small_landing(tmp_path / "landing")
    write_activities(landing, [{"activity_id": f"b{i}", "source": "outreach", "rep_id": U1, "activity_type": "Email",
                                "occurred_at": "2025-01-21T10:00:00Z"} for i in range(100_000)],
                     name="activities_2.csv")
    disk = tmp_path / "disk"
    done = tmpfs(1024, disk, sys.executable, "-c", "from coaching_pipeline.cli import main; main()", "run",
                 "--landing", str(landing), "--warehouse", str(disk / "coaching.duckdb"),
                 "--output", str(tmp_path / "output"), "--as-of", AS_OF)
    assert done.returncode == 1, done.stderr[-2000:]
    failed = [line for line in done.stdout.splitlines() if line.startswith("  step ")]
    assert any(line.startswith("  step raw__activities failed: ") for line in failed), done.stdout
    # each names the full disk, not the rollback that failed after it
    assert all(line.endswith(": No space left on device") for line in failed), done.stdout
    assert "rollback" not in done.stdout


def test_publishing_on_a_full_disk_names_the_full_disk_and_leaves_nothing(tmp_path, tmpfs):
    source = tmp_path / "built.duckdb"
    con = open_warehouse(source)
    con.execute("create schema marts")
    for table in MART_TABLES:
        con.execute(f"create table marts.{table} as select range as id, md5(range::varchar) as h from range(30000)")
    con.close()
    disk = tmp_path / "disk"
    script = textwrap.dedent(f"""
        import json, shutil
        from pathlib import Path
        from coaching_pipeline.assets.publish import publish
        warehouse = Path({str(disk / "coaching.duckdb")!r})
        shutil.copy({str(source)!r}, warehouse)
        try:
            publish(warehouse)
            out = {{"raised": None}}
        except Exception as exc:
            out = {{"raised": str(exc).splitlines()[0], "notes": getattr(exc, "__notes__", [])}}
        out["files"] = sorted(p.name for p in warehouse.parent.iterdir())
        print(json.dumps(out))
    """)
    # room for the warehouse and a quarter of its copy
    done = tmpfs(source.stat().st_size // 1024 + 1024, disk, sys.executable, "-c", script)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["raised"] and out["raised"].endswith("No space left on device"), out
    assert out["files"] == ["coaching.duckdb"]  # no temp file left, nothing published

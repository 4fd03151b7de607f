"""One writer at a time: the run lock beside the warehouse (`<warehouse>.run-lock`).

DuckDB lets one process at a time open a file for writing, and a run opens and closes the
warehouse once per step. Two runs on one warehouse (a cron entry and a manual run, the CLI
beside a Dagster schedule) therefore interleave: each finds the file held by the other at
some step, and both fail. The run lock is taken before anything opens the warehouse, so the
second run stops at once with one line naming the first (RunLocked) and the first never
notices.

Why an OS advisory lock (fcntl.flock on an open descriptor) and not "the file exists": the
kernel drops the lock when its process ends, however it ends, so a run killed with SIGKILL
or by the OOM killer leaves a file nobody holds. Such a file is stale by definition and is
simply taken over (with a warning naming the pid it came from); nobody has to delete it by
hand. The file is never removed, only emptied on a clean release: removing it would let a
taker lock the old inode while another creates a new one, and an empty file is how a clean
release differs from a killed run (whose holder JSON is still there).

Who takes it:
- `coaching run` for the whole run: the command takes it before loading the Dagster
  definitions (which may re-parse the dbt project under the other run's build), and
  runner.run_all again (reentrant) for callers other than the command.
- In Dagster, every step that connects to the warehouse (resources.Warehouse.connect, read-only
  included: a reader would block the other run's writer just the same) and the dbt step for
  the length of `dbt build` (dbt runs as its subprocess; the step holds the lock meanwhile).
  Steps take it one at a time, so a Dagster run and a CLI run interleave only between steps,
  and the one arriving second fails with the holder's line.
- Reentrant by process: a `coaching run` executes its Dagster jobs in process, so the steps
  find the lock held by their own pid and go on. A forked child is another pid and does not
  inherit the right to it.

The lock does not replace DuckDB's own file lock (an analyst's session, `coaching approvals`,
or a dbt left running by a killed step still show db.WarehouseLocked). flock is local to one
machine: two hosts sharing the warehouse over NFS are not serialized by it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click

SUFFIX = ".run-lock"
# A taker that lost the race may find the file locked but its JSON not written yet.
_HOLDER_WAIT_S = 1.0


class RunLocked(click.ClickException):
    """Another run holds the warehouse. A ClickException, so `coaching` prints its one line
    and exits 1 without a traceback."""

    def __init__(self, warehouse: str | os.PathLike, holder: dict | None):
        self.warehouse = str(warehouse)
        self.holder = holder
        if holder:
            who = f"{holder.get('what')}, pid {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')}"
        else:
            who = f"details not written yet; lock file {lock_path(warehouse)}"
        super().__init__(
            f"warehouse {warehouse} is in use by another run ({who}): "
            "wait for it to finish or stop it, then start this one again"
        )


def lock_path(warehouse: str | os.PathLike) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + SUFFIX)


def describe(holder: dict) -> str:
    return f"pid {holder.get('pid')} ({holder.get('what')}, started {holder.get('started')})"


@dataclass
class _Held:
    pid: int
    fd: int
    depth: int
    holder: dict


_held: dict[str, _Held] = {}
_guard = threading.Lock()


@contextlib.contextmanager
def hold(
    warehouse: str | os.PathLike, what: str, run_id: str | None = None, warn: Callable[[str], object] | None = None
) -> Iterator[dict]:
    """Hold the warehouse's run lock for the block; yields the holder's record (this
    process's, or the outer block's when already held here). Raises RunLocked when another
    process holds it. `warn` receives the line saying a stale lock was replaced."""
    path = lock_path(warehouse)
    key = os.path.realpath(path)
    with _guard:
        held = _held.get(key)
        if held is not None and held.pid == os.getpid():
            held.depth += 1
        else:
            held = _held[key] = _take(warehouse, path, what, run_id, warn)
    try:
        yield held.holder
    finally:
        with _guard:
            held.depth -= 1
            if held.depth == 0:
                _held.pop(key, None)
                _release(held.fd)


def _take(warehouse, path: Path, what: str, run_id: str | None, warn) -> _Held:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise RunLocked(warehouse, _read(fd, wait=True)) from None
        stale = _read(fd, wait=False)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "what": what,
            "run_id": run_id,
            "command": shlex.join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
    except BaseException:
        os.close(fd)  # closing drops the flock too
        raise
    if stale:
        (warn or _log_warning)(
            f"run lock {path}: replaced a stale lock from {describe(stale)}, which ended without releasing it"
        )
    return _Held(pid=os.getpid(), fd=fd, depth=1, holder=holder)


def _release(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)  # empty: released cleanly (a killed run leaves its JSON: stale)
    finally:
        os.close(fd)


def _read(fd: int, wait: bool) -> dict | None:
    deadline = time.monotonic() + (_HOLDER_WAIT_S if wait else 0)
    while True:
        data = os.pread(fd, 64 * 1024, 0)
        try:
            record = json.loads(data) if data.strip() else None
        except ValueError:  # being written, or garbage: a garbage file is taken over like an empty one
            record = None
        if isinstance(record, dict) or time.monotonic() >= deadline:
            return record if isinstance(record, dict) else None
        time.sleep(0.02)


def _log_warning(message: str) -> None:
    import logging

    logging.getLogger(__name__).warning(message)

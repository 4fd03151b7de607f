"""Running one stage in a child process and sampling the resident memory of its whole
process tree (the stage's Python process, dbt's subprocess, anything they start).

The tree is re-walked every `interval` seconds and the RSS of every live process summed;
the peak of those sums is reported. Sampling can miss a spike shorter than the interval, so
each stage also reports its own high-water marks from getrusage (its process, and its
largest waited-for child such as dbt), and the larger figure is kept.

psutil is used when it is installed; otherwise /proc is read directly (Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

try:  # optional: dagster does not depend on it
    import psutil
except ImportError:  # pragma: no cover - depends on the environment
    psutil = None

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MB = 1024 * 1024


def _children_proc(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    kids += [int(x) for x in fh.read().split()]
            except OSError:
                continue
    except OSError:
        pass
    return kids


def _rss_proc(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and all its descendants right now."""
    if psutil is not None:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        return total
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_proc(p)
        todo += _children_proc(p)
    return total


@dataclass
class StageRun:
    name: str
    seconds: float  # wall time of the child process, start to exit
    peak_rss_mb: float  # max of the sampled tree peak and the child's own high-water marks
    sampled_peak_rss_mb: float
    returncode: int
    result: dict = field(default_factory=dict)  # what the stage wrote to its result file
    log: str = ""


def run_stage(name: str, args: list[str], env: dict[str, str], workdir: Path, interval: float = 0.1,
              echo=print) -> StageRun:
    """Run `python -m bench.stages <args> --result FILE` and sample its memory."""
    result_file = workdir / f"stage-{name}.json"
    log_file = workdir / f"stage-{name}.log"
    result_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.stages", *args, "--result", str(result_file)]
    peak = 0
    stop = threading.Event()
    with log_file.open("w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=Path(__file__).resolve().parent.parent)

        def sample():
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree_rss(proc.pid))
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    own = max(result.get("maxrss_self_mb", 0), result.get("maxrss_children_mb", 0))
    run = StageRun(
        name=name, seconds=seconds, peak_rss_mb=round(max(peak / MB, own), 1),
        sampled_peak_rss_mb=round(peak / MB, 1), returncode=returncode, result=result,
        log=str(log_file),
    )
    if returncode != 0 or not result.get("success", False):
        tail = log_file.read_text(errors="replace").splitlines()[-30:]
        echo(f"stage {name} FAILED (exit {returncode}); log {log_file}:\n  " + "\n  ".join(tail))
    elif result_file.exists():  # what --resume needs to reuse the stage
        result["process"] = {"seconds": seconds, "peak_rss_mb": run.peak_rss_mb,
                             "sampled_peak_rss_mb": run.sampled_peak_rss_mb}
        result_file.write_text(json.dumps(result, indent=1))
    return run


def finished_stage(name: str, workdir: Path) -> StageRun | None:
    """A stage an earlier run of this work folder completed (bench --resume), else None."""
    result_file = workdir / f"stage-{name}.json"
    if not result_file.exists():
        return None
    result = json.loads(result_file.read_text())
    process = result.get("process")
    if not result.get("success") or not process:
        return None
    return StageRun(name=name, seconds=process["seconds"], peak_rss_mb=process["peak_rss_mb"],
                    sampled_peak_rss_mb=process["sampled_peak_rss_mb"], returncode=0, result=result,
                    log=str(workdir / f"stage-{name}.log"))

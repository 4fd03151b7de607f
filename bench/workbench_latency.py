"""The workbench stage of the benchmark: page latency over real HTTP against `coaching serve`.

The product's own server (uvicorn, `coaching serve` as a subprocess on a free port, dev
sign-in, a SQLite decisions store in the work folder) reads the bench's published
analytics.duckdb. A `requests` session signs in as the manager with the most direct reports
(marts.sellers) and, after a warm-up, GETs each page `n` times one after the other (one
user; the figures are the server's time per page plus a loopback round trip):

  dashboard   /reps/{id}   that manager's rep with the most open deals (the heaviest dashboard)
  inbox       /inbox       the manager's pending recommendations
  team        /team        the team view

Then the same pages are read in a loop while the nightly's publish function replaces the
published file (twice, same run id): every read must answer 200 (workbench contract: an open
page never breaks on a publication). Latency percentiles are nearest-rank (no interpolation):
p95 of 200 samples is the 190th smallest.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

TARGET_P95_MS = 150.0
WARMUP = 10  # requests per page before timing: templates compiled, org cache and DuckDB pages warm
PUBLISHES = 2  # publications while pages are read
PAGES = (  # name, path (rep_id filled in), may be missing (answers 404 until it is built)
    ("dashboard", "/reps/{rep_id}", False),
    ("inbox", "/inbox", False),
    ("team", "/team", False),  # built now: a 404 fails the stage like any other answer
)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q% of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency_summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
            "max_ms": round(max(ms), 1)}


def page_status(statuses: Counter, may_be_missing: bool) -> str:
    """ok: every answer 200; missing: a page not built yet (every answer 404, and allowed to
    be); failed: anything else, which fails the stage."""
    if set(statuses) == {200}:
        return "ok"
    if may_be_missing and set(statuses) == {404}:
        return "missing"
    return "failed"


def slowest_p95(pages: dict[str, dict]) -> float | None:
    """The target's figure: the highest p95 of the pages measured (a missing page is not)."""
    return max((p["p95_ms"] for p in pages.values() if p["status"] == "ok"), default=None)


def busiest_manager(published: Path) -> tuple[str, str]:
    """(manager id, rep id): the manager with the most direct reports, and their rep with the
    most open deals (ties: the smaller id)."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        row = con.execute("""
            with mgr as (select manager_id from marts.sellers where manager_id is not null
                         group by 1 order by count(*) desc, manager_id limit 1)
            select s.manager_id, s.rep_id
            from marts.sellers s join mgr using (manager_id)
            left join marts.deal_health_scores d on d.owner_id = s.rep_id and not d.is_closed
            group by all order by count(d.opportunity_id) desc, s.rep_id limit 1""").fetchone()
    finally:
        con.close()
    if row is None:
        raise RuntimeError(f"no seller with a manager in {published}")
    return row


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _coaching_cmd() -> list[str]:
    script = Path(sys.executable).parent / "coaching"
    return [str(script)] if script.exists() else [sys.executable, "-m", "coaching_pipeline.cli"]


def start_server(warehouse: Path, work: Path, port: int, log) -> subprocess.Popen:
    env = {**os.environ, "COACHING_WAREHOUSE": str(warehouse), "COACHING_AUTH": "dev",
           "COACHING_DATABASE_URL": f"sqlite:///{work / 'workbench-decisions.sqlite'}",
           "COACHING_SECRET_KEY": secrets.token_urlsafe(32)}
    return subprocess.Popen([*_coaching_cmd(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)


def wait_ready(proc: subprocess.Popen, url: str, timeout: float = 60.0) -> float:
    """Seconds until the server answers its sign-in page."""
    import requests

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"coaching serve exited with {proc.returncode} before answering")
        try:
            if requests.get(url + "/signin", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"coaching serve did not answer {url}/signin within {timeout:.0f}s")


def sign_in(url: str, user_id: str):
    """A requests session signed in through the dev sign-in form (with its CSRF token)."""
    import requests

    session = requests.Session()
    page = session.get(url + "/signin", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not token:
        raise RuntimeError("no CSRF token on the sign-in page")
    r = session.post(url + "/signin", data={"csrf_token": token.group(1), "user_id": user_id},
                     allow_redirects=False, timeout=10)
    if r.status_code != 303:
        raise RuntimeError(f"sign-in as {user_id} answered {r.status_code}")
    return session


def timed_gets(session, url: str, n: int) -> tuple[Counter, list[float]]:
    statuses, ms = Counter(), []
    for _ in range(n):
        started = time.perf_counter()
        r = session.get(url, allow_redirects=False, timeout=30)
        _ = r.content
        ms.append((time.perf_counter() - started) * 1000)
        statuses[r.status_code] += 1
    return statuses, ms


def reads_during_publish(session, urls: list[str], warehouse: Path, run_id: str | None) -> dict:
    """Pages read in a loop (one thread) while the publish function replaces the file."""
    from coaching_pipeline.assets.publish import publish

    stop = threading.Event()
    statuses, ms, errors = Counter(), [], []

    def reader():
        i = 0
        while not stop.is_set():
            started = time.perf_counter()
            try:
                r = session.get(urls[i % len(urls)], allow_redirects=False, timeout=30)
                statuses[r.status_code] += 1
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
            ms.append((time.perf_counter() - started) * 1000)
            i += 1

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    publish_s = []
    try:
        for _ in range(PUBLISHES):
            started = time.perf_counter()
            publish(warehouse, run_id=run_id)
            publish_s.append(round(time.perf_counter() - started, 2))
            time.sleep(0.5)  # reads on the new file too
    finally:
        stop.set()
        thread.join(60)
    return {"publishes": len(publish_s), "publish_s": publish_s, "requests": len(ms), "statuses": dict(statuses),
            "errors": errors[:5], "max_ms": round(max(ms), 1) if ms else None,
            "ok": bool(ms) and not errors and set(statuses) == {200}}


def _current_run_id(published: Path) -> str | None:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute("select max(dagster_run_id) from marts.publication").fetchone()[0]
    finally:
        con.close()


def measure(warehouse: Path, work: Path, n: int = 200) -> dict:
    """The stage: server up, sign in, each page `n` times, reads during publication."""
    from coaching_pipeline.paths import published_path

    published = published_path(warehouse)
    manager, rep = busiest_manager(published)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (work / "workbench-server.log").open("w") as log:
        proc = start_server(warehouse, work, port, log)
        try:
            ready_s = wait_ready(proc, url)
            session = sign_in(url, manager)
            pages = {}
            for name, path, may_be_missing in PAGES:
                page_url = url + path.format(rep_id=rep)
                timed_gets(session, page_url, WARMUP)
                statuses, ms = timed_gets(session, page_url, n)
                status = page_status(statuses, may_be_missing)
                pages[name] = {"path": path.format(rep_id=rep), "statuses": dict(statuses), "status": status,
                               **latency_summary(ms)}
            urls = [url + p["path"] for p in pages.values() if p["status"] == "ok"]
            during = reads_during_publish(session, urls, warehouse, _current_run_id(published))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    failed = [name for name, p in pages.items() if p["status"] == "failed"]
    problems = [f"{name}: answered {pages[name]['statuses']}" for name in failed]
    if not during["ok"]:
        problems.append(f"reads while publishing: {during['statuses']} {during['errors']}")
    return {"success": not problems, "problems": problems, "seconds": time.perf_counter() - started,
            "rows": sum(p["n"] for p in pages.values()) + during["requests"], "manager_id": manager, "rep_id": rep,
            "requests_per_page": n, "warmup": WARMUP, "server_ready_s": round(ready_s, 2), "pages": pages,
            "p95_ms": slowest_p95(pages), "target_p95_ms": TARGET_P95_MS, "during_publish": during,
            "server_log": str(work / "workbench-server.log")}


# -- the results (bench/__main__.py) ---------------------------------------------------------


def workbench_summary(entry: dict | None) -> dict:
    """The workbench stage's figures for the results' top level: per page, and the reads
    made while the file was being replaced."""
    if not entry:
        return {}
    detail = entry.get("detail") or {}
    return {"p95_ms": detail.get("p95_ms"), "target_p95_ms": detail.get("target_p95_ms"),
            "manager_id": detail.get("manager_id"), "pages": detail.get("pages", {}),
            "during_publish": detail.get("during_publish")}


def workbench_table(workbench: dict) -> list[str]:
    if not workbench.get("pages"):
        return []
    lines = [f"workbench pages (real HTTP, sequential, manager {workbench['manager_id']}):",
             f"  {'page':<11}{'status':<9}{'HTTP: count':<14}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}  path"]
    for name, p in workbench["pages"].items():
        answers = ", ".join(f"{code}: {n}" for code, n in p["statuses"].items())
        # a page not built yet answers 404 fast: its figures are no latency of the page
        figures = (f"{p['p50_ms']:>8.1f}{p['p95_ms']:>8.1f}{p['max_ms']:>8.1f}" if p["status"] != "missing"
                   else f"{'-':>8}{'-':>8}{'-':>8}")
        lines.append(f"  {name:<11}{p['status']:<9}{answers:<14}{figures}  {p['path']}"
                     + ("  FAILED" if p["status"] == "failed" else ""))
    during = workbench.get("during_publish") or {}
    if during:
        answers = ", ".join(f"HTTP {code}: {n}" for code, n in during["statuses"].items()) or "none"
        lines.append(f"  reads while publishing ({during['publishes']} publications): {during['requests']} requests, "
                     f"{answers}, max {during['max_ms']} ms{'' if during['ok'] else '  FAILED'}")
    return lines

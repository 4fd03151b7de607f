"""A Dagster UI process for browser tests (`dagster dev` or `dagster-webserver`) on a free
port of 127.0.0.1, serving the repository's workspace.yaml, stopped with its whole process
group (webserver, daemon, code server) at the end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from coaching_pipeline.config import REPO_ROOT

LOCATIONS = ("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
             "locationOrLoadError { __typename ... on PythonError { message } } } } } }")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@contextlib.contextmanager
def serving(command: list[str], env: Mapping[str, str], log_path: Path, timeout_s: float = 240
            ) -> Iterator[tuple[str, list[dict]]]:
    """Run `command -h 127.0.0.1 -p PORT -w workspace.yaml` until the code location loads;
    yields (base URL, the workspace's location entries)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        proc = subprocess.Popen([*command, "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
                                cwd=REPO_ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, f"{command[0]} did not serve the code location in time"
                with contextlib.suppress(OSError):
                    entries = graphql(base, LOCATIONS)["data"]["workspaceOrError"]["locationEntries"]
                    if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                        break
                time.sleep(1)
            yield base, entries
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

"""Headless Chromium (Debian's package) for tests: a screenshot and the rendered DOM of a
page, the way a person's browser would show it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# The network is closed here: background networking only produces refused connections.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--hide-scrollbars"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("chromium is not installed (make test installs Debian's package)")
    return path


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout,
        )


def screenshot(url: str, out: Path, width: int = 1280, height: int = 900, wait_ms: int = 5000,
               timeout: int = 120) -> Path:
    """Render `url` (http:// or file://) and save a PNG; `wait_ms` of virtual time lets
    scripts (the Dagster UI's React app) finish rendering first."""
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = _run([f"--screenshot={out}", f"--window-size={width},{height}",
                 f"--virtual-time-budget={wait_ms}", url], timeout)
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"no screenshot of {url}: {proc.stderr[-2000:]}")
    return out


def rendered_dom(url: str, wait_ms: int = 5000, timeout: int = 120) -> str:
    """The page's DOM after scripts ran (what a person would see, as HTML)."""
    proc = _run([f"--virtual-time-budget={wait_ms}", "--dump-dom", url], timeout)
    return proc.stdout

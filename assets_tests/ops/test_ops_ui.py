"""The Dagster UI as an operator sees it: `dagster dev` on 127.0.0.1 (a free port, an
instance written by coaching_pipeline.instance in a temp DAGSTER_HOME), opened in headless
Chromium. The asset graph shows the layer groups, the jobs page the three jobs, the
automation page the schedules and sensors. Screenshots are kept in test-artifacts/."""

import os
import re
import sys
from pathlib import Path

import pytest

from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.instance import write_instance_config

from ..browser import rendered_dom, screenshot
from ..dagster_server import serving

ARTIFACTS = REPO_ROOT / "test-artifacts"
GROUPS = ("raw", "staging", "intermediate", "marts", "coaching", "digests", "publish")
JOBS = ("nightly", "weekly_coaching_job", "monthly_digests_job")
AUTOMATIONS = ("nightly_schedule", "weekly_coaching_schedule", "monthly_digests_schedule", "landing_zone_sensor",
               "raw_freshness_sensor", "run_failure_alerts")


@pytest.fixture
def dagster_ui(tmp_path_factory):
    """`dagster dev` serving the code location (empty landing zone, schedules stopped)."""
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    write_instance_config(home, {})  # local SQLite instance
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_PG_", "COACHING_"))}
    env.update(DAGSTER_HOME=str(home), COACHING_LANDING_DIR=str(root / "landing"),
               COACHING_WAREHOUSE=str(root / "warehouse" / "coaching.duckdb"), COACHING_OUTPUT_DIR=str(root / "out"))
    with serving([str(Path(sys.executable).parent / "dagster"), "dev"], env, root / "dagster-dev.log") as served:
        yield served


def shown(dom: str, text: str) -> bool:
    """`text` is the whole text of some element of the rendered page."""
    return re.search(r">\s*" + re.escape(text) + r"\s*<", dom) is not None


def missing_from_page(url: str, texts) -> list[str]:
    """The texts the rendered page does not show; a busy machine renders slowly, so the page
    is rendered again with more time before anything is reported missing."""
    missing = list(texts)
    for wait_ms in (8000, 15000, 30000):
        dom = rendered_dom(url, wait_ms=wait_ms, timeout=180)
        missing = [t for t in texts if not shown(dom, t)]
        if not missing:
            break
    return missing


def test_the_ui_shows_the_asset_groups_the_jobs_and_the_automations(dagster_ui):
    # One test for the one server: pytest-xdist would otherwise start one per worker.
    base, entries = dagster_ui
    assert [(e["name"], e["locationOrLoadError"]["__typename"]) for e in entries] == [
        ("coaching_pipeline.definitions", "RepositoryLocation")]

    assert missing_from_page(f"{base}/asset-groups", GROUPS) == [], "asset groups missing from the asset graph"
    png = screenshot(f"{base}/asset-groups", ARTIFACTS / "dagster-asset-graph.png", width=1600, height=1000,
                     wait_ms=12000, timeout=180)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one

    assert missing_from_page(f"{base}/jobs", JOBS) == [], "jobs missing from the jobs page"
    screenshot(f"{base}/jobs", ARTIFACTS / "dagster-jobs.png", width=1600, height=1000, wait_ms=12000, timeout=180)

    assert missing_from_page(f"{base}/automation", AUTOMATIONS) == [], "schedules or sensors missing"

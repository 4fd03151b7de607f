"""The README runbook's screenshots, taken from the real Dagster UI in headless Chromium.

The UI (dagster-webserver) serves the instance of the `coaching_run` fixture: a `coaching
run` whose landing zone holds an extract without its OwnerId column. Each screenshot is
checked for the text the runbook points at, kept in test-artifacts/runbook/, and, with
COACHING_UPDATE_RUNBOOK=1, copied to docs/runbook/ where README.md shows them.

1. the nightly run that published what loaded and ended failed with the rejection;
2. the ingestion check that failed, with its description;
3. a dbt warning check with its description (warnings never fail a run);
4. a nightly run started while another process held the warehouse: one failed step with the
   holder's line, every other step not executed;
5. the automation page listing the run-failure sensor.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.paths import resolve_paths

from ..browser import rendered_dom, screenshot
from ..dagster_server import serving
from .test_failure_messages import held, locked_line
from .test_ops_ui import missing_from_page

pytestmark = pytest.mark.xdist_group("pipeline")  # the coaching_run fixture's worker

ARTIFACTS = REPO_ROOT / "test-artifacts" / "runbook"
DOCS = REPO_ROOT / "docs" / "runbook"
WARN_CHECK = "column_rules_stg_salesforce__opportunities_warn"


@pytest.fixture(scope="module")
def ui(coaching_run):
    """dagster-webserver (no daemon needed) over the coaching_run fixture's instance."""
    _, warehouse, out, _ = coaching_run
    root = warehouse.parent.parent
    home, landing = root / "dagster_home", root / "landing"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_PG_", "COACHING_"))}
    env.update(DAGSTER_HOME=str(home), COACHING_LANDING_DIR=str(landing), COACHING_WAREHOUSE=str(warehouse),
               COACHING_OUTPUT_DIR=str(out))
    command = [str(Path(sys.executable).parent / "dagster-webserver")]
    with serving(command, env, root / "dagster-webserver.log") as (base, _entries):
        yield base, home, landing, warehouse, out


def keep(url: str, name: str) -> Path:
    png = screenshot(url, ARTIFACTS / name, width=1440, height=900, wait_ms=12000, timeout=180)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one
    if os.environ.get("COACHING_UPDATE_RUNBOOK") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, DOCS / name)
    return png


def nightly_run_ids(home: Path) -> list[str]:
    with DagsterInstance.from_config(str(home)) as instance:
        return [r.dagster_run.run_id for r in instance.get_run_records() if r.dagster_run.job_name == "nightly"]


def test_the_runbook_screenshots_show_what_ops_see_when_a_run_fails(ui):
    base, home, landing, warehouse, out = ui
    [rejected_run] = nightly_run_ids(home)

    # 1. red, with the rejected file and what to do as the run's message
    url = f"{base}/runs/{rejected_run}"
    assert missing_from_page(url, ["Failure", "warehouse__published_marts"]) == []
    keep(url, "1-rejected-file-run.png")
    dom = rendered_dom(url, wait_ms=15000, timeout=180)
    assert "crm/Opportunity__broken.csv: missing required column 'OwnerId'" in dom
    assert "Everything else loaded and is published; fix or remove the file and run again." in dom

    # 2. the failed ingestion check says what it checks
    url = f"{base}/assets/raw/opportunity?view=checks&checkDetail=every_file_loads"
    assert missing_from_page(url, [
        "Fails when an extract file of this object was rejected whole (a required column missing, an "
        "unreadable file); the result names each file and why. Rows rejected one by one go to raw.quarantine "
        "and do not fail it."]) == []
    keep(url, "2-failed-ingestion-check.png")

    # 3. a dbt warning check: described, and non-blocking
    url = f"{base}/assets/staging/stg_salesforce__opportunities?view=checks&checkDetail={WARN_CHECK}"
    assert missing_from_page(url, [
        "Column rules of stg_salesforce__opportunities: account_id is an account_id of stg_salesforce__accounts; "
        "owner_id is a user_id of stg_salesforce__users; sdr_field_id is a user_id of stg_salesforce__users. "
        "A failure names each broken rule and column, with what was expected, the number of failures and an "
        "example. This is a warning and does not fail the run: real extracts reference records that are outside "
        "the extract (deleted, merged or not exported), and such rows still load; the result counts the failing "
        "rows."]) == []
    keep(url, "3-dbt-warning-check.png")

    # 4. a nightly while another process holds the warehouse: one failure naming it
    paths = resolve_paths(str(landing), str(warehouse), str(out), "2025-01-31")
    with held(warehouse) as holder, DagsterInstance.from_config(str(home)) as instance:
        line = locked_line(warehouse, holder.pid)
        result = build_definitions(paths).resolve_job_def("nightly").execute_in_process(
            instance=instance, raise_on_error=False)
    assert not result.success
    url = f"{base}/runs/{result.run_id}"
    # the other steps: 25 ingestion steps, applying the decisions store, dbt, daily flags, publish
    assert missing_from_page(url, ["landing__extract_files", "Errored (1)", "Not executed (29)"]) == []
    assert line in rendered_dom(url, wait_ms=15000, timeout=180)
    keep(url, "4-warehouse-held-run.png")

    # 5. the run-failure sensor among the automations
    url = f"{base}/automation"
    assert missing_from_page(url, ["run_failure_alerts", "Run status sensor"]) == []
    keep(url, "5-run-failure-sensor.png")

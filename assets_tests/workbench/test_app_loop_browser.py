"""The coaching loop end to end, in a real headless Chromium against a real server: on the S
sample after a weekly coaching run, a manager signs in, approves one recommendation and
modifies another in the inbox; the coaching step of the next run applies them and publishes;
the rep signs in and sees exactly those two focus areas, not the ones still pending nor the
one the manager dismissed.

In the xdist group "sample" so the built sample (conftest.sample_built) is shared with the
other tests that read it."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from dagster import materialize

from coaching_pipeline.assets.decisions_store import applied_decisions
from coaching_pipeline.assets.publish import publish
from coaching_pipeline.paths import published_path
from coaching_pipeline.resources import Warehouse
from coaching_pipeline.workbench.store import decide, open_store
from coaching_pipeline.workbench.store.facts import Facts

from ..digests.october import run_weeks
from .app_org import RunningServer
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in, whole_page

pytestmark = pytest.mark.xdist_group("sample")

WEEK = dt.date(2026, 11, 9)  # the week of the sample's as_of (2026-11-13)
MODIFIED = "Replay one recent call with me in our Thursday 1:1 and pick the moment to change"


@pytest.fixture
def loop(sample_built, tmp_path, monkeypatch):
    """A private copy of the built sample with one weekly coaching run, published, a SQLite
    store (COACHING_DATABASE_URL, as the app and the run read it), and a rep with at least
    four pending recommendations, three in the inbox and the rest queued (a rep has at most
    three focus areas at a time): (warehouse, store, rep_id, manager_id, their events)."""
    _, built, _ = sample_built
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(built, warehouse)
    run_weeks(warehouse, [WEEK])
    publish(warehouse)
    url = f"sqlite:///{tmp_path / 'decisions.sqlite'}"
    monkeypatch.setenv("COACHING_DATABASE_URL", url)
    store = open_store(url)
    con = duckdb.connect(str(published_path(warehouse)), read_only=True)
    try:
        rep_id, manager_id = con.execute("""
            select rep_id, any_value(manager_id) from coaching.coaching_log
            where status = 'open' and approval_status = 'pending_approval' and manager_id is not null
            group by rep_id having count(*) >= 4 order by count(*) desc, rep_id limit 1""").fetchone()
        events = con.execute("""
            select coaching_id, pattern_detected, recommended_action from coaching.coaching_log
            where rep_id = ? and status = 'open' and approval_status = 'pending_approval'
            order by queued, coaching_id""", [rep_id]).fetchall()  # the three in the inbox, then the queued
        # the manager dismissed one before (from the command line: the same store and checks)
        decide(store, Facts(con), events[2][0], manager_id, "dismissed", note="covered in our 1:1")
    finally:
        con.close()
    yield warehouse, store, rep_id, manager_id, events
    store.close()


def test_manager_decides_the_run_applies_and_the_rep_sees_exactly_the_agreed_coaching(driver, loop):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown_on_page
    from selenium.webdriver.support.ui import WebDriverWait

    def decided_text(coaching_id: str) -> str:
        """The decision line of an event, once the post's redirect has loaded the inbox again."""
        return WebDriverWait(driver, 10).until(shown_on_page.presence_of_element_located(
            (By.CSS_SELECTOR, f"#event-{coaching_id} .decided"))).text

    warehouse, store, rep_id, manager_id, events = loop
    (approve_id, approve_pattern, approve_action), (modify_id, modify_pattern, _), dismissed = events[:3]
    pending_patterns = {e[1] for e in events[3:]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(published_path(warehouse), store=store) as server:
        driver.set_window_size(1280, 1000)
        sign_in(driver, server.url, manager_id)
        assert driver.current_url.split("#")[0].endswith("/inbox")
        # the evidence of a real week's recommendation: its score, the threshold and its cohort
        evidence = driver.find_element(By.CSS_SELECTOR, f"#event-{approve_id} .evidence").text
        assert "a gap is a score below 70" in evidence and "Cohort" in evidence, evidence
        whole_page(driver, "loop-inbox-1280.png", 1280)
        whole_page(driver, "loop-inbox-390.png", 390)
        driver.set_window_size(1280, 1000)
        driver.find_element(By.CSS_SELECTOR, f"#event-{approve_id} button.approve").click()
        assert "takes effect in tonight's run" in decided_text(approve_id)
        field = driver.find_element(By.CSS_SELECTOR, f"#event-{modify_id} input[name=action]")
        field.clear()
        field.send_keys(MODIFIED)
        driver.find_element(By.CSS_SELECTOR, f"#event-{modify_id} button.modify").click()
        assert MODIFIED in decided_text(modify_id)

        # before the run the rep still sees none of them: the log has not applied them
        sign_in(driver, server.url, rep_id)
        assert driver.current_url.endswith(f"/reps/{rep_id}")
        before = driver.find_element(By.ID, "insights").text
        assert approve_pattern not in before and modify_pattern not in before

        # the coaching step of the next run applies the store's decisions, then publishes
        result = materialize([applied_decisions], resources={"warehouse": Warehouse(path=str(warehouse))})
        assert result.success
        metadata = result.asset_materializations_for_node("coaching__applied_decisions")[0].metadata
        assert metadata["decisions_applied"].value == 3  # approve, modify and the earlier dismissal
        publish(warehouse)

        driver.refresh()
        focus = driver.find_elements(By.CSS_SELECTOR, "#insights ul.focus > li")
        shown = {li.find_element(By.TAG_NAME, "strong").text: li.text for li in focus}
        assert set(shown) == {approve_pattern, modify_pattern}
        assert approve_action in shown[approve_pattern]
        assert MODIFIED in shown[modify_pattern]
        page = driver.page_source
        assert dismissed[1] not in page and not any(p in page for p in pending_patterns)
        driver.save_screenshot(str(ARTIFACTS / "loop-rep-1280.png"))
        width, overflow = narrow_screenshot(driver, "loop-rep-390.png")
        assert overflow <= width, f"the dashboard is {overflow}px wide in a {width}px window"

"""The rep's own dashboard in a real headless Chromium (Selenium, Debian's chromedriver) against
a real server with a SQLite store: Rita (r1) signs in, sees the activity analysis, defers her
first next best action to a date (htmx swaps the card in place), it disappears and is listed
as hidden; once its date has come (the store row's deferred_until is today) it shows again.
Screenshots test-artifacts/workbench/dashboard-{1280,390}.png, the whole page, for a person to
look at; no horizontal overflow at 390 px."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coaching_pipeline.workbench.store import ActionOutcome, open_store

from .app_org import RunningServer
from .dashboard_org import build_dashboard
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in, whole_page

pytestmark = pytest.mark.xdist_group("workbench_browser")


def test_rep_defers_an_action_it_leaves_and_comes_back_on_its_date(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    published = build_dashboard(tmp_path / "analytics.duckdb")
    store = open_store(f"sqlite:///{tmp_path / 'decisions.sqlite'}")
    today = dt.datetime.now(ZoneInfo("America/New_York")).date()  # Rita's calendar
    until = today + dt.timedelta(days=2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with RunningServer(published, store=store) as server:
            driver.set_window_size(1280, 1000)
            sign_in(driver, server.url, "r1")
            assert driver.current_url.endswith("/reps/r1")  # a rep lands on their own dashboard

            activity = driver.find_element(By.ID, "activity")
            assert "Activity analysis: last 30 days" in activity.text
            per_day = [e.text for e in activity.find_elements(By.CSS_SELECTOR, ".per-day dd")]
            assert per_day == ["4.6", "4.5", "n/a"]
            assert len(activity.find_elements(By.TAG_NAME, "svg")) == 2  # the mix and the trend

            shown = lambda: [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "ol.nba > li")]  # noqa: E731
            assert shown() == ["action-o1", "action-o2", "action-o5"]
            driver.execute_script("window.sameDocument = true")  # gone if the page reloads
            form = driver.find_element(By.CSS_SELECTOR, "#action-o1 form.defer")
            date = form.find_element(By.NAME, "deferred_until")
            assert date.get_attribute("min") == (today + dt.timedelta(days=1)).isoformat()
            driver.execute_script("arguments[0].value = arguments[1]", date, until.isoformat())
            form.find_element(By.NAME, "reason").send_keys("Dana is travelling")
            form.find_element(By.CSS_SELECTOR, "button.defer-button").click()
            WebDriverWait(driver, 10).until(lambda d: shown() == ["action-o2", "action-o5"])
            assert driver.execute_script("return window.sameDocument === true")  # swapped in place by htmx
            summary = driver.find_element(By.CSS_SELECTOR, "#hidden-actions summary")
            assert summary.text == "1 hidden: done or deferred"
            summary.click()
            hidden = driver.find_element(By.ID, "hidden-o1").text
            assert "Dana Buyer" in hidden and "Dana is travelling" in hidden
            assert f"deferred until {until.day} {until.strftime('%b %Y')}" in hidden
            with store.sessions() as session:
                [row] = session.scalars(select(ActionOutcome)).all()
            assert (row.opportunity_id, row.outcome, row.deferred_until, row.reason) == (
                "o1", "deferred", until, "Dana is travelling")

            whole_page(driver, "dashboard-1280.png", 1280)
            width, overflow = narrow_screenshot(driver, "dashboard-390.png")
            assert overflow <= width, f"the dashboard is {overflow}px wide in a {width}px window"
            driver.find_element(By.CSS_SELECTOR, "#hidden-actions summary").click()
            whole_page(driver, "dashboard-390.png", 390)
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width

            # its date has come: the action is back, nothing is hidden
            with store.sessions.begin() as session:
                session.get(ActionOutcome, row.id).deferred_until = today
            driver.set_window_size(1280, 1000)
            driver.refresh()
            assert shown() == ["action-o1", "action-o2", "action-o5"]
            assert not driver.find_elements(By.ID, "hidden-actions")
    finally:
        store.close()
    for name in ("dashboard-1280.png", "dashboard-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

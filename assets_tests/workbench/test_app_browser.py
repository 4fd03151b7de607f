"""A manager signs in (dev mode) in a real headless Chromium through Selenium with Debian's
chromedriver, opens a rep's dashboard; screenshots at 1280 and 390 px wide go to
test-artifacts/workbench/ for a person to look at (manager-dashboard-*.png; the rep's own
dashboard-*.png are test_app_dashboard_browser.py's)."""

import pytest

from .app_org import RunningServer, build_published
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in

pytestmark = pytest.mark.xdist_group("workbench_browser")


def test_manager_signs_in_and_opens_a_rep_dashboard(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    published = build_published(tmp_path / "analytics.duckdb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(published) as server:
        driver.set_window_size(1280, 1000)
        driver.get(server.url + "/")
        assert "Dev sign-in" in driver.find_element(By.CLASS_NAME, "dev-banner").text
        sign_in(driver, server.url, "m1")
        assert driver.current_url.endswith("/inbox")  # a manager lands on the work waiting for them
        driver.find_element(By.LINK_TEXT, "Reps").click()
        assert "Reps you can open" in driver.page_source
        driver.find_element(By.LINK_TEXT, "Rita Rep").click()
        assert driver.current_url.endswith("/reps/r1")
        assert "Mona Manager" in driver.find_element(By.CLASS_NAME, "who").text
        assert driver.find_element(By.CSS_SELECTOR, ".fill.green").is_displayed()
        assert "Pending pattern" in driver.find_element(By.ID, "insights").text
        assert driver.execute_script("return typeof htmx") == "object"  # the vendored file loaded
        driver.save_screenshot(str(ARTIFACTS / "manager-dashboard-1280.png"))

        width, overflow = narrow_screenshot(driver, "manager-dashboard-390.png")
        assert overflow <= width, f"the page is {overflow}px wide in a {width}px window"

        # the quarter selector reloads the page for another quarter
        Select(driver.find_element(By.NAME, "quarter")).select_by_value("2026-Q3")
        assert "quarter=2026-Q3" in driver.current_url
    for name in ("manager-dashboard-1280.png", "manager-dashboard-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


def test_manager_approves_one_and_modifies_another_in_the_inbox(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from sqlalchemy import select

    from coaching_pipeline.workbench.store import Decision, open_store

    published = build_published(tmp_path / "analytics.duckdb")
    store = open_store(f"sqlite:///{tmp_path / 'decisions.sqlite'}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(published, store=store) as server:
        driver.set_window_size(1280, 1000)
        sign_in(driver, server.url, "m1")
        driver.find_element(By.LINK_TEXT, "Inbox").click()
        assert driver.current_url.split("#")[0].endswith("/inbox")
        driver.find_element(By.CSS_SELECTOR, "#event-c3 button.approve").click()
        assert "takes effect in tonight's run" in driver.find_element(By.CSS_SELECTOR, "#event-c3 .decided").text
        field = driver.find_element(By.CSS_SELECTOR, "#event-c5 input[name=action]")
        field.clear()
        field.send_keys("Book the next step before hanging up")
        driver.find_element(By.CSS_SELECTOR, "#event-c5 button.modify").click()
        decided = driver.find_element(By.CSS_SELECTOR, "#event-c5 .decided").text
        assert "modified by Mona Manager" in decided and "Book the next step before hanging up" in decided
        driver.save_screenshot(str(ARTIFACTS / "inbox-1280.png"))

        width, overflow = narrow_screenshot(driver, "inbox-390.png")
        assert overflow <= width, f"the inbox is {overflow}px wide in a {width}px window"
    with store.sessions() as session:
        got = [(d.coaching_id, d.decision, d.action_text) for d in session.scalars(select(Decision)).all()]
    store.close()
    assert sorted(got) == [("c3", "approved", "Qualify harder"),
                           ("c5", "modified", "Book the next step before hanging up")]
    for name in ("inbox-1280.png", "inbox-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

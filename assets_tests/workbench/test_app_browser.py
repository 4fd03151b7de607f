"""A manager signs in (dev mode) in a real headless Chromium through Selenium with Debian's
chromedriver, opens a rep's dashboard; screenshots at 1280 and 390 px wide go to
test-artifacts/workbench/ for a person to look at (manager-dashboard-*.png; the rep's own
dashboard-*.png are test_app_dashboard_browser.py's)."""

import shutil
from pathlib import Path

import pytest

from .app_org import RunningServer, build_published

pytestmark = pytest.mark.xdist_group("workbench_browser")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workbench"
CHROMEDRIVER, CHROMIUM = "/usr/bin/chromedriver", "/usr/bin/chromium"


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (shutil.which(CHROMEDRIVER) and shutil.which(CHROMIUM)):
        pytest.fail("chromium-driver is not installed (make test-deps installs Debian's package)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no Selenium Manager download
    yield browser
    browser.quit()



def narrow_screenshot(driver, name: str) -> tuple[int, int]:
    """The page at 390 px wide, saved as `name`: (the window's width, the page's scroll width)."""
    driver.set_window_size(390, 1000)
    width = driver.execute_script("return window.innerWidth")
    overflow = driver.execute_script("return document.documentElement.scrollWidth")
    driver.save_screenshot(str(ARTIFACTS / name))
    return width, overflow

def test_manager_signs_in_and_opens_a_rep_dashboard(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    published = build_published(tmp_path / "analytics.duckdb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(published) as server:
        driver.set_window_size(1280, 1000)
        driver.get(server.url + "/")
        assert "Dev sign-in" in driver.find_element(By.CLASS_NAME, "dev-banner").text
        Select(driver.find_element(By.ID, "user_id")).select_by_value("m1")
        driver.find_element(By.ID, "signin-button").click()
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
    from selenium.webdriver.support.ui import Select
    from sqlalchemy import select

    from coaching_pipeline.workbench.store import Decision, open_store

    published = build_published(tmp_path / "analytics.duckdb")
    store = open_store(f"sqlite:///{tmp_path / 'decisions.sqlite'}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(published, store=store) as server:
        driver.delete_all_cookies()
        driver.set_window_size(1280, 1000)
        driver.get(server.url + "/signin")
        Select(driver.find_element(By.ID, "user_id")).select_by_value("m1")
        driver.find_element(By.ID, "signin-button").click()
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

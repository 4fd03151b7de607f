"""The admin signs in (dev mode) in a real headless Chromium and lands on the data and runs
page; screenshots at 1280 and 390 px wide go to test-artifacts/workbench/ for a person to
look at, and the narrow page must not scroll sideways (long file names and reasons wrap)."""

import datetime as dt

import pytest

from .admin_org import BROKEN, add_admin_tables, admin_store
from .app_org import ADMIN, RunningServer, build_published
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in

pytestmark = pytest.mark.xdist_group("workbench_browser")


def test_the_admin_opens_the_data_and_runs_page(driver, tmp_path):
    from selenium.webdriver.common.by import By

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    published = add_admin_tables(build_published(tmp_path / "analytics.duckdb"), now)
    store = admin_store(tmp_path / "decisions.sqlite", now)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with RunningServer(published, store=store) as server:
            driver.set_window_size(1280, 1000)
            sign_in(driver, server.url, ADMIN)
            assert driver.current_url.endswith("/admin")  # an admin lands on the data and runs page
            assert driver.find_element(By.LINK_TEXT, "Data & runs").is_displayed()
            assert BROKEN in driver.find_element(By.ID, "rejected").text
            assert "stale" in driver.find_element(By.CSS_SELECTOR, ".source-gong").text
            assert driver.find_element(By.ID, "decisions-pending").text.startswith("1")
            # the files of the latest load open in place (a <details>, no script)
            files = driver.find_element(By.CSS_SELECTOR, "#latest-load details")
            files.find_element(By.TAG_NAME, "summary").click()
            assert "activity/activities_2026-11.csv" in files.text
            driver.set_window_size(1280, 1700)
            driver.save_screenshot(str(ARTIFACTS / "admin-1280.png"))

            width, overflow = narrow_screenshot(driver, "admin-390.png")
            assert overflow <= width, f"the admin page is {overflow}px wide in a {width}px window"
    finally:
        store.close()
    for name in ("admin-1280.png", "admin-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

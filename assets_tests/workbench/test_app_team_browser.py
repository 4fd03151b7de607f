"""A manager signs in (dev mode) in a real headless Chromium and opens the team view; the key
content is displayed, screenshots at 1280 and 390 px wide go to test-artifacts/workbench/, and
at 390 px nothing overflows sideways."""

import pytest

from .app_org import RunningServer
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in
from .team_org import build_team_published

pytestmark = pytest.mark.xdist_group("workbench_browser")


def test_manager_opens_the_team_view(driver, tmp_path):
    from selenium.webdriver.common.by import By

    published = build_team_published(tmp_path / "analytics.duckdb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(published) as server:
        driver.set_window_size(1280, 1000)
        sign_in(driver, server.url, "m1")
        driver.find_element(By.LINK_TEXT, "Team").click()
        assert driver.current_url.endswith("/team")
        assert "Your direct reports" in driver.find_element(By.TAG_NAME, "h1").text
        for section in ("summary", "attainment", "skills", "quadrant", "flags", "escalations", "at-risk"):
            assert driver.find_element(By.ID, section).is_displayed(), section
        assert "on pace, weak pipeline" in driver.find_element(By.ID, "seller-r1").text
        assert "behind pace, healthy pipeline" in driver.find_element(By.ID, "seller-r2").text
        assert driver.find_element(By.CSS_SELECTOR, "#quadrant svg").is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, "#attainment svg").size["width"] > 300
        assert "November 2026" in driver.find_element(By.ID, "flags").text
        assert driver.find_element(By.ID, "flag-f2").is_displayed()
        assert "Acme renewal" in driver.find_element(By.ID, "at-risk").text
        # the page's own stylesheet loaded (team.css: the KPI cards' grid)
        assert driver.execute_script(
            "return getComputedStyle(document.querySelector('.team-kpis')).display") == "grid"
        driver.save_screenshot(str(ARTIFACTS / "team-1280.png"))

        width, overflow = narrow_screenshot(driver, "team-390.png")
        assert overflow <= width, f"the team view is {overflow}px wide in a {width}px window"
        assert driver.find_element(By.ID, "seller-r1").is_displayed()
        # at 390 px a table row is a labelled block: the column's name shows before each value
        label = driver.execute_script("return getComputedStyle(document.querySelector("
                                      "'#seller-r1 td.att'), '::before').content")
        assert label == '"Attainment"'
    for name in ("team-1280.png", "team-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

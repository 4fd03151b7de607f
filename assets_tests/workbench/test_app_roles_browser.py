"""The role sections in a real headless Chromium (Selenium, Debian's chromedriver) on the file of
roles_org.py: Rita (r1) reads "Your AE metrics" on her dashboard, the performance summary beside
the pattern diagnosis at 1280 px and under it at 390 px; her manager reads the roll-up per role on
the team view. Nothing scrolls sideways at 390 px. Screenshots
test-artifacts/workbench/roles-{dashboard,team}-{1280,390}.png, the whole page, for a person to
look at."""

import pytest

from .app_org import RunningServer
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in, whole_page
from .roles_org import build_roles_published

pytestmark = pytest.mark.xdist_group("workbench_browser")


def test_role_sections_at_desktop_and_phone_width(driver, tmp_path):
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with RunningServer(build_roles_published(tmp_path / "analytics.duckdb")) as server:
        driver.set_window_size(1280, 1000)
        sign_in(driver, server.url, "r1")
        section = driver.find_element(By.ID, "role-metrics")
        assert section.find_element(By.TAG_NAME, "h2").text == "Your AE metrics"
        summary, pattern = (driver.find_element(By.ID, f"role-{k}") for k in ("summary", "pattern"))
        assert summary.location["y"] == pattern.location["y"] and summary.location["x"] < pattern.location["x"]
        assert summary.find_element(By.TAG_NAME, "li").text.startswith("Attainment vs pace 92% (won and Commit")
        whole_page(driver, "roles-dashboard-1280.png", 1280)
        width, overflow = narrow_screenshot(driver, "roles-dashboard-390.png")
        assert overflow <= width, f"the dashboard is {overflow}px wide in a {width}px window"
        summary, pattern = (driver.find_element(By.ID, f"role-{k}") for k in ("summary", "pattern"))
        assert pattern.location["y"] > summary.location["y"]  # stacked on a phone
        whole_page(driver, "roles-dashboard-390.png", 390)

        driver.set_window_size(1280, 1000)
        sign_in(driver, server.url, "m1")
        driver.get(server.url + "/team")
        rows = driver.find_element(By.ID, "role-row-r2").text
        assert "Ravi Rep" in rows and "5% (2 of 40 touches)" in rows and "not enough data (2 of 10)" in rows
        whole_page(driver, "roles-team-1280.png", 1280)
        width, overflow = narrow_screenshot(driver, "roles-team-390.png")
        assert overflow <= width, f"the team view is {overflow}px wide in a {width}px window"
        whole_page(driver, "roles-team-390.png", 390)
    for name in ("roles-dashboard-1280.png", "roles-dashboard-390.png", "roles-team-1280.png", "roles-team-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

"""SLM s1 signs in (dev mode) in a real headless Chromium through Selenium, opens the
escalations, resolves one with a note, then opens the digest archive and one document;
screenshots at 1280 and 390 px wide go to test-artifacts/workbench/ for a person to look at,
and neither workbench page is wider than a 390 px window."""

from dataclasses import replace

import pytest

from .escalations_org import build_digests, build_escalations_published
from .pages_in_browser import ARTIFACTS, narrow_screenshot, sign_in

pytestmark = pytest.mark.xdist_group("workbench_browser")


def test_slm_resolves_an_escalation_and_opens_a_digest(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from sqlalchemy import select

    from coaching_pipeline.workbench.store import open_store
    from coaching_pipeline.workbench.store.resolution_models import EscalationResolution

    from .app_org import RunningServer

    published = build_escalations_published(tmp_path / "analytics.duckdb")
    store = open_store(f"sqlite:///{tmp_path / 'decisions.sqlite'}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = RunningServer(published, store=store)
    server.app.state.settings = replace(server.app.state.settings, digests=build_digests(tmp_path))
    with server:
        driver.set_window_size(1280, 1000)
        sign_in(driver, server.url, "s1")
        assert driver.current_url.endswith("/escalations")  # an SLM lands on the escalations
        wait = WebDriverWait(driver, 10)
        assert "Mona Manager" in driver.find_element(By.ID, "rollup").text
        driver.find_element(By.CSS_SELECTOR, "#esc-e1 summary").click()  # its weekly history
        assert "clock restarted" in driver.find_element(By.CSS_SELECTOR, "#esc-e1 .esc-history").text
        driver.find_element(By.CSS_SELECTOR, "#esc-e2 input[name=note]").send_keys("Pipeline plan agreed with Mona")
        driver.find_element(By.CSS_SELECTOR, "#esc-e2 button.resolve").click()
        wait.until(lambda d: "#esc-e2" in d.current_url)
        assert not driver.find_elements(By.ID, "esc-e2")  # no longer open
        Select(driver.find_element(By.NAME, "status")).select_by_value("resolved")
        driver.find_element(By.CSS_SELECTOR, "#filter button").click()
        wait.until(lambda d: "status=resolved" in d.current_url)
        assert "Pipeline plan agreed with Mona" in driver.find_element(By.CSS_SELECTOR, "#esc-e2 .esc-resolution").text
        Select(driver.find_element(By.NAME, "status")).select_by_value("open")
        driver.find_element(By.CSS_SELECTOR, "#filter button").click()
        wait.until(lambda d: "status=open" in d.current_url)
        driver.find_element(By.CSS_SELECTOR, "#esc-e1 summary").click()
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(ARTIFACTS / "escalations-1280.png"))
        width, overflow = narrow_screenshot(driver, "escalations-390.png")
        assert overflow <= width, f"the escalations are {overflow}px wide in a {width}px window"

        driver.set_window_size(1280, 1000)
        driver.find_element(By.LINK_TEXT, "Digests").click()
        wait.until(lambda d: d.current_url.endswith("/digests"))
        assert "October 2026" in driver.find_element(By.ID, "month-2026-10").text
        driver.save_screenshot(str(ARTIFACTS / "digests-1280.png"))
        width, overflow = narrow_screenshot(driver, "digests-390.png")
        assert overflow <= width, f"the archive is {overflow}px wide in a {width}px window"
        driver.set_window_size(1280, 1000)
        driver.find_element(By.CSS_SELECTOR, "#month-2026-10 a.digest-open").click()  # their own notice first
        wait.until(lambda d: d.current_url.endswith("/digests/2026-10/slm/sam-slm-s1.html"))
        assert "slm_notice for Sam Slm" in driver.find_element(By.TAG_NAME, "h1").text
        assert driver.find_elements(By.TAG_NAME, "svg")
    with store.sessions() as session:
        got = [(r.escalation_id, r.resolved_by, r.note) for r in session.scalars(select(EscalationResolution)).all()]
    store.close()
    assert got == [("e2", "s1", "Pipeline plan agreed with Mona")]
    for name in ("escalations-1280.png", "escalations-390.png", "digests-1280.png", "digests-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

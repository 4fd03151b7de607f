"""The browser modules' Selenium driver, here so that no test module imports another."""

import shutil

import pytest

CHROMEDRIVER, CHROMIUM = "/usr/bin/chromedriver", "/usr/bin/chromium"


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Debian's headless Chromium and chromedriver, one per module: starting Chromium is the slow
    part, and each test signs in again (pages_in_browser.sign_in clears the cookies first)."""
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

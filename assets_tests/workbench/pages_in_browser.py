"""What the workbench's browser tests do to a page again and again: sign in, and save
screenshots under test-artifacts/workbench/ for a person to look at."""

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workbench"


def sign_in(driver, base_url: str, user_id: str) -> None:
    """Sign in as `user_id` through the dev sign-in form. The driver is shared by a module's
    tests and cookies do not tell ports apart, so the cookies go first: no test starts as the
    previous one's user. Returns once the sign-in's redirect has left /signin."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver.delete_all_cookies()
    driver.get(base_url + "/signin")
    Select(driver.find_element(By.ID, "user_id")).select_by_value(user_id)
    driver.find_element(By.ID, "signin-button").click()
    WebDriverWait(driver, 10).until(lambda d: not d.current_url.endswith("/signin"))


def narrow_screenshot(driver, name: str) -> tuple[int, int]:
    """The page at 390 px wide (a phone), saved as `name`: (the window's width, the page's scroll
    width), so the caller can assert nothing scrolls sideways."""
    driver.set_window_size(390, 1000)
    width = driver.execute_script("return window.innerWidth")
    overflow = driver.execute_script("return document.documentElement.scrollWidth")
    driver.save_screenshot(str(ARTIFACTS / name))
    return width, overflow


def whole_page(driver, name: str, width: int) -> None:
    """The page at `width` px, as tall as its content, saved as `name`: a window-sized shot
    would cut off what a person reviewing the screenshot needs to see below the fold."""
    driver.set_window_size(width, 1000)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, height + 40)
    driver.save_screenshot(str(ARTIFACTS / name))

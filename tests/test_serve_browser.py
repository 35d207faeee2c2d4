"""The members' page in a real browser: Selenium driving Debian's chromium (chromium-driver)
against `planner serve` on 127.0.0.1, with no help from JavaScript (the page has none)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from planner.cli import cli
from tests.conftest import SAMPLES
from tests.ics_clients import read_icalendar
from tests.serve_process import FeedServer, feed_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
"""Debian's chromium and chromium-driver (.ci/run installs them)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedServer]:
    plans = tmp_path_factory.mktemp("browser") / "plans"
    plans.mkdir()
    for name in ("club_half.toml", "half_marathon.csv"):
        shutil.copy(SAMPLES / name, plans)
    with feed_server(plans) as running:
        yield running


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def loaded(browser: webdriver.Chrome, element_id: str) -> WebElement:
    """The element of the page a click is loading, once that page has it."""
    wait = WebDriverWait(browser, 30)
    element: WebElement = wait.until(EC.presence_of_element_located((By.ID, element_id)))
    return element


def downloaded(folder: Path, name: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        target = folder / name
        if target.is_file() and not list(folder.glob("*.crdownload")):
            return target.read_bytes()
        time.sleep(0.1)
    raise AssertionError(f"nothing downloaded to {folder}: {list(folder.glob('*'))}")


def test_a_member_fills_the_form_and_subscribes(
    server: FeedServer, browser: webdriver.Chrome, downloads: Path, tmp_path: Path
) -> None:
    browser.get(f"{server.url}/")
    browser.find_element(By.LINK_TEXT, "Riverside Runners spring half").click()
    WebDriverWait(browser, 30).until(EC.url_to_be(f"{server.url}/club_half/"))
    browser.find_element(By.ID, "race_date").send_keys("2027-05-02")
    browser.find_element(By.ID, "timezone").send_keys("America/Chicago")
    Select(browser.find_element(By.ID, "long_run_day")).select_by_visible_text("sat")
    browser.find_element(By.ID, "run_days").send_keys("tue,thu,fri,sat,sun")
    browser.find_element(By.ID, "pace").send_keys("9:45")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # The click loads the next page; its elements are there once it has.
    summary = (
        WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "subscribe"))).text
    )
    assert "to race day Sun 02 May 2027 (America/Chicago)" in summary
    https = browser.find_element(By.ID, "https")
    link = https.get_attribute("href")
    assert link == (
        f"{server.url}/club_half.ics?race_date=2027-05-02&timezone=America/Chicago"
        "&run_days=tue,thu,fri,sat,sun&long_run_day=sat&pace=9:45"
    )
    webcal = browser.find_element(By.ID, "webcal").get_attribute("href")
    assert webcal == "webcal://" + link.removeprefix("http://")
    assert browser.find_element(By.CSS_SELECTOR, "#qr svg").is_displayed()

    https.click()  # the browser follows the link and saves the feed
    feed = downloaded(downloads, "club_half.ics")
    out = tmp_path / "built"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            str(SAMPLES / "club_half.toml"),
            "--race-date=2027-05-02",
            "--timezone=America/Chicago",
            "--run-days=tue,thu,fri,sat,sun",
            "--long-run-day=sat",
            "--pace=9:45",
            f"--out={out}",
        ],
    )
    assert result.exit_code == 0, result.output
    seen = read_icalendar(feed)
    wanted = read_icalendar((out / "plan.ics").read_bytes())
    assert sorted(e.uid for e in seen) == sorted(e.uid for e in wanted)
    assert seen == wanted


def test_a_bad_value_is_shown_beside_the_form_as_typed(
    server: FeedServer, browser: webdriver.Chrome
) -> None:
    browser.get(f"{server.url}/club_half/")
    browser.find_element(By.ID, "race_date").send_keys("2027-05-02")
    browser.find_element(By.ID, "run_time").send_keys("<b>7am</b>")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = loaded(browser, "error").text
    assert error == "run_time: expected a 24-hour time like 07:00 or 18:30, found '<b>7am</b>'"
    assert browser.find_element(By.ID, "run_time").get_attribute("value") == "<b>7am</b>"
    assert not browser.find_elements(By.ID, "subscribe")

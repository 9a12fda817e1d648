"""Browser tests: the asylum and testimony apps as real uvicorn processes, driven by headless Chromium.

They run once, in the SQLite pass: what they check (pages as a person uses them, what the browser fetches)
does not depend on the database, whose behaviour under both backends the HTTP tests already pin.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from carrots.commands.partners import development_operator_token, register_organisations
from carrots.organisations import DEV_ORGANISATIONS
from carrots.registry import ROOT, SERVICES
from shared.devkeys import ensure_dev_signing_key, ensure_service_keys
from shared.migrations import upgrade_to_head
from tests.harness import Tokens, backend
from tests.ports import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "build" / "screenshots"
PHONE = (360, 780)

pytestmark = pytest.mark.browser


def origin_of(url: str) -> str:
    """The scheme and host of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Served:
    """The apps under test, each at its own origin."""

    urls: dict[str, str]
    tokens: Tokens
    var_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def origin(self, name: str) -> str:
        return self.urls[name]

    def api(self, name: str) -> httpx.Client:
        """A plain HTTP client for one app, to play the partner's officer."""
        return httpx.Client(base_url=self.urls[name], timeout=10)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Migrate and start the registry, asylum and testimony on SQLite, each a real uvicorn process on a free port."""
    if backend() != "sqlite":
        pytest.skip("browser tests run once, in the SQLite pass")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium and chromedriver are missing: run `make browser` (make test does)")
    work = tmp_path_factory.mktemp("browser")
    var_dir = work / "var"
    tokens = Tokens(ensure_dev_signing_key(var_dir))
    # Every service's key exists before the apps start, so asylum knows eligibility's and accepts its approvals.
    ensure_service_keys(var_dir, SERVICES)
    served = Served(urls={}, tokens=tokens, var_dir=var_dir)
    try:
        # The registry first, with the development organisations, so the others find them when they start.
        for name in ("registry", "asylum", "testimony"):
            entry = SERVICES[name]
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            database = f"sqlite+aiosqlite:///{work / name}.db"
            upgrade_to_head(entry.migrations_dir, database)
            prefix = entry.env_prefix
            env = {
                **os.environ,
                f"{prefix}ENVIRONMENT": "test",
                f"{prefix}DATABASE_URL": database,
                f"{prefix}VAR_DIR": str(var_dir),
                f"{prefix}PUBLIC_URL": url,
                f"{prefix}OUTBOX_ENABLED": "false",
                f"{prefix}EXPIRY_SWEEP_ENABLED": "false",
                f"{prefix}REGISTRY_URL": served.urls.get("registry", ""),
            }
            command = [sys.executable, "-m", "uvicorn", "--factory", entry.app_factory, "--host", "127.0.0.1"]
            command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
            served.processes.append(subprocess.Popen(command, env=env, cwd=ROOT))
            served.urls[name] = url
            _wait_ready(url)
            if name == "registry":
                token = development_operator_token(var_dir)
                with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
                    register_organisations(client, DEV_ORGANISATIONS)
        yield served
    finally:
        for process in served.processes:
            process.terminate()
        for process in served.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not start"
        time.sleep(0.2)


class Browser:
    """Headless Chromium at phone size, which records every request it makes."""

    def __init__(self, driver: webdriver.Chrome, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads
        # (the page that asked, the URL it asked for), for every request since the browser started.
        self.requests: list[tuple[str, str]] = []

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.collect()

    def follow(self, link_text: str) -> None:
        """Follow a link by its words and wait for the page it leads to."""
        self._mark_page()
        self.driver.find_element(By.LINK_TEXT, link_text).click()
        self._wait_for_next_page()
        self.collect()

    def collect(self) -> list[tuple[str, str]]:
        """Every request the browser made, read from its network log."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                params = message["params"]
                self.requests.append((params.get("documentURL", ""), params["request"]["url"]))
        return self.requests

    @property
    def requested(self) -> list[str]:
        """Every URL requested so far."""
        return [url for _, url in self.collect()]

    def foreign_requests(self, origins: set[str]) -> list[str]:
        """What our pages asked for from any other origin (the browser's own start-up pages aside).

        `data:` URLs are left out: they are inline (the browser's own date picker icon is one) and reach no one.
        """
        return [
            url
            for page, url in self.collect()
            if origin_of(page) in origins and origin_of(url) not in origins and not url.startswith("data:")
        ]

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def button(self, text: str) -> WebElement:
        """The button a person would press, found by the words on it."""
        matches = [b for b in self.driver.find_elements(By.TAG_NAME, "button") if b.text.strip() == text]
        assert matches, f"no button reading {text!r} on {self.driver.current_url}"
        return matches[0]

    def _mark_page(self) -> None:
        self.driver.execute_script("document.documentElement.dataset.left = 'no'")

    def _wait_for_next_page(self) -> None:
        # A new document has no mark: it replaced the one we marked, and has finished loading.
        arrived = "return document.readyState === 'complete' && !document.documentElement.dataset.left"
        WebDriverWait(self.driver, 15).until(lambda driver: driver.execute_script(arrived))

    def press(self, text: str, *, navigates: bool = True) -> None:
        """Press a button; wait for the page it leads to, unless it only downloads a file."""
        self._mark_page()
        for attempt in range(3):
            try:
                self.button(text).click()
                break
            except WebDriverException as error:
                # chromedriver sometimes loses track of nodes after the screen emulation changed; the click
                # was not sent, so looking the button up again and pressing it once more is safe.
                if "does not belong to the document" not in str(error) or attempt == 2:
                    raise
        if navigates:
            self._wait_for_next_page()
        self.collect()

    def type_into(self, label: str, text: str) -> None:
        """Type into the field a label names, as a person reading the label would."""
        found = [element for element in self.driver.find_elements(By.TAG_NAME, "label") if label in element.text]
        assert found, f"no field labelled {label!r}"
        field = self.driver.find_element(By.ID, str(found[0].get_attribute("for")))
        field.clear()
        field.send_keys(text)

    def main_text(self) -> str:
        return " ".join(self.find("main").text.split())

    def language(self) -> str:
        return str(self.find("html").get_attribute("lang"))

    def fits_the_screen(self) -> bool:
        """Whether the page needs no sideways scrolling at this width."""
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        inner = self.driver.execute_script("return window.innerWidth")
        return bool(width <= inner)

    def _emulate(self, width: int, height: int) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
        )

    def screenshot(self, name: str) -> Path:
        """Save the whole page, top to bottom, as `build/screenshots/<name>-<language>.png`."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        metrics: dict[str, Any] = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        height = max(PHONE[1], int(metrics["cssContentSize"]["height"]) + 1)
        # A screen as tall as the page, for the picture only, then the phone's screen again.
        self._emulate(PHONE[0], height)
        try:
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        finally:
            self._emulate(*PHONE)
        path = SCREENSHOTS / f"{name}-{self.language()}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@pytest.fixture
def browser(tmp_path: Path, served: Served) -> Iterator[Browser]:
    """A fresh headless Chromium (its own profile, English first) pointed at nothing but our apps."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": "en-GB,en",
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # Pointed at Debian's driver explicitly, so Selenium never looks for or downloads one.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser = Browser(driver, downloads)
    # A phone's screen: headless windows cannot be narrower than 500 px, the emulated screen can.
    browser._emulate(*PHONE)
    try:
        yield browser
    finally:
        driver.quit()

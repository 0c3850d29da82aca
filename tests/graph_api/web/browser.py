"""The browser tests' parts: `smekg serve`, Debian's Chromium driven by Selenium, the pages.

:class:`SmekgServe` runs the real server. One headless Chromium (``/usr/bin/chromium``,
through ``/usr/bin/chromedriver``: never a browser or driver that Selenium Manager would
download) per test session, wrapped in :class:`Browser`: open a page of the app and wait
until it is drawn, read the console, run axe-core (vendored beside these tests), take
full-page screenshots into ``build/screenshots/`` and let the browser download files into a
folder. :data:`PAGE_NAMES` are the pages that the tests of every page visit (:class:`Visit`:
what one visit found).
"""

from __future__ import annotations

import base64
import os
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import free_port
from tests.helpers import REPO_ROOT, stop_process, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
"""Where the tests write a screenshot of every page (gitignored, like all of build/)."""

WIDTH, HEIGHT = 1366, 900
"""The window: a common laptop screen."""
NARROW = 700
"""A laptop split screen: half of a 1366 or 1440 px wide screen."""
SCROLLBAR = 20
"""At most this much of a window's width is its vertical scrollbar."""
MAX_SHOT_HEIGHT = 8000
"""Full-page screenshots are cut at this height (a long member list would be huge)."""
BLOCKING_IMPACTS = ("serious", "critical")
"""The axe-core impacts the issue forbids."""
WAIT = 30.0
"""Seconds to wait for a page, a drawing or a download (the machine has two busy cores)."""


def start_chromium(log: Path) -> WebDriver:
    """Debian's Chromium, headless, with the console recorded; fails (never skips) with
    what to run when the browser or its driver is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER)
               if not (path.is_file() and os.access(path, os.X_OK))]
    if missing:
        pytest.fail(f"the browser tests need Debian's chromium and chromium-driver "
                    f"({', '.join(missing)} missing): run `bash scripts/browser`",
                    pytrace=False)
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={WIDTH},{HEIGHT}", "--lang=en-GB",
                     "--no-first-run", "--no-default-browser-check",
                     "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # a driver path of our own: Selenium Manager is not asked for (nor downloads) anything
    service = Service(str(CHROMEDRIVER), log_output=str(log))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT * 2)
    driver.set_script_timeout(WAIT * 4)  # axe-core on a long page
    return driver


@dataclass
class Violation:
    """One axe-core rule broken on a page, with the elements that break it."""

    id: str
    impact: str
    help: str
    nodes: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        shown = "\n".join(f"      {node['target']}: {node['html'][:160]}"
                          for node in self.nodes[:5])
        more = f"\n      … and {len(self.nodes) - 5} more" if len(self.nodes) > 5 else ""
        return f"  {self.id} ({self.impact}): {self.help}\n{shown}{more}"


_AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(function (result) {
  done({violations: result.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(function (n) {
              return {target: n.target.join(" "), html: n.html, impact: n.impact};
            })};
  })});
}, function (error) { done({error: String(error)}); });
"""

_NEXT_FRAMES = """
const done = arguments[arguments.length - 1];
requestAnimationFrame(function () { requestAnimationFrame(function () { done(true); }); });
"""


class Browser:
    """The session's Chromium, pointed at one server."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self._kept: list[dict[str, Any]] = []

    # -- pages ------------------------------------------------------------------------
    def open(self, path: str, *, ready: str | None = None) -> None:
        """Open ``path`` of the server; wait until the document is complete and, with
        ``ready`` (a CSS selector: the map, the graph), until it says ``data-ready=true``.
        The console of earlier pages is dropped first."""
        self.console()
        self.driver.get(self.base_url + path)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete",
                  f"{path} did not finish loading")
        if ready is not None:
            self.wait_ready(ready)

    def wait_ready(self, selector: str) -> None:
        """Wait until the element ``selector`` has ``data-ready="true"`` (drawn)."""
        script = ("const e = document.querySelector(arguments[0]);"
                  "return e !== null && e.getAttribute('data-ready') === 'true';")
        self.wait(lambda d: d.execute_script(script, selector),
                  f"{selector} never got data-ready=true on {self.path}")

    def wait(self, condition: Callable[[WebDriver], Any], message: str,
             timeout: float = WAIT) -> Any:
        """What ``condition`` returns once it is truthy; fails with ``message`` (and the
        console's errors so far) after ``timeout`` seconds."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(condition)
        except Exception as error:  # a timeout, or the condition failing all along
            errors = "\n".join(entry["message"] for entry in self.console(keep=True)
                               if entry["level"] == "SEVERE")
            raise AssertionError(f"{message} ({type(error).__name__}: {error})"
                                 + (f"\nconsole errors:\n{errors}" if errors else "")) from None

    def settle(self) -> None:
        """Wait for two animation frames (layout and painting after a change)."""
        self.driver.execute_async_script(_NEXT_FRAMES)

    @property
    def path(self) -> str:
        """The path and query of the page shown."""
        url = urlsplit(self.driver.current_url)
        return url.path + (f"?{url.query}" if url.query else "")

    # -- the console ------------------------------------------------------------------
    def console(self, *, keep: bool = False) -> list[dict[str, Any]]:
        """The console entries logged since the last call (``level``: SEVERE, WARNING,
        INFO; a CSP violation, an uncaught exception or a failed request is SEVERE).
        Chromedriver hands each entry out once; ``keep`` keeps them for the next call."""
        entries = [*self._kept, *self.driver.get_log("browser")]
        self._kept = entries if keep else []
        return entries

    def console_errors(self) -> list[str]:
        """The messages of the SEVERE console entries logged since the last call."""
        return [entry["message"] for entry in self.console() if entry["level"] == "SEVERE"]

    # -- accessibility ----------------------------------------------------------------
    def axe(self) -> list[Violation]:
        """Run axe-core on the page shown; its serious and critical violations."""
        if not self.driver.execute_script("return typeof window.axe === 'object';"):
            # injected by WebDriver, which the page's Content-Security-Policy does not govern
            self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(_AXE_RUN)
        if "error" in result:
            raise AssertionError(f"axe-core failed on {self.path}: {result['error']}")
        return [Violation(**found) for found in result["violations"]
                if found["impact"] in BLOCKING_IMPACTS]

    # -- screenshots ------------------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        """A full-page PNG of the page shown: ``build/screenshots/<name>.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.settle()
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"],
                "height": min(size["height"], MAX_SHOT_HEIGHT), "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                       "clip": clip})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    @contextmanager
    def window_width(self, width: int) -> Iterator[None]:
        """The window ``width`` pixels wide for a while (then set back)."""
        self.driver.set_window_size(width, HEIGHT)
        try:
            self.settle()
            yield
        finally:
            self.driver.set_window_size(WIDTH, HEIGHT)
            self.settle()

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window shows (0: no sideways
        scrolling)."""
        return int(self.driver.execute_script(
            "const root = document.documentElement; return root.scrollWidth - root.clientWidth;"))

    # -- downloads --------------------------------------------------------------------
    def download_to(self, directory: Path) -> None:
        """Save what the browser downloads into ``directory`` (no dialog)."""
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(directory)})

    def downloaded(self, directory: Path, before: set[Path]) -> Path:
        """The file that appeared in ``directory`` (besides ``before``), once complete."""
        def finished(_: WebDriver) -> Path | None:
            new = [path for path in directory.iterdir() if path not in before]
            done = [path for path in new if not path.name.endswith(".crdownload")]
            return done[0] if done and len(done) == len(new) else None
        return self.wait(finished, f"no download finished in {directory}")


def png_size(path: Path) -> tuple[int, int]:
    """The width and height of a PNG file (from its IHDR chunk)."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


# -- the server and the pages ------------------------------------------------------------

class SmekgServe:
    """A running ``smekg serve --host 127.0.0.1 --port N --store STORE``."""

    def __init__(self, store: Path, log: Path, *options: str) -> None:
        self.store, self.log = store, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = Path(sys.executable).with_name("smekg")
        if not command.exists():
            pytest.fail(f"no {command}: install smekg into this environment "
                        "(`bash scripts/bootstrap`)", pytrace=False)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(command), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--store", str(store), *options],
                cwd=REPO_ROOT, env={**os.environ, "SMEKG_STORE": str(store)},
                stdout=out, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        problem = wait_until_up(self.process, f"{self.url}/health", timeout=90.0,
                                probe_timeout=2.0)
        if problem is not None:
            self.stop()
            pytest.fail(f"smekg serve {problem}:\n{self.log.read_text()}", pytrace=False)

    def stop(self) -> None:
        stop_process(self.process)


@dataclass(frozen=True)
class Page:
    """A page of the app: its path and, for a map or a graph, the element that says
    ``data-ready=true`` once drawn."""

    path: str
    ready: str | None = None


PAGE_NAMES = ("home", "search", "organisation", "network", "project", "programme",
              "good-practice", "policy", "region", "sector", "country", "coverage", "gaps",
              "compare", "map", "graph", "networks", "projects", "sources")
"""Every page the tests visit: each kind of page at least once."""
NARROW_PAGES = ("home", "coverage")
"""Also shot at the width of a laptop split screen."""

COVERAGE = {"region": "ITH55", "sector": "C25"}
"""The issue's question: who covers Bologna for the manufacture of metal products."""


@dataclass
class Visit:
    """What one visit of a page found."""

    name: str
    page: Page
    status: int
    """The HTTP status of the page (fetched with httpx)."""
    headers: httpx.Headers
    drawn: bool | None
    """Whether the map or the graph of the page got ``data-ready=true`` (None: none)."""
    screenshots: list[Path]
    violations: list[Violation]
    """axe-core's serious and critical violations."""
    errors: list[str]
    """Console errors on loading the page."""
    typing_errors: list[str]
    """Console errors after typing in the search box."""
    overflow: dict[int, int] = field(default_factory=dict)
    """How far the page is wider than the window, by window width."""


SEARCH_TEXT = "Bologna"
SESSION_STARTED = time.time()
"""When the tests were collected: every screenshot is newer (none left from a past run)."""

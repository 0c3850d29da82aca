"""The browser tests' set-up: one real `smekg serve` and one Debian Chromium per session.

The server serves a copy of the seeded store (everything `smekg load` loads) on a free
loopback port; the browser (:mod:`tests.graph_api.web.browser`) visits it. Every page the
tests look at is visited once (:func:`visit`): its screenshot, its axe-core violations and its
console errors (after typing in the search box too) are kept for the tests that assert on
them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from smekg.graph_api.web.templating import entity_url
from tests.graph_api.web.browser import (
    COVERAGE,
    NARROW,
    NARROW_PAGES,
    SEARCH_TEXT,
    Browser,
    Page,
    SmekgServe,
    Visit,
    start_chromium,
)


@pytest.fixture(scope="session")
def web_server(seeded_store_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmekgServe]:
    """`smekg serve` on a copy of the seeded store."""
    directory = tmp_path_factory.mktemp("web")
    store = directory / "store"
    shutil.copytree(seeded_store_dir, store)
    server = SmekgServe(store, directory / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rest(web_server: SmekgServe) -> Iterator[httpx.Client]:
    """An HTTP client of the same server: the REST API the pages are checked against."""
    with httpx.Client(base_url=web_server.url, timeout=60.0) as client:
        yield client


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Debian's Chromium, headless, 1366x900 (fails when it is not installed)."""
    driver = start_chromium(tmp_path_factory.mktemp("chromedriver") / "chromedriver.log")
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def browser(chromium: WebDriver, web_server: SmekgServe) -> Browser:
    return Browser(chromium, web_server.url)


def _first(rest: httpx.Client, path: str, kind: str) -> str:
    """The code of the first entity of ``kind`` that the REST list ``path`` gives."""
    answer = rest.get(path, params={"limit": 1000})
    answer.raise_for_status()
    found = [item["code"] for item in answer.json()["results"] if item["type"] == kind]
    assert found, f"{path} lists no {kind}"
    return found[0]


@pytest.fixture(scope="session")
def pages(rest: httpx.Client) -> dict[str, Page]:
    """Every page of :data:`PAGE_NAMES`; the entity pages of entities the REST API names."""
    keys = {"organisation": _first(rest, "/organisations", "organisation"),
            "network": "insme",
            "project": _first(rest, "/projects", "project"),
            "programme": _first(rest, "/programmes", "programme"),
            "good-practice": "emilia-romagna-go-global",
            "policy": _first(rest, "/policies", "policy"),
            "region": COVERAGE["region"], "sector": COVERAGE["sector"], "country": "IT"}
    found = {}
    for name, key in keys.items():
        answer = rest.get(f"/entities/{key}")
        answer.raise_for_status()
        found[name] = Page(entity_url(answer.json()))
    return {
        "home": Page("/"),
        "search": Page("/app/search?q=Bologna"),
        **found,
        "coverage": Page("/app/coverage?region=ITH55&sector=C25"),
        "gaps": Page("/app/gaps?scope=IT"),
        "compare": Page("/app/compare?a=ITH5&b=GB-KEN&sector=C25"),
        "map": Page("/app/map?scope=IT&level=nuts2", ready="#map"),
        "graph": Page("/app/graph?root=insme-steering-group&direction=members&depth=1",
                      ready="#graph"),
        "networks": Page("/app/networks"),
        "projects": Page("/app/projects"),
        "sources": Page("/app/sources"),
    }


def _visit(browser: Browser, rest: httpx.Client, name: str, page: Page) -> Visit:
    response = rest.get(page.path)
    browser.open(page.path)
    errors = browser.console_errors()
    drawn = None
    if page.ready is not None and response.status_code != 200:
        drawn = False
    elif page.ready is not None:
        try:
            browser.wait_ready(page.ready)
            drawn = True
        except AssertionError as error:
            drawn = False
            errors.append(str(error))
    errors += browser.console_errors()
    shots = [browser.screenshot(name)]
    overflow = {}
    if name in NARROW_PAGES:
        with browser.window_width(NARROW):
            shots.append(browser.screenshot(f"{name}-narrow"))
            overflow[NARROW] = browser.horizontal_overflow()
    violations = browser.axe()
    errors += browser.console_errors()
    typing_errors = []
    try:
        box = browser.driver.find_element(By.ID, "site-search")
        box.clear()
        box.send_keys(SEARCH_TEXT)
        browser.wait(lambda d: d.execute_script(
            "const l = document.getElementById('site-search-list');"
            "return l !== null && !l.hidden && l.children.length > 0;"),
            f"no suggestions for {SEARCH_TEXT!r} in the search box of {page.path}")
    except (AssertionError, WebDriverException) as error:
        typing_errors.append(str(error))
    typing_errors += browser.console_errors()
    return Visit(name, page, response.status_code, response.headers, drawn, shots,
                 violations, errors, typing_errors, overflow)


@pytest.fixture(scope="session")
def visit(browser: Browser, rest: httpx.Client,
          pages: dict[str, Page]) -> Callable[[str], Visit]:
    """Visit a page once per session: screenshot(s), axe-core, the console before and
    after typing in the header's search box."""
    visits: dict[str, Visit] = {}

    def visit_page(name: str) -> Visit:
        if name not in visits:
            visits[name] = _visit(browser, rest, name, pages[name])
        return visits[name]

    return visit_page

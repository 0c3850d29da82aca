"""The web app in a real browser: Debian's Chromium, driven by Selenium, against a real
`smekg serve` on the bundled data (issue 19, "Tested in a real browser").

What a page shows is checked against the REST API of the same server, never against
numbers written here; the issue's own facts (Bologna, C25, Emilia-Romagna Go Global, INSME)
name the questions. Every page visited is screenshotted into ``build/screenshots/``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from tests.graph_api.web.browser import (
    COVERAGE,
    NARROW,
    NARROW_PAGES,
    PAGE_NAMES,
    SCROLLBAR,
    SEARCH_TEXT,
    SESSION_STARTED,
    WIDTH,
    Browser,
    Page,
    SmekgServe,
    Visit,
    png_size,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

ERGO = "emilia-romagna-go-global"
INSME = ("insme", "insme-steering-group")
STEERING_GROUP = "insme-steering-group"


def _path(url: str) -> str:
    return urlsplit(url).path


def _rows(browser: Browser) -> list[WebElement]:
    return browser.driver.find_elements(By.CSS_SELECTOR, "table#coverage tr[data-iri]")


def _iris(browser: Browser) -> list[str]:
    return [row.get_attribute("data-iri") or "" for row in _rows(browser)]


def _rest_coverage(rest: httpx.Client) -> dict:
    answer = rest.get("/coverage", params=COVERAGE)
    answer.raise_for_status()
    return answer.json()


def _read_csv(data: bytes) -> pd.DataFrame:
    # utf-8-sig: the CSVs start with a byte-order mark, for Excel
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


# -- 1. search -> region -> coverage ------------------------------------------------------

def test_search_bologna_then_coverage_for_c25(browser: Browser, rest: httpx.Client) -> None:
    driver = browser.driver
    browser.open("/")
    box = driver.find_element(By.ID, "site-search")
    suggested = rest.get("/app/suggest", params={"q": "Bologna"}).json()
    box.send_keys("Bologna")

    def listed(_: object) -> bool:  # the list for "Bologna" (not for what was typed before)
        shown = driver.execute_script(
            "const l = document.getElementById('site-search-list');"
            "return l === null || l.hidden ? [] : Array.from(l.children, li => li.textContent);")
        return len(shown) == len(suggested) and all(
            hit["label"] in text for hit, text in zip(suggested, shown, strict=True))

    browser.wait(listed, f"the search box did not list the suggestions {suggested}")
    box.send_keys(Keys.ENTER)
    browser.wait(lambda d: _path(d.current_url) == "/app/region/ITH55",
                 "Enter in the search box did not open the region page of ITH55 (Bologna)")
    browser.wait(lambda d: d.execute_script("return document.readyState") == "complete",
                 "the region page did not load")

    form = driver.find_element(By.ID, "region-coverage-form")
    sector = form.find_element(By.NAME, "sector")
    sector.clear()
    sector.send_keys(COVERAGE["sector"])
    buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit], input[type=submit],"
                                                  " button:not([type])")
    assert buttons, "the region's coverage form has no submit button"
    buttons[0].click()
    browser.wait(lambda d: _path(d.current_url) == "/app/coverage"
                 and d.find_elements(By.CSS_SELECTOR, "table#coverage"),
                 "the region's coverage form did not open the coverage table")
    asked = parse_qs(urlsplit(driver.current_url).query)
    assert asked.get("region") == [COVERAGE["region"]], asked
    assert asked.get("sector") == [COVERAGE["sector"]], asked

    expected = _rest_coverage(rest)
    assert _iris(browser) == [item["iri"] for item in expected["results"]]
    by_code = {item["code"]: item for item in expected["results"]}

    ergo = by_code[ERGO]
    row = driver.find_element(By.CSS_SELECTOR, f"table#coverage tr[data-iri='{ergo['iri']}']")
    assert "Emilia-Romagna Go Global" in row.text
    reason = row.find_element(By.CSS_SELECTOR, "td.explanation").text
    assert ergo["match"]["region"]["label"] in reason, reason

    chained = [by_code[code] for code in INSME
               if code in by_code and by_code[code]["match"]["member_chain"]]
    assert chained, "neither INSME nor its Steering Group covers Bologna through members"
    for item in chained:
        row = driver.find_element(By.CSS_SELECTOR, f"table#coverage tr[data-iri='{item['iri']}']")
        chain = row.find_element(By.CSS_SELECTOR, ".chain").text
        for link in item["match"]["member_chain"]:
            assert link["label"] in chain, (link, chain)
    assert not browser.console_errors()


# -- 2. the map of Italy -------------------------------------------------------------------

def test_map_of_italy_draws_every_nuts2_region(browser: Browser, rest: httpx.Client) -> None:
    answer = rest.get("/regions", params={"within": "IT", "level": "nuts2", "limit": 1000})
    answer.raise_for_status()
    regions = answer.json()["results"]
    # the map draws the newest NUTS (a region of an older version only is not on it)
    newest = max(version for region in regions for version in region["versions"])
    codes = [region["code"] for region in regions if newest in region["versions"]]
    assert "ITH5" in codes

    path = "/app/map?scope=IT&level=nuts2"
    assert rest.get(path).status_code == 200, path
    browser.open(path, ready="#map")
    driver = browser.driver
    drawn = driver.find_element(By.ID, "map").get_attribute("data-regions")
    assert drawn is not None and int(drawn) == len(codes)
    missing = [code for code in codes
               if not driver.find_elements(By.CSS_SELECTOR, f".region.region-{code}")]
    assert not missing, f"no path for {missing}"
    # the table under the map: every region with the number of providers covering it
    table = {row.get_attribute("data-code"): row.find_element(By.CSS_SELECTOR, "td.num").text
             for row in driver.find_elements(By.CSS_SELECTOR, "table#map-regions tr[data-code]")}
    assert sorted(table) == sorted(codes)
    for code in ("ITH5", codes[0]):
        covering = rest.get("/coverage", params={"region": code, "limit": 1}).json()["count"]
        assert table[code].split()[0] == f"{covering:,}", (code, table[code], covering)
    assert not browser.console_errors()

    driver.find_element(By.CSS_SELECTOR, ".region-ITH5").click()
    browser.wait(lambda d: _path(d.current_url) == "/app/region/ITH5",
                 "a click on Emilia-Romagna did not open its page")


# -- 3. the graph of the INSME Steering Group ------------------------------------------------

def test_graph_shows_the_member_countries(browser: Browser, rest: httpx.Client) -> None:
    answer = rest.get(f"/networks/{STEERING_GROUP}/members", params={"limit": 1000})
    answer.raise_for_status()
    members = answer.json()["results"]
    root = members[0]["network"]["iri"]
    # a member with two roles (member and chair) is one node
    countries = {item["iri"] for item in members if item["type"] == "country"}
    assert len(countries) == 41  # the figure

    path = f"/app/graph?root={STEERING_GROUP}&direction=members&depth=1"
    assert rest.get(path).status_code == 200, path
    browser.open(path, ready="#graph")
    driver = browser.driver
    assert driver.find_element(By.ID, "graph").get_attribute("data-countries") == \
        str(len(countries))
    drawn = driver.execute_script(
        "return window.smekgGraph.nodes('[kind = \"country\"]').length;")
    assert drawn == len(countries)
    # the table beside the graph: the root and each member once
    listed = {row.get_attribute("data-id"): row.get_attribute("data-kind") for row in
              driver.find_elements(By.CSS_SELECTOR, "table#graph-nodes tr[data-id]")}
    assert set(listed) == {root} | {item["iri"] for item in members}
    assert {iri for iri, kind in listed.items() if kind == "country"} == countries
    assert driver.find_element(By.ID, "graph").get_attribute("data-nodes") == str(len(listed))
    assert not browser.console_errors()


# -- 4. CSV ----------------------------------------------------------------------------------

def test_coverage_csv_has_the_rows_of_the_rest_csv(
        browser: Browser, rest: httpx.Client, tmp_path: Path) -> None:
    expected = rest.get("/coverage", params={**COVERAGE, "format": "csv"})
    expected.raise_for_status()
    expected_rows = _read_csv(expected.content)
    assert len(expected_rows) == _rest_coverage(rest)["count"]

    browser.open("/app/coverage?region=ITH55&sector=C25")
    link = browser.driver.find_element(By.ID, "download-csv")
    href = link.get_attribute("href")
    assert href
    fetched = rest.get(href)
    fetched.raise_for_status()
    pd.testing.assert_frame_equal(_read_csv(fetched.content), expected_rows)

    browser.download_to(tmp_path)
    link.click()
    downloaded = browser.downloaded(tmp_path, set())
    assert downloaded.suffix == ".csv", downloaded.name
    pd.testing.assert_frame_equal(_read_csv(downloaded.read_bytes()), expected_rows)


# -- 5. the same question as REST, SPARQL and Cypher ------------------------------------------

def _snippets(browser: Browser) -> dict[str, str]:
    browser.open("/app/coverage?region=ITH55&sector=C25")
    codes = browser.driver.find_elements(By.CSS_SELECTOR, "details#question code[data-lang]")
    return {code.get_attribute("data-lang") or "": code.get_attribute("textContent") or ""
            for code in codes}


def test_rest_and_sparql_snippets_answer_as_the_view(
        browser: Browser, web_server: SmekgServe) -> None:
    snippets = _snippets(browser)
    shown = _iris(browser)
    assert shown, "the coverage view lists nothing"
    assert {"rest", "sparql"} <= snippets.keys(), snippets.keys()

    url = snippets["rest"].strip()
    answer = httpx.get(url if url.startswith("http") else web_server.url + url, timeout=60)
    answer.raise_for_status()
    assert [item["iri"] for item in answer.json()["results"]] == shown

    sparql = SPARQLWrapper(f"{web_server.url}/sparql")
    sparql.setQuery(snippets["sparql"])
    sparql.setReturnFormat(JSON)
    sparql.setMethod(POST)
    bindings = sparql.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert {row["entity"]["value"] for row in bindings} == set(shown)


@pytest.mark.neo4j
def test_cypher_snippet_answers_as_the_view(
        browser: Browser, neo4j, seeded_store_dir: Path) -> None:
    snippets = _snippets(browser)
    shown = _iris(browser)
    assert shown, "the coverage view lists nothing"
    assert "cypher" in snippets, snippets.keys()
    first, blank, query = snippets["cypher"].partition("\n\n")
    assert first.startswith(":params ") and blank, snippets["cypher"][:200]
    params = json.loads(first.removeprefix(":params "))
    neo4j.use(seeded_store_dir)  # what the server serves (it serves a copy of it)
    records, _, _ = neo4j.driver.execute_query(query, params)
    assert {record["entity"] for record in records} == set(shown)


# -- 6, 7, 8. every page: accessible, no console error, a screenshot ----------------------------

@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_no_serious_accessibility_violation(
        name: str, visit: Callable[[str], Visit]) -> None:
    found = visit(name)
    assert found.status == 200, f"{found.page.path}: HTTP {found.status}"
    assert not found.violations, (
        f"axe-core on {found.page.path}:\n" + "\n".join(map(str, found.violations)))


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_logs_no_console_error(name: str, visit: Callable[[str], Visit]) -> None:
    found = visit(name)
    assert found.status == 200, f"{found.page.path}: HTTP {found.status}"
    assert "script-src 'self'" in found.headers.get("content-security-policy", "")
    assert not found.errors, f"console errors on {found.page.path}:\n" + "\n".join(found.errors)
    assert not found.typing_errors, (
        f"console errors on {found.page.path} after typing {SEARCH_TEXT!r} in the search box:\n"
        + "\n".join(found.typing_errors))


@pytest.mark.parametrize("name", NARROW_PAGES)
def test_page_fits_a_laptop_split_screen(name: str, visit: Callable[[str], Visit]) -> None:
    found = visit(name)
    assert found.overflow[NARROW] <= 0, (
        f"{found.page.path} is {found.overflow[NARROW]} px wider than a {NARROW} px window")


def test_every_page_has_a_screenshot(visit: Callable[[str], Visit],
                                     pages: dict[str, Page]) -> None:
    written: list[Path] = []
    for name in PAGE_NAMES:
        written += visit(name).screenshots
    expected = {*PAGE_NAMES, *(f"{name}-narrow" for name in NARROW_PAGES)}
    assert {path.stem for path in written} == expected
    for path in written:
        assert path.stat().st_size > 10_000, f"{path} is nearly empty"
        width, height = png_size(path)
        assert height >= 300, (path, width, height)
        window = NARROW if path.stem.endswith("-narrow") else WIDTH
        assert window - SCROLLBAR <= width <= window, (path, width)
        assert path.stat().st_mtime >= SESSION_STARTED, f"{path} is from an earlier run"

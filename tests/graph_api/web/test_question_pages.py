"""The coverage, gaps and comparison pages over real HTTP, checked against the REST API.

A real ``uvicorn`` serves the bundled data (the ``client`` fixture of
``tests/graph_api/conftest.py``); every expected value comes from the REST answer to the
same question or from the same server's SPARQL endpoint, never written down here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from smekg.graph_api.web.questions import counts_by_kind
from smekg.graph_api.web.templating import entity_url
from tests.graph_api.web.dom import Element, fetch, parse, read_csv

pytestmark = pytest.mark.server

ERGO = "https://w3id.org/smekg/id/good-practice/emilia-romagna-go-global"
STEERING_GROUP = "https://w3id.org/smekg/id/organisation/insme-steering-group"
INSME = "https://w3id.org/smekg/id/organisation/insme"


@pytest.fixture
def page(client: httpx.Client) -> Callable[..., tuple[httpx.Response, Element]]:
    """GET a page and parse it; fails unless it is HTML with the app's security policy."""

    def get(path: str, status: int = 200,
            **params: str | list[str]) -> tuple[httpx.Response, Element]:
        return fetch(client, path, status, params)

    return get


def _all_pages(client: httpx.Client, path: str, table: str,
               **params: str | list[str]) -> list[Element]:
    """The rows of ``table#{table}`` on every page, following the pager's next links."""
    rows: list[Element] = []
    response = client.get(path, params=params)
    for _ in range(1000):
        assert response.status_code == 200, response.text[:2000]
        document = parse(response.text)
        rows += document.one("table", id=table).one("tbody").all("tr")
        following = document.all("a", rel="next")
        if not following:
            return rows
        response = client.get(following[0].attrs["href"])
    raise AssertionError("more than 1000 pages")


def _with(url: str, **params: str | int) -> str:
    """``url`` with more query parameters (httpx's ``params`` would replace its own)."""
    extra = "&".join(f"{key}={value}" for key, value in params.items())
    return url + ("&" if "?" in url else "?") + extra


def _sparql_entities(client: httpx.Client, query: str, variable: str = "entity") -> set[str]:
    response = client.post("/sparql", data={"query": query},
                           headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:2000]
    return {binding[variable]["value"] for binding in response.json()["results"]["bindings"]
            if variable in binding}


# -- coverage ------------------------------------------------------------------------------
QUESTIONS = [{"region": "ITH55", "sector": "C25"}, {"region": "ITH55"},
             {"region": "IT", "type": "network"}, {"sector": "C25"}]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: "&".join(q.values()))
def test_coverage_lists_what_rest_lists_in_its_order(client, question) -> None:
    rest = client.get("/coverage", params={**question, "limit": 10_000}).json()
    rows = _all_pages(client, "/app/coverage", "coverage", **question)
    assert [row.attrs["data-iri"] for row in rows] == [item["iri"] for item in rest["results"]]
    for row, item in zip(rows, rest["results"], strict=True):
        assert row.one("td", class_="explanation").text == " ".join(
            item["match"]["explanation"].split())
        assert row.one("td", class_="provider").one("a").attrs["href"] == entity_url(item)


def test_coverage_of_bologna_gives_each_reason_and_draws_the_chain(client, page) -> None:
    rest = client.get("/coverage", params={"region": "ITH55", "sector": "C25"}).json()
    by_iri = {item["iri"]: item for item in rest["results"]}
    _, document = page("/app/coverage", region="ITH55", sector="C25")
    rows = {row.attrs["data-iri"]: row for row in document.one("table", id="coverage")
            .one("tbody").all("tr")}

    ergo = rows[ERGO]
    assert "Emilia-Romagna Go Global" in ergo.one("td", class_="provider").text
    assert ergo.one("td", class_="explanation").text == by_iri[ERGO]["match"]["explanation"]
    through = by_iri[ERGO]["match"]["region"]
    assert ergo.one("td", class_="region").one("a").attrs["href"] == entity_url(through)
    assert not ergo.all(class_="chain")

    group = rows[STEERING_GROUP]
    chain = by_iri[STEERING_GROUP]["match"]["member_chain"]
    assert chain and by_iri[STEERING_GROUP]["match"]["kind"] == "through_members"
    drawn = group.one(class_="chain").one("ol").all("li")
    # from the provider down to the member that covers: the REST chain read backwards
    assert [li.attrs["data-iri"] for li in drawn] == [ref["iri"] for ref in reversed(chain)]
    assert [li.one("a").attrs["href"] for li in drawn] == [entity_url(ref)
                                                           for ref in reversed(chain)]
    assert all("has member" in li.text for li in drawn[1:])
    assert group.one("td", class_="explanation").text == by_iri[STEERING_GROUP]["match"][
        "explanation"]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: "&".join(q.values()))
def test_counts_by_kind_are_over_the_whole_answer(client, page, question) -> None:
    rest = client.get("/coverage", params={**question, "limit": 10_000}).json()
    _, document = page("/app/coverage", **question)
    assert int(document.one(id="count").attrs["data-count"]) == rest["count"]
    counts = {row.attrs["data-kind"]: int(row.one("td").text.replace(",", ""))
              for row in document.one("table", id="counts-by-kind").one("tbody").all("tr")}
    assert sum(counts.values()) == rest["count"]
    assert counts == dict(Counter(item["type"] or "other" for item in rest["results"]))


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: "&".join(q.values()))
def test_counts_by_kind_of_a_large_answer_by_the_kind_filter_are_the_same(
        oxigraph_service, question) -> None:
    # a large answer is counted with the kind filter, not provider by provider: both ways
    # agree (exact=0 takes the large answers' way on the bundled data)
    form = {key: question.get(key) for key in ("region", "sector", "type", "service",
                                               "typology")}
    everything = oxigraph_service.coverage(form["region"], form["sector"], form["type"],
                                           limit=None)
    expected = Counter(item.type or "other" for item in everything.results)
    page_ = oxigraph_service.coverage(form["region"], form["sector"], form["type"],
                                      offset=1, limit=1)
    counted = counts_by_kind(oxigraph_service, form, page_, exact=0)
    if form["type"] is None:
        assert counted.method == "filter" and dict(counted.counts) == dict(expected)
        assert counted.counted == everything.count
    else:  # a kind asked cannot be combined with the filter: the first ones are counted
        assert counted.method == "first" and counted.counted == 0


def test_a_region_by_name_is_read_and_said_so(client, page) -> None:
    by_code = client.get("/coverage", params={"region": "ITH55", "sector": "C25"}).json()
    by_name = client.get("/coverage", params={"region": "Bologna", "sector": "C25"}).json()
    _, document = page("/app/coverage", region="Bologna", sector="C25")
    rows = document.one("table", id="coverage").one("tbody").all("tr")
    assert [row.attrs["data-iri"] for row in rows] == [item["iri"] for item in
                                                        by_code["results"]]
    notes = document.one(id="notes").text
    assert by_name["notes"] and all(" ".join(note.split()) in notes
                                    for note in by_name["notes"])
    assert document.one("input", id="cf-region").attrs["value"] == "Bologna"


def test_a_name_that_reads_as_no_region_is_a_422_page_with_suggestions(client, page) -> None:
    rest = client.get("/coverage", params={"region": "Bologn", "sector": "C25"})
    assert rest.status_code == 422
    suggestions = rest.json()["suggestions"]
    assert suggestions
    _, document = page("/app/coverage", status=422, region="Bologn", sector="C25")
    links = document.one("ul", class_="suggested").all("a")
    assert [link.text for link in links] == suggestions
    for link, suggestion in zip(links, suggestions, strict=True):
        query = parse_qs(urlsplit(link.attrs["href"]).query)
        assert urlsplit(link.attrs["href"]).path == "/app/coverage"
        assert query["region"] == [suggestion] and query["sector"] == ["C25"]
        assert client.get(link.attrs["href"]).status_code == 200


def test_the_csv_link_downloads_every_row_of_the_restread_csv(client, page) -> None:
    _, document = page("/app/coverage", region="ITH55", sector="C25")
    href = document.one("a", id="download-csv").attrs["href"]
    assert urlsplit(href).path == "/coverage"
    assert parse_qs(urlsplit(href).query)["format"] == ["csv"]
    linked = client.get(href)
    assert linked.status_code == 200 and linked.headers["content-type"].startswith("text/csv")
    rest = client.get("/coverage", params={"region": "ITH55", "sector": "C25",
                                           "format": "csv", "limit": 10_000})
    assert read_csv(linked.text) == read_csv(rest.text)
    rows = document.one("table", id="coverage").one("tbody").all("tr")
    assert [row["iri"] for row in read_csv(linked.text)] == [row.attrs["data-iri"] for row in rows]
    json_href = document.one("a", id="download-json").attrs["href"]
    assert [item["iri"] for item in client.get(json_href).json()["results"]] == [
        row.attrs["data-iri"] for row in rows]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: "&".join(q.values()))
def test_the_sparql_of_the_view_returns_the_view_s_entities(client, page, question) -> None:
    rows = _all_pages(client, "/app/coverage", "coverage", **question)
    _, document = page("/app/coverage", **question)
    snippet = document.one("details", id="question")
    sparql = snippet.one("code", data_lang="sparql").raw_text
    assert _sparql_entities(client, sparql) == {row.attrs["data-iri"] for row in rows}
    rest = snippet.one("code", data_lang="rest").raw_text
    assert client.get(_with(rest, limit=10_000)).json()["count"] == len(rows)


def test_a_typology_is_asked_by_rest_and_said_to_have_no_sparql_form(client, page) -> None:
    question = {"region": "IT", "typology": "mountain"}
    rest = client.get("/coverage", params={**question, "limit": 10_000}).json()
    rows = _all_pages(client, "/app/coverage", "coverage", **question)
    assert [row.attrs["data-iri"] for row in rows] == [item["iri"] for item in rest["results"]]
    _, document = page("/app/coverage", **question)
    assert "no SPARQL or Cypher form" in document.one(id="typology-note").text
    rest_text = document.one("code", data_lang="rest").raw_text
    assert parse_qs(urlsplit(rest_text).query)["typology"] == ["mountain"]


def test_the_map_link_asks_the_same_question_of_the_region_s_country(client, page) -> None:
    _, document = page("/app/coverage", region="ITH55", sector="C25", type="network")
    query = parse_qs(urlsplit(document.one("a", id="map-link").attrs["href"]).query)
    assert query["sector"] == ["C25"] and query["kinds"] == ["network"]
    [scope] = query["scope"]
    # the scope is the country that holds the region, at the region's level
    country = client.get("/coverage", params={"region": scope, "limit": 1}).json()["region"]
    assert country["type"] == "country"
    [level] = query["level"]
    within = client.get("/regions", params={"within": scope, "level": level,
                                            "limit": 10_000}).json()
    assert "ITH55" in {region["code"] for region in within["results"]}


def test_the_coverage_form_without_a_question_asks_nothing(page) -> None:
    _, document = page("/app/coverage")
    assert not document.all("table", id="coverage")
    form = document.one("form", action="/app/coverage")
    for field_ in form.all("input"):
        assert document.all("label", for_=field_.attrs["id"]), field_.attrs


def test_a_page_past_the_last_or_not_a_number_is_an_error_page(page) -> None:
    page("/app/coverage", status=404, region="ITH55", page="99")
    for number in ("two", "0", "\u00b2"):
        _, document = page("/app/coverage", status=422, region="ITH55", page=number)
        assert document.one("ul", class_="suggested")


# -- gaps ----------------------------------------------------------------------------------
GAP_QUESTIONS = [
    {"scope": "IT", "broadest": "country"},
    {"scope": "IT", "broadest": "country", "kinds": ["organisation", "good-practice"]},
    {"scope": "ITH", "region_level": "nuts3", "sector_level": "division", "sector": "C",
     "broadest": "nuts2"},
    {},
]


def _rest_gaps(params: dict[str, str | list[str]]) -> dict[str, str]:
    return {key: ",".join(value) if isinstance(value, list) else value
            for key, value in params.items()}


@pytest.mark.parametrize("question", GAP_QUESTIONS, ids=lambda q: repr(q))
def test_the_gaps_page_matches_rest(client, page, question) -> None:
    rest = client.get("/gaps", params={**_rest_gaps(question), "limit": 10_000}).json()
    _, document = page("/app/gaps", **question)
    summary = document.one(id="gaps-summary")
    for key in ("regions", "sectors", "cells", "covered", "gaps"):
        assert int(summary.attrs[f"data-{key}"]) == rest[key], key
    if not rest["results"]:
        assert document.one(id="no-gaps") and not document.all("table", id="gaps")
        return
    rows = _all_pages(client, "/app/gaps", "gaps", **question)
    assert [(row.attrs["data-region"], row.attrs["data-sector"],
             int(row.one("td", class_="num").text)) for row in rows] == [
        (cell["region"]["iri"], cell["sector"]["iri"], cell["partially_covered_by"])
        for cell in rest["results"]]
    first = rows[0].all("td")
    assert first[0].one("a").attrs["href"] == entity_url(rest["results"][0]["region"])
    assert first[1].one("a").attrs["href"] == entity_url(rest["results"][0]["sector"])


def test_the_gaps_csv_and_map_links_ask_the_same_question(client, page) -> None:
    question = {"scope": "IT", "broadest": "country", "kinds": ["organisation", "network"]}
    _, document = page("/app/gaps", **question)
    href = document.one("a", id="download-csv").attrs["href"]
    assert urlsplit(href).path == "/gaps"
    rest = client.get("/gaps", params={**_rest_gaps(question), "format": "csv",
                                       "limit": 10_000})
    assert read_csv(client.get(href).text) == read_csv(rest.text)
    assert len(read_csv(rest.text)) == client.get("/gaps", params=_rest_gaps(question)).json()[
        "gaps"]
    query = parse_qs(urlsplit(document.one("a", id="map-link").attrs["href"]).query)
    assert query == {"scope": ["IT"], "level": ["nuts2"], "broadest": ["country"],
                     "kinds": ["organisation,network"]}
    boxes = {box.attrs["value"]: "checked" in box.attrs
             for box in document.one("form", id="gaps-form").all("input", type="checkbox")}
    assert {kind for kind, checked in boxes.items() if checked} == {"organisation", "network"}
    assert document.one("select", id="g-broadest").one("option", selected="").attrs[
        "value"] == "country"


def test_the_gaps_form_shows_the_levels_as_the_answer_read_them(client, page) -> None:
    question = {"scope": "Italia", "region_level": "2", "sector_level": "Division",
                "broadest": "Country"}
    rest = client.get("/gaps", params={**question, "limit": 1}).json()
    _, document = page("/app/gaps", **question)
    for select, key in (("g-region-level", "region_level"), ("g-sector-level", "sector_level"),
                        ("g-broadest", "broadest")):
        assert document.one("select", id=select).one("option", selected="").attrs[
            "value"] == rest[key]
    assert int(document.one(id="gaps-summary").attrs["data-gaps"]) == rest["gaps"]


def test_the_gaps_example_cell_s_sparql_is_the_coverage_of_that_cell(client, page) -> None:
    _, document = page("/app/gaps", scope="IT", broadest="country")
    first = document.one("table", id="gaps").one("tbody").all("tr")[0]
    question = document.one("details", id="question")
    assert "/gaps?" in question.one("code", data_lang="rest").raw_text
    example_rest = question.one("code", data_lang="rest-example").raw_text
    coverage = client.get(_with(example_rest, limit=10_000)).json()
    assert coverage["region"]["iri"] == first.attrs["data-region"]
    assert coverage["sector"]["iri"] == first.attrs["data-sector"]
    sparql = question.one("code", data_lang="sparql").raw_text
    assert _sparql_entities(client, sparql) == {item["iri"] for item in coverage["results"]}


# -- compare -------------------------------------------------------------------------------
@pytest.mark.parametrize("question", [{"a": "ITH5", "b": "GB-KEN"},
                                      {"a": "Bologna", "b": "Kent", "sector": "C25"}],
                         ids=lambda q: "&".join(q.values()))
def test_the_compare_page_matches_rest(client, page, question) -> None:
    rest = client.get("/regions/compare", params=question).json()
    _, document = page("/app/compare", **question)
    table = document.one("table", id="compare")
    headers = table.one("thead").all("th", scope="col")
    assert [th.attrs["data-side"] for th in headers[1:]] == ["a", "b"]
    assert [th.one("a").attrs["href"] for th in headers[1:]] == [
        entity_url(rest["a"]["region"]), entity_url(rest["b"]["region"])]
    body = table.one("tbody")
    for key in ("covered_by", "located_here"):
        cells = body.one("tr", data_row=key).all("td")
        assert [int(cell.text) for cell in cells] == [rest["a"][key], rest["b"][key]], key
    kinds = {row.attrs["data-kind"]: [int(cell.text) for cell in row.all("td")]
             for row in body.all("tr", data_row="by_type")}
    assert kinds == {kind: [rest["a"]["by_type"].get(kind, 0), rest["b"]["by_type"].get(kind, 0)]
                     for kind in set(rest["a"]["by_type"]) | set(rest["b"]["by_type"])}
    for key, side in (("shared", "shared"), ("only-a", "only_a"), ("only-b", "only_b")):
        listed = document.one(id=key)
        assert [li.attrs["data-iri"] for li in listed.all("li")] == [
            ref["iri"] for ref in rest[side]], key


def test_the_compare_csv_link_is_the_restread_csv(client, page) -> None:
    question = {"a": "ITH5", "b": "GB-KEN"}
    _, document = page("/app/compare", **question)
    href = document.one("a", id="download-csv").attrs["href"]
    assert urlsplit(href).path == "/regions/compare"
    rest = client.get("/regions/compare", params={**question, "format": "csv"})
    rows = read_csv(client.get(href).text)
    assert rows == read_csv(rest.text)
    answer = client.get("/regions/compare", params=question).json()
    assert {row["iri"] for row in rows if row["side"] == "both"} == {
        ref["iri"] for ref in answer["shared"]}


def test_compare_without_two_regions_is_the_form(page) -> None:
    _, document = page("/app/compare", a="ITH5")
    assert not document.all("table", id="compare")
    form = document.one("form", id="compare-form")
    assert form.one("input", id="c-a").attrs["value"] == "ITH5"
    for field_ in form.all("input"):
        assert document.all("label", for_=field_.attrs["id"])


def test_compare_with_an_unknown_region_is_a_422_page(page) -> None:
    _, document = page("/app/compare", status=422, a="Bologn", b="GB-KEN")
    assert document.one("ul", class_="suggested").all("a")


# -- what every page of this part keeps to -------------------------------------------------
PAGES = [("/app/coverage", {}), ("/app/coverage", {"region": "ITH55", "sector": "C25"}),
         ("/app/coverage", {"region": "IT", "typology": "mountain"}),
         ("/app/gaps", {}), ("/app/gaps", {"scope": "IT", "broadest": "country"}),
         ("/app/compare", {}), ("/app/compare", {"a": "ITH5", "b": "GB-KEN"})]


@pytest.mark.parametrize(("path", "params"), PAGES, ids=lambda p: repr(p))
def test_no_inline_style_or_script_and_headings_in_order(page, path, params) -> None:
    response, document = page(path, **params)
    assert "<style" not in response.text.lower()
    for node in document.walk():
        assert "style" not in node.attrs, (node.tag, node.attrs)
        assert not any(name.startswith("on") for name in node.attrs), (node.tag, node.attrs)
        if node.tag == "script":
            assert node.attrs.get("src") or node.attrs.get("type") == "application/json"
            assert node.attrs.get("src") or not node.raw_text.strip() or \
                node.attrs.get("type") == "application/json"
    levels = [int(node.tag[1]) for node in document.walk()
              if len(node.tag) == 2 and node.tag[0] == "h" and node.tag[1].isdigit()]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(after <= before + 1 for before, after in pairwise(levels))
    for table in document.all("table"):
        assert table.all("caption"), table.attrs
        assert all(th.attrs.get("scope") in ("col", "row") for th in table.all("th"))
    ids = [node.attrs["id"] for node in document.walk() if "id" in node.attrs]
    assert len(ids) == len(set(ids)), Counter(ids).most_common(3)

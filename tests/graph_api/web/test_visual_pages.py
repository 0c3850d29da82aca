"""The map and the graph of networks over real HTTP, checked against the REST API.

A real ``uvicorn`` serves the bundled data (the ``client`` fixture of
``tests/graph_api/conftest.py``). Every expected number comes from the REST answer to the
same question (``/analytics/gaps``, ``/coverage``, ``/regions``, ``/geo``,
``/networks/{key}/members``, ``/organisations``), never written down here. The browser
tests (``test_browser.py``) look at the drawn map and graph.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.graph_api.web.dom import Element, assert_no_inline_code, fetch, parse, read_csv, rest

pytestmark = pytest.mark.server

STEERING_GROUP = "insme-steering-group"
MAP_IT = {"scope": "IT", "level": "nuts2", "sector": "C25", "broadest": "country"}


def page(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> Element:
    """The page at ``path``, checked to be served as the app serves pages (200, HTML, the
    strict CSP, no inline script or style), as a tree."""
    response, document = fetch(client, path, params=params)
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert_no_inline_code(document)
    return document


def embedded(document: Element, element_id: str) -> Any:
    return json.loads(document.one("script", id=element_id).raw_text)


# -- the map --------------------------------------------------------------------------------
def test_map_page_has_map_table_downloads_and_the_rest_question(client: httpx.Client) -> None:
    document = page(client, "/app/map", MAP_IT)
    div = document.one("div", id="map")
    assert div.attrs["data-ready"] == "false"  # the script sets it when drawn
    for hook in ("export-svg", "export-png"):
        assert document.one("button", id=hook)
    data = embedded(document, "map-data")
    assert data == rest(client, "/app/map/data", **MAP_IT)
    # the words above the map say what is counted
    what = document.one("p", id="map-what").text
    assert "NUTS-2 region of Italy" in what and "regional and national providers" in what
    assert data["sector"]["code"] in what
    # the table has every region with its count, linked to its page
    rows = document.one("table", id="map-regions").one("tbody", ).all("tr")
    assert [row.attrs["data-code"] for row in rows] == [r["code"] for r in data["regions"]]
    for row, region in zip(rows, data["regions"], strict=True):
        assert row.one("a").attrs["href"] == region["url"] == f"/app/region/{region['code']}"
        assert row.all("td")[2].text.split()[0] == f"{region['count']:,}"
    assert document.one("a", id="download-csv").attrs["href"].startswith("/app/map/data?")
    # the same counts from the analytics API, as the page shows the question
    shown = document.one("details", id="question").text
    assert "/analytics/gaps?" in shown
    # the shapes' attribution
    assert "© EuroGeographics for the administrative boundaries" in document.one(
        "p", id="map-attribution").text
    for script in ("/static/vendor/leaflet/leaflet.js", "/static/app/export.js",
                   "/static/app/map.js"):
        assert client.get(script).status_code == 200


def test_map_data_has_every_nuts2_region_of_italy_with_the_gap_matrix_counts(
        client: httpx.Client) -> None:
    data = rest(client, "/app/map/data", **MAP_IT)
    codes = [region["code"] for region in data["regions"]]
    listed = rest(client, "/regions", within="IT", level="nuts2", limit=1000)["results"]
    assert codes == sorted(region["code"] for region in listed)
    shapes = client.get("/geo/nuts/2").json()["features"]
    assert set(codes) == {feature["id"] for feature in shapes if feature["id"].startswith("IT")}
    gaps = rest(client, "/analytics/gaps", scope="IT", region_level="nuts2", sector="C25",
                sector_level=data["sector_level"], broadest="country")
    assert [r["code"] for r in gaps["regions"]] == codes
    assert [row[0] for row in gaps["counts"]] == [r["count"] for r in data["regions"]]
    assert data["gaps"] == sum(1 for region in data["regions"] if region["count"] == 0)
    assert data["max"] == max(region["count"] for region in data["regions"])
    # every count has a class, 0 (a gap) its own
    for region in data["regions"]:
        if region["count"] == 0:
            assert region["class"] == -1
        else:
            bounds = data["classes"][region["class"]]
            assert bounds["low"] <= region["count"] <= bounds["high"]


@pytest.mark.parametrize("params", [
    {"scope": "IT", "level": "nuts3", "sector": "C", "kinds": "organisation,programme"},
    {"scope": "ITH", "level": "nuts3", "sector": "25.11", "broadest": "nuts2"},
    {"scope": "europe", "level": "country", "sector": "C25", "broadest": "continent"},
])
def test_map_counts_equal_the_gap_matrix(client: httpx.Client, params: dict[str, str]) -> None:
    data = rest(client, "/app/map/data", **params)
    gaps = rest(client, "/analytics/gaps", scope=params["scope"], region_level=params["level"],
                sector=params["sector"], sector_level=data["sector_level"],
                broadest=params.get("broadest", "world"), kinds=params.get("kinds"))
    assert [r["iri"] for r in gaps["regions"]] == [r["iri"] for r in data["regions"]]
    assert [row[0] for row in gaps["counts"]] == [r["count"] for r in data["regions"]]


def test_map_without_a_sector_counts_what_coverage_lists(client: httpx.Client) -> None:
    data = rest(client, "/app/map/data", scope="IT", level="nuts2")
    assert data["sector"] is None
    assert "any sector" in data["description"]
    for region in data["regions"]:
        coverage = rest(client, "/coverage", region=region["code"], limit=1)
        assert region["count"] == coverage["count"], region["code"]


def test_map_csv_has_the_rows_of_the_json(client: httpx.Client) -> None:
    data = rest(client, "/app/map/data", **MAP_IT)
    response = client.get("/app/map/data", params={**MAP_IT, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = read_csv(response.text)
    assert [(r["region"], r["region_name"], r["region_iri"], int(r["providers"]))
            for r in rows] == [(r["code"], r["label"], r["iri"], r["count"])
                               for r in data["regions"]]


def test_map_of_the_world_draws_countries(client: httpx.Client) -> None:
    document = page(client, "/app/map", {"level": "country"})
    data = embedded(document, "map-data")
    assert data["shapes"] == "/geo/countries" and data["shape_key"] == "iso"
    countries = rest(client, "/countries", limit=10000)["results"]
    assert {r["code"] for r in data["regions"]} <= {c["code"] for c in countries}
    shaped = {f["properties"].get("iso") for f in client.get("/geo/countries").json()["features"]}
    # the regions with no shape are named, the others drawn
    assert set(data["unshaped"]) == {r["code"] for r in data["regions"]} - shaped


# -- the graph ------------------------------------------------------------------------------
def test_graph_of_the_steering_group_has_its_member_countries(client: httpx.Client) -> None:
    document = page(client, "/app/graph", {"root": STEERING_GROUP})
    data = embedded(document, "graph-data")
    members = rest(client, f"/networks/{STEERING_GROUP}/members", transitive="true",
                   limit=10000)["results"]
    member_countries = {m["iri"] for m in members if m["type"] == "country"}
    nodes = [e["data"] for e in data["elements"] if e["group"] == "nodes"
             and e["data"]["kind"] != "group"]
    assert {n["id"] for n in nodes if n["kind"] == "country"} == member_countries
    assert data["countries"] == len(member_countries)
    assert {n["id"] for n in nodes if not n["root"]} == {m["iri"] for m in members}
    assert len(nodes) == data["nodes"] == len({m["iri"] for m in members}) + 1
    # one edge per membership, from member to network
    edges = {(e["data"]["source"], e["data"]["target"]) for e in data["elements"]
             if e["group"] == "edges"}
    assert edges == {(m["iri"], m["network"]["iri"]) for m in members if m["depth"] <= 3}
    # the table: one row per node, kinds as data-kind
    rows = document.one("table", id="graph-nodes").one("tbody").all("tr")
    assert len(rows) == len(nodes)
    assert sum(row.attrs["data-kind"] == "country" for row in rows) == len(member_countries)
    assert document.one("div", id="graph").attrs["data-ready"] == "false"
    for hook in ("export-svg", "export-png"):
        assert document.one("button", id=hook)
    csv_url = document.one("a", id="download-csv").attrs["href"]
    assert csv_url.startswith(f"/networks/{STEERING_GROUP}/members?")
    listed = client.get(csv_url)
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("text/csv")
    assert len(read_csv(listed.text)) == len(
        members)
    for script in ("/static/vendor/cytoscape/cytoscape.min.js", "/static/app/graph.js"):
        assert client.get(script).status_code == 200


def test_graph_groups_members_by_the_country_they_are_located_in(client: httpx.Client) -> None:
    data = embedded(page(client, "/app/graph", {"root": STEERING_GROUP}), "graph-data")
    nodes = [e["data"] for e in data["elements"] if e["group"] == "nodes"]
    groups = {n["id"]: n for n in nodes if n["kind"] == "group"}
    assert groups
    for node in nodes:
        if "parent" not in node:
            continue
        code = groups[node["parent"]]["code"]
        if node["kind"] == "country":
            assert node["code"] == code  # a member country sits in its own box
        else:
            located = rest(client, "/organisations", region=code, limit=10000)["results"]
            assert node["id"] in {o["iri"] for o in located}, (node["label"], code)


def test_graph_of_memberships_goes_upwards(client: httpx.Client) -> None:
    document = page(client, "/app/graph", {"root": "ipi", "direction": "memberships"})
    data = embedded(document, "graph-data")
    memberships = rest(client, "/organisations/ipi/memberships", transitive="true",
                       limit=10000)["results"]
    nodes = [e["data"] for e in data["elements"] if e["group"] == "nodes"
             and e["data"]["kind"] != "group"]
    assert {n["id"] for n in nodes if not n["root"]} == {m["network"]["iri"] for m in memberships}
    edges = {(e["data"]["source"], e["data"]["target"]) for e in data["elements"]
             if e["group"] == "edges"}
    assert edges == {(m["member"]["iri"], m["network"]["iri"]) for m in memberships}


def test_graph_without_a_root_lists_the_networks(client: httpx.Client) -> None:
    document = page(client, "/app/graph")
    networks = rest(client, "/networks", limit=1000)["results"]
    links = {a.attrs["href"] for a in document.one("table", id="graph-networks").all("a")}
    for network in networks:
        assert f"/app/graph?root={network['code']}" in links


@pytest.mark.parametrize(("path", "params", "status", "named"), [
    ("/app/map", {"level": "nuts7"}, 422, "level"),
    ("/app/map", {"scope": "Atlantis"}, 422, "scope"),
    ("/app/map", {"broadest": "galaxy"}, 422, "broadest"),
    ("/app/map", {"sector": "ZZ99"}, 422, "sector"),
    ("/app/map", {"level": "nuts2", "typology": "mountain"}, 422, "level"),
    ("/app/map", {"kinds": "policy"}, 422, "kinds"),
    ("/app/graph", {"root": STEERING_GROUP, "depth": "9"}, 422, "depth"),
    ("/app/graph", {"root": STEERING_GROUP, "depth": "two"}, 422, "depth"),
    ("/app/graph", {"root": STEERING_GROUP, "direction": "sideways"}, 422, "direction"),
    ("/app/graph", {"root": "no-such-network"}, 404, "root"),
])
def test_bad_parameters_give_error_pages(client: httpx.Client, path: str,
                                         params: dict[str, str], status: int,
                                         named: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in response.headers
    # the error names the page's own parameter, and its suggestions link to this page
    assert f"{named}=&#39;" in response.text
    for link in parse(response.text).all("a"):
        if link.attrs["href"].startswith(path + "?"):
            assert f"{named}=" in link.attrs["href"]


def test_bad_map_data_parameters_are_json_errors(client: httpx.Client) -> None:
    response = client.get("/app/map/data", params={"scope": "Atlantis"})
    assert response.status_code == 422
    assert response.json()["parameter"] == "scope"

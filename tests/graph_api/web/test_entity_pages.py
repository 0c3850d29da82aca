"""The pages of entities, the networks and the sources, over real HTTP (uvicorn in a
subprocess on the seeded store): every expected value is read from the REST API of the
same server (or `smekg sources` on its store), never written here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from tests.graph_api.web.dom import Element, assert_no_inline_code, csv_rows, fetch, parse, rest

pytestmark = pytest.mark.server

ID = "https://w3id.org/smekg/id/"
ERGO = f"{ID}good-practice/emilia-romagna-go-global"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ALL = 10_000


def page(client, url: str, status: int = 200) -> Element:
    return fetch(client, url, status)[1]


def row_iris(table: Element) -> list[str]:
    return [tr.attrs["data-iri"] for tr in table.rows()]


def _entity_path(kind: str, key: str) -> str:
    return f"/app/{kind}/{key}"


# -- every page ---------------------------------------------------------------------------
def _programme(client) -> str:
    rows = rest(client, "/programmes", limit=ALL)["results"]
    return next(row["code"] for row in rows if row["type"] == "programme")


PANELS = {
    "network": ["members", "member-countries", "member-of-panel", "scope-panel"],
    "organisation": ["member-of-panel", "scope-panel"],
    "programme": ["member-of-panel", "scope-panel"],
    "good-practice": ["member-of-panel", "scope-panel"],
    "policy": ["lineage", "policy-facts"],
    "region": ["breadcrumb", "covering", "region-coverage-form", "located-panel",
               "nuts-facts"],
    "country": ["breadcrumb", "children", "covering", "region-coverage-form", "located",
                "member-of"],
    "sector": ["breadcrumb", "children", "covering", "same-sectors"],
}


@pytest.mark.parametrize(("kind", "key"), [
    ("network", "insme-steering-group"), ("organisation", "ipi"), ("programme", None),
    ("good-practice", "emilia-romagna-go-global"), ("policy", "bologna-charter"),
    ("region", "ITH55"), ("country", "IT"), ("sector", "C25"),
])
def test_every_kind_of_entity_has_a_page_with_its_panels(client, kind, key):
    key = key or _programme(client)
    detail = rest(client, f"/entities/{key}")
    dom = page(client, _entity_path(kind, key))
    assert dom.by_id("entity").attrs["data-iri"] == detail["iri"]
    assert dom.all("h1")[0].text == detail["label"]
    for panel in ["facts", "referred-by", "entity-downloads", "question", *PANELS[kind]]:
        assert dom.has_id(panel), f"{kind} page has no #{panel}"
    # the facts download as CSV (the REST CSV of the entity) and as JSON-LD
    links = dom.by_id("entity-downloads").links()
    assert any(parse_qs(urlparse(link).query).get("format") == ["csv"] for link in links)
    assert any(parse_qs(urlparse(link).query).get("format") == ["jsonld"] for link in links)
    snippet = dom.all("code", **{"data-lang": "rest"})[0].text
    assert client.get(snippet).status_code == 200  # the REST question answers


def test_facts_name_their_source_and_quote_its_words(client):
    detail = rest(client, "/entities/insme-steering-group")
    dom = page(client, "/app/network/insme-steering-group")
    quoted = {" ".join(q.text.split()) for q in dom.all("blockquote")}
    evidence = {" ".join(f["evidence"].split()) for f in detail["facts"] if f["evidence"]}
    assert evidence and evidence <= quoted
    facts = dom.by_id("facts").text
    sources = {f["graph"].removeprefix(f"{ID}graph/") for f in detail["facts"]
               if f["direction"] == "out"}
    assert all(source in facts for source in sources)
    documents = {f["document"] for f in detail["facts"] if f["document"]}
    linked = {parse_qs(urlparse(link).query).get("iri", [""])[0]
              for link in dom.by_id("facts").links()}
    assert documents <= linked  # each source document, linked to its page
    # a related entity is a link to its page
    related = [f for f in detail["facts"] if f["direction"] == "out" and f["is_iri"]
               and f["value"].startswith(f"{ID}organisation/")]
    assert related
    for fact in related:
        code = rest(client, "/entities", iri=fact["value"])["code"]
        assert f"/app/organisation/{code}" in dom.by_id("facts").links()
    # the CSV download holds every fact
    csv_link = next(link for link in dom.by_id("entity-downloads").links() if "csv" in link)
    assert len(csv_rows(client, csv_link)) == len(detail["facts"])


def test_facts_from_a_table_name_its_row(client):
    detail = rest(client, "/entities/insme-steering-group")
    rows = {(f["graph"].removeprefix(f"{ID}graph/"), f["value"]) for f in detail["facts"]
            if f["predicate"].endswith("#sourceRow")}
    assert rows  # the seed's tables name the row of each entity
    dom = page(client, "/app/network/insme-steering-group")
    headings = [" ".join(h.text.split()) for h in dom.by_id("facts").all("h3")]
    for source, row in rows:
        assert any(source in h and f"row {row} of its file" in h for h in headings), headings
    # the row is a source, not a fact of its own
    assert "source row" not in dom.by_id("facts").all("dl")[0].text.casefold()


def test_a_network_page_lists_the_rest_members_at_every_depth(client):
    members = rest(client, "/networks/insme-steering-group/members", transitive="true",
                   limit=ALL)
    dom = page(client, "/app/network/insme-steering-group")
    table = dom.by_id("members")
    assert members["count"] <= 100  # one page
    assert row_iris(table) == [m["iri"] for m in members["results"]]
    vias = [tr.all("td")[3].all("a")[0].text for tr in table.rows()]
    assert vias == [m["network"]["label"] for m in members["results"]]
    countries = {m["label"] for m in members["results"] if m["type"] == "country"}
    shown = {li.text for li in dom.by_id("member-countries").all("li")}
    assert shown == countries
    assert dom.all(id="member-countries-heading")[0].text.startswith(str(len(countries)))
    # its graph and the REST CSV of its members
    links = dom.by_id("members-panel").links()
    graph = next(link for link in links if link.startswith("/app/graph"))
    assert parse_qs(urlparse(graph).query) == {"root": ["insme-steering-group"],
                                               "direction": ["members"], "depth": ["3"]}
    csv_link = next(link for link in links if "format=csv" in link)
    assert [row["iri"] for row in csv_rows(client, csv_link)] == [
        m["iri"] for m in members["results"]]
    # the networks it belongs to, as REST says
    memberships = rest(client, "/organisations/insme-steering-group/memberships",
                       transitive="true", limit=ALL)
    assert (row_iris(dom.by_id("member-of")) if memberships["count"] else []) == [
        m["network"]["iri"] for m in memberships["results"]]


def test_an_organisation_page_lists_the_networks_it_belongs_to(client):
    memberships = rest(client, "/organisations/ipi/memberships", transitive="true",
                       limit=ALL)
    assert memberships["count"] > 0
    dom = page(client, "/app/organisation/ipi")
    assert row_iris(dom.by_id("member-of")) == [m["network"]["iri"]
                                                for m in memberships["results"]]
    graph = next(link for link in dom.by_id("member-of-panel").links()
                 if link.startswith("/app/graph"))
    assert parse_qs(urlparse(graph).query) == {"root": ["ipi"], "direction": ["memberships"]}


def test_a_good_practice_page_says_what_it_serves(client):
    row = next(r for r in rest(client, "/good-practices", limit=ALL)["results"]
               if r["iri"] == ERGO)
    dom = page(client, "/app/good-practice/emilia-romagna-go-global")
    scope = dom.by_id("scope").text
    assert row["serves"] and all(region["label"] in scope for region in row["serves"])


def test_the_region_page_of_ith55(client):
    detail = rest(client, "/entities/ITH55")
    parent = next(f for f in detail["facts"]
                  if f["direction"] == "out" and f["predicate"] == f"{SKOS}broader")
    parent_ref = rest(client, "/entities", iri=parent["value"])
    dom = page(client, "/app/region/ITH55")
    breadcrumb = dom.by_id("breadcrumb")
    assert f"/app/region/{parent_ref['code']}" in breadcrumb.links()
    assert parent_ref["label"] in breadcrumb.text
    # who covers it: the count and the first providers, as REST says
    coverage = rest(client, "/coverage", region="ITH55", limit=20)
    assert str(coverage["count"]) in dom.by_id("coverage-count").text
    assert row_iris(dom.by_id("covering")) == [item["iri"] for item in coverage["results"]]
    assert ERGO in row_iris(dom.by_id("covering"))
    explanations = [tr.all("td")[2].text for tr in dom.by_id("covering").rows()]
    assert explanations == [item["match"]["explanation"] for item in coverage["results"]]
    # the form asks the coverage page for a sector, with the region fixed
    form = dom.by_id("region-coverage-form")
    assert form.attrs["action"] == "/app/coverage" and form.attrs["method"] == "get"
    inputs = {i.attrs["name"]: i for i in form.all("input")}
    assert inputs["region"].attrs["type"] == "hidden" and inputs["region"].attrs["value"] == "ITH55"
    sector = inputs["sector"]
    assert form.all("label", for_=sector.attrs["id"])  # labelled
    # its NUTS versions and typologies, as the REST regions list says
    regions = rest(client, "/regions", within=parent_ref["code"], limit=ALL)["results"]
    row = next(r for r in regions if r["code"] == "ITH55")
    assert dom.by_id("nuts-versions").text.startswith(", ".join(row["versions"]))
    assert {dd.attrs["data-typology"] for dd in dom.all("dd", class_="typology")} == set(
        row["typologies"])
    # who is located in it
    located = rest(client, "/regions/ITH55/organisations", limit=ALL)
    shown = row_iris(dom.by_id("located")) if dom.has_id("located") else []
    assert shown == [o["iri"] for o in located["results"]][:50]
    # the map and the comparison
    links = dom.by_id("region-links").links()
    map_link = next(link for link in links if link.startswith("/app/map"))
    assert parse_qs(urlparse(map_link).query) == {"scope": [_country(client, "ITH55")],
                                                  "level": [f"nuts{row['level']}"]}
    assert "/app/compare?a=ITH55" in links


def _country(client, key: str) -> str:
    """The code of the country a region lies in, up its broader links."""
    detail = rest(client, f"/entities/{key}")
    while detail["type"] != "country":
        parent = next(f["value"] for f in detail["facts"]
                      if f["direction"] == "out" and f["predicate"] == f"{SKOS}broader")
        detail = rest(client, "/entities", iri=parent)
    return detail["code"]


def test_the_country_page_of_italy(client):
    dom = page(client, "/app/country/IT")
    regions = rest(client, "/regions", within="IT", limit=ALL)["results"]
    italy = rest(client, "/entities/IT")["iri"]
    children = {r["iri"] for r in regions if italy in {p["iri"] for p in r["parents"]}}
    assert set(row_iris(dom.by_id("children"))) == children
    memberships = rest(client, "/organisations/IT/memberships", transitive="true", limit=ALL)
    assert memberships["count"] > 0
    assert row_iris(dom.by_id("member-of")) == [m["network"]["iri"]
                                                for m in memberships["results"]]
    located = rest(client, "/regions/IT/organisations", limit=ALL)
    assert row_iris(dom.by_id("located")) == [o["iri"] for o in located["results"]][:50]
    assert str(located["count"]) in dom.by_id("located-count").text


def test_the_sector_page_of_c25(client):
    detail = rest(client, "/entities/C25")
    dom = page(client, "/app/sector/C25")
    sectors = rest(client, "/sectors", within="C25", limit=ALL)["results"]
    children = [s["iri"] for s in sectors if detail["iri"] in {p["iri"] for p in s["parents"]}]
    assert set(row_iris(dom.by_id("children"))) == set(children)
    coverage = rest(client, "/coverage", sector="C25", limit=20)
    assert row_iris(dom.by_id("covering")) == [item["iri"] for item in coverage["results"]]
    assert str(coverage["count"]) in dom.by_id("coverage-count").text
    same = {f["value"] for f in detail["facts"]
            if f["direction"] == "out" and f["predicate"] == f"{SKOS}exactMatch"}
    assert same
    shown = dom.by_id("same-sectors").links()
    for iri in same:  # each linked to its own page, which shows that very sector
        link = next(link for link in shown if page(client, link).by_id("entity")
                    .attrs["data-iri"] == iri)
        assert link
    links = dom.by_id("sector-links").links()
    code = detail["code"]
    assert f"/app/coverage?sector={code}" in links and f"/app/map?sector={code}" in links


def test_the_policy_page_shows_its_lineage(client):
    lineage = rest(client, "/policies/bologna-charter/lineage", limit=ALL)
    row = next(p for p in rest(client, "/policies", limit=ALL)["results"]
               if p["code"] == "bologna-charter")
    dom = page(client, "/app/policy/bologna-charter")
    assert len(dom.by_id("lineage").rows()) == min(lineage["count"], 200)
    assert row["adopted_at"]["label"] in dom.by_id("policy-adopted-at").text


def test_a_wrong_kind_redirects_to_the_entity_page(client):
    response = client.get("/app/network/ITH55")
    assert response.status_code == 307 and response.headers["location"] == "/app/region/ITH55"
    iri = rest(client, "/entities/ITH55")["iri"]
    response = client.get("/app/entity", params={"iri": iri})
    assert response.status_code == 307 and response.headers["location"] == "/app/region/ITH55"
    response = client.get("/app/region/IT")
    assert response.status_code == 307 and response.headers["location"] == "/app/country/IT"


def test_a_sector_sharing_its_code_is_found_by_its_iri(client):
    same = next(f["value"] for f in rest(client, "/entities/C25")["facts"]
                if f["direction"] == "out" and f["predicate"] == f"{SKOS}exactMatch")
    response = client.get("/app/entity", params={"iri": same}, follow_redirects=True)
    assert response.status_code == 200
    assert parse(response.text).by_id("entity").attrs["data-iri"] == same


def test_an_entity_without_a_kind_of_page_has_the_generic_page(client):
    policies = rest(client, "/policies", limit=ALL)["results"]
    publication = next(p for p in policies if p["type"] == "publication")
    dom = page(client, f"/app/entity?iri={publication['iri']}")
    assert dom.by_id("entity").attrs["data-iri"] == publication["iri"]
    assert dom.has_id("facts") and dom.has_id("referred-by")


def test_an_unknown_key_is_a_404_page(client):
    dom = page(client, "/app/region/no-such-region-anywhere", status=404)
    assert "no-such-region-anywhere" in dom.text
    page(client, "/app/entity?iri=https://example.org/nothing", status=404)


def test_the_networks_page_lists_every_network(client):
    networks = rest(client, "/networks", limit=ALL)
    dom = page(client, "/app/networks")
    table = dom.by_id("networks")
    assert row_iris(table) == [n["iri"] for n in networks["results"]][:100]
    for tr, network in zip(table.rows(), networks["results"], strict=False):
        cells = [td.text for td in tr.all("td")]
        assert cells[2:] == [f"{network[k]:,}" for k in ("members", "member_networks",
                                                         "member_countries")]
    csv_link = next(link for link in dom.links() if "format=csv" in link)
    assert [row["iri"] for row in csv_rows(client, csv_link)] == [
        n["iri"] for n in networks["results"]]


def test_the_sources_page_lists_the_stores_sources(client, api):
    listed = json.loads(subprocess.run(
        [sys.executable, "-m", "smekg.cli", "sources", "--format", "json"],
        env={**os.environ, "SMEKG_STORE": str(api.store)}, capture_output=True, text=True,
        check=True).stdout)
    dom = page(client, "/app/sources")
    rows = {tr.attrs["data-source"]: tr for tr in dom.by_id("sources").rows()}
    assert set(rows) == {source["name"] for source in listed}
    for source in listed:
        cells = rows[source["name"]].all("td")
        assert cells[2].text == f"{source['triples']:,}"
        if source["file"]:  # file names, never the folders they are in
            assert "/" not in cells[1].text
    assert dom.has_id("reference-licences")
    licences = [row.all("td")[-1].text for row in rows.values()]
    assert "CC BY 4.0" in licences  # the NUTS sources record their licence


PAGES = ["/app/network/insme-steering-group", "/app/organisation/ipi",
         "/app/good-practice/emilia-romagna-go-global", "/app/policy/bologna-charter",
         "/app/region/ITH55", "/app/country/IT", "/app/sector/C25", "/app/region/world",
         "/app/networks", "/app/sources", "/app/region/no-such-region-anywhere"]


@pytest.mark.parametrize("url", PAGES)
def test_no_inline_style_or_script(client, url):
    html = client.get(url).text
    dom = parse(html)
    assert_no_inline_code(dom)
    # every input labelled, every column header scoped
    labelled = {label.attrs.get("for") for label in dom.all("label")}
    for field_ in dom.all("input"):
        if field_.attrs.get("type") != "hidden":
            assert field_.attrs.get("id") in labelled or field_.attrs.get("aria-label")
    assert all("scope" in th.attrs for th in dom.all("th"))


def test_a_page_beyond_the_last_shows_the_last(client):
    members = rest(client, "/networks/insme-steering-group/members", transitive="true",
                   limit=ALL)
    dom = page(client, "/app/network/insme-steering-group?page=999")
    last = members["count"] - (members["count"] - 1) // 100 * 100  # rows of the last page
    assert len(dom.by_id("members").rows()) == last

"""The pages of projects over real HTTP (uvicorn in a subprocess on the bundled data plus
the project tables of tests/graph_api/test_projects.py): a project's page, the projects of
an organisation and of a programme, the list of projects, the graph of a project's partners,
search and coverage through partners. Every expected value is read from the REST API of the
same server, never written here."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.graph_api.test_projects import projects_api, projects_store_dir  # noqa: F401
from tests.graph_api.web.dom import Element, assert_no_inline_code, csv_rows, fetch, parse, rest

pytestmark = pytest.mark.server

ALL = 10_000


@pytest.fixture
def client(projects_api) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=projects_api.url, timeout=60.0) as http:
        yield http


def page(client: httpx.Client, url: str, status: int = 200) -> Element:
    return fetch(client, url, status)[1]


def row_iris(table: Element) -> list[str]:
    return [tr.attrs["data-iri"] for tr in table.all("tbody")[0].rows()]


def euros(amount: float | None) -> str:
    """An amount as the pages write it: €1,999,000.50, €250,000."""
    if amount is None:
        return ""
    return f"€{amount:,.0f}" if amount == int(amount) else f"€{amount:,.2f}"


def period(start: str | None, end: str | None) -> str:
    if start and end:
        return f"{start} to {end}"
    return f"from {start}" if start else (f"until {end}" if end else "")


def entity_page(client: httpx.Client, ref: dict) -> str:
    """The page of an entity REST names, as its own page says (its data-iri)."""
    return f"/app/{'region' if ref['type'] == 'nuts-region' else ref['type']}/{ref['code']}"


# -- a project's page -----------------------------------------------------------------------
def test_a_project_page_says_its_facts_in_words(client):
    project = rest(client, "/projects/growth-project")
    dom = page(client, "/app/project/growth-project")
    assert dom.by_id("entity").attrs["data-iri"] == project["iri"]
    assert dom.all("h1")[0].text == project["label"]
    assert dom.by_id("entity").attrs["data-kind"] == "project"
    assert dom.by_id("project-acronym").text == project["acronym"]
    programme = dom.by_id("project-programme")
    assert programme.text == project["programme"]["label"]
    assert programme.links() == [entity_page(client, project["programme"])]
    assert page(client, programme.links()[0]).by_id("entity").attrs["data-iri"] == project[
        "programme"]["iri"]
    assert dom.by_id("project-scheme").text == project["funding_scheme"]
    assert dom.by_id("project-call").text == project["call"]
    assert dom.by_id("project-topics").text == ", ".join(project["topics"])
    for link, topic in zip(dom.by_id("project-topics").links(), project["topics"], strict=True):
        assert parse_qs(urlparse(link).query) == {"topic": [topic]}
    assert dom.by_id("project-objectives").text == ", ".join(project["objectives"])
    assert dom.by_id("project-status").text == project["status"]
    assert dom.by_id("project-grant").text == project["grant_id"]
    assert dom.by_id("project-period").text == period(project["start"], project["end"])
    assert dom.by_id("project-total-cost").text == euros(project["total_cost"])
    assert dom.by_id("project-total-cost").text == "€1,999,000.50"  # the cents kept
    assert dom.by_id("project-eu-contribution").text == euros(project["eu_contribution"])
    assert dom.by_id("project-description").text == project["description"]
    assert dom.by_id("project-website").links() == [project["website"]]
    # its sources, with the row of the table and the words of the document
    sources = dom.by_id("project-sources").text
    for source in project["sources"]:
        name = source["graph"].rsplit("/graph/", 1)[-1]
        assert name in sources
        for row in source["rows"]:
            assert f"row {row} of its file" in sources
        if source["evidence"]:
            assert " ".join(source["evidence"].split()) in sources
    # the question as REST answers what the page shows
    snippet = dom.all("code", **{"data-lang": "rest"})[0].text
    assert snippet == "/projects/growth-project"
    assert client.get(snippet).json() == project


def test_a_project_page_lists_its_partners_lead_first_with_sums(client):
    project = rest(client, "/projects/growth-project")
    dom = page(client, "/app/project/growth-project")
    table = dom.by_id("partners")
    assert row_iris(table) == [p["iri"] for p in project["partners"]]
    assert table.all("tbody")[0].rows()[0].attrs["data-role"] == "lead-partner"
    for tr, partner in zip(table.all("tbody")[0].rows(), project["partners"], strict=True):
        cells = tr.all("td")
        assert cells[0].all("a")[0].text == partner["label"]
        assert cells[1].text == (partner["role"] or "").replace("-", " ")
        assert cells[2].text == (partner["country"]["label"] if partner["country"] else "")
        location = partner["location"]
        assert cells[3].text.startswith(location["label"] if location else "")
        assert cells[4].text == euros(partner["total_cost"])
        assert cells[5].text == euros(partner["eu_contribution"])
        if partner["country"]:
            assert entity_page(client, partner["country"]) in cells[2].links()
    sums = dom.by_id("partners-sums").all("td")
    assert [td.text for td in sums] == [euros(project["partners_total_cost"]),
                                        euros(project["partners_eu_contribution"])]
    # the graph of its partners and the REST CSV of them
    links = dom.by_id("partners-panel").links()
    graph = next(link for link in links if link.startswith("/app/graph"))
    assert parse_qs(urlparse(graph).query) == {"root": ["growth-project"],
                                               "direction": ["members"], "depth": ["1"]}
    csv_link = next(link for link in links if "format=csv" in link)
    assert [row["iri"] for row in csv_rows(client, csv_link)] == [
        p["iri"] for p in project["partners"]]
    map_link = next(link for link in links if link.startswith("/app/map"))
    assert page(client, map_link).has_id("map")


def test_a_project_page_says_what_it_covers_through_its_partners(client):
    project = rest(client, "/projects/growth-project")
    dom = page(client, "/app/project/growth-project")
    through = dom.by_id("through-partners")
    served = {}
    for partner in project["partners"]:
        regions = rest(client, "/organisations", limit=ALL)["results"]
        row = next((r for r in regions if r["iri"] == partner["iri"]), None)
        if row and row["serves"]:
            served[partner["label"]] = [region["label"] for region in row["serves"]]
    items = {li.all("a")[0].text: li.text for li in through.all("li")}
    assert set(items) == set(served)
    for label, regions in served.items():
        assert all(region in items[label] for region in regions)
    solo = rest(client, "/projects/solo-project")
    scope = page(client, "/app/project/solo-project").by_id("scope").text
    assert solo["serves"] and all(region["label"] in scope for region in solo["serves"])
    assert "no partners" in page(client, "/app/project/solo-project").by_id(
        "partners-summary").text


def test_the_graph_of_a_projects_partners(client):
    members = rest(client, "/networks/growth-project/members", transitive="true", limit=ALL)
    dom = page(client, "/app/graph?root=growth-project&direction=members&depth=1")
    assert dom.all("h1")[0].text.startswith("Partners of")
    nodes = [tr.attrs["data-id"] for tr in dom.by_id("graph-nodes").rows()]
    direct = {m["iri"] for m in members["results"] if m["depth"] == 1}
    assert nodes[0] == rest(client, "/projects/growth-project")["iri"]
    assert set(nodes[1:]) == direct
    assert dom.by_id("graph-data").text  # the data the drawing is made of


# -- the projects of an organisation, a programme, and every project -----------------------
def test_an_organisation_page_lists_its_projects(client):
    projects = rest(client, "/organisations/beta-centre/projects", limit=ALL)
    assert projects["count"] == 2
    dom = page(client, "/app/organisation/beta-centre")
    table = dom.by_id("partner-projects")
    assert row_iris(table) == [p["iri"] for p in projects["results"]]
    for tr, item in zip(table.all("tbody")[0].rows(), projects["results"], strict=True):
        cells = [td.text for td in tr.all("td")]
        assert cells == [item["label"], item["programme"]["label"] if item["programme"] else "",
                         (item["role"] or "").replace("-", " "),
                         period(item["start"], item["end"]), euros(item["total_cost"]),
                         euros(item["eu_contribution"])]
        assert f"/app/project/{item['code']}" in tr.links()
    csv_link = next(link for link in dom.by_id("projects-panel").links() if "format=csv" in link)
    assert [row["iri"] for row in csv_rows(client, csv_link)] == [
        p["iri"] for p in projects["results"]]
    # its partnerships are projects, not networks it is a member of
    memberships = rest(client, "/organisations/beta-centre/memberships", transitive="true",
                       limit=ALL)
    networks = [m["network"]["iri"] for m in memberships["results"]
                if m["network"]["type"] != "project"]
    shown = row_iris(dom.by_id("member-of")) if dom.has_id("member-of") else []
    assert shown == networks


def test_a_programme_page_lists_the_projects_funded_under_it(client):
    funded = rest(client, "/projects", programme="horizon-test", limit=ALL)
    dom = page(client, "/app/programme/horizon-test")
    assert str(funded["count"]) in dom.by_id("funded-summary").text
    assert row_iris(dom.by_id("funded")) == [p["iri"] for p in funded["results"]][:20]
    links = dom.by_id("funded-panel").links()
    assert "/app/projects?programme=horizon-test" in links
    csv_link = next(link for link in links if "format=csv" in link)
    assert [row["iri"] for row in csv_rows(client, csv_link)] == [
        p["iri"] for p in funded["results"]]


def test_the_projects_page_lists_every_project(client):
    projects = rest(client, "/projects", limit=ALL)
    dom = page(client, "/app/projects")
    table = dom.by_id("projects")
    assert row_iris(table) == [p["iri"] for p in projects["results"]][:100]
    for tr, item in zip(table.all("tbody")[0].rows(), projects["results"], strict=False):
        cells = [td.text for td in tr.all("td")]
        assert cells == [item["label"], item["acronym"] or "",
                         item["programme"]["label"] if item["programme"] else "",
                         item["funding_scheme"] or "", period(item["start"], item["end"]),
                         euros(item["total_cost"]), euros(item["eu_contribution"]),
                         f"{item['partner_count']:,}"]
    csv_link = next(link for link in dom.links() if "format=csv" in link)
    assert [row["iri"] for row in csv_rows(client, csv_link)] == [
        p["iri"] for p in projects["results"]]
    # asked by topic and a partner's country, as the REST list asks
    asked = rest(client, "/projects", topic="HORIZON-EIE-*", country="FR", limit=ALL)
    dom = page(client, "/app/projects?topic=HORIZON-EIE-*&country=FR")
    assert row_iris(dom.by_id("projects")) == [p["iri"] for p in asked["results"]]
    assert dom.by_id("pf-topic").attrs["value"] == "HORIZON-EIE-*"
    snippet = dom.all("code", **{"data-lang": "rest"})[0].text
    assert client.get(snippet).json()["results"] == asked["results"]
    assert "topic" in page(client, "/app/projects?topic=a*b", status=422).text


# -- search and coverage ----------------------------------------------------------------------
def test_search_finds_a_project_by_its_acronym(client):
    hits = rest(client, "/search", q="SMEGROW")["results"]
    dom = page(client, "/app/search?q=SMEGROW")
    first = dom.one("ol", class_="hits").all("li")[0]
    assert hits[0]["type"] == "project"
    assert f"/app/project/{hits[0]['code']}" in first.links()
    assert "Project" in first.text
    only = rest(client, "/search", q="s", type="project", limit=ALL)["results"]
    assert only and {hit["type"] for hit in only} == {"project"}
    response = client.get("/app/search", params={"q": "smegrow", "go": "best"},
                          follow_redirects=False)
    assert response.headers["location"] == f"/app/project/{hits[0]['code']}"


def test_the_coverage_page_says_through_its_partners(client):
    coverage = rest(client, "/coverage", region="FR101", limit=50)
    dom = page(client, "/app/coverage?region=FR101")
    rows = {tr.attrs["data-iri"]: tr for tr in dom.by_id("coverage").rows()}
    projects = [item for item in coverage["results"] if item["type"] == "project"]
    assert projects
    for item in projects:
        tr = rows[item["iri"]]
        assert tr.all("td", class_="explanation")[0].text == item["match"]["explanation"]
        assert item["match"]["explanation"].startswith("through its partners (")
        steps = tr.all("td", class_="members")[0].all("li")
        chain = [item["iri"], *[ref["iri"] for ref in reversed(item["match"]["member_chain"])
                                if ref["iri"] != item["iri"]]]
        assert [li.attrs["data-iri"] for li in steps] == chain
        assert steps[1].text.startswith("has partner")  # the project's link to its partner
        if len(steps) > 2:
            assert steps[2].text.startswith("has member")  # a network among its partners


# -- every new page: the strict policy, labels and scopes ---------------------------------
PAGES = ["/app/project/growth-project", "/app/project/solo-project", "/app/projects",
         "/app/projects?programme=interreg-europe", "/app/organisation/alpha-agency",
         "/app/programme/horizon-test", "/app/graph?root=growth-project"]


@pytest.mark.parametrize("url", PAGES)
def test_no_inline_style_or_script(client, url):
    dom = parse(client.get(url).text)
    assert_no_inline_code(dom)
    labelled = {label.attrs.get("for") for label in dom.all("label")}
    for field_ in dom.all("input"):
        if field_.attrs.get("type") != "hidden":
            assert field_.attrs.get("id") in labelled or field_.attrs.get("aria-label")
    assert all("scope" in th.attrs for th in dom.all("th"))
    assert all(table.all("caption") for table in dom.all("table"))


def test_a_key_that_is_no_project_is_redirected_or_not_found(client):
    response = client.get("/app/project/insme-steering-group", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/app/network/insme-steering-group"
    assert "no-such-project" in page(client, "/app/project/no-such-project", status=404).text

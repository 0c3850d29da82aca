"""Issue 20's "done when", end to end with real parts: a partner list with its own columns
and region names (docs/examples/mappings/interreg-partners) loads with its mapping file,
and a CORDIS-layout folder loads with `smekg import cordis`, through the real `smekg`
command; then a real `smekg serve` answers REST, the web app and `/sparql` (SPARQLWrapper),
and the real Neo4j (the driver, after `Neo4jSync`) holds the same projects, partners and
partnerships. Every interface is checked against the others, not against numbers written
here; the few facts written here are read from the example's own CSV.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.graph_api.web.browser import SmekgServe
from tests.graph_api.web.dom import fetch
from tests.helpers import REPO_ROOT

pytestmark = [pytest.mark.server, pytest.mark.neo4j]

EXAMPLE = REPO_ROOT / "docs" / "examples" / "mappings" / "interreg-partners"
CORDIS = REPO_ROOT / "tests" / "fixtures" / "cordis" / "horizon-europe"
PROJECT = "https://w3id.org/smekg/ontology#Project"


def _smekg(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("smekg")
    done = subprocess.run([str(command), *args, "--store", str(store)], cwd=REPO_ROOT,
                          env={**os.environ, "SMEKG_STORE": str(store)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _example_rows() -> list[dict[str, str]]:
    with (EXAMPLE / "partners.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file, delimiter=";"))


@pytest.fixture(scope="module")
def loaded_store(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("everywhere") / "store"
    shutil.copytree(seeded_store_dir, store)
    _smekg("load-file", str(EXAMPLE / "partners.csv"), "--mapping",
           str(EXAMPLE / "mapping.yaml"), store=store)
    _smekg("import", "cordis", str(CORDIS), store=store)
    return store


@pytest.fixture(scope="module")
def server(loaded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmekgServe]:
    served = SmekgServe(loaded_store, tmp_path_factory.mktemp("serve") / "serve.log")
    yield served
    served.stop()


@pytest.fixture(scope="module")
def http(server: SmekgServe) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60.0) as client:
        yield client


def _all(http: httpx.Client, path: str, **params: str) -> list[dict]:
    response = http.get(path, params={**params, "limit": "1000"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def test_the_partner_list_is_projects_partners_and_organisations_in_rest(http) -> None:
    rows = _example_rows()
    acronyms = {row["Project acronym"] for row in rows}
    interreg = _all(http, "/projects", programme="interreg-europe")
    assert {p["label"] for p in interreg} == {row["Project title"] for row in rows}
    for acronym in acronyms:
        code = acronym.lower()
        project = http.get(f"/projects/{code}").json()
        listed = [row for row in rows if row["Project acronym"] == acronym]
        assert len(project["partners"]) == len(listed)
        leads = [p for p in project["partners"] if p["role"] == "lead-partner"]
        assert len(leads) == sum(row["Partner status"] == "Lead partner" for row in listed)
        # the partner's budget as the file writes it (1.250.000,00), read as a number
        budgets = sorted(float(row["Partner budget (EUR)"].replace(".", "").replace(",", "."))
                         for row in listed if row["Partner budget (EUR)"])
        assert sorted(p["total_cost"] for p in project["partners"]
                      if p["total_cost"] is not None) == budgets
    # an organisation in two projects is one organisation with two projects
    names = [row["Partner name"] for row in rows]
    twice = next(name for name in names if names.count(name) > 1)
    found = http.get("/search", params={"q": twice}).json()["results"][0]
    assert found["label"] == twice
    projects = _all(http, f"/organisations/{found['code']}/projects")
    assert len(projects) == names.count(twice)


def test_coverage_explains_a_project_through_its_partners(http) -> None:
    rows = _example_rows()
    # a business support organisation's region is the region it covers (the mapping's rule)
    row = next(r for r in rows if r["Legal status"] == "Business support organisation")
    region = http.get("/search", params={"q": row["NUTS region"]}).json()["results"][0]
    covering = _all(http, "/coverage", region=region["code"], type="project")
    project = next(c for c in covering if c["label"] == row["Project title"])
    assert project["match"]["kind"] == "through_members"
    assert project["match"]["explanation"].startswith("through its partners")
    assert project["match"]["member_chain"][0]["label"] == row["Partner name"]
    assert "is a partner of" in project["match"]["explanation"]


def test_the_cordis_fixture_is_projects_too(http) -> None:
    with (CORDIS / "project.csv").open(encoding="utf-8-sig") as file:
        published = list(csv.DictReader(file, delimiter=";"))
    horizon = _all(http, "/projects", programme="horizon-europe")
    assert {p["code"] for p in horizon} == {f"cordis-{row['id']}" for row in published}


def test_sparql_sees_the_same_partnerships(server, http) -> None:
    endpoint = SPARQLWrapper(f"{server.url}/sparql")
    endpoint.setReturnFormat(JSON)
    endpoint.setQuery("""
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX smekg: <https://w3id.org/smekg/ontology#>
        SELECT ?project (COUNT(?partnership) AS ?n) WHERE {
          ?project a smekg:Project ; smekg:fundedUnder ?programme .
          ?partnership org:organization ?project .
        } GROUP BY ?project""")
    counted = {b["project"]["value"]: int(b["n"]["value"])
               for b in endpoint.queryAndConvert()["results"]["bindings"]}
    for project in _all(http, "/projects"):
        if project["partner_count"]:
            assert counted[project["iri"]] == project["partner_count"], project["iri"]
    assert len(counted) == sum(1 for p in _all(http, "/projects") if p["partner_count"])


def test_neo4j_holds_the_same_projects(neo4j, loaded_store: Path, http) -> None:
    neo4j.use(loaded_store)
    with neo4j.driver.session() as session:
        records = session.run(
            "MATCH (p:Project)<-[m:MEMBER_OF]-(o:Resource) "
            "RETURN p.iri AS project, count(m) AS partners, sum(m.euContribution) AS eu")
        in_neo4j = {r["project"]: (r["partners"], r["eu"]) for r in records}
    for project in _all(http, "/projects"):
        if not project["partner_count"]:
            continue
        partners = http.get(f"/projects/{project['code']}").json()["partners"]
        eu = sum(p["eu_contribution"] or 0 for p in partners)
        assert in_neo4j[project["iri"]][0] == project["partner_count"]
        assert in_neo4j[project["iri"]][1] == pytest.approx(eu)


def test_the_web_app_shows_the_project_and_its_partners(http) -> None:
    rows = _example_rows()
    acronym = rows[0]["Project acronym"]
    project = http.get(f"/projects/{acronym.lower()}").json()
    _, dom = fetch(http, f"/app/project/{acronym.lower()}")
    assert dom.all("h1")[0].text == project["label"]
    text = dom.text
    for partner in project["partners"]:
        assert partner["label"] in text

"""Projects and their partners: the named queries ``projects``, ``project_partners`` and
``partner_projects`` on the embedded store, a remote SPARQL store and Neo4j (the same
answers, the Cypher twins the same rows), members and memberships through partnerships,
coverage through partners, and the REST API (JSON and CSV) over real HTTP.

The store is the bundled data plus the small tables below (three projects, four partner
organisations, a programme), loaded with the loaders as `smekg load-file` loads them.
"""

from __future__ import annotations

import csv
import gc
import io
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.encoders import jsonable_encoder

from smekg.core.backends import row_int
from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.bundled import bundled_sources
from smekg.loaders.sources import file_sources, load_sources
from smekg.queries.params import ParamError
from smekg.queries.projects import project_row
from smekg.queries.registry import load_registry
from smekg.queries.service import QueryService
from tests.graph_api.conftest import ApiServer

BASE = "https://w3id.org/smekg/id/"
GROWTH, SCALEUP = f"{BASE}project/growth-project", f"{BASE}project/scaleup-project"
ALPHA, BETA = f"{BASE}organisation/alpha-agency", f"{BASE}organisation/beta-centre"
GAMMA, DELTA = f"{BASE}organisation/gamma-lab", f"{BASE}organisation/delta-cluster"
STEERING_GROUP = f"{BASE}organisation/insme-steering-group"
ALL = 10_000

# The tables, as a person writes them from the templates (data/templates/*.csv).
TABLES: dict[str, list[list[str]]] = {
    "organisations.csv": [
        ["id", "name", "types", "country", "region", "covers_regions", "pic", "vat_number",
         "sme"],
        ["alpha-agency", "Alpha Agency for SMEs", "agency", "IT", "ITH55", "ITH5",
         "999999991", "IT 03786281208", "no"],
        ["beta-centre", "Beta Innovation Centre", "intermediary", "ES", "ES11", "ES11", "", "",
         "yes"],
        ["gamma-lab", "Gamma Lab", "intermediary", "IT", "ITC11", "", "", "", ""],
        ["delta-cluster", "Delta Cluster", "intermediary", "FR", "FR101", "FR1", "", "", ""],
    ],
    "programmes.csv": [
        ["id", "name", "alt_names", "covers_regions"],
        ["horizon-test", "Horizon Test Programme", "HTP", "europe"],
    ],
    "projects.csv": [
        ["id", "name", "acronym", "alt_names", "description", "programme", "funding_scheme",
         "call", "topics", "objectives", "status", "grant_id", "start", "end", "total_budget",
         "eu_contribution", "covers_regions", "website", "source", "source_quote"],
        ["growth-project", "SME Growth Partnership", "SMEGROW",
         "Partnership for the growth of small firms", "Regions learn from each other how "
         "to help SMEs grow.", "interreg-europe", "Interreg Europe call 1", "IE-2022-1",
         "HORIZON-EIE-2022-SCALEUP-02-02;HORIZON-EIE-2023-CONNECT-01", "PO1;RSO1.3",
         "SIGNED", "101000001", "2023-03", "2027-02", "1999000,50", "1599200", "",
         "https://growth.example.org/", "https://www.interregeurope.eu/growth",
         "The SMEGROW partners exchange their policies for SME growth."],
        ["scaleup-project", "Scale-up Support Action", "SCALE", "", "", "horizon-test",
         "HORIZON-CSA", "", "HORIZON-EIE-2022-SCALEUP-02-02", "", "CLOSED", "101000002",
         "2022-10", "2025-09", "3000000", "2999999.99", "", "", "", ""],
        ["solo-project", "Solo Study", "", "", "", "horizon-test", "", "", "", "", "", "",
         "2024", "", "", "", "ITC1", "", "", ""],
    ],
    "partners.csv": [
        ["project", "partner", "role", "budget", "eu_contribution", "since", "until"],
        ["growth-project", "beta-centre", "partner", "120000.25", "96000.2", "", ""],
        ["growth-project", "alpha-agency", "lead-partner", "250000", "200000", "", ""],
        ["growth-project", "gamma-lab", "associated-partner", "", "", "2024-01", ""],
        ["growth-project", "insme-steering-group", "partner", "1000", "", "", "2025"],
        ["scaleup-project", "delta-cluster", "partner", "1500000", "1499999.99", "", ""],
        ["scaleup-project", "beta-centre", "coordinator", "1500000", "1500000", "", ""],
        ["scaleup-project", "alpha-agency", "third-party", "", "", "", ""],
    ],
}


def write_tables(directory: Path) -> list[Path]:
    """The tables above as CSV files in ``directory``, in loading order."""
    paths = []
    for name, rows in TABLES.items():
        path = directory / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        paths.append(path)
    return paths


def build_projects_store(seeded_store_dir: Path, directory: Path) -> Path:
    """A copy of the seeded store with the project tables loaded."""
    store_dir = directory / "store"
    shutil.copytree(seeded_store_dir, store_dir)
    store = GraphStore.open(store_dir)
    minter = Minter(BASE)
    load_sources(store, file_sources(write_tables(directory), minter, store), minter)
    del store
    gc.collect()  # close the RocksDB handle before the directory is copied or served
    return store_dir


@pytest.fixture(scope="session")
def projects_store_dir(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
                       ) -> Path:
    """The bundled data and the project tables (read-only template)."""
    return build_projects_store(seeded_store_dir, tmp_path_factory.mktemp("projects"))


@pytest.fixture(scope="session")
def projects(projects_store_dir: Path) -> QueryService:
    """The named queries over the projects store, on the embedded store."""
    return QueryService(OxigraphBackend(projects_store_dir), Minter(BASE))


@pytest.fixture(scope="session")
def projects_api(projects_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[ApiServer]:
    """The API serving a copy of the projects store."""
    directory = tmp_path_factory.mktemp("projects-api")
    store = directory / "store"
    shutil.copytree(projects_store_dir, store)
    server = ApiServer(store, {}, directory / "server.log")
    yield server
    server.stop()


@pytest.fixture
def http(projects_api: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=projects_api.url, timeout=60.0) as client:
        yield client


# -- the named queries, on the embedded store -------------------------------------------
def test_projects_list_every_project_with_its_figures(projects):
    rows = {row.code: row for row in projects.projects()}
    assert {"growth-project", "scaleup-project", "solo-project", "senet"} <= set(rows)
    growth = rows["growth-project"]
    assert (growth.label, growth.acronym, growth.type) == ("SME Growth Partnership", "SMEGROW",
                                                           "project")
    assert growth.programme is not None and growth.programme.code == "interreg-europe"
    assert (growth.funding_scheme, growth.start, growth.end) == ("Interreg Europe call 1",
                                                                 "2023-03", "2027-02")
    # decimals kept to the cent ("1999000,50" in the table)
    assert (growth.total_cost, growth.eu_contribution) == (1999000.5, 1599200.0)
    assert growth.partner_count == 4
    scaleup = rows["scaleup-project"]
    assert (scaleup.eu_contribution, scaleup.partner_count) == (2999999.99, 3)
    solo = rows["solo-project"]
    assert (solo.acronym, solo.end, solo.total_cost, solo.partner_count) == (None, None, None,
                                                                             0)
    names = [row.label.casefold() for row in projects.projects()]
    assert names == sorted(names)  # by name


@pytest.mark.parametrize(("params", "expected"), [
    ({"programme": "interreg-europe"}, {"growth-project"}),
    ({"programme": "horizon-test"}, {"scaleup-project", "solo-project"}),
    ({"topic": "HORIZON-EIE-2022-SCALEUP-02-02"}, {"growth-project", "scaleup-project"}),
    ({"topic": "horizon-eie-2022-scaleup-02-02"}, {"growth-project", "scaleup-project"}),
    ({"topic": "HORIZON-EIE-2023-*"}, {"growth-project"}),
    ({"topic": "horizon-eie-*"}, {"growth-project", "scaleup-project"}),
    ({"topic": "HORIZON-EIE-2022"}, set()),  # a code, not a prefix, without *
    ({"country": "IT"}, {"growth-project", "scaleup-project"}),
    ({"country": "France"}, {"scaleup-project"}),
    ({"country": "ES11"}, {"growth-project", "scaleup-project"}),
    ({"country": "ITC1"}, {"growth-project"}),  # gamma-lab is in ITC11, within ITC1
    ({"country": "FR", "programme": "interreg-europe"}, set()),
    # the steering group is located nowhere: its members' countries are not its own
    ({"country": "TW"}, set()),
])
def test_projects_are_filtered_by_programme_topic_and_partner_country(projects, params,
                                                                       expected):
    assert {row.code for row in projects.projects(**params)} == expected


def test_a_topic_glob_is_a_trailing_star_only(projects):
    with pytest.raises(ParamError) as caught:
        projects.projects(topic="HORIZON-*-2022")
    assert caught.value.status == 422 and caught.value.param == "topic"
    with pytest.raises(ParamError) as unknown:
        projects.projects(programme="no-such-programme")
    assert unknown.value.status == 404


def test_the_partners_of_a_project_lead_first_with_their_amounts(projects):
    partners = projects.project_partners("growth-project")
    assert [(p.iri, p.role) for p in partners] == [
        (ALPHA, "lead-partner"), (BETA, "partner"), (STEERING_GROUP, "partner"),
        (GAMMA, "associated-partner")]
    alpha, beta, group, gamma = partners
    assert (alpha.total_cost, alpha.eu_contribution) == (250000.0, 200000.0)
    assert (beta.total_cost, beta.eu_contribution) == (120000.25, 96000.2)
    assert (group.total_cost, group.eu_contribution, group.until) == (1000.0, None, "2025")
    assert (gamma.total_cost, gamma.since) == (None, "2024-01")
    assert alpha.country is not None and alpha.country.code == "IT"
    assert alpha.location is not None and alpha.location.code == "ITH55"
    assert gamma.location is not None and gamma.location.code == "ITC11"
    assert alpha.partnership == f"{BASE}partnership/growth-project/alpha-agency/lead-partner"
    coordinated = projects.project_partners("scaleup-project")
    assert [(p.code, p.role) for p in coordinated] == [
        ("beta-centre", "coordinator"), ("delta-cluster", "partner"),
        ("alpha-agency", "third-party")]
    assert projects.project_partners("senet") == []  # the seed's project has none


def test_the_projects_an_organisation_takes_part_in(projects):
    taken = projects.partner_projects("alpha-agency")
    # by the project's name: "Scale-up Support Action" before "SME Growth Partnership"
    assert [(p.code, p.role) for p in taken] == [("scaleup-project", "third-party"),
                                                 ("growth-project", "lead-partner")]
    growth = taken[1]
    assert growth.programme is not None and growth.programme.code == "interreg-europe"
    assert (growth.start, growth.end, growth.total_cost, growth.eu_contribution) == (
        "2023-03", "2027-02", 250000.0, 200000.0)
    assert [p.code for p in projects.partner_projects("insme-steering-group")] == [
        "growth-project"]
    assert projects.partner_projects("ipi") == []


def test_a_projects_detail_has_its_facts_partners_and_sums(projects):
    detail = projects.project("growth-project")
    assert (detail.call, detail.status, detail.grant_id) == ("IE-2022-1", "SIGNED",
                                                             "101000001")
    assert detail.topics == ["HORIZON-EIE-2022-SCALEUP-02-02", "HORIZON-EIE-2023-CONNECT-01"]
    assert detail.objectives == ["PO1", "RSO1.3"]
    assert detail.website == "https://growth.example.org/"
    assert detail.description and "SMEs grow" in detail.description
    assert detail.acronym == "SMEGROW"  # the shortest of its other names
    assert [p.iri for p in detail.partners] == [p.iri for p in
                                                projects.project_partners("growth-project")]
    assert detail.partners_total_cost == 371000.25
    assert detail.partners_eu_contribution == 296000.2
    rows = [source.rows for source in detail.sources if source.graph.endswith("/projects")]
    assert rows == [[2]]  # the row of the table that states it
    assert any(source.evidence and "exchange their policies" in source.evidence
               for source in detail.sources)
    assert detail.model_dump(include=set(type(detail).model_fields) - {
        "description", "call", "topics", "objectives", "status", "grant_id", "website",
        "serves", "sectors", "themes", "policies", "sources", "partners",
        "partners_total_cost", "partners_eu_contribution"}) == next(
        row for row in projects.projects() if row.code == "growth-project").model_dump()
    solo = projects.project("solo-project")
    assert [r.code for r in solo.serves] == ["ITC1"] and solo.partners == []
    with pytest.raises(ParamError) as caught:
        projects.project("insme")  # a network
    assert caught.value.status == 404 and "not a project" in caught.value.message


def test_members_and_memberships_read_partnerships(projects):
    direct = projects.members("growth-project")
    assert {(m.iri, m.role, m.depth) for m in direct} == {
        (ALPHA, "lead-partner", 1), (BETA, "partner", 1), (GAMMA, "associated-partner", 1),
        (STEERING_GROUP, "partner", 1)}
    assert all(m.network.iri == GROWTH for m in direct)
    everything = projects.members("growth-project", transitive=True)
    deeper = [m for m in everything if m.depth == 2]
    assert deeper and all(m.network.iri == STEERING_GROUP for m in deeper)
    assert {m.code for m in deeper if m.type == "country"} >= {"IT", "TW"}
    memberships = projects.memberships("beta-centre")
    assert [(m.network.iri, m.role) for m in memberships] == [
        (SCALEUP, "coordinator"), (GROWTH, "partner")]
    upwards = projects.memberships("IT", transitive=True)
    assert (GROWTH, STEERING_GROUP, 2) in {(m.network.iri, m.member.iri, m.depth)
                                            for m in upwards}


def test_coverage_through_partners_says_so(projects):
    paris = {item.iri: item for item in projects.coverage("FR101", limit=None).results}
    match = paris[SCALEUP].match
    assert match.kind == "through_members"
    assert [ref.iri for ref in match.member_chain] == [DELTA, SCALEUP]
    assert match.explanation == (
        "through its partners (Delta Cluster is a partner of Scale-up Support Action): "
        "Delta Cluster serves FR1 (Ile-de-France), which contains FR101 (Paris)")
    # through a network among its partners: the network's member, then the partner link
    assert paris[GROWTH].match.explanation == (
        "through its partners (FR (France) → INSME Steering Group, which is a partner of SME "
        "Growth Partnership): FR (France) is a member country of a network, and contains "
        "FR101 (Paris)")
    # a network among the partners: its members are reached through it
    taiwan = {item.iri: item for item in projects.coverage("TW", limit=None).results}
    chain = taiwan[GROWTH].match
    assert [ref.iri for ref in chain.member_chain][-2:] == [STEERING_GROUP, GROWTH]
    assert chain.explanation.startswith("through its partners (")
    assert ("INSME Steering Group, which is a partner of SME Growth Partnership)"
            in chain.explanation)
    # a network's explanation keeps its words
    group = taiwan[STEERING_GROUP].match.explanation
    assert group.startswith("through its members (") and "partner" not in group


# -- every backend: the same answers, the twins the same rows ----------------------------
CASES: list[tuple[str, dict[str, str]]] = [
    ("projects", {}), ("projects", {"programme": "interreg-europe"}),
    ("projects", {"topic": "HORIZON-EIE-*"}),
    ("projects", {"topic": "HORIZON-EIE-2023-CONNECT-01"}),
    ("projects", {"country": "IT"}), ("projects", {"country": "ITC1"}),
    ("project_partners", {"project": "growth-project"}),
    ("project_partners", {"project": "scaleup-project"}),
    ("project_partners", {"project": "solo-project"}),
    ("partner_projects", {"organisation": "alpha-agency"}),
    ("partner_projects", {"organisation": "insme-steering-group"}),
    ("partner_projects", {"organisation": "ipi"}),
    ("members", {"network": "growth-project", "transitive": "true"}),
    ("memberships", {"organisation": "beta-centre", "transitive": "true"}),
    ("coverage", {"region": "FR101"}), ("coverage", {"region": "TW"}),
]


@pytest.mark.parametrize("params", [params for name, params in CASES if name == "projects"])
def test_the_list_of_projects_is_what_the_named_query_answers(projects, params):
    # the service answers from the index (smekg.queries.projects); projects.rq, as SPARQL
    # users run it, gives the same projects, partner counts and facts
    bound = projects.bind("projects", params)
    values: dict[str, dict[str, list]] = {}
    partners: dict[str, int] = {}
    for row in projects.rows("projects", bound):
        iri = str(row["project"])
        partners[iri] = row_int(row, "partners")
        found = values.setdefault(iri, defaultdict(list))
        for column in ("acronym", "fundedUnder", "scheme", "start", "end", "totalCost",
                       "euContribution"):
            if column in row and row[column] not in found[column]:
                found[column].append(row[column])
    expected = sorted((project_row(projects.index, iri, found, partners[iri])
                       for iri, found in values.items()),
                      key=lambda row: (row.label.casefold(), row.iri))
    got = projects.projects(**params)
    assert got, f"the case {params} must find projects"
    assert jsonable_encoder(got) == jsonable_encoder(expected)


def _answer(service: QueryService, name: str, params: dict[str, str]) -> object:
    return jsonable_encoder(service.run(name, params))


@pytest.fixture(scope="session")
def projects_sparql(start_oxigraph_server, tmp_path_factory: pytest.TempPathFactory):
    """An Oxigraph server loaded like the projects store, through smekg's loaders."""
    from tests.conftest import load_remote

    server = start_oxigraph_server()
    load_remote(server, lambda minter, store: bundled_sources(minter, store))
    paths = write_tables(tmp_path_factory.mktemp("projects-remote"))
    load_remote(server, lambda minter, store: file_sources(paths, minter, store))
    return server


@pytest.fixture(params=["neo4j", "sparql"])
def other(request: pytest.FixtureRequest, projects_store_dir: Path) -> QueryService:
    """The projects store on Neo4j (synced with it) or a remote SPARQL store."""
    from smekg.core.backends.sparql import SparqlBackend
    from tests.conftest import Neo4jService

    if request.param == "neo4j":
        return Neo4jService(request.getfixturevalue("neo4j"), projects_store_dir)
    server = request.getfixturevalue("projects_sparql")
    return QueryService(SparqlBackend(server.query_url), Minter(BASE))


def test_every_backend_answers_the_same(projects, other):
    _ = other.index  # Neo4j synced with the projects store
    for name, params in CASES:
        expected = _answer(projects, name, params)
        assert _answer(other, name, params) == expected, f"{name} {params}"
    for key in ("growth-project", "scaleup-project", "solo-project"):
        assert jsonable_encoder(other.project(key)) == jsonable_encoder(projects.project(key))


def _rows(backend, query, bound) -> set[tuple]:
    return {tuple(sorted((k, type(v).__name__, str(v)) for k, v in row.items()))
            for row in backend.select(query, bound)}


@pytest.mark.parametrize(("name", "params"), [case for case in CASES
                                              if case[0] in ("projects", "project_partners",
                                                             "partner_projects")])
def test_the_cypher_twins_return_the_rows_of_the_sparql(projects, projects_store_dir, neo4j,
                                                        name, params):
    from tests.conftest import Neo4jService

    graph = Neo4jService(neo4j, projects_store_dir)
    _ = graph.index  # Neo4j synced with the projects store
    query = load_registry()[name]
    assert query.cypher is not None
    bound = projects.bind(name, params)
    expected = _rows(projects.backend, query, bound)
    assert expected, "the case must return rows to compare"
    assert _rows(graph.backend, query, bound) == expected


def test_partnerships_arrive_in_neo4j_with_their_amounts(projects_store_dir, neo4j):
    from tests.conftest import Neo4jService

    graph = Neo4jService(neo4j, projects_store_dir)
    _ = graph.index
    records, _, _ = graph.backend.driver.execute_query(
        "MATCH (partner:Resource)-[m:MEMBER_OF]->(project:Project:OrganizationalCollaboration)"
        " WHERE project.iri = $project RETURN partner.iri AS partner, m.role AS role,"
        " m.totalCost AS cost, m.euContribution AS eu, m.since AS since, m.until AS until",
        {"project": GROWTH})
    found = {record["partner"]: record for record in records}
    assert set(found) == {ALPHA, BETA, GAMMA, STEERING_GROUP}
    beta = found[BETA]
    assert (beta["cost"], beta["eu"]) == (120000.25, 96000.2)  # numbers, to the cent
    assert beta["role"] == "https://w3id.org/smekg/ontology#role-partner"
    assert (found[GAMMA]["cost"], found[GAMMA]["since"]) == (None, "2024-01")
    nodes, _, _ = graph.backend.driver.execute_query(
        "MATCH (project:Resource {iri: $project}) RETURN project.totalCost AS cost,"
        " project.euContribution AS eu, project.topic AS topics", {"project": GROWTH})
    assert (nodes[0]["cost"], nodes[0]["eu"]) == (1999000.5, 1599200.0)
    assert sorted(nodes[0]["topics"]) == ["HORIZON-EIE-2022-SCALEUP-02-02",
                                          "HORIZON-EIE-2023-CONNECT-01"]


# -- the REST API ---------------------------------------------------------------------------
def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_rest_lists_projects_paged_and_as_csv(http, projects):
    everything = http.get("/projects", params={"limit": ALL}).json()
    expected = jsonable_encoder(projects.projects())
    assert everything["count"] == len(expected) and everything["results"] == expected
    pages = []
    for offset in range(0, everything["count"], 2):
        page = http.get("/projects", params={"limit": 2, "offset": offset}).json()
        assert page["count"] == everything["count"] and page["offset"] == offset
        pages.extend(page["results"])
    assert pages == everything["results"]
    filtered = http.get("/projects", params={"programme": "horizon-test",
                                             "topic": "horizon-eie-*"}).json()
    assert [row["code"] for row in filtered["results"]] == ["scaleup-project"]
    rows = _csv(http.get("/projects", params={"format": "csv", "limit": ALL}))
    assert [row["iri"] for row in rows] == [row["iri"] for row in everything["results"]]
    growth = next(row for row in rows if row["code"] == "growth-project")
    assert list(growth) == [
        "iri", "label", "type", "code", "acronym", "programme.iri", "programme.label",
        "programme.type", "programme.code", "funding_scheme", "start", "end", "total_cost",
        "eu_contribution", "partner_count"]
    assert (growth["total_cost"], growth["partner_count"], growth["programme.code"]) == (
        "1999000.5", "4", "interreg-europe")
    bad = http.get("/projects", params={"topic": "a*b"})
    assert bad.status_code == 422 and bad.json()["parameter"] == "topic"


def test_rest_gives_a_projects_facts_and_partners(http, projects):
    detail = http.get("/projects/growth-project")
    assert detail.status_code == 200
    assert detail.json() == jsonable_encoder(projects.project("growth-project"))
    rows = _csv(http.get("/projects/growth-project", params={"format": "csv"}))
    assert [(row["iri"], row["role"]) for row in rows] == [
        (p["iri"], p["role"]) for p in detail.json()["partners"]]
    assert rows[0]["total_cost"] == "250000.0" and rows[0]["country.code"] == "IT"
    missing = http.get("/projects/insme")
    assert missing.status_code == 404 and "not a project" in missing.json()["detail"]
    unknown = http.get("/projects/growth-projct")
    assert unknown.status_code == 404 and "growth-project" in unknown.json()["suggestions"]


def test_rest_gives_the_projects_of_an_organisation(http, projects):
    answer = http.get("/organisations/beta-centre/projects").json()
    assert answer["count"] == 2
    assert answer["results"] == jsonable_encoder(projects.partner_projects("beta-centre"))
    rows = _csv(http.get("/organisations/beta-centre/projects", params={"format": "csv"}))
    assert [(row["code"], row["role"], row["eu_contribution"]) for row in rows] == [
        ("scaleup-project", "coordinator", "1500000.0"), ("growth-project", "partner",
                                                          "96000.2")]
    empty = http.get("/organisations/ipi/projects").json()
    assert (empty["count"], empty["results"]) == (0, [])


def test_rest_members_and_coverage_of_a_project(http):
    members = http.get("/networks/growth-project/members",
                       params={"transitive": "true", "limit": ALL}).json()
    assert {m["iri"] for m in members["results"] if m["depth"] == 1} == {
        ALPHA, BETA, GAMMA, STEERING_GROUP}
    coverage = http.get("/coverage", params={"region": "FR101", "limit": ALL}).json()
    item = next(i for i in coverage["results"] if i["iri"] == SCALEUP)
    assert item["type"] == "project" and item["match"]["kind"] == "through_members"
    assert item["match"]["explanation"].startswith(
        "through its partners (Delta Cluster is a partner of Scale-up Support Action)")
    found = http.get("/search", params={"q": "smegrow"}).json()["results"]
    assert found[0]["iri"] == GROWTH and found[0]["type"] == "project"
    queries = {q["name"] for q in http.get("/queries").json()}
    assert {"projects", "project_partners", "partner_projects"} <= queries

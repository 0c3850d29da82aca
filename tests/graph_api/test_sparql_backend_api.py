"""The API with SMEKG_BACKEND=sparql over real HTTP: uvicorn serving from a real
`oxigraph serve`. The REST routes answer as on the embedded store; /sparql forwards
read-only queries to the store, with the endpoint's refusals, timeout and size cap."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from pyoxigraph import RdfFormat, parse
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from tests.conftest import OxigraphServer, free_port
from tests.graph_api.conftest import ApiServer
from tests.graph_api.test_sparql_helpers import INSME, STEERING_GROUP, boolean

NETWORKS = "SELECT ?n WHERE { ?n a smekg:Network } ORDER BY ?n"
EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"

ROUTES = [
    ("/coverage", {"region": "ITH55", "sector": "C25"}), ("/coverage", {"region": "GB-KEN"}),
    ("/networks", {}), ("/networks/insme-steering-group/members", {}),
    ("/organisations", {"country": "IT"}), ("/organisations/ipi/memberships", {}),
    ("/regions", {"within": "ITH", "level": "nuts2"}), ("/regions/ES1/organisations", {}),
    ("/sectors", {"within": "C", "level": "division"}), ("/policies/bologna-charter/lineage", {}),
    ("/search", {"q": "SAO PAULO"}), ("/entities/insme", {}),
    ("/gaps", {"scope": "IT", "type": "good-practice"}),
    ("/regions/compare", {"a": "ITH5", "b": "GB-KEN"}), ("/analytics/centrality", {}),
]


@pytest.fixture(scope="module")
def remote_api(start_api: Callable[..., ApiServer], seeded_sparql: OxigraphServer) -> ApiServer:
    return start_api(**seeded_sparql.env())


@pytest.fixture
def http(remote_api: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=remote_api.url, timeout=30.0) as client:
        yield client


@pytest.mark.parametrize(("path", "params"), ROUTES, ids=[path for path, _ in ROUTES])
def test_rest_routes_answer_as_on_the_embedded_store(http, client, path, params):
    got, expected = http.get(path, params=params), client.get(path, params=params)
    assert got.status_code == expected.status_code == 200, got.text
    assert got.json() == expected.json()


def test_sparql_wrapper_select_ask_construct(remote_api: ApiServer, api: ApiServer):
    def wrapper(url: str, query: str, fmt: str, method: str = POST) -> SPARQLWrapper:
        sparql = SPARQLWrapper(f"{url}/sparql")
        sparql.setQuery(query)
        sparql.setReturnFormat(fmt)
        sparql.setMethod(method)
        return sparql

    results = wrapper(remote_api.url, NETWORKS, JSON).queryAndConvert()
    assert [b["n"]["value"] for b in results["results"]["bindings"]] == [INSME, STEERING_GROUP]
    assert results == wrapper(api.url, NETWORKS, JSON).queryAndConvert()
    xml = wrapper(remote_api.url, f"ASK {{ <{INSME}> a smekg:Network }}", XML, "GET")
    assert xml.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    graph = wrapper(remote_api.url, f"DESCRIBE <{INSME}>", TURTLE).query().convert()
    triples = list(parse(graph, format=RdfFormat.TURTLE))
    assert len(triples) > 10 and {str(t.subject.value) for t in triples} >= {INSME}


@pytest.mark.parametrize("accept", ["application/sparql-results+xml", "text/csv",
                                    "text/tab-separated-values"])
def test_result_formats_are_negotiated(http, client, accept):
    got = http.get("/sparql", params={"query": NETWORKS}, headers={"Accept": accept})
    expected = client.get("/sparql", params={"query": NETWORKS}, headers={"Accept": accept})
    assert got.status_code == 200 and "Accept" in got.headers["vary"]
    assert got.headers["content-type"].split(";")[0] == accept
    assert got.text.replace("\r\n", "\n").strip().splitlines()[-2:] == \
        expected.text.replace("\r\n", "\n").strip().splitlines()[-2:]


def test_protocol_dataset_is_passed_on(http):
    graph = "https://w3id.org/smekg/id/graph/seed/organisations"
    response = http.get("/sparql", params={"query": "ASK { ?s a smekg:SourceGraph }",
                                           "default-graph-uri": graph})
    assert response.status_code == 200 and boolean(response)
    response = http.get("/sparql", params={"query": "ASK { ?s a smekg:Country }",
                                           "default-graph-uri": graph})
    assert response.status_code == 200 and not boolean(response)


def test_updates_and_service_are_refused_before_they_are_forwarded(http):
    update = http.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert update.status_code == 403 and "read-only" in update.text
    as_query = http.get("/sparql", params={"query": "DROP ALL"})
    assert as_query.status_code == 403
    service = http.get("/sparql", params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"})
    assert service.status_code == 403 and "SERVICE" in service.text
    assert http.get("/sparql", params={"query": "ASK { <a:b> <a:c> <a:d> }"}).text.find(
        "true") < 0


def test_a_syntax_error_is_400_with_the_stores_message(http):
    response = http.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p "})
    assert response.status_code == 400 and response.text.startswith("SPARQL syntax error")


def test_the_query_editor_is_served(http):
    page = http.get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "yasgui" in page.text.lower()


def test_a_large_reply_is_streamed_whole(http, client):
    got = http.get("/sparql", params={"query": EVERYTHING}, headers={"Accept": "text/csv"})
    expected = client.get("/sparql", params={"query": EVERYTHING},
                          headers={"Accept": "text/csv"})
    assert got.status_code == 200 and len(got.content) > 2 << 20
    got_rows, expected_rows = got.text.splitlines(), expected.text.splitlines()
    assert len(got_rows) == len(expected_rows)

    def comparable(rows: list[str]) -> list[str]:  # blank node labels and load times differ
        return sorted(r for r in rows if "_:" not in r and "generatedAtTime" not in r)

    assert comparable(got_rows) == comparable(expected_rows)


def test_the_size_cap(start_api: Callable[..., ApiServer], seeded_sparql: OxigraphServer):
    small = start_api(**seeded_sparql.env(), SMEKG_SPARQL_MAX_RESULT_BYTES="2000")
    with httpx.Client(base_url=small.url, timeout=30.0) as http:
        assert http.get("/sparql", params={"query": NETWORKS}).status_code == 200
        over = http.get("/sparql", params={"query": EVERYTHING})
        assert over.status_code == 422 and "SMEKG_SPARQL_MAX_RESULT_BYTES" in over.text
    streamed = start_api(**seeded_sparql.env(), SMEKG_SPARQL_MAX_RESULT_BYTES=str(3 << 19))
    with httpx.Client(base_url=streamed.url, timeout=30.0) as http:
        with pytest.raises(httpx.HTTPError):  # a reply over the cap after the head: cut off
            http.get("/sparql", params={"query": EVERYTHING}, headers={"Accept": "text/csv"})
        assert http.get("/sparql", params={"query": NETWORKS}).status_code == 200


def test_the_timeout(start_api: Callable[..., ApiServer],
                     start_oxigraph_server: Callable[..., OxigraphServer]):
    store = start_oxigraph_server(query_timeout=5)  # the store stops the work itself
    triples = " ".join(f"<https://ex.org/s{i}> <https://ex.org/p> {i} ." for i in range(3000))
    with httpx.Client() as http:
        http.post(store.update_url, content=f"INSERT DATA {{ GRAPH <https://ex.org/g> {{ "
                  f"{triples} }} }}", headers={"Content-Type": "application/sparql-update"})
    server = start_api(**store.env(), SMEKG_SPARQL_TIMEOUT="1")
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        slow = http.get("/sparql", params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"})
        assert slow.status_code == 503 and "SMEKG_SPARQL_TIMEOUT" in slow.text
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_an_unreachable_store_is_503(start_api: Callable[..., ApiServer]):
    url = f"http://127.0.0.1:{free_port()}"
    server = start_api(SMEKG_BACKEND="sparql", SMEKG_SPARQL_ENDPOINT=f"{url}/query",
                       SMEKG_SPARQL_REQUEST_TIMEOUT="5")
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        rest = http.get("/networks")
        assert rest.status_code == 503 and f"{url}/query is unreachable" in rest.json()["detail"]
        assert rest.json()["backend"] == "sparql"
        sparql = http.get("/sparql", params={"query": NETWORKS})
        assert sparql.status_code == 503 and "unreachable" in sparql.text

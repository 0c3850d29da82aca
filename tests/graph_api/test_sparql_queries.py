"""/sparql over real HTTP: result formats and negotiation, the dataset, prefixes, CORS,
concurrency, and SPARQLWrapper as a real client."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError

import httpx
import pytest
from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from SPARQLWrapper import CSV, GET, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

from smekg.ontology import PREFIXES
from tests.graph_api.conftest import ApiServer
from tests.graph_api.test_sparql_helpers import (
    INSME,
    NETWORK,
    ORGANISATIONS,
    RDF_TYPE,
    STEERING_GROUP,
    bindings,
    source_graphs,
)

NETWORKS = "SELECT ?n WHERE { ?n a smekg:Network } ORDER BY ?n"
DESCRIBE_INSME = f"DESCRIBE <{INSME}>"
CONSTRUCT_NETWORKS = "CONSTRUCT { ?n a smekg:Network ; skos:prefLabel ?l } WHERE { ?n a smekg:Network ; skos:prefLabel ?l }"  # noqa: E501


def select(client: httpx.Client, query: str, **params: str) -> list[dict[str, str]]:
    return bindings(client.get("/sparql", params={"query": query, **params}))


# -- SELECT / ASK formats ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type", "fmt"),
    [
        (None, "application/sparql-results+json", QueryResultsFormat.JSON),
        ("application/sparql-results+json", "application/sparql-results+json",
         QueryResultsFormat.JSON),
        ("application/json", "application/sparql-results+json", QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml",
         QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8",
         QueryResultsFormat.TSV),
        ("*/*", "application/sparql-results+json", QueryResultsFormat.JSON),
        ("text/*", "text/csv; charset=utf-8", None),
        ("text/turtle, application/sparql-results+xml;q=0.2", "application/sparql-results+xml",
         QueryResultsFormat.XML),
    ],
)
def test_select_formats(
    client: httpx.Client, accept: str | None, content_type: str, fmt: QueryResultsFormat | None
) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": NETWORKS}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    assert "Accept" in response.headers["vary"]
    if fmt is None:  # CSV: pyoxigraph does not parse it back
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["n"] for row in rows] == [INSME, STEERING_GROUP]
        return
    solutions = parse_query_results(response.content, format=fmt)
    assert isinstance(solutions, QuerySolutions)
    assert [s["n"] for s in solutions] == [NamedNode(INSME), NamedNode(STEERING_GROUP)]


def test_q_values_decide(client: httpx.Client) -> None:
    accept = "application/sparql-results+json;q=0.3, text/csv;q=0.9, application/xml;q=0.5"
    response = client.get("/sparql", params={"query": NETWORKS}, headers={"accept": accept})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines() == ["n", INSME, STEERING_GROUP]
    # equal q: the client's first listed type wins
    response = client.get("/sparql", params={"query": NETWORKS},
                          headers={"accept": "text/csv, application/sparql-results+json"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    # q=0 excludes
    response = client.get("/sparql", params={"query": NETWORKS},
                          headers={"accept": "application/sparql-results+json;q=0, */*;q=0.1"})
    assert response.headers["content-type"] == "application/sparql-results+xml"


@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "application/sparql-results+xml",
               "text/csv", "text/tab-separated-values"],
)
def test_ask_formats(client: httpx.Client, accept: str) -> None:
    ask = f"ASK {{ <{INSME}> a smekg:Network }}"
    response = client.get("/sparql", params={"query": ask}, headers={"accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    if accept.startswith("application/"):
        fmt = QueryResultsFormat.from_media_type(accept)
        result = parse_query_results(response.content, format=fmt)
        assert isinstance(result, QueryBoolean) and bool(result)
    else:
        assert response.text.strip().splitlines()[-1] == "true"


def test_not_acceptable(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": NETWORKS}, headers={"accept": "text/turtle"})
    assert response.status_code == 406
    assert "SELECT/ASK" in response.text and "application/sparql-results+json" in response.text
    response = client.get("/sparql", params={"query": DESCRIBE_INSME},
                          headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 406
    assert "CONSTRUCT/DESCRIBE" in response.text and "text/turtle" in response.text


# -- CONSTRUCT / DESCRIBE formats ----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type", "fmt"),
    [
        (None, "text/turtle; charset=utf-8", RdfFormat.TURTLE),
        ("text/turtle", "text/turtle; charset=utf-8", RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
        ("text/plain", "application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", RdfFormat.RDF_XML),
        ("application/n-quads", "application/n-quads", RdfFormat.N_QUADS),
        ("application/trig", "application/trig", RdfFormat.TRIG),
        ("text/n3", "text/n3; charset=utf-8", RdfFormat.N3),
        ("application/xml;q=0.5, application/ld+json;q=0.8", "application/ld+json",
         RdfFormat.JSON_LD),
    ],
)
@pytest.mark.parametrize("query", [DESCRIBE_INSME, CONSTRUCT_NETWORKS])
def test_graph_formats(
    client: httpx.Client, query: str, accept: str | None, content_type: str, fmt: RdfFormat
) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.post("/sparql", data={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    triples = {(q.subject.value, q.predicate.value, q.object.value)
               for q in parse(response.content, fmt)}
    assert (INSME, RDF_TYPE, NETWORK) in triples


def test_turtle_uses_the_project_prefixes(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": DESCRIBE_INSME})
    assert f"@prefix smekg: <{PREFIXES['smekg']}> ." in response.text
    assert "a smekg:Network" in response.text or "smekg:Network" in response.text


# -- dataset, prefixes, errors --------------------------------------------------------------


def test_default_graph_is_the_union_of_all_sources(client: httpx.Client) -> None:
    graphs = source_graphs(client)
    assert len(graphs) >= 10
    # facts from different source graphs join without naming any graph
    rows = select(client, f"""SELECT ?name (COUNT(?m) AS ?members) WHERE {{
        <{STEERING_GROUP}> a smekg:Network ; skos:prefLabel ?name .
        ?m org:organization <{STEERING_GROUP}> }} GROUP BY ?name""")
    assert rows[0]["name"] == "INSME Steering Group"
    assert int(rows[0]["members"]) > 10
    [row] = select(client, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a smekg:SourceGraph }")
    assert int(row["n"]) == len(graphs)


def test_from_in_the_query_is_honoured(client: httpx.Client) -> None:
    [count] = select(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ORGANISATIONS}> "
                             "{ ?s ?p ?o } }")
    [scoped] = select(client, f"SELECT (COUNT(*) AS ?n) FROM <{ORGANISATIONS}> "
                              "WHERE { ?s ?p ?o }")
    assert scoped["n"] == count["n"]
    [everything] = select(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(everything["n"]) > int(scoped["n"])
    # FROM NAMED restricts GRAPH ?g
    rows = select(client, f"SELECT DISTINCT ?g FROM NAMED <{ORGANISATIONS}> "
                          "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert rows == [{"g": ORGANISATIONS}]


def test_default_graph_uri_parameter_replaces_the_union(client: httpx.Client) -> None:
    rows = select(client, "SELECT DISTINCT ?n WHERE { ?n a smekg:Network }",
                  **{"default-graph-uri": ORGANISATIONS})
    assert {r["n"] for r in rows} == {INSME, STEERING_GROUP}
    rows = select(client, "SELECT ?n WHERE { ?n a smekg:Network }",
                  **{"default-graph-uri": f"{ORGANISATIONS}-nonexistent"})
    assert rows == []


def test_prefixes_are_predefined_and_may_be_redeclared(client: httpx.Client) -> None:
    assert {r["n"] for r in select(client, NETWORKS)} == {INSME, STEERING_GROUP}
    rows = select(client, "PREFIX smekg: <http://example.org/other#> "
                          "SELECT ?n WHERE { ?n a smekg:Network }")
    assert rows == []


def test_invalid_graph_iri(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "default-graph-uri is not a valid IRI" in response.text


def test_no_query(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"accept": "*/*"})
    assert response.status_code == 400
    assert "No query given" in response.text
    response = client.post("/sparql", data={"default-graph-uri": ORGANISATIONS})
    assert response.status_code == 400
    response = client.post("/sparql", data={"query": "   "})
    assert response.status_code == 400
    assert "empty" in response.text


def test_query_in_url_and_body(client: httpx.Client) -> None:
    response = client.post("/sparql?query=ASK%7B%7D", content="ASK {}",
                           headers={"content-type": "application/sparql-query"})
    assert response.status_code == 400
    response = client.post("/sparql?query=ASK%7B%7D", data={"query": "ASK {}"})
    assert response.status_code == 400


def test_service_is_refused(client: httpx.Client) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.text


def test_unicode_round_trip(client: httpx.Client) -> None:
    query = 'SELECT ?x WHERE { BIND("Zürich – 東京 ✓" AS ?x) }'
    assert select(client, query) == [{"x": "Zürich – 东京 ✓".replace("东", "東")}]
    response = client.post("/sparql", content=query.encode(),
                           headers={"content-type": "application/sparql-query; charset=utf-8"})
    assert response.json()["results"]["bindings"][0]["x"]["value"] == "Zürich – 東京 ✓"


def test_openapi_documents_the_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    get, post = spec["paths"]["/sparql"]["get"], spec["paths"]["/sparql"]["post"]
    assert "read-only" in get["description"]
    assert {p["name"] for p in get["parameters"]} >= {
        "query", "default-graph-uri", "named-graph-uri"}
    assert set(post["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded", "application/sparql-query"}
    assert "text/turtle" in get["responses"]["200"]["content"]
    for status in ("400", "403", "406", "415", "422", "503"):
        assert status in get["responses"]
    assert "/sparql/" not in spec["paths"]


# -- CORS ------------------------------------------------------------------------------------


def test_cors_preflight(client: httpx.Client) -> None:
    response = client.options("/sparql", headers={
        "origin": "https://dashboard.example.org",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, accept",
    })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://dashboard.example.org")
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_cors_simple_requests(client: httpx.Client) -> None:
    origin = {"origin": "https://dashboard.example.org"}
    response = client.get("/sparql", params={"query": NETWORKS}, headers=origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    response = client.post("/sparql", data={"query": NETWORKS}, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    # errors too, so a browser client can read the message
    response = client.get("/sparql", params={"query": "ASK {"}, headers=origin)
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"


def test_plain_options_lists_the_methods(client: httpx.Client) -> None:
    response = client.options("/sparql")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, POST, OPTIONS"


# -- concurrency -------------------------------------------------------------------------------


def test_concurrent_requests_get_their_own_answers(api: ApiServer) -> None:
    def ask(i: int) -> tuple[int, str]:
        with httpx.Client(base_url=api.url, timeout=30) as http:
            query = f"SELECT ?i WHERE {{ BIND({i} AS ?i) }}"
            response = http.post("/sparql", data={"query": query})
            return i, response.json()["results"]["bindings"][0]["i"]["value"]

    with ThreadPoolExecutor(16) as executor:
        answers = list(executor.map(ask, range(200)))
    assert all(str(i) == value for i, value in answers)


# -- SPARQLWrapper as a client ----------------------------------------------------------------


@pytest.fixture
def wrapper(api: ApiServer) -> SPARQLWrapper:
    return SPARQLWrapper(f"{api.url}/sparql")


@pytest.mark.parametrize("method", [GET, POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json(wrapper: SPARQLWrapper, method: str) -> None:
    if method == POSTDIRECTLY:
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
    else:
        wrapper.setMethod(method)
    wrapper.setQuery(NETWORKS)
    wrapper.setReturnFormat(JSON)
    result = wrapper.query().convert()
    assert [b["n"]["value"] for b in result["results"]["bindings"]] == [INSME, STEERING_GROUP]


def test_sparqlwrapper_select_xml(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(NETWORKS)
    wrapper.setReturnFormat(XML)
    document = wrapper.query().convert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == [INSME, STEERING_GROUP]


def test_sparqlwrapper_select_csv(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(NETWORKS)
    wrapper.setReturnFormat(CSV)
    rows = list(csv.reader(io.StringIO(wrapper.query().convert().decode())))
    assert rows == [["n"], [INSME], [STEERING_GROUP]]


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_ask(wrapper: SPARQLWrapper, method: str) -> None:
    wrapper.setMethod(method)
    wrapper.setReturnFormat(JSON)
    wrapper.setQuery(f"ASK {{ <{INSME}> a smekg:Network }}")
    assert wrapper.query().convert()["boolean"] is True
    wrapper.setQuery(f"ASK {{ <{INSME}> a smekg:Country }}")
    assert wrapper.query().convert()["boolean"] is False


def test_sparqlwrapper_construct_turtle(wrapper: SPARQLWrapper) -> None:
    wrapper.setQuery(CONSTRUCT_NETWORKS)
    wrapper.setReturnFormat(TURTLE)
    graph = Graph().parse(data=wrapper.query().convert(), format="turtle")
    assert set(graph.subjects(RDF.type, URIRef(NETWORK))) == {URIRef(INSME),
                                                            URIRef(STEERING_GROUP)}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_describe(wrapper: SPARQLWrapper, method: str) -> None:
    wrapper.setMethod(method)
    wrapper.setQuery(DESCRIBE_INSME)
    wrapper.setReturnFormat(XML)  # RDF/XML, which SPARQLWrapper parses into an rdflib Graph
    graph = wrapper.query().convert()
    assert isinstance(graph, Graph)
    assert (URIRef(INSME), RDF.type, URIRef(NETWORK)) in graph
    assert len(graph) > 10


def test_sparqlwrapper_update_is_refused(wrapper: SPARQLWrapper) -> None:
    wrapper.setMethod(POST)
    wrapper.setQuery("INSERT DATA { <http://ex.org/s> <http://ex.org/p> <http://ex.org/o> }")
    with pytest.raises(HTTPError) as refused:
        wrapper.query()
    assert refused.value.code == 403
    assert b"smekg load" in refused.value.read()


def test_sparqlwrapper_syntax_error(wrapper: SPARQLWrapper) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    wrapper.setQuery("SELECT ?x WHERE { ?x ")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="SPARQL syntax error"):
        wrapper.query()


def test_json_is_valid_json(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"})
    assert len(json.loads(response.content)["results"]["bindings"]) == 50


def test_large_result_is_complete(client: httpx.Client) -> None:
    # ~15 MB of JSON: read from the worker in a thread, under the default 64 MiB cap
    [count] = select(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.content) > 1_000_000
    assert len(json.loads(response.content)["results"]["bindings"]) == int(count["n"])
    response = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                          headers={"accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(response.content.splitlines()) == int(count["n"])

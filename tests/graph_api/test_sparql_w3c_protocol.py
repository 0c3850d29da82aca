"""The W3C SPARQL 1.1 Protocol tests, over real HTTP against the seeded store.

Transcribed from w3c/rdf-tests, ``sparql/sparql11/protocol/manifest.ttl``: one test per
entry, named after it, with the request (path, method, headers, body) as the manifest
gives it. Where a case relies on the W3C example data, the graphs
``http://kasei.us/2009/09/sparql/data/data1.rdf`` ... ``data3.rdf`` (each holding the
triple ``<dataN.rdf> a foaf:Document``) are replaced by three of the seed store's source
graphs, each of which holds ``<graph> a smekg:SourceGraph`` about itself: data1 ->
``graph/seed/organisations``, data2 -> ``graph/seed/memberships``, data3 ->
``graph/seed/policies``; ``data0.rdf`` (a graph the tests never look into) ->
``graph/seed/documents``. Each such test says so.

The update_* cases expect a 2xx from an endpoint that accepts updates; this endpoint is
read-only (the store changes only through the loaders), so they expect the refusal, 403
with a message naming ``smekg load``, and check that nothing was written. The bad_update_*
cases expect a 4xx, which the refusal (or 415 for a wrong media type) is.
"""

from __future__ import annotations

import httpx
import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from tests.graph_api.conftest import ApiServer
from tests.graph_api.test_sparql_helpers import (
    DOCUMENTS,
    INSME,
    MEMBERSHIPS,
    NETWORK,
    ORGANISATIONS,
    POLICIES,
    RDF_TYPE,
    boolean,
    enc,
    source_graphs,
)

D0, D1, D2, D3 = DOCUMENTS, ORGANISATIONS, MEMBERSHIPS, POLICIES

FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}
UPDATE = {"content-type": "application/sparql-update"}

BOOLEAN_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/tab-separated-values", "text/csv")
RDF_TYPES = {
    "application/rdf+xml": RdfFormat.RDF_XML,
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
}


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def assert_true(response: httpx.Response) -> None:
    """2xx (the manifest allows 3xx too; this endpoint never redirects) and boolean true."""
    assert response.status_code == 200, response.text
    assert media_type(response) in BOOLEAN_TYPES
    assert boolean(response) is True


def assert_refused_update(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert "read-only" in response.text
    assert "smekg load" in response.text


def total_triples(client: httpx.Client) -> int:
    response = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"accept": "text/csv"},
    )
    assert response.status_code == 200, response.text
    return int(response.text.splitlines()[1])


def test_seed_graphs_used_in_place_of_the_w3c_data(client: httpx.Client) -> None:
    graphs = source_graphs(client)
    assert {D0, D1, D2, D3} <= set(graphs)


# -- query_* -----------------------------------------------------------------------------


def test_query_post_form(client: httpx.Client) -> None:
    # data0.rdf -> graph/seed/documents
    response = client.post(f"/sparql/?default-graph-uri={enc(D0)}", content="query=ASK%20%7B%7D",
                           headers=FORM)
    assert_true(response)


def test_query_dataset_default_graphs_get(client: httpx.Client) -> None:
    # data1.rdf, data2.rdf -> graph/seed/organisations, graph/seed/memberships
    ask = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
    response = client.get(
        f"/sparql/?query={enc(ask)}&default-graph-uri={enc(D1)}&default-graph-uri={enc(D2)}"
    )
    assert_true(response)
    # and the protocol dataset really is the default graph: with data1 alone, false
    response = client.get(f"/sparql/?query={enc(ask)}&default-graph-uri={enc(D1)}")
    assert response.status_code == 200
    assert boolean(response) is False


def test_query_dataset_default_graphs_post(client: httpx.Client) -> None:
    # data1.rdf, data2.rdf -> graph/seed/organisations, graph/seed/memberships
    response = client.post(
        f"/sparql/?default-graph-uri={enc(D1)}&default-graph-uri={enc(D2)}",
        content=f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}",
        headers=DIRECT,
    )
    assert_true(response)


def test_query_dataset_named_graphs_post(client: httpx.Client) -> None:
    # data1.rdf, data2.rdf -> graph/seed/organisations, graph/seed/memberships
    ask = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
    response = client.post(
        f"/sparql/?named-graph-uri={enc(D1)}&named-graph-uri={enc(D2)}", content=ask,
        headers=DIRECT,
    )
    assert_true(response)
    # with data1 alone as named graph, GRAPH ?g2 finds nothing
    response = client.post(f"/sparql/?named-graph-uri={enc(D1)}", content=ask, headers=DIRECT)
    assert response.status_code == 200
    assert boolean(response) is False


def test_query_dataset_named_graphs_get(client: httpx.Client) -> None:
    # data1.rdf, data2.rdf -> graph/seed/organisations, graph/seed/memberships
    ask = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
    response = client.get(
        f"/sparql/?query={enc(ask)}&named-graph-uri={enc(D1)}&named-graph-uri={enc(D2)}"
    )
    assert_true(response)


def test_query_dataset_full(client: httpx.Client) -> None:
    # data1.rdf, data2.rdf, data3.rdf -> graph/seed/organisations, memberships, policies
    response = client.post(
        f"/sparql/?default-graph-uri={enc(D3)}&named-graph-uri={enc(D1)}"
        f"&named-graph-uri={enc(D2)}",
        content=f"""ASK {{
  <{D3}> a ?type
  GRAPH ?g1 {{ <{D1}> a ?type }}
  GRAPH ?g2 {{ <{D2}> a ?type }}
}}""",
        headers=DIRECT,
    )
    assert_true(response)


def test_query_multiple_dataset(client: httpx.Client) -> None:
    # data1.rdf, data2.rdf, data3.rdf -> graph/seed/organisations, memberships, policies.
    # The manifest's path encodes the '&' between its two named-graph-uri parameters
    # (%26named-graph-uri%3D), which would make them one parameter with an IRI that names
    # no graph, and the expected `true` impossible; it means two parameters, sent here.
    ask = (
        f"ASK FROM <{D3}> {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
    )
    response = client.post(
        f"/sparql/?named-graph-uri={enc(D1)}&named-graph-uri={enc(D2)}", content=ask,
        headers=DIRECT,
    )
    assert_true(response)
    # without the protocol dataset, the query's own (FROM, no FROM NAMED) applies: false
    response = client.post("/sparql/", content=ask, headers=DIRECT)
    assert response.status_code == 200
    assert boolean(response) is False


def test_query_get(client: httpx.Client) -> None:
    # data0.rdf -> graph/seed/documents
    assert_true(client.get(f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={enc(D0)}"))


def test_query_content_type_select(client: httpx.Client) -> None:
    response = client.post(f"/sparql/?default-graph-uri={enc(D0)}",
                           content="SELECT (1 AS ?value) {}", headers=DIRECT)
    assert response.status_code == 200, response.text
    assert media_type(response) in TABULAR_TYPES
    assert response.json()["results"]["bindings"][0]["value"]["value"] == "1"


def test_query_content_type_ask(client: httpx.Client) -> None:
    response = client.post(f"/sparql/?default-graph-uri={enc(D0)}", content="ASK {}",
                           headers=DIRECT)
    assert_true(response)


def test_query_content_type_describe(client: httpx.Client) -> None:
    response = client.post(f"/sparql/?default-graph-uri={enc(D0)}",
                           content="DESCRIBE <http://example.org/>", headers=DIRECT)
    assert response.status_code == 200, response.text
    assert media_type(response) in RDF_TYPES
    assert list(parse(response.content, RDF_TYPES[media_type(response)])) == []
    # the same on the seed data (no protocol dataset: the union of all graphs)
    response = client.post("/sparql/", content=f"DESCRIBE <{INSME}>", headers=DIRECT)
    assert response.status_code == 200, response.text
    triples = list(parse(response.content, RDF_TYPES[media_type(response)]))
    assert (INSME, RDF_TYPE, NETWORK) in {
        (t.subject.value, t.predicate.value, t.object.value) for t in triples
    }


def test_query_content_type_construct(client: httpx.Client, api: ApiServer) -> None:
    response = client.post(f"/sparql/?default-graph-uri={enc(D0)}",
                           content="CONSTRUCT { <s> <p> 1 } WHERE {}", headers=DIRECT)
    assert response.status_code == 200, response.text
    assert media_type(response) in RDF_TYPES
    [triple] = list(parse(response.content, RDF_TYPES[media_type(response)]))
    # relative IRIs resolve against the endpoint's own URL (the service-defined base)
    assert triple.subject == NamedNode(f"{api.url}/sparql/s")
    assert triple.predicate == NamedNode(f"{api.url}/sparql/p")
    assert triple.object.value == "1"


def test_query_post_direct(client: httpx.Client) -> None:
    assert_true(client.post("/sparql/", content="ASK {}", headers=DIRECT))


# -- update_*: refused, and nothing written -----------------------------------------------

K1, K2, K3 = (f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3))


def _check_update_refused(
    client: httpx.Client, path: str, update: str, then_ask: str
) -> None:
    before = total_triples(client)
    assert_refused_update(client.post(path, content=update, headers=UPDATE))
    follow_up = client.post("/sparql/", content=then_ask, headers=DIRECT)
    assert follow_up.status_code == 200, follow_up.text
    assert boolean(follow_up) is False  # the manifest expects true after a successful update
    assert total_triples(client) == before


def test_update_dataset_default_graph(client: httpx.Client) -> None:
    _check_update_refused(
        client,
        f"/sparql/?using-graph-uri={enc(K1)}",
        f"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
CLEAR ALL ;
INSERT DATA {{
    GRAPH <{K1}> {{
        <{K1}> a foaf:Document
    }}
}} ;
INSERT {{
    GRAPH <http://example.org/protocol-update-dataset-test/> {{
        ?s a dc:BibliographicResource
    }}
}}
WHERE {{
    ?s a foaf:Document
}}""",
        f"""ASK {{
    GRAPH <http://example.org/protocol-update-dataset-test/> {{
        <{K1}> a <http://purl.org/dc/terms/BibliographicResource>
    }}
}}""",
    )


_INSERT_THREE = f"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
DROP ALL ;
INSERT DATA {{
    GRAPH <{K1}> {{ <{K1}> a foaf:Document }}
    GRAPH <{K2}> {{ <{K2}> a foaf:Document }}
    GRAPH <{K3}> {{ <{K3}> a foaf:Document }}
}} ;
"""


def _ask_two_not_three(graph: str) -> str:
    bib = "<http://purl.org/dc/terms/BibliographicResource>"
    return f"""ASK {{
    GRAPH <{graph}> {{
        <{K1}> a {bib} .
        <{K2}> a {bib} .
    }}
    FILTER NOT EXISTS {{
        GRAPH <{graph}> {{
            <{K3}> a {bib} .
        }}
    }}
}}"""


def test_update_dataset_default_graphs(client: httpx.Client) -> None:
    graph = "http://example.org/protocol-update-dataset-graphs-test/"
    _check_update_refused(
        client,
        f"/sparql/?using-graph-uri={enc(K1)}&using-graph-uri={enc(K2)}",
        _INSERT_THREE + f"INSERT {{ GRAPH <{graph}> {{ ?s a dc:BibliographicResource }} }}\n"
        "WHERE { ?s a foaf:Document }",
        _ask_two_not_three(graph),
    )


def test_update_dataset_named_graphs(client: httpx.Client) -> None:
    graph = "http://example.org/protocol-update-dataset-named-graphs-test/"
    _check_update_refused(
        client,
        f"/sparql/?using-named-graph-uri={enc(K1)}&using-named-graph-uri={enc(K2)}",
        _INSERT_THREE + f"INSERT {{ GRAPH <{graph}> {{ ?s a dc:BibliographicResource }} }}\n"
        "WHERE { GRAPH ?g { ?s a foaf:Document } }",
        _ask_two_not_three(graph),
    )


def test_update_dataset_full(client: httpx.Client) -> None:
    graph = "http://example.org/protocol-update-dataset-full-test/"
    _check_update_refused(
        client,
        f"/sparql/?using-graph-uri={enc(K1)}&using-named-graph-uri={enc(K2)}",
        _INSERT_THREE + f"""INSERT {{
    GRAPH <{graph}> {{
        ?s <http://example.org/in> ?in
    }}
}}
WHERE {{
    {{
        GRAPH ?g {{ ?s a foaf:Document }}
        BIND(?g AS ?in)
    }}
    UNION
    {{
        ?s a foaf:Document .
        BIND("default" AS ?in)
    }}
}}""",
        f"""ASK {{
    GRAPH <{graph}> {{
        <{K1}> <http://example.org/in> "default" .
        <{K2}> <http://example.org/in> <{K2}> .
    }}
    FILTER NOT EXISTS {{
        GRAPH <{graph}> {{
            <{K3}> ?p ?o
        }}
    }}
}}""",
    )


def test_update_post_form(client: httpx.Client) -> None:
    before = total_triples(client)
    assert_refused_update(client.post("/sparql/", content="update=CLEAR+ALL", headers=FORM))
    assert total_triples(client) == before


def test_update_post_direct(client: httpx.Client) -> None:
    before = total_triples(client)
    assert_refused_update(client.post("/sparql/", content="CLEAR ALL", headers=UPDATE))
    assert total_triples(client) == before


def test_update_base_uri(client: httpx.Client) -> None:
    assert_refused_update(client.post(
        "/sparql/",
        content="CLEAR GRAPH <http://example.org/protocol-base-test/> ;\n"
        "INSERT DATA { GRAPH <http://example.org/protocol-base-test/> "
        "{ <http://example.org/s> <http://example.org/p> <test> } }",
        headers=UPDATE,
    ))
    response = client.post(
        "/sparql/",
        content="""SELECT ?o WHERE {
    GRAPH <http://example.org/protocol-base-test/> {
        <http://example.org/s> <http://example.org/p> ?o
    }
}""",
        headers=DIRECT,
    )
    assert response.status_code == 200, response.text
    assert media_type(response) in TABULAR_TYPES
    # the manifest expects one result after its update; refused, there is none
    assert response.json()["results"]["bindings"] == []


# -- bad_* ---------------------------------------------------------------------------------


def test_bad_query_method(client: httpx.Client) -> None:
    response = client.put(
        f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={enc(D0)}", headers=FORM, content=b""
    )
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert client.delete("/sparql?query=ASK%20%7B%7D").status_code == 405


def test_bad_multiple_queries(client: httpx.Client) -> None:
    response = client.get("/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400
    assert "2 `query` parameters" in response.text


def test_bad_query_wrong_media_type(client: httpx.Client) -> None:
    response = client.post("/sparql/", content="ASK {}", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_bad_query_missing_form_type(client: httpx.Client) -> None:
    response = client.post("/sparql/", content=b"query=ASK%20%7B%7D")
    assert "content-type" not in response.request.headers
    assert response.status_code == 415
    assert "no Content-Type" in response.text


def test_bad_query_missing_direct_type(client: httpx.Client) -> None:
    response = client.post("/sparql/", content=b"ASK {}")
    assert response.status_code == 415


def test_bad_query_non_utf8(client: httpx.Client) -> None:
    body = "ASK {}".encode("utf-16")  # with a BOM, as the manifest says
    response = client.post(
        "/sparql/", content=body,
        headers={"content-type": "application/sparql-query; charset=UTF-16"},
    )
    assert response.status_code == 415
    assert "UTF-8" in response.text
    # undeclared UTF-16 is not UTF-8 either
    response = client.post("/sparql/", content=body, headers=DIRECT)
    assert response.status_code == 400
    assert "not valid UTF-8" in response.text


def test_bad_query_syntax(client: httpx.Client) -> None:
    response = client.get("/sparql/?query=ASK%20%7B")
    assert response.status_code == 400
    assert response.text.startswith("SPARQL syntax error: error at 1:6")


def test_bad_update_get(client: httpx.Client) -> None:
    assert_refused_update(client.get("/sparql/?update=CLEAR%20ALL"))


def test_bad_multiple_updates(client: httpx.Client) -> None:
    assert_refused_update(client.post(
        "/sparql/", content="update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", headers=FORM
    ))


def test_bad_update_wrong_media_type(client: httpx.Client) -> None:
    response = client.post("/sparql/", content="CLEAR NAMED",
                           headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_bad_update_missing_form_type(client: httpx.Client) -> None:
    response = client.post("/sparql/", content=b"update=CLEAR%20NAMED")
    assert response.status_code == 415


def test_bad_update_non_utf8(client: httpx.Client) -> None:
    response = client.post(
        "/sparql/", content="CLEAR NAMED".encode("utf-16"),
        headers={"content-type": "application/sparql-update; charset=UTF-16"},
    )
    assert_refused_update(response)


def test_bad_update_syntax(client: httpx.Client) -> None:
    assert_refused_update(
        client.post("/sparql/", content="update=CLEAR%20XYZ", headers=FORM)
    )


def test_bad_update_dataset_conflict(client: httpx.Client) -> None:
    assert_refused_update(client.post(
        f"/sparql/?using-named-graph-uri={enc('http://example/people')}",
        content="""PREFIX foaf:  <http://xmlns.com/foaf/0.1/>
WITH <http://example/addresses>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE {
    ?person foaf:givenName 'Bill'
}""",
        headers=UPDATE,
    ))


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://ex.org/s> <http://ex.org/p> <http://ex.org/o> }",
        "PREFIX ex: <http://ex.org/>\n# a comment\nDELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "WITH <http://ex.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_update_sent_as_a_query_is_refused(client: httpx.Client, update: str) -> None:
    before = total_triples(client)
    assert_refused_update(client.get("/sparql", params={"query": update}))
    assert_refused_update(client.post("/sparql", content=update, headers=DIRECT))
    assert_refused_update(client.post("/sparql", data={"query": update}))
    assert total_triples(client) == before

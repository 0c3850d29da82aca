"""The remote SPARQL backend against a real `oxigraph serve`: the embedded backend's values,
hostile parameter values bound safely, and clear errors for a store it cannot use."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode

from smekg.core.backends import BackendUnavailable, Iri
from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.backends.sparql import SparqlBackend, SparqlEndpoint, SparqlError
from smekg.core.connect import open_backend
from smekg.core.settings import Settings
from smekg.queries.registry import QUERY_DIR, NamedQuery, Param
from tests.conftest import free_port
from tests.queries.test_sparql_binding import HOSTILE


def _probe(text: str, *params: str) -> NamedQuery:
    return NamedQuery(name="probe", description="", path=QUERY_DIR / "probe.rq", sparql=text,
                      params=tuple(Param(name, "text", "") for name in params))


@pytest.fixture(scope="module")
def backends(seeded_store_dir, seeded_sparql):
    remote = SparqlBackend(seeded_sparql.query_url)
    yield OxigraphBackend(seeded_store_dir), remote
    remote.close()


def test_values_have_the_embedded_types(backends):
    embedded, remote = backends
    query = _probe("""SELECT ?iri ?text ?tagged ?int ?decimal ?double ?bool ?date ?blank WHERE {
        BIND(<http://ex.org/a> AS ?iri) BIND("t" AS ?text) BIND("t"@en AS ?tagged)
        BIND(42 AS ?int) BIND(1.5 AS ?decimal) BIND(2.5e0 AS ?double) BIND(true AS ?bool)
        BIND("2024-05-01"^^xsd:date AS ?date) BIND(BNODE() AS ?blank) }""")
    [expected], [got] = embedded.select(query, {}), remote.select(query, {})
    assert got.pop("blank").startswith("_:") and expected.pop("blank").startswith("_:")
    assert got == expected
    assert [type(value) for value in got.values()] == [Iri, str, str, int, float, float, bool,
                                                        str]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_bound_as_values(backends, value):
    embedded, remote = backends
    query = _probe("SELECT ?text ?length ?entity WHERE { BIND(STRLEN(?text) AS ?length) "
                   "OPTIONAL { ?entity dcterms:identifier ?text } }", "text")
    expected = [{"text": value, "length": len(value)}]
    assert remote.select(query, {"text": value}) == expected
    assert embedded.select(query, {"text": value}) == expected


def test_an_injection_attempt_finds_nothing(backends):
    embedded, remote = backends
    query = _probe("SELECT ?text ?entity WHERE { ?entity dcterms:identifier ?text }", "text")
    for value in ['" } UNION { ?entity ?p ?text } #', "x' } UNION { ?entity ?p ?o } #",
                  '\\u0022 } UNION { ?entity ?p ?text } #']:
        assert remote.select(query, {"text": value}) == []
        assert embedded.select(query, {"text": value}) == []
    assert remote.select(query, {"text": "insme"}) == embedded.select(query, {"text": "insme"})


def test_an_omitted_parameter_is_the_any_sentinel(backends):
    embedded, remote = backends
    query = _probe("SELECT ?network ?n WHERE { ?n a smekg:Network "
                   "FILTER(?network = smekg:any || ?n = ?network) }", "network")
    assert sorted(map(str, (r["n"] for r in remote.select(query, {})))) == sorted(
        map(str, (r["n"] for r in embedded.select(query, {}))))
    assert len(remote.select(query, {})) == 2


def test_an_invalid_iri_is_refused_before_any_request(backends):
    _, remote = backends
    query = _probe("SELECT ?entity ?p WHERE { ?entity ?p ?o }", "entity")
    for iri in ("http://ex.org/a> } UNION { ?s ?p ?o", "http://ex.org/a b", "no-scheme"):
        with pytest.raises(ValueError):
            remote.select(query, {"entity": Iri(iri)})


def test_data_version_is_the_source_checksums(backends):
    embedded, remote = backends
    assert remote.data_version() == embedded.data_version()
    assert remote.data_version().count("=") >= 10


def test_a_query_the_store_rejects_raises_sparql_error(backends):
    _, remote = backends
    with pytest.raises(SparqlError, match="400"):
        remote.select(_probe("SELECT ?x WHERE { ?x ?p }"), {})


def test_an_unreachable_store_is_backend_unavailable():
    url = f"http://127.0.0.1:{free_port()}/query"
    backend = SparqlBackend(url, timeout=5)
    with pytest.raises(BackendUnavailable, match="unreachable") as error:
        backend.data_version()
    assert url in str(error.value) and "SMEKG_SPARQL_ENDPOINT" in str(error.value)


def test_a_wrong_path_is_backend_unavailable(seeded_sparql):
    backend = SparqlBackend(f"{seeded_sparql.url}/sparql-nowhere")
    with pytest.raises(BackendUnavailable, match="no SPARQL endpoint at") as error:
        backend.data_version()
    assert "SMEKG_SPARQL_ENDPOINT" in str(error.value)


def test_a_store_without_the_union_default_graph_is_refused(start_oxigraph_server):
    server = start_oxigraph_server(union_default_graph=False)
    endpoint = server.endpoint()
    endpoint.update([b'INSERT DATA { GRAPH <https://ex.org/graph/a> { <https://ex.org/graph/a> '
                     b'<https://w3id.org/smekg/ontology#sha256> "x" } }'])
    backend = SparqlBackend(endpoint)
    with pytest.raises(BackendUnavailable, match="--union-default-graph") as error:
        backend.data_version()
    assert server.query_url in str(error.value) and "unionDefaultGraph" in str(error.value)
    endpoint.close()


def test_settings_without_an_endpoint_say_what_to_set():
    with pytest.raises(BackendUnavailable, match="SMEKG_SPARQL_ENDPOINT"):
        open_backend(Settings(backend="sparql"))
    with pytest.raises(BackendUnavailable, match="not an http"):
        open_backend(Settings(backend="sparql", sparql_endpoint="localhost:7878/query"))


def test_settings_open_the_sparql_backend(seeded_sparql):
    settings = Settings(backend="sparql", sparql_endpoint=seeded_sparql.query_url,
                        sparql_user="reader", sparql_password="secret")
    backend = open_backend(settings)
    assert isinstance(backend, SparqlBackend) and backend.name == "sparql"
    assert backend.data_version()  # the Oxigraph server ignores the credentials
    backend.close()


def test_endpoint_query_binds_terms(seeded_sparql):
    endpoint = SparqlEndpoint(seeded_sparql.query_url)
    rows = list(endpoint.select("SELECT ?e ?id WHERE { ?e dcterms:identifier ?id }",
                                {"id": Literal("insme")}))
    assert [row["e"] for row in rows] == [NamedNode("https://w3id.org/smekg/id/organisation/insme")]
    assert endpoint.ask("ASK { ?e a smekg:Network }", {"e": rows[0]["e"]})
    endpoint.close()

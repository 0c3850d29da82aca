"""Every named query's Cypher twin returns the rows its SPARQL original returns.

Rows are compared as sets of ``{column: value}`` (engines may repeat a row), with each
value's Python type, so an IRI in one and a string in the other is a difference.
"""

from __future__ import annotations

import dataclasses

import pytest

from smekg.core.backends import SOURCES_VERSION
from smekg.queries.registry import QUERY_DIR, load_registry

INDEX_QUERIES = {**load_registry(QUERY_DIR / "index"), "version": SOURCES_VERSION}
ANALYTICS_QUERIES = load_registry(QUERY_DIR / "analytics")
NAMED_QUERIES = load_registry(QUERY_DIR)

# Parameter sets beyond each query's example: the filters and switches a twin must honour.
EXTRA_CASES: dict[str, list[dict[str, str]]] = {
    "members": [{"network": "insme-steering-group", "transitive": "true"}],
    "memberships": [{"organisation": "ipi", "transitive": "true"},
                    {"organisation": "IT", "transitive": "false"}],
    "organisations": [{}, {"country": "IT"}, {"type": "network"}, {"type": "intermediary"},
                      {"type": "organisation"}, {"region": "europe"}, {"region": "ES"},
                      {"service": "training"}, {"theme": "innovation"},
                      {"network": "insme-steering-group"}],
    "organisations_in_region": [{"region": "IT"}, {"region": "ES11"}, {"region": "world"},
                                {"region": "europe", "type": "intermediary"}],
    "programmes": [{}, {"region": "ITH55"}, {"sector": "C25"}, {"theme": "internationalisation"},
                   {"type": "programme"}, {"region": "GB-KEN", "sector": "C"}],
    "coverage": [{"region": "ITH55"}, {"region": "GB-KEN", "sector": "C"}, {},
                 {"sector": "C25"}, {"region": "IT", "service": "training"},
                 {"region": "FI1B1", "type": "network"},
                 {"region": "GB-KEN", "type": "good-practice"},
                 # across the NACE revisions: reached only through skos:exactMatch links
                 {"sector": "rev2:25.11"}, {"region": "ITH55", "sector": "62.01"}],
    "entity": [{"entity": "insme-steering-group"}, {"entity": "ITH5"}, {"entity": "C25"},
               {"entity": "IT"}, {"entity": "doc-insme-proposal"},
               {"entity": "https://w3id.org/smekg/ontology#role-chair"}],
    "policy_lineage": [],
    "search": [{"q": "emilia"}],
    "regions": [{"level": "nuts1"}, {"within": "world", "level": "country"},
                {"typology": "mountain", "level": "nuts3"}, {"within": "AT", "typology":
                                                             "mountain,predominantly-rural"}],
    "sectors": [{"level": "section"}, {"within": "C25", "level": "class"}],
}


# Queries whose parameters are applied in Python over the rows (search ranks names).
PYTHON_PARAMS = {"search"}


def _cases():
    for name, query in sorted(INDEX_QUERIES.items()):
        yield pytest.param(query, {}, id=f"index/{name}")
    for name, query in sorted(ANALYTICS_QUERIES.items()):
        yield pytest.param(query, {}, id=f"analytics/{name}")
    for name, query in sorted(NAMED_QUERIES.items()):
        cases = [query.example, *EXTRA_CASES.get(name, [])]
        for number, params in enumerate(cases):
            known = {k: v for k, v in params.items() if any(p.name == k for p in query.params)}
            yield pytest.param(query, known, id=f"{name}-{number}")


def _rows(backend, query, bound) -> set[tuple]:
    return {tuple(sorted((k, type(v).__name__, str(v)) for k, v in row.items()))
            for row in backend.select(query, bound)}


@pytest.mark.parametrize(("query", "params"), list(_cases()))
def test_twin_returns_the_rows_of_the_sparql(oxigraph_service, neo4j_service, query, params):
    assert query.cypher is not None, f"{query.path.with_suffix('.cypher')} is missing"
    bound = oxigraph_service.bind(query.name, params) if query.name in NAMED_QUERIES else {}
    if query.name in PYTHON_PARAMS:  # the rows are the same whatever the parameters
        bound, query = {}, dataclasses.replace(query, params=())
    _ = neo4j_service.index  # Neo4j synced with the same store
    expected = _rows(oxigraph_service.backend, query, bound)
    got = _rows(neo4j_service.backend, query, bound)
    assert expected, "the case must return rows to compare"
    assert got - expected == set(), "rows only in Neo4j"
    assert expected - got == set(), "rows missing from Neo4j"

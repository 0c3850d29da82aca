"""The backend contract: Neo4j and a remote SPARQL store give the embedded store's answer
to every named query.

One abstract class, :class:`BackendContract`, holds the checks; it is subclassed once per
dataset (the seed data, a generated ecosystem), each subclass naming the cases that data
can answer. Answers are compared as the API's JSON, so everything a user sees must match.
"""

from __future__ import annotations

import pytest
from fastapi.encoders import jsonable_encoder

from smekg.queries.service import QueryService
from tests.conftest import Neo4jService, sparql_service


def _answer(service: QueryService, name: str, params: dict[str, str]) -> object:
    return jsonable_encoder(service.run(name, params))


class BackendContract:
    """Every named query answers the same on the embedded store, on Neo4j and on a remote
    SPARQL store (subclass per dataset)."""

    store_fixture: str

    @pytest.fixture(params=["neo4j", "sparql"])
    def services(self, request: pytest.FixtureRequest) -> tuple[QueryService, ...]:
        from smekg.core.backends.oxigraph import OxigraphBackend
        from smekg.core.iri import Minter
        from tests.conftest import BASE

        store_dir = request.getfixturevalue(self.store_fixture)
        embedded = QueryService(OxigraphBackend(store_dir), Minter(BASE))
        if request.param == "sparql":
            return embedded, sparql_service(request, self.store_fixture)
        return embedded, Neo4jService(request.getfixturevalue("neo4j"), store_dir)

    empty: frozenset[str] = frozenset()
    """Queries this dataset has nothing for: their answers must be empty on every backend
    (tests/graph_api/test_projects.py compares them on data that has an answer)."""

    def cases(self, index) -> list[tuple[str, dict[str, str]]]:
        raise NotImplementedError

    def test_every_named_query_answers_the_same(self, services):
        embedded, graph = services
        _ = graph.index  # Neo4j synced with this dataset
        cases = self.cases(embedded.index)
        assert {name for name, _ in cases} >= set(embedded.queries), "a query has no case"
        for name, params in cases:
            expected = _answer(embedded, name, params)
            if name in self.empty:
                assert expected == [], f"{name}{params} has an answer: compare it"
            else:
                assert expected, f"{name}{params} must have an answer to compare"
            assert _answer(graph, name, params) == expected, f"{name} {params}"


class TestSeedData(BackendContract):
    store_fixture = "seeded_store_dir"
    # the seed's one project (SENET) has no partners
    empty = frozenset({"project_partners", "partner_projects"})

    def cases(self, index):
        return [
            ("coverage", {"region": "ITH55", "sector": "25.11"}),
            ("coverage", {"region": "ITH55", "sector": "rev2:25.11"}),  # through a link
            ("coverage", {"region": "GB-KEN"}), ("coverage", {}),
            ("members", {"network": "insme-steering-group", "transitive": "true"}),
            ("memberships", {"organisation": "ipi", "transitive": "true"}),
            ("organisations", {}), ("organisations", {"country": "IT"}),
            ("organisations_in_region", {"region": "IT"}),
            ("programmes", {}), ("programmes", {"region": "ITH55"}),
            ("policy_lineage", {"policy": "bologna-charter"}),
            ("entity", {"entity": "insme"}), ("entity", {"entity": "ITH5"}),
            ("entity_out", {"entity": "ITH5"}), ("entity_in", {"entity": "ITH5"}),
            ("entity_in_count", {"entity": "ITH5"}),
            ("networks", {}), ("regions", {"within": "ITH", "level": "nuts3"}),
            # NUTS-3 typologies: the .rq/.cypher filter, and the index's for coverage, gaps
            ("regions", {"typology": "mountain,coastal", "level": "nuts3"}),
            ("regions", {"within": "AT", "typology": "mountain"}),
            ("coverage", {"region": "IT", "typology": "island"}),
            ("gaps", {"scope": "AT", "region_level": "nuts3", "typology": "mountain",
                      "broadest": "country"}),
            ("sectors", {"within": "C25"}), ("policies", {}),
            ("search", {"q": "emilia"}), ("search", {"q": "Sao Paulo"}),
            ("gaps", {"scope": "IT", "region_level": "nuts2", "sector_level": "section"}),
            ("gaps", {"scope": "IT", "broadest": "country",
                      "kinds": "organisation,good-practice"}),
            ("compare", {"a": "ITH55", "b": "ITC11"}),
            ("projects", {}),
            ("project_partners", {"project": "senet"}),
            ("partner_projects", {"organisation": "insme"}),
        ]


class TestGeneratedEcosystem(BackendContract):
    store_fixture = "generated_store_dir"
    # the generator makes no smekg:Project (its projects are programmes of kind project)
    empty = frozenset({"projects", "project_partners", "partner_projects"})

    def cases(self, index):
        networks = sorted((n for n in index.tags if index.kind(n) == "network"),
                          key=lambda n: (-sum(n in ns for ns in index.networks_of.values()), n))
        top, member = networks[0], next(m for m, ns in sorted(index.networks_of.items())
                                         if ns and index.kind(m) == "organisation")
        policy = next(p for p in sorted(index.tags) if index.kind(p) == "policy")
        return [
            ("coverage", {"region": "DE", "sector": "C"}), ("coverage", {"region": "FR1"}),
            ("coverage", {"region": "DE", "sector": "rev2:25.11"}),  # through a link
            ("members", {"network": top, "transitive": "true"}),
            ("memberships", {"organisation": member, "transitive": "true"}),
            ("organisations", {"country": "DE"}), ("organisations", {"type": "network"}),
            ("organisations_in_region", {"region": "FR"}),
            ("programmes", {}), ("programmes", {"region": "DE"}),
            ("policy_lineage", {"policy": policy}),
            ("entity", {"entity": top}), ("entity", {"entity": member}),
            # entity_in: an entity under its cap (beyond it, each backend keeps its own rows)
            ("entity_out", {"entity": top}), ("entity_in", {"entity": member}),
            ("entity_in_count", {"entity": top}),
            ("networks", {}), ("regions", {"within": "DE", "level": "nuts2"}),
            ("sectors", {"within": "C"}), ("policies", {}),
            ("search", {"q": "agency"}),
            ("gaps", {"scope": "DE", "region_level": "nuts1", "sector_level": "section"}),
            ("gaps", {"scope": "DE", "region_level": "nuts2", "broadest": "nuts2",
                      "kinds": "network,agency"}),
            ("compare", {"a": "DE", "b": "FR"}),
            ("projects", {}), ("projects", {"country": "DE"}),
            ("project_partners", {"project": top}),
            ("partner_projects", {"organisation": member}),
        ]

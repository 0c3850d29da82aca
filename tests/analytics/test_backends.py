"""The analyses give the same answers on every backend: the projection is the same graph."""

from __future__ import annotations

import pytest

from smekg.analytics.service import AnalyticsService


def _snapshot(graph):
    nodes = sorted((node, sorted(data.items())) for node, data in graph.nodes(data=True))
    edges = sorted((u, v, key, sorted(data.items()))
                   for u, v, key, data in graph.edges(keys=True, data=True))
    return nodes, edges


def test_both_backends_project_the_same_graph(oxigraph_service, neo4j_service):
    expected = AnalyticsService(oxigraph_service).graph()
    got = AnalyticsService(neo4j_service).graph()
    assert expected.number_of_edges() > 8000
    assert _snapshot(got) == _snapshot(expected)


def test_the_remote_sparql_store_projects_the_same_graph(oxigraph_service, request):
    from tests.conftest import sparql_service

    expected = AnalyticsService(oxigraph_service).graph()
    got = AnalyticsService(sparql_service(request, "seeded_store_dir")).graph()
    assert _snapshot(got) == _snapshot(expected)


def test_generated_ecosystem_analyses_agree(generated_service):
    """Each backend's answers equal the embedded store's (which the other tests check)."""
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.queries.service import QueryService

    analytics = AnalyticsService(generated_service)
    graph = analytics.graph()
    assert graph.number_of_nodes() > 1500
    if generated_service.backend.name == "oxigraph":
        return
    reference = AnalyticsService(QueryService(
        OxigraphBackend(generated_service.store_dir), generated_service.minter))
    assert _snapshot(graph) == _snapshot(reference.graph())
    assert analytics.centrality(limit=20) == reference.centrality(limit=20)
    assert analytics.communities(limit=5) == reference.communities(limit=5)


def test_gap_matrix_zero_cells_are_the_gaps(generated_service):
    analytics = AnalyticsService(generated_service)
    country = "IT"
    matrix = analytics.gaps(scope=country, region_level="nuts2", sector_level="section")
    zero = {(r.iri, s.iri) for r, counts in zip(matrix.regions, matrix.counts, strict=True)
            for s, n in zip(matrix.sectors, counts, strict=True) if n == 0}
    gaps = generated_service.gaps(scope=country, region_level="nuts2", sector_level="section")
    assert zero == {(c.region.iri, c.sector.iri) for c in gaps.results}
    assert matrix.uncovered == gaps.gaps and matrix.cells == gaps.cells
    # and a cell counts what coverage lists for it
    for i, j in [(0, 0), (len(matrix.regions) - 1, len(matrix.sectors) - 1), (2, 3)]:
        answer = generated_service.coverage(region=matrix.regions[i].iri,
                                            sector=matrix.sectors[j].iri)
        assert matrix.counts[i][j] == answer.count


@pytest.mark.parametrize(("broadest", "kinds"), [
    ("country", None), ("nuts1", "network"), ("nuts2", "organisation,programme"),
    ("continent", "good-practice"),
])
def test_capped_gap_matrix_zero_cells_are_the_capped_gaps(generated_service, broadest, kinds):
    analytics = AnalyticsService(generated_service)
    matrix = analytics.gaps(scope="DE", region_level="nuts2", sector_level="section",
                            broadest=broadest, kinds=kinds)
    gaps = generated_service.gaps(scope="DE", region_level="nuts2", sector_level="section",
                                  broadest=broadest, kinds=kinds)
    zero = {(r.iri, s.iri) for r, counts in zip(matrix.regions, matrix.counts, strict=True)
            for s, n in zip(matrix.sectors, counts, strict=True) if n == 0}
    assert zero == {(c.region.iri, c.sector.iri) for c in gaps.results}
    assert matrix.broadest == gaps.broadest == broadest
    assert matrix.kinds == gaps.kinds == (kinds.split(",") if kinds else None)
    uncapped = analytics.gaps(scope="DE", region_level="nuts2", sector_level="section",
                              kinds=kinds)
    # a ceiling only ever takes coverage away
    assert all(capped <= whole for row, whole_row in zip(matrix.counts, uncapped.counts,
                                                         strict=True)
               for capped, whole in zip(row, whole_row, strict=True))


@pytest.mark.parametrize("scope", [{"network": "insme-steering-group"}, {"region": "IT"},
                                   {"source": "seed/memberships"}])
def test_a_scope_keeps_its_actors_and_what_they_link_to(service, scope):
    analytics = AnalyticsService(service)
    whole, part = analytics.graph(), analytics.graph(analytics.scope(**scope))
    assert 0 < part.number_of_nodes() < whole.number_of_nodes()
    assert set(part.edges(keys=True)) <= set(whole.edges(keys=True))
    sg = "https://w3id.org/smekg/id/organisation/insme-steering-group"
    ipi = "https://w3id.org/smekg/id/organisation/ipi"
    assert part.has_edge(ipi, sg, "member_of")  # IPI is in Italy and a member
    if "network" in scope:
        members = {m.iri for m in service.members("insme-steering-group")}
        actors = {n for n, kind in part.nodes(data="kind") if kind in ("organisation",
                                                                       "network")}
        scoped = {sg} | {m for m in members if part.nodes[m]["kind"] != "country"}
        assert scoped <= actors
        # other actors are there because a scoped one links to them (promoted by, ...)
        assert all(any(part.has_edge(s, extra) for s in scoped) for extra in actors - scoped)


def test_compare_finds_the_network_two_regions_share(service):
    answer = AnalyticsService(service).compare("ITH5", "FR1")
    assert [n.code for n in answer.shared_networks] == ["insme-steering-group"]
    assert answer.a.region.code == "ITH5" and answer.a.covered_by >= answer.a.actors > 0
    assert 0.0 <= answer.a.density <= 1.0

"""Every analysis on small hand-built ecosystems with known answers, then on the seed data."""

from __future__ import annotations

import networkx as nx
import pytest

from smekg.analytics import actors, reach
from smekg.analytics.actors import _pairs_sharing_a_group, actor_graph
from smekg.queries.params import ParamError

_SMEKG = "https://w3id.org/smekg/ontology#"


def ecosystem(nodes: dict[str, tuple], members: list[tuple[str, str]],
              links: list[tuple[str, str, str]] = ()) -> nx.MultiDiGraph:
    """A projected graph by hand: nodes ``iri: (kind, country, sections)``."""
    graph = nx.MultiDiGraph(scope="hand-built")
    for iri, (kind, country, sections) in nodes.items():
        data = {"label": iri.upper(), "kind": kind, "code": iri}
        if country:
            data["country"] = country
        if sections:
            data["sections"] = list(sections)
        graph.add_node(iri, **data)
    for member, network in members:
        graph.add_edge(member, network, key="member_of", predicate="org:memberOf", source="g")
    for subject, relation, obj in links:
        graph.add_edge(subject, obj, key=relation, predicate=relation, source="g")
    return graph


def org(country=None, *sections):
    return ("organisation", country, sections)


NET = ("network", None, ())


# -- centrality --------------------------------------------------------------------------
def test_the_hub_of_a_star_has_all_the_betweenness_and_the_top_pagerank():
    graph = ecosystem({"n": NET, "a": org("IT"), "b": org("IT"), "c": org("FR"),
                       "d": org("DE")}, [("a", "n"), ("b", "n"), ("c", "n"), ("d", "n")])
    answer = actors.centrality(graph)
    top = answer.results[0]
    assert (top.iri, top.betweenness, top.members, top.degree) == ("n", 1.0, 4, 4)
    assert answer.betweenness_sources is None
    assert all(s.betweenness == 0.0 and s.memberships == 1 for s in answer.results[1:])
    assert top.pagerank > max(s.pagerank for s in answer.results[1:])
    assert sum(s.pagerank for s in answer.results) == pytest.approx(1.0)


def test_sampled_betweenness_is_networkx_sampled_betweenness():
    graph = nx.barabasi_albert_graph(300, 2, seed=5)
    eco = ecosystem({f"o{n}": org() for n in graph}, [],
                    [(f"o{u}", "collaborates_with", f"o{v}") for u, v in graph.edges])
    answer = actors.centrality(eco, sample_above=100, samples=40, seed=3, limit=None)
    expected = nx.betweenness_centrality(actor_graph(eco), k=40, seed=3)
    assert answer.betweenness_sources == 40
    for score in answer.results:
        assert score.betweenness == pytest.approx(expected[score.iri], abs=1e-8)


def test_centrality_rejects_an_unknown_order():
    with pytest.raises(ValueError, match="by must be"):
        actors.centrality(ecosystem({"a": org()}, []), by="fame")


# -- brokers -----------------------------------------------------------------------------
def test_a_network_brokers_the_pairs_of_members_from_different_unlinked_countries():
    graph = ecosystem({"n": NET, "a": org("IT"), "b": org("IT"), "c": org("FR"),
                       "d": org("DE")}, [("a", "n"), ("b", "n"), ("c", "n"), ("d", "n")],
                      [("a", "collaborates_with", "c")])
    answer = actors.brokers(graph, by="country")
    # 6 pairs of members; a-b share Italy; a-c are linked: 4 pairs are brokered by n
    assert [(b.iri, b.bridged_pairs, b.groups) for b in answer.results] == [("n", 4, 3)]
    assert [(g.code, g.count) for g in answer.results[0].top_groups] == [
        ("IT", 2), ("DE", 1), ("FR", 1)]
    assert answer.results[0].share == pytest.approx(4 / 6, abs=1e-6)


def test_sector_brokers_count_pairs_sharing_no_sector():
    graph = ecosystem({"n": NET, "a": org("IT", "C"), "b": org("IT", "C", "G"),
                       "c": org("FR", "G"), "d": org("DE", "A")},
                      [("a", "n"), ("b", "n"), ("c", "n"), ("d", "n")])
    answer = actors.brokers(graph, by="sector")
    # pairs sharing a section: a-b (C), b-c (G); the other 4 share none
    assert [(b.iri, b.bridged_pairs) for b in answer.results] == [("n", 4)]


def test_pairs_sharing_a_group_by_inclusion_exclusion():
    groups = [frozenset("C"), frozenset("CG"), frozenset("G"), frozenset("A"),
              frozenset("CGA")]
    brute = sum(1 for i, x in enumerate(groups) for y in groups[i + 1:] if x & y)
    assert _pairs_sharing_a_group(groups) == brute == 6


# -- communities -------------------------------------------------------------------------
def test_two_cliques_joined_by_one_link_are_two_communities():
    nodes = {f"it{i}": org("IT", "C") for i in range(4)} | {f"fr{i}": org("FR", "G")
                                                            for i in range(4)}
    links = [(f"{c}{i}", "collaborates_with", f"{c}{j}") for c in ("it", "fr")
             for i in range(4) for j in range(i + 1, 4)] + [("it0", "collaborates_with", "fr0")]
    answer = actors.communities(ecosystem(nodes | {"loner": org("ES")}, [], links))
    found = [({m.iri for m in c.top_members}, c.countries[0].code, c.countries[0].share,
              c.sectors[0].code) for c in answer.results]
    assert sorted(found) == [({"fr0", "fr1", "fr2", "fr3"}, "FR", 1.0, "G"),
                             ({"it0", "it1", "it2", "it3"}, "IT", 1.0, "C")]
    assert answer.isolated == 1 and answer.count == 2
    assert answer.modularity == pytest.approx(nx.community.modularity(
        actor_graph(ecosystem(nodes, [], links)), [
            {f"it{i}" for i in range(4)}, {f"fr{i}" for i in range(4)}]), abs=1e-6)
    assert set(answer.membership) == set(nodes)


# -- paths -------------------------------------------------------------------------------
def _introductions():
    return ecosystem({"a": org(), "b": org(), "c": org(), "d": org(), "n1": NET, "n2": NET},
                     [("a", "n1"), ("b", "n1"), ("d", "n2"), ("c", "n2")],
                     [("b", "collaborates_with", "c"), ("a", "collaborates_with", "d")])


def test_paths_are_shortest_first_with_the_relations_on_each_step():
    answer = actors.paths(_introductions(), "a", "c")
    assert answer.connected
    assert [[actor.iri for actor in p.actors] for p in answer.results] == [
        ["a", "d", "n2", "c"], ["a", "n1", "b", "c"]]  # both 3 links: ordered by name
    assert [s.relations for s in answer.results[1].steps] == [
        ["A member_of N1"], ["B member_of N1"], ["B collaborates_with C"]]


def test_paths_longer_than_asked_are_not_connections():
    answer = actors.paths(_introductions(), "a", "c", max_length=2)
    assert (answer.connected, answer.results) == (False, [])


def test_paths_need_actors_at_both_ends():
    with pytest.raises(KeyError, match="to: nowhere"):
        actors.paths(_introductions(), "a", "nowhere")


# -- reach -------------------------------------------------------------------------------
def test_reach_counts_what_is_first_reached_at_each_depth():
    graph = ecosystem({"n0": NET, "n1": NET, "x": org(), "y": org(),
                       "z": ("country", "DE", ()), "IT": ("country", "IT", ()),
                       "FR": ("country", "FR", ()), "ITH5": ("nuts-region", None, ()),
                       "C25": ("sector", None, ())},
                      [("n1", "n0"), ("x", "n0"), ("y", "n1"), ("z", "n1")],
                      [("x", "located_in", "ITH5"), ("ITH5", "broader", "IT"),
                       ("y", "located_in", "FR"), ("x", "sector", "C25"),
                       ("y", "area_served", "IT")])
    answer = reach.reach(graph, "n0")
    assert [(lv.depth, lv.members, lv.networks, lv.countries, lv.regions, lv.sectors)
            for lv in answer.levels] == [(1, 2, 1, 1, 1, 1), (2, 2, 0, 2, 1, 0)]
    assert [(c.iri, c.depth, c.via.iri, c.how) for c in answer.countries] == [
        ("IT", 1, "x", "located in"), ("FR", 2, "n1", "located in"), ("z", 2, "n1", "member")]
    # Italy is served by y at depth 2, but was reached at depth 1: it counts as a region
    assert [(r.iri, r.how) for r in answer.regions] == [("ITH5", "located in"),
                                                        ("IT", "serves")]
    assert [lv.depth for lv in reach.reach(graph, "n0", max_depth=1).levels] == [1]


# -- the seed data -----------------------------------------------------------------------
SG = "insme-steering-group"


@pytest.fixture(scope="module")
def analytics(oxigraph_service):
    from smekg.analytics.service import AnalyticsService

    return AnalyticsService(oxigraph_service)


def test_insme_steering_group_reaches_its_41_countries_and_its_members_countries(
        analytics, oxigraph_service):
    answer = analytics.reach(SG)
    members = oxigraph_service.members(SG)
    member_countries = {m.code for m in members if m.type == "country"}
    assert len(member_countries) == 41  # "So far, 41 countries ... have joined the Group"
    located = {oxigraph_service.ref(c).code
               for m in members if m.type == "organisation"
               for c in _countries_of(oxigraph_service, m.iri)}
    assert {c.code for c in answer.countries} == member_countries | located
    assert located - member_countries, "member organisations add countries of their own"
    assert [(lv.depth, lv.members) for lv in answer.levels] == [(1, len({m.iri for m in
                                                                         members}))]


def _countries_of(service, iri):
    return [f.value for f in service.entity(iri).facts
            if f.predicate == f"{_SMEKG}country" and f.direction == "out"]


def test_the_steering_group_is_the_seed_data_s_central_broker(analytics):
    central = analytics.centrality(limit=3)
    assert central.results[0].code == SG
    assert central.results[0].betweenness > 0.9
    brokers = analytics.brokers()
    assert brokers.results[0].code == SG
    assert brokers.results[0].groups > 40


def test_ipi_can_be_introduced_to_the_oecd_through_the_steering_group(analytics):
    answer = analytics.paths("ipi", "oecd")
    first = answer.results[0]
    assert [a.code for a in first.actors] == ["ipi", SG, "oecd"]
    assert "Institute for Industrial Promotion member_of INSME Steering Group" in (
        first.steps[0].relations)


def test_unknown_or_wrong_parameters_are_errors_with_suggestions(analytics):
    with pytest.raises(ParamError) as error:
        analytics.reach("insme-steering-grou")
    assert error.value.status == 404 and SG in error.value.suggestions
    with pytest.raises(ParamError, match="not a network"):
        analytics.reach("IT")
    with pytest.raises(ParamError) as error:
        analytics.centrality(analytics.scope(source="seed/nothing"))
    assert "seed/memberships" in error.value.suggestions

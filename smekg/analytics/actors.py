"""Who matters in an ecosystem: centrality, brokers, communities and connection paths.

All four work on the *actor graph* (:func:`actor_graph`): organisations and networks,
and the countries that are members of networks, joined by the links between them
(memberships, collaborations, secretariats, support, auspices, sub-organisations).
Places, sectors and services are not actors: two organisations serving the same region
are not thereby linked.

Examples
--------
>>> from smekg.analytics.projection import project
>>> from smekg.analytics.testing import toy_index, toy_rows
>>> graph = project(toy_index(), toy_rows())
>>> sorted(actor_graph(graph).edges("ex:network"))
[('ex:network', 'ex:IT'), ('ex:network', 'ex:ipi'), ('ex:network', 'ex:medef')]
>>> [(b.label, b.bridged_pairs) for b in brokers(graph, by="country").results]
[('Network', 1)]
"""

from __future__ import annotations

import itertools
import random
import weakref
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import igraph
import networkx as nx

from smekg.analytics.models import (
    ActorScore,
    BrokersAnswer,
    BrokerScore,
    CentralityAnswer,
    CommunitiesAnswer,
    Community,
    ConnectionPath,
    GraphSize,
    PathsAnswer,
    PathStep,
    Share,
)
from smekg.analytics.projection import ACTOR_KINDS, Progress, ProjectedGraph
from smekg.queries.models import EntityRef

NOT_ACTOR_LINKS = frozenset({"broader", "located_in", "area_served", "sector",
                             "provides_service", "thematic_area", "founding_location"})
"""Relations that never join two actors (whatever their ends)."""
SAMPLE_ABOVE = 10_000
"""Betweenness is exact up to this many actors, and sampled above."""
SAMPLES = 2_000
"""Sources sampled for betweenness above :data:`SAMPLE_ABOVE` actors."""
_CHUNK = 200
_TIES = 20  # paths of one length looked at per path returned, to order ties by name
_Node = TypeVar("_Node", bound=Hashable)


@dataclass
class _Derived:
    """Views and scores computed from a projected graph."""

    actors: nx.Graph[str] | None = None
    betweenness: dict[tuple[int, int, int], tuple[dict[str, float], int | None]] = field(
        default_factory=dict)  # by (sample_above, samples, seed)
    labels_by_code: dict[tuple[str, str], str] = field(default_factory=dict)


_DERIVED: weakref.WeakKeyDictionary[ProjectedGraph, _Derived] = weakref.WeakKeyDictionary()


def _derived(graph: ProjectedGraph) -> _Derived:
    """Views and scores computed from a projected graph, kept as long as the graph lives
    (projected graphs are not changed once built)."""
    return _DERIVED.setdefault(graph, _Derived())


def ref(graph: nx.Graph[str], iri: str) -> EntityRef:
    """The :class:`EntityRef` of a node of a projected graph."""
    data = graph.nodes[iri]
    kind = data.get("kind")
    return EntityRef(iri=iri, label=data.get("label", iri),
                     type=None if kind in (None, "other") else kind, code=data.get("code"))


def size(graph: nx.Graph[str]) -> GraphSize:
    return GraphSize(scope=graph.graph.get("scope", "everything"),
                     nodes=graph.number_of_nodes(), edges=graph.number_of_edges())


def is_actor(graph: ProjectedGraph, node: str) -> bool:
    """Organisations and networks, and countries that are members of a network."""
    kind = graph.nodes[node].get("kind")
    if kind in ACTOR_KINDS:
        return True
    return kind == "country" and any(
        key.startswith("member_of") for _, _, key in graph.out_edges(node, keys=True))


def actor_graph(graph: ProjectedGraph) -> nx.Graph[str]:
    """The undirected graph of actors and the links between them.

    Each edge keeps ``links``: the ``(subject, relation, object)`` facts joining the pair.
    """
    derived = _derived(graph)
    if derived.actors is None:
        derived.actors = _actor_graph(graph)
    return derived.actors


def _actor_graph(graph: ProjectedGraph) -> nx.Graph[str]:
    actors: nx.Graph[str] = nx.Graph(scope=graph.graph.get("scope", "everything"))
    for node in graph.nodes:
        if is_actor(graph, node):
            actors.add_node(node, **graph.nodes[node])
    for subject, obj, key in graph.edges(keys=True):
        relation = key.split("-")[0] if key[-1].isdigit() else key
        if relation in NOT_ACTOR_LINKS or subject == obj:
            continue
        if subject in actors and obj in actors:
            if not actors.has_edge(subject, obj):
                actors.add_edge(subject, obj, links=[])
            fact = (subject, relation, obj)
            if fact not in actors.edges[subject, obj]["links"]:
                actors.edges[subject, obj]["links"].append(fact)
    return actors


def membership_graph(graph: ProjectedGraph) -> nx.DiGraph[str]:
    """The directed graph of actor links as stated (member -> network, ...)."""
    actors = actor_graph(graph)
    directed: nx.DiGraph[str] = nx.DiGraph()
    directed.add_nodes_from(actors.nodes)
    for _, _, data in actors.edges(data=True):
        links: list[tuple[str, str, str]] = data["links"]  # (subject, relation, object)
        directed.add_edges_from((subject, obj) for subject, _, obj in links)
    return directed


# -- centrality ------------------------------------------------------------------------
def betweenness(
    graph: nx.Graph[_Node], *, sample_above: int = SAMPLE_ABOVE, samples: int = SAMPLES,
    seed: int = 42, progress: Progress | None = None,
) -> tuple[dict[_Node, float], int | None]:
    """Normalised betweenness of every node, and the number of sampled sources (or None).

    The values are :func:`networkx.betweenness_centrality`'s: exact up to ``sample_above``
    nodes; above, estimated from ``samples`` sources drawn as networkx draws them (same
    seed, same sources, same answer). The shortest paths are counted by igraph (its C
    core is about 30 times faster), a chunk of sources at a time, so that ``progress``
    can be reported.

    Examples
    --------
    >>> star = nx.star_graph(4)
    >>> betweenness(star)[0][0]
    1.0
    """
    n = len(graph)
    nodes = list(graph)
    sampled = n > sample_above and samples < n
    sources = random.Random(seed).sample(nodes, samples) if sampled else nodes
    position = {node: i for i, node in enumerate(nodes)}
    counted = igraph.Graph(n=n, edges=[(position[u], position[v]) for u, v in graph.edges()],
                           directed=graph.is_directed())
    totals = [0.0] * n
    for start in range(0, len(sources), _CHUNK):
        chunk = [position[node] for node in sources[start:start + _CHUNK]]
        # igraph sums over the chunk's sources exactly as networkx's
        # betweenness_centrality_subset(normalized=False) does
        part = counted.betweenness(directed=graph.is_directed(), sources=chunk)
        totals = [total + value for total, value in zip(totals, part, strict=True)]
        if progress:
            progress("betweenness", min(start + _CHUNK, len(sources)), len(sources))
    by_node = dict(zip(nodes, totals, strict=True))
    # betweenness_centrality_subset halves undirected sums (normalized=False); undo that,
    # then normalise as betweenness_centrality does: by the (s, t) pairs a path through v
    # can join, and, when sampling, by the sources (a sampled node is never its own target).
    raw = 1.0 if graph.is_directed() else 2.0
    others = n - 1
    if others < 2:
        return dict.fromkeys(nodes, 0.0), None
    if not sampled:
        scale = raw / (others * (others - 1))
        return {node: value * scale for node, value in by_node.items()}, None
    k = len(sources)
    drawn = set(sources)
    source_scale = raw / ((k - 1) * (others - 1)) if k > 1 else 0.0
    other_scale = raw / (k * (others - 1))
    return {node: value * (source_scale if node in drawn else other_scale)
            for node, value in by_node.items()}, k


def _actor_betweenness(graph: ProjectedGraph, sample_above: int, samples: int, seed: int,
                       progress: Progress | None) -> tuple[dict[str, float], int | None]:
    cache = _derived(graph).betweenness
    key = (sample_above, samples, seed)
    if key not in cache:
        cache[key] = betweenness(actor_graph(graph), sample_above=sample_above,
                                 samples=samples, seed=seed, progress=progress)
    return cache[key]


def centrality(
    graph: ProjectedGraph, *, by: str = "pagerank", limit: int | None = 100,
    sample_above: int = SAMPLE_ABOVE, samples: int = SAMPLES, seed: int = 42,
    progress: Progress | None = None,
) -> CentralityAnswer:
    """Degree, betweenness and PageRank of every actor, best first by ``by``.

    PageRank follows links as stated (members point to their networks), so a network
    ranks high when many, or highly ranked, actors are its members.

    Examples
    --------
    >>> from smekg.analytics.projection import project
    >>> from smekg.analytics.testing import toy_index, toy_rows
    >>> answer = centrality(project(toy_index(), toy_rows()))
    >>> [(actor.label, actor.members) for actor in answer.results][:2]
    [('Network', 3), ('MEDEF', 0)]
    """
    if by not in ("pagerank", "betweenness", "degree"):
        raise ValueError(f"by must be pagerank, betweenness or degree, not {by!r}")
    actors = actor_graph(graph)
    directed = membership_graph(graph)
    between, sources = _actor_betweenness(graph, sample_above, samples, seed, progress)
    rank = nx.pagerank(directed) if len(directed) else {}
    degree = nx.degree_centrality(actors) if len(actors) > 1 else dict.fromkeys(actors, 0.0)
    members = Counter(obj for subject, obj, key in graph.edges(keys=True)
                      if key.startswith("member_of") and subject in actors)
    memberships = Counter(subject for subject, obj, key in graph.edges(keys=True)
                          if key.startswith("member_of") and obj in actors)
    scores = [
        ActorScore(**ref(graph, node).model_dump(), country=graph.nodes[node].get("country"),
                   degree=actors.degree(node), members=members[node],
                   memberships=memberships[node], degree_centrality=round(degree[node], 9),
                   betweenness=round(between[node], 9), pagerank=round(rank.get(node, 0.0), 9))
        for node in actors
    ]
    scores.sort(key=lambda s: (-getattr(s, "degree_centrality" if by == "degree" else by),
                               s.label.casefold(), s.iri))
    return CentralityAnswer(graph=size(graph), actors=len(actors), betweenness_sources=sources,
                            seed=seed, by=by, count=len(scores), limit=limit,
                            results=scores[:limit])


# -- brokers ---------------------------------------------------------------------------
def groups_of(graph: nx.Graph[str], node: str, by: str) -> frozenset[str]:
    """The groups of an actor: its country, or the NACE sections of its sectors."""
    data = graph.nodes[node]
    if by == "country":
        return frozenset([data["country"]]) if data.get("country") else frozenset()
    return frozenset(data.get("sections", ()))


def _pairs_sharing_a_group(groups: Iterable[frozenset[str]]) -> int:
    """Pairs (of the given group sets) that share at least one group, by inclusion-exclusion:
    the sum over non-empty group sets S of (-1)^(|S|+1) C(n_S, 2), n_S counting the sets
    that contain S."""
    containing: Counter[frozenset[str]] = Counter()
    for group_set in groups:
        items = sorted(group_set)
        for r in range(1, len(items) + 1):
            for subset in itertools.combinations(items, r):
                containing[frozenset(subset)] += 1
    return sum((-1) ** (len(s) + 1) * n * (n - 1) // 2 for s, n in containing.items())


def brokers(
    graph: ProjectedGraph, *, by: str = "country", limit: int | None = 100,
    sample_above: int = SAMPLE_ABOVE, samples: int = SAMPLES, seed: int = 42,
    progress: Progress | None = None,
) -> BrokersAnswer:
    """Actors that connect ecosystems of different countries (or sectors).

    An actor brokers a pair of its neighbours when the two are in different groups
    (countries; or sectors, as NACE sections, sharing none) and not linked to each other:
    the actor is their shortest way to each other (a *liaison* in Gould and Fernandez's
    terms). Neighbours whose group is unknown are left out of the count.

    Examples
    --------
    >>> from smekg.analytics.projection import project
    >>> from smekg.analytics.testing import toy_index, toy_rows
    >>> answer = brokers(project(toy_index(), toy_rows()))
    >>> answer.results[0].top_groups[0].code, answer.results[0].bridged_pairs
    ('IT', 1)
    """
    if by not in ("country", "sector"):
        raise ValueError(f"by must be country or sector, not {by!r}")
    actors = actor_graph(graph)
    between, _ = _actor_betweenness(graph, sample_above, samples, seed, progress)
    group = {node: groups_of(actors, node, by) for node in actors}
    found = []
    for node in actors:
        known = [n for n in actors[node] if group[n]]
        counts = Counter(g for n in known for g in group[n])
        if len(counts) < 2:
            continue
        pairs = len(known) * (len(known) - 1) // 2
        apart = pairs - _pairs_sharing_a_group(group[n] for n in known)
        neighbours = set(known)
        linked_apart = sum(1 for u in known for w in actors[u]
                           if w in neighbours and u < w and not group[u] & group[w])
        bridged = apart - linked_apart
        if bridged <= 0:
            continue
        total = sum(counts.values())
        top = [Share(code=code, label=_group_label(graph, code, by), count=count,
                     share=round(count / total, 6))
               for code, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:10]]
        found.append(BrokerScore(**ref(graph, node).model_dump(),
                                 country=actors.nodes[node].get("country"), groups=len(counts),
                                 bridged_pairs=bridged, share=round(bridged / pairs, 6),
                                 betweenness=round(between[node], 9), top_groups=top))
    found.sort(key=lambda b: (-b.bridged_pairs, -b.betweenness, b.label.casefold(), b.iri))
    return BrokersAnswer(graph=size(graph), by=by, count=len(found), limit=limit,
                         results=found[:limit])


def _group_label(graph: ProjectedGraph, code: str, by: str) -> str:
    labels = _derived(graph).labels_by_code
    if not labels:
        for _, data in graph.nodes(data=True):
            if data.get("kind") in ("country", "sector") and data.get("code"):
                labels.setdefault((data["kind"], data["code"]), data.get("label", code))
    return labels.get(("country" if by == "country" else "sector", code), code)


# -- communities -----------------------------------------------------------------------
def communities(
    graph: ProjectedGraph, *, resolution: float = 1.0, seed: int = 42,
    limit: int | None = 100, progress: Progress | None = None,
) -> CommunitiesAnswer:
    """Communities of linked actors (Louvain), each with its dominant countries and sectors.

    Examples
    --------
    >>> from smekg.analytics.projection import project
    >>> from smekg.analytics.testing import toy_index, toy_rows
    >>> answer = communities(project(toy_index(), toy_rows()))
    >>> [[actor.label for actor in c.top_members] for c in answer.results]
    [['Network', 'Italy'], ['IPI', 'MEDEF']]
    """
    actors = actor_graph(graph)
    linked = actors.subgraph([n for n in actors if actors.degree(n) > 0])
    if progress:
        progress("communities", 0, 1)
    found = (nx.community.louvain_communities(linked, resolution=resolution, seed=seed)
             if len(linked) else [])
    modularity = (nx.community.modularity(linked, found, resolution=resolution)
                  if linked.number_of_edges() else 0.0)
    if progress:
        progress("communities", 1, 1)
    found = sorted(found, key=lambda c: (-len(c), min(c)))
    results = [_community(graph, linked, number, members)
               for number, members in enumerate(found[:limit], start=1)]
    membership = {node: number for number, members in enumerate(found, 1) for node in members}
    return CommunitiesAnswer(graph=size(graph), algorithm="louvain (networkx)",
                             resolution=resolution, seed=seed, modularity=round(modularity, 6),
                             isolated=len(actors) - len(linked), count=len(found),
                             limit=limit, results=results, membership=membership)


def _community(graph: ProjectedGraph, linked: nx.Graph[str], number: int, members: set[str]
               ) -> Community:
    by_degree = sorted(members, key=lambda n: (-linked.degree(n), graph.nodes[n]["label"], n))
    return Community(
        id=number, size=len(members),
        networks=[ref(graph, n) for n in by_degree if graph.nodes[n]["kind"] == "network"][:10],
        top_members=[ref(graph, n) for n in by_degree[:10]],
        countries=_shares(graph, members, "country"),
        sectors=_shares(graph, members, "sector"),
    )


def _shares(graph: ProjectedGraph, members: set[str], by: str, top: int = 5) -> list[Share]:
    counts = Counter(g for n in members for g in groups_of(graph, n, by))
    known = sum(1 for n in members if groups_of(graph, n, by))
    return [Share(code=code, label=_group_label(graph, code, by), count=count,
                  share=round(count / known, 6))
            for code, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:top]]


# -- connection paths ------------------------------------------------------------------
def paths(
    graph: ProjectedGraph, source: str, target: str, *, limit: int = 5,
    max_length: int = 6,
) -> PathsAnswer:
    """Ways ``source`` can be introduced to ``target``: simple paths through actors,
    shortest first (ties by the names along the path), at most ``max_length`` links.

    Examples
    --------
    >>> from smekg.analytics.projection import project
    >>> from smekg.analytics.testing import toy_index, toy_rows
    >>> answer = paths(project(toy_index(), toy_rows()), "ex:ipi", "ex:IT")
    >>> [step.relations for step in answer.results[0].steps]
    [['IPI member_of Network'], ['Italy member_of Network']]
    """
    actors = actor_graph(graph)
    for name, node in (("from", source), ("to", target)):
        if node not in actors:
            raise KeyError(f"{name}: {node} is not an organisation, a network or a member "
                           "country in this graph")
    found: list[list[str]] = []
    if source != target and nx.has_path(actors, source, target):
        by_length: dict[int, list[list[str]]] = {}
        for path in nx.shortest_simple_paths(actors, source, target):
            length = len(path) - 1
            # stop past max_length, or once `limit` paths are found and their length is
            # complete (so ties are ordered by name, not by the order of discovery)
            seen = sum(map(len, by_length.values()))
            if length > max_length or (seen >= limit and length not in by_length) or (
                    seen >= _TIES * limit):
                break
            by_length.setdefault(length, []).append(path)
        for length in sorted(by_length):
            found.extend(sorted(by_length[length],
                                key=lambda p: [graph.nodes[n]["label"].casefold() for n in p]))
    results = [_connection(graph, actors, path) for path in found[:limit]]
    return PathsAnswer(source=ref(graph, source), target=ref(graph, target),
                       connected=bool(results), results=results)


def _connection(graph: ProjectedGraph, actors: nx.Graph[str], path: list[str]) -> ConnectionPath:
    steps = []
    for u, v in itertools.pairwise(path):
        links = sorted(actors.edges[u, v]["links"])
        steps.append(PathStep(source=ref(graph, u), target=ref(graph, v), relations=[
            f"{graph.nodes[s]['label']} {relation} {graph.nodes[o]['label']}"
            for s, relation, o in links]))
    return ConnectionPath(length=len(path) - 1, actors=[ref(graph, n) for n in path],
                          steps=steps)

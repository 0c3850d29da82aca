"""The knowledge graph, or a part of it, as a networkx graph.

:func:`project` reads every link that ecosystem analyses follow (the named query
``queries/analytics/edges.rq``, or its Cypher twin on Neo4j) and the names, kinds and
codes of the graph index, and builds a :class:`networkx.MultiDiGraph`:

* nodes are IRIs, with ``label``, ``kind`` (network, organisation, country, nuts-region,
  sector, ...), ``code``, ``types`` (organisation types), and for actors their
  ``country`` (ISO code) and ``sections`` (the NACE sections of the sectors they name);
* edges go from subject to object, keyed by ``relation`` (``member_of``, ``area_served``,
  ``sector``, ``located_in``, ``broader``, ``collaborates_with``, ...), with the
  ``predicate`` IRI, the ``source`` graph, and a membership's ``role``, ``since`` and
  ``until``.

A :class:`Scope` keeps a part: the actors (organisations, networks, and countries that
are members of something) that are in a network (transitively), that are located in or
serve a region, that name a sector, or that a source describes; with the entities they
link to, and every link among all of these.

Examples
--------
>>> from smekg.analytics.testing import toy_index, toy_rows
>>> graph = project(toy_index(), toy_rows())
>>> graph.nodes["ex:ipi"]["label"], graph.nodes["ex:ipi"]["country"]
('IPI', 'IT')
>>> sorted(relation for _, _, relation in graph.out_edges("ex:ipi", keys=True))
['collaborates_with', 'located_in', 'member_of', 'sector']
>>> sorted(project(toy_index(), toy_rows(), Scope(region="ex:FR")).nodes)
['ex:FR', 'ex:medef', 'ex:network']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

import networkx as nx

from smekg.core.backends import Row, Value
from smekg.queries.graph_index import GraphIndex

Progress = Callable[[str, int, int | None], None]
"""``progress(step, done, total)``: what a long computation reports (total may be None)."""
ProjectedGraph: TypeAlias = "nx.MultiDiGraph[str]"
"""A graph :func:`project` builds: nodes are IRIs, edge keys relation names (numbered
when a pair has several links of one relation)."""
_Link: TypeAlias = tuple[str, str, str, str, str, Value | None, Value | None, Value | None]
"""subject, relation name, object, predicate, source graph, role, since, until."""

ACTOR_KINDS = frozenset({"organisation", "network", "project"})
"""The kinds that act in an ecosystem: centrality, brokers, communities and paths are
theirs (with the countries that are members of networks). A project acts through its
partnerships, which are links like memberships."""
SCOPED_KINDS = ACTOR_KINDS | {"programme", "good-practice"}
"""The kinds a :class:`Scope` selects."""
_RENAMED = {
    "http://www.w3.org/ns/org#memberOf": "member_of",
    "https://w3id.org/smekg/ontology#country": "located_in",
    "https://schema.org/location": "located_in",
    "http://data.europa.eu/m8g/sector": "sector",
    "http://www.w3.org/2004/02/skos/core#broader": "broader",
}


def relation_name(predicate: str) -> str:
    """The short, snake-case name of a link's predicate.

    >>> relation_name("https://schema.org/areaServed")
    'area_served'
    >>> relation_name("https://w3id.org/smekg/ontology#country")
    'located_in'
    """
    if predicate in _RENAMED:
        return _RENAMED[predicate]
    local = re.split(r"[#/]", predicate)[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", local).lower()


@dataclass(frozen=True)
class Scope:
    """Which part of the graph to keep (IRIs; ``None`` keeps everything).

    Every given filter must hold for an actor to be kept.
    """

    network: str | None = None
    region: str | None = None
    sector: str | None = None
    source: str | None = None

    @property
    def everything(self) -> bool:
        return not (self.network or self.region or self.sector or self.source)


def project(
    index: GraphIndex,
    rows: Iterable[Row],
    scope: Scope = Scope(),
    progress: Progress | None = None,
) -> ProjectedGraph:
    """The graph of ``rows`` (edges query rows), named by ``index``, cut to ``scope``."""
    links: list[_Link] = sorted(
        (str(row["subject"]), relation_name(str(row["relation"])), str(row["object"]),
         str(row["relation"]), str(row.get("source", "")), row.get("role"), row.get("since"),
         row.get("until"))
        for row in rows
    )
    if progress:
        progress("links read", len(links), len(links))
    located: dict[str, list[str]] = defaultdict(list)
    for subject, relation, obj, *_ in links:
        if relation == "located_in":
            located[subject].append(obj)
    keep = None if scope.everything else _kept_nodes(index, located, links, scope)
    graph: ProjectedGraph = nx.MultiDiGraph(scope=_scope_text(scope))
    for subject, relation, obj, predicate, source, role, since, until in links:
        if keep is not None and (subject not in keep or obj not in keep):
            continue
        attributes = {"predicate": predicate, "source": source}
        if role is not None:
            attributes["role"] = index.codes.get(str(role), str(role))
        if since is not None:
            attributes["since"] = str(since)
        if until is not None:
            attributes["until"] = str(until)
        graph.add_edge(subject, obj, key=_edge_key(graph, subject, obj, relation), **attributes)
    if keep is not None:
        graph.add_nodes_from(keep)
    for node in list(graph.nodes):
        graph.nodes[node].update(describe(index, located, node))
    if progress:
        progress("graph built", graph.number_of_edges(), graph.number_of_edges())
    return graph


def _edge_key(graph: ProjectedGraph, subject: str, obj: str, relation: str) -> str:
    # Keys are the relation, numbered when a pair has several links of one relation
    # (two memberships with different roles).
    if not graph.has_edge(subject, obj, relation):
        return relation
    number = 2
    while graph.has_edge(subject, obj, f"{relation}-{number}"):
        number += 1
    return f"{relation}-{number}"


def describe(index: GraphIndex, located: Mapping[str, list[str]], iri: str
             ) -> dict[str, object]:
    """The node attributes of ``iri``: label, kind, code, types, country, sections
    (``located`` maps an actor to the places it is located in)."""
    kind = index.kind(iri)
    attributes: dict[str, object] = {"label": index.label(iri), "kind": kind or "other"}
    if iri in index.codes:
        attributes["code"] = index.codes[iri]
    types = sorted(index.codes.get(tag, tag) for tag in index.tags.get(iri, ()) if "type-" in tag)
    if types:
        attributes["types"] = types
    country = country_of(index, located, iri)
    if country:
        attributes["country"] = country
    sections = sections_of(index, iri)
    if sections:
        attributes["sections"] = sections
    return attributes


def country_of(index: GraphIndex, located: Mapping[str, list[str]], iri: str) -> str | None:
    """The ISO code of the country ``iri`` is, or is located in (``None`` if unknown)."""
    if index.kind(iri) == "country":
        return index.codes.get(iri)
    for place in located.get(iri, ()):
        for ancestor in index.ancestors(place):
            if index.kind(ancestor) == "country":
                return index.codes.get(ancestor)
    return None


def sections_of(index: GraphIndex, iri: str) -> list[str]:
    """The codes of the top-level sectors (NACE sections) of the sectors ``iri`` names."""
    sections = set()
    for sector in index.sectors_of.get(iri, ()):
        top = [a for a in index.ancestors(sector) if index.kind(a) == "sector"]
        if top:
            sections.add(index.codes.get(top[-1], top[-1]))
    return sorted(sections)


def _kept_nodes(index: GraphIndex, located: Mapping[str, list[str]], links: list[_Link],
                scope: Scope) -> set[str]:
    members: dict[str, list[str]] = defaultdict(list)
    actors: set[str] = set()
    for subject, relation, obj, *_ in links:
        if relation == "member_of":
            members[obj].append(subject)
            actors.update((subject, obj))
    actors.update(iri for iri, tags in index.tags.items() if index.kind(iri) in SCOPED_KINDS)
    candidates = actors
    if scope.network:
        candidates = candidates & _below(scope.network, members)
    if scope.region:
        within = {scope.region, *index.descendants(scope.region)}
        candidates = {a for a in candidates if a in within
                      or within.intersection(index.regions_of.get(a, ()))
                      or within.intersection(_locations(index, located, a))}
    if scope.sector:
        related = {scope.sector, *index.descendants(scope.sector),
                   *index.ancestors(scope.sector)}
        candidates = {a for a in candidates if related.intersection(index.sectors_of.get(a, ()))}
    if scope.source:
        described = {subject for subject, *_, source, _, _, _ in links if source == scope.source}
        candidates &= described
    kept = set(candidates)
    for subject, _, obj, *_ in links:
        if subject in candidates:
            kept.add(obj)
    return kept


def _below(network: str, members: dict[str, list[str]]) -> set[str]:
    """``network`` and its members, their members, and so on."""
    seen, frontier = {network}, [network]
    while frontier:
        frontier = [m for n in frontier for m in members.get(n, ()) if m not in seen]
        seen.update(frontier)
    return seen


def _locations(index: GraphIndex, located: Mapping[str, list[str]], iri: str) -> set[str]:
    return {a for place in located.get(iri, ()) for a in index.ancestors(place)}


def _scope_text(scope: Scope) -> str:
    parts = [f"{name}={value}" for name, value in vars(scope).items() if value]
    return "; ".join(parts) or "everything"

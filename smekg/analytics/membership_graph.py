"""Networks of networks as a graph to draw: a network's members to a depth, or the
networks an organisation belongs to upwards, with the country each one is located in.

The walk follows the membership links of the graph index (``membership_links``, the same
``org:member`` / ``org:organization`` links ``members.rq`` and ``memberships.rq`` read),
breadth first, so a node's depth is the one :meth:`QueryService.members` (or
:meth:`~QueryService.memberships`) gives it with ``transitive=true``: the length of the
shortest membership chain from the root. It answers from memory, however large the
network; the country of each organisation comes from where it is located
(:attr:`GraphIndex.located_at`), worked out once per index.

Examples
--------
``membership_graph(service, "insme-steering-group", "members", 3)`` gives the group, its
members to depth 3 (its member countries among them) and one edge per membership, from
member to network.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from smekg.queries.coverage import coverage_table
from smekg.queries.graph_index import GraphIndex
from smekg.queries.params import ParamError
from smekg.queries.service import QueryService

DIRECTIONS = ("members", "memberships")
"""Down from a network to its members, or up from a member to its networks."""

_COUNTRIES: WeakKeyDictionary[GraphIndex, dict[str, str]] = WeakKeyDictionary()
_LOCK = threading.Lock()
_GRAPHS: OrderedDict[tuple[str, str, int, int | None], tuple[GraphIndex, MembershipGraph]] = (
    OrderedDict())
_GRAPHS_KEPT = 16
"""Graphs kept between requests, each for the index it was drawn from (a graph is read,
then redrawn at another depth, then shared: the same graph again)."""


def located_countries(service: QueryService) -> dict[str, str]:
    """The country (IRI) each located entity is in: the country of its most precise
    location (the one with most regions above it; then the first by IRI). Read once per
    index."""
    index = service.index
    with _LOCK:
        countries = _COUNTRIES.get(index)
    if countries is not None:
        return countries
    best: dict[str, tuple[int, str, str]] = {}  # entity: (-regions above, place, country)
    for place, located in index.located_at.items():  # the index's locations
        ancestors = index.ancestors(place)
        country = next((a for a in ancestors if index.kind(a) == "country"), None)
        if country is None:
            continue
        rank = (-len(ancestors), place, country)
        for entity in located:
            if entity not in best or rank < best[entity]:
                best[entity] = rank
    countries = {entity: rank[2] for entity, rank in best.items()}
    with _LOCK:
        return _COUNTRIES.setdefault(index, countries)


@dataclass
class MembershipNode:
    """An entity of the graph: its depth from the root (0 for the root) and the networks
    (up: the members) it is linked to in the graph."""

    iri: str
    depth: int
    links: list[str] = field(default_factory=list)


@dataclass
class MembershipGraph:
    """The nodes within a depth of a root, nearest first, and the membership edges among
    them (member -> network); ``total`` and ``deepest`` count every node reached."""

    root: str
    direction: str
    depth: int
    nodes: list[MembershipNode]
    edges: list[tuple[str, str]]
    within: int
    total: int
    deepest: int


def membership_graph(service: QueryService, root: str, direction: str, depth: int,
                     limit: int | None = None) -> MembershipGraph:
    """The members of the network ``root`` to ``depth`` (``direction="members"``), or the
    networks the entity ``root`` belongs to, to ``depth`` levels up (``"memberships"``).

    Parameters
    ----------
    service
        The query service (its index answers).
    root
        The network or organisation: an id, code or IRI (as ``/networks/{key}/members``
        takes it; a value that names nothing is a :class:`ParamError` with suggestions).
    direction
        ``members`` or ``memberships``.
    depth
        The deepest level kept (1: direct members or networks).
    limit
        The most nodes kept, root included (the nearest first: by depth, then name).
    """
    if direction not in DIRECTIONS:
        raise ParamError("direction", direction, "expected members or memberships",
                         status=422, suggestions=list(DIRECTIONS))
    name, param = ("members", "network") if direction == "members" else ("memberships",
                                                                         "organisation")
    root_iri = str(service.bind(name, {param: root})[param])
    index = service.index
    key = (root_iri, direction, depth, limit)
    with _LOCK:
        kept = _GRAPHS.get(key)
        if kept is not None and kept[0] is index:
            _GRAPHS.move_to_end(key)
            return kept[1]
    graph = _walk(service, index, root_iri, direction, depth, limit)
    with _LOCK:
        _GRAPHS[key] = (index, graph)
        while len(_GRAPHS) > _GRAPHS_KEPT:
            _GRAPHS.popitem(last=False)
    return graph


def _walk(service: QueryService, index: GraphIndex, root_iri: str, direction: str,
          depth: int, limit: int | None) -> MembershipGraph:
    table = coverage_table(index)
    start, targets = ((table.down_start, table.down) if direction == "members"
                      else (table.up_start, table.up))
    depths = {root_iri: 0}
    frontier = [root_iri] if root_iri in table.position else []
    level = 0
    while frontier:
        level += 1
        found = []
        for iri in frontier:
            at = table.position[iri]
            for target in targets[start[at]:start[at + 1]]:
                other = table.iris[int(target)]
                if other not in depths:
                    depths[other] = level
                    found.append(other)
        frontier = found
    reached = [iri for iri in depths if iri != root_iri]
    kept = sorted((iri for iri in reached if depths[iri] <= depth),
                  key=lambda iri: (depths[iri], index.label(iri).casefold(), iri))
    within = len(kept)
    if limit is not None:
        kept = kept[:max(limit - 1, 0)]
    shown = {root_iri, *kept}
    nodes = [MembershipNode(root_iri, 0), *(MembershipNode(iri, depths[iri]) for iri in kept)]
    by_iri = {node.iri: node for node in nodes}
    edges = []
    # a membership is drawn between two nodes when the walk went through it: down, from a
    # network above the deepest level; up, from a member above it
    for node in nodes:
        for network in index.networks_of.get(node.iri, ()):
            if network not in shown:
                continue
            if direction == "members" and depths[network] < depth:
                node.links.append(network)
                edges.append((node.iri, network))
            elif direction == "memberships" and node.depth < depth:
                by_iri[network].links.append(node.iri)
                edges.append((node.iri, network))
    return MembershipGraph(root=root_iri, direction=direction, depth=depth, nodes=nodes,
                           edges=edges, within=within, total=len(reached),
                           deepest=max(depths.values(), default=0))

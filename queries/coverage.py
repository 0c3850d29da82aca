"""coverage(region, sector): who covers a region and a sector, and why.

Hierarchy-aware: covering an ancestor of the region (NUTS-3 → NUTS-2 → NUTS-1 →
country → continent → world) covers the region; covering an ancestor of the sector
(class → group → division → section) covers the sector; naming no sector means all
sectors; a network covers what its members cover, transitively (networks of
networks); a country that is a member of a network covers itself.

The walk runs on the :class:`~queries.index.GraphIndex`: from the region up its
ancestors, to whoever serves them, filtered by sector, then up the membership links
breadth first, so each network is reached by its shortest member chain. Ties are
broken by IRI, so every backend gives the same answer.

Examples
--------
>>> index = GraphIndex()
>>> index.broader.update({"r:ITH55": ["r:ITH5"], "r:ITH5": ["r:IT"]})
>>> index.served_by["r:ITH5"].append("o:ergo")
>>> index.networks_of["o:ergo"].append("n:net")
>>> [(hit.iri, hit.region_via, hit.member_chain) for hit in coverage(index, "r:ITH55")]
[('o:ergo', 'r:ITH5', []), ('n:net', 'r:ITH5', ['o:ergo', 'n:net'])]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from queries.index import GraphIndex


@dataclass(frozen=True)
class Coverage:
    """One entity that covers the region and sector, and why."""

    iri: str
    region_via: str | None  # the region it serves that contains the asked one (None: any)
    sector_via: str | None  # the sector it names that contains the asked one (None: all)
    member_chain: list[str] = field(default_factory=list)  # covering member ... this network

    @property
    def through_members(self) -> bool:
        return bool(self.member_chain)


def coverage(
    index: GraphIndex,
    region: str | None = None,
    sector: str | None = None,
) -> list[Coverage]:
    """Entities covering ``region`` and ``sector`` (IRIs; None for any), with reasons.

    Direct covers come first, ordered by IRI; then networks reached through their
    members, in breadth-first order (shortest chain first).
    """
    direct = _direct(index, region)
    if sector is not None:
        direct = _by_sector(index, direct, sector)
    else:
        direct = {iri: (via, None) for iri, via in direct.items()}
    results = [Coverage(iri, r_via, s_via) for iri, (r_via, s_via) in sorted(direct.items())]
    results.extend(_through_members(index, results))
    return results


def _direct(index: GraphIndex, region: str | None) -> dict[str, str | None]:
    """Entities serving ``region`` or an ancestor, with the nearest such region."""
    found: dict[str, str | None] = {}
    if region is None:
        for entities in index.served_by.values():
            for entity in entities:
                found.setdefault(entity, None)
        for country in index.member_countries:
            found.setdefault(country, None)
        return found
    for ancestor in index.ancestors(region):
        for entity in index.served_by.get(ancestor, ()):
            found.setdefault(entity, ancestor)
        if ancestor in index.member_countries:
            found.setdefault(ancestor, ancestor)
    return found


def _by_sector(
    index: GraphIndex, direct: dict[str, str | None], sector: str
) -> dict[str, tuple[str | None, str | None]]:
    rank = {iri: position for position, iri in enumerate(index.ancestors(sector))}
    kept: dict[str, tuple[str | None, str | None]] = {}
    for entity, region_via in direct.items():
        named = index.sectors_of.get(entity)
        if not named:
            kept[entity] = (region_via, None)
            continue
        covering = [s for s in named if s in rank]
        if covering:
            kept[entity] = (region_via, min(covering, key=rank.__getitem__))
    return kept


def _through_members(index: GraphIndex, direct: list[Coverage]) -> list[Coverage]:
    found: list[Coverage] = []
    seen = {hit.iri for hit in direct}
    queue = deque((hit.iri, [hit.iri], hit) for hit in direct)
    while queue:
        member, chain, origin = queue.popleft()
        for network in index.networks_of.get(member, ()):
            if network in seen:
                continue
            seen.add(network)
            network_chain = [*chain, network]
            found.append(Coverage(network, origin.region_via, origin.sector_via, network_chain))
            queue.append((network, network_chain, origin))
    return found

"""coverage(region, sector): who covers a region and a sector, and why.

Hierarchy-aware: covering an ancestor of the region (NUTS-3 → NUTS-2 → NUTS-1 →
country → continent → world) covers the region; covering an ancestor of the sector
(class → group → division → section) covers the sector; naming no sector means all
sectors; a network covers what its members cover, transitively (networks of
networks). Each result says why it matched.

The walk starts from the bound ends (the given region and sector) and goes outwards;
nothing is scanned. Parameters are bound by the engine, never pasted into queries.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyoxigraph import NamedNode

from smekg.store import GraphStore

_QUERIES = Path(__file__).parent


@cache
def query_text(name: str) -> str:
    """The text of a named ``.rq`` query of this package."""
    return (_QUERIES / f"{name}.rq").read_text(encoding="utf-8")


_MEMBER_OF = """SELECT ?member ?network ?role WHERE {
  ?membership org:member ?member ; org:organization ?network .
  OPTIONAL { ?membership org:role ?role }
}"""


@dataclass
class Match:
    """Why an entity covers the region and sector."""

    region_via: str
    sector_via: str | None  # None: the entity names no sector, so it covers all
    member_chain: list[str] = field(default_factory=list)  # covering member ... network

    @property
    def kind(self) -> str:
        return "through members" if self.member_chain else "directly"


@dataclass
class CoverageResult:
    iri: str
    match: Match


def coverage(store: GraphStore, region: str, sector: str | None = None) -> list[CoverageResult]:
    """Entities covering ``region`` (and ``sector``, an IRI or None for any), with reasons.

    Direct covers come first; each network reached through members is reported once,
    with its shortest member chain.
    """
    bindings = {"region": NamedNode(region)}
    if sector is not None:
        bindings["sector"] = NamedNode(sector)
    direct: dict[str, Match] = {}
    for row in store.select(query_text("coverage_direct"), bindings):
        entity = row["entity"].value
        via = row.get("sectorVia")
        match = Match(row["regionVia"].value, via.value if via is not None else None)
        current = direct.get(entity)
        if current is None or (current.sector_via is None and match.sector_via is not None):
            direct[entity] = match
    results = [CoverageResult(iri, match) for iri, match in direct.items()]
    results.extend(_through_members(store, direct))
    return results


def _through_members(store: GraphStore, direct: dict[str, Match]) -> list[CoverageResult]:
    # Breadth first from the covering entities up their membership links: the first
    # time a network is reached is by its shortest chain.
    found: list[CoverageResult] = []
    seen = set(direct)
    queue = deque((iri, [iri], match) for iri, match in direct.items())
    while queue:
        member, chain, match = queue.popleft()
        for row in store.select(_MEMBER_OF, {"member": NamedNode(member)}):
            network = row["network"].value
            if network in seen:
                continue
            seen.add(network)
            network_chain = [*chain, network]
            found.append(
                CoverageResult(network, Match(match.region_via, match.sector_via, network_chain))
            )
            queue.append((network, network_chain, match))
    return found

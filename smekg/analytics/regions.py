"""Regions seen whole: the coverage gap matrix, and two regions' ecosystems compared.

Both build on coverage (:mod:`smekg.queries.coverage`): a provider covers a region and a
sector when it serves the region or a region containing it, names the sector, a sector
containing it or no sector, or is a network one of whose members (at any depth) does, or
of which a country containing the region is a member.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from smekg.analytics.actors import actor_graph
from smekg.analytics.models import EcosystemComparison, GapMatrix, RegionEcosystem
from smekg.analytics.projection import Progress, ProjectedGraph
from smekg.core.backends import row_int, row_text
from smekg.queries.coverage import coverage_table
from smekg.queries.graph_index import BREADTHS
from smekg.queries.models import EntityRef
from smekg.queries.params import REGION_LEVELS, SECTOR_LEVELS
from smekg.queries.service import QueryService, level_name


def gap_matrix(
    service: QueryService, scope: str | None = "world", region_level: str | None = "nuts2",
    sector_level: str | None = "section", sector: str | None = None, type: str | None = None,
    progress: Progress | None = None, *, broadest: str | None = "world",
    kinds: str | None = None, typology: str | None = None,
) -> GapMatrix:
    """How many providers cover each region x sector cell within ``scope``.

    Parameters
    ----------
    service
        The query service answering from the graph.
    scope, region_level, sector_level, sector
        The regions at ``region_level`` within ``scope`` (rows), crossed with the sectors
        at ``sector_level`` (within ``sector`` if given; columns).
    type
        Count only providers of this kind or organisation type.
    progress
        Called with ``("gap matrix", regions done, regions)``, if given.
    broadest
        Count only coverage no broader than this level (``nuts3`` ... ``country``,
        ``continent``, ``world``): with ``country``, a provider serving the world or a
        continent, or a network covering the country only as one of many member countries
        spanning a continent or the world, does not count.
    kinds
        Count only providers of these kinds, comma-separated (``organisation,programme``).
    typology
        Only the NUTS-3 regions of all these typologies, comma-separated (``mountain``,
        ``predominantly-rural,border``; ``region_level`` must be ``nuts3``).

    Returns
    -------
    GapMatrix
        A cell counts what :meth:`QueryService.coverage` lists for it, so limited; the
        zero cells are exactly the gaps that :meth:`QueryService.gaps` reports.

    Examples
    --------
    ``gap_matrix(service, scope="ITH5", region_level="nuts3").counts[0][0]`` is the number
    of providers covering ITH51 (Piacenza) in section A.
    """
    raw = {"scope": scope, "region_level": region_level, "sector_level": sector_level,
           "sector": sector, "type": type, "broadest": broadest, "kinds": kinds,
           "typology": typology}
    bound = service.bind("gaps", raw)
    regions, sectors = service.gap_axes(bound)
    table = coverage_table(service.index)
    keep = service.gap_keep(bound)
    ceiling = row_int(bound, "broadest")
    counts = []
    for number, region in enumerate(regions, start=1):
        counts.append([len(table.walk(region, sector_iri, keep, ceiling))
                       for sector_iri in sectors])
        if progress:
            progress("gap matrix", number, len(regions))
    cells = len(regions) * len(sectors)
    return GapMatrix(
        scope=service.ref(row_text(bound, "scope")),
        region_level=level_name(region_level or "nuts2", REGION_LEVELS, "region_level"),
        sector_level=level_name(sector_level or "section", SECTOR_LEVELS, "sector_level"),
        sector_scope=service.ref(row_text(bound, "sector")) if "sector" in bound else None,
        type=type, broadest=BREADTHS[ceiling],
        kinds=row_text(bound, "kinds").split(",") if "kinds" in bound else None,
        typology=row_text(bound, "typology").split(",") if "typology" in bound else None,
        regions=[service.ref(r) for r in regions], sectors=[service.ref(s) for s in sectors],
        counts=counts, cells=cells, uncovered=sum(row.count(0) for row in counts))


def compare_ecosystems(
    service: QueryService, graph: ProjectedGraph, a: str, b: str, sector: str | None = None,
) -> EcosystemComparison:
    """Two regions' ecosystems side by side: counts, density, and the networks they share.

    A region's ecosystem is the actors (organisations and networks) that cover it (for
    ``sector``, if given) or are located in it, and the member countries containing it
    (not providers, but actors: the links through which networks of countries cover it);
    its networks are the networks those actors are members of, at any depth.
    """
    bound = service.bind("compare", {"a": a, "b": b, "sector": sector})
    actors = actor_graph(graph)
    index = service.index
    sides, ecosystems, networks = [], [], []
    for key in ("a", "b"):
        region = str(bound[key])
        covering = service.coverage(region=region, sector=sector and str(bound["sector"]),
                                    limit=None).results
        located = service.organisations_in_region(region)
        countries = {r for r in index.ancestors(region) if r in index.member_countries}
        members = ({item.iri for item in covering} | {str(item["iri"]) for item in located}
                   | countries)
        members &= set(actors)
        reached = _networks_above(graph, members)
        sub = actors.subgraph(members)
        sides.append(RegionEcosystem(
            region=service.ref(region), covered_by=len(covering), located_here=len(located),
            by_type=dict(sorted(Counter(item.type or "other" for item in covering).items())),
            actors=len(members), links=sub.number_of_edges(),
            density=round(nx.density(sub), 6) if len(sub) > 1 else 0.0,
            networks=len(reached)))
        ecosystems.append(members)
        networks.append(reached)

    def refs(iris: set[str]) -> list[EntityRef]:
        return [service.ref(i) for i in sorted(iris, key=lambda i: (
            service.index.label(i).casefold(), i))]

    either = ecosystems[0] | ecosystems[1]
    shared = ecosystems[0] & ecosystems[1]
    return EcosystemComparison(
        a=sides[0], b=sides[1],
        sector=service.ref(row_text(bound, "sector")) if "sector" in bound else None,
        shared_networks=refs(networks[0] & networks[1]),
        only_a_networks=refs(networks[0] - networks[1]),
        only_b_networks=refs(networks[1] - networks[0]),
        shared_actors=len(shared), jaccard=round(len(shared) / len(either), 6) if either else 0.0)


def _networks_above(graph: ProjectedGraph, actors: set[str]) -> set[str]:
    """The networks ``actors`` are members of, at any depth."""
    seen: set[str] = set()
    frontier = list(actors)
    while frontier:
        frontier = [network for node in frontier if node in graph
                    for _, network, key in graph.out_edges(node, keys=True)
                    if key.startswith("member_of") and network not in seen]
        seen.update(frontier)
    return seen

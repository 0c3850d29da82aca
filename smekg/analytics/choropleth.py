"""How many providers cover each region of a scope, for one sector or any: a choropleth's
numbers.

A region's count is the number of support providers that cover it, as
:meth:`~smekg.queries.service.QueryService.coverage` lists them, so limited: counting only
coverage no broader than ``broadest`` (``country``: regional and national providers) and
only providers of ``kinds``, if given; only the NUTS-3 regions of all the ``typology``
classes, if given. The regions are those of the gap table (:meth:`QueryService.gap_axes`:
the current regions at the level within the scope).

* **With a sector**, a count is the gap matrix's cell for the region and that sector
  (:func:`~smekg.analytics.regions.gap_matrix` with ``sector_level`` the sector's own
  level, as ``/analytics/gaps?sector=C25&sector_level=division`` has it); 0 is a gap.
* **Without a sector**, a count is the number of providers covering the region in any
  sector, those ``/coverage?region=...`` lists without a sector: a provider naming no
  sector covers them all, one naming some covers those.

The answer is one pass on the coverage table
(:class:`~smekg.queries.coverage.CoverageTable`) instead of one walk per region: the walk
up from a region and the regions above it is the union of the walks up from each of them,
so the walks from every region and every region above them are climbed together, once,
and each region above is counted once for all the regions below it.

Examples
--------
``provider_counts(service, "IT", "nuts2", "C25", broadest="country").counts`` is, for each
NUTS-2 region of Italy in code order, the number of regional and national providers
covering it in division 25.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, Field

from smekg.core.backends import Value, row_int, row_text
from smekg.queries.coverage import CoverageTable, coverage_table, links_of
from smekg.queries.graph_index import BREADTHS, WORLD
from smekg.queries.models import EntityRef
from smekg.queries.params import REGION_LEVELS, SECTOR_LEVELS, ParamError
from smekg.queries.service import QueryService

MAP_LEVELS = ("nuts1", "nuts2", "nuts3", "country")
"""The levels a choropleth colours: NUTS 1 to 3, or countries."""


class ProviderCounts(BaseModel):
    """How many providers cover each region of a scope (for one sector, or any)."""

    scope: EntityRef
    region_level: str = Field(description="nuts1, nuts2, nuts3 or country.")
    sector: EntityRef | None = Field(default=None, description="The sector counted; none: "
                                     "providers covering the region in any sector.")
    sector_level: str | None = Field(default=None, description="The sector's level "
                                     "(section, division, group, class), as /analytics/gaps "
                                     "takes it.")
    broadest: str = Field(default="world", description="Only coverage no broader than this "
                          "level counted.")
    kinds: list[str] | None = None
    typology: list[str] | None = None
    regions: list[EntityRef]
    counts: list[int] = Field(description="counts[i]: the providers covering regions[i].")
    gaps: int = Field(description="Regions no provider covers (count 0).")
    max: int = Field(description="The highest count (0 when there is no region).")


def provider_counts(service: QueryService, scope: str | None = "world",
                    region_level: str | None = "nuts2", sector: str | None = None, *,
                    broadest: str | None = "world", kinds: str | None = None,
                    typology: str | None = None) -> ProviderCounts:
    """How many providers cover each region at ``region_level`` within ``scope``.

    Parameters
    ----------
    service
        The query service answering from the graph.
    scope, region_level
        The regions: those at the level (:data:`MAP_LEVELS`) within the scope.
    sector
        Count the providers covering this sector (any sector when None).
    broadest, kinds, typology
        As for :func:`~smekg.analytics.regions.gap_matrix`.

    Raises
    ------
    ParamError
        A value that names nothing, or a level that is not one of :data:`MAP_LEVELS`
        (422, with suggestions).
    """
    level = _map_level(region_level or "nuts2")
    raw = {"scope": scope, "region_level": level, "sector": sector, "broadest": broadest,
           "kinds": kinds, "typology": typology}
    bound = service.bind("gaps", raw)
    regions, _ = service.gap_axes(bound)
    index = service.index
    sector_iri = str(bound["sector"]) if "sector" in bound else None
    sector_level = None
    if sector_iri is not None:
        number = index.levels.get(sector_iri)
        sector_level = next((name for name, n in SECTOR_LEVELS.items() if n == number), None)
    counts = _counts(service, bound, regions, sector_iri)
    return ProviderCounts(
        scope=service.ref(row_text(bound, "scope")), region_level=level,
        sector=service.ref(sector_iri) if sector_iri else None, sector_level=sector_level,
        broadest=BREADTHS[row_int(bound, "broadest")],
        kinds=row_text(bound, "kinds").split(",") if "kinds" in bound else None,
        typology=row_text(bound, "typology").split(",") if "typology" in bound else None,
        regions=[service.ref(region) for region in regions], counts=counts,
        gaps=counts.count(0), max=max(counts, default=0))


def _map_level(text: str) -> str:
    key = text.lower().replace("-", "").replace(" ", "")
    if key.isdigit():
        key = next((name for name in MAP_LEVELS if str(REGION_LEVELS[name]) == key), key)
    if key == "nuts0":
        key = "country"
    if key not in MAP_LEVELS:
        raise ParamError("level", text, f"expected one of: {', '.join(MAP_LEVELS)}",
                         status=422, suggestions=list(MAP_LEVELS))
    return key


def _counts(service: QueryService, bound: dict[str, Value], regions: list[str],
            sector: str | None) -> list[int]:
    """The providers covering each of ``regions`` (and ``sector``, if given), counted as
    :meth:`CoverageTable.walk` counts them.

    A region is covered through itself and each region above it: the providers covering it
    are the union of those reached from each (:func:`_reach_all`, all at once). The union
    for the regions above is kept as a mask (a few at a time: the regions come in code
    order, so those sharing a parent come together); a region's count is its parents'
    count plus the providers only its own walk reaches."""
    index = service.index
    table = coverage_table(index)
    ceiling = row_int(bound, "broadest")
    keep = service.gap_keep(bound)
    shown = table.providers if keep is None else table.providers & keep
    # who may start a walk: everyone for any sector, else those naming no sector or one
    # that contains the sector asked (as CoverageTable.walk marks them)
    starts = np.ones(len(table.iris), dtype=bool)
    if sector is not None:
        starts = table.sector_free.copy()
        for ancestor in index.sector_ancestors(sector):
            positions = table.users.get(ancestor)
            if positions is not None:
                starts[positions] = True
    number: dict[str, int] = {}  # every region and everything above it, each once
    for region in regions:
        for ancestor in index.ancestors(region):
            number.setdefault(ancestor, len(number))
    reached = _reach_all(table, list(number), starts, ceiling, shown)
    above = _Above(index.broader, number, reached, len(table.iris))
    counts = []
    for region in regions:
        mask, count = above.of_parents(region, frozenset({region}))
        own = reached[number[region]]
        if mask is None:
            counts.append(int(own.size))
        else:
            counts.append(count + int(np.count_nonzero(~mask[own])))
    return counts


class _Above:
    """The providers covering through a region or any region above it, as masks over the
    coverage table's positions with their counts (the last :data:`_KEPT` kept)."""

    def __init__(self, broader: Mapping[str, Sequence[str]], number: Mapping[str, int],
                 reached: list[np.ndarray], size: int) -> None:
        self.broader, self.number, self.reached, self.size = broader, number, reached, size
        self.kept: OrderedDict[str, tuple[np.ndarray | None, int]] = OrderedDict()

    def of(self, region: str, visiting: frozenset[str]) -> tuple[np.ndarray | None, int]:
        """The mask (None: nobody) and count of ``region`` and the regions above it."""
        kept = self.kept.get(region)
        if kept is not None:
            self.kept.move_to_end(region)
            return kept
        mask, _ = self.of_parents(region, visiting | {region})
        own = self.reached[self.number[region]]
        if own.size:
            mask = np.zeros(self.size, dtype=bool) if mask is None else mask.copy()
            mask[own] = True
        answer = (mask, 0 if mask is None else int(np.count_nonzero(mask)))
        self.kept[region] = answer
        while len(self.kept) > _KEPT:
            self.kept.popitem(last=False)
        return answer

    def of_parents(self, region: str, visiting: frozenset[str]
                   ) -> tuple[np.ndarray | None, int]:
        """The mask and count of the regions above ``region`` (not itself); ``visiting``:
        the regions on the way here (a cycle of broader links stops)."""
        parents = [p for p in self.broader.get(region, ()) if p not in visiting]
        if len(parents) == 1:
            return self.of(parents[0], visiting)
        mask = None
        for parent in parents:
            part, _ = self.of(parent, visiting)
            if part is not None:
                mask = part.copy() if mask is None else np.logical_or(mask, part, out=mask)
        return mask, 0 if mask is None else int(np.count_nonzero(mask))


_KEPT = 32


def _reach_all(table: CoverageTable, regions: list[str], starts: np.ndarray, ceiling: int,
               shown: np.ndarray) -> list[np.ndarray]:
    """For each of ``regions``, the providers (sorted positions) that cover through it:
    those serving it and the country itself when it is a member country (when ``starts``
    marks them), and the networks above them, following only links no broader than
    ``ceiling``; nobody through a region broader than ``ceiling``.

    One breadth-first climb for all the regions together, over (region, position) pairs
    numbered ``region * size + position``."""
    size = len(table.iris)
    member_countries = table.index.member_countries
    firsts: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for number, region in enumerate(regions):
        if ceiling < WORLD and table.breadth(region) > ceiling:
            continue
        served = table.served.get(region)
        if served is not None:
            firsts.append(served.astype(np.int64))
            owners.append(np.full(served.size, number, dtype=np.int64))
        if region in member_countries:
            firsts.append(np.array([table.position[region]], dtype=np.int64))
            owners.append(np.array([number], dtype=np.int64))
    empty = np.empty(0, dtype=np.int64)
    if not firsts:
        return [empty] * len(regions)
    positions, owner = np.concatenate(firsts), np.concatenate(owners)
    started = starts[positions]
    visited = _sorted_set(owner[started] * size + positions[started])
    frontier = visited
    while frontier.size:
        owner, positions = np.divmod(frontier, size)
        links = links_of(table.up_start, positions)
        owner = np.repeat(owner, table.up_start[positions + 1] - table.up_start[positions])
        if ceiling < WORLD:
            within = table.up_breadth[links] <= ceiling
            links, owner = links[within], owner[within]
        found = _sorted_set(owner * size + table.up[links])
        where = np.minimum(np.searchsorted(visited, found), max(visited.size - 1, 0))
        frontier = found[visited[where] != found] if visited.size else found
        visited = np.sort(np.concatenate((visited, frontier)))
    owner, positions = np.divmod(visited, size)
    counted = shown[positions]
    owner, positions = owner[counted], positions[counted]
    bounds = np.searchsorted(owner, np.arange(len(regions) + 1))
    return [positions[bounds[i]:bounds[i + 1]] for i in range(len(regions))]


def _sorted_set(values: np.ndarray) -> np.ndarray:
    """``values`` sorted, each once (by sorting: faster than :func:`numpy.unique`'s hash
    table on these large numbers)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]

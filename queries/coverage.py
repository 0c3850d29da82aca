"""coverage(region, sector): who provides support in a region and a sector, and why.

Hierarchy-aware: covering an ancestor of the region (NUTS-3 → NUTS-2 → NUTS-1 →
country → continent → world) covers the region; covering an ancestor of the sector
(class → group → division → section) covers the sector; naming no sector means all
sectors; a network covers what its members cover, transitively (networks of
networks), and what its member countries are (a network of countries covers each of them);
a project covers what its partners cover (its partnerships are ``org:Membership`` links as
a network's memberships are: the walk climbs both, and the explanation says "through its
partners").

Sectors the graph states to be the same (``skos:exactMatch``: a NACE Rev. 2 code and the
Rev. 2.1 code of the same code and title) count as one: a provider that names NACE Rev. 2
25.11 covers Rev. 2.1 25.11, one that names Rev. 2.1 62 covers Rev. 2 62.01 (which lies
in Rev. 2 division 62, the same as Rev. 2.1 62), and one that names Rev. 2 section J covers
Rev. 2.1 62.10 (through division 62). The walk over a sector's containers is
:meth:`~smekg.queries.graph_index.GraphIndex.sector_ancestors`; :func:`sector_reason` says
which way a provider's sector contains the one asked.

The results are the support providers (:data:`~smekg.queries.graph_index.PROVIDER_KINDS`:
organisations, networks, projects, programmes, good practices, and whatever the data says
provides a service). A member country is not one: it is a reason, the first link of a member chain
(the INSME Steering Group covers ITH55 through its member Italy). Policies and
publications are not results either.

A walk may be capped (``broadest``, for gap counts): only coverage through a served region
no broader than a level (:data:`~smekg.queries.graph_index.BREADTHS`) counts, and a network
covers a member country only when its member countries lie within such a region together
(a network of one country covers it at the country's level; the INSME Steering Group, whose
41 member countries span the world, at the world's).

The walk runs on a :class:`CoverageTable`, compiled once per
:class:`~smekg.queries.graph_index.GraphIndex`: every entity that can cover anything gets a
position in name order, and the scope and membership links become arrays of
positions. A question is then a few vectorised steps: mark whoever serves the region
or an ancestor, keep those whose sectors contain the sector (or who name none), and
climb the membership links breadth first, one level of networks at a time. Results
come out already in answer order (direct covers first, then by the length of the
member chain; by name, then IRI, within each), so a page costs what the page holds,
not what the whole answer holds. Member chains and reasons are worked out only for the
results asked for.

A chain is a shortest one; where several are, each link down from the network goes to
its member that comes first by name (then IRI). Every backend gives the same answer,
because the walk runs on the index, which is read from the backend by named queries.

Examples
--------
>>> index = GraphIndex()
>>> index.broader.update({"r:ITH55": ["r:ITH5"], "r:ITH5": ["r:IT"]})
>>> index.served_by["r:ITH5"].append("o:ergo")
>>> index.regions_of["o:ergo"].append("r:ITH5")
>>> index.networks_of["o:ergo"].append("n:net")
>>> from smekg.queries.graph_index import KIND_CLASSES
>>> index.tags.update({"o:ergo": {KIND_CLASSES["good-practice"]},
...                    "n:net": {KIND_CLASSES["network"]}})
>>> [(hit.iri, hit.region_via, hit.member_chain) for hit in coverage(index, "r:ITH55")]
[('o:ergo', 'r:ITH5', []), ('n:net', 'r:ITH5', ['o:ergo', 'n:net'])]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from weakref import WeakKeyDictionary

import numpy as np

from smekg.queries.graph_index import WORLD, GraphIndex

_POSITION = np.int32
_SECTORS_KEPT = 32


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


_TABLES: WeakKeyDictionary[GraphIndex, CoverageTable] = WeakKeyDictionary()


def coverage_table(index: GraphIndex) -> CoverageTable:
    """The scope and membership links of ``index`` compiled for coverage walks (built on
    first use, kept while the index lives)."""
    table = _TABLES.get(index)
    if table is None:
        table = _TABLES.setdefault(index, CoverageTable(index))
    return table


def keep_coverage_table(index: GraphIndex, table: CoverageTable) -> None:
    """Keep ``table`` as the coverage table of ``index`` (one read from disk with it)."""
    _TABLES[index] = table


class CoverageTable:
    """The index's scope and membership links as arrays over entity positions.

    Positions follow name order (case-folded label, then IRI), so sorting a set of
    positions sorts the entities by name.
    """

    iris: Sequence[str]
    position: Mapping[str, int]
    served: Mapping[str, np.ndarray]
    users: Mapping[str, np.ndarray]
    reach: Mapping[str, Reach]

    @classmethod
    def kept(cls, index: GraphIndex, *, iris: Sequence[str], position: Mapping[str, int],
             served: Mapping[str, np.ndarray], users: Mapping[str, np.ndarray],
             reach: Mapping[str, Reach], reach_all: Reach,
             arrays: Mapping[str, np.ndarray]) -> CoverageTable:
        """The table of ``index`` from its kept parts (see ``index_cache``), not compiled."""
        table = cls.__new__(cls)
        table.index = index
        table.iris, table.position, table.served, table.users = iris, position, served, users
        table.reach, table.reach_all = reach, reach_all
        for name, array in arrays.items():
            setattr(table, name, array)
        table._masks, table._breadths, table._sectors = {}, {}, {}
        return table

    def __init__(self, index: GraphIndex) -> None:
        self.index = index
        networks = {n for ns in index.networks_of.values() for n in ns}
        entities = ({e for es in index.served_by.values() for e in es}
                    | index.member_countries | set(index.networks_of) | networks)
        self.iris = sorted(entities, key=lambda iri: (index.label(iri).casefold(), iri))
        self.position = {iri: p for p, iri in enumerate(self.iris)}
        size = len(self.iris)
        self.served = {region: self._positions(es) for region, es in index.served_by.items()}
        self.users = {sector: self._positions(es) for sector, es in index.sector_users.items()}
        self.scoped = np.zeros(size, dtype=bool)
        for positions in self.served.values():
            self.scoped[positions] = True
        self.scoped[self._positions(index.member_countries)] = True
        self.providers = np.array([index.is_provider(iri) for iri in self.iris], dtype=bool)
        self.member_country = np.zeros(size, dtype=bool)
        self.member_country[self._positions(index.member_countries)] = True
        self.sector_free = np.ones(size, dtype=bool)
        named_sectors = (e for e, sectors in index.sectors_of.items() if sectors)
        self.sector_free[self._positions(named_sectors)] = False
        self.up_start, self.up = self._links(
            (self.position[m], self.position[n]) for m, ns in index.networks_of.items()
            for n in ns)
        self.down_start, self.down = self._links(
            (self.position[n], self.position[m]) for m, ns in index.networks_of.items()
            for n in ns)
        # Only networks are reached by climbing: a level is de-duplicated over their own,
        # much smaller, numbering (a mark per network) instead of sorting what was reached.
        self.networks = np.unique(self.up)
        self.network_number = np.full(size, -1, dtype=_POSITION)
        self.network_number[self.networks] = np.arange(len(self.networks), dtype=_POSITION)
        # How broad each network is through its member countries (BREADTHS positions), and
        # so how broad each link is: a link from a member country up to a network is as
        # broad as that network's span; other links are no broader than where they start.
        self.country_span = np.full(size, -1, dtype=np.int8)
        for network, span in self._country_spans().items():
            self.country_span[self.position[network]] = span
        up_from = np.repeat(np.arange(size, dtype=_POSITION), np.diff(self.up_start))
        self.up_breadth = np.where(self.member_country[up_from],
                                   self.country_span[self.up], -1).astype(np.int8)
        down_from = np.repeat(np.arange(size, dtype=_POSITION), np.diff(self.down_start))
        self.down_breadth = np.where(self.member_country[self.down],
                                     self.country_span[down_from], -1).astype(np.int8)
        # What questions share, compiled once: for each region, the links up from those
        # who serve it (their sources, the networks reached, how broad each link is), so
        # a question gathers a few ready arrays instead of every direct cover's links.
        self.scoped_positions = np.flatnonzero(self.scoped).astype(_POSITION)
        self.reach = {region: self._reach(positions) for region, positions in self.served.items()}
        self.reach_all = self._reach(self.scoped_positions)
        self._masks: dict[tuple[str, str], np.ndarray] = {}
        self._breadths: dict[str, int] = {}
        self._sectors: dict[str, np.ndarray] = {}

    def __getstate__(self) -> dict[str, object]:
        # what questions added (masks, breadths) is left out: kept on disk, it is compiled
        return {**self.__dict__, "_masks": {}, "_breadths": {}, "_sectors": {}}

    def _in_sector(self, sector: str, sectors: list[str]) -> np.ndarray:
        """Positions naming no sector or one of ``sectors`` (``sector`` and its ancestors):
        those that cover ``sector``. Kept for the last few sectors asked (each is a mark per
        position, so not for every sector)."""
        mask = self._sectors.get(sector)
        if mask is None:
            mask = self.sector_free.copy()
            for ancestor in sectors:
                positions = self.users.get(ancestor)
                if positions is not None:
                    mask[positions] = True
            if len(self._sectors) >= _SECTORS_KEPT:
                self._sectors.pop(next(iter(self._sectors)), None)
            self._sectors[sector] = mask
        return mask

    def breadth(self, region: str) -> int:
        """The index's :meth:`~smekg.queries.graph_index.GraphIndex.breadth` of ``region``
        (kept: capped walks ask it of the same few regions over and over)."""
        breadth = self._breadths.get(region)
        if breadth is None:
            breadth = self._breadths.setdefault(region, self.index.breadth(region))
        return breadth

    def _country_spans(self) -> dict[str, int]:
        """The breadth of every network with member countries: that of the narrowest region
        holding all of them (the country itself when it is the only one)."""
        index = self.index
        countries: dict[str, list[str]] = {}
        for member in sorted(index.member_countries):
            for network in index.networks_of.get(member, ()):
                countries.setdefault(network, []).append(member)
        spans = {}
        for network, members in countries.items():
            common = set(index.ancestors(members[0]))
            for member in members[1:]:
                common.intersection_update(index.ancestors(member))
            spans[network] = min((index.breadth(region) for region in common), default=WORLD)
        return spans

    def _reach(self, sources: np.ndarray) -> Reach:
        """The links up from ``sources`` (sorted positions): their sources, the numbers of
        the networks they reach and their breadths."""
        links = links_of(self.up_start, sources)
        counts = self.up_start[sources + 1] - self.up_start[sources]
        return Reach(np.repeat(sources, counts).astype(_POSITION),
                     self.network_number[self.up[links]], self.up_breadth[links])

    def _positions(self, iris: Iterable[str]) -> np.ndarray:
        position = self.position
        return np.array(sorted({position[i] for i in iris if i in position}), dtype=_POSITION)

    def _links(self, pairs: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Compressed rows: the targets of ``source`` are ``targets[start[s]:start[s + 1]]``."""
        edges = np.array(sorted(set(pairs)), dtype=_POSITION).reshape(-1, 2)
        counts = np.bincount(edges[:, 0], minlength=len(self.iris))
        start = np.zeros(len(self.iris) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        return start, edges[:, 1].copy()

    def mask(self, key: str, value: str, holders: Mapping[str, Collection[str]]) -> np.ndarray:
        """Positions whose entry in ``holders`` contains ``value`` (cached per key)."""
        cached = self._masks.get((key, value))
        if cached is None:
            cached = np.zeros(len(self.iris), dtype=bool)
            cached[self._positions(e for e, values in holders.items() if value in values)] = True
            self._masks[(key, value)] = cached
        return cached

    def walk(self, region: str | Sequence[str] | None, sector: str | None,
             keep: np.ndarray | None = None, broadest: int = WORLD) -> CoverageWalk:
        """The providers covering ``region`` and ``sector``, as levels of positions.

        Parameters
        ----------
        region, sector
            The IRIs asked for (None: any). ``region`` may be several regions (e.g. those
            of a NUTS-3 typology): a provider covering one of them is a result (none, when
            there are none).
        keep
            Only results whose position is True here (e.g. of a kind), if given.
        broadest
            Count only coverage no broader than this level (a position in
            :data:`~smekg.queries.graph_index.BREADTHS`; the default counts all).

        Returns
        -------
        CoverageWalk
            Direct covers first, then networks by the length of their member chain.
        """
        index = self.index
        if region is None or isinstance(region, str):
            regions = [] if region is None else index.ancestors(region)
        else:  # the ancestors of each, once, nearest to one of them first
            distance: dict[str, int] = {}
            for asked in region:
                for steps, ancestor in enumerate(index.ancestors(asked)):
                    distance[ancestor] = min(steps, distance.get(ancestor, steps))
            regions = sorted(distance, key=distance.__getitem__)
        sectors = [] if sector is None else index.sector_ancestors(sector)
        capped = broadest < WORLD
        if region is None:
            sources = [self.scoped_positions]
            reaches = [self.reach_all]
            if capped:  # only what is served no broader than the ceiling, or is a country
                sources = [positions for served, positions in self.served.items()
                           if self.breadth(served) <= broadest]
                reaches = [self.reach[served] for served in self.served
                           if self.breadth(served) <= broadest]
            countries: Iterable[str] = index.member_countries
        else:
            within = [a for a in regions if not capped or self.breadth(a) <= broadest]
            sources = [self.served[a] for a in within if a in self.served]
            reaches = [self.reach[a] for a in within if a in self.served]
            countries = [r for r in regions if r in index.member_countries]
        own = sorted(self.position[country] for country in countries
                     if not capped or self.breadth(country) <= broadest)
        if own and (region is not None or capped):
            country_positions = np.array(own, dtype=_POSITION)
            sources.append(country_positions)
            reaches.append(self._reach(country_positions))
        in_sector = None if sector is None else self._in_sector(sector, sectors)
        if in_sector is not None:  # before the union: fewer positions to merge
            sources = [positions[in_sector[positions]] for positions in sources]
        direct = _union(sources)
        source, reached = _NONE, _NONE
        if reaches:
            source = np.concatenate([r.sources for r in reaches])
            reached = np.concatenate([r.networks for r in reaches])
            if capped:
                narrow = np.concatenate([r.breadths for r in reaches]) <= broadest
                source, reached = source[narrow], reached[narrow]
        if in_sector is not None:
            reached = reached[in_sector[source]]
        # depths are kept over the networks' own numbering (a network may also be a direct
        # cover, at depth 0); other positions are at depth 0 when direct, else unreached
        network_depth = np.full(len(self.networks), -1, dtype=np.int16)
        numbers = self.network_number[direct]
        network_depth[numbers[numbers >= 0]] = 0
        levels = [direct]
        marks = np.zeros(len(self.networks), dtype=bool)
        marks[reached] = True
        while True:
            candidates = np.flatnonzero(marks & (network_depth < 0))
            if not candidates.size:
                break
            network_depth[candidates] = len(levels)
            frontier = self.networks[candidates]  # sorted: networks are in position order
            levels.append(frontier)
            links = links_of(self.up_start, frontier)
            if capped:
                links = links[self.up_breadth[links] <= broadest]
            marks = np.zeros(len(self.networks), dtype=bool)
            marks[self.network_number[self.up[links]]] = True
        shown = self.providers if keep is None else self.providers & keep
        levels = [level[shown[level]] for level in levels]
        return CoverageWalk(self, regions, sectors, direct, network_depth, levels, broadest)


class Reach(NamedTuple):
    """The links up from a set of positions, as parallel arrays."""

    sources: np.ndarray  # the position each link starts from (sorted)
    networks: np.ndarray  # the network it reaches, in the networks' own numbering
    breadths: np.ndarray  # how broad it is (BREADTHS position; -1: no broader than its source)


_NONE = np.empty(0, dtype=_POSITION)


def _union(sorted_arrays: list[np.ndarray]) -> np.ndarray:
    """The sorted union of sorted position arrays (a stable sort merges the runs)."""
    if not sorted_arrays:
        return _NONE
    if len(sorted_arrays) == 1:
        return sorted_arrays[0]
    merged = np.sort(np.concatenate(sorted_arrays), kind="stable")
    if merged.size:
        merged = merged[np.concatenate(([True], merged[1:] != merged[:-1]))]
    return merged


@dataclass
class CoverageWalk:
    """The answer to one coverage question, in answer order; reasons on demand."""

    table: CoverageTable
    regions: list[str]  # the asked region and its ancestors, nearest first (none: any)
    sectors: list[str]  # the asked sector and its ancestors, nearest first (none: all)
    direct: np.ndarray  # the direct covers (sorted positions), results or not
    network_depth: np.ndarray  # each network's level (its own numbering; -1: unreached)
    levels: list[np.ndarray]
    broadest: int = WORLD  # the walk's ceiling (BREADTHS position)

    def __len__(self) -> int:
        return sum(int(level.size) for level in self.levels)

    def entities(self) -> list[str]:
        """Every result's IRI, in answer order, without the reasons (cheap: no walk up the
        member chains)."""
        iris = self.table.iris
        return [iris[int(p)] for level in self.levels for p in level]

    def page(self, offset: int = 0, limit: int | None = None) -> list[Coverage]:
        """Results ``offset`` to ``offset + limit`` (all with ``limit=None``), with reasons."""
        ordered = np.concatenate(self.levels) if self.levels else np.empty(0, _POSITION)
        stop = None if limit is None else offset + limit
        chains = [self._chain(int(p)) for p in ordered[offset:stop]]
        if not chains:
            return []
        table = self.table
        origins = np.array([chain[0] for chain in chains], dtype=_POSITION)
        countries = table.index.member_countries
        region_via = self._first_holders(origins, self.regions, table.served, countries)
        sector_via = self._first_holders(origins, self.sectors, table.users, frozenset())
        iris = table.iris
        return [Coverage(iris[chain[-1]], region, sector,
                         [iris[p] for p in chain] if len(chain) > 1 else [])
                for chain, region, sector in zip(chains, region_via, sector_via, strict=True)]

    def _chain(self, position: int) -> list[int]:
        """The member chain up to ``position``: its origin (a direct cover) first, each link
        down from a network going to its eligible member that comes first by name."""
        table = self.table
        chain = [position]
        number = int(table.network_number[position])
        top = int(self.network_depth[number]) if number >= 0 else 0
        for level in range(top - 1, -1, -1):
            network = chain[-1]
            members = table.down[table.down_start[network]:table.down_start[network + 1]]
            eligible = self.depth(members) == level
            if table.country_span[network] > self.broadest:  # too broad through its countries
                eligible &= ~table.member_country[members]
            chain.append(int(members[eligible].min()))
        chain.reverse()
        return chain

    def depth(self, positions: np.ndarray) -> np.ndarray:
        """The level of each of ``positions`` in this walk (0: a direct cover; -1: not
        reached)."""
        table = self.table
        depth = np.full(positions.size, -1, dtype=np.int16)
        numbers = table.network_number[positions]
        networks = numbers >= 0
        depth[networks] = self.network_depth[numbers[networks]]
        if self.direct.size:
            at = np.minimum(np.searchsorted(self.direct, positions), self.direct.size - 1)
            depth[self.direct[at] == positions] = 0
        return depth

    def _first_holders(self, origins: np.ndarray, order: list[str],
                       holders: Mapping[str, np.ndarray],
                       themselves: Collection[str]) -> list[str | None]:
        """For each origin, the first of ``order`` (regions or sectors, nearest first)
        whose ``holders`` (sorted positions) include it, or that is the origin itself and
        in ``themselves`` (a member country is its own region); None where none is."""
        found = np.full(origins.size, -1, dtype=np.int64)
        position = self.table.position
        for rank, value in enumerate(order):
            open_ = found < 0
            if not open_.any():
                break
            held = holders.get(value)
            hit = np.zeros(origins.size, dtype=bool)
            if held is not None and held.size:
                at = np.minimum(np.searchsorted(held, origins), held.size - 1)
                hit = held[at] == origins
            if value in themselves and value in position:
                hit |= origins == position[value]
            found[hit & open_] = rank
        return [order[int(rank)] if rank >= 0 else None for rank in found]


NACE_REVISIONS = {"http://data.europa.eu/ux2/nace2.1/": "NACE Rev. 2.1",
                  "http://data.europa.eu/ux2/nace2/": "NACE Rev. 2"}
"""The namespaces of NACE concepts, and how an explanation names their revision."""


def nace_revision(iri: str) -> str | None:
    """``NACE Rev. 2.1`` or ``NACE Rev. 2`` for a NACE concept's IRI, else None.

    >>> nace_revision("http://data.europa.eu/ux2/nace2/6201"), nace_revision("urn:x")
    ('NACE Rev. 2', None)
    """
    return next((name for namespace, name in NACE_REVISIONS.items()
                 if iri.startswith(namespace) and "/" not in iri[len(namespace):]), None)


def sector_reason(index: GraphIndex, asked: str, named: str, name: Callable[[str], str]) -> str:
    """Why naming the sector ``named`` covers the sector ``asked`` (``named`` is one of
    ``asked``'s :meth:`~smekg.queries.graph_index.GraphIndex.sector_ancestors`), for an
    explanation; ``name`` names a sector (``25 (Manufacture of ...)``).

    Within one revision: "names 25 (...), which contains 25.11 (...)". Across revisions,
    each step through a link is said, with the revisions: "names NACE Rev. 2 62 (...), the
    same as NACE Rev. 2.1 62 (...) (the same code and title), which contains NACE Rev. 2.1
    62.10 (...)".

    Examples
    --------
    >>> index = GraphIndex()
    >>> a, b = "http://data.europa.eu/ux2/nace2.1/62", "http://data.europa.eu/ux2/nace2/62"
    >>> index.broader[a + "10"].append(a)
    >>> index.matches[a].append(b)
    >>> sector_reason(index, a + "10", b, lambda iri: iri.rsplit("/", 1)[-1])
    'names NACE Rev. 2 62, the same as NACE Rev. 2.1 62 (the same code and title), which \
contains NACE Rev. 2.1 6210'
    >>> sector_reason(index, a + "10", a, lambda iri: iri.rsplit("/", 1)[-1])
    'names 62, which contains 6210'
    """
    if named == asked:
        return f"names {name(named)} itself"
    path = index.sector_path(asked, named)
    if not any(step == "same" for _, step in path):
        return f"names {name(named)}, which contains {name(asked)}"

    def shown(iri: str) -> str:
        revision = nace_revision(iri)
        return f"{revision} {name(iri)}" if revision else name(iri)

    # down from the sector named to the one asked: each link said, each run of broader
    # steps said once (by the node where it ends)
    down = list(reversed(path))
    parts = [f"names {shown(named)}"]
    for position in range(1, len(down)):
        node, step = down[position][0], down[position - 1][1]
        if step == "same":
            parts.append(f", the same as {shown(node)} (the same code and title)")
        elif position == len(down) - 1 or down[position][1] == "same":
            parts.append(f", which contains {shown(node)}")
    return "".join(parts)


def links_of(start: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """The links of every source, concatenated (compressed-row gather): positions in the
    targets array whose rows ``start`` delimits."""
    begin, end = start[sources], start[sources + 1]
    counts = end - begin
    total = int(counts.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(begin - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(total)


def coverage(
    index: GraphIndex,
    region: str | None = None,
    sector: str | None = None,
) -> list[Coverage]:
    """Providers covering ``region`` and ``sector`` (IRIs; None for any), with reasons.

    Direct covers come first, then networks reached through their members, shortest
    chain first; by name, then IRI, within each.
    """
    return coverage_table(index).walk(region, sector).page()

"""An in-memory index of the graph's structure: names, kinds, hierarchies, scope, memberships.

It is built from a handful of named queries (``queries/index/*.rq``) run on any backend,
and rebuilt when the backend's data version changes. It answers what SPARQL engines
answer slowly: coverage walks (a region's ancestors, then whoever serves them, then up
the membership links: thousands of joins in one query, a few dictionary look-ups here),
accent-insensitive search, and code resolution with suggestions.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from smekg.core.backends import GraphBackend, Row, row_iri
from smekg.ontology import CV, DCTERMS, SCHEMA, SKOS, SMEKG
from smekg.queries.models import EntityRef
from smekg.queries.registry import QUERY_DIR, NamedQuery, load_registry
from smekg.reference.sectors import nace2_english_titles

_ONT = str(SMEKG)

# Most specific first: an entity's kind is the first of its classes in this list.
KIND_CLASSES: dict[str, str] = {
    "network": f"{_ONT}Network",
    "project": f"{_ONT}Project",
    "good-practice": f"{_ONT}GoodPractice",
    "programme": f"{_ONT}Programme",
    "policy": f"{_ONT}Policy",
    "publication": f"{_ONT}Publication",
    "event": f"{_ONT}Event",
    "world": f"{_ONT}World",
    "continent": f"{_ONT}Continent",
    "country": f"{_ONT}Country",
    "nuts-region": f"{_ONT}NutsRegion",
    "subdivision": f"{_ONT}Subdivision",
    "region": f"{_ONT}Region",
    "sector": f"{_ONT}Sector",
    "source-document": f"{_ONT}SourceDocument",
    "organisation": f"{_ONT}Organisation",
}
_CLASS_KIND = {iri: kind for kind, iri in KIND_CLASSES.items()}
_KINDS = list(KIND_CLASSES)
_KIND_RANK = {iri: rank for rank, iri in enumerate(KIND_CLASSES.values())}
_NO_KIND = len(_KINDS)

PROVIDER_KINDS = ("organisation", "network", "project", "programme", "good-practice")
"""The kinds of entity that provide support: what coverage lists and gaps count.

Organisations of every type (agencies, chambers, intermediaries, ...), networks,
projects (a project covers what its partners cover, as a network covers what its members
do), programmes and good practices. Any other entity is a provider only
when the data says it provides a service (``smekg:providesService``): a member country is
otherwise a reason in a chain (a network covers a region through its member country), and
policies and publications frame support rather than provide it.
"""
PROVIDER_CLASSES = frozenset(KIND_CLASSES[kind] for kind in PROVIDER_KINDS)

BREADTHS = ("nuts3", "nuts2", "nuts1", "country", "continent", "world")
"""Region levels from the narrowest to the broadest (a region's :meth:`GraphIndex.breadth`
is a position in this tuple): the ceilings a gap count takes (``broadest``)."""
WORLD = len(BREADTHS) - 1
COUNTRY = BREADTHS.index("country")


def fold(text: str) -> str:
    """Lower-case ``text`` without accents, for matching.

    >>> fold("São Paulo – ÉMILIA")
    'sao paulo – emilia'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_MAX_REFS = 200_000


@dataclass(frozen=True)
class Name:
    entity: str
    text: str
    property: str  # prefLabel, altLabel, notation, identifier
    folded: str


@dataclass(eq=False)
class MembershipTerms:
    """Every membership with its role and period (``membership_terms``), one entry per row
    of that query, in parallel lists sorted by network, then member, role and dates: no
    object per membership (the index also serves graphs of a million organisations).

    The memberships of a network are one block (:meth:`of_network`); those of a member in
    a network, a run within it (:meth:`of_member`).

    >>> terms = MembershipTerms.of_rows([("o:b", "n:x", "r:chair", "2020", None),
    ...                                  ("o:a", "n:x", None, None, None),
    ...                                  ("o:a", "n:y", "r:member", None, "2024")])
    >>> [terms.members[i] for i in terms.of_network("n:x")], list(terms.of_network("n:z"))
    (['o:a', 'o:b'], [])
    >>> [(terms.roles[i], terms.until[i]) for i in terms.of_member("n:y", "o:a")]
    [('r:member', '2024')]
    """

    members: Sequence[str] = field(default_factory=list)
    roles: Sequence[str | None] = field(default_factory=list)
    since: Sequence[str | None] = field(default_factory=list)
    until: Sequence[str | None] = field(default_factory=list)
    blocks: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # network: start, stop

    @classmethod
    def of_rows(cls, rows: list[tuple[str, str, str | None, str | None, str | None]]
                ) -> MembershipTerms:
        """From ``(member, network, role, since, until)`` rows, in any order."""
        rows.sort(key=lambda r: (r[1], r[0], r[2] or "", r[3] or "", r[4] or ""))
        blocks: dict[str, tuple[int, int]] = {}
        for position, (_, network, _, _, _) in enumerate(rows):
            blocks[network] = (blocks.get(network, (position, 0))[0], position + 1)
        return cls(members=[r[0] for r in rows], roles=[r[2] for r in rows],
                   since=[r[3] for r in rows], until=[r[4] for r in rows], blocks=blocks)

    def of_network(self, network: str) -> range:
        """The positions of the memberships of ``network``."""
        return range(*self.blocks.get(network, (0, 0)))

    def of_member(self, network: str, member: str) -> range:
        """The positions of the memberships of ``member`` in ``network``."""
        start, stop = self.blocks.get(network, (0, 0))
        first = bisect_left(self.members, member, start, stop)
        return range(first, bisect_right(self.members, member, first, stop))


@dataclass(eq=False)  # compared and hashed by identity: derived tables are kept per index
class GraphIndex:
    """The structure of the graph, for fast walks (build it with :meth:`build`)."""

    version: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, AbstractSet[str]] = field(default_factory=lambda: defaultdict(set))
    broader: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    narrower: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    levels: Mapping[str, int] = field(default_factory=dict)
    # NUTS regions: the versions each is valid in (smekg:nutsVersion, sorted), those no
    # longer current (valid only in a version older than the newest of their country: the
    # NUTS 2021 regions NUTS 2024 replaced), and the NUTS-3 typology classes of each (as
    # stated, and with every broader class: what a typology filter matches).
    versions: Mapping[str, Sequence[str]] = field(default_factory=dict)
    superseded: AbstractSet[str] = field(default_factory=set)
    typologies: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    typology_classes: Mapping[str, AbstractSet[str]] = field(
        default_factory=lambda: defaultdict(set))
    # skos:exactMatch of sectors, as stated (NACE Rev. 2 <-> Rev. 2.1 of the same code and
    # title): the sector walks (sector_ancestors, sector_descendants) follow them.
    matches: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    matched_by: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    served_by: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    regions_of: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    sectors_of: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    sector_users: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    services_of: Mapping[str, AbstractSet[str]] = field(default_factory=lambda: defaultdict(set))
    networks_of: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    member_countries: AbstractSet[str] = field(default_factory=set)
    # the memberships with their role and period (what members and memberships list)
    terms: MembershipTerms = field(default_factory=MembershipTerms)
    # who is located where: each place an organisation's schema:location or smekg:country
    # names, with the organisations located there (sorted)
    located_at: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    by_key: Mapping[str, Sequence[str]] = field(default_factory=lambda: defaultdict(list))
    names: Sequence[Name] = field(default_factory=list)
    _refs: dict[str, EntityRef] = field(default_factory=dict, repr=False, compare=False)
    # tables derived from the others on first use (see _derived)
    _tables: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # The backend pinned to the version the index was read from (its snapshot): the
    # queries of an answer go through it, so labels and rows come from one version.
    backend: GraphBackend | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # kept on disk without the backend it was read from and what questions added
        return {**self.__dict__, "_refs": {}, "_tables": {}, "backend": None}

    @classmethod
    def build(cls, backend: GraphBackend) -> GraphIndex:
        """Read the structure of the graph from a snapshot of ``backend`` (kept as the
        index's ``backend``: see :meth:`GraphBackend.snapshot`)."""
        queries = load_registry(QUERY_DIR / "index")
        backend = backend.snapshot()
        tags: defaultdict[str, set[str]] = defaultdict(set)
        for row in backend.select(queries["types"], {}):
            tags[row_iri(row, "entity")].add(row_iri(row, "tag"))
        labels: dict[str, str] = {}
        codes: dict[str, str] = {}
        by_key: defaultdict[str, list[str]] = defaultdict(list)
        names: list[Name] = []
        pref, alt = str(SKOS.prefLabel), str(SKOS.altLabel)
        notation, identifier = str(SKOS.notation), str(DCTERMS.identifier)
        short = {pref: "name", alt: "other name", notation: "code", identifier: "id"}
        titles = nace2_english_titles()
        for row in sorted(backend.select(queries["names"], {}), key=_name_order):
            entity, prop, text = row_iri(row, "entity"), row_iri(row, "property"), str(row["name"])
            if prop == pref:
                labels.setdefault(entity, text)
                if titles.get(entity) == text:
                    # NACE Rev. 2 has a name per language; its label is the English title.
                    # Which name is English cannot be read from these rows on every backend
                    # (the Neo4j projection keeps no language tags), so the bundled English
                    # titles say it: the label is the English title wherever the graph has it.
                    labels[entity] = text
            elif prop in (notation, identifier):
                codes.setdefault(entity, text)
                by_key[text.casefold()].append(entity)
            names.append(Name(entity, text, short[prop], fold(text)))
        broader: defaultdict[str, list[str]] = defaultdict(list)
        narrower: defaultdict[str, list[str]] = defaultdict(list)
        levels: dict[str, int] = {}
        for row in backend.select(queries["hierarchy"], {}):
            concept = row_iri(row, "concept")
            up = row_iri(row, "broader") if "broader" in row else None
            if up is not None and up not in broader[concept]:
                broader[concept].append(up)
                narrower[up].append(concept)
            if "level" in row:
                levels[concept] = int(row["level"])
        matches: defaultdict[str, list[str]] = defaultdict(list)
        matched_by: defaultdict[str, list[str]] = defaultdict(list)
        for row in backend.select(queries["sector_matches"], {}):
            concept, same = row_iri(row, "sector"), row_iri(row, "same")
            if same != concept and same not in matches[concept]:
                matches[concept].append(same)
                matched_by[same].append(concept)
        served_by: defaultdict[str, list[str]] = defaultdict(list)
        regions_of: defaultdict[str, list[str]] = defaultdict(list)
        sectors_of: defaultdict[str, list[str]] = defaultdict(list)
        sector_users: defaultdict[str, list[str]] = defaultdict(list)
        services_of: defaultdict[str, set[str]] = defaultdict(set)
        served, sector = str(SCHEMA.areaServed), str(CV.sector)
        service = str(SMEKG.providesService)
        for row in backend.select(queries["scope"], {}):
            entity, prop = row_iri(row, "entity"), row_iri(row, "property")
            value = row_iri(row, "value")
            if prop == served:
                served_by[value].append(entity)
                regions_of[entity].append(value)
            elif prop == sector:
                sectors_of[entity].append(value)
                sector_users[value].append(entity)
            elif prop == service:
                services_of[entity].add(value)
        networks_of: defaultdict[str, list[str]] = defaultdict(list)
        member_countries: set[str] = set()
        country = KIND_CLASSES["country"]
        for row in backend.select(queries["membership_links"], {}):
            member = row_iri(row, "member")
            networks_of[member].append(row_iri(row, "network"))
            if country in tags.get(member, ()):
                member_countries.add(member)
        for mapping in (broader, narrower, served_by, regions_of, sectors_of, sector_users,
                        networks_of, matches, matched_by, by_key):
            # stable, engine-independent order: every walk visits IRIs in sorted order
            for values in mapping.values():
                values.sort()
        index = cls(version=backend.data_version(), backend=backend, labels=labels,
                    codes=codes, tags=tags, broader=broader, narrower=narrower,
                    levels=levels, matches=matches, matched_by=matched_by,
                    served_by=served_by, regions_of=regions_of, sectors_of=sectors_of,
                    sector_users=sector_users, services_of=services_of,
                    networks_of=networks_of, member_countries=member_countries,
                    by_key=by_key, names=names)
        index._read_nuts(backend, queries)
        index._read_memberships_and_locations(backend, queries)
        return index

    def _read_memberships_and_locations(self, backend: GraphBackend,
                                        queries: dict[str, NamedQuery]) -> None:
        """The memberships with their terms (:attr:`terms`) and who is located where
        (:attr:`located_at`): one string object per IRI or value, whatever the number of
        rows that name it."""
        shared: dict[str, str] = {iri: iri for iri in self.tags}

        def one(text: str) -> str:
            return shared.setdefault(text, text)

        def term(row: Row, column: str) -> str | None:
            value = row.get(column)
            return None if value is None else one(str(value))

        self.terms = MembershipTerms.of_rows([
            (one(row_iri(row, "member")), one(row_iri(row, "network")), term(row, "role"),
             term(row, "since"), term(row, "until"))
            for row in backend.select(queries["membership_terms"], {})])
        located: defaultdict[str, set[str]] = defaultdict(set)
        for row in backend.select(queries["locations"], {}):
            located[one(row_iri(row, "located"))].add(one(row_iri(row, "organisation")))
        self.located_at = {place: sorted(organisations)
                           for place, organisations in sorted(located.items())}

    def _read_nuts(self, backend: GraphBackend, queries: dict[str, NamedQuery]) -> None:
        """The NUTS versions and typologies of the regions (see :attr:`versions`)."""
        versions: defaultdict[str, set[str]] = defaultdict(set)
        for row in backend.select(queries["nuts_versions"], {}):
            versions[row_iri(row, "region")].add(str(row["version"]))
        self.versions = {region: sorted(found) for region, found in versions.items()}
        newest: dict[str, str] = {}  # by NUTS country code
        for region, found in self.versions.items():
            country = self.codes.get(region, "")[:2]
            newest[country] = max(newest.get(country, ""), found[-1])
        self.superseded = {region for region, found in self.versions.items()
                           if newest[self.codes.get(region, "")[:2]] not in found}
        typologies: defaultdict[str, list[str]] = defaultdict(list)
        typology_classes: defaultdict[str, set[str]] = defaultdict(set)
        for row in backend.select(queries["typologies"], {}):
            region, typology = row_iri(row, "region"), row_iri(row, "typology")
            if typology not in typologies[region]:
                typologies[region].append(typology)
            typology_classes[region].add(typology)
            if "broader" in row:
                typology_classes[region].add(row_iri(row, "broader"))
        for values in typologies.values():
            values.sort()
        self.typologies, self.typology_classes = typologies, typology_classes

    # -- what an entity is --------------------------------------------------------
    def kind(self, iri: str) -> str | None:
        """The most specific kind of ``iri`` (``network``, ``country``, ...)."""
        tags = self.tags.get(iri)
        if not tags:
            return None
        # the first kind of KIND_CLASSES the entity has (an entity has a few tags)
        best = min((_KIND_RANK.get(tag, _NO_KIND) for tag in tags), default=_NO_KIND)
        return None if best == _NO_KIND else _KINDS[best]

    def ref(self, iri: str) -> EntityRef:
        """The reference to ``iri`` that answers carry (one shared, immutable object per
        entity: coverage pages name the same regions, sectors and networks over and over)."""
        ref = self._refs.get(iri)
        if ref is None:
            if len(self._refs) >= _MAX_REFS:  # bounded: a walk over a huge graph stays small
                self._refs.clear()
            ref = EntityRef.model_construct(iri=iri, label=self.label(iri), type=self.kind(iri),
                                            code=self.codes.get(iri))
            self._refs[iri] = ref
        return ref

    def is_provider(self, iri: str) -> bool:
        """Whether ``iri`` provides support: an entity of one of the :data:`PROVIDER_KINDS`,
        or one the data says provides a service."""
        return not PROVIDER_CLASSES.isdisjoint(self.tags.get(iri, ())) or bool(
            self.services_of.get(iri))

    def label(self, iri: str) -> str:
        """The name of ``iri``, else its code, else the IRI itself."""
        return self.labels.get(iri) or self.codes.get(iri) or iri

    def has(self, iri: str) -> bool:
        return iri in self.tags or iri in self.labels or iri in self.broader

    # -- networks and locations ----------------------------------------------------------
    def _derived(self, name: str) -> Any:
        table = self._tables.get(name)
        if table is None:  # built once per index (two threads may both build it: the same)
            table = self._tables.setdefault(name, getattr(self, f"_build_{name}")())
        return table

    def network_counts(self) -> list[tuple[str, int, int, int]]:
        """Every network (sorted) with its numbers of direct members, of member networks
        and of member countries (what ``networks.rq`` counts), from :attr:`networks_of`."""
        result: list[tuple[str, int, int, int]] = self._derived("network_counts")
        return result

    def _build_network_counts(self) -> list[tuple[str, int, int, int]]:
        network, country = KIND_CLASSES["network"], KIND_CLASSES["country"]
        counts: dict[str, list[int]] = {iri: [0, 0, 0] for iri, tags in self.tags.items()
                                        if network in tags}
        for member, networks in self.networks_of.items():
            tags = self.tags.get(member, ())
            is_network, is_country = network in tags, country in tags
            for iri in set(networks):
                count = counts.get(iri)
                if count is not None:
                    count[0] += 1
                    count[1] += is_network
                    count[2] += is_country
        return [(iri, count[0], count[1], count[2]) for iri, count in sorted(counts.items())]

    def _build_places(self) -> list[tuple[str, int, frozenset[str]]]:
        # each place organisations are located in, with its number of ancestors (how
        # precise it is) and its ancestors
        return [(place, len(up), frozenset(up))
                for place in sorted(self.located_at) for up in [self.ancestors(place)]]

    def located_in(self, region: str, tag: str | None = None) -> dict[str, str]:
        """The organisations located in ``region`` or a region within it (of the kind or
        type ``tag``, if given), each with its most precise location there: of its
        locations within ``region``, the one with most ancestors (the first by IRI of
        equally precise ones)."""
        places: list[tuple[str, int, frozenset[str]]] = self._derived("places")
        best: dict[str, str] = {}
        precision: dict[str, int] = {}
        for place, depth, up in places:
            if region not in up:
                continue
            for organisation in self.located_at[place]:
                if precision.get(organisation, -1) < depth:
                    best[organisation] = place
                    precision[organisation] = depth
        if tag is not None:
            tags = self.tags
            best = {org: place for org, place in best.items() if tag in tags.get(org, ())}
        return best

    def located_count(self, region: str) -> int:
        """How many organisations are located in ``region`` or a region within it."""
        places: list[tuple[str, int, frozenset[str]]] = self._derived("places")
        within = [self.located_at[place] for place, _, up in places if region in up]
        if len(within) == 1:
            return len(within[0])
        return len({organisation for found in within for organisation in found})

    # -- hierarchies ----------------------------------------------------------------
    def ancestors(self, iri: str) -> list[str]:
        """``iri`` and everything broader, nearest first (breadth first, sorted ties)."""
        order, seen = [iri], {iri}
        position = 0
        while position < len(order):
            for parent in self.broader.get(order[position], ()):
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
            position += 1
        return order

    # -- sectors: the hierarchy and the links between revisions ----------------------
    def sector_ancestors(self, iri: str) -> list[str]:
        """``iri`` and every sector that contains it, nearest first: following
        ``skos:broader`` and ``skos:exactMatch`` (as stated) in any order, breadth first.

        A sector the same as one containing ``iri`` contains it too: NACE Rev. 2.1 class
        62.10 lies in division 62, the same (code and title) as NACE Rev. 2 division 62,
        which lies in Rev. 2 section J.

        >>> index = GraphIndex()
        >>> index.broader.update({"v21:6210": ["v21:62"], "v21:62": ["v21:K"],
        ...                       "v2:62": ["v2:J"]})
        >>> index.matches.update({"v21:62": ["v2:62"], "v2:62": ["v21:62"]})
        >>> index.sector_ancestors("v21:6210")
        ['v21:6210', 'v21:62', 'v21:K', 'v2:62', 'v2:J']
        """
        return [node for node, _ in self._sector_walk(iri, self.broader, self.matches)]

    def sector_descendants(self, iri: str) -> list[str]:
        """Every sector within ``iri`` (not itself), following the inverse links of
        :meth:`sector_ancestors` (``skos:broader`` and ``skos:exactMatch`` read backwards) in
        any order, breadth first: what a provider naming ``iri`` covers besides ``iri``, so
        that ``b`` is here exactly when ``iri`` is among ``b``'s sector ancestors.

        >>> index = GraphIndex()
        >>> index.narrower.update({"v2:J": ["v2:62"], "v21:62": ["v21:6210"]})
        >>> index.matched_by.update({"v21:62": ["v2:62"], "v2:62": ["v21:62"]})
        >>> index.sector_descendants("v2:J")
        ['v2:62', 'v21:62', 'v21:6210']
        """
        return [node for node, _ in self._sector_walk(iri, self.narrower, self.matched_by)][1:]

    def sector_path(self, narrow: str, broad: str) -> list[tuple[str, str]]:
        """How ``broad`` contains ``narrow`` (one of :meth:`sector_ancestors`): the nodes of a
        shortest path from ``narrow`` up to ``broad``, each with the step that reached it
        (``"broader"`` or ``"same"``; the first, ``narrow`` itself, with ``""``). Empty
        when ``broad`` does not contain ``narrow``.

        >>> index = GraphIndex()
        >>> index.broader.update({"v21:6210": ["v21:62"], "v2:62": ["v2:J"]})
        >>> index.matches.update({"v21:62": ["v2:62"]})
        >>> index.sector_path("v21:6210", "v2:J")
        [('v21:6210', ''), ('v21:62', 'broader'), ('v2:62', 'same'), ('v2:J', 'broader')]
        """
        walk = self._sector_walk(narrow, self.broader, self.matches)
        reached = dict(walk)
        if broad not in reached:
            return []
        path = [broad]
        while path[-1] != narrow:
            path.append(reached[path[-1]][0])
        return [(node, reached[node][1]) for node in reversed(path)]

    @staticmethod
    def _sector_walk(iri: str, hierarchy: Mapping[str, Sequence[str]],
                     same: Mapping[str, Sequence[str]]) -> list[tuple[str, tuple[str, str]]]:
        """Breadth first from ``iri`` over ``hierarchy`` and ``same``: each node with the
        node it was reached from and how (``("", "")`` for ``iri``)."""
        order: list[tuple[str, tuple[str, str]]] = [(iri, ("", ""))]
        seen = {iri}
        position = 0
        while position < len(order):
            node = order[position][0]
            for step, targets in (("broader", hierarchy.get(node, ())),
                                  ("same", same.get(node, ()))):
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        order.append((target, (node, step)))
            position += 1
        return order

    def breadth(self, region: str) -> int:
        """How broad ``region`` is: its position in :data:`BREADTHS` (0 for NUTS 3, ...,
        :data:`WORLD` for the world).

        NUTS regions by their level, countries, continents and the world by their kind. An
        ISO 3166-2 subdivision counts as the NUTS level of its depth below its country (a
        first-level subdivision as ``nuts1``, one within it as ``nuts2``, deeper ones as
        ``nuts3``); a region in no country, as the world.

        >>> index = GraphIndex()
        >>> index.tags.update({"r:IT": {KIND_CLASSES["country"]},
        ...                    "r:GB-KEN": {KIND_CLASSES["subdivision"]},
        ...                    "r:GB-ENG": {KIND_CLASSES["subdivision"]},
        ...                    "r:GB": {KIND_CLASSES["country"]}})
        >>> index.broader.update({"r:GB-KEN": ["r:GB-ENG"], "r:GB-ENG": ["r:GB"]})
        >>> [BREADTHS[index.breadth(r)] for r in ("r:IT", "r:GB-ENG", "r:GB-KEN")]
        ['country', 'nuts1', 'nuts2']
        """
        kind = self.kind(region)
        if kind in ("country", "continent", "world"):
            return BREADTHS.index(kind)
        level = self.levels.get(region)
        if kind == "nuts-region" and level in (1, 2, 3):
            return COUNTRY - level
        node, steps = region, 0
        while steps <= len(BREADTHS):  # bounded: a cycle in broader links ends here
            if self.kind(node) == "country":
                return max(COUNTRY - steps, 0)
            parents = self.broader.get(node)
            if not parents:
                break
            node, steps = parents[0], steps + 1
        return WORLD

    def descendants(self, iri: str) -> list[str]:
        """Everything narrower than ``iri`` (not itself), breadth first."""
        order: list[str] = []
        seen = {iri}
        frontier = [iri]
        while frontier:
            nxt = []
            for node in frontier:
                for child in self.narrower.get(node, ()):
                    if child not in seen:
                        seen.add(child)
                        order.append(child)
                        nxt.append(child)
            frontier = nxt
        return order


def _name_order(row: Row) -> tuple[str, str, bool, str]:
    # A fixed order, so the first name (the label) is the same whatever the engine's row
    # order: names in the Latin script first (of a Greek or Cyrillic NUTS name and its
    # transliteration, the label is "Attiki"), then by the text.
    name = str(row["name"])
    return (row_iri(row, "entity"), row_iri(row, "property"), not _latin(name), name)


def _latin(text: str) -> bool:
    """Whether every letter of ``text`` is of the Latin script.

    >>> _latin("Île-de-France"), _latin("Αττική"), _latin("Aττική"), _latin("62.01")
    (True, False, False, True)
    """
    return text.isascii() or all(unicodedata.name(char, "").startswith("LATIN")
                                 for char in text if char.isalpha())

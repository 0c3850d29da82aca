"""The named queries, answered: what the REST API and ``smekg query`` call.

:class:`QueryService` binds and checks parameters (:mod:`smekg.queries.params`), runs the
named queries on a backend (:mod:`smekg.core.backends`), and shapes the answers
(:mod:`smekg.queries.models`), naming every entity with its label, kind and code.

Examples
--------
>>> from smekg.core.backends.oxigraph import OxigraphBackend
>>> service = QueryService(OxigraphBackend(store_path), Minter(base_iri))  # doctest: +SKIP
>>> answer = service.coverage(region="ITH55", sector="C25")  # doctest: +SKIP
>>> answer.results[0].match.explanation[:60]  # doctest: +SKIP
'serves ITH5 (Emilia-Romagna), which contains ITH55 (Bologna)'
"""

from __future__ import annotations

import gc
import heapq
import logging
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from smekg.core.backends import (
    GraphBackend,
    Iri,
    Row,
    Value,
    row_int,
    row_iri,
)
from smekg.core.iri import Minter
from smekg.ontology import CV, DCTERMS, FOAF, SCHEMA, SKOS, SMEKG
from smekg.queries.coverage import (
    Coverage,
    CoverageTable,
    coverage_table,
    links_of,
    sector_reason,
)
from smekg.queries.graph_index import BREADTHS, COUNTRY, WORLD, GraphIndex, fold
from smekg.queries.index_cache import KeptNames, load_index, save_index
from smekg.queries.models import (
    CompareAnswer,
    CoverageAnswer,
    CoverageItem,
    CoverageMatch,
    EntityDetail,
    EntityRef,
    Fact,
    GapCell,
    GapsAnswer,
    LineageEdge,
    Member,
    Membership,
    PartnerProject,
    ProjectDetail,
    ProjectPartner,
    ProjectRow,
    ProjectSource,
    RegionSide,
    SearchHit,
)
from smekg.queries.params import (
    REGION_LEVELS,
    SECTOR_LEVELS,
    Binder,
    ParamError,
    provider_kinds,
    typology_notations,
)
from smekg.queries.projects import amount as parse_amount
from smekg.queries.projects import as_text, project_row, project_table
from smekg.queries.registry import NamedQuery, Param, load_registry
from smekg.reference.resolve import Resolver

DEFAULT_LIMIT = 100
COVERAGE_LIMIT = 20
"""The default page of a coverage answer: each result carries its explanation, so a page
costs what it holds (building, serialising and sending 100 results was two thirds of a
``/coverage`` request at 100k organisations; 20 is a screenful, ``limit`` asks for more)."""
_PLACE_KINDS = {"world", "continent", "country", "nuts-region", "subdivision", "region", "sector"}
MAX_LIMIT = 10_000
_T = TypeVar("_T")
logger = logging.getLogger(__name__)

# Queries computed from others (no text of their own), declared like the .rq ones.
COMPOSITES = {
    "gaps": NamedQuery(
        name="gaps",
        description="The region x sector cells that no provider covers: every region at a "
        "level within a scope, crossed with every sector at a level (within a sector, if "
        "given). A cell is covered when a provider covers the region and the sector (as in "
        "coverage), counting only coverage no broader than a level (broadest) and providers "
        "of some kinds (kinds), if given; providers serving only part of a cell are counted "
        "as partial.",
        params=(
            Param("scope", "region", "the area to look in", required=False, default="world"),
            Param("region_level", "level", "country, nuts1, nuts2 or nuts3", required=False,
                  default="nuts2"),
            Param("sector_level", "level", "section, division, group or class",
                  required=False, default="section"),
            Param("sector", "sector", "only sectors within this one", required=False),
            Param("type", "kind", "count only coverage by entities of this kind or type "
                  "(e.g. programme, good-practice, chamber)", required=False),
            Param("broadest", "breadth", "count only coverage no broader than this level "
                  "(nuts3, nuts2, nuts1, country, continent or world): country counts "
                  "providers serving the region, a region containing it, or its country",
                  required=False, default="world"),
            Param("kinds", "providers", "count only these kinds of provider, "
                  "comma-separated (e.g. organisation,programme; network; agency,chamber)",
                  required=False),
            Param("typology", "typology", "only NUTS-3 regions of all these typologies "
                  "(region_level must be nuts3)", required=False),
        ),
        sparql="",
        path=Path(__file__),
        example={"scope": "IT", "region_level": "nuts2", "sector_level": "section",
                 "broadest": "country"},
    ),
    "compare": NamedQuery(
        name="compare",
        description="Two regions side by side: who covers each (optionally for one sector), "
        "counts by kind, the organisations located in each, and who covers both or only one.",
        params=(
            Param("a", "region", "the first region"),
            Param("b", "region", "the second region"),
            Param("sector", "sector", "the sector (all sectors when left out)", required=False),
        ),
        sparql="",
        path=Path(__file__),
        example={"a": "ITH5", "b": "GB-KEN"},
    ),
}


TYPOLOGY = Param(
    "typology", "typology", "only coverage of NUTS-3 regions of all these typologies, "
    "comma-separated (within the region, if given): a provider covering one of them is a "
    "result (answered from the coverage index; the query text has no such filter)",
    required=False)
INDEX_PARAMS: dict[str, tuple[Param, ...]] = {"coverage": (TYPOLOGY,)}
"""Parameters of ``.rq`` queries that the service answers from the index, beyond those of
the query text (which never sees them: see :meth:`QueryService.rows`)."""


def all_queries() -> dict[str, NamedQuery]:
    """Every named query, the ``.rq`` ones and the composite ones, by name."""
    registry = {name: replace(query, params=(*query.params, *INDEX_PARAMS.get(name, ())))
                for name, query in load_registry().items()}
    return dict(sorted({**registry, **COMPOSITES}.items()))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Build an index without the cyclic garbage collector, then move what lives on into
    the permanent generation (``gc.freeze``).

    The index is millions of small objects that live until the next rebuild. Left to the
    collector, every full collection walks all of them: pauses of up to seconds in the
    middle of requests at 100k organisations (the p99 of ``/coverage``). Frozen, they are
    never walked; the previous index is unfrozen first so that its cycles (the coverage
    table refers back to its index) are still collected.
    """
    enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        if enabled:
            gc.enable()


_ANSWERING: ContextVar[dict[int, GraphIndex] | None] = ContextVar("smekg_answering",
                                                                  default=None)
"""The index each service answers the current request from (see
:meth:`QueryService.one_version`)."""


@dataclass(frozen=True)
class MembersSummary:
    """A page of a network's members and what is said of all of them
    (:meth:`QueryService.members_page`)."""

    count: int
    """Rows in all pages: a member for each membership, role and period."""
    page: list[Member]
    distinct: int
    """Distinct members at every depth."""
    direct: int
    """Distinct members at depth 1."""
    depth: int
    """The deepest member's depth."""
    kinds: Counter[str]
    """Distinct members by kind."""
    countries: list[EntityRef]
    """The member countries, by name."""


@dataclass(frozen=True)
class _NetworkMembers:
    """A network's member rows and what is said of them, for one index."""

    index: GraphIndex
    rows: list[tuple[str, str, int, int]]
    groups: list[tuple[int, int]]
    summary: MembersSummary


_NETWORKS_KEPT = 8
"""Networks whose members :meth:`QueryService.members_page` keeps between requests (a
network of networks at 100k organisations has 100k members at every depth: its pages are
read one after another)."""


class QueryService:
    """Answers the named queries on one backend.

    The graph index is rebuilt when the data version (the sources' checksums) changes. By
    default the check runs in the caller, at most every ``check_interval`` seconds, and a
    rebuild too (a command sees its own writes at once). A server calls
    :meth:`start_refresher` instead: a background thread then checks and rebuilds, beside
    the index being served, which goes on answering until the new one is swapped in (one
    assignment), so no request ever waits for a rebuild. Requests still check the data
    version at most every ``check_interval`` seconds (an unreachable backend is answered
    503, never from an index it can no longer confirm) and wake the refresher on a change.
    """

    def __init__(
        self, backend: GraphBackend, minter: Minter, *, check_interval: float = 1.0,
        index_cache: Path | None = None,
    ) -> None:
        self.backend = backend
        self.index_cache = index_cache  # a folder the index is kept in (index_cache.py)
        self.minter = minter
        self.queries = all_queries()
        self._check_interval = check_interval
        self._lock = threading.Lock()
        self._index: GraphIndex | None = None
        self._binder: Binder | None = None
        self._checked = 0.0
        self._refresher: threading.Thread | None = None
        self._stop = threading.Event()
        self._rebuilding = False
        self._wake = threading.Event()  # a request saw a new data version
        self._check_lock = threading.Lock()  # the version check, apart from a rebuild
        # the last few networks' members (members_page), for the index they were read from
        self._members: OrderedDict[tuple[str, bool], _NetworkMembers] = OrderedDict()
        # its own lock: self._lock is held through an index rebuild, which must not stall
        # requests answered from the current index
        self._members_lock = threading.Lock()
        # search's scan: the names' folded texts, entities and texts, as lists
        self._folded: tuple[GraphIndex, list[str], list[str], list[str]] | None = None

    # -- plumbing ----------------------------------------------------------------------
    @contextmanager
    def one_version(self) -> Iterator[None]:
        """Answer from one version of the data within: the first use of :attr:`index` picks
        the index, and every later use, and every query (:meth:`select`, which goes through
        the index's pinned backend), keeps to it, even if a new index is swapped in
        meanwhile. The API wraps each request in it, so an answer never mixes old and new.
        """
        held = _ANSWERING.get()
        token = _ANSWERING.set({} if held is None else held)
        try:
            yield
        finally:
            _ANSWERING.reset(token)

    @property
    def index(self) -> GraphIndex:
        """The graph index, rebuilt when the data has changed (checked once a second; by the
        background refresher once it is started); within :meth:`one_version`, the one the
        answer started from."""
        held = _ANSWERING.get()
        if held is None:
            return self._current_index()
        index = held.get(id(self))
        if index is None:
            index = held[id(self)] = self._current_index()
        return index

    @property
    def data(self) -> GraphBackend:
        """The backend pinned to the version the index was read from (the live one for an
        engine that cannot pin a version): what every query of an answer runs on."""
        return self.index.backend or self.backend

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        """Run ``query`` on the version of the data the index holds (see :attr:`data`)."""
        return self.data.select(query, params)

    def _current_index(self) -> GraphIndex:
        index = self._index
        if index is not None and self._refresher is not None:
            self._check_version(index)
            return index
        now = time.monotonic()
        if index is None or now - self._checked >= self._check_interval:
            with self._lock:
                if self._index is None or now - self._checked >= self._check_interval:
                    version = self.backend.data_version()
                    if self._index is None or self._index.version != version:
                        self._index = self._build()
                    self._checked = now
            index = self._index
        assert index is not None
        return index

    def _check_version(self, index: GraphIndex) -> None:
        """With the refresher running: check the data version at most every
        ``check_interval`` seconds (so that an unreachable backend is a
        :class:`~smekg.core.backends.BackendUnavailable`, answered 503, as without it), and
        wake the refresher
        when it changed; never rebuild here."""
        now = time.monotonic()
        if now - self._checked < self._check_interval:
            return
        with self._check_lock:
            if now - self._checked < self._check_interval:
                return
            version = self.backend.data_version()
            self._checked = time.monotonic()
            if version != index.version:
                self._wake.set()

    def _build(self) -> GraphIndex:
        """A new index of the backend's data, its coverage and project tables compiled
        (call it holding ``_lock``): the one kept in :attr:`index_cache` for the data's
        version, else one read from the graph (then kept there)."""
        self._rebuilding = True
        try:
            with _collector_paused():
                index = self._kept_index()
                if index is None:
                    index = GraphIndex.build(self.backend)
                    coverage_table(index)  # compiled now, not by the first request
                    if self.index_cache is not None:
                        save_index(self.index_cache, index)
                project_table(index)
                Resolver(self.minter).warm()  # the same for the parameters' lookup tables
            return index
        finally:
            self._rebuilding = False

    def _kept_index(self) -> GraphIndex | None:
        """The index kept in :attr:`index_cache` for the version of the backend's data (its
        snapshot pinned to it), if any."""
        if self.index_cache is None:
            return None
        backend = self.backend.snapshot()
        index = load_index(self.index_cache, backend.data_version())
        if index is not None:
            index.backend = backend
        return index

    def refresh(self) -> bool:
        """Check the data version now and, if it changed, build a new index and swap it in
        (the old one answers meanwhile); return whether it was rebuilt."""
        with self._lock:
            checked = time.monotonic()
            version = self.backend.data_version()
            # only a check that reached the backend counts: when it is away, requests must
            # find out themselves (and answer 503), not skip their check
            self._checked = checked
            if self._index is not None and self._index.version == version:
                return False
            self._index = self._build()  # one assignment: readers see the old or the new
            return True

    def start_refresher(self) -> None:
        """Check the data version every ``check_interval`` seconds in a background thread,
        rebuilding the index there when it changed (see the class notes)."""
        if self._refresher is not None:
            return
        self._stop.clear()
        self._refresher = threading.Thread(target=self._refresh_loop,
                                           name="smekg-index-refresher", daemon=True)
        self._refresher.start()

    def stop_refresher(self) -> None:
        """Stop the background refresher (waiting for a rebuild under way to end)."""
        refresher, self._refresher = self._refresher, None
        if refresher is not None:
            self._stop.set()
            self._wake.set()
            refresher.join()

    def _refresh_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._check_interval)
            if self._stop.is_set():
                break
            self._wake.clear()
            try:
                self.refresh()
            except Exception as error:  # e.g. the backend is down: tried again next time
                logger.warning("index refresh failed (still serving the previous "
                               "index): %s", error)

    def index_state(self) -> str:
        """``ready``, ``rebuilding`` (a new index is being built; the old one answers) or
        ``unavailable`` (no index yet: the backend could not be read)."""
        if self._rebuilding:
            return "rebuilding" if self._index is not None else "unavailable"
        return "ready" if self._index is not None else "unavailable"

    def index_ready(self) -> bool:
        """Whether the index is built and no data-version check is due, so that a question
        answered from it does no I/O and no rebuild (the async ``/coverage`` route answers on
        the event loop only then, else in the thread pool)."""
        return (self._index is not None
                and time.monotonic() - self._checked < self._check_interval)

    def _current_binder(self) -> Binder:
        index = self.index
        if self._binder is None or self._binder.index is not index:
            self._binder = Binder(index, self.minter)
        return self._binder

    def bind(
        self, name: str, raw: Mapping[str, object | None], notes: list[str] | None = None
    ) -> dict[str, Value]:
        """Checked, resolved parameters of the named query ``name`` (how a value was read
        by name or by an assumption goes to ``notes``, when given)."""
        return self._current_binder().bind(self.queries[name], raw, notes)

    def bind_spec(self, spec: NamedQuery, raw: Mapping[str, object | None]) -> dict[str, Value]:
        """Checked, resolved values of the parameters ``spec`` declares (for callers with
        parameters of their own, such as the analyses)."""
        return self._current_binder().bind(spec, raw)

    def rows(self, name: str, bound: Mapping[str, Value]) -> list[Row]:
        """The rows of the named query ``name`` (its text, with the parameters it declares:
        those the service answers from the index are left out, see :data:`INDEX_PARAMS`)."""
        query = load_registry().get(name, self.queries[name])
        own = {param.name for param in query.params}
        return self.select(query, {key: value for key, value in bound.items() if key in own})

    def ref(self, iri: str) -> EntityRef:
        return self.index.ref(iri)

    def _sort_key(self, iri: str) -> tuple[str, str]:
        return (self.index.label(iri).casefold(), iri)

    @staticmethod
    def _page(items: list[_T], offset: int, limit: int | None) -> list[_T]:
        end = None if limit is None else offset + limit
        return items[offset:end]

    def run(self, name: str, params: Mapping[str, str | None]) -> object:
        """Answer the named query ``name`` with raw (string) parameter values."""
        if name not in self.queries:
            raise ParamError("query", name, "no such named query",
                             suggestions=[q for q in self.queries if name in q or q in name])
        given = {key: value for key, value in params.items() if value is not None}
        self.bind(name, given)  # every parameter checked before anything runs
        if name in ("regions", "sectors"):
            return self.places(name, given.get("within"), given.get("level"),
                               given.get("typology"))
        return getattr(self, name)(**given)

    # -- coverage ----------------------------------------------------------------------
    def coverage(
        self,
        region: str | None = None,
        sector: str | None = None,
        type: str | None = None,
        service: str | None = None,
        typology: str | None = None,
        *,
        offset: int = 0,
        limit: int | None = COVERAGE_LIMIT,
    ) -> CoverageAnswer:
        """The providers covering ``region`` and ``sector``, each with why
        (:mod:`smekg.queries.coverage`): organisations, networks, programmes and good
        practices (:data:`~smekg.queries.graph_index.PROVIDER_KINDS`), never a member country
        on its own account (it is a reason, in a member chain).

        With ``typology`` (NUTS-3 typologies, comma-separated), the region asked is every
        NUTS-3 region of all of them within ``region`` (or anywhere): a provider covering
        one of them is a result (:meth:`typology_regions`)."""
        notes: list[str] = []
        bound = self.bind("coverage", {"region": region, "sector": sector, "type": type,
                                       "service": service, "typology": typology}, notes)
        index = self.index
        table = coverage_table(index)
        keep = None
        if "type" in bound:
            keep = table.mask("type", row_iri(bound, "type"), index.tags)
        if "service" in bound:
            provides = table.mask("service", row_iri(bound, "service"), index.services_of)
            keep = provides if keep is None else keep & provides
        region_iri, sector_iri = _optional_iri(bound, "region"), _optional_iri(bound, "sector")
        typologies = str(bound["typology"]).split(",") if "typology" in bound else None
        asked: str | list[str] | None = region_iri
        if typologies is not None:
            asked = self.typology_regions(typologies, region_iri)
        walk = table.walk(asked, sector_iri, keep)
        page = walk.page(offset, limit)
        return CoverageAnswer(
            region=self.ref(region_iri) if region_iri is not None else None,
            sector=self.ref(sector_iri) if sector_iri is not None else None,
            type=type,
            service=service,
            typology=typologies,
            count=len(walk),
            offset=offset,
            limit=limit,
            notes=notes,
            results=self._coverage_items(page, bound,
                                         asked if isinstance(asked, list) else None),
        )

    def _coverage_items(self, hits: list[Coverage], bound: Mapping[str, Value],
                        typed: list[str] | None = None) -> list[CoverageItem]:
        """The results of a page, each with its explanation.

        Hits of a page share most of their reasons (the same region served, the same sector
        named), so each name, each reason and each direct match is made once per page."""
        index = self.index
        names: dict[str, str] = {}
        reasons: dict[tuple[str | None, bool, object, str | None], str] = {}
        direct: dict[tuple[str | None, str | None, str], CoverageMatch] = {}

        def name(iri: str) -> str:
            # places by code and name ("ITH5 (Emilia-Romagna)"), others by name
            found = names.get(iri)
            if found is None:
                code, label = index.codes.get(iri), index.labels.get(iri)
                if index.ref(iri).type in _PLACE_KINDS and code and label and code != label:
                    found = f"{code} ({label})"
                else:
                    found = label or code or iri
                names[iri] = found
            return found

        items = []
        for hit in hits:
            asked_region = bound.get("region")
            if typed is not None and hit.region_via is not None:
                # the region of the typologies asked that the hit covers (the first by code)
                asked_region = next(r for r in typed if hit.region_via in index.ancestors(r))
            origin = hit.member_chain[0] if hit.member_chain else hit.iri
            key = (hit.region_via, origin == hit.region_via, asked_region, hit.sector_via)
            explanation = reasons.get(key)
            if explanation is None:
                explanation = reasons[key] = self._coverage_reason(
                    hit, origin, asked_region, bound, name)
            match: CoverageMatch | None
            if hit.member_chain:
                match = CoverageMatch(
                    kind="through_members",
                    region=index.ref(hit.region_via) if hit.region_via else None,
                    sector=index.ref(hit.sector_via) if hit.sector_via else None,
                    all_sectors=hit.sector_via is None,
                    member_chain=[index.ref(iri) for iri in hit.member_chain],
                    explanation=self._chain_reason(hit.member_chain, explanation, name),
                )
            else:
                shared = (hit.region_via, hit.sector_via, explanation)
                match = direct.get(shared)  # not changed by anyone: shared within the page
                if match is None:
                    match = direct[shared] = CoverageMatch(
                        kind="direct",
                        region=index.ref(hit.region_via) if hit.region_via else None,
                        sector=index.ref(hit.sector_via) if hit.sector_via else None,
                        all_sectors=hit.sector_via is None, member_chain=[],
                        explanation=explanation)
            ref = index.ref(hit.iri)
            items.append(CoverageItem(iri=ref.iri, label=ref.label, type=ref.type,
                                      code=ref.code, match=match))
        return items

    def _coverage_reason(self, hit: Coverage, origin: str, asked_region: Value | None,
                         bound: Mapping[str, Value], name: Callable[[str], str]) -> str:
        """Why the origin of ``hit`` (the hit, or the first member of its chain) covers
        the region and sector asked."""
        asked_sector = bound.get("sector")
        of_typology = ""
        if "typology" in bound and hit.region_via is not None:
            of_typology = f", a region of typology {str(bound['typology']).replace(',', ' + ')}"
        parts = []
        if hit.region_via is not None:
            if origin == hit.region_via:
                parts.append("is a member country of a network" if hit.region_via ==
                             asked_region else f"is a member country of a network, and "
                             f"contains {name(str(asked_region))}{of_typology}")
            elif hit.region_via == asked_region:
                parts.append(f"serves {name(hit.region_via)} itself{of_typology}")
            else:
                parts.append(f"serves {name(hit.region_via)}, which contains "
                             f"{name(str(asked_region))}{of_typology}")
        if asked_sector is not None:
            if hit.sector_via is None:
                parts.append("names no sector, so covers all sectors")
            else:  # through the hierarchy and the links between NACE revisions
                parts.append(sector_reason(self.index, str(asked_sector), hit.sector_via,
                                           name))
        return "; ".join(parts) or "has a stated scope"

    def _chain_reason(self, member_chain: list[str], explanation: str,
                      name: Callable[[str], str]) -> str:
        """The explanation of a hit through its members: a project's members are its
        partners ("through its partners (A is a partner of P)"), a network's its members
        ("through its members (A → N)")."""
        index = self.index
        chain = name(member_chain[0])
        for below, above in pairwise(member_chain):
            if index.kind(above) == "project":
                chain += (" is a partner of " if below == member_chain[0]
                          else ", which is a partner of ") + name(above)
            else:
                chain += " → " + name(above)
        whose = "partners" if index.kind(member_chain[-1]) == "project" else "members"
        return f"through its {whose} ({chain}): {name(member_chain[0])} {explanation}"

    def coverage_sparql(
        self, region: str | None = None, sector: str | None = None,
        type: str | None = None, service: str | None = None,
    ) -> list[str]:
        """The IRIs the straightforward SPARQL formulation (``coverage.rq``) returns.

        The reference the index is tested and benchmarked against; slow on big graphs.
        """
        bound = self.bind("coverage", {"region": region, "sector": sector, "type": type,
                                       "service": service})
        return sorted({str(row["entity"]) for row in self.rows("coverage", bound)})

    # -- networks and members ----------------------------------------------------------
    def members(self, network: str, transitive: bool | str = False) -> list[Member]:
        """The members of ``network`` (with ``transitive``, of its member networks too).

        Answered from the index (its membership terms): the rows ``members.rq`` gives, a
        member for each membership, role and dates of the network and, with
        ``transitive``, of every network reached down the membership links."""
        bound = self.bind("members", {"network": network, "transitive": transitive})
        rows = self._member_rows(bound)
        rows.sort(key=self._member_order())
        return [self._member(row) for row in rows]

    def members_page(self, network: str, transitive: bool | str = False, *, offset: int = 0,
                     limit: int = DEFAULT_LIMIT) -> MembersSummary:
        """One page of :meth:`members` (the same order) with what a page about the network
        says of all of them, without building every member: a network of networks may
        have a hundred thousand members at every depth."""
        bound = self.bind("members", {"network": network, "transitive": transitive})
        index = self.index
        key = (str(row_iri(bound, "network")), bool(bound["transitive"]))
        with self._members_lock:
            found = self._members.get(key)
            if found is not None and found.index is index:
                self._members.move_to_end(key)
        if found is None or found.index is not index:
            found = self._network_members(bound)
            with self._members_lock:
                self._members[key] = found
                while len(self._members) > _NETWORKS_KEPT:
                    self._members.popitem(last=False)
        summary = found.summary
        return replace(summary, page=[self._member(row) for row in
                                      self._member_slice(found.rows, found.groups, offset,
                                                         limit)])

    def _network_members(self, bound: dict[str, Value]) -> _NetworkMembers:
        index = self.index
        rows = self._member_rows(bound)
        distinct = {member: depth for _, member, _, depth in reversed(rows)}
        summary = MembersSummary(
            count=len(rows), page=[],
            distinct=len(distinct), direct=sum(1 for d in distinct.values() if d == 1),
            depth=max(distinct.values(), default=0),
            kinds=Counter(index.kind(member) or "" for member in distinct),
            countries=sorted((self.ref(m) for m in distinct if index.kind(m) == "country"),
                             key=lambda ref: ref.label.casefold()))
        return _NetworkMembers(index, rows, self._member_groups(rows), summary)

    def _member_rows(self, bound: dict[str, Value]) -> list[tuple[str, str, int, int]]:
        # (network, member, membership position, depth) of each row members.rq gives
        index = self.index
        terms = index.terms
        root = row_iri(bound, "network")
        vias: list[str] = [root]
        links: defaultdict[str, set[str]] = defaultdict(set)
        for via in vias:  # grows as members are reached (breadth first)
            found = links[via]
            for position in terms.of_network(via):
                member = terms.members[position]
                if member not in found:
                    found.add(member)
                    if bound["transitive"] and member not in links:
                        links[member] = set()
                        vias.append(member)
        depth = _distances(root, links)
        return [(via, terms.members[position], position, depth[via] + 1)
                for via in vias for position in terms.of_network(via)]

    def _member_groups(self, rows: list[tuple[str, str, int, int]]) -> list[tuple[int, int]]:
        # Rows come grouped by network (all at one depth): the groups, (start, stop), in the
        # order of their (depth, network)
        order = self._member_order()
        if not rows:
            return []
        starts = [i for i in range(len(rows)) if i == 0 or rows[i][0] != rows[i - 1][0]]
        return sorted(zip(starts, [*starts[1:], len(rows)], strict=True),
                      key=lambda group: order(rows[group[0]])[:3])

    def _member_slice(self, rows: list[tuple[str, str, int, int]], groups: list[tuple[int, int]],
                      offset: int, limit: int) -> list[tuple[str, str, int, int]]:
        # only the groups the page falls in are sorted
        order = self._member_order()
        chosen: list[tuple[str, str, int, int]] = []
        position = 0  # of the group's first row in the whole order
        for start, stop in groups:
            if len(chosen) >= limit:
                break
            if position + (stop - start) > offset:
                group = sorted(rows[start:stop], key=order)
                chosen.extend(group[max(0, offset - position):][:limit - len(chosen)])
            position += stop - start
        return chosen

    def _member_order(self) -> Callable[[tuple[str, str, int, int]], tuple[Any, ...]]:
        # a total order (the REST pages follow it): depth, network, member, role, period
        terms, label = self.index.terms, self.index.label
        folded: dict[str, str] = {}

        def name(iri: str) -> str:
            text = folded.get(iri)
            if text is None:
                text = folded[iri] = label(iri).casefold()
            return text

        def key(row: tuple[str, str, int, int]) -> tuple[Any, ...]:
            via, member, position, depth = row
            return (depth, name(via), via, name(member), member,
                    self._role_name(terms.roles[position]) or "",
                    terms.since[position] or "", terms.until[position] or "")
        return key

    def _member(self, row: tuple[str, str, int, int]) -> Member:
        via, member, position, depth = row
        terms = self.index.terms
        return Member(**self.ref(member).model_dump(), network=self.ref(via),
                      role=self._role_name(terms.roles[position]), since=terms.since[position],
                      until=terms.until[position], depth=depth)

    def memberships(self, organisation: str, transitive: bool | str = False) -> list[Membership]:
        """The networks ``organisation`` is a member of (with ``transitive``, theirs too).

        Answered from the index: the rows ``memberships.rq`` gives, a membership for each
        membership, role and dates of the organisation and, with ``transitive``, of every
        network reached up the membership links."""
        bound = self.bind("memberships", {"organisation": organisation,
                                          "transitive": transitive})
        index = self.index
        terms = index.terms
        root = row_iri(bound, "organisation")
        vias: list[str] = [root]
        links: dict[str, set[str]] = {root: set()}
        for via in vias:  # grows as networks are reached (breadth first)
            for network in index.networks_of.get(via, ()):
                links[via].add(network)
                if bound["transitive"] and network not in links:
                    links[network] = set()
                    vias.append(network)
        depth = _distances(root, links)
        result = []
        for via in vias:
            member_ref = self.ref(via)
            for network in index.networks_of.get(via, ()):
                for position in terms.of_member(network, via):
                    result.append(Membership(
                        network=self.ref(network), member=member_ref,
                        role=self._role_name(terms.roles[position]),
                        since=terms.since[position], until=terms.until[position],
                        depth=depth[via] + 1,
                    ))
        # a total order (the REST pages follow it): depth, network, member, role, period
        result.sort(key=lambda m: (m.depth, m.network.label.casefold(), m.network.iri,
                                   m.member.label.casefold(), m.member.iri, m.role or "",
                                   m.since or "", m.until or ""))
        return result

    def _role_name(self, role: str | None) -> str | None:
        return self.index.codes.get(role, role) if role is not None else None

    def networks(self) -> list[dict[str, Any]]:
        """Every network with its numbers of members, member networks and member countries
        (answered from the index: what ``networks.rq`` counts)."""
        items = [{**self.ref(iri).model_dump(), "members": members,
                  "member_networks": networks, "member_countries": countries}
                 for iri, members, networks, countries in self.index.network_counts()]
        return sorted(items, key=lambda item: self._sort_key(item["iri"]))

    # -- organisations, places, sectors ----------------------------------------------
    def organisations(self, **filters: str | None) -> list[dict[str, Any]]:
        """Organisations matching every given filter (see ``organisations.rq``)."""
        bound = self.bind("organisations", filters)
        index = self.index
        iris = {str(row["organisation"]) for row in self.rows("organisations", bound)}
        return [self._organisation(iri) for iri in sorted(iris, key=self._sort_key)
                if index.has(iri)]

    def _organisation(self, iri: str, **extra: object) -> dict[str, Any]:
        index = self.index
        types = sorted(index.codes.get(t, t) for t in index.tags.get(iri, ())
                       if "type-" in t)
        return {**self.ref(iri).model_dump(), "types": types,
                "serves": [self.ref(r).model_dump() for r in index.regions_of.get(iri, ())],
                "sectors": [self.ref(s).model_dump() for s in index.sectors_of.get(iri, ())],
                "services": sorted(index.codes.get(s, s) for s in index.services_of.get(iri, ())),
                **extra}

    def located_count(self, region: str, type: str | None = None) -> int:
        """How many organisations (of the kind or type ``type``, if given) are located in
        ``region`` or a region within it (from the index)."""
        bound = self.bind("organisations_in_region", {"region": region, "type": type})
        index = self.index
        if "type" in bound:
            return len(index.located_in(row_iri(bound, "region"), row_iri(bound, "type")))
        return index.located_count(row_iri(bound, "region"))

    def organisations_in_region(
        self, region: str, type: str | None = None
    ) -> list[dict[str, Any]]:
        """Organisations located in ``region`` or a region within it."""
        return self.organisations_in_region_page(region, type)[1]

    def organisations_in_region_page(
        self, region: str, type: str | None = None, *, offset: int = 0,
        limit: int | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The number of organisations located in ``region`` or a region within it, and
        the ``limit`` after the first ``offset`` of them (by name), each with its most
        precise location there (:meth:`GraphIndex.located_in`: the rows of
        ``organisations_in_region.rq``, answered from the index)."""
        bound = self.bind("organisations_in_region", {"region": region, "type": type})
        index = self.index
        best = index.located_in(row_iri(bound, "region"), _optional_iri(bound, "type"))
        label = index.label

        def by_name(iri: str) -> tuple[str, str]:  # self._sort_key, without its look-ups
            return (label(iri).casefold(), iri)

        if limit is None:
            chosen = sorted(best, key=by_name)[offset:]
        else:
            chosen = heapq.nsmallest(offset + limit, best, key=by_name)[offset:]
        return len(best), [{**self._organisation(org),
                            "located_in": self.ref(best[org]).model_dump()} for org in chosen]

    def places(self, name: str, within: str | None, level: str | None,
               typology: str | None = None) -> list[dict[str, Any]]:
        """Regions (``name="regions"``) or sectors (``"sectors"``) within one, at a level.

        A region says the NUTS versions it is valid in (``versions``) and its NUTS-3
        typology classes (``typologies``); ``typology`` (regions only: NUTS-3 typologies,
        comma-separated) keeps the regions of all of them, which ``regions.rq`` does on
        every backend. Typologies classify NUTS-3 regions, so with ``typology`` a ``level``
        other than ``nuts3`` is a 422."""
        raw = {"within": within, "level": level}
        if name == "regions":
            raw["typology"] = typology
        bound = self.bind(name, raw)
        if "typology" in bound and "level" in bound and bound["level"] != 3:
            raise ParamError("level", str(level), "NUTS-3 typologies classify NUTS-3 regions: "
                             "with typology, level is nuts3 (or left out)", status=422,
                             suggestions=["nuts3"])
        column = "region" if name == "regions" else "sector"
        index = self.index
        items: dict[str, dict[str, Any]] = {}
        for row in self.rows(name, bound):
            iri = str(row[column])
            item = items.get(iri)
            if item is None:
                item = items[iri] = {**self.ref(iri).model_dump(),
                                     "level": index.levels.get(iri), "parents": []}
                if name == "regions":
                    item["versions"] = index.versions.get(iri, [])
                    item["typologies"] = [index.codes.get(t, t)
                                          for t in index.typologies.get(iri, ())]
            if "parent" in row:
                item["parents"].append(self.ref(row_iri(row, "parent")).model_dump())
        return sorted(items.values(), key=lambda i: (i["code"] or i["label"], i["iri"]))

    def typology_regions(self, typologies: list[str], within: str | None = None) -> list[str]:
        """The regions of all the NUTS-3 typologies ``typologies`` (notations, as the
        ``typology`` parameter binds them), within ``within`` or equal to it (anywhere when
        None), in code order: those whose typology classes, or classes narrower than them,
        include each one (``mountain`` matches a region stated ``mountain-surface``). The
        in-memory twin of the filter of ``regions.rq``."""
        index = self.index
        notations = typology_notations()
        wanted = {notations[notation] for notation in typologies}
        pool = index.typology_classes.items()
        found = [region for region, classes in pool if wanted <= classes
                 and (within is None or region == within or within in index.ancestors(region))]
        return sorted(found, key=lambda r: (index.codes.get(r, r), r))

    def countries(self) -> list[dict[str, Any]]:
        """Every ISO 3166-1 country, with its continent, the networks it is a member of and
        the number of entities serving it directly."""
        index = self.index
        country_class = "https://w3id.org/smekg/ontology#Country"
        result: list[dict[str, Any]] = []
        for iri, tags in index.tags.items():
            if country_class in tags:
                parents = index.broader.get(iri, [])
                result.append({**self.ref(iri).model_dump(),
                               "continent": self.ref(parents[0]).model_dump() if parents else None,
                               "member_of": len(index.networks_of.get(iri, ())),
                               "served_by": len(index.served_by.get(iri, ()))})
        return sorted(result, key=lambda c: (c["code"] or "", c["iri"]))

    # -- programmes and policies -----------------------------------------------------
    def programmes(self, **filters: str | None) -> list[dict[str, Any]]:
        """Programmes and good practices by region, sector, theme, policy or kind."""
        bound = self.bind("programmes", filters)
        index = self.index
        iris = sorted({str(r["programme"]) for r in self.rows("programmes", bound)},
                      key=self._sort_key)
        return [{**self.ref(iri).model_dump(),
                 "serves": [self.ref(r).model_dump() for r in index.regions_of.get(iri, ())],
                 "sectors": [self.ref(s).model_dump() for s in index.sectors_of.get(iri, ())]}
                for iri in iris]

    def policies(self) -> list[dict[str, Any]]:
        """Policies, charters and publications."""
        items: dict[str, dict[str, Any]] = {}
        for row in self.rows("policies", {}):
            iri = str(row["policy"])
            item = items.setdefault(iri, {**self.ref(iri).model_dump(), "kind": None,
                                          "date": None, "adopted_at": None, "publisher": None})
            item["kind"] = item["kind"] or as_text(row.get("kind"))
            item["date"] = item["date"] or as_text(row.get("date"))
            if "adoptedAt" in row:
                item["adopted_at"] = self.ref(row_iri(row, "adoptedAt")).model_dump()
            if "publisher" in row:
                item["publisher"] = self.ref(row_iri(row, "publisher")).model_dump()
        return sorted(items.values(), key=lambda i: self._sort_key(i["iri"]))

    def policy_lineage(self, policy: str) -> list[LineageEdge]:
        """What ``policy`` led to and came from, as edges, nearest first."""
        bound = self.bind("policy_lineage", {"policy": policy})
        start = row_iri(bound, "policy")
        links: defaultdict[str, set[str]] = defaultdict(set)
        edges: set[tuple[str, str, str]] = set()
        for row in self.rows("policy_lineage", bound):
            # an edge that starts or ends at the policy leaves that end unbound
            subject = row_iri(row, "subject") if "subject" in row else start
            obj = row_iri(row, "object") if "object" in row else start
            links[subject].add(obj)
            links[obj].add(subject)
            edges.add((str(subject), str(row_iri(row, "relation")), str(obj)))
        distance = _distances(start, links)
        result = [
            (LineageEdge(subject=self.ref(s), relation=self.index.codes.get(p, _short(p)),
                         object=self.ref(o),
                         depth=min(distance.get(s, 99), distance.get(o, 99)) + 1), p)
            for s, p, o in edges
        ]
        # a total order (the REST pages follow it), whatever the order of the set
        result.sort(key=lambda e: (e[0].depth, e[0].subject.label.casefold(), e[0].relation,
                                   e[0].object.label.casefold(), e[0].subject.iri, e[1],
                                   e[0].object.iri))
        return [edge for edge, _ in result]

    # -- projects and their partners ------------------------------------------------------
    def projects(self, programme: str | None = None, topic: str | None = None,
                 country: str | None = None) -> list[ProjectRow]:
        """Projects (what ``projects.rq`` answers, from the index: see
        :mod:`smekg.queries.projects`), by name: funded under ``programme``, answering a
        ``topic`` (a code, or its start followed by ``*``; case ignored), with a partner
        located in ``country`` (a country or any region, with the region hierarchy)."""
        if topic is not None and "*" in topic.strip()[:-1]:
            raise ParamError("topic", topic, "a topic is a code, or the start of one followed "
                             "by * (HORIZON-EIE-*): * is understood only at the end",
                             status=422, suggestions=[topic.split("*", 1)[0] + "*"])
        bound = self.bind("projects", {"programme": programme, "topic": topic,
                                       "country": country})
        return project_table(self.index).select(
            programme=_optional_iri(bound, "programme"),
            topic=str(bound["topic"]) if "topic" in bound else None,
            country=_optional_iri(bound, "country"))

    def project_partners(self, project: str) -> list[ProjectPartner]:
        """The partners of ``project`` (``project_partners.rq``): a partner for each
        partnership (a role), lead partner and coordinator first, then partners, associated
        partners and third parties, each by name; its country (stated, else that of its
        location) and its most precise location."""
        bound = self.bind("project_partners", {"project": project})
        index = self.index
        found: dict[str, dict[str, Any]] = {}
        for row in self.rows("project_partners", bound):
            if "partnership" not in row:  # a project without partners
                continue
            item = found.setdefault(str(row["partnership"]), {
                "partner": str(row["partner"]), "role": None, "total_cost": None,
                "eu_contribution": None, "since": None, "until": None, "countries": set(),
                "locations": set()})
            for column, key in (("role", "role"), ("since", "since"), ("until", "until")):
                if column in row:
                    item[key] = min(str(row[column]), item[key] or str(row[column]))
            _keep_least_amounts(item, row)
            if "country" in row:
                item["countries"].add(str(row["country"]))
            if "location" in row:
                item["locations"].add(str(row["location"]))
        partners = []
        for partnership, item in found.items():
            location = max(sorted(item["locations"]), key=lambda place: len(index.ancestors(
                place)), default=None)
            countries = sorted(item["countries"], key=lambda c: (index.codes.get(c, c), c))
            if not countries and location is not None:
                countries = [a for a in index.ancestors(location) if index.kind(a) == "country"]
            partners.append(ProjectPartner(
                **self.ref(item["partner"]).model_dump(), role=self._role_name(item["role"]),
                total_cost=item["total_cost"], eu_contribution=item["eu_contribution"],
                since=item["since"], until=item["until"],
                country=self.ref(countries[0]) if countries else None,
                location=self.ref(location) if location else None, partnership=partnership))
        partners.sort(key=lambda p: (_role_rank(p.role), p.label.casefold(), p.iri,
                                     p.role or "", p.since or "", p.partnership))
        return partners

    def partner_projects(self, organisation: str) -> list[PartnerProject]:
        """The projects ``organisation`` takes part in (``partner_projects.rq``), a row for
        each partnership (a role), by the project's name, then role and period."""
        bound = self.bind("partner_projects", {"organisation": organisation})
        found: dict[str, dict[str, Any]] = {}
        for row in self.rows("partner_projects", bound):
            if "partnership" not in row:  # an organisation in no project
                continue
            item = found.setdefault(str(row["partnership"]), {
                "project": str(row["project"]), "role": None, "since": None, "until": None,
                "total_cost": None, "eu_contribution": None, "programmes": set(),
                "start": None, "end": None})
            for column in ("role", "since", "until", "start"):
                if column in row:
                    item[column] = min(str(row[column]), item[column] or str(row[column]))
            if "end" in row:
                item["end"] = max(str(row["end"]), item["end"] or str(row["end"]))
            _keep_least_amounts(item, row)
            if "fundedUnder" in row:
                item["programmes"].add(str(row["fundedUnder"]))
        projects = [
            PartnerProject(**self.ref(item["project"]).model_dump(),
                           programme=self.ref(min(item["programmes"])) if item["programmes"]
                           else None, start=item["start"], end=item["end"],
                           role=self._role_name(item["role"]), total_cost=item["total_cost"],
                           eu_contribution=item["eu_contribution"], since=item["since"],
                           until=item["until"], partnership=partnership)
            for partnership, item in found.items()]
        projects.sort(key=lambda p: (p.label.casefold(), p.iri, _role_rank(p.role),
                                     p.role or "", p.since or "", p.partnership))
        return projects

    def project(self, project: str) -> ProjectDetail:
        """A project: its row (as :meth:`projects` gives it), its other facts (from
        ``entity_out.rq``), what it serves itself, the sources of its facts and its partners
        (:meth:`project_partners`) with their sums. A 404 when ``project`` names an entity
        that is not a project."""
        bound = self.bind("project_partners", {"project": project})
        iri = row_iri(bound, "project")
        index = self.index
        if index.kind(iri) != "project":
            what = _KIND_WORDS.get(index.kind(iri) or "", "an entity")
            raise ParamError("project", project, f"is {what}, not a project",
                             suggestions=self._close_projects(project))
        facts = self.entity_out(iri).facts
        values: dict[str, list[Value]] = defaultdict(list)
        sources: dict[tuple[str, str | None, str | None], set[int]] = {}
        for fact in facts:
            sources.setdefault((fact.graph, fact.document, fact.evidence), set())
            if fact.predicate == _SOURCE_ROW and fact.value.isdigit():
                sources[(fact.graph, fact.document, fact.evidence)].add(int(fact.value))
            column = _PROJECT_FACTS.get(fact.predicate)
            if column is not None and fact.value not in values[column]:
                values[column].append(fact.value)
        partners = self.project_partners(iri)
        row = project_row(index, iri, values, len({p.iri for p in partners}))

        def refs(column: str) -> list[EntityRef]:
            return sorted((self.ref(str(v)) for v in values.get(column, ()) if index.has(str(v))),
                          key=lambda ref: (ref.code or ref.label, ref.iri))

        def texts(column: str) -> list[str]:
            return sorted(str(v) for v in values.get(column, ()))

        def one(column: str) -> str | None:
            found = texts(column)
            return found[0] if found else None

        def total(amounts: list[float | None]) -> float | None:
            stated = [amount for amount in amounts if amount is not None]
            return round(sum(stated), 2) if stated else None

        return ProjectDetail(
            **row.model_dump(), description=one("description"), call=one("call"),
            topics=texts("topic"), objectives=texts("objective"), status=one("status"),
            grant_id=one("grantId"), website=one("website"),
            serves=[self.ref(r) for r in index.regions_of.get(iri, ())],
            sectors=[self.ref(s) for s in index.sectors_of.get(iri, ())],
            themes=refs("theme"), policies=refs("policy"),
            sources=[ProjectSource(graph=graph, rows=sorted(rows), document=document,
                                   evidence=evidence)
                     for (graph, document, evidence), rows in sorted(
                         sources.items(), key=lambda item: (item[0][0], item[0][1] or "",
                                                            item[0][2] or ""))],
            partners_total_cost=total([p.total_cost for p in partners]),
            partners_eu_contribution=total([p.eu_contribution for p in partners]),
            partners=partners)

    def _close_projects(self, text: str) -> list[str]:
        """The codes of up to three projects spelled like ``text``."""
        try:
            _, hits = self.search_page(text, "project", offset=0, limit=3)
        except ParamError:
            return []
        return [hit.code for hit in hits if hit.code]

    # -- entities and search ------------------------------------------------------------
    def entity(self, entity: str) -> EntityDetail:
        """Every fact about ``entity`` (an id, a code or an IRI), each with its source."""
        return self._entity_detail("entity", entity)

    def entity_page(self, entity: str, incoming_limit: int = 100) -> tuple[EntityDetail, int]:
        """What an entity's web page shows: the detail of ``entity`` (as :meth:`entity`)
        with all its outgoing facts but only the facts of at most ``incoming_limit`` (at
        most 200) of the statements that refer to it, and the number of those statements,
        each a (predicate, subject, graph). When there are more, which are kept is the
        first the backend finds (entity_in.rq: ordering them costs seconds on a country);
        when there are no more, the facts are those of :meth:`entity`."""
        bound = self.bind("entity_out", {"entity": entity})
        rows = [*self.rows("entity_out", bound), *self.rows("entity_in", bound)]
        count = sum(row_int(row, "incoming") for row in self.rows("entity_in_count", bound))
        detail = self._detail(row_iri(bound, "entity"), rows)
        kept: set[tuple[str, str, str]] = set()
        facts = []
        for fact in detail.facts:
            statement = (fact.predicate, fact.value, fact.graph)
            if fact.direction == "in" and statement not in kept:
                if len(kept) >= incoming_limit:
                    continue
                kept.add(statement)
            facts.append(fact)
        return detail.model_copy(update={"facts": facts}), count

    def entity_out(self, entity: str) -> EntityDetail:
        """The outgoing facts of ``entity``: those of :meth:`entity` whose subject it is."""
        return self._entity_detail("entity_out", entity)

    def entity_in(self, entity: str) -> EntityDetail:
        """Some incoming facts of ``entity`` (at most 200 rows of entity_in.rq: see
        :meth:`entity_page`), those of :meth:`entity` whose value it is."""
        return self._entity_detail("entity_in", entity)

    def entity_in_count(self, entity: str) -> int:
        """The number of statements (predicate, subject, graph) whose value is ``entity``."""
        bound = self.bind("entity_in_count", {"entity": entity})
        return sum(row_int(row, "incoming") for row in self.rows("entity_in_count", bound))

    def _entity_detail(self, name: str, entity: str) -> EntityDetail:
        bound = self.bind(name, {"entity": entity})
        return self._detail(row_iri(bound, "entity"), self.rows(name, bound))

    def _detail(self, iri: Iri, rows: list[Row]) -> EntityDetail:
        """The entity ``iri`` with the facts of ``rows`` (those of entity.rq), sorted."""
        facts = []
        for row in rows:
            value = row["value"]
            value_label = self.index.label(value) if isinstance(value, Iri) else None
            facts.append(Fact(
                direction=row["direction"], predicate=str(row["predicate"]), value=str(value),
                value_label=value_label, is_iri=isinstance(value, Iri),
                graph=str(row["graph"]), document=as_text(row.get("document")),
                evidence=as_text(row.get("evidence")),
            ))
        facts.sort(key=lambda f: (f.direction != "out", f.predicate, f.value, f.graph))
        unique = [f for i, f in enumerate(facts) if i == 0 or f != facts[i - 1]]
        return EntityDetail(**self.ref(iri).model_dump(),
                            types=sorted(self.index.tags.get(iri, ())), facts=unique)

    def search(self, q: str, type: str | None = None, limit: int | str = 20) -> list[SearchHit]:
        """Entities whose names or codes contain ``q``, ignoring case and accents."""
        return self.search_page(q, type, offset=0, limit=limit)[1]

    def search_page(self, q: str, type: str | None = None, *, offset: int = 0,
                    limit: int | str = 20) -> tuple[int, list[SearchHit]]:
        """The number of entities whose names or codes contain ``q`` (or, when none does,
        that are spelled closely), and the ``limit`` best after the first ``offset``: by
        score, the length of the matched text, ISO 3166-2 subdivisions after other entities
        (a NUTS region before the subdivision of the same name: ``Bologna`` lists ITH55,
        then IT-BO), then name and IRI."""
        bound = self.bind("search", {"q": q, "type": type, "limit": limit})
        wanted, limit = fold(str(bound["q"])), int(bound["limit"])
        kind = bound.get("type")
        index = self.index
        scored: dict[str, tuple[float, int]] = {}  # entity: its best score, at which name
        (folded, entities, texts), names, tags = self._folded_names(index), index.names, index.tags
        for i in [i for i, text in enumerate(folded) if wanted in text]:
            entity = entities[i]
            if kind is not None and kind not in tags.get(entity, ()):
                continue
            score = _score(wanted, folded[i])
            current = scored.get(entity)
            if current is None or score > current[0]:
                scored[entity] = (score, i)
        positions = [i for _, i in scored.values()]
        properties = (names.properties(positions) if isinstance(names, KeptNames)
                      else [names[i].property for i in positions])
        best = {entity: (score, texts[i], prop) for (entity, (score, i)), prop
                in zip(scored.items(), properties, strict=True)}
        fuzzy = False
        if not best:
            fuzzy = True
            choices = {i: text for i, text in enumerate(folded)
                       if kind is None or kind in tags.get(names[i].entity, ())}
            for _, score, i in process.extract(wanted, choices, scorer=fuzz.QRatio, limit=None,
                                               score_cutoff=75):
                name = index.names[i]
                if name.entity not in best or score > best[name.entity][0]:
                    best[name.entity] = (score, name.text, name.property)
        kinds = index.kind
        # by score and the length of the name matched, then as _sort_key
        cheap = {iri: (-score, len(text)) for iri, (score, text, _) in best.items()}
        found = list(cheap)
        wanted_rank = offset + limit
        if len(found) > wanted_rank > 0:
            # a word in many names (100k hits) is ranked in full only where the page
            # lies: the hits that rank before the page's last by score and length
            cutoff = heapq.nsmallest(wanted_rank, cheap.values())[-1]
            found = [iri for iri, key in cheap.items() if key <= cutoff]
        found.sort(key=lambda iri: (cheap[iri], kinds(iri) == "subdivision",
                                    *self._sort_key(iri)))
        ranked = [(iri, best[iri]) for iri in found]
        return len(best), [
            SearchHit(**self.ref(iri).model_dump(), matched=text, matched_property=prop,
                      score=round(score, 1), fuzzy=fuzzy)
            for iri, (score, text, prop) in ranked[offset:offset + limit]]

    def _folded_names(self, index: GraphIndex) -> tuple[list[str], list[str], list[str]]:
        """The folded texts, entities and texts of the names of ``index``, each as a list
        (decoded once per index from the kept names: a search scans them all)."""
        kept = self._folded
        if kept is None or kept[0] is not index:
            names = index.names
            if isinstance(names, KeptNames):
                kept = (index, names.folded(), names.entities(range(len(names))),
                        names.texts(range(len(names))))
            else:
                kept = (index, [name.folded for name in names],
                        [name.entity for name in names], [name.text for name in names])
            self._folded = kept
        return kept[1], kept[2], kept[3]

    # -- gaps and comparisons ------------------------------------------------------------
    def gaps(self, scope: str | None = "world", region_level: str | None = "nuts2",
             sector_level: str | None = "section", sector: str | None = None,
             type: str | None = None, broadest: str | None = "world",
             kinds: str | None = None, typology: str | None = None, *, offset: int = 0,
             limit: int | None = None) -> GapsAnswer:
        """Region x sector cells within ``scope`` that no provider covers.

        Parameters
        ----------
        scope, region_level, sector_level, sector
            The regions at ``region_level`` within ``scope``, crossed with the sectors at
            ``sector_level`` (within ``sector``, if given).
        type
            Count only providers of this kind or organisation type.
        broadest
            Count only coverage no broader than this level (``nuts3``, ``nuts2``,
            ``nuts1``, ``country``, ``continent``, ``world``; see
            :meth:`~smekg.queries.graph_index.GraphIndex.breadth`).
        kinds
            Count only providers of these kinds, comma-separated (``network,programme``).
        typology
            Only the NUTS-3 regions of all these typologies, comma-separated (``mountain``;
            ``region_level`` must be ``nuts3``).
        offset, limit
            The page of gap cells (in region code, then sector code order).

        Returns
        -------
        GapsAnswer
            A cell is a gap when :meth:`coverage`, so limited, lists nobody for it: the
            zero cells of :func:`smekg.analytics.regions.gap_matrix`.
        """
        bound = self.bind("gaps", {"scope": scope, "region_level": region_level,
                                   "sector_level": sector_level, "sector": sector,
                                   "type": type, "broadest": broadest, "kinds": kinds,
                                   "typology": typology})
        index = self.index
        table = coverage_table(index)
        region_level_name = level_name(region_level or "nuts2", REGION_LEVELS, "region_level")
        sector_level_name = level_name(sector_level or "section", SECTOR_LEVELS, "sector_level")
        scope_iri = row_iri(bound, "scope")
        sector_root = _optional_iri(bound, "sector")
        ceiling = row_int(bound, "broadest")
        regions, sectors = self.gap_axes(bound)
        sector_set = set(sectors)
        keep = self.gap_keep(bound)
        counted = table.providers if keep is None else table.providers & keep
        # whoever a counted provider covers through (itself, its members at any depth)
        through = _reaching(table, counted, ceiling)
        position = table.position

        def marked(entity: str, mask: np.ndarray) -> bool:
            where = position.get(entity)
            return where is not None and bool(mask[where])

        def within_ceiling(region: str) -> bool:
            return ceiling >= WORLD or table.breadth(region) <= ceiling

        full_cache: dict[str, tuple[bool, frozenset[str]]] = {}

        def served_here(node: str) -> tuple[bool, frozenset[str]]:
            # (covers all sectors?, level sectors covered) through entities serving ``node``
            if node not in full_cache:
                everything = False
                covered: set[str] = set()
                entities = list(index.served_by.get(node, ())) if within_ceiling(node) else []
                if node in index.member_countries and within_ceiling(node):
                    entities.append(node)
                for entity in entities:
                    if not marked(entity, through):
                        continue
                    named = index.sectors_of.get(entity)
                    if not named:
                        everything = True
                        break
                    for s in named:
                        covered.update(x for x in [s, *index.sector_descendants(s)]
                                       if x in sector_set)
                full_cache[node] = (everything, frozenset(covered))
            return full_cache[node]

        cells, covered_count = [], 0
        for region in regions:
            everything = False
            covered: set[str] = set()
            for ancestor in index.ancestors(region):
                all_sectors, some = served_here(ancestor)
                everything = everything or all_sectors
                covered |= some
            if everything:
                covered_count += len(sectors)
                continue
            partial: Counter[str] = Counter()
            for below in index.descendants(region):
                if not within_ceiling(below):
                    continue
                for entity in index.served_by.get(below, ()):
                    if not marked(entity, counted):
                        continue
                    for s in index.sectors_of.get(entity) or sectors:
                        for x in [s, *index.sector_descendants(s)]:
                            if x in sector_set:
                                partial[x] += 1
            for s in sectors:
                if s in covered:
                    covered_count += 1
                else:
                    cells.append((region, s, partial[s]))
        page = self._page(cells, offset, limit)
        kind_names = str(bound["kinds"]).split(",") if "kinds" in bound else None
        typologies = str(bound["typology"]).split(",") if "typology" in bound else None
        return GapsAnswer(
            scope=self.ref(scope_iri), type=type, broadest=BREADTHS[ceiling], kinds=kind_names,
            typology=typologies,
            region_level=region_level_name, sector_level=sector_level_name,
            sector_scope=self.ref(sector_root) if sector_root else None,
            regions=len(regions), sectors=len(sectors), cells=len(regions) * len(sectors),
            covered=covered_count, gaps=len(cells), count=len(cells), offset=offset, limit=limit,
            results=[GapCell(region=self.ref(r), sector=self.ref(s), partially_covered_by=n)
                     for r, s, n in page],
        )

    def gap_keep(self, bound: Row) -> np.ndarray | None:
        """The providers a gap count counts (``bound``: the ``gaps`` parameters as
        :meth:`bind` returns them), as a mask over the coverage table's positions; None
        when ``type`` and ``kinds`` leave every provider counted."""
        index = self.index
        table = coverage_table(index)
        keep = None
        if "type" in bound:
            keep = table.mask("type", row_iri(bound, "type"), index.tags)
        if "kinds" in bound:
            tags = provider_kinds()
            of_kinds = np.zeros(len(table.iris), dtype=bool)
            for kind in str(bound["kinds"]).split(","):
                of_kinds |= table.mask("type", tags[kind], index.tags)
            keep = of_kinds if keep is None else keep & of_kinds
        return keep

    def gap_axes(self, bound: dict[str, Value]) -> tuple[list[str], list[str]]:
        """The regions and sectors a gap table crosses (``bound``: the ``gaps`` parameters
        as :meth:`bind` returns them), each in code order.

        The regions are those at the level within the scope that are current: a NUTS 2021
        region that NUTS 2024 replaced is left out (its successor is there); with
        ``typology``, only the NUTS-3 regions of all the typologies asked."""
        index = self.index
        r_level, s_level = row_int(bound, "region_level"), row_int(bound, "sector_level")
        scope_iri = row_iri(bound, "scope")
        regions = sorted((r for r in [scope_iri, *index.descendants(scope_iri)]
                          if index.levels.get(r) == r_level and _is_region_at(index, r, r_level)
                          and r not in index.superseded),
                         key=lambda r: (index.codes.get(r, r), r))
        if "typology" in bound:
            if r_level != REGION_LEVELS["nuts3"]:
                raise ParamError("region_level", BREADTHS[COUNTRY - r_level] if r_level else
                                 "country", "NUTS-3 typologies classify NUTS-3 regions: with "
                                 "typology, region_level is nuts3", status=422,
                                 suggestions=["nuts3"])
            typed = set(self.typology_regions(str(bound["typology"]).split(","), scope_iri))
            regions = [region for region in regions if region in typed]
        sector_root = _optional_iri(bound, "sector")
        sector_pool = ([sector_root, *index.descendants(sector_root)] if sector_root else
                       [s for s in index.levels if index.kind(s) == "sector"])
        sectors = sorted({s for s in sector_pool if index.levels.get(s) == s_level
                          and index.kind(s) == "sector" and _same_scheme(s, sector_root)},
                         key=lambda s: (index.codes.get(s, s), s))
        return regions, sectors

    def compare(self, a: str, b: str, sector: str | None = None) -> CompareAnswer:
        """Two regions side by side."""
        bound = self.bind("compare", {"a": a, "b": b, "sector": sector})
        sides, covered = [], []
        index = self.index
        table = coverage_table(index)
        for key in ("a", "b"):
            # the providers without their reasons, which a comparison does not show
            iris = set(table.walk(row_iri(bound, key), _optional_iri(bound, "sector"),
                                  None).entities())
            covered.append(iris)
            by_type = Counter(index.kind(iri) or "other" for iri in iris)
            located = self.located_count(str(bound[key]))
            sides.append(RegionSide(region=self.ref(row_iri(bound, key)), covered_by=len(iris),
                                    by_type=dict(sorted(by_type.items())), located_here=located))

        def refs(iris: set[str]) -> list[EntityRef]:
            return [self.ref(i) for i in sorted(iris, key=self._sort_key)]

        return CompareAnswer(
            a=sides[0], b=sides[1],
            sector=self.ref(row_iri(bound, "sector")) if "sector" in bound else None,
            shared=refs(covered[0] & covered[1]), only_a=refs(covered[0] - covered[1]),
            only_b=refs(covered[1] - covered[0]),
        )


def _distances(root: str, links: Mapping[str, set[str]]) -> dict[str, int]:
    """Breadth-first distance from ``root`` of every node reachable through ``links``."""
    distance = {root: 0}
    frontier = [root]
    while frontier:
        nxt = []
        for node in frontier:
            for other in sorted(links.get(node, ())):
                if other not in distance:
                    distance[other] = distance[node] + 1
                    nxt.append(other)
        frontier = nxt
    return distance


def _reaching(table: CoverageTable, counted: np.ndarray, broadest: int) -> np.ndarray:
    """The positions from which the walk of a coverage question reaches a ``counted`` one:
    the counted ones and their members, at any depth (a member country only of a network
    no broader than ``broadest`` through its countries)."""
    reaching = counted.copy()
    frontier = np.flatnonzero(counted)
    while frontier.size:
        links = links_of(table.down_start, frontier)
        if broadest < WORLD:
            links = links[table.down_breadth[links] <= broadest]
        members = np.unique(table.down[links])
        frontier = members[~reaching[members]]
        reaching[frontier] = True
    return reaching


def _optional_iri(bound: Row, name: str) -> Iri | None:
    """The IRI bound to the optional parameter ``name``, or None when it was left out."""
    return row_iri(bound, name) if name in bound else None


def _keep_least_amounts(item: dict[str, Any], row: Row) -> None:
    """Keep in ``item`` the least partner budget and EU contribution of a partnership's
    rows (``totalCost``, ``euContribution``): a partnership stating two keeps one, as
    every backend would."""
    for column, key in (("totalCost", "total_cost"), ("euContribution", "eu_contribution")):
        if column in row:
            amount = parse_amount(row[column])
            item[key] = amount if item[key] is None else min(amount, item[key])


ROLE_ORDER = ("lead-partner", "coordinator", "partner", "associated-partner", "third-party")
"""The roles of a project's partners, in the order its partners are listed."""


def _role_rank(role: str | None) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


_PROJECT_FACTS = {
    str(SKOS.prefLabel): "name", str(SKOS.altLabel): "acronym",
    str(SMEKG.fundedUnder): "fundedUnder", str(SMEKG.fundingScheme): "scheme",
    str(SCHEMA.startDate): "start", str(SCHEMA.endDate): "end",
    str(SMEKG.totalCost): "totalCost", str(SMEKG.euContribution): "euContribution",
    str(DCTERMS.description): "description", str(SMEKG.call): "call",
    str(SMEKG.topic): "topic", str(SMEKG.policyObjective): "objective",
    str(SMEKG.projectStatus): "status", str(SMEKG.grantId): "grantId",
    str(FOAF.homepage): "website", str(CV.thematicArea): "theme",
    str(SMEKG.implementsPolicy): "policy",
}
"""The facts of a project (``entity_out.rq``) that :meth:`QueryService.project` reads, by
predicate: the columns of ``projects.rq`` and the others."""
_SOURCE_ROW = str(SMEKG.sourceRow)
_KIND_WORDS = {"network": "a network", "organisation": "an organisation",
                    "programme": "a programme", "good-practice": "a good practice",
                    "policy": "a policy", "country": "a country", "nuts-region": "a region",
                    "sector": "a sector"}
"""An entity's kind in words, for the error of a key that names no project."""


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _score(wanted: str, folded: str) -> float:
    # called for every name that contains the text (100k for a word in every name)
    if folded.startswith(wanted):
        return 100.0 if len(folded) == len(wanted) else 90.0
    if (" " + wanted) in folded or ("-" + wanted) in folded or ("(" + wanted) in folded:
        return 80.0
    return 70.0


def level_name(text: str, levels: dict[str, int], param: str) -> str:
    """The canonical name of a level (``NUTS-2`` -> ``nuts2``, ``2`` -> ``nuts2``), or a
    422 error."""
    key = text.lower().replace("-", "")
    if key.isdigit():  # a level by its number, as the binder reads it
        key = next((name for name, number in levels.items() if str(number) == key), key)
    if key not in levels:
        raise ParamError(param, text, f"expected one of: {', '.join(levels)}", status=422)
    return key


def _is_region_at(index: GraphIndex, iri: str, level: int) -> bool:
    kind = index.kind(iri)
    return kind == "country" if level == 0 else kind == "nuts-region"


def _same_scheme(sector: str, root: str | None) -> bool:
    # Without a sector scope, gaps use NACE Rev. 2.1 (the default classification).
    return root is not None or sector.startswith("http://data.europa.eu/ux2/nace2.1/")

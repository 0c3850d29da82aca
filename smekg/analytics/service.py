"""Ecosystem analyses, answered: what ``smekg analyze`` and the ``/analytics`` API call.

:class:`AnalyticsService` checks parameters like the named queries do (codes, ids and
IRIs resolved; a name that matches nothing is an error with suggestions), projects the
graph from whichever backend the :class:`~smekg.queries.service.QueryService` runs on, keeps
the last few projections while the data is unchanged, and runs the analyses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from smekg.analytics import actors, reach, regions
from smekg.analytics.models import (
    BrokersAnswer,
    CentralityAnswer,
    CommunitiesAnswer,
    EcosystemComparison,
    GapMatrix,
    PathsAnswer,
    ReachAnswer,
)
from smekg.analytics.projection import Progress, ProjectedGraph, Scope, project
from smekg.core.backends import SOURCES_VERSION
from smekg.queries.models import EntityRef
from smekg.queries.params import ParamError
from smekg.queries.registry import QUERY_DIR, NamedQuery, Param, load_registry
from smekg.queries.service import QueryService

_SCOPE_PARAMS = (
    Param("network", "entity", "only this network and its members, at any depth",
          required=False),
    Param("region", "region", "only actors located in or serving this region (or one "
          "within it)", required=False),
    Param("sector", "sector", "only actors naming this sector, one within it or one "
          "containing it", required=False),
)
_SPECS = {
    "scope": _SCOPE_PARAMS,
    "reach": (Param("network", "entity", "the network (of networks)"),),
    "paths": (Param("source", "entity", "the actor to start from"),
              Param("target", "entity", "the actor to reach")),
}
_CACHED = 4


def _spec(name: str) -> NamedQuery:
    return NamedQuery(name=name, description="", params=_SPECS[name], sparql="",
                      path=Path(__file__))


class AnalyticsService:
    """The analyses, on the graph a :class:`QueryService` answers from."""

    def __init__(self, queries: QueryService) -> None:
        self.queries = queries
        self._lock = threading.Lock()
        self._graphs: OrderedDict[tuple[str, Scope], ProjectedGraph] = OrderedDict()

    # -- the graph -----------------------------------------------------------------
    def scope(self, network: str | None = None, region: str | None = None,
              sector: str | None = None, source: str | None = None) -> Scope:
        """A checked :class:`Scope` from codes, ids or IRIs."""
        bound = self.queries.bind_spec(_spec("scope"), {"network": network, "region": region,
                                                        "sector": sector})
        return Scope(network=_opt(bound.get("network")), region=_opt(bound.get("region")),
                     sector=_opt(bound.get("sector")), source=self.source(source))

    def source(self, source: str | None) -> str | None:
        """The graph IRI of a source given by IRI or by its key (``seed/memberships``)."""
        if not source:
            return None
        graphs = sorted(str(row["graph"]) for row in self.queries.select(
            SOURCES_VERSION, {}))
        for graph in graphs:
            if source in (graph, graph.split("/graph/", 1)[-1]):
                return graph
        keys = [graph.split("/graph/", 1)[-1] for graph in graphs]
        # those containing the text, else those of its kind (seed/..., reference/...)
        kind = source.split("/", 1)[0] + "/"
        suggestions = ([key for key in keys if source in key]
                       or [key for key in keys if key.startswith(kind)] or keys)
        raise ParamError("source", source, "no loaded source has this key or graph IRI",
                         suggestions=suggestions[:10])

    def graph(self, scope: Scope = Scope(), progress: Progress | None = None  # noqa: B008
              ) -> ProjectedGraph:
        """The projected graph of ``scope`` (kept while the data is unchanged)."""
        index = self.queries.index
        key = (index.version, scope)
        with self._lock:
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
        if progress:
            progress("reading links", 0, None)
        edges = load_registry(QUERY_DIR / "analytics")["edges"]
        rows = self.queries.select(edges, {})
        graph = project(index, rows, scope, progress)
        with self._lock:
            self._graphs[key] = graph
            while len(self._graphs) > _CACHED:
                self._graphs.popitem(last=False)
        return graph

    # -- analyses ------------------------------------------------------------------
    def centrality(self, scope: Scope = Scope(), *, by: str = "pagerank",  # noqa: B008
                   limit: int | None = 100, sample_above: int = actors.SAMPLE_ABOVE,
                   samples: int = actors.SAMPLES, seed: int = 42,
                   progress: Progress | None = None) -> CentralityAnswer:
        """Degree, betweenness and PageRank of the actors of ``scope``."""
        return actors.centrality(self.graph(scope, progress), by=_choice("by", by, (
            "pagerank", "betweenness", "degree")), limit=limit, sample_above=sample_above,
            samples=samples, seed=seed, progress=progress)

    def brokers(self, scope: Scope = Scope(), *, by: str = "country",  # noqa: B008
                limit: int | None = 100, sample_above: int = actors.SAMPLE_ABOVE,
                samples: int = actors.SAMPLES, seed: int = 42,
                progress: Progress | None = None) -> BrokersAnswer:
        """Actors linking actors of different countries (or sectors)."""
        return actors.brokers(self.graph(scope, progress), by=_choice("by", by, (
            "country", "sector")), limit=limit, sample_above=sample_above, samples=samples,
            seed=seed, progress=progress)

    def communities(self, scope: Scope = Scope(), *, resolution: float = 1.0,  # noqa: B008
                    seed: int = 42, limit: int | None = 100,
                    progress: Progress | None = None) -> CommunitiesAnswer:
        """Communities of linked actors, with their dominant countries and sectors."""
        if resolution <= 0:
            raise ParamError("resolution", str(resolution), "must be positive", status=422)
        return actors.communities(self.graph(scope, progress), resolution=resolution,
                                  seed=seed, limit=limit, progress=progress)

    def reach(self, network: str, max_depth: int | None = None,
              progress: Progress | None = None) -> ReachAnswer:
        """What a network reaches through its members, depth by depth."""
        bound = self.queries.bind_spec(_spec("reach"), {"network": network})
        iri = str(bound["network"])
        if self.queries.index.kind(iri) not in ("network", "organisation"):
            raise ParamError("network", network, "is not a network or an organisation",
                             status=422)
        if max_depth is not None and max_depth < 1:
            raise ParamError("depth", str(max_depth), "must be at least 1", status=422)
        graph = self.graph(Scope(), progress)
        if iri not in graph:  # an organisation without members or links
            return ReachAnswer(network=self.queries.ref(iri), max_depth=max_depth, levels=[],
                               members=[], countries=[], regions=[], sectors=[])
        return reach.reach(graph, iri, max_depth)

    def paths(self, source: str, target: str, *, limit: int = 5, max_length: int = 6,
              progress: Progress | None = None) -> PathsAnswer:
        """Connection paths between two actors, shortest first."""
        bound = self.queries.bind_spec(_spec("paths"), {"source": source, "target": target})
        graph = self.graph(Scope(), progress)
        ends = {}
        for name, raw in (("source", source), ("target", target)):
            iri = str(bound[name])
            if iri not in graph or not actors.is_actor(graph, iri):
                raise ParamError(name, raw, "is not an organisation, a network or a member "
                                 "country linked to anything", status=422)
            ends[name] = iri
        return actors.paths(graph, ends["source"], ends["target"], limit=limit,
                            max_length=max_length)

    def gaps(self, scope: str | None = "world", region_level: str | None = "nuts2",
             sector_level: str | None = "section", sector: str | None = None,
             type: str | None = None, progress: Progress | None = None, *,
             broadest: str | None = "world", kinds: str | None = None,
             typology: str | None = None) -> GapMatrix:
        """How many providers cover each region x sector cell within a scope (counting only
        coverage no broader than ``broadest`` and providers of ``kinds``, if given; only the
        NUTS-3 regions of ``typology``, if given; see
        :func:`~smekg.analytics.regions.gap_matrix`)."""
        return regions.gap_matrix(self.queries, scope, region_level, sector_level, sector, type,
                                  progress, broadest=broadest, kinds=kinds, typology=typology)

    def compare(self, a: str, b: str, sector: str | None = None,
                progress: Progress | None = None) -> EcosystemComparison:
        """Two regions' ecosystems side by side."""
        return regions.compare_ecosystems(self.queries, self.graph(Scope(), progress), a, b,
                                          sector)

    def ref(self, iri: str) -> EntityRef:
        return self.queries.ref(iri)


def _opt(value: object | None) -> str | None:
    return None if value is None else str(value)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParamError(name, value, f"expected one of: {', '.join(allowed)}", status=422)
    return value


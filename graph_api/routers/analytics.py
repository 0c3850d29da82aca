"""Ecosystem analyses: centrality, brokers, communities, reach, paths, gaps, comparisons,
graph exports and figures."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request, Response
from matplotlib.figure import Figure
from pydantic import BaseModel, Field

from smekg.analytics import plots
from smekg.analytics.export import EXPORT_FORMATS, graph_bytes
from smekg.analytics.models import (
    BrokersAnswer,
    CentralityAnswer,
    CommunitiesAnswer,
    EcosystemComparison,
    GapMatrix,
    PathsAnswer,
    ReachAnswer,
    RegionEcosystem,
)
from smekg.graph_api.deps import (
    AnalyticsDep,
    BoundedParams,
    Broadest,
    Kind,
    Limit,
    Offset,
    ProviderKinds,
    Sector,
    SettingsDep,
    Typology,
)
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.queries.models import EntityRef
from smekg.queries.params import join_typologies

router = APIRouter(prefix="/analytics", tags=["analytics"], dependencies=[BoundedParams])

TableFormat = Annotated[
    Literal["json", "csv", "jsonld"] | None,
    Query(alias="format", description="json, csv or jsonld; overrides the Accept header."),
]
FigureFormat = Annotated[
    Literal["json", "csv", "jsonld", "png", "svg", "pdf"] | None,
    Query(alias="format", description="json, csv or jsonld; png, svg or pdf for a figure."),
]
Network = Annotated[str | None, Query(description="Only this network and its members, at any "
                                      "depth.", examples=["insme-steering-group"])]
InRegion = Annotated[str | None, Query(description="Only actors located in or serving this "
                                       "region (or one within it).", examples=["IT"])]
Source = Annotated[str | None, Query(description="Only actors this source describes (key, e.g. "
                                     "seed/memberships, or graph IRI).")]
Seed = Annotated[int, Query(description="Random seed (sampling, Louvain).")]
Samples = Annotated[int, Query(ge=2, le=100_000, description="Betweenness sources sampled "
                               "above sample_above actors.")]
SampleAbove = Annotated[int, Query(ge=2, le=1_000_000, description="Exact betweenness up to "
                                   "this many actors.")]
_FIGURE_MEDIA = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
_EXPORT_MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml",
                 "json": "application/json", "nodes.csv": "text/csv; charset=utf-8",
                 "edges.csv": "text/csv; charset=utf-8"}
FIGURES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/svg+xml": {}, "application/pdf": {},
                      "text/csv": {}}}
}
_Ranked = TypeVar("_Ranked", CentralityAnswer, BrokersAnswer, CommunitiesAnswer)


class ReachRow(BaseModel):
    """A row of the CSV of /analytics/reach: one entity reached, with its group."""

    group: Literal["members", "countries", "regions", "sectors"]
    iri: str
    label: str
    type: str | None = None
    code: str | None = None
    depth: int
    via: EntityRef
    how: str


class PathRow(BaseModel):
    """A row of the CSV of /analytics/paths: one path, its actors and relations as text."""

    path: int = Field(description="1 for the shortest path, ...")
    length: int
    actors: str = Field(description="The actors along the path, joined by ' → '.")
    relations: str = Field(description="The relations along the path, joined by '; '.")


def _paged(answer: _Ranked, offset: int, limit: int) -> _Ranked:
    """The page after ``offset`` of a ranking computed for its first ``offset + limit``."""
    return answer.model_copy(update={"results": answer.results[offset:], "offset": offset,
                                     "limit": limit})


def _figure(figure: Figure, fmt: str, filename: str) -> Response:
    return Response(plots.figure_bytes(figure, fmt), media_type=_FIGURE_MEDIA[fmt],
                    headers={"Content-Disposition": f'inline; filename="{filename}.{fmt}"'})


@router.get("/centrality", response_model=CentralityAnswer, responses=RESPONSES)
def centrality(
    request: Request, analytics: AnalyticsDep, network: Network = None,
    region: InRegion = None, sector: Sector = None, source: Source = None,
    by: Annotated[Literal["pagerank", "betweenness", "degree"], Query()] = "pagerank",
    limit: Limit = 100, offset: Offset = 0, sample_above: SampleAbove = 10_000,
    samples: Samples = 2_000, seed: Seed = 42, fmt: TableFormat = None,
) -> Response:
    """Degree, betweenness (sampled above a size) and PageRank of organisations and networks,
    highest first (then by name and IRI)."""
    scope = analytics.scope(network, region, sector, source)
    answer = _paged(analytics.centrality(scope, by=by, limit=offset + limit,
                                         sample_above=sample_above, samples=samples,
                                         seed=seed), offset, limit)
    return render(request, answer, fmt, filename="centrality")


@router.get("/brokers", response_model=BrokersAnswer, responses={**RESPONSES, **FIGURES})
def brokers(
    request: Request, analytics: AnalyticsDep, network: Network = None,
    region: InRegion = None, sector: Sector = None, source: Source = None,
    by: Annotated[Literal["country", "sector"], Query()] = "country", limit: Limit = 100,
    offset: Offset = 0, sample_above: SampleAbove = 10_000, samples: Samples = 2_000,
    seed: Seed = 42, fmt: FigureFormat = None,
) -> Response:
    """Organisations and networks connecting ecosystems of different countries or sectors,
    most bridged pairs first (then betweenness, name, IRI) (png/svg/pdf: a bar chart of the
    page's brokers)."""
    scope = analytics.scope(network, region, sector, source)
    answer = _paged(analytics.brokers(scope, by=by, limit=offset + limit,
                                      sample_above=sample_above, samples=samples, seed=seed),
                    offset, limit)
    if fmt in _FIGURE_MEDIA:
        return _figure(plots.broker_bars(answer, top=min(limit, 40)), fmt, "brokers")
    return render(request, answer, fmt, filename="brokers")


@router.get("/communities", response_model=CommunitiesAnswer, responses=RESPONSES)
def communities(
    request: Request, analytics: AnalyticsDep, network: Network = None,
    region: InRegion = None, sector: Sector = None, source: Source = None,
    resolution: Annotated[float, Query(gt=0, le=100, description="Louvain resolution "
                                       "(>1: smaller communities).")] = 1.0,
    seed: Seed = 42, limit: Limit = 100, offset: Offset = 0, fmt: TableFormat = None,
) -> Response:
    """Communities of linked actors (Louvain), with their dominant countries and sectors,
    largest first."""
    scope = analytics.scope(network, region, sector, source)
    answer = _paged(analytics.communities(scope, resolution=resolution, seed=seed,
                                          limit=offset + limit), offset, limit)
    return render(request, answer, fmt, filename="communities")


@router.get("/reach", response_model=ReachAnswer, responses={**RESPONSES, **FIGURES})
def reach(
    request: Request, analytics: AnalyticsDep,
    network: Annotated[str, Query(description="The network (of networks).",
                                  examples=["insme-steering-group"])],
    depth: Annotated[int | None, Query(ge=1, le=50, description="Deepest level.")] = None,
    fmt: FigureFormat = None,
) -> Response:
    """The members, countries, regions and sectors a network reaches through its members,
    depth by depth (png/svg/pdf: a diagram of the network of networks; csv: what is reached)."""
    answer = analytics.reach(network, depth)
    if fmt in _FIGURE_MEDIA:
        figure = plots.network_diagram(analytics.graph(), answer.network.iri,
                                       max_depth=depth or 3)
        return _figure(figure, fmt, "reach")
    return render(request, answer, fmt, filename="reach", rows=answer.rows(), model=ReachRow)


@router.get("/paths", response_model=PathsAnswer, responses=RESPONSES)
def paths(
    request: Request, analytics: AnalyticsDep,
    source: Annotated[str, Query(alias="from", description="The actor to start from.",
                                 examples=["ipi"])],
    target: Annotated[str, Query(alias="to", description="The actor to reach.",
                                 examples=["oecd"])],
    limit: Annotated[int, Query(ge=1, le=100, description="Paths returned.")] = 5,
    max_length: Annotated[int, Query(ge=1, le=12, description="Most links on a path.")] = 6,
    fmt: TableFormat = None,
) -> Response:
    """Who can introduce whom: connection paths between two actors, shortest first, with the
    relations along each path."""
    answer = analytics.paths(source, target, limit=limit, max_length=max_length)
    return render(request, answer, fmt, filename="paths", rows=answer.rows(), model=PathRow)


@router.get("/gaps", response_model=GapMatrix, responses={**RESPONSES, **FIGURES})
def gaps(
    request: Request, analytics: AnalyticsDep, settings: SettingsDep,
    scope: Annotated[str, Query(description="The area to look in.", examples=["IT"])] = "world",
    region_level: Annotated[str, Query(description="country, nuts1, nuts2 or nuts3")] = "nuts2",
    sector_level: Annotated[str, Query(description="section, division, group or class")
                            ] = "section",
    sector: Sector = None, type: Kind = None, broadest: Broadest = "world",
    kinds: ProviderKinds = None, typology: Typology = None, fmt: FigureFormat = None,
    plot_kind: Annotated[Literal["heatmap", "map"], Query(
        description="The figure of format=png|svg|pdf: a heat map of regions x sectors, or "
        "a map of the regions coloured by their gaps (the number of sectors with no "
        "provider; with one sector, the providers covering it), 7 x 7 in, with each "
        "region's name and value as its hover title in SVG and the shapes' attribution "
        "(NUTS: © EuroGeographics for the administrative boundaries).")] = "heatmap",
) -> Response:
    """The coverage gap matrix: how many providers cover each region x sector cell within a
    scope (csv: one row per region; png/svg/pdf: a heat map, or with `plot_kind=map` a map).

    A cell counts what `/coverage` lists for it; `broadest` counts only coverage no broader
    than a level (`broadest=country`: providers at regional or national level) and `kinds`
    only some kinds of provider (`kinds=organisation,programme`); `typology` keeps only the
    NUTS-3 regions of all these typologies (`typology=mountain&region_level=nuts3`). The
    zero cells are the cells of `/gaps` with the same parameters."""
    answer = analytics.gaps(scope, region_level, sector_level, sector, type,
                            broadest=broadest, kinds=kinds, typology=join_typologies(typology))
    if fmt in _FIGURE_MEDIA:
        if plot_kind == "map":
            return _figure(plots.gap_map(answer, geo_dir=settings.geo_dir), fmt, "gap-map")
        return _figure(plots.gap_heatmap(answer), fmt, "gaps")
    # one column per sector of the axis (fixed by scope, levels and sector, not by the data)
    columns = ["region", "region_name", "region_iri",
               *(s.code or s.label for s in answer.sectors)]
    return render(request, answer, fmt, filename="gaps", rows=answer.rows(), columns=columns)


@router.get("/compare", response_model=EcosystemComparison, responses=RESPONSES)
def compare(
    request: Request, analytics: AnalyticsDep,
    a: Annotated[str, Query(description="The first region.", examples=["ITH5"])],
    b: Annotated[str, Query(description="The second region.", examples=["FR1"])],
    sector: Sector = None, fmt: TableFormat = None,
) -> Response:
    """Two regions' ecosystems side by side: coverage counts, density, shared networks."""
    answer = analytics.compare(a, b, sector)
    rows = [answer.a.model_dump(mode="json"), answer.b.model_dump(mode="json")]
    return render(request, answer, fmt, filename="compare", rows=rows, model=RegionEcosystem)


@router.get("/export", responses={200: {"content": {media: {} for media in
                                                    set(_EXPORT_MEDIA.values())}}})
def export(
    analytics: AnalyticsDep,
    fmt: Annotated[Literal["graphml", "gexf", "json", "nodes.csv", "edges.csv"],
                   Query(alias="format", description="graphml or gexf (Gephi), json "
                         "(node-link), nodes.csv or edges.csv.")] = "graphml",
    network: Network = None, region: InRegion = None, sector: Sector = None,
    source: Source = None,
) -> Response:
    """The knowledge graph, or a part of it, as a file for Gephi, D3 or pandas."""
    graph = analytics.graph(analytics.scope(network, region, sector, source))
    extension = fmt if fmt in EXPORT_FORMATS else "bin"
    return Response(graph_bytes(graph, fmt), media_type=_EXPORT_MEDIA[fmt],
                    headers={"Content-Disposition":
                             f'attachment; filename="smekg-graph.{extension}"'})

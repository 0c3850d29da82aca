"""Pages: the map of providers per region, and the graph of networks of networks.

* ``/app/map``: a choropleth (Leaflet, ``static/app/map.js``) of the regions at a level
  within a scope, coloured by how many providers cover each one for a sector (or any),
  with the table of the same numbers for readers without the map; ``/app/map/data`` gives
  the numbers as JSON or CSV (:func:`smekg.analytics.choropleth.provider_counts`, the
  counts of ``/analytics/gaps`` for the sector).
* ``/app/graph``: the members of a network at every depth, or the networks an
  organisation belongs to upwards, as a graph (Cytoscape.js, ``static/app/graph.js``)
  grouped by country, with the table of the same nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from smekg.analytics.choropleth import ProviderCounts, provider_counts
from smekg.analytics.membership_graph import DIRECTIONS, located_countries, membership_graph
from smekg.graph_api.deps import (
    BoundedParams,
    Broadest,
    ProviderKinds,
    Sector,
    ServiceDep,
    SettingsDep,
    Typology,
)
from smekg.graph_api.web.snippets import snippets
from smekg.graph_api.web.templating import KIND_NAMES, entity_url, query_url, render_page
from smekg.queries.models import EntityRef
from smekg.queries.params import ParamError, join_typologies
from smekg.queries.render import to_csv
from smekg.queries.service import MAX_LIMIT, QueryService
from smekg.reference import geo

router = APIRouter(include_in_schema=False, dependencies=[BoundedParams])

# -- the map ---------------------------------------------------------------------------

DEFAULT_SCOPE = {"country": "world"}
"""The scope of a map when none is given: the world's countries, else Europe's regions."""
LEVEL_NAMES = {"nuts1": "NUTS-1 region", "nuts2": "NUTS-2 region", "nuts3": "NUTS-3 region",
               "country": "country"}
BROADEST_WORDS = {
    "world": "counting providers at every level, from local to worldwide",
    "continent": "counting only providers no broader than a continent (worldwide ones left "
                 "out)",
    "country": "counting only regional and national providers",
    "nuts1": "counting only regional providers (a NUTS-1 region or narrower)",
    "nuts2": "counting only regional providers (a NUTS-2 region or narrower)",
    "nuts3": "counting only local providers (a NUTS-3 region or narrower)",
}
"""What a scope ceiling (``broadest``) counts, in words."""
BROADEST_CHOICES = ("world", "continent", "country", "nuts1", "nuts2", "nuts3")
CLASS_COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
"""The colours of the count classes, light to dark (ColorBrewer Blues)."""
GAP_COLOUR = "#e6550d"
"""The colour of a region no provider covers: orange, apart from every blue."""
MAX_CLASSES = len(CLASS_COLOURS)

MapLevel = Annotated[str, Query(description="nuts1, nuts2, nuts3 or country.")]
MapScope = Annotated[str | None, Query(description="The area to map (a country, NUTS "
                                       "region, continent or 'world').")]
MapFormat = Annotated[str | None, Query(alias="format", description="json (default) or csv.")]


@dataclass(frozen=True)
class CountClass:
    """Counts from ``low`` to ``high`` (both included), drawn in ``colour``."""

    low: int
    high: int
    colour: str

    @property
    def label(self) -> str:
        return f"{self.low:,}" if self.low == self.high else f"{self.low:,}–{self.high:,}"


def count_classes(counts: Sequence[int]) -> list[CountClass]:
    """The classes of the non-zero ``counts``: one per value when there are at most
    :data:`MAX_CLASSES` values from the lowest to the highest, else that many ranges of
    equal width (0, a gap, has a colour of its own: :data:`GAP_COLOUR`).

    >>> [c.label for c in count_classes([0, 1, 2, 3])]
    ['1', '2', '3']
    >>> [c.label for c in count_classes([4, 100])]
    ['4–22', '23–42', '43–61', '62–81', '82–100']
    """
    covered = [count for count in counts if count > 0]
    if not covered:
        return []
    low, high = min(covered), max(covered)
    if high - low + 1 <= MAX_CLASSES:
        bounds = [(value, value) for value in range(low, high + 1)]
    else:
        width = (high - low + 1) / MAX_CLASSES
        edges = [low + round(width * step) for step in range(MAX_CLASSES)] + [high + 1]
        bounds = [(edges[i], edges[i + 1] - 1) for i in range(MAX_CLASSES)]
    # fewer classes take colours spread over the scale, from its middle when only one
    picks = ([2] if len(bounds) == 1 else
             [round(i * (MAX_CLASSES - 1) / (len(bounds) - 1)) for i in range(len(bounds))])
    return [CountClass(lo, hi, CLASS_COLOURS[pick]) for (lo, hi), pick in zip(bounds, picks,
                                                                            strict=True)]


def class_of(count: int, classes: Sequence[CountClass]) -> int:
    """The position of ``count``'s class in ``classes`` (-1 for 0, a gap)."""
    return next((i for i, c in enumerate(classes) if c.low <= count <= c.high), -1)


@dataclass
class MapView:
    """One map's question, its numbers and everything the page says about them."""

    params: dict[str, str | None]
    counts: ProviderCounts
    classes: list[CountClass]
    rows: list[dict[str, Any]]
    shapes: str
    shape_key: str
    attribution: list[str]
    unshaped: list[EntityRef]
    title: str
    description: str
    rest_gaps: str | None
    data_url: str
    csv_url: str
    notes: list[str] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        """The map's data as ``/app/map/data`` answers it (and the page embeds it)."""
        counts = self.counts
        return {
            "title": self.title, "description": self.description,
            "measure": "providers covering the region",
            "scope": counts.scope.model_dump(), "level": counts.region_level,
            "sector": counts.sector.model_dump() if counts.sector else None,
            "sector_level": counts.sector_level, "broadest": counts.broadest,
            "kinds": counts.kinds, "typology": counts.typology,
            "regions": self.rows, "max": counts.max, "gaps": counts.gaps,
            "classes": [{"low": c.low, "high": c.high, "label": c.label, "colour": c.colour}
                        for c in self.classes],
            "gap_colour": GAP_COLOUR, "shapes": self.shapes, "shape_key": self.shape_key,
            "background": "/geo/countries", "attribution": self.attribution,
            "attribution_short": [_short(text) for text in self.attribution],
            "unshaped": [region.code or region.label for region in self.unshaped],
            "rest": self.rest_gaps, "csv": self.csv_url,
        }


def _as_param(error: ParamError, name: str, page_name: str) -> ParamError:
    """``error`` about the parameter ``name`` of a query, as one about the page's own
    parameter ``page_name`` (so that the error page's suggestions link to this page)."""
    if error.param != name:
        return error
    message = error.message.split(": ", 1)[-1].split("; did you mean ", 1)[0]
    return ParamError(page_name, error.value, message, status=error.status,
                      suggestions=error.suggestions, labels=error.labels)


def _short(attribution: str) -> str:
    """An attribution's first sentence, for the corner of the map (the page gives it all).

    >>> _short("© EuroGeographics for the administrative boundaries. Source: GISCO")
    '© EuroGeographics for the administrative boundaries'
    """
    for stop in (". ", ": ", " ("):
        attribution = attribution.split(stop, 1)[0]
    return attribution


def map_view(service: QueryService, geo_dir: Path | None, scope: str | None, level: str,
             sector: str | None, broadest: str | None, kinds: str | None,
             typology: str | None) -> MapView:
    """Count the providers per region and describe the map in words."""
    level_key = (level or "nuts2").strip().lower()
    scope = (scope or "").strip() or DEFAULT_SCOPE.get(level_key, "Europe")
    try:
        counts = provider_counts(service, scope, level_key, sector or None,
                                 broadest=broadest or "world", kinds=kinds or None,
                                 typology=typology or None)
    except ParamError as error:
        raise _as_param(error, "region_level", "level") from error
    params = {"scope": scope, "level": counts.region_level, "sector": sector or None,
              "broadest": None if counts.broadest == "world" else counts.broadest,
              "kinds": kinds or None, "typology": typology or None}
    classes = count_classes(counts.counts)
    rows = [{"code": region.code, "iri": region.iri, "label": region.label, "count": count,
             "class": class_of(count, classes), "url": entity_url(region)}
            for region, count in zip(counts.regions, counts.counts, strict=True)]
    if counts.region_level == "country":
        layer = geo.world_countries(geo_dir)
        shaped = set(layer.by_code())
        unshaped = [r for r in counts.regions if geo.iso_numeric(r.code or "") not in shaped]
        shapes, shape_key, attribution = "/geo/countries", "iso", [layer.attribution]
    else:
        layer = geo.nuts_shapes(int(counts.region_level[-1]), geo_dir)
        shaped = set(layer.by_code())
        unshaped = [r for r in counts.regions if r.code not in shaped]
        shapes, shape_key = f"/geo/nuts/{counts.region_level[-1]}", "id"
        attribution = [layer.attribution, geo.world_countries(geo_dir).attribution
                       + " (the countries around)"]
    title, description = _map_words(counts)
    rest_gaps = None
    if counts.sector is not None and counts.sector_level is not None:
        rest_gaps = query_url("/analytics/gaps", {
            "scope": scope, "region_level": counts.region_level, "sector": sector,
            "sector_level": counts.sector_level, "broadest": params["broadest"],
            "kinds": kinds, "typology": typology})
    notes = []
    if not counts.regions:
        notes.append(f"No {LEVEL_NAMES[counts.region_level]} lies within "
                     f"{counts.scope.label}: choose a finer level or a wider area.")
    if unshaped:
        shown = ", ".join(r.code or r.label for r in unshaped[:12])
        more = f" and {len(unshaped) - 12:,} more" if len(unshaped) > 12 else ""
        notes.append(f"{len(unshaped):,} of the {len(counts.regions):,} regions have no shape "
                     f"in the boundaries drawn ({layer.title}) and are in the table only: "
                     f"{shown}{more}.")
    return MapView(params=params, counts=counts, classes=classes, rows=rows, shapes=shapes,
                   shape_key=shape_key, attribution=attribution, unshaped=unshaped,
                   title=title, description=description, rest_gaps=rest_gaps,
                   data_url=query_url("/app/map/data", params),
                   csv_url=query_url("/app/map/data", {**params, "format": "csv"}),
                   notes=notes)


def _map_words(counts: ProviderCounts) -> tuple[str, str]:
    """The map's title, and what it counts in a sentence."""
    level = LEVEL_NAMES[counts.region_level]
    scope = "the world" if counts.scope.type == "world" else counts.scope.label
    if counts.sector is not None:
        sector = f"{counts.sector.code} ({counts.sector.label})" if counts.sector.code \
            else counts.sector.label
        what = f"for {sector}"
        short = counts.sector.code or counts.sector.label
    else:
        what = ("in any sector (no sector chosen: every provider covering the region, "
                "whatever the sectors it names; one naming no sector covers them all)")
        short = "any sector"
    counted = BROADEST_WORDS.get(counts.broadest, f"counting coverage no broader than "
                                 f"{counts.broadest}")
    if counts.kinds:
        counted += " of the kinds " + ", ".join(counts.kinds)
    typology = (f" (only the NUTS-3 regions that are {' and '.join(counts.typology)})"
                if counts.typology else "")
    plural = "countries" if counts.region_level == "country" else level + "s"
    description = (f"Providers covering each {level} of {scope}{typology} {what}, {counted}. "
                   f"{len(counts.regions):,} {plural}; {counts.gaps:,} with no provider (a "
                   f"gap); at most {counts.max:,} provider{'' if counts.max == 1 else 's'} "
                   f"in one.")
    return f"Providers per {level}: {scope}, {short}", description


@router.get("/app/map", response_class=HTMLResponse)
def map_page(request: Request, service: ServiceDep, settings: SettingsDep,
             scope: MapScope = None, level: MapLevel = "nuts2", sector: Sector = None,
             broadest: Broadest = "world", kinds: ProviderKinds = None,
             typology: Typology = None) -> Response:
    """A choropleth of the providers covering each region, with the same numbers as a
    table, a CSV and the REST question."""
    view = map_view(service, settings.geo_dir, scope, level, sector, broadest, kinds,
                    join_typologies(typology))
    return render_page(request, "map.html", view=view, form=view.params,
                       levels=LEVEL_NAMES, broadest_choices=BROADEST_CHOICES,
                       broadest_words=BROADEST_WORDS,
                       map_data=view.data())


@router.get("/app/map/data")
def map_data(service: ServiceDep, settings: SettingsDep,
             scope: MapScope = None, level: MapLevel = "nuts2", sector: Sector = None,
             broadest: Broadest = "world", kinds: ProviderKinds = None,
             typology: Typology = None, fmt: MapFormat = None) -> Response:
    """The map's numbers: ``{"regions": [{"code", "iri", "label", "count", "class",
    "url"}], "title", "description", "measure", "max", "gaps", "classes", ...}``, or with
    ``format=csv`` one row per region (region, region_name, region_iri, providers)."""
    try:
        if fmt not in (None, "json", "csv"):
            raise ParamError("format", fmt, "expected json or csv", status=422,
                             suggestions=["json", "csv"])
        view = map_view(service, settings.geo_dir, scope, level, sector, broadest, kinds,
                        join_typologies(typology))
    except ParamError as error:  # a JSON answer, as the REST API gives (not an error page)
        return JSONResponse(status_code=error.status, content={
            "detail": error.message, "parameter": error.param, "value": error.value,
            "suggestions": error.suggestions, "suggested": error.suggested})
    if fmt == "csv":
        rows = [{"region": row["code"], "region_name": row["label"], "region_iri": row["iri"],
                 "providers": row["count"]} for row in view.rows]
        name = f"providers-{view.counts.region_level}-{view.counts.scope.code or 'scope'}"
        return Response(to_csv(rows, columns=["region", "region_name", "region_iri",
                                              "providers"]),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return JSONResponse(view.data())


# -- the graph of networks of networks -------------------------------------------------

MAX_NODES = 800
"""The most entity nodes a graph draws (the nearest first); the table says what is left.
More cannot be read as a drawing, and each costs the page about 1 kB of HTML and JSON (a
1,500-node page took 260 ms at 100k organisations; benchmarks/RESULTS.md)."""
MAX_DEPTH = 5


@dataclass
class GraphView:
    """A network's members to a depth (or an organisation's networks upwards), as nodes
    grouped by country and membership edges, capped at :data:`MAX_NODES`."""

    root: EntityRef
    direction: str
    depth: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    total: int
    deepest: int
    notes: list[str]

    @property
    def countries(self) -> int:
        return sum(1 for node in self.nodes if node["kind"] == "country")

    def data(self) -> dict[str, Any]:
        """The graph as the page embeds it for Cytoscape.js."""
        elements = ([{"group": "nodes", "data": group} for group in self.groups]
                    + [{"group": "nodes", "data": {k: v for k, v in node.items()
                                                   if k not in ("via", "country_name")}}
                       for node in self.nodes]
                    + [{"group": "edges", "data": edge} for edge in self.edges])
        return {"root": self.root.iri, "direction": self.direction, "depth": self.depth,
                "elements": elements, "nodes": len(self.nodes), "countries": self.countries,
                "total": self.total, "kinds": {kind: KIND_NAMES.get(kind, kind) for kind in
                                               sorted({n["kind"] for n in self.nodes})}}


def _int_param(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None or not value.strip():
        return default
    text = value.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ParamError(name, value, f"expected a whole number from {low} to {high}",
                         status=422, suggestions=[str(n) for n in range(low, high + 1)])
    return int(text)


def graph_view(service: QueryService, root: str, direction: str, depth: int) -> GraphView:
    """The nodes, edges and country groups of the graph of ``root``."""
    try:
        graph = membership_graph(service, root, direction, depth, limit=MAX_NODES)
    except ParamError as error:
        renamed = _as_param(_as_param(error, "network", "root"), "organisation", "root")
        if renamed.param == "root" and renamed.status == 404:
            # the networks (or, upwards, the organisations) spelled like it, if any
            _, hits = service.search_page(root, "network" if direction == "members"
                                          else "organisation", limit=8)
            close = [hit.code for hit in hits if hit.code]
            if close:
                message = renamed.message.split(": ", 1)[-1].split("; did you mean ", 1)[0]
                renamed = ParamError("root", root, message, status=404, suggestions=close,
                                     labels={hit.code: hit.label for hit in hits if hit.code})
        raise renamed from error
    countries = located_countries(service)
    index = service.index
    nodes = []
    for member in graph.nodes:
        ref = service.ref(member.iri)
        country = ref.iri if ref.type == "country" else countries.get(member.iri)
        nodes.append({
            "id": ref.iri, "label": ref.label, "kind": ref.type or "entity", "code": ref.code,
            "depth": member.depth, "url": entity_url(ref), "root": member.depth == 0,
            "country": index.codes.get(country) if country else None,
            "country_name": index.label(country) if country else None,
            "via": sorted((service.ref(iri) for iri in member.links),
                          key=lambda r: (r.label.casefold(), r.iri))})
    edges = [{"id": f"e{number}", "source": source, "target": target}
             for number, (source, target) in enumerate(graph.edges)]
    groups = _country_groups(nodes)
    noun = "members" if direction == "members" else "networks"
    notes = []
    if graph.within > len(nodes) - 1:
        notes.append(f"Showing the {len(nodes) - 1:,} nearest of the {graph.within:,} {noun} "
                     f"to depth {depth} (by depth, then name); the CSV has them all.")
    if graph.total > graph.within:
        notes.append(f"{graph.total - graph.within:,} more {noun} lie deeper, to depth "
                     f"{graph.deepest}: choose a greater depth to see them.")
    return GraphView(root=service.ref(graph.root), direction=direction, depth=depth,
                     nodes=nodes, edges=edges, groups=groups, total=graph.total,
                     deepest=graph.deepest, notes=notes)


def _country_groups(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A compound node per country that members are located in, holding them (and the
    country itself, when it is a member too); sets each grouped node's ``parent``."""
    located: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for node in nodes:
        if node["country"] and node["kind"] != "country" and not node["root"]:
            located.setdefault(node["country"], []).append(node)
            names[node["country"]] = node["country_name"]
    for node in nodes:
        if node["kind"] == "country" and node["country"] in located and not node["root"]:
            located[node["country"]].append(node)
    groups = []
    for code in sorted(located):
        groups.append({"id": f"group-{code}", "label": names[code], "kind": "group",
                       "code": code})
        for node in located[code]:
            node["parent"] = f"group-{code}"
    return groups


@router.get("/app/graph", response_class=HTMLResponse)
def graph_page(
    request: Request, service: ServiceDep,
    root: Annotated[str | None, Query(description="The network (members) or organisation "
                                      "(memberships): id, code or IRI.")] = None,
    direction: Annotated[str, Query(description="members or memberships.")] = "members",
    depth: Annotated[str | None, Query(description="The deepest level, 1 to 5.")] = None,
) -> Response:
    """A network's members to a depth, or an organisation's networks upwards, as an
    interactive graph grouped by country, with the same nodes as a table."""
    if direction not in DIRECTIONS:  # before the form echoes it
        raise ParamError("direction", direction, "expected members or memberships",
                         status=422, suggestions=list(DIRECTIONS))
    levels = _int_param("depth", depth, 3, 1, MAX_DEPTH)
    form = {"root": root or "", "direction": direction, "depth": levels}
    if not root or not root.strip():
        networks = sorted(service.networks(), key=lambda n: (-n["members"], n["label"]))
        return render_page(request, "graph.html", view=None, form=form,
                           networks=networks[:50], network_count=len(networks))
    view = graph_view(service, root.strip(), direction, levels)
    key = view.root.code or root.strip()
    if direction == "members":
        rest = query_url(f"/networks/{key}/members", {"transitive": "true"})
        question = snippets(service, "members", rest, {"network": key, "transitive": "true"})
    else:
        rest = query_url(f"/organisations/{key}/memberships", {"transitive": "true"})
        question = snippets(service, "memberships", rest,
                            {"organisation": key, "transitive": "true"})
    question = replace(question, rest=rest)
    csv_url = query_url(rest.split("?")[0], {"transitive": "true", "format": "csv",
                                             "limit": MAX_LIMIT})
    return render_page(request, "graph.html", view=view, form=form, question=question,
                       csv_url=csv_url, json_url=rest,
                       graph_data=view.data())

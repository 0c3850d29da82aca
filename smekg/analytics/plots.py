"""Figures of analysis results: coverage gaps (heat map and map), networks of networks,
brokers.

Every function builds a :class:`matplotlib.figure.Figure` on the Agg canvas, never
through :mod:`matplotlib.pyplot`, so figures can be drawn in a web server's threads;
:func:`save` and :func:`figure_bytes` write them as PNG, SVG or PDF.

Figures are sized to be printed as they are: at most about 13 inches on their long side
(under 2,000 pixels at 150 dpi), no text under 7 points, names rather than bare codes on
axes and nodes. When there is more to show than fits, a figure shows a part (the regions
and sectors with the most gaps, the nodes nearest the root, the labels that fit) and its
title says how much more there is.

Examples
--------
>>> from smekg.analytics.projection import project
>>> from smekg.analytics.testing import toy_index, toy_rows
>>> figure = network_diagram(project(toy_index(), toy_rows()), "ex:network")
>>> figure_bytes(figure, figure_format("network.png"))[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import io
import math
import os
import threading
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO, TypeAlias, TypedDict

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from smekg.analytics.models import BrokersAnswer, GapMatrix
from smekg.analytics.projection import ProjectedGraph
from smekg.queries.models import EntityRef
from smekg.reference import geo

FIGURE_FORMATS = ("png", "svg", "pdf")
"""The formats :func:`save` writes."""

KIND_COLOURS = {  # Okabe-Ito: told apart by colour-blind readers too
    "network": "#0072B2",
    "organisation": "#E69F00",
    "country": "#009E73",
    "other": "#999999",
}
"""The colour of each kind of node in :func:`network_diagram`."""

HEATMAP_MAX_ROWS = 60
"""At most this many regions in a heat map (those with the most uncovered cells)."""
HEATMAP_MAX_COLUMNS = 90
"""At most this many sectors in a heat map (all 88 NACE divisions fit)."""
MAP_SIZE = (7.0, 7.0)
"""The gap map's size in inches (PNG: :data:`MAP_DPI` dots per inch, 1,400 x 1,400)."""
MAP_DPI = 200
MIN_FONT_SIZE = 7.0
"""The smallest text, in points, at the figure's own size."""

_PNG_DPI = 150
_UNCOVERED_COLOUR = "#fbe3e3"
_UNCOVERED_HATCH = "#e08a8a"
_UNCOVERED_TEXT = "#a61b1b"
_ANNOTATED_CELLS = 400
_MAX_BARS = 40
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
              "alpha": 0.75}
_CHAR_WIDTH = 0.55  # average width of a character, in ems (DejaVu Sans)
_SVG = "http://www.w3.org/2000/svg"
# rc_context changes matplotlib's global settings while an SVG or PDF is written: one at a time.
_WRITE_LOCK = threading.Lock()
_Point: TypeAlias = tuple[float, float]


@dataclass
class _Extras:
    """How a figure is written, beyond matplotlib's defaults."""

    dpi: float = _PNG_DPI
    tight: bool = True
    svg_titles: dict[str, str] = field(default_factory=dict)  # gid -> hover text


_EXTRAS: weakref.WeakKeyDictionary[Figure, _Extras] = weakref.WeakKeyDictionary()


class _TextPlacement(TypedDict, total=False):
    """How a label is placed around its anchor (keywords of ``Axes.annotate``)."""

    rotation: float
    rotation_mode: str
    ha: str
    va: str


def figure_format(path_or_name: str | os.PathLike[str]) -> str:
    """The figure format of a file name's suffix (or of a bare format name).

    Raises
    ------
    ValueError
        If the suffix is not one of :data:`FIGURE_FORMATS`.

    Examples
    --------
    >>> figure_format("gaps.PNG"), figure_format(Path("out/brokers.svg")), figure_format("pdf")
    ('png', 'svg', 'pdf')
    """
    path = Path(path_or_name)
    fmt = path.suffix.lower().lstrip(".") or path.name.lower()
    if fmt not in FIGURE_FORMATS:
        names = ["." + f for f in FIGURE_FORMATS]
        raise ValueError(f"cannot tell the figure format of {str(path_or_name)!r}: "
                         f"use a name ending in {', '.join(names[:-1])} or {names[-1]}")
    return fmt


def save(figure: Figure, out: Path | str | BinaryIO, fmt: str) -> None:
    """Write ``figure`` as ``fmt``: PNG (150 dpi; the map 200 dpi), SVG with text kept as
    text (and, on a map, each region's name and value as its hover title), or PDF with
    TrueType text.

    Parameters
    ----------
    figure
        A figure of this module.
    out
        A path or a binary stream (left open).
    fmt
        One of :data:`FIGURE_FORMATS`.

    Raises
    ------
    ValueError
        If ``fmt`` is not one of :data:`FIGURE_FORMATS`.
    """
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}: use one of {', '.join(FIGURE_FORMATS)}")
    extras = _EXTRAS.get(figure, _Extras())
    bbox = "tight" if extras.tight else None
    if fmt == "png":
        figure.savefig(out, format="png", dpi=extras.dpi, bbox_inches=bbox)
        return
    if fmt == "pdf":
        with _WRITE_LOCK, matplotlib.rc_context({"pdf.fonttype": 42}):  # editable text
            figure.savefig(out, format="pdf", bbox_inches=bbox,
                           metadata={"CreationDate": None, "Creator": "smekg"})
        return
    # Text as <text> (searchable, selectable, smaller); a fixed salt gives stable ids.
    stream = io.BytesIO()
    with _WRITE_LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "smekg"}):
        figure.savefig(stream, format="svg", bbox_inches=bbox, metadata={"Date": None})
    data = _with_titles(stream.getvalue(), extras.svg_titles)
    if isinstance(out, (str, Path)):
        Path(out).write_bytes(data)
    else:
        out.write(data)


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """``figure`` as ``fmt`` bytes (see :func:`save`)."""
    stream = io.BytesIO()
    save(figure, stream, fmt)
    return stream.getvalue()


def _with_titles(svg: bytes, titles: dict[str, str]) -> bytes:
    """``svg`` with a ``<title>`` (a tooltip on hover) first in each group named in
    ``titles`` (matplotlib writes an artist with a gid as ``<g id="gid">``)."""
    if not titles:
        return svg
    for prefix, uri in (("", _SVG), ("xlink", "http://www.w3.org/1999/xlink"),
                        ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
                        ("cc", "http://creativecommons.org/ns#"),
                        ("dc", "http://purl.org/dc/elements/1.1/")):
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(svg)  # our own output: no entities, no external references
    for group in root.iter(f"{{{_SVG}}}g"):
        text = titles.get(group.get("id", ""))
        if text is not None:
            title = ET.Element(f"{{{_SVG}}}title")
            title.text = text
            group.insert(0, title)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


# --- gap heatmap ---------------------------------------------------------------------------


def gap_heatmap(matrix: GapMatrix, *, max_rows: int = HEATMAP_MAX_ROWS,
                max_columns: int = HEATMAP_MAX_COLUMNS) -> Figure:
    """A heatmap of how many providers cover each region x sector cell.

    Rows are regions, columns sectors, each labelled "code name"; the colour is the number
    of covering providers and uncovered cells are hatched in red. Counts are written in the
    cells when there are at most 400. The title says what was counted: the level coverage
    was capped at (``broadest``) and the kinds of provider (``kinds``), when given.

    Parameters
    ----------
    matrix
        A gap matrix (``counts[i][j]``: providers covering region ``i`` and sector ``j``).
    max_rows, max_columns
        At most this many regions and sectors are shown: those with the most uncovered
        cells (then the fewest providers), in the matrix's order; the title says how many
        more there are (the CSV and JSON answers have them all).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows, columns = len(matrix.regions), len(matrix.sectors)
    counts = np.array(matrix.counts, dtype=int).reshape(rows, columns)
    row_index = _most_uncovered(counts, max(1, max_rows))
    column_index = _most_uncovered(counts.T, max(1, max_columns))
    shown = counts[np.ix_(row_index, column_index)]
    regions = [matrix.regions[i] for i in row_index]
    sectors = [matrix.sectors[j] for j in column_index]
    row_labels = [_name(r.code, r.label, 32) for r in regions]
    column_labels = [_name(s.code, s.label, 30) for s in sectors]
    size = _heatmap_size(len(regions), len(sectors), row_labels, column_labels)
    figure = _figure(size.width, size.height)
    ax = figure.add_subplot()
    ax.set_title(_heatmap_title(matrix, len(regions), len(sectors)), fontsize=9, loc="left")
    if shown.size == 0:
        _say_empty(ax, "No regions or sectors to show")
        return figure
    cmap, norm = _count_colours(int(counts.max()))
    image = ax.imshow(np.ma.masked_equal(shown, 0), cmap=cmap, norm=norm, aspect="auto",
                      interpolation="nearest")
    _hatch_uncovered(ax, shown)
    _heatmap_ticks(ax, row_labels, column_labels, size)
    if shown.size <= _ANNOTATED_CELLS and min(size.cell_width, size.cell_height) >= 0.2:
        _annotate_counts(ax, shown, cmap, norm, min(size.cell_width, size.cell_height) * 72)
    if shown.size <= 2500:  # cell borders, while cells are big enough to see them
        ax.set_xticks(np.arange(len(sectors) + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(len(regions) + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", linewidth=0.8)
        ax.tick_params(which="minor", length=0)
    shrink = 1.0 if len(regions) <= 20 else min(1.0, 6 / max(size.height - 3, 1.0))
    colorbar = figure.colorbar(image, ax=ax, fraction=0.04 if len(sectors) > 8 else 0.08,
                               pad=0.02, shrink=shrink)
    colorbar.set_label("covering providers (0: uncovered, hatched)", fontsize=8)
    colorbar.ax.tick_params(labelsize=MIN_FONT_SIZE)
    if isinstance(norm, BoundaryNorm):
        colorbar.set_ticks(range(1, len(norm.boundaries)))
    figure.legend(handles=[Patch(facecolor=_UNCOVERED_COLOUR, edgecolor=_UNCOVERED_HATCH,
                                 hatch="///", label=f"0: uncovered ({matrix.uncovered:,} of "
                                 f"{matrix.cells:,} cells)")],
                  loc="outside lower left", fontsize=8, frameon=False)
    return figure


@dataclass(frozen=True)
class _HeatmapSize:
    """A heatmap's size in inches: the figure's, a cell's, the tick labels' font sizes."""

    width: float
    height: float
    cell_width: float
    cell_height: float
    row_font: float
    column_font: float
    vertical: bool


def _most_uncovered(counts: np.ndarray, keep: int) -> list[int]:
    """The indexes of the ``keep`` rows of ``counts`` with the most zeros (then the fewest
    providers, then first), in their order."""
    if len(counts) <= keep:
        return list(range(len(counts)))
    zeros, totals = (counts == 0).sum(axis=1), counts.sum(axis=1)
    ranked = sorted(range(len(counts)), key=lambda i: (-int(zeros[i]), int(totals[i]), i))
    return sorted(ranked[:keep])


def _heatmap_size(rows: int, columns: int, row_labels: Sequence[str],
                  column_labels: Sequence[str]) -> _HeatmapSize:
    cell_width = min(0.36, max(0.11, 6.5 / max(columns, 1)))
    cell_height = min(0.36, max(0.14, 8.0 / max(rows, 1)))
    row_font = min(9.0, max(MIN_FONT_SIZE, cell_height * 72 * 0.6))
    column_font = min(9.0, max(MIN_FONT_SIZE, cell_width * 72 * 0.6))
    longest_column = max((len(label) for label in column_labels), default=1)
    vertical = longest_column * column_font * _CHAR_WIDTH > cell_width * 72 * 0.9
    column_band = (longest_column * column_font * _CHAR_WIDTH / 72 if vertical
                   else column_font / 72) + 0.45  # the labels and the axis label
    row_band = max((len(label) for label in row_labels), default=1) * row_font \
        * _CHAR_WIDTH / 72 + 0.45
    width = min(13.5, max(6.5, row_band + columns * cell_width + 1.3))
    height = min(13.5, max(4.0, 1.3 + rows * cell_height + column_band + 0.4))
    return _HeatmapSize(width, height, cell_width, cell_height, row_font, column_font,
                        vertical)


def _heatmap_title(matrix: GapMatrix, rows: int, columns: int) -> str:
    sectors = f"sectors: {matrix.sector_level}"
    if matrix.sector_scope is not None:
        sectors += f" within {_name(matrix.sector_scope.code, matrix.sector_scope.label)}"
    lines = [f"Coverage gaps: {matrix.scope.label}",
             f"regions: {matrix.region_level}{_typology(matrix)} × {sectors}"
             + (f"; entities of type {matrix.type}" if matrix.type else "")]
    counted = _counted(matrix)
    if counted:
        lines.append("counting only " + counted)
    lines.append(f"{matrix.uncovered:,} of {matrix.cells:,} cells uncovered (hatched)")
    left_out = [(rows, len(matrix.regions), "regions"), (columns, len(matrix.sectors),
                                                         "sectors")]
    parts = [f"{shown} of {total} {what}" for shown, total, what in left_out if shown < total]
    if parts:
        lines.append(f"showing the {' and '.join(parts)} with the most uncovered cells, "
                     "then the fewest providers (all are in the CSV)")
    return "\n".join(lines)


def _typology(matrix: GapMatrix) -> str:
    """`` of typology mountain, island`` when the regions were kept by typology."""
    return f" of typology {', '.join(matrix.typology)}" if matrix.typology else ""


def _counted(matrix: GapMatrix) -> str:
    """What was counted, when not everything: ``broadest`` and ``kinds``."""
    counted = []
    if matrix.broadest != "world":
        counted.append(f"coverage at {matrix.broadest} level or narrower")
    if matrix.kinds:
        counted.append(f"providers of kinds {', '.join(matrix.kinds)}")
    return "; ".join(counted)


def _count_colours(top: int) -> tuple[Colormap, Normalize]:
    """Colours for counts 1 to ``top``: one colour a count when there are few."""
    cmap = matplotlib.colormaps["YlGnBu"]
    if top <= 10:
        bounds = np.arange(0.5, max(top, 1) + 1.5)
        colours = cmap(np.linspace(0.2, 1.0, len(bounds) - 1))
        return ListedColormap(colours), BoundaryNorm(bounds, len(bounds) - 1)
    return cmap, Normalize(vmin=1, vmax=top)


def _hatch_uncovered(ax: Axes, counts: np.ndarray) -> None:
    cells = [Rectangle((j - 0.5, i - 0.5), 1, 1) for i, j in zip(*np.nonzero(counts == 0),
                                                                  strict=True)]
    ax.add_collection(PatchCollection(cells, facecolor=_UNCOVERED_COLOUR,
                                      edgecolor=_UNCOVERED_HATCH, hatch="///", linewidth=0))


def _heatmap_ticks(ax: Axes, row_labels: Sequence[str], column_labels: Sequence[str],
                   size: _HeatmapSize) -> None:
    """Region and sector tick labels, every one when it fits."""
    step = max(1, math.ceil(size.row_font * 1.1 / (size.cell_height * 72)))
    ax.set_yticks(range(0, len(row_labels), step), list(row_labels[::step]),
                  fontsize=size.row_font)
    ax.set_xticks(range(len(column_labels)), list(column_labels), fontsize=size.column_font,
                  rotation=90 if size.vertical else 0)
    ax.set_xlabel("sector", fontsize=8)
    ax.set_ylabel("region", fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _annotate_counts(ax: Axes, counts: np.ndarray, cmap: Colormap,
                     norm: Normalize, cell_points: float) -> None:
    size = min(9.0, max(MIN_FONT_SIZE, cell_points * 0.4))
    for (i, j), count in np.ndenumerate(counts):
        colour = _UNCOVERED_TEXT if count == 0 else _text_colour(cmap(norm(count)))
        ax.text(j, i, str(count), ha="center", va="center", fontsize=size, color=colour,
                fontweight="bold" if count == 0 else "normal")


def _text_colour(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on ``rgba``."""
    red, green, blue = rgba[0], rgba[1], rgba[2]
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.55 else "black"


# --- gap map -------------------------------------------------------------------------------


@dataclass
class _MapRegion:
    """A row of the gap matrix on the map: its name, its value, its polygons."""

    ref: EntityRef
    name: str
    value: int
    polygons: list[geo.Polygon]
    attribution: str | None
    gid: str = ""


@dataclass(frozen=True)
class _Part:
    """One polygon of a region: its centroid, area and bounding box (degrees)."""

    region: int
    index: int  # of the polygon among the region's
    centroid: _Point
    area: float
    box: tuple[float, float, float, float]


def gap_map(matrix: GapMatrix, *, geo_dir: Path | None = None) -> Figure:
    """A choropleth of the gap matrix: each region coloured by its gaps.

    With several sectors, a region's colour is the number of sectors in which no provider
    covers it (its uncovered cells: 0, every sector covered, to all of them); with one
    sector (e.g. ``--sector C25 --sector-level division``), the number of providers
    covering it, 0 hatched in red as on the heat map. The title says the scope, the
    levels, the ceiling (``broadest``) and the kinds of provider counted; the colour bar
    says what the colour counts. Each region in an SVG has a hover title (its code, name
    and value); names that fit are written in the regions.

    The map covers the scope's regions (far-flung parts such as the Canary Islands or the
    French overseas regions are left out of the frame, and named under the map),
    in an equirectangular projection true to scale at the frame's middle latitude, over the
    surrounding countries in grey. It is 7 x 7 inches (PNG at 200 dpi: 1,400 x 1,400
    pixels) and credits the shapes' source under the map.

    Parameters
    ----------
    matrix
        A gap matrix of countries or NUTS regions.
    geo_dir
        A folder of the user's shapes (default: ``SMEKG_GEO_DIR``, else the bundled ones;
        see :mod:`smekg.reference.geo`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    counts = np.array(matrix.counts, dtype=int).reshape(len(matrix.regions),
                                                        len(matrix.sectors))
    by_providers = len(matrix.sectors) == 1
    values = counts[:, 0] if by_providers else (counts == 0).sum(axis=1)
    regions = _map_regions(matrix, [int(v) for v in values], geo_dir)
    figure = _figure(*MAP_SIZE)
    extras = _EXTRAS.setdefault(figure, _Extras())
    extras.dpi, extras.tight = MAP_DPI, False  # the size asked, exactly
    ax = figure.add_subplot()
    ax.set_title(_map_title(matrix, regions, by_providers), fontsize=9, loc="left")
    drawn = [region for region in regions if region.polygons]
    if not drawn:
        _say_empty(ax, "No region of the matrix has a shape to draw")
        return figure
    box = _map_frame(drawn)
    middle = math.cos(math.radians((box[2] + box[3]) / 2))
    box = _fit_frame(box, middle, (MAP_SIZE[0] - 1.5) / (MAP_SIZE[1] - 2.2))
    outside = _outside(drawn, box)
    # the frame's corners are the only data limits (the shapes are added without
    # autoscaling); the limits then grow to fill the axes at the map's aspect
    ax.ignore_existing_data_limits = True
    ax.update_datalim([(box[0], box[2]), (box[1], box[3])])
    ax.margins(0)
    ax.set_aspect(1 / middle, adjustable="datalim")
    background = _draw_background(ax, box, geo_dir)
    cmap, norm, ticks = _map_colours(int(values.max()) if values.size else 0,
                                     len(matrix.sectors), by_providers)
    for number, region in enumerate(drawn):
        region.gid = f"smekg-region-{number}"
        hatched = by_providers and region.value == 0
        patch = PathPatch(_polygon_path(region.polygons),
                          facecolor=_UNCOVERED_COLOUR if hatched else cmap(norm(region.value)),
                          edgecolor=_UNCOVERED_HATCH if hatched else "white",
                          hatch="///" if hatched else None, linewidth=0.4, zorder=2)
        patch.set_gid(region.gid)
        ax.add_artist(patch)  # as add_patch, without growing the data limits
        extras.svg_titles[region.gid] = _map_hover(region, matrix, by_providers)
    _draw_outlines(ax, drawn, geo_dir)
    colorbar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.62,
                               pad=0.02, fraction=0.05)
    colorbar.set_ticks([tick for tick, _ in ticks], labels=[text for _, text in ticks])
    colorbar.ax.tick_params(labelsize=MIN_FONT_SIZE, length=0)
    colorbar.set_label(_map_measure(matrix, by_providers), fontsize=8)
    if by_providers and any(region.value == 0 for region in drawn):
        figure.legend(handles=[Patch(facecolor=_UNCOVERED_COLOUR, edgecolor=_UNCOVERED_HATCH,
                                     hatch="///", label="0: no provider")],
                      loc="outside lower right", fontsize=8, frameon=False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(_map_notes(regions, outside, drawn, background), fontsize=MIN_FONT_SIZE,
                  loc="left", color="#333333", wrap=True)
    figure.draw_without_rendering()  # lay out, to know how big a degree is on the page
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    seen = _outside(drawn, (left, right, bottom, top))
    if seen != outside:  # the frame grew to the axes' shape: say what is really left out
        ax.set_xlabel(_map_notes(regions, seen, drawn, background))
    height = ax.get_position().height * MAP_SIZE[1]
    _label_regions(ax, drawn, cmap, norm, middle, height / (top - bottom), by_providers)
    return figure


def _map_regions(matrix: GapMatrix, values: list[int], geo_dir: Path | None
                 ) -> list[_MapRegion]:
    """The matrix's regions with their shapes: NUTS regions by code; countries as NUTS
    level 0, else as the countries around the NUTS area, else the world's countries."""
    codes: dict[str, dict[str, geo.Shape]] = {}
    regions = []

    def find(layer: geo.ShapeLayer, code: str) -> geo.Shape | None:
        if layer.file not in codes:
            codes[layer.file] = layer.by_code()
        return codes[layer.file].get(code)

    for ref, value in zip(matrix.regions, values, strict=True):
        code = (ref.code or "").upper()
        shape: geo.Shape | None = None
        attribution = None
        if len(code) == 2:  # a country, by its ISO 3166-1 code
            # whole countries first (Russia, ...), then the small ones 1:110m leaves out
            for layer, key in ((geo.nuts_shapes(0, geo_dir), geo.iso_to_nuts(code)),
                               (geo.world_countries(geo_dir), geo.iso_numeric(code) or ""),
                               (geo.nuts_background(geo_dir), geo.iso_to_nuts(code))):
                shape = find(layer, key)
                if shape is not None:
                    attribution = layer.attribution
                    break
        elif 3 <= len(code) <= 5:
            layer = geo.nuts_shapes(len(code) - 2, geo_dir)
            shape = find(layer, code)
            attribution = layer.attribution if shape is not None else None
        label = ref.label if ref.label and ref.label != ref.code else None
        name = label or (shape.name if shape is not None else None) or ref.code or ref.iri
        regions.append(_MapRegion(ref, name, value, _plane(shape) if shape else [],
                                  attribution))
    return regions


def _map_title(matrix: GapMatrix, regions: list[_MapRegion], by_providers: bool) -> str:
    level = {"nuts1": "NUTS-1 regions", "nuts2": "NUTS-2 regions", "nuts3": "NUTS-3 regions",
             "country": "countries"}.get(matrix.region_level, f"regions ({matrix.region_level})")
    if by_providers:
        sector = matrix.sectors[0]
        what = f"providers covering {_name(sector.code, sector.label, 50)}"
    else:
        what = f"sectors with no provider, of {len(matrix.sectors)} {matrix.sector_level}s"
        if matrix.sector_scope is not None:
            what += (f" within "
                     f"{_name(matrix.sector_scope.code, matrix.sector_scope.label, 40)}")
    lines = [f"Coverage gaps by region: {matrix.scope.label}",
             f"{len(regions):,} {level}{_typology(matrix)}; colour: {what}"
             + (f"; entities of type {matrix.type}" if matrix.type else "")]
    counted = _counted(matrix)
    lines.append("counting only " + counted if counted
                 else "counting coverage at every level (broadest: world)")
    gapped = sum(1 for region in regions if (region.value == 0 if by_providers
                                            else region.value > 0))
    lines.append(f"{matrix.uncovered:,} of {matrix.cells:,} cells uncovered; {gapped:,} of "
                 f"{len(regions):,} regions with a gap")
    return "\n".join(lines)


def _map_measure(matrix: GapMatrix, by_providers: bool) -> str:
    if by_providers:
        return "covering providers"
    return f"sectors with no provider (of {len(matrix.sectors)})"


def _map_hover(region: _MapRegion, matrix: GapMatrix, by_providers: bool) -> str:
    name = _name(region.ref.code, region.name, 80)
    if by_providers:
        return f"{name}: {region.value} provider{'' if region.value == 1 else 's'}"
    return (f"{name}: {region.value} of {len(matrix.sectors)} sectors with no provider")


def _map_colours(top: int, sectors: int, by_providers: bool
                 ) -> tuple[Colormap, Normalize, list[tuple[float, str]]]:
    """The colours of the values, and the colour bar's ticks (value, text)."""
    if by_providers:
        cmap, norm = _count_colours(max(top, 1))
        if isinstance(norm, BoundaryNorm):
            return cmap, norm, [(float(v), str(v)) for v in range(1, len(norm.boundaries))]
        return cmap, norm, [(float(v), str(v)) for v in np.linspace(1, top, 5).round()]
    # sectors with no provider: 0 (all covered) to every sector; at most 7 classes
    highest = max(sectors, 1)
    if highest <= 6:
        edges = list(range(highest + 2))
    else:
        inner = np.unique(np.round(np.linspace(1, highest + 1, 6)).astype(int))
        edges = [0, *(int(edge) for edge in inner)]
        edges[-1] = highest + 1
    bounds = np.array(edges, dtype=float) - 0.5
    colours = matplotlib.colormaps["YlOrRd"](np.linspace(0.05, 0.95, len(edges) - 1))
    ticks = []
    for low, high in pairwise(edges):
        text = str(low) if high - low == 1 else f"{low}–{high - 1}"
        ticks.append(((low + high - 1) / 2, text + (" (none)" if high - 1 == 0 else "")))
    return ListedColormap(colours), BoundaryNorm(bounds, len(edges) - 1), ticks


def _polygon_path(polygons: Sequence[geo.Polygon]) -> MplPath:
    """One path of ``polygons``: outer rings counter-clockwise, holes clockwise."""
    vertices: list[_Point] = []
    codes: list[int] = []
    move, line, close = int(MplPath.MOVETO), int(MplPath.LINETO), int(MplPath.CLOSEPOLY)
    for polygon in polygons:
        for number, ring in enumerate(polygon):
            points = _unwrapped(ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)
            if len(points) < 3:
                continue
            if (number == 0) != (_signed_area(points) > 0):
                points = points[::-1]
            vertices.extend([*points, points[0]])
            codes.extend([move, *[line] * (len(points) - 1), close])
    return MplPath(np.array(vertices, dtype=float), np.array(codes, dtype=np.uint8))


def _plane(shape: geo.Shape) -> list[geo.Polygon]:
    """The polygons of ``shape`` as drawn on the map (see :func:`_unwrapped`)."""
    return [[list(_unwrapped(ring)) for ring in polygon] for polygon in shape.polygons()]


def _unwrapped(ring: Sequence[_Point]) -> Sequence[_Point]:
    """``ring`` drawn on a plane: a ring crossing the antimeridian (a step of more than 180
    degrees of longitude) is moved east of it, not drawn across the world."""
    if all(abs(b[0] - a[0]) <= 180 for a, b in pairwise(ring)):
        return ring
    return [(x + 360 if x < 0 else x, y) for x, y in ring]


def _signed_area(points: Sequence[_Point]) -> float:
    """The signed area of a ring (shoelace formula; positive when counter-clockwise)."""
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    return float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2


def _ring_centroid(points: Sequence[_Point]) -> tuple[_Point, float]:
    """The centroid and the (unsigned) area of a ring."""
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    cross = xs * np.roll(ys, -1) - np.roll(xs, -1) * ys
    area = float(cross.sum()) / 2
    if abs(area) < 1e-12:
        return (float(xs.mean()), float(ys.mean())), 0.0
    cx = float(((xs + np.roll(xs, -1)) * cross).sum()) / (6 * area)
    cy = float(((ys + np.roll(ys, -1)) * cross).sum()) / (6 * area)
    return (cx, cy), abs(area)


def _parts(regions: Sequence[_MapRegion]) -> list[_Part]:
    parts = []
    for number, region in enumerate(regions):
        for index, polygon in enumerate(region.polygons):
            outer = polygon[0]
            centroid, area = _ring_centroid(outer)
            xs, ys = [p[0] for p in outer], [p[1] for p in outer]
            parts.append(_Part(number, index, centroid, area,
                               (min(xs), max(xs), min(ys), max(ys))))
    return parts


def _map_frame(regions: Sequence[_MapRegion]) -> tuple[float, float, float, float]:
    """The frame of the map: (lon0, lon1, lat0, lat1).

    The frame holds every polygon near the regions' middle: within 4 times the median
    distance of the regions' main polygons from their median, and at least 8.5 degrees;
    polygons farther away (overseas regions, remote islands) are left out of it.
    """
    parts = _parts(regions)
    main: dict[int, _Part] = {}
    for part in parts:
        if part.region not in main or part.area > main[part.region].area:
            main[part.region] = part
    middle_x = float(np.median([p.centroid[0] for p in main.values()]))
    middle_y = float(np.median([p.centroid[1] for p in main.values()]))
    scale = math.cos(math.radians(middle_y))

    def distance(part: _Part) -> float:
        return math.hypot((part.centroid[0] - middle_x) * scale, part.centroid[1] - middle_y)

    spread = float(np.median([distance(p) for p in main.values()]))
    near = [part for part in parts if distance(part) <= max(8.5, 4 * spread)] or parts
    x0, x1 = min(p.box[0] for p in near), max(p.box[1] for p in near)
    y0, y1 = min(p.box[2] for p in near), max(p.box[3] for p in near)
    pad_x, pad_y = max((x1 - x0) * 0.04, 0.1), max((y1 - y0) * 0.04, 0.1)
    box = (x0 - pad_x, x1 + pad_x, max(y0 - pad_y, -90.0), min(y1 + pad_y, 90.0))
    return box


def _outside(regions: Sequence[_MapRegion], box: tuple[float, float, float, float]
             ) -> list[_MapRegion]:
    """The regions none of whose polygons reach into ``box``."""
    parts = _parts(regions)
    return [region for number, region in enumerate(regions)
            if not any(_overlaps(p.box, box) for p in parts if p.region == number)]


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
              ) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def _fit_frame(box: tuple[float, float, float, float], scale: float, ratio: float
               ) -> tuple[float, float, float, float]:
    """``box`` widened or heightened to the axes' width/height ``ratio`` (on the map,
    a degree of longitude is ``scale`` times a degree of latitude)."""
    x0, x1, y0, y1 = box
    width, height = (x1 - x0) * scale, y1 - y0
    if width / height < ratio:
        grow = (ratio * height / scale - (x1 - x0)) / 2
        return x0 - grow, x1 + grow, y0, y1
    grow = (width / ratio - height) / 2
    return x0, x1, y0 - grow, y1 + grow


def _draw_background(ax: Axes, box: tuple[float, float, float, float],
                     geo_dir: Path | None) -> geo.ShapeLayer:
    """The countries around, in grey: Nuts2json's when the frame is within their window
    (about 27 W to 48 E, 30 N to 83 N), else the world's."""
    around = geo.nuts_background(geo_dir)
    window = _layer_box(around)
    inside = (box[0] >= window[0] - 1 and box[1] <= window[1] + 1 and box[2] >= window[2] - 1
              and box[3] <= window[3] + 1)
    layer = around if inside else geo.world_countries(geo_dir)
    paths = [_polygon_path(shape.polygons()) for shape in layer.shapes
             if _overlaps(_shape_box(shape), box)]
    ax.add_collection(PatchCollection([PathPatch(path) for path in paths],
                                      facecolor="#e6e6e6", edgecolor="white", linewidth=0.4,
                                      zorder=1), autolim=False)
    ax.set_facecolor("#f4f8fb")  # the sea
    return layer


def _layer_box(layer: geo.ShapeLayer) -> tuple[float, float, float, float]:
    boxes = [_shape_box(shape) for shape in layer.shapes]
    return (min(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _shape_box(shape: geo.Shape) -> tuple[float, float, float, float]:
    points = [point for polygon in _plane(shape) for point in polygon[0]]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), max(xs), min(ys), max(ys)


def _draw_outlines(ax: Axes, regions: Sequence[_MapRegion], geo_dir: Path | None) -> None:
    """The borders of the countries the regions are in, when they are NUTS regions."""
    countries = sorted({(region.ref.code or "")[:2].upper() for region in regions
                        if 3 <= len(region.ref.code or "") <= 5})
    if not countries:
        return
    shapes = geo.nuts_shapes(0, geo_dir).by_code()
    paths = [_polygon_path(shapes[code].polygons()) for code in countries if code in shapes]
    ax.add_collection(PatchCollection([PathPatch(path) for path in paths], facecolor="none",
                                      edgecolor="#555555", linewidth=0.7, zorder=3),
                      autolim=False)


def _label_regions(ax: Axes, regions: Sequence[_MapRegion], cmap: Colormap, norm: Normalize,
                   scale: float, inches_per_degree: float, by_providers: bool) -> None:
    """Write each region's name (7 pt) inside its main polygon, where it fits without
    overlapping another name: at the centroid, else at the point nearest it where the
    name's box lies inside the polygon."""
    taken: list[tuple[float, float, float, float]] = []
    main: dict[int, _Part] = {}
    for part in _parts(regions):
        if part.region not in main or part.area > main[part.region].area:
            main[part.region] = part
    height = MIN_FONT_SIZE * 1.3 / 72 / inches_per_degree  # degrees of latitude
    for number, part in sorted(main.items(), key=lambda item: -item[1].area):
        region = regions[number]
        text = _short(region.name, 22)
        width = (len(text) + 1) * MIN_FONT_SIZE * _CHAR_WIDTH / 72 / inches_per_degree / scale
        if width > part.box[1] - part.box[0] or height > part.box[3] - part.box[2]:
            continue
        spot = _label_spot(_polygon_path([region.polygons[part.index]]), part, width, height,
                           taken)
        if spot is None:
            continue
        x, y = spot
        taken.append((x - width / 2, x + width / 2, y - height / 2, y + height / 2))
        hatched = by_providers and region.value == 0
        colour = _UNCOVERED_TEXT if hatched else _text_colour(cmap(norm(region.value)))
        ax.text(x, y, text, ha="center", va="center", fontsize=MIN_FONT_SIZE, color=colour,
                zorder=4, clip_on=True)


def _label_spot(outline: MplPath, part: _Part, width: float, height: float,
                taken: Sequence[tuple[float, float, float, float]], steps: int = 15
                ) -> _Point | None:
    """The point nearest ``part``'s centroid (on a grid over its box) where a ``width`` x
    ``height`` box lies inside ``outline`` and clear of the ``taken`` boxes."""
    x0, x1, y0, y1 = part.box
    grid = [(x0 + (x1 - x0) * i / (steps - 1), y0 + (y1 - y0) * j / (steps - 1))
            for i in range(steps) for j in range(steps)]
    cx, cy = part.centroid
    for x, y in [part.centroid, *sorted(grid, key=lambda p: math.hypot(p[0] - cx,
                                                                       p[1] - cy))]:
        box = (x - width / 2, x + width / 2, y - height / 2, y + height / 2)
        dx, dy = width * 0.45, height * 0.35  # the letters, within the box's margins
        probes = [(x, y), (x - dx, y - dy), (x - dx, y + dy), (x + dx, y - dy),
                  (x + dx, y + dy), (x, y - dy), (x, y + dy)]
        if all(outline.contains_points(probes)) and not any(_overlaps(box, other)
                                                            for other in taken):
            return x, y
    return None


def _map_notes(regions: Sequence[_MapRegion], outside: Sequence[_MapRegion],
               drawn: Sequence[_MapRegion], background: geo.ShapeLayer) -> str:
    lines = []
    missing = [region for region in regions if not region.polygons]
    if missing:
        lines.append(f"No shape for {len(missing)}: "
                     + _listed([_name(r.ref.code, r.name, 40) for r in missing]))
    if outside:
        lines.append("Outside the frame: " + _listed([_name(r.ref.code, r.name, 40)
                                                       for r in outside]))
    credits = list(dict.fromkeys([*(r.attribution for r in drawn if r.attribution),
                                  background.attribution]))
    lines.append("Boundaries: " + " · ".join(credits))
    return "\n".join(lines)


def _listed(names: Sequence[str], most: int = 6) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


# --- network of networks -------------------------------------------------------------------


def network_diagram(graph: ProjectedGraph, network: str, *, max_depth: int = 3,
                    max_nodes: int = 300) -> Figure:
    """The network of networks rooted at ``network``: its members, theirs, and so on.

    Members are the subjects of ``member_of`` edges. The layout is a radial tree: the root
    in the middle, depth ``d`` on the ``d``-th ring, each member near the network through
    which it was first reached. Nodes are coloured by kind and sized by their number of
    members. Every node is labelled with its name where the label fits (along the radius
    on crowded rings, at least 7 pt); where names would overlap, networks and the nodes
    with the most members are labelled first, and the title says how many are not.

    Parameters
    ----------
    graph
        A projected graph.
    network
        The IRI of the root.
    max_depth
        How many levels of members to follow.
    max_nodes
        At most this many nodes are drawn, nearest first; the title says how many
        more there were.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``network`` is not a node of ``graph``.
    """
    if network not in graph:
        raise ValueError(f"{network!r} is not in the graph")
    levels, parents = _member_tree(graph, network, max_depth)
    reached = sum(len(level) for level in levels)
    levels = _cap(levels, max(1, max_nodes))
    kept = [node for level in levels for node in level]
    positions = _radial_layout(levels, parents)
    side = min(11.0, max(7.0, 4.0 + 0.6 * math.sqrt(len(kept))))
    figure = _figure(side + 2.0, side)
    ax = figure.add_subplot()
    depth = len(levels) - 1
    fontsize, radial = _label_size(kept), len(kept) > 12
    axes_inches = side - 0.9  # less the title
    longest = max(len(_node_text(graph, node)) for node in kept)
    unit = _fit_labels(ax, depth, longest, fontsize, axes_inches)
    labelled = _labelled(graph, levels, positions, network, unit, fontsize, radial)
    ax.set_title(_diagram_title(levels, reached - len(kept), max_nodes, len(labelled),
                                _label(graph, network)), fontsize=10, loc="left")
    _draw_memberships(ax, graph, kept, positions)
    sizes = _draw_nodes(ax, graph, kept, positions, network)
    _label_nodes(ax, graph, kept, positions, sizes, network, labelled, unit, depth, radial)
    _kind_legend(ax, graph, kept)
    ax.set_axis_off()
    return figure


def _members(graph: ProjectedGraph, node: str) -> list[str]:
    """The direct members of ``node``, by label."""
    members = {u for u, _, key in graph.in_edges(node, keys=True) if _is_membership(key)}
    return sorted(members, key=lambda member: (_label(graph, member).casefold(), member))


def _is_membership(key: object) -> bool:
    return key == "member_of" or str(key).startswith("member_of-")


def _member_tree(graph: ProjectedGraph, root: str, max_depth: int
                 ) -> tuple[list[list[str]], dict[str, str]]:
    """``[[root], its members, their members not seen before, ...]`` up to ``max_depth``,
    and the parent through which each member was first reached."""
    levels, parents = [[root]], {root: root}
    while len(levels) <= max_depth:
        level = []
        for parent in levels[-1]:  # a parent's members stay together
            for member in _members(graph, parent):
                if member not in parents:
                    parents[member] = parent
                    level.append(member)
        if not level:
            break
        levels.append(level)
    return levels, parents


def _cap(levels: list[list[str]], max_nodes: int) -> list[list[str]]:
    """The first ``max_nodes`` nodes of ``levels``, nearest first."""
    capped, room = [], max_nodes
    for level in levels:
        if room <= 0:
            break
        capped.append(level[:room])
        room -= len(capped[-1])
    return capped


def _radial_layout(levels: list[list[str]], parents: dict[str, str]
                   ) -> dict[str, _Point]:
    """A radial tree: the root in the middle, depth ``d`` on the ring of radius ``d``,
    each node in the middle of a wedge of its parent's, as wide as its share of leaves."""
    weight = {node: 1.0 for level in levels for node in level}
    for level in reversed(levels[1:]):
        children_weight: dict[str, float] = {}
        for node in level:
            children_weight[parents[node]] = children_weight.get(parents[node], 0.0) \
                + weight[node]
        weight.update(children_weight)
    root = levels[0][0]
    wedges = {root: (0.0, 2 * math.pi)}
    positions: dict[str, _Point] = {root: (0.0, 0.0)}
    for depth, level in enumerate(levels[1:], start=1):
        start = {parent: wedges[parent][0] for parent in {parents[node] for node in level}}
        for node in level:
            parent = parents[node]
            low, high = wedges[parent]
            width = (high - low) * weight[node] / weight[parent]
            wedges[node] = (start[parent], start[parent] + width)
            start[parent] += width
            angle = start[parent] - width / 2
            positions[node] = (depth * math.cos(angle), depth * math.sin(angle))
    return positions


def _diagram_title(levels: Sequence[Sequence[str]], left_out: int, max_nodes: int,
                   labelled: int, root: str) -> str:
    shown = sum(len(level) for level in levels)
    depth = len(levels) - 1
    lines = [f"Network of networks: {root}",
             f"{shown} node{'' if shown == 1 else 's'}, members up to depth {depth}"]
    if left_out:
        lines[-1] += f"; {left_out} more not shown (max_nodes={max_nodes})"
    if labelled < shown:
        lines.append(f"names on {labelled} of {shown} nodes (networks and the largest "
                     "first, where they fit)")
    return "\n".join(lines)


def _draw_memberships(ax: Axes, graph: ProjectedGraph, kept: list[str],
                      positions: dict[str, _Point]) -> None:
    segments = sorted({(u, v) for u, v, key in graph.subgraph(kept).edges(keys=True)
                       if _is_membership(key)})
    lines = [(positions[u], positions[v]) for u, v in segments]
    ax.add_collection(LineCollection(lines, colors="#8a8a8a", linewidths=0.7, alpha=0.6,
                                     zorder=1))


def _draw_nodes(ax: Axes, graph: ProjectedGraph, kept: list[str],
                positions: dict[str, _Point], root: str) -> list[float]:
    base = min(140.0, max(18.0, 1200 / math.sqrt(len(kept))))
    sizes = [base * (1 + math.sqrt(len(_members(graph, node)))) for node in kept]
    xy = np.array([positions[node] for node in kept])
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=[KIND_COLOURS[_kind(graph, n)] for n in kept],
               edgecolors=["black" if node == root else "white" for node in kept],
               linewidths=[2.0 if node == root else 0.6 for node in kept], zorder=2)
    return sizes


def _labelled(graph: ProjectedGraph, levels: Sequence[Sequence[str]],
              positions: dict[str, _Point], root: str, unit: float, fontsize: float,
              radial: bool) -> list[str]:
    """The nodes to name: every one whose label does not crowd a neighbour's on its ring.

    On a ring, labels along the radius need an arc of about 1.2 lines between them;
    networks and the nodes with the most members are served first.
    """
    if not radial:
        return [node for level in levels for node in level]
    chosen = [root]
    spacing = fontsize * 1.2 / 72  # inches between two labels on a ring
    for depth, level in enumerate(levels[1:], start=1):
        least = spacing / (depth * unit)  # radians
        taken: list[float] = []
        ranked = sorted(level, key=lambda node: (
            _kind(graph, node) != "network", -len(_members(graph, node)),
            _label(graph, node).casefold(), node))
        for node in ranked:
            angle = math.atan2(positions[node][1], positions[node][0])
            if all(_angle_between(angle, other) >= least for other in taken):
                taken.append(angle)
                chosen.append(node)
    order = {node: number for number, node in enumerate(n for level in levels for n in level)}
    return sorted(chosen, key=order.__getitem__)


def _angle_between(a: float, b: float) -> float:
    gap = abs(a - b) % (2 * math.pi)
    return min(gap, 2 * math.pi - gap)


def _label_size(kept: list[str]) -> float:
    return 8.0 if len(kept) > 12 else 9.0


def _node_text(graph: ProjectedGraph, node: str, width: int = 28) -> str:
    return _short(_label(graph, node), width)


def _label_nodes(ax: Axes, graph: ProjectedGraph, kept: list[str],
                 positions: dict[str, _Point], sizes: list[float], root: str,
                 labelled: list[str], unit: float, depth: int, radial: bool) -> None:
    """Label the ``labelled`` nodes just outside their marker, away from the root; on inner
    rings, names are shortened to end before the next ring."""
    fontsize = _label_size(kept)
    size_of = dict(zip(kept, sizes, strict=True))
    inner_chars = max(8, int((unit * 72 * 0.7 - 12) / (fontsize * _CHAR_WIDTH)))
    for node in labelled:
        offset = math.sqrt(size_of[node]) / 2 + 3  # points: just outside the marker
        if node == root:
            ax.annotate(_node_text(graph, node), positions[node], xytext=(0, -offset),
                        textcoords="offset points", ha="center", va="top",
                        fontsize=fontsize + 1, fontweight="bold", zorder=3, bbox=_LABEL_BOX)
            continue
        ring = round(math.hypot(*positions[node]))
        text = _node_text(graph, node, 28 if ring >= depth or not radial else inner_chars)
        _label_outward(ax, text, positions[node], offset, fontsize, radial)


def _label_outward(ax: Axes, text: str, position: _Point, offset: float,
                   fontsize: float, radial: bool) -> None:
    """Write ``text`` ``offset`` points from ``position``, away from the origin."""
    angle = math.atan2(position[1], position[0])
    cos, sin = math.cos(angle), math.sin(angle)
    options: _TextPlacement
    if radial:
        degrees = math.degrees(angle)
        rotation = degrees - 180 if cos < 0 else degrees
        options = {"rotation": rotation, "rotation_mode": "anchor", "va": "center",
                   "ha": "right" if cos < 0 else "left"}
    else:
        options = {"ha": "left" if cos > 0.3 else "right" if cos < -0.3 else "center",
                   "va": "bottom" if sin > 0.3 else "top" if sin < -0.3 else "center"}
    ax.annotate(text, position, xytext=(offset * cos, offset * sin), textcoords="offset points",
                fontsize=fontsize, zorder=3, bbox=_LABEL_BOX, **options)


def _fit_labels(ax: Axes, depth: int, longest: int, fontsize: float,
                axes_inches: float) -> float:
    """Set the axes' limits so that the outer ring's labels (up to ``longest`` characters)
    stay inside the axes (constrained layout does not make room for annotations).

    Returns
    -------
    float
        Inches per unit of the layout (the distance between two rings).
    """
    radius = max(depth, 1)
    label = (longest * fontsize * _CHAR_WIDTH + 14) / 72  # inches, with the gap
    margin = label * 2 * radius / max(axes_inches - 2 * label, 1.0)
    ax.set_xlim(-radius - margin, radius + margin)
    ax.set_ylim(-radius - margin, radius + margin)
    ax.set_aspect("equal")
    return axes_inches / (2 * (radius + margin))


def _kind_legend(ax: Axes, graph: ProjectedGraph, kept: list[str]) -> None:
    counts = {kind: 0 for kind in KIND_COLOURS}
    for node in kept:
        counts[_kind(graph, node)] += 1
    handles = [Line2D([], [], marker="o", linestyle="", markersize=8, color=colour,
                      label=f"{kind} ({counts[kind]})")
               for kind, colour in KIND_COLOURS.items() if counts[kind]]
    handles.append(Line2D([], [], color="#8a8a8a", label="member of"))
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=11, color="#cccccc",
                          label="size: number of members"))
    ax.legend(handles=handles, title="kind (nodes)", loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize=8, title_fontsize=8, frameon=False)


def _kind(graph: ProjectedGraph, node: str) -> str:
    kind = graph.nodes[node].get("kind")
    return kind if kind in KIND_COLOURS else "other"


# --- brokers -------------------------------------------------------------------------------


def broker_bars(answer: BrokersAnswer, top: int = 20) -> Figure:
    """A bar chart of the pairs of neighbours the top brokers bridge.

    Parameters
    ----------
    answer
        Brokers by country or by sector.
    top
        How many brokers to show, most bridged pairs first (at most 40).

    Returns
    -------
    matplotlib.figure.Figure
    """
    brokers = sorted(answer.results, key=lambda broker: -broker.bridged_pairs
                     )[:max(min(top, _MAX_BARS), 0)]
    figure = _figure(8.0, min(13.5, max(3.0, 1.6 + 0.3 * len(brokers))))
    ax = figure.add_subplot()
    groups = {"country": "countries", "sector": "sectors"}.get(answer.by, f"{answer.by} groups")
    ax.set_title(f"Brokers by {answer.by}: top {len(brokers)} of {answer.count}\n"
                 f"pairs of unlinked neighbours from different {groups} "
                 f"(graph: {answer.graph.scope})", fontsize=10, loc="left")
    if not brokers:
        _say_empty(ax, "No brokers")
        return figure
    labels = [_short(broker.label, 36) + (f" ({broker.country})" if broker.country else "")
              for broker in brokers]
    bars = ax.barh(range(len(brokers)), [b.bridged_pairs for b in brokers],
                   color=KIND_COLOURS["network"], height=0.7)
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_yticks(range(len(brokers)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("bridged pairs", fontsize=9)
    ax.margins(x=0.1)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


# --- shared --------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _say_empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _label(graph: ProjectedGraph, node: str) -> str:
    return str(graph.nodes[node].get("label") or node)


def _name(code: str | None, label: str, width: int = 60) -> str:
    """``"code label"`` (the label alone when it is the code), shortened to ``width``."""
    text = label if not code or code == label else f"{code} {label}"
    return _short(text, width)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"

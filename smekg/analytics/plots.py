"""Figures of analysis results: coverage gaps, networks of networks, brokers.

Every function builds a :class:`matplotlib.figure.Figure` on the Agg canvas, never
through :mod:`matplotlib.pyplot`, so figures can be drawn in a web server's threads;
:func:`save` and :func:`figure_bytes` write them as PNG or SVG.

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
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TypeAlias, TypedDict

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from smekg.analytics.models import BrokersAnswer, GapMatrix
from smekg.analytics.projection import ProjectedGraph

FIGURE_FORMATS = ("png", "svg")
"""The formats :func:`save` writes."""

KIND_COLOURS = {  # Okabe-Ito: told apart by colour-blind readers too
    "network": "#0072B2",
    "organisation": "#E69F00",
    "country": "#009E73",
    "other": "#999999",
}
"""The colour of each kind of node in :func:`network_diagram`."""

_PNG_DPI = 150
_UNCOVERED_COLOUR = "#fbe3e3"
_UNCOVERED_HATCH = "#e08a8a"
_UNCOVERED_TEXT = "#a61b1b"
_ANNOTATED_CELLS = 400
_ALL_LABELS_NODES = 40
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
              "alpha": 0.75}
# rc_context changes matplotlib's global settings while an SVG is written: one at a time.
_SVG_LOCK = threading.Lock()
_Point: TypeAlias = tuple[float, float]


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
    >>> figure_format("gaps.PNG"), figure_format(Path("out/brokers.svg")), figure_format("svg")
    ('png', 'svg', 'svg')
    """
    path = Path(path_or_name)
    fmt = path.suffix.lower().lstrip(".") or path.name.lower()
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"cannot tell the figure format of {str(path_or_name)!r}: "
                         f"use a name ending in {' or '.join('.' + f for f in FIGURE_FORMATS)}")
    return fmt


def save(figure: Figure, out: Path | str | BinaryIO, fmt: str) -> None:
    """Write ``figure`` as ``fmt`` (PNG at 150 dpi, or SVG with text kept as text).

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
    if fmt == "png":
        figure.savefig(out, format="png", dpi=_PNG_DPI, bbox_inches="tight")
        return
    # Text as <text> (searchable, selectable, smaller); a fixed salt gives stable ids.
    with _SVG_LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "smekg"}):
        figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """``figure`` as ``fmt`` bytes (see :func:`save`)."""
    stream = io.BytesIO()
    save(figure, stream, fmt)
    return stream.getvalue()


# --- gap heatmap ---------------------------------------------------------------------------


def gap_heatmap(matrix: GapMatrix) -> Figure:
    """A heatmap of how many providers cover each region x sector cell.

    Rows are regions ("code name"), columns sectors (by code); the colour is the number of
    covering providers and uncovered cells are hatched in red. Counts are written in the
    cells when there are at most 400. The title says what was counted: the level coverage
    was capped at (``broadest``) and the kinds of provider (``kinds``), when given.

    Parameters
    ----------
    matrix
        A gap matrix (``counts[i][j]``: providers covering region ``i`` and sector ``j``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows, columns = len(matrix.regions), len(matrix.sectors)
    counts = np.array(matrix.counts, dtype=int).reshape(rows, columns)
    width, height, cell_width, cell_height = _heatmap_size(rows, columns)
    figure = _figure(width, height)
    ax = figure.add_subplot()
    ax.set_title(_heatmap_title(matrix), fontsize=10, loc="left")
    if counts.size == 0:
        _say_empty(ax, "No regions or sectors to show")
        return figure
    cmap, norm = _count_colours(int(counts.max()))
    image = ax.imshow(np.ma.masked_equal(counts, 0), cmap=cmap, norm=norm, aspect="auto",
                      interpolation="nearest")
    _hatch_uncovered(ax, counts)
    _heatmap_ticks(ax, matrix, cell_width * 72, cell_height * 72)
    if counts.size <= _ANNOTATED_CELLS:
        _annotate_counts(ax, counts, cmap, norm, min(cell_width, cell_height) * 72)
    if counts.size <= 2500:  # cell borders, while cells are big enough to see them
        ax.set_xticks(np.arange(columns + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", linewidth=0.8)
        ax.tick_params(which="minor", length=0)
    shrink = 1.0 if rows <= 20 else min(1.0, 6 / (height - 1.5))  # ~6 in on tall figures
    colorbar = figure.colorbar(image, ax=ax, fraction=0.04 if columns > 8 else 0.08, pad=0.02,
                               shrink=shrink)
    colorbar.set_label("covering providers (0: uncovered, hatched)", fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    if isinstance(norm, BoundaryNorm):
        colorbar.set_ticks(range(1, len(norm.boundaries)))
    figure.legend(handles=[Patch(facecolor=_UNCOVERED_COLOUR, edgecolor=_UNCOVERED_HATCH,
                                 hatch="///", label=f"0: uncovered ({matrix.uncovered} of "
                                 f"{matrix.cells} cells)")],
                  loc="outside lower left", fontsize=8, frameon=False)
    return figure


def _heatmap_size(rows: int, columns: int) -> tuple[float, float, float, float]:
    """Width and height (inches) of a heatmap figure, and of a cell."""
    cell_width = min(0.5, max(0.22, 14 / max(columns, 1)))
    cell_height = min(0.42, max(0.1, 24 / max(rows, 1)))
    width = min(30.0, max(6.5, 3.2 + columns * cell_width + 1.4))
    height = min(40.0, max(4.0, 2.4 + rows * cell_height))
    return width, height, cell_width, cell_height


def _heatmap_title(matrix: GapMatrix) -> str:
    sectors = f"sectors: {matrix.sector_level}"
    if matrix.sector_scope is not None:
        sectors += f" within {_name(matrix.sector_scope.code, matrix.sector_scope.label)}"
    lines = [f"Coverage gaps: {matrix.scope.label}",
             f"regions: {matrix.region_level} × {sectors}"
             + (f"; entities of type {matrix.type}" if matrix.type else "")]
    counted = []
    if matrix.broadest != "world":
        counted.append(f"coverage at {matrix.broadest} level or narrower")
    if matrix.kinds:
        counted.append(f"providers of kinds {', '.join(matrix.kinds)}")
    if counted:
        lines.append("counting only " + "; ".join(counted))
    lines.append(f"{matrix.uncovered} of {matrix.cells} cells uncovered (hatched)")
    return "\n".join(lines)


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


def _heatmap_ticks(ax: Axes, matrix: GapMatrix, cell_width: float,
                   cell_height: float) -> None:
    """Region and sector tick labels (cell sizes in points)."""
    rows, columns = len(matrix.regions), len(matrix.sectors)
    step = max(1, math.ceil(4.5 / cell_height))  # every row's label only if it fits
    ax.set_yticks(range(0, rows, step), [_name(r.code, r.label, 32)
                                         for r in matrix.regions[::step]],
                  fontsize=min(9.0, max(4.0, cell_height * 0.7)))
    codes = [s.code or _short(s.label, 12) for s in matrix.sectors]
    size = min(9.0, max(5.0, cell_width * 0.6))
    vertical = max(len(code) for code in codes) * size * 0.65 > cell_width * 0.9
    ax.set_xticks(range(columns), codes, fontsize=size, rotation=90 if vertical else 0)
    ax.set_xlabel("sector", fontsize=9)
    ax.set_ylabel("region", fontsize=9)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _annotate_counts(ax: Axes, counts: np.ndarray, cmap: Colormap,
                     norm: Normalize, cell_points: float) -> None:
    size = min(9.0, max(5.0, cell_points * 0.4))
    for (i, j), count in np.ndenumerate(counts):
        if count == 0:
            colour = _UNCOVERED_TEXT
        else:
            red, green, blue, _ = cmap(norm(count))
            colour = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.55 else "black"
        ax.text(j, i, str(count), ha="center", va="center", fontsize=size, color=colour,
                fontweight="bold" if count == 0 else "normal")


# --- network of networks -------------------------------------------------------------------


def network_diagram(graph: ProjectedGraph, network: str, *, max_depth: int = 3,
                    max_nodes: int = 300) -> Figure:
    """The network of networks rooted at ``network``: its members, theirs, and so on.

    Members are the subjects of ``member_of`` edges. The layout is a radial tree: the root
    in the middle, depth ``d`` on the ``d``-th ring, each member near the network through
    which it was first reached. Nodes are coloured by kind and sized by their number of
    members; networks and the root are labelled (everything when there are at most 40
    nodes).

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
    side = min(16.0, max(7.0, 4.0 + 0.6 * math.sqrt(len(kept))))
    figure = _figure(side + 1.8, side)
    ax = figure.add_subplot()
    ax.set_title(_diagram_title(graph, network, levels, reached - len(kept), max_nodes),
                 fontsize=10, loc="left")
    _draw_memberships(ax, graph, kept, positions)
    sizes = _draw_nodes(ax, graph, kept, positions, network)
    labelled = _labelled(graph, kept, network)
    _label_nodes(ax, graph, kept, positions, sizes, network, labelled)
    _kind_legend(ax, graph, kept)
    _fit_labels(ax, len(levels) - 1, max(len(_node_text(graph, n)) for n in labelled),
                _label_size(kept), side - 0.6)
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


def _diagram_title(graph: ProjectedGraph, root: str, levels: Sequence[Sequence[str]],
                   left_out: int, max_nodes: int) -> str:
    shown = sum(len(level) for level in levels)
    depth = len(levels) - 1
    lines = [f"Network of networks: {_label(graph, root)}",
             f"{shown} node{'' if shown == 1 else 's'}, members up to depth {depth}"]
    if left_out:
        lines[-1] += f"; {left_out} more not shown (max_nodes={max_nodes})"
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


def _labelled(graph: ProjectedGraph, kept: list[str], root: str) -> list[str]:
    """The root and the networks; every node when there are few."""
    everything = len(kept) <= _ALL_LABELS_NODES
    return [node for node in kept
            if everything or node == root or _kind(graph, node) == "network"]


def _label_size(kept: list[str]) -> float:
    return 8.0 if _radial_labels(kept) else 9.0


def _radial_labels(kept: list[str]) -> bool:
    # Every node labelled on crowded rings: labels along the radius do not overlap.
    return _ALL_LABELS_NODES >= len(kept) > 12


def _node_text(graph: ProjectedGraph, node: str) -> str:
    return _short(_label(graph, node), 28)


def _label_nodes(ax: Axes, graph: ProjectedGraph, kept: list[str],
                 positions: dict[str, _Point], sizes: list[float], root: str,
                 labelled: list[str]) -> None:
    """Label the ``labelled`` nodes just outside their marker, away from the root."""
    fontsize, radial = _label_size(kept), _radial_labels(kept)
    size_of = dict(zip(kept, sizes, strict=True))
    for node in labelled:
        offset = math.sqrt(size_of[node]) / 2 + 3  # points: just outside the marker
        if node == root:
            ax.annotate(_node_text(graph, node), positions[node], xytext=(0, -offset),
                        textcoords="offset points", ha="center", va="top",
                        fontsize=fontsize + 1, fontweight="bold", zorder=3, bbox=_LABEL_BOX)
        else:
            _label_outward(ax, _node_text(graph, node), positions[node], offset, fontsize,
                           radial)


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
                axes_inches: float) -> None:
    """Set the axes' limits so that the outer ring's labels (up to ``longest`` characters)
    stay inside the axes (constrained layout does not make room for annotations)."""
    radius = max(depth, 1)
    label = (longest * fontsize * 0.6 + 14) / 72  # inches, with the gap from the marker
    margin = label * 2 * radius / max(axes_inches - 2 * label, 1.0)
    ax.set_xlim(-radius - margin, radius + margin)
    ax.set_ylim(-radius - margin, radius + margin)
    ax.set_aspect("equal")


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
        How many brokers to show, most bridged pairs first.

    Returns
    -------
    matplotlib.figure.Figure
    """
    brokers = sorted(answer.results, key=lambda broker: -broker.bridged_pairs)[:max(top, 0)]
    figure = _figure(8.0, min(30.0, max(3.0, 1.6 + 0.3 * len(brokers))))
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

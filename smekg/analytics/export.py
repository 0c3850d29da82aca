"""A projected graph, written for other tools: Gephi, yEd, Cytoscape, d3, Excel, pandas.

:func:`write_graph` writes a graph from :func:`~smekg.analytics.projection.project` in one
of :data:`EXPORT_FORMATS`; :func:`graph_bytes` returns the same bytes; :func:`to_pandas`
gives researchers two data frames.

* ``graphml`` and ``gexf`` (networkx's writers): node ids are IRIs; list attributes are
  joined with ``"; "``, missing (``None``) values left out; every edge also has a
  ``relation`` attribute (its key without the number of a repeated link), which GEXF
  also uses as the edge label. GraphML keeps the edge keys as edge ids.
* ``json``: node-link JSON (``nodes``, ``edges``, endpoints in ``source`` and ``target``,
  edge key in ``key``) with lists kept as lists. The node-link format already uses
  ``source`` for an edge's subject, so the source graph of an edge is in ``source_graph``.
* ``nodes.csv`` and ``edges.csv``: UTF-8 with a byte-order mark and CRLF line ends (Excel
  opens them as they are), one row a node (by IRI) or an edge (by subject, object, key).
  Cells that a spreadsheet would run as a formula (``=...``, ``@...``) are quoted with a
  leading ``'`` (:func:`smekg.queries.render.csv_cell`).

Examples
--------
>>> from smekg.analytics.projection import project
>>> from smekg.analytics.testing import toy_index, toy_rows
>>> graph = project(toy_index(), toy_rows())
>>> rows = graph_bytes(graph, "nodes.csv").decode("utf-8-sig").splitlines()
>>> rows[0]
'iri,label,kind,code,country,types,sections'
>>> [row for row in rows if row.startswith("ex:ipi,")]
['ex:ipi,IPI,organisation,ipi,IT,,C']
>>> nodes, edges = to_pandas(graph)
>>> nodes.loc["ex:medef", "country"], len(edges)
('FR', 12)
>>> sorted(edges.loc[edges["relation"] == "member_of", "source_iri"])
['ex:IT', 'ex:ipi', 'ex:medef']
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import networkx as nx

from smekg.queries.render import write_csv

if TYPE_CHECKING:
    import pandas

    from smekg.analytics.projection import ProjectedGraph

EXPORT_FORMATS = ("graphml", "gexf", "json", "nodes.csv", "edges.csv")
"""The formats :func:`write_graph` writes."""

NODE_COLUMNS = ("iri", "label", "kind", "code", "country", "types", "sections")
"""The first columns of the node table (other attributes follow, by name)."""
EDGE_COLUMNS = ("source_iri", "target_iri", "relation", "predicate", "source", "role",
                "since", "until")
"""The first columns of the edge table (``source`` is the source graph of the link)."""

_LIST_SEPARATOR = "; "
_NUMBERED_KEY = re.compile(r"-\d+$")


def write_graph(graph: ProjectedGraph, fmt: str, out: Path | str | BinaryIO) -> None:
    """Write ``graph`` in format ``fmt`` to a file or a binary stream.

    Parameters
    ----------
    graph
        A projected graph (node keys are IRIs, edge keys relation names).
    fmt
        One of :data:`EXPORT_FORMATS`.
    out
        A path (the file is created or replaced) or a binary stream (left open).

    Raises
    ------
    ValueError
        If ``fmt`` is not one of :data:`EXPORT_FORMATS`.

    Examples
    --------
    >>> import io
    >>> from smekg.analytics.projection import project
    >>> from smekg.analytics.testing import toy_index, toy_rows
    >>> stream = io.BytesIO()
    >>> write_graph(project(toy_index(), toy_rows()), "json", stream)
    >>> json.loads(stream.getvalue())["edges"][0]["source_graph"]
    'ex:graph/toy'
    """
    writer = _writer(fmt)
    if isinstance(out, str | Path):
        with open(out, "wb") as stream:
            writer(graph, stream)
    else:
        writer(graph, out)


def graph_bytes(graph: ProjectedGraph, fmt: str) -> bytes:
    """``graph`` in format ``fmt``, as bytes (see :func:`write_graph`).

    Raises
    ------
    ValueError
        If ``fmt`` is not one of :data:`EXPORT_FORMATS`.
    """
    stream = io.BytesIO()
    write_graph(graph, fmt, stream)
    return stream.getvalue()


def to_pandas(graph: ProjectedGraph) -> tuple[pandas.DataFrame, pandas.DataFrame]:
    """The nodes and the edges of ``graph`` as two data frames.

    Returns
    -------
    nodes : pandas.DataFrame
        Indexed by ``iri``, sorted; columns ``label``, ``kind``, ``code``, ``country``,
        ``types``, ``sections``, then any other node attribute. Lists stay lists (use
        :meth:`pandas.DataFrame.explode`); missing values are ``None``.
    edges : pandas.DataFrame
        One row an edge, sorted by subject, object and key; columns as in the edge CSV
        (:data:`EDGE_COLUMNS`, then any other edge attribute).
    """
    import pandas  # a researchers' extra, only needed here

    node_columns = _columns(NODE_COLUMNS, (data for _, data in graph.nodes(data=True)))
    nodes = pandas.DataFrame(list(_node_records(graph)), columns=list(node_columns))
    nodes = nodes.astype(object).where(nodes.notna(), None).set_index("iri")
    edge_columns = _columns(EDGE_COLUMNS, (data for *_, data in graph.edges(data=True)))
    edges = pandas.DataFrame(list(_edge_records(graph)), columns=list(edge_columns))
    edges = edges.astype(object).where(edges.notna(), None)
    return nodes, edges


def relation_of(key: object) -> str:
    """The relation of an edge key: the key without the number of a repeated link.

    >>> relation_of("member_of-2"), relation_of("area_served")
    ('member_of', 'area_served')
    """
    return _NUMBERED_KEY.sub("", str(key))


def _writer(fmt: str) -> Callable[[ProjectedGraph, BinaryIO], None]:
    writers: dict[str, Callable[[ProjectedGraph, BinaryIO], None]] = {
        "graphml": _write_graphml,
        "gexf": _write_gexf,
        "json": _write_json,
        "nodes.csv": _write_nodes_csv,
        "edges.csv": _write_edges_csv,
    }
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return writers[fmt]


def _write_graphml(graph: ProjectedGraph, stream: BinaryIO) -> None:
    nx.write_graphml(_flat_copy(graph), stream)


def _write_gexf(graph: ProjectedGraph, stream: BinaryIO) -> None:
    flat = _flat_copy(graph)
    for *_, data in flat.edges(data=True):
        data["label"] = data["relation"]  # Gephi shows an edge's label
    nx.write_gexf(flat, stream)


def _write_json(graph: ProjectedGraph, stream: BinaryIO) -> None:
    data = nx.node_link_data(_json_copy(graph), edges="edges")
    stream.write(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))


def _write_nodes_csv(graph: ProjectedGraph, stream: BinaryIO) -> None:
    columns = _columns(NODE_COLUMNS, (data for _, data in graph.nodes(data=True)))
    stream.write(_csv_bytes(columns, _node_records(graph)))


def _write_edges_csv(graph: ProjectedGraph, stream: BinaryIO) -> None:
    columns = _columns(EDGE_COLUMNS, (data for *_, data in graph.edges(data=True)))
    stream.write(_csv_bytes(columns, _edge_records(graph)))


def _flat_copy(graph: ProjectedGraph) -> ProjectedGraph:
    """A copy of ``graph`` that XML formats can hold: lists joined, ``None`` left out,
    and a ``relation`` attribute on every edge."""
    flat: ProjectedGraph = nx.MultiDiGraph()
    flat.graph.update(_flat(graph.graph))
    flat.add_nodes_from((node, _flat(data)) for node, data in graph.nodes(data=True))
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key, **{**_flat(data), "relation": relation_of(key)})
    return flat


def _flat(attributes: Mapping[str, object]) -> dict[str, object]:
    return {name: _flat_value(value) for name, value in attributes.items() if value is not None}


def _flat_value(value: object) -> object:
    if isinstance(value, list | tuple):
        return _LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, set | frozenset):
        return _LIST_SEPARATOR.join(sorted(str(item) for item in value))
    if isinstance(value, str | bool | int | float):
        return value
    return str(value)


def _json_copy(graph: ProjectedGraph) -> ProjectedGraph:
    """A copy of ``graph`` whose edges keep their source graph in ``source_graph``
    (node-link JSON writes an edge's subject in ``source``)."""
    copy: ProjectedGraph = nx.MultiDiGraph(**graph.graph)
    copy.add_nodes_from(graph.nodes(data=True))
    for u, v, key, data in graph.edges(keys=True, data=True):
        renamed = {("source_graph" if name == "source" else name): value
                   for name, value in data.items()}
        copy.add_edge(u, v, key, **renamed)
    return copy


def _columns(first: tuple[str, ...], records: Iterable[Mapping[str, object]]) -> tuple[str, ...]:
    """``first``, then every other attribute name in ``records``, sorted."""
    others = {name for record in records for name in record} - set(first)
    return (*first, *sorted(others))


def _node_records(graph: ProjectedGraph) -> Iterator[dict[str, object]]:
    for node in sorted(graph.nodes, key=str):
        yield {**graph.nodes[node], "iri": node}


def _edge_records(graph: ProjectedGraph) -> Iterator[dict[str, object]]:
    edges = sorted(graph.edges(keys=True, data=True),
                   key=lambda edge: (str(edge[0]), str(edge[1]), str(edge[2])))
    for u, v, key, data in edges:
        yield {**data, "source_iri": u, "target_iri": v, "relation": relation_of(key)}


def _csv_bytes(columns: tuple[str, ...], records: Iterable[Mapping[str, object]]) -> bytes:
    # write_csv neutralises spreadsheet formulas, as every CSV smekg writes (OWASP)
    text = io.StringIO()
    write_csv(text, [columns, *([_csv_cell(record.get(column)) for column in columns]
                                for record in records)])
    return text.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    return "" if value is None else str(_flat_value(value))

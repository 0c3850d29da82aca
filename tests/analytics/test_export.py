"""Exports of the toy graph, read back with the readers other tools use."""

from __future__ import annotations

import copy
import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pandas
import pytest

from smekg.analytics.export import (
    EDGE_COLUMNS,
    EXPORT_FORMATS,
    graph_bytes,
    to_pandas,
    write_graph,
)
from smekg.analytics.projection import project
from smekg.analytics.testing import toy_index, toy_rows

NODES = {"ex:europe", "ex:IT", "ex:FR", "ex:ITH5", "ex:C", "ex:C25", "ex:ipi", "ex:medef",
         "ex:network"}
MEMBERS = {"ex:IT", "ex:ipi", "ex:medef"}
MEMBER_ROLE = "http://www.w3.org/ns/org#member"
TOY_GRAPH = "ex:graph/toy"


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    """The toy graph, with organisation types (a list), a missing value, a non-ASCII label
    and a second membership of IPI (a numbered key)."""
    graph = project(toy_index(), toy_rows())
    graph.nodes["ex:ipi"]["types"] = ["cluster", "agency"]
    graph.nodes["ex:medef"]["note"] = None
    graph.nodes["ex:FR"]["label"] = "France (Rhône)"
    graph.add_edge("ex:ipi", "ex:network", key="member_of-2", predicate="org:memberOf",
                   source=TOY_GRAPH, role="chair", since="2020-01-01")
    return graph


def _keys(graph: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return set(graph.edges(keys=True))


def _written(graph: nx.MultiDiGraph, fmt: str, tmp_path: Path) -> Path:
    path = tmp_path / f"toy.{fmt}"
    write_graph(graph, fmt, path)
    return path


def test_graphml_round_trip(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    back = nx.read_graphml(_written(graph, "graphml", tmp_path), force_multigraph=True)

    assert set(back.nodes) == NODES
    assert back.number_of_edges() == 13
    assert _keys(back) == _keys(graph)
    assert back.graph["scope"] == "everything"
    assert back.nodes["ex:ipi"]["label"] == "IPI"
    assert back.nodes["ex:ipi"]["country"] == "IT"
    assert back.nodes["ex:ipi"]["types"] == "cluster; agency"
    assert back.nodes["ex:ipi"]["sections"] == "C"
    assert back.nodes["ex:FR"]["label"] == "France (Rhône)"
    assert "note" not in back.nodes["ex:medef"]
    assert {u for u, _, key in back.in_edges("ex:network", keys=True)
            if key == "member_of"} == MEMBERS
    assert back.edges["ex:ipi", "ex:network", "member_of"]["role"] == MEMBER_ROLE
    chair = back.edges["ex:ipi", "ex:network", "member_of-2"]
    assert (chair["role"], chair["since"], chair["relation"]) == ("chair", "2020-01-01",
                                                                   "member_of")
    assert back.edges["ex:ipi", "ex:medef", "collaborates_with"]["source"] == TOY_GRAPH


def test_gexf_round_trip(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = _written(graph, "gexf", tmp_path)
    back = nx.read_gexf(path)

    assert set(back.nodes) == NODES
    assert back.number_of_edges() == 13
    relations = {(u, v, data["relation"]) for u, v, data in back.edges(data=True)}
    assert relations == {(u, v, key.removesuffix("-2")) for u, v, key in _keys(graph)}
    assert back.nodes["ex:medef"]["label"] == "MEDEF"
    assert back.nodes["ex:medef"]["country"] == "FR"
    assert back.nodes["ex:ipi"]["types"] == "cluster; agency"
    roles = {data["role"] for u, v, data in back.edges(data=True)
             if (u, v) == ("ex:ipi", "ex:network")}
    assert roles == {MEMBER_ROLE, "chair"}
    # Gephi takes a node's name from the label attribute of the XML element.
    labels = {node.get("id"): node.get("label") for node in ET.parse(path).iter()
              if node.tag.endswith("}node")}
    assert labels["ex:ipi"] == "IPI"
    assert labels["ex:network"] == "Network"


def test_json_round_trip(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = _written(graph, "json", tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    back = nx.node_link_graph(data, edges="edges")

    assert isinstance(back, nx.MultiDiGraph)
    assert set(back.nodes) == NODES
    assert back.number_of_edges() == 13
    assert _keys(back) == _keys(graph)
    assert back.nodes["ex:ipi"]["types"] == ["cluster", "agency"]
    assert back.nodes["ex:ipi"]["sections"] == ["C"]
    assert back.nodes["ex:ipi"]["country"] == "IT"
    assert back.nodes["ex:network"]["label"] == "Network"
    member = back.edges["ex:medef", "ex:network", "member_of"]
    assert member["role"] == MEMBER_ROLE
    assert member["source_graph"] == TOY_GRAPH
    assert "Rhône".encode() in path.read_bytes()


def test_nodes_csv(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    raw = _written(graph, "nodes.csv", tmp_path).read_bytes()

    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.split(b"\n")
    assert lines[-1] == b""
    assert all(line.endswith(b"\r") for line in lines[:-1])
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == ["iri", "label", "kind", "code", "country", "types", "sections",
                             "note"]
    assert [row["iri"] for row in rows] == sorted(NODES)
    ipi = next(row for row in rows if row["iri"] == "ex:ipi")
    assert ipi == {"iri": "ex:ipi", "label": "IPI", "kind": "organisation", "code": "ipi",
                   "country": "IT", "types": "cluster; agency", "sections": "C", "note": ""}


def test_nodes_csv_reads_in_pandas(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    nodes = pandas.read_csv(_written(graph, "nodes.csv", tmp_path), encoding="utf-8-sig",
                            index_col="iri", keep_default_na=False)

    assert set(nodes.index) == NODES
    assert nodes.loc["ex:FR", "label"] == "France (Rhône)"
    assert nodes.loc["ex:IT", "country"] == "IT"


def test_edges_csv(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    raw = _written(graph, "edges.csv", tmp_path).read_bytes()

    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 14
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == EDGE_COLUMNS
    assert len(rows) == 13
    ends = [(row["source_iri"], row["target_iri"]) for row in rows]
    assert ends == sorted(ends)
    members = [(row["source_iri"], row["role"], row["since"]) for row in rows
               if row["relation"] == "member_of"]
    assert members == [("ex:IT", MEMBER_ROLE, ""), ("ex:ipi", MEMBER_ROLE, ""),
                       ("ex:ipi", "chair", "2020-01-01"), ("ex:medef", MEMBER_ROLE, "")]
    assert {row["source"] for row in rows} == {TOY_GRAPH}
    assert {row["relation"] for row in rows} == {"broader", "member_of", "area_served",
                                                 "collaborates_with", "located_in", "sector"}


def test_stream_and_bytes_match_the_file(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    for fmt in EXPORT_FORMATS:
        if fmt == "gexf":  # its header holds today's date: compare what it says instead
            continue
        stream = io.BytesIO()
        write_graph(graph, fmt, stream)
        assert stream.getvalue() == graph_bytes(graph, fmt)
        assert _written(graph, fmt, tmp_path).read_bytes() == stream.getvalue()


def test_the_callers_graph_is_unchanged(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    before = (copy.deepcopy(graph.graph), copy.deepcopy(dict(graph.nodes(data=True))),
              copy.deepcopy(list(graph.edges(keys=True, data=True))))

    for fmt in EXPORT_FORMATS:
        _written(graph, fmt, tmp_path)
    to_pandas(graph)

    after = (graph.graph, dict(graph.nodes(data=True)), list(graph.edges(keys=True, data=True)))
    assert after == before
    assert graph.nodes["ex:ipi"]["types"] == ["cluster", "agency"]


def test_to_pandas(graph: nx.MultiDiGraph) -> None:
    nodes, edges = to_pandas(graph)

    assert nodes.index.name == "iri"
    assert list(nodes.index) == sorted(NODES)
    assert list(nodes.columns) == ["label", "kind", "code", "country", "types", "sections",
                                   "note"]
    assert nodes.loc["ex:ipi", "sections"] == ["C"]
    assert nodes.loc["ex:europe", "country"] is None
    assert tuple(edges.columns) == EDGE_COLUMNS
    assert len(edges) == 13
    chair = edges[edges["role"] == "chair"].iloc[0]
    assert (chair["source_iri"], chair["target_iri"], chair["relation"]) == (
        "ex:ipi", "ex:network", "member_of")


def test_unknown_format(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'xlsx'.*graphml, gexf, json, nodes\.csv, edges\.csv"):
        write_graph(graph, "xlsx", tmp_path / "toy.xlsx")
    assert not (tmp_path / "toy.xlsx").exists()
    with pytest.raises(ValueError, match="'GraphML'"):
        graph_bytes(graph, "GraphML")

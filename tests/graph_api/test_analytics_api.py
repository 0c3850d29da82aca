"""The /analytics API over real HTTP: answers, CSV, figures, exports and errors."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import networkx as nx

SG = "https://w3id.org/smekg/id/organisation/insme-steering-group"


def test_reach_answers_json_csv_and_a_diagram(client):
    answer = client.get("/analytics/reach", params={"network": "insme-steering-group"}).json()
    assert answer["network"]["iri"] == SG and len(answer["countries"]) >= 41
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/analytics/reach", params={"network": "insme-steering-group", "format": "csv"}
    ).text.lstrip("\ufeff"))))
    assert {row["group"] for row in rows} == {"members", "countries", "regions"}
    png = client.get("/analytics/reach", params={"network": "insme-steering-group",
                                                 "format": "png"})
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_centrality_brokers_communities_and_paths(client):
    top = client.get("/analytics/centrality", params={"limit": 1}).json()["results"]
    assert [actor["iri"] for actor in top] == [SG]
    brokers = client.get("/analytics/brokers").json()
    assert brokers["results"][0]["iri"] == SG
    svg = client.get("/analytics/brokers", params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "INSME Steering Group" in "".join(ET.fromstring(svg.content).itertext())
    communities = client.get("/analytics/communities").json()
    # 22 organisations, 41 member countries and the project SENET
    assert sum(c["size"] for c in communities["results"]) + communities["isolated"] == 64
    paths = client.get("/analytics/paths", params={"from": "ipi", "to": "oecd"}).json()
    assert [a["code"] for a in paths["results"][0]["actors"]] == ["ipi",
                                                                  "insme-steering-group", "oecd"]


def test_gap_matrix_and_compare(client):
    matrix = client.get("/analytics/gaps", params={"scope": "IT"}).json()
    assert len(matrix["counts"]) == len(matrix["regions"]) == 21
    assert matrix["cells"] == 21 * len(matrix["sectors"])
    heat = client.get("/analytics/gaps", params={"scope": "IT", "format": "png"})
    assert heat.content.startswith(b"\x89PNG")
    compared = client.get("/analytics/compare", params={"a": "ITH5", "b": "FR1"}).json()
    assert [n["iri"] for n in compared["shared_networks"]] == [SG]


def test_gap_matrix_no_broader_than_country(client):
    params = {"scope": "IT", "broadest": "country", "kinds": "organisation,good-practice"}
    matrix = client.get("/analytics/gaps", params=params).json()
    assert matrix["broadest"] == "country"
    assert matrix["kinds"] == ["organisation", "good-practice"]
    counts = {region["code"]: row for region, row in zip(matrix["regions"], matrix["counts"],
                                                         strict=True)}
    assert all(n == 1 for n in counts["ITH5"])  # ERGO, in every sector
    assert all(n == 0 for n in counts["ITC4"])  # nobody serves Lombardy or Italy
    gaps = client.get("/gaps", params={**params, "limit": 10_000}).json()
    assert {(c["region"]["code"], c["sector"]["code"]) for c in gaps["results"]} == {
        (region, sector["code"]) for region, row in counts.items()
        for sector, n in zip(matrix["sectors"], row, strict=True) if n == 0}
    svg = client.get("/analytics/gaps", params={**params, "format": "svg"})
    text = "".join(ET.fromstring(svg.content).itertext())
    assert "coverage at country level or narrower" in text


def test_export_graphml_of_a_network(client, tmp_path):
    response = client.get("/analytics/export", params={"format": "graphml",
                                                       "network": "insme-steering-group"})
    assert response.status_code == 200
    path = tmp_path / "graph.graphml"
    path.write_bytes(response.content)
    graph = nx.read_graphml(path)
    assert graph.nodes[SG]["label"] == "INSME Steering Group"
    assert sum(1 for _, target in graph.edges() if target == SG) >= 59


def test_bad_parameters_are_clear_errors(client):
    missing = client.get("/analytics/reach", params={"network": "insme-steering-grou"})
    assert missing.status_code == 404
    assert "insme-steering-group" in missing.json()["suggestions"]
    assert client.get("/analytics/brokers", params={"by": "fame"}).status_code == 422
    wrong = client.get("/analytics/paths", params={"from": "ipi", "to": "ITH5"})
    assert wrong.status_code == 422 and wrong.json()["parameter"] == "target"

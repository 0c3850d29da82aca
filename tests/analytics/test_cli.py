"""``smekg analyze`` end to end: real processes on a copy of the seeded store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from pyoxigraph import Store

SMEKG = str(Path(sys.executable).with_name("smekg"))
SG = "https://w3id.org/smekg/id/organisation/insme-steering-group"


def run(*args: str, store: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMEKG_STORE": str(store), "COLUMNS": "200", "SMEKG_BACKEND":
           "oxigraph"}
    result = subprocess.run([SMEKG, "analyze", *args], capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == code, result.stdout + result.stderr
    return result


@pytest.fixture
def store(seeded_store_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store_dir, copy)
    return copy


def test_reach_prints_the_json_the_api_serves(store):
    answer = json.loads(run("reach", "insme-steering-group", "--format", "json",
                            store=store).stdout)
    assert answer["network"]["iri"] == SG
    assert answer["levels"][0]["countries_total"] == len(answer["countries"]) >= 41


def test_write_back_replaces_its_own_graph_and_keeps_the_store_valid(store):
    for _ in range(2):  # a second run replaces the first
        run("centrality", "--write", store=store)
        run("communities", "--write", store=store)
        run("reach", "insme-steering-group", "--write", store=store)
        run("gaps", "--scope", "IT", "--region-level", "nuts2", "--write", store=store)
    oxigraph = Store.read_only(str(store))
    prefix = "PREFIX smekg: <https://w3id.org/smekg/ontology#> PREFIX prov: " \
             "<http://www.w3.org/ns/prov#>\n"
    ranks = list(oxigraph.query(prefix + """
        SELECT ?actor ?rank ?analysis WHERE { GRAPH ?g { ?actor smekg:pagerank ?rank }
          ?g prov:wasGeneratedBy/smekg:analysis ?analysis } ORDER BY DESC(?rank)""",
                                use_default_graph_as_union=True))
    assert ranks[0]["actor"].value == SG and ranks[0]["analysis"].value == "centrality"
    # the actors: 22 organisations, 41 member countries and the project SENET
    assert len(ranks) == len({row["actor"] for row in ranks}) == 64
    sizes = [int(r["size"].value) for r in oxigraph.query(
        prefix + "SELECT ?size WHERE { ?c a smekg:Community ; smekg:size ?size }",
        use_default_graph_as_union=True)]
    members = next(iter(oxigraph.query(prefix + "SELECT (COUNT(*) AS ?n) WHERE { ?a "
                                       "smekg:inCommunity ?c }",
                                       use_default_graph_as_union=True)))["n"].value
    assert sum(sizes) == int(members) == 64
    reached = next(iter(oxigraph.query(prefix + f"""SELECT (COUNT(*) AS ?n) WHERE {{
        ?r smekg:reachOf <{SG}> ; smekg:reached/a smekg:Country }}""",
                                       use_default_graph_as_union=True)))["n"].value
    assert int(reached) >= 41
    cells = next(iter(oxigraph.query(prefix + "SELECT (COUNT(*) AS ?n) WHERE { ?c a "
                                     "smekg:CoverageCell }", use_default_graph_as_union=True)))
    assert int(cells["n"].value) == 21 * 22  # Italy's NUTS 2 regions x NACE sections
    del oxigraph
    validate = subprocess.run([SMEKG, "validate"], capture_output=True, text=True, timeout=600,
                              env={**os.environ, "SMEKG_STORE": str(store)})
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_export_and_figures_are_written(store, tmp_path):
    out = tmp_path / "graph.graphml"
    run("export", "--format", "graphml", "--out", str(out), "--network",
        "insme-steering-group", store=store)
    graph = nx.read_graphml(out)
    assert graph.nodes[SG]["label"] == "INSME Steering Group"
    assert not list(tmp_path.glob("*.partial"))
    for args in (["gaps", "--scope", "IT"], ["brokers"], ["reach", "insme-steering-group"]):
        figure = tmp_path / f"{args[0]}.svg"
        run(*args, "--plot", str(figure), store=store)
        assert figure.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_the_gap_map_is_drawn_as_png_svg_and_pdf(store, tmp_path):
    import matplotlib.image

    args = ["gaps", "--scope", "IT", "--region-level", "nuts2", "--broadest", "country",
            "--plot-kind", "map"]
    for suffix in ("png", "svg", "pdf"):
        run(*args, "--plot", str(tmp_path / f"map.{suffix}"), store=store)
    height, width, _ = matplotlib.image.imread(tmp_path / "map.png").shape
    assert (width, height) == (1400, 1400)
    svg = (tmp_path / "map.svg").read_text("utf-8")
    assert "<title>ITH5 Emilia-Romagna: 0 of 22 sectors with no provider</title>" in svg
    assert "© EuroGeographics for the administrative boundaries" in svg
    assert (tmp_path / "map.pdf").read_bytes().startswith(b"%PDF-")
    bad = run(*args[:-1], "pie", "--plot", str(tmp_path / "x.png"), store=store, code=2)
    assert "--plot-kind" in bad.stderr


def test_gaps_no_broader_than_country_of_some_kinds(store, tmp_path):
    answer = json.loads(run("gaps", "--scope", "IT", "--broadest", "country", "--kinds",
                            "organisation,good-practice", "--format", "json",
                            store=store).stdout)
    assert answer["broadest"] == "country"
    assert answer["kinds"] == ["organisation", "good-practice"]
    rows = dict(zip((r["code"] for r in answer["regions"]), answer["counts"], strict=True))
    assert min(rows["ITH5"]) > 0 and max(rows["ITC4"]) == 0  # ERGO serves Emilia-Romagna
    table = run("gaps", "--scope", "IT", "--broadest", "country", store=store)
    assert (f"{answer['uncovered']:,} of {answer['cells']:,} cells covered by no provider "
            "at country level or below") in table.stdout.replace("\n", " ")
    figure = tmp_path / "gaps.svg"
    run("gaps", "--scope", "IT", "--broadest", "country", "--plot", str(figure), store=store)
    assert "country level or narrower" in figure.read_text()
    bad = run("gaps", "--scope", "IT", "--broadest", "regional", store=store, code=2)
    assert "--broadest 'regional'" in bad.stderr and "nuts2" in bad.stderr
    bad = run("gaps", "--scope", "IT", "--kinds", "network,policy", store=store, code=2)
    assert "--kinds 'network,policy'" in bad.stderr and "'policy'" in bad.stderr


def test_bad_parameters_exit_2_and_say_why(store):
    result = run("reach", "insme-steering-grou", store=store, code=2)
    assert "insme-steering-group" in result.stderr  # suggested
    result = run("centrality", "--source", "nothing", store=store, code=2)
    assert "--source 'nothing'" in result.stderr
    result = run("export", "--format", "pdf", "--out", "x.pdf", store=store, code=2)
    assert "graphml" in result.stderr


def test_write_back_goes_to_the_remote_sparql_store(start_oxigraph_server, tmp_path):
    from smekg.loaders.bundled import bundled_sources
    from tests.conftest import load_remote

    server = start_oxigraph_server()
    load_remote(server, lambda minter, store: bundled_sources(minter, store))
    env = {**os.environ, **server.env(), "COLUMNS": "200"}
    result = subprocess.run([SMEKG, "analyze", "centrality", "--backend", "sparql", "--write"],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    endpoint = server.endpoint()
    rows = [(row["actor"].value, row["analysis"].value) for row in endpoint.select("""
        SELECT ?actor ?analysis WHERE { GRAPH ?g { ?actor smekg:pagerank ?rank }
          ?g prov:wasGeneratedBy/smekg:analysis ?analysis } ORDER BY DESC(?rank)""")]
    endpoint.close()
    assert len(rows) == len({actor for actor, _ in rows}) == 64  # with the project SENET
    assert rows[0][0] == SG
    assert {analysis for _, analysis in rows} == {"centrality"}
    neo4j = subprocess.run([SMEKG, "analyze", "centrality", "--backend", "neo4j", "--write"],
                           capture_output=True, text=True, env=env, timeout=600)
    assert neo4j.returncode == 1 and "system of record" in neo4j.stderr

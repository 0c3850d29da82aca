"""The `smekg` command, run as a real process against a real store on disk."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SMEKG = str(Path(sys.executable).with_name("smekg"))


def run(*args: str, store: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMEKG_STORE": str(store), "COLUMNS": "200"}
    result = subprocess.run([SMEKG, *args], capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"smekg {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def store_copy(seeded_store_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store_dir, copy)
    return copy


def test_load_on_a_loaded_store_changes_nothing(store_copy):
    sources = json.loads(run("sources", "--format", "json", store=store_copy).stdout)
    result = run("load", store=store_copy)
    assert "0 source(s) written" in result.stdout
    # every bundled source: the ontology, the reference data, the seed tables
    assert result.stdout.count("unchanged") == len(sources)
    assert {"reference/nuts", "reference/nuts-typologies"} <= {
        source["name"] for source in sources}


def test_a_load_keeps_the_index_of_the_new_data(store_copy, tmp_path, monkeypatch):
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.iri import Minter
    from smekg.queries.index_cache import is_kept
    from smekg.queries.service import QueryService
    from tests.conftest import BASE

    cache = store_copy.with_name("store.index")
    table = tmp_path / "organisations.csv"
    table.write_text("id,name,country\nkept-test-agency,Kept Test Agency,IT\n",
                     encoding="utf-8")
    run("load-file", str(table), store=store_copy)  # the suite's default: not kept
    assert not is_kept(cache, OxigraphBackend(store_copy).data_version())
    monkeypatch.setenv("SMEKG_INDEX_ON_LOAD", "true")
    table.write_text("id,name,country\nkept-test-agency,Kept Test Agency Two,IT\n",
                     encoding="utf-8")
    result = run("load-file", str(table), "--timings", store=store_copy)
    assert "kept the index of the new data beside the store" in result.stdout
    assert " index " in result.stdout.split("seconds by stage:")[1]
    backend = OxigraphBackend(store_copy)
    assert is_kept(cache, backend.data_version())
    service = QueryService(backend, Minter(BASE), index_cache=cache)
    # opened from the kept files (not built from the graph: that index holds dicts)
    assert not isinstance(service.index.labels, dict)
    assert [hit.label for hit in service.search("Kept Test Agency")] == ["Kept Test Agency Two"]
    # nothing to do when nothing changed
    assert "kept the index" not in run("load-file", str(table), store=store_copy).stdout
    result = run("sources", "remove", "organisations", "--force", store=store_copy)
    assert "kept the index of the new data beside the store" in result.stdout
    assert is_kept(cache, OxigraphBackend(store_copy).data_version())


def test_stats_json(store_copy):
    from smekg.reference.regions import bundled_nuts_codes, nuts_region_rows

    stats = json.loads(run("stats", "--format", "json", store=store_copy).stdout)
    assert stats["classes"]["smekg:Country"] == 249
    # NUTS regions of every version, as the bundled table has them
    assert stats["classes"]["smekg:NutsRegion"] == len(bundled_nuts_codes())
    assert stats["classes"]["smekg:StatisticalRegion"] == sum(
        row.statistical for row in nuts_region_rows())
    # NACE Rev. 2.1 and Rev. 2, every level
    from smekg.reference.sectors import NACE2_LEVEL_COUNTS, nace21_codes

    assert stats["classes"]["smekg:Sector"] == len(nace21_codes()) + sum(
        NACE2_LEVEL_COUNTS.values())


def test_sparql_csv_and_json(store_copy):
    query = "SELECT ?name WHERE { ?n a smekg:Network ; skos:prefLabel ?name } ORDER BY ?name"
    rows = list(
        csv.reader(io.StringIO(run("sparql", query, "--format", "csv", store=store_copy).stdout))
    )
    assert rows == [
        ["name"],
        ["INSME Steering Group"],
        ["International Network for Small and Medium-sized Enterprises"],
    ]
    data = json.loads(run("sparql", query, "--format", "json", store=store_copy).stdout)
    assert [row["name"] for row in data] == [r[0] for r in rows[1:]]


def test_sparql_update_is_refused(store_copy):
    result = run("sparql", "DELETE WHERE { ?s ?p ?o }", store=store_copy, check=False)
    assert result.returncode != 0
    count = run(
        "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json", store=store_copy
    )
    assert int(json.loads(count.stdout)[0]["n"]) > 50_000


@pytest.mark.parametrize("fmt", ["nq", "ttl", "jsonld"])
def test_export(store_copy, tmp_path, fmt):
    from pyoxigraph import RdfFormat, parse

    output = tmp_path / f"export.{fmt}"
    run("export", "--format", fmt, "--output", str(output), store=store_copy)
    rdf_format = {"nq": RdfFormat.N_QUADS, "ttl": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD}[
        fmt
    ]
    parsed = list(parse(output.read_bytes(), format=rdf_format))
    assert len(parsed) > 50_000
    if fmt == "nq":
        assert {
            str(q.graph_name) for q in parsed if "graph/seed/organisations" in str(q.graph_name)
        }


def test_load_file_error_exits_non_zero_and_names_the_place(store_copy, tmp_path):
    bad = tmp_path / "organisations.csv"
    bad.write_text("id,name,country\nx,X,Atlantis\n", encoding="utf-8")
    result = run("load-file", str(bad), store=store_copy, check=False)
    assert result.returncode == 1
    assert f"{bad}, row 2, column 'country'" in result.stderr.replace("\n", "")
    assert "nothing was written" in result.stderr


@pytest.mark.parametrize("engine", ["compiled", "pyshacl"])
def test_validate_the_bundled_store(store_copy, engine):
    result = run("validate", "--engine", engine, store=store_copy)
    assert result.stdout.startswith("valid:")


def test_validate_reports_a_violation_with_both_engines(store_copy):
    import gc

    from pyoxigraph import NamedNode, Quad, Store

    store = Store(str(store_copy))
    store.add(Quad(NamedNode("https://example.org/bad-org"),
                   NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   NamedNode("https://w3id.org/smekg/ontology#Organisation"),
                   NamedNode("urn:x:bad")))
    del store
    gc.collect()
    outputs = []
    for engine in ("compiled", "pyshacl"):
        result = run("validate", "--engine", engine, store=store_copy, check=False)
        assert result.returncode == 1
        stderr = result.stderr.replace("\n", "")
        assert "<https://example.org/bad-org> At least one skos:prefLabel is required" in stderr
        outputs.append(result.stdout.split(" in ")[0])
    assert outputs[0] == outputs[1] == "1 violation(s)"


FIXTURES = Path(__file__).parent / "fixtures" / "eurostat"


def test_load_reference_nuts_names_and_nace_rev2(store_copy):
    run("load-reference", str(FIXTURES / "NUTS2024_sample.csv"), "--classification", "nuts",
        store=store_copy)
    label = run(
        "sparql",
        "SELECT DISTINCT ?l WHERE { <http://data.europa.eu/nuts/code/ITH5> skos:prefLabel ?l }",
        "--format", "json", store=store_copy,
    )
    assert json.loads(label.stdout) == [{"l": "Emilia-Romagna"}]
    # the file's names are a source of their own, beside the bundled names (the same here)
    graphs = run(
        "sparql",
        'SELECT ?g WHERE { GRAPH ?g { <http://data.europa.eu/nuts/code/ITH5> skos:prefLabel '
        '"Emilia-Romagna"@it } } ORDER BY ?g', "--format", "json", store=store_copy,
    )
    assert [row["g"].rsplit("/graph/", 1)[1] for row in json.loads(graphs.stdout)] == [
        "reference/nuts", "reference/nuts-names"]
    run("load-reference", str(FIXTURES / "NACE_REV2_sample.csv"), "--classification", "nace2",
        store=store_copy)
    broader = run(
        "sparql",
        "SELECT DISTINCT ?b WHERE { <http://data.europa.eu/ux2/nace2/2511> skos:broader ?b }",
        "--format", "json", store=store_copy,
    )
    assert json.loads(broader.stdout) == [{"b": "http://data.europa.eu/ux2/nace2/251"}]
    # the file is a source of its own, beside the bundled NACE Rev. 2 (the same codes), and
    # adds its notes
    graphs = run(
        "sparql",
        "SELECT ?g WHERE { GRAPH ?g { <http://data.europa.eu/ux2/nace2/2511> skos:broader ?b } }"
        " ORDER BY ?g", "--format", "json", store=store_copy,
    )
    assert [row["g"].rsplit("/graph/", 1)[1] for row in json.loads(graphs.stdout)] == [
        "reference/nace2", "reference/nace2-eurostat-file"]
    notes = run(
        "sparql",
        "SELECT ?g WHERE { GRAPH ?g { <http://data.europa.eu/ux2/nace2/2511> skos:scopeNote ?n } }",
        "--format", "json", store=store_copy,
    )
    assert [row["g"].rsplit("/graph/", 1)[1] for row in json.loads(notes.stdout)] == [
        "reference/nace2-eurostat-file"]


def test_load_reference_bad_file_exits_non_zero(store_copy, tmp_path):
    bad = tmp_path / "NACE.csv"
    bad.write_text(
        '"Order","Level","Code","Parent","Description"\n"1","1","A","","Agriculture"\n'
        '"2","2","01","B","Crop"\n',
        encoding="utf-8",
    )
    result = run("load-reference", str(bad), "--classification", "nace2", store=store_copy,
                 check=False)
    assert result.returncode == 1
    assert str(bad) in result.stderr.replace("\n", "") and "row 3" in result.stderr


def test_query_regions_and_analyze_gaps_by_typology(store_copy):
    with (Path(__file__).parents[1] / "data" / "reference" / "nuts" / "nuts3_typologies.csv"
          ).open(encoding="utf-8", newline="") as handle:
        mountains = {row["code"] for row in csv.DictReader(handle)
                     if row["mountain"].startswith("mountain (")}
    regions = json.loads(run("query", "regions", "--typology", "mountain", "--level", "nuts3",
                             "--format", "json", store=store_copy).stdout)
    assert {region["code"] for region in regions} == mountains
    assert all(region["versions"] == ["2021", "2024"] or region["versions"] == ["2024"]
               for region in regions)
    gaps = json.loads(run("analyze", "gaps", "--scope", "AT", "--region-level", "nuts3",
                          "--typology", "mountain", "--format", "json", store=store_copy).stdout)
    assert gaps["typology"] == ["mountain"]
    assert {region["code"] for region in gaps["regions"]} == {
        code for code in mountains if code.startswith("AT")}
    bad = run("query", "regions", "--typology", "hilly", store=store_copy, check=False)
    assert bad.returncode == 2 and "typology='hilly'" in bad.stdout + bad.stderr

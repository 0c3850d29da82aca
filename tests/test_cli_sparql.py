"""The CLI with SMEKG_BACKEND=sparql, against a real `oxigraph serve` started by the tests:
`smekg load` loads into it, and the other commands read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from smekg.core.stores import GraphStore
from tests.conftest import OxigraphServer, free_port

SMEKG = str(Path(sys.executable).with_name("smekg"))


def run(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([SMEKG, *args], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "COLUMNS": "200", **env})
    if check and result.returncode != 0:
        raise AssertionError(f"smekg {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def loaded(start_oxigraph_server) -> tuple[OxigraphServer, subprocess.CompletedProcess[str]]:
    """A fresh server, loaded by `smekg load` (the store directory setting is not used)."""
    server = start_oxigraph_server()
    env = {**server.env(), "SMEKG_STORE": "/nonexistent/smekg-store"}
    return server, run("load", env=env)


def test_load_writes_every_source_into_the_remote_store(loaded, seeded_store_dir):
    server, result = loaded
    embedded = GraphStore.open(seeded_store_dir, read_only=True)
    assert f"store: {server.query_url}" in result.stdout
    assert f"{len(embedded.named_graphs())} source(s) written" in result.stdout
    assert f"{len(embedded):,} quads in the store" in result.stdout


def test_loading_again_changes_nothing(loaded):
    server, _ = loaded
    result = run("load", env=server.env())
    assert "0 source(s) written" in result.stdout
    assert result.stdout.count("unchanged") >= 10


def test_stats_query_and_sparql_read_the_remote_store(loaded, seeded_store_dir):
    server, _ = loaded
    stats = json.loads(run("stats", "--format", "json", env=server.env()).stdout)
    embedded = json.loads(run("stats", "--format", "json",
                              env={"SMEKG_STORE": str(seeded_store_dir)}).stdout)
    assert stats == embedded
    members = ("query", "members", "--network", "insme-steering-group", "--format", "json")
    answer = json.loads(run(*members, env=server.env()).stdout)
    assert len(answer) > 50
    assert answer == json.loads(run(*members, env={"SMEKG_STORE": str(seeded_store_dir)}).stdout)
    rows = json.loads(run("sparql", "SELECT ?n WHERE { ?n a smekg:Network } ORDER BY ?n",
                          "--format", "json", env=server.env()).stdout)
    assert [row["n"] for row in rows] == [
        "https://w3id.org/smekg/id/organisation/insme",
        "https://w3id.org/smekg/id/organisation/insme-steering-group"]
    triples = run("sparql", "CONSTRUCT WHERE { ?n a smekg:Network }", env=server.env()).stdout
    assert len(triples.strip().splitlines()) == 2


def test_validate_and_export_work_on_a_copy_of_the_remote_store(loaded, seeded_store_dir,
                                                                tmp_path):
    server, _ = loaded
    assert "valid:" in run("validate", env=server.env()).stdout
    output = tmp_path / "export.nq"
    run("export", "--format", "nq", "--output", str(output), env=server.env())
    quads = list(parse(path=str(output), format=RdfFormat.N_QUADS))
    assert len(quads) == len(GraphStore.open(seeded_store_dir, read_only=True))


def test_an_unreachable_store_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"
    env = {"SMEKG_BACKEND": "sparql", "SMEKG_SPARQL_ENDPOINT": f"{url}/query",
           "SMEKG_SPARQL_UPDATE_ENDPOINT": f"{url}/update", "SMEKG_SPARQL_REQUEST_TIMEOUT": "5"}
    result = run("load", "--reference-only", env=env, check=False)
    assert result.returncode == 1
    assert f"{url}/query is unreachable" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_missing_endpoint_setting_is_a_clear_error():
    result = run("stats", env={"SMEKG_BACKEND": "sparql"}, check=False)
    assert result.returncode == 1
    assert "SMEKG_SPARQL_ENDPOINT" in result.stderr and "Traceback" not in result.stderr

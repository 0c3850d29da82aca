"""`GET /duplicates` over real HTTP: the same pairs as `smekg duplicates`, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smekg.queries.duplicates import DuplicatePair
from smekg.queries.render import csv_columns
from tests.graph_api.conftest import ApiServer
from tests.helpers import REPO_ROOT
from tests.loaders.test_duplicates import ID, load_both
from tests.test_cli import run


@pytest.fixture(scope="module")
def store(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeded store with two sources that share organisations."""
    directory = tmp_path_factory.mktemp("duplicates")
    copy = directory / "store"
    shutil.copytree(seeded_store_dir, copy)
    load_both(copy, directory)
    return copy


@pytest.fixture(scope="module")
def http(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = ApiServer(store, {}, tmp_path_factory.mktemp("duplicates-api") / "server.log")
    try:
        with httpx.Client(base_url=server.url, timeout=60.0) as client:
            yield client
    finally:
        server.stop()


def _pairs(results: list[dict]) -> list[tuple]:
    return [(p["kind"], p["a"]["iri"], p["b"]["iri"], p["score"], p["reason"],
             p["identifier"], p["linked_by"]) for p in results]


def test_the_endpoint_answers_the_pairs_of_the_cli(http: httpx.Client, store: Path):
    cli = json.loads(run("duplicates", "--format", "json", store=store).stdout)
    response = http.get("/duplicates")
    assert response.status_code == 200
    api = response.json()
    assert api["count"] == cli["count"] >= 4
    assert _pairs(api["results"]) == _pairs(cli["results"])
    assert api["min_score"] == 0.85 and api["organisations"] == cli["organisations"]
    first = api["results"][0]
    assert (first["kind"], first["identifier"], first["b"]["iri"]) == (
        "identifier", "PIC 999999999", f"{ID}x")
    assert any(p["reason"] == "names 'ACME Innovation' and 'Acme Innovation S.r.l.' are 100% "
               "alike; both in ITH55 Bologna" for p in api["results"])


def test_pages_and_filters(http: httpx.Client):
    everything = http.get("/duplicates").json()
    pages = [http.get("/duplicates", params={"limit": 2, "offset": offset}).json()
             for offset in range(0, everything["count"], 2)]
    assert [p for page in pages for p in _pairs(page["results"])] == _pairs(
        everything["results"])
    italy = http.get("/duplicates", params={"country": "ITA"}).json()
    assert italy["country"] == "IT" and italy["count"] == everything["count"]
    assert http.get("/duplicates", params={"country": "FR"}).json()["count"] == 0
    unknown = http.get("/duplicates", params={"country": "Atlantis"})
    assert unknown.status_code == 422 and unknown.json()["parameter"] == "country"
    assert http.get("/duplicates", params={"min_score": 1.5}).status_code == 422
    strict = http.get("/duplicates", params={"min_score": 1}).json()
    assert strict["min_score"] == 1.0 and 0 < strict["count"] <= everything["count"]


@pytest.mark.parametrize("how", [{"params": {"format": "csv"}},
                                 {"headers": {"Accept": "text/csv"}}])
def test_csv_is_safe_for_spreadsheets(http: httpx.Client, how: dict):
    response = http.get("/duplicates", **how)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="duplicates.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == http.get("/duplicates").json()["count"]
    # the fixed columns of the row model, the same for every answer (docs/duplicates.md)
    assert list(rows[0]) == csv_columns(DuplicatePair)
    assert list(rows[0])[:5] == ["kind", "score", "reason", "identifier", "linked_by"]
    assert "`" + "`, `".join(csv_columns(DuplicatePair)) + "`" in " ".join(
        (REPO_ROOT / "docs" / "duplicates.md").read_text(encoding="utf-8").split())
    evil = [row for row in rows if row["a.iri"] == f"{ID}evil"]
    assert [row["a.label"] for row in evil] == ["'=SUM(1+1) Labs"]
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row.values())


def test_the_queries_have_twins_and_the_report_is_the_same_on_neo4j(neo4j, store: Path):
    # the report's queries (queries/identity/) are scans with a Cypher twin each; on
    # Neo4j, synced with the same store, they return the same rows, and so the same report
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.iri import Minter
    from smekg.core.neo4j.backend import Neo4jBackend
    from smekg.queries.duplicates import duplicates_queries, find_duplicates
    from tests.conftest import BASE, NEO4J_TEST_AUTH, NEO4J_TEST_URI

    queries = duplicates_queries()
    assert set(queries) == {"organisation_facts", "organisation_sources",
                            "organisation_places", "same_as"}
    assert all(q.cypher is not None and q.whole_graph for q in queries.values())
    neo4j.use(store)
    oxigraph, graph = OxigraphBackend(store), Neo4jBackend(NEO4J_TEST_URI, *NEO4J_TEST_AUTH)
    try:
        for query in queries.values():
            expected, got = (
                {tuple(sorted((k, type(v).__name__, str(v)) for k, v in row.items()))
                 for row in backend.select(query, {})} for backend in (oxigraph, graph))
            assert expected, query.name
            assert got == expected, query.name
        minter = Minter(BASE)
        assert (find_duplicates(graph, minter).page().model_dump()
                == find_duplicates(oxigraph, minter).page().model_dump())
    finally:
        graph.close()

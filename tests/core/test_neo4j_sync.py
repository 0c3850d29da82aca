"""The Neo4j sync against a real server: idempotent, exact per source, atomic, and loud."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pyoxigraph import Store

from smekg.core.iri import Minter
from smekg.core.neo4j.sync import Neo4jSync
from smekg.core.stores import GraphStore
from smekg.loaders.generate import generate
from smekg.loaders.sources import file_sources, load_sources
from tests.conftest import BASE, NEO4J_TEST_AUTH, NEO4J_TEST_URI
from tests.helpers import REPO_ROOT

ORGS_HEADER = "id,name,types,country,covers_regions,covers_sectors,source\n"


def fingerprint(driver, graph: str | None = None) -> dict[str, object]:
    """Counts and a digest of every node and relationship (of one source, if given)."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n:Resource) WHERE $graph IS NULL OR $graph IN n.sources "
        "RETURN n.iri AS iri, labels(n) AS labels, properties(n) AS props ORDER BY iri",
        graph=graph)
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) WHERE $graph IS NULL OR r.source = $graph "
        "RETURN a.iri AS a, type(r) AS t, b.iri AS b, properties(r) AS props",
        graph=graph)
    node_text = json.dumps([[r["iri"], sorted(r["labels"]), r["props"]] for r in nodes],
                           sort_keys=True, default=str)
    rel_text = json.dumps(sorted(json.dumps([r["a"], r["t"], r["b"], r["props"]],
                                            sort_keys=True, default=str) for r in rels))
    return {"nodes": len(nodes), "relationships": len(rels),
            "digest": hashlib.sha256((node_text + rel_text).encode()).hexdigest()}


def _store_with(tmp_path: Path, template: Path, files: dict[str, str]) -> Path:
    store_dir = tmp_path / "store"
    if not store_dir.exists():
        shutil.copytree(template, store_dir)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    paths = []
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
        paths.append(data / name)
    store = GraphStore.open(store_dir)
    minter = Minter(BASE)
    load_sources(store, file_sources(paths, minter, store), minter)
    del store
    gc.collect()
    return store_dir


def test_syncing_twice_changes_nothing(neo4j, seeded_store_dir):
    neo4j.use(seeded_store_dir)
    before = fingerprint(neo4j.driver)
    sync = Neo4jSync(neo4j.driver)
    store = Store.read_only(str(seeded_store_dir))
    assert {report.status for report in sync.sync(store)} == {"unchanged"}
    assert fingerprint(neo4j.driver) == before
    forced = sync.sync(store, force=True)  # rewriting every source gives the same graph
    assert {report.status for report in forced} == {"written"}
    assert fingerprint(neo4j.driver) == before
    assert before["nodes"] > 8000 and before["relationships"] > 17000


def test_projection_shape_on_the_seed(neo4j, seeded_store_dir):
    neo4j.use(seeded_store_dir)
    records, _, _ = neo4j.driver.execute_query(
        "MATCH (m:Resource)-[r:MEMBER_OF]->(n:Network {identifier: 'insme-steering-group'}) "
        "RETURN m.iri AS member, r.role AS role, r.iri AS membership, r.source AS source")
    assert len(records) > 40
    assert all("/membership/" in r["membership"]
               and r["source"].endswith("/graph/seed/memberships") for r in records)
    assert {r["role"].rsplit("#", 1)[-1] for r in records} == {
        "role-member", "role-chair", "role-secretariat"}
    records, _, _ = neo4j.driver.execute_query(
        "MATCH (r:NutsRegion {code: 'ITH55'})-[:WITHIN*]->(c:Country) RETURN c.code AS code")
    assert [r["code"] for r in records] == ["IT"]
    records, _, _ = neo4j.driver.execute_query(
        "MATCH (s:Sector {iri: 'http://data.europa.eu/ux2/nace2.1/2511'})"
        "-[:BROADER*]->(top:Sector) "
        "WHERE NOT (top)-[:BROADER]->() RETURN top.code AS code")
    assert [r["code"] for r in records] == ["C"]
    constraints, _, _ = neo4j.driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    assert "resource_iri" in {r["name"] for r in constraints}


def test_a_changed_source_is_replaced_exactly(neo4j, reference_store_dir, tmp_path):
    first = (ORGS_HEADER + "acme,Acme Agency,agency,IT,ITH5,C25,\n"
             "beta,Beta Chamber,chamber,FR,FR1,,\n")
    store_dir = _store_with(tmp_path, reference_store_dir, {"organisations.csv": first})
    neo4j.current = None
    neo4j.use(store_dir)
    records, _, _ = neo4j.driver.execute_query(
        "MATCH (s:SyncedSource) WHERE s.graph ENDS WITH '/organisations' "
        "AND NOT s.graph CONTAINS '/seed/' RETURN s.graph AS g")
    graph = records[0]["g"]
    reference = {g: fingerprint(neo4j.driver, g) for g in (f"{BASE}graph/reference/nuts",
                                                           f"{BASE}graph/reference/nace2.1")}
    names, _, _ = neo4j.driver.execute_query(
        "MATCH (n:Organisation) WHERE $g IN n.sources RETURN n.name AS name ORDER BY name",
        g=graph)
    assert [r["name"] for r in names] == ["Acme Agency", "Beta Chamber"]

    second = ORGS_HEADER + "acme,Acme Development Agency,agency,IT,ITH5,,\n"
    _store_with(tmp_path, reference_store_dir, {"organisations.csv": second})
    neo4j.current = None
    neo4j.use(store_dir)
    names, _, _ = neo4j.driver.execute_query(
        "MATCH (n:Organisation) WHERE $g IN n.sources RETURN n.name AS name", g=graph)
    assert [r["name"] for r in names] == ["Acme Development Agency"]
    gone, _, _ = neo4j.driver.execute_query(
        "MATCH (n:Resource) WHERE n.name = 'Beta Chamber' RETURN count(n) AS n")
    assert gone[0]["n"] == 0
    sectors, _, _ = neo4j.driver.execute_query(
        "MATCH (:Resource {name: 'Acme Development Agency'})-[r:COVERS_SECTOR]->() "
        "RETURN count(r) AS n")
    assert sectors[0]["n"] == 0  # the removed cell's relationship is gone
    assert {g: fingerprint(neo4j.driver, g) for g in reference} == reference
    neo4j.current = None


def test_a_source_too_big_for_one_transaction_is_written_in_steps(neo4j, seeded_store_dir):
    neo4j.use(seeded_store_dir)
    before = fingerprint(neo4j.driver)
    store = Store.read_only(str(seeded_store_dir))
    sync = Neo4jSync(neo4j.driver, batch_size=500, transaction_rows=1000)
    reports = sync.sync(store, force=True)
    assert {report.status for report in reports} == {"written"}
    assert sum(report.rows > 1000 for report in reports) >= 3  # those went batch by batch
    assert fingerprint(neo4j.driver) == before  # the same graph as one transaction each
    assert {report.status for report in sync.sync(store)} == {"unchanged"}


KILLED_SYNC = textwrap.dedent("""
    import sys
    from pyoxigraph import Store
    from smekg.core.neo4j.sync import Neo4jSync, connect
    driver = connect(sys.argv[2], sys.argv[3], sys.argv[4])
    def progress(message):
        print(message, flush=True)
    Neo4jSync(driver, batch_size=20, transaction_rows=int(sys.argv[5])).sync(
        Store.read_only(sys.argv[1]), progress=progress)
    print("finished", flush=True)
""")


def _kill_a_sync_midway(store_dir: Path, transaction_rows: int) -> str:
    """Start a sync of ``store_dir`` and kill it a few chunks into its biggest source (the
    generated organisations, thousands of rows); that source."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_SYNC, str(store_dir), NEO4J_TEST_URI, *NEO4J_TEST_AUTH,
         str(transaction_rows)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert process.stdout is not None
    killed_in = None
    try:
        for line in process.stdout:  # "<graph>: <rows written so far> rows"
            assert line.strip() != "finished", "the sync ended before it could be killed"
            graph, _, counts = line.strip().rpartition(": ")
            done = int(counts.split()[0].replace(",", ""))
            if graph.endswith("/user/organisations") and done >= 60:  # well before its end
                process.send_signal(signal.SIGKILL)
                killed_in = graph
                break
    finally:
        process.kill()
        process.wait(timeout=60)
    assert killed_in is not None and process.returncode == -signal.SIGKILL
    return killed_in


def test_a_sync_killed_midway_leaves_no_half_written_source(neo4j, seeded_store_dir,
                                                            tmp_path):
    neo4j.use(seeded_store_dir)
    seed_graphs = sorted(Neo4jSync(neo4j.driver).synced())
    before = {graph: fingerprint(neo4j.driver, graph) for graph in seed_graphs}
    generate(tmp_path / "generated", 300, seed=3)
    files = {path.name: path.read_text(encoding="utf-8")
             for path in sorted((tmp_path / "generated").glob("*.csv"))}
    store_dir = _store_with(tmp_path, seeded_store_dir, files)
    killed_in = _kill_a_sync_midway(store_dir, transaction_rows=1_000_000)
    # Neo4j rolls back the open transaction of the dead client: nothing of it stays ...
    assert fingerprint(neo4j.driver, killed_in)["relationships"] == 0
    assert fingerprint(neo4j.driver, killed_in)["nodes"] == 0
    assert killed_in not in Neo4jSync(neo4j.driver).synced()
    # ... and the sources it had not reached are as they were.
    assert {graph: fingerprint(neo4j.driver, graph) for graph in seed_graphs} == before
    neo4j.current = None
    neo4j.use(store_dir)  # and the next sync completes it
    assert fingerprint(neo4j.driver, killed_in)["relationships"] > 0
    neo4j.current = None


def test_sync_says_when_neo4j_is_unreachable(seeded_store_dir):
    result = subprocess.run(
        [sys.executable, "-m", "smekg.cli", "sync", "neo4j", "--store", str(seeded_store_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9", "COLUMNS": "200"})
    assert result.returncode == 1
    assert "Neo4j at bolt://127.0.0.1:9 is unreachable" in result.stderr
    assert "scripts/neo4j start" in result.stderr


@pytest.mark.parametrize("batch_size", [0, -5])
def test_batch_size_must_be_positive(neo4j, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        Neo4jSync(neo4j.driver, batch_size=batch_size)


def test_a_stepwise_sync_killed_midway_is_redone_whole(neo4j, seeded_store_dir, tmp_path):
    generate(tmp_path / "generated", 300, seed=3)
    files = {path.name: path.read_text(encoding="utf-8")
             for path in sorted((tmp_path / "generated").glob("*.csv"))}
    store_dir = _store_with(tmp_path, seeded_store_dir, files)
    neo4j.current = None
    neo4j.use(store_dir)  # the reference: every source in one transaction
    complete = fingerprint(neo4j.driver)
    neo4j.driver.execute_query("MATCH (n) DETACH DELETE n")
    killed_in = _kill_a_sync_midway(store_dir, transaction_rows=100)
    # the batches written so far stay, but the source is not marked as synced ...
    assert killed_in not in Neo4jSync(neo4j.driver).synced()
    assert fingerprint(neo4j.driver, killed_in)["nodes"] > 0
    # ... so the next sync writes it again, whole
    reports = Neo4jSync(neo4j.driver, transaction_rows=100).sync(Store.read_only(str(store_dir)))
    assert any(r.graph == killed_in and r.status == "written" for r in reports)
    assert fingerprint(neo4j.driver) == complete
    neo4j.current = None

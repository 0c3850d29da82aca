"""The bulk sync (`smekg sync neo4j --bulk`, neo4j-admin import) against a real, private
Neo4j server: the incremental sync's graph exactly, refusals, and a failed import that
leaves the database as it was.

The private server has a home of its own in a temporary directory (its own conf, data,
logs and free ports; the jars of .neo4j/lib), made by `scripts/neo4j init` and started
once, by the bulk import, for the whole module. The shared test server is not used: both
syncs run on the private one (bulk first; then wiped and synced incrementally).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from neo4j import Driver
from pyoxigraph import Literal, NamedNode, Quad, Store

from smekg.core.neo4j.bulk import (
    STAGING_DATABASE,
    BulkImportError,
    ImportFiles,
    Neo4jHome,
    import_database,
    replace_database,
    write_import_files,
)
from smekg.core.neo4j.sync import Neo4jSync, connect
from smekg.ontology import PROV, RDF, SCHEMA, SKOS, SMEKG
from tests.core.test_neo4j_sync import fingerprint
from tests.helpers import REPO_ROOT, free_port

SCRIPT = REPO_ROOT / "scripts" / "neo4j"
LIB_DIR = REPO_ROOT / ".neo4j" / "lib"
PASSWORD = "bulk-test-password"  # not the default: the CLI must pass NEO4J_PASSWORD on
EX = "http://example.org/bulk/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class PrivateHome:
    path: Path
    env: dict[str, str]  # scripts/neo4j's and smekg's settings for this home
    uri: str

    def script(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), command], env=self.env, capture_output=True,
                              text=True, timeout=300, check=False)

    def driver(self) -> Driver:
        return connect(self.uri, "neo4j", PASSWORD)

    def smekg(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "smekg.cli", *args], cwd=REPO_ROOT,
                              env=self.env, capture_output=True, text=True, timeout=600,
                              check=False)


def _odd_quads(graph: NamedNode) -> list[Quad]:
    """A source whose values try the CSV: quotes, commas, line breaks, unicode, an array
    element holding the first array delimiter, numbers at the edges, mixed types."""
    a, b, c = NamedNode(EX + "a"), NamedNode(EX + "b"), NamedNode(EX + "c")

    def typed(value: str, datatype: str) -> Literal:
        return Literal(value, datatype=NamedNode(XSD + datatype))

    label, alt = NamedNode(str(SKOS.prefLabel)), NamedNode(str(SKOS.altLabel))
    facts = [
        (a, NamedNode(str(RDF.type)), NamedNode(EX + "Odd-Class")),
        (a, NamedNode(str(RDF.type)), NamedNode(str(SKOS.Concept))),
        *[(a, label, Literal(text)) for text in (
            'Comma, "quoted"', "multi\nline", "cr\r\nlf\rcr", "tab\there", " padded ",
            "😀 ünïcødé عربى", "", 'back\\slash\\"', "nul\x00char", "\ufeffbom")],
        (a, NamedNode(EX + "count"), typed("9223372036854775807", "integer")),
        (a, NamedNode(EX + "small"), typed("-5", "integer")),
        (a, NamedNode(EX + "small"), typed("3", "int")),
        (a, NamedNode(EX + "ratio"), typed("1e-5", "double")),
        (a, NamedNode(EX + "budget"), typed("12.50", "decimal")),
        (a, NamedNode(EX + "far"), typed("INF", "double")),
        (a, NamedNode(EX + "flags"), typed("true", "boolean")),
        (a, NamedNode(EX + "flags"), typed("false", "boolean")),
        (a, NamedNode(EX + "mixed"), typed("1", "integer")),
        (a, NamedNode(EX + "mixed"), Literal("one")),
        (a, NamedNode(str(SCHEMA.startDate)), typed("2024-02-29", "date")),
        (a, NamedNode(EX + "linksTo"), b),
        (a, NamedNode(str(SCHEMA.areaServed)), NamedNode(EX + "nowhere")),  # undescribed
        (b, label, Literal("Bee, with\nbreak")),
        (b, alt, Literal("x\x1fy")),  # holds the first array delimiter
        (b, alt, Literal("z")),
        (c, NamedNode(EX + "nothing"), typed("NaN", "double")),
        (c, label, Literal("\x1f alone, not in an array")),
        (graph, NamedNode(str(SMEKG.sha256)), Literal("0" * 64)),
        (graph, NamedNode(str(PROV.generatedAtTime)),
         typed("2024-01-01T00:00:00Z", "dateTime")),
    ]
    return [Quad(s, p, o, graph) for s, p, o in facts]


@pytest.fixture(scope="module")
def bulk_store_dir(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data and a source of odd values."""
    store_dir = tmp_path_factory.mktemp("bulk-store") / "store"
    shutil.copytree(seeded_store_dir, store_dir)
    store = Store(str(store_dir))
    store.extend(_odd_quads(NamedNode("https://w3id.org/smekg/id/graph/user/odd-values")))
    store.flush()
    del store
    return store_dir


@pytest.fixture(scope="module")
def private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateHome]:
    """A new Neo4j home with its own ports (initialised, not started; stopped at the end)."""
    if not any(LIB_DIR.glob("neo4j-kernel-*.jar")):
        pytest.fail(f"no Neo4j jars in {LIB_DIR}: `scripts/neo4j start` resolves them",
                    pytrace=False)
    path = tmp_path_factory.mktemp("neo4j-bulk") / "home"
    bolt = free_port()
    env = {**os.environ, "NEO4J_HOME_DIR": str(path), "NEO4J_LIB_DIR": str(LIB_DIR),
           "NEO4J_BOLT_PORT": str(bolt), "NEO4J_HTTP_PORT": str(free_port()),
           "NEO4J_HEAP": "1g", "NEO4J_HEAP_INITIAL": "256m", "NEO4J_PAGECACHE": "256m",
           "NEO4J_PASSWORD": PASSWORD, "COLUMNS": "200", "PYTHONPATH": str(REPO_ROOT)}
    env.pop("NEO4J_DATABASE", None)
    home = PrivateHome(path, env, f"bolt://127.0.0.1:{bolt}")
    init = home.script("init")
    if init.returncode != 0:
        pytest.fail(f"scripts/neo4j init failed:\n{init.stdout}{init.stderr}", pytrace=False)
    yield home
    home.script("stop")


@dataclass
class BulkImported:
    home: PrivateHome
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def bulk_imported(private_home: PrivateHome, bulk_store_dir: Path) -> BulkImported:
    """`smekg sync neo4j --bulk` of the store into the private home (its server runs after)."""
    result = private_home.smekg("sync", "neo4j", "--bulk", "--neo4j-home",
                                str(private_home.path), "--store", str(bulk_store_dir))
    if result.returncode != 0:
        pytest.fail(f"the bulk import failed:\n{result.stdout}{result.stderr}", pytrace=False)
    return BulkImported(private_home, result)


def _graph(driver: Driver) -> dict[str, object]:
    """The whole graph (fingerprint), the sync's records and the schema."""
    keys, _, _ = driver.execute_query(
        "MATCH (k:PropertyKey) RETURN k.key AS key, k.predicate AS predicate, "
        "labels(k) AS labels, keys(k) AS keys ORDER BY key")
    synced, _, _ = driver.execute_query(
        "MATCH (s:SyncedSource) RETURN s.graph AS graph, s.version AS version, "
        "s.sha256 AS sha256, s.nodes AS nodes, s.relationships AS relationships, "
        "valueType(s.syncedAt) AS at, labels(s) AS labels, keys(s) AS keys ORDER BY graph")
    indexes, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, "
        "owningConstraint, state WHERE type <> 'LOOKUP' RETURN * ORDER BY name")
    constraints, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties "
        "RETURN * ORDER BY name")
    return {"graph": fingerprint(driver),
            "property_keys": [dict(r) | {"keys": sorted(r["keys"])} for r in keys],
            "synced": [dict(r) | {"keys": sorted(r["keys"])} for r in synced],
            "indexes": [dict(r) for r in indexes],
            "constraints": [dict(r) for r in constraints]}


def _wipe(driver: Driver) -> None:
    """An empty database: no nodes, constraints or indexes (but the token lookups)."""
    driver.execute_query("MATCH (n) DETACH DELETE n")
    constraints, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    for record in constraints:  # each drops its index too
        driver.execute_query(f"DROP CONSTRAINT `{record['name']}`")
    indexes, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name")
    for record in indexes:
        driver.execute_query(f"DROP INDEX `{record['name']}`")


def test_bulk_import_gives_the_graph_of_the_incremental_sync(bulk_imported, bulk_store_dir):
    assert "source(s) imported into Neo4j" in bulk_imported.result.stdout
    assert "rows/s" in bulk_imported.result.stdout
    store = Store.read_only(str(bulk_store_dir))
    with bulk_imported.home.driver() as driver:
        bulk = _graph(driver)
        graph = bulk["graph"]
        assert isinstance(graph, dict) and graph["nodes"] > 8000
        assert graph["relationships"] > 17000
        assert {index["state"] for index in bulk["indexes"]} == {"ONLINE"}
        # the odd values are there, as values of the types the driver gives them
        records, _, _ = driver.execute_query(
            "MATCH (a:Resource {iri: $a}) OPTIONAL MATCH (b:Resource {iri: $b}) "
            "OPTIONAL MATCH (c:Resource {iri: $c}) RETURN a, b, c, labels(a) AS labels",
            a=EX + "a", b=EX + "b", c=EX + "c")
        a, b, c = records[0]["a"], records[0]["b"], records[0]["c"]
        assert sorted(records[0]["labels"]) == ["Concept", "Odd_Class", "Resource"]
        assert a["name"] == sorted(['Comma, "quoted"', "multi\nline", "cr\r\nlf\rcr",
                                    "tab\there", " padded ", "😀 ünïcødé عربى", "",
                                    'back\\slash\\"', "nul\x00char", "\ufeffbom"])
        assert (a["count"], a["small"], a["ratio"], a["budget"], a["far"]) == (
            9223372036854775807, [-5, 3], 1e-5, 12.5, float("inf"))
        assert a["flags"] == [False, True] and a["mixed"] == ["1", "one"]
        assert a["startDate"] == "2024-02-29"
        assert b["altNames"] == ["x\x1fy", "z"] and b["name"] == "Bee, with\nbreak"
        assert c["nothing"] != c["nothing"]  # NaN
        bare, _, _ = driver.execute_query(
            "MATCH (n {iri: $iri}) RETURN labels(n) AS labels, properties(n) AS props",
            iri=EX + "nowhere")
        assert [(r["labels"], r["props"]) for r in bare] == [
            (["Resource"], {"iri": EX + "nowhere"})]

        # an incremental sync on top finds every source up to date and changes nothing
        reports = Neo4jSync(driver).sync(store)
        assert {report.status for report in reports} == {"unchanged"}
        assert _graph(driver) == bulk

        # the incremental sync into an empty database writes the same graph
        _wipe(driver)
        assert fingerprint(driver)["nodes"] == 0
        reports = Neo4jSync(driver).sync(store)
        assert {report.status for report in reports} == {"written"}
        incremental = _graph(driver)
    assert incremental == bulk


def test_bulk_import_refuses_a_running_server(bulk_imported, bulk_store_dir):
    home = bulk_imported.home
    if home.script("status").returncode != 0:  # only if the tests ran in another order
        started = home.script("start")
        assert started.returncode == 0, started.stderr
    with home.driver() as driver:
        before = fingerprint(driver)
        result = home.smekg("sync", "neo4j", "--bulk", "--neo4j-home", str(home.path),
                            "--store", str(bulk_store_dir))
        assert result.returncode == 1
        assert "its server is running" in result.stderr
        assert str(home.path) in result.stderr and "scripts/neo4j stop" in result.stderr
        assert fingerprint(driver) == before


def test_bulk_import_needs_a_neo4j_home(tmp_path, seeded_store_dir):
    env = {**os.environ, "COLUMNS": "200"}

    def smekg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "smekg.cli", "sync", "neo4j", *args,
                               "--store", str(seeded_store_dir)], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    result = smekg("--bulk", "--neo4j-home", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path} is not a Neo4j home" in result.stderr
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "neo4j.conf").write_text(f"server.directories.lib={tmp_path}\n")
    result = smekg("--bulk", "--neo4j-home", str(tmp_path))
    assert result.returncode == 1 and "no Neo4j jars" in result.stderr
    result = smekg("--bulk")
    assert result.returncode == 2 and "--bulk needs --neo4j-home" in result.stderr
    assert smekg("--neo4j-home", str(tmp_path)).returncode == 2
    assert smekg("--bulk", "--force", "--neo4j-home", str(tmp_path)).returncode == 2


def _files(*directories: Path) -> dict[str, tuple[int, int]]:
    return {str(path): (path.stat().st_size, path.stat().st_mtime_ns)
            for directory in directories for path in sorted(directory.rglob("*"))
            if path.is_file()}


def test_a_failed_import_leaves_the_database_as_it_was(bulk_imported, tmp_path):
    home = bulk_imported.home
    stopped = home.script("stop")
    assert stopped.returncode == 0, stopped.stderr
    neo4j_home = Neo4jHome.open(home.path)
    live = [neo4j_home.databases_dir / "neo4j", neo4j_home.transactions_dir / "neo4j"]
    before = _files(*live)
    assert any("neostore" in name for name in before)
    (tmp_path / "nodes.csv").write_text('iri:ID,:LABEL\n"a","Resource"\n', encoding="utf-8")
    (tmp_path / "rels.csv").write_text(  # to a node that is not there: the import fails
        ':START_ID,:END_ID,:TYPE\n"a","missing","LINKS_TO"\n', encoding="utf-8")
    files = ImportFiles(tmp_path, "\x1f", nodes=["nodes.csv"], relationships=["rels.csv"])
    with pytest.raises(BulkImportError, match="was not touched"):
        import_database(neo4j_home, files)
    assert _files(*live) == before
    assert not (neo4j_home.databases_dir / STAGING_DATABASE).exists()
    assert not (neo4j_home.transactions_dir / STAGING_DATABASE).exists()


def test_csv_files_type_every_column_and_avoid_the_array_delimiter(tmp_path):
    store = Store()
    store.extend(_odd_quads(NamedNode("https://w3id.org/smekg/id/graph/user/odd-values")))
    files = write_import_files(store, tmp_path)
    assert files.array_delimiter == "\x1e"  # an element holds \x1f, none \x1e
    assert files.delimiters_in_data == {"\x1f"}
    headers = {name: (tmp_path / name).read_text(encoding="utf-8").split("\n", 1)[0]
               for name in files.nodes + files.relationships}
    columns = {column for header in headers.values() for column in header.split(",")}
    assert {"iri:ID", ":LABEL", "name:string[]", "count:long", "small:long[]",
            "ratio:double", "budget:double", "flags:boolean[]", "mixed:string[]",
            "startDate:string", "altNames:string[]", "nothing:double", ":START_ID",
            ":END_ID", ":TYPE", "source:string", "predicate:string"} <= columns
    # the rows with line breaks are in files of their own, read in multi-line mode
    assert files.multiline and all(name in files.nodes for name in files.multiline)
    for name in files.nodes:
        rows = (tmp_path / name).read_text(encoding="utf-8").split("\n", 1)[1]
        assert ("\n" in rows.rstrip("\n")) == (name in files.multiline)
    # a, b, c and the graph (its provenance) from the source, and the bare "nowhere"
    assert (files.node_count, files.relationship_count) == (5, 2)
    assert [(s.nodes, s.relationships) for s in files.sources] == [(4, 2)]


def test_a_locked_store_counts_as_a_running_server(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "neo4j.conf").write_text(
        f"server.directories.lib={LIB_DIR}\n", encoding="utf-8")
    home = Neo4jHome.open(tmp_path)
    assert home.running() is None
    lock = home.databases_dir / "store_lock"
    holder = subprocess.Popen(  # what a Neo4j server does while it runs (a POSIX lock)
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
         "fcntl.lockf(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)",
         str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert "store_lock is locked" in (home.running() or "")
        with pytest.raises(BulkImportError, match="in use by a running Neo4j"):
            replace_database(home)
    finally:
        holder.kill()
        holder.wait()
    assert home.running() is None

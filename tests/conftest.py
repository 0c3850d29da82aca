"""Shared fixtures: real Oxigraph stores on disk, loaded once per session and copied per test."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.backends.sparql import SparqlBackend, SparqlEndpoint
from smekg.core.iri import Minter
from smekg.core.stores import GraphStore, RemoteGraphStore
from smekg.loaders.bundled import bundled_sources, ontology_source, reference_sources
from smekg.loaders.generate import generate
from smekg.loaders.sources import file_sources, load_sources
from smekg.queries.service import QueryService
from tests.helpers import free_port

# A load through the CLI builds and keeps the index of the new data afterwards (a child
# process reading the whole graph); the many CLI loads of the suite leave that out, and
# tests/test_cli.py::test_a_load_keeps_the_index_of_the_new_data turns it on.
os.environ.setdefault("SMEKG_INDEX_ON_LOAD", "false")

BASE = "https://w3id.org/smekg/id/"


@pytest.fixture(scope="session")
def minter() -> Minter:
    return Minter(BASE)


def _build(path: Path, with_seed: bool) -> Path:
    store = GraphStore.open(path)
    minter = Minter(BASE)
    if with_seed:
        sources = bundled_sources(minter, store)
    else:
        sources = [ontology_source(), *reference_sources(minter)]
    load_sources(store, sources, minter)
    del store
    gc.collect()  # close the RocksDB handle before the directory is copied
    return path


@pytest.fixture(scope="session")
def reference_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the ontology and every reference classification (read-only template)."""
    return _build(tmp_path_factory.mktemp("reference") / "store", with_seed=False)


@pytest.fixture(scope="session")
def seeded_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding everything `smekg load` loads (read-only template)."""
    return _build(tmp_path_factory.mktemp("seeded") / "store", with_seed=True)


@pytest.fixture(scope="session")
def seeded_store(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    """A shared store with the bundled data, for read-only tests."""
    copy = tmp_path_factory.mktemp("seeded-ro") / "store"
    shutil.copytree(seeded_store_dir, copy)
    return GraphStore.open(copy)


@pytest.fixture
def reference_store(reference_store_dir: Path, tmp_path: Path) -> Iterator[GraphStore]:
    """A private, writable copy of the reference store for one test."""
    copy = tmp_path / "store"
    shutil.copytree(reference_store_dir, copy)
    yield GraphStore.open(copy)


# -- Neo4j: a real server over Bolt (scripts/neo4j start), never mocked ------------------
# The tests own the database they are pointed at and wipe it, so they use their own
# variables (SMEKG_TEST_NEO4J_*), never NEO4J_URI: a user's own Neo4j is left alone.
NEO4J_TEST_URI = os.environ.get("SMEKG_TEST_NEO4J_URI", "bolt://127.0.0.1:7687")
NEO4J_TEST_AUTH = (os.environ.get("SMEKG_TEST_NEO4J_USER", "neo4j"),
                   os.environ.get("SMEKG_TEST_NEO4J_PASSWORD", "smekg-dev-password"))


class Neo4jDatasets:
    """The test Neo4j database, synced on demand with one store or another."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.current: Path | None = None

    def use(self, store_dir: Path) -> None:
        """Make Neo4j hold exactly what ``store_dir`` holds (an incremental sync)."""
        if self.current == store_dir:
            return
        from pyoxigraph import Store

        from smekg.core.neo4j.sync import Neo4jSync

        Neo4jSync(self.driver).sync(Store.read_only(str(store_dir)))
        self.current = store_dir


@pytest.fixture(scope="session")
def neo4j() -> Iterator[Neo4jDatasets]:
    """The test Neo4j server; fails (never skips) when it cannot be reached.

    No wipe is needed: a sync makes Neo4j hold exactly the store's sources and removes
    any other source it holds.
    """
    from smekg.core.backends import BackendUnavailable
    from smekg.core.neo4j.sync import connect

    try:
        driver = connect(NEO4J_TEST_URI, *NEO4J_TEST_AUTH)
    except BackendUnavailable as error:
        pytest.fail(f"the Neo4j tests need a server: {error}", pytrace=False)
    yield Neo4jDatasets(driver)
    driver.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Group the tests that use Neo4j by the data they need there, so the shared database
    # switches dataset a few times per run instead of once per test.
    # The tests on the remote SPARQL store are grouped the same way (after them).
    def group(item: pytest.Item) -> int:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for backend, first in (("neo4j", 1), ("sparql", 3)):
            if params.get("service") == backend:
                return first
            if params.get("generated_service") == backend:
                return first + 1
        return 0

    items.sort(key=group)
    _mark_by_server(items)


# -- query services over real stores (every backend) ---------------------------------

BASE = "https://w3id.org/smekg/id/"
GENERATED_ORGS = 1500


BACKENDS = ["oxigraph", "neo4j", "sparql"]


class Neo4jService(QueryService):
    """A query service over the test Neo4j, which it first syncs with its store."""

    def __init__(self, datasets, store_dir: Path) -> None:
        from smekg.core.neo4j.backend import Neo4jBackend

        super().__init__(Neo4jBackend(NEO4J_TEST_URI, *NEO4J_TEST_AUTH), Minter(BASE),
                         check_interval=0.0)
        self.datasets, self.store_dir = datasets, store_dir

    @property
    def index(self):
        self.datasets.use(self.store_dir)
        return super().index


def _service(request: pytest.FixtureRequest, store_fixture: str) -> QueryService:
    store_dir = request.getfixturevalue(store_fixture)
    if request.param == "neo4j":
        return Neo4jService(request.getfixturevalue("neo4j"), store_dir)
    if request.param == "sparql":
        return sparql_service(request, store_fixture)
    return QueryService(OxigraphBackend(store_dir), Minter(BASE))


@pytest.fixture(scope="session", params=BACKENDS)
def service(request: pytest.FixtureRequest) -> QueryService:
    """Named queries over the bundled data, on each backend (the contract every one keeps)."""
    return _service(request, "seeded_store_dir")


@pytest.fixture(scope="session", params=BACKENDS)
def generated_service(request: pytest.FixtureRequest) -> QueryService:
    """Named queries over a generated ecosystem of GENERATED_ORGS organisations."""
    return _service(request, "generated_store_dir")


@pytest.fixture(scope="session")
def oxigraph_service(seeded_store_dir: Path) -> QueryService:
    return QueryService(OxigraphBackend(seeded_store_dir), Minter(BASE))


@pytest.fixture(scope="session")
def neo4j_service(neo4j, seeded_store_dir: Path) -> QueryService:
    return Neo4jService(neo4j, seeded_store_dir)


@pytest.fixture(scope="session")
def generated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables of a generated ecosystem of GENERATED_ORGS organisations."""
    data_dir = tmp_path_factory.mktemp("generated-data")
    generate(data_dir, GENERATED_ORGS, seed=7)
    return data_dir


@pytest.fixture(scope="session")
def generated_store_dir(
    reference_store_dir: Path, generated_data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A store with a generated ecosystem of GENERATED_ORGS organisations."""
    store_dir = tmp_path_factory.mktemp("generated") / "store"
    shutil.copytree(reference_store_dir, store_dir)
    store = GraphStore.open(store_dir)
    minter = Minter(BASE)
    paths = sorted(generated_data_dir.glob("*.csv"))
    load_sources(store, file_sources(paths, minter, store), minter)
    del store
    gc.collect()
    return store_dir


# -- a remote SPARQL store: a real `oxigraph serve` on loopback, never mocked ---------
# Each server is started by the tests on a free port with a temporary --location and
# --union-default-graph (the option smekg requires of a remote store), loaded through
# smekg's own loaders (RemoteGraphStore), and terminated at the end of the session.


def oxigraph_binary() -> str:
    """The ``oxigraph`` server of the project's environment (pip package ``oxigraph``)."""
    binary = Path(sys.executable).with_name("oxigraph")
    found = str(binary) if binary.exists() else shutil.which("oxigraph")
    if found is None:
        pytest.fail("the SPARQL store tests need the Oxigraph server: "
                    "`pip install -e '.[test]'` installs it (package oxigraph)", pytrace=False)
    return found


class OxigraphServer:
    """A running ``oxigraph serve`` on loopback, with its query, update and store URLs."""

    def __init__(self, location: Path, *, union_default_graph: bool = True,
                 query_timeout: int = 20) -> None:
        self.location = location
        self.url = f"http://127.0.0.1:{free_port()}"
        self.query_url = f"{self.url}/query"
        self.update_url = f"{self.url}/update"
        self.store_url = f"{self.url}/store"
        self.log = location.with_suffix(".log")
        # --timeout-s stops a runaway query on the shared machine (short: in 0.5 each query
        # keeps a thread asleep that long)
        args = [oxigraph_binary(), "serve", "--location", str(location),
                "--bind", self.url.removeprefix("http://"), "--timeout-s", str(query_timeout)]
        if union_default_graph:
            args.append("--union-default-graph")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"oxigraph serve exited:\n{self.log.read_text()}", pytrace=False)
            try:
                if httpx.get(self.query_url, params={"query": "ASK {}"},
                             timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"oxigraph serve did not answer in {timeout} s:\n{self.log.read_text()}",
                    pytrace=False)

    def endpoint(self, *, update: bool = True, store: bool = True) -> SparqlEndpoint:
        """A client of this server (with its update and Graph Store URLs, or not)."""
        return SparqlEndpoint(self.query_url, update_url=self.update_url if update else None,
                              store_url=self.store_url if store else None)

    def env(self) -> dict[str, str]:
        """The settings that point smekg at this server."""
        return {"SMEKG_BACKEND": "sparql", "SMEKG_SPARQL_ENDPOINT": self.query_url,
                "SMEKG_SPARQL_UPDATE_ENDPOINT": self.update_url,
                "SMEKG_SPARQL_STORE_ENDPOINT": self.store_url}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def start_oxigraph_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., OxigraphServer]]:
    """Start an empty Oxigraph server (stopped at the end of the session)."""
    servers: list[OxigraphServer] = []

    def start(*, union_default_graph: bool = True, query_timeout: int = 20) -> OxigraphServer:
        server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-server") / "data",
                                union_default_graph=union_default_graph,
                                query_timeout=query_timeout)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def load_remote(server: OxigraphServer, make_sources) -> None:
    """Load sources into ``server`` with smekg's loaders, as `smekg load` does."""
    endpoint = server.endpoint()
    store = RemoteGraphStore(endpoint)
    minter = Minter(BASE)
    load_sources(store, make_sources(minter, store), minter)
    endpoint.close()


@pytest.fixture(scope="session")
def reference_server(start_oxigraph_server: Callable[..., OxigraphServer]) -> OxigraphServer:
    """A server holding the ontology and the reference data (user graphs come and go)."""
    server = start_oxigraph_server()
    load_remote(server, lambda minter, store: [ontology_source(), *reference_sources(minter)])
    return server


@pytest.fixture(scope="session")
def seeded_sparql(start_oxigraph_server: Callable[..., OxigraphServer]) -> OxigraphServer:
    """An Oxigraph server holding everything `smekg load` loads (read-only for tests)."""
    server = start_oxigraph_server()
    load_remote(server, lambda minter, store: bundled_sources(minter, store))
    return server


@pytest.fixture(scope="session")
def generated_sparql(start_oxigraph_server: Callable[..., OxigraphServer],
                     generated_data_dir: Path) -> OxigraphServer:
    """An Oxigraph server holding the reference data and the generated ecosystem."""
    server = start_oxigraph_server()
    load_remote(server, lambda minter, store: [ontology_source(), *reference_sources(minter)])
    paths = sorted(generated_data_dir.glob("*.csv"))
    load_remote(server, lambda minter, store: file_sources(paths, minter, store))
    return server


SPARQL_DATASETS = {"seeded_store_dir": "seeded_sparql", "generated_store_dir": "generated_sparql"}


class SparqlService(QueryService):
    """A query service over a test Oxigraph server holding what ``store_dir`` holds."""

    def __init__(self, server: OxigraphServer, store_dir: Path) -> None:
        super().__init__(SparqlBackend(server.query_url), Minter(BASE))
        self.server, self.store_dir = server, store_dir


def sparql_service(request: pytest.FixtureRequest, store_fixture: str) -> SparqlService:
    """A query service over the test Oxigraph server loaded like ``store_fixture``."""
    return SparqlService(request.getfixturevalue(SPARQL_DATASETS[store_fixture]),
                         request.getfixturevalue(store_fixture))


# -- markers: which tests need which real server ----------------------------------------
# Set from what a test uses (its fixtures, or the backend it is parametrized with), so that
# `pytest -m "not neo4j"` and the like select exactly the tests that can run without it.
_MARK_BY_FIXTURE = {"neo4j": "neo4j", "start_oxigraph_server": "oxigraph_server",
                    "start_api": "server"}
_MARK_BY_PARAM = {"neo4j": "neo4j", "sparql": "oxigraph_server"}


def _mark_by_server(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        values = {value for value in (callspec.params.values() if callspec else ())
                  if isinstance(value, str)}
        marks = {mark for fixture, mark in _MARK_BY_FIXTURE.items() if fixture in names}
        marks |= {mark for value, mark in _MARK_BY_PARAM.items() if value in values}
        for mark in sorted(marks):
            item.add_marker(getattr(pytest.mark, mark))

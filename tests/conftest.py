"""Shared fixtures: real Oxigraph stores on disk, loaded once per session and copied per test."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.bundled import bundled_sources, ontology_source, reference_sources
from loaders.sources import file_sources, load_sources
from queries.service import QueryService
from smekg.backends.oxigraph import OxigraphBackend
from smekg.generate import generate
from smekg.iri import Minter
from smekg.settings import REPO_ROOT
from smekg.store import GraphStore

BASE = "https://w3id.org/smekg/id/"
DATA_DIR = REPO_ROOT / "data"


@pytest.fixture(scope="session")
def minter() -> Minter:
    return Minter(BASE)


def _build(path: Path, with_seed: bool) -> Path:
    store = GraphStore.open(path)
    minter = Minter(BASE)
    if with_seed:
        sources = bundled_sources(minter, store, DATA_DIR)
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

        from loaders.neo4j_sync import Neo4jSync

        Neo4jSync(self.driver).sync(Store.read_only(str(store_dir)))
        self.current = store_dir


@pytest.fixture(scope="session")
def neo4j() -> Iterator[Neo4jDatasets]:
    """The test Neo4j server; fails (never skips) when it cannot be reached.

    No wipe is needed: a sync makes Neo4j hold exactly the store's sources and removes
    any other source it holds.
    """
    from loaders.neo4j_sync import connect
    from smekg.backends import BackendUnavailable

    try:
        driver = connect(NEO4J_TEST_URI, *NEO4J_TEST_AUTH)
    except BackendUnavailable as error:
        pytest.fail(f"the Neo4j tests need a server: {error}", pytrace=False)
    yield Neo4jDatasets(driver)
    driver.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Group the tests that use Neo4j by the data they need there, so the shared database
    # switches dataset a few times per run instead of once per test.
    def group(item: pytest.Item) -> int:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("service") == "neo4j":
            return 1
        if params.get("generated_service") == "neo4j":
            return 2
        return 0

    items.sort(key=group)


# -- query services over real stores (both backends) ----------------------------------

BASE = "https://w3id.org/smekg/id/"
GENERATED_ORGS = 1500


BACKENDS = ["oxigraph", "neo4j"]


class Neo4jService(QueryService):
    """A query service over the test Neo4j, which it first syncs with its store."""

    def __init__(self, datasets, store_dir: Path) -> None:
        from smekg.backends.neo4j import Neo4jBackend

        super().__init__(Neo4jBackend(NEO4J_TEST_URI, *NEO4J_TEST_AUTH), Minter(BASE),
                         check_interval=0.0)
        self.datasets, self.store_dir = datasets, store_dir

    @property
    def index(self):
        self.datasets.use(self.store_dir)
        return super().index


def _service(request: pytest.FixtureRequest, store_dir: Path) -> QueryService:
    if request.param == "neo4j":
        return Neo4jService(request.getfixturevalue("neo4j"), store_dir)
    return QueryService(OxigraphBackend(store_dir), Minter(BASE))


@pytest.fixture(scope="session", params=BACKENDS)
def service(request: pytest.FixtureRequest, seeded_store_dir: Path) -> QueryService:
    """Named queries over the bundled data, on each backend (the contract every one keeps)."""
    return _service(request, seeded_store_dir)


@pytest.fixture(scope="session", params=BACKENDS)
def generated_service(request: pytest.FixtureRequest, generated_store_dir: Path) -> QueryService:
    """Named queries over a generated ecosystem of GENERATED_ORGS organisations."""
    return _service(request, generated_store_dir)


@pytest.fixture(scope="session")
def oxigraph_service(seeded_store_dir: Path) -> QueryService:
    return QueryService(OxigraphBackend(seeded_store_dir), Minter(BASE))


@pytest.fixture(scope="session")
def neo4j_service(neo4j, seeded_store_dir: Path) -> QueryService:
    return Neo4jService(neo4j, seeded_store_dir)


@pytest.fixture(scope="session")
def generated_store_dir(
    reference_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A store with a generated ecosystem of GENERATED_ORGS organisations."""
    root = tmp_path_factory.mktemp("generated")
    generate(root / "data", GENERATED_ORGS, seed=7)
    store_dir = root / "store"
    shutil.copytree(reference_store_dir, store_dir)
    store = GraphStore.open(store_dir)
    minter = Minter(BASE)
    paths = sorted((root / "data").glob("*.csv"))
    load_sources(store, file_sources(paths, minter, store), minter)
    del store
    gc.collect()
    return store_dir

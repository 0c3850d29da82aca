"""Query services over real stores: the seed data, and a generated ecosystem."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from loaders.sources import file_sources, load_sources
from queries.service import QueryService
from smekg.backends.oxigraph import OxigraphBackend
from smekg.generate import generate
from smekg.iri import Minter
from smekg.store import GraphStore
from tests.conftest import NEO4J_TEST_AUTH, NEO4J_TEST_URI

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

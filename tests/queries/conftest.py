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

BASE = "https://w3id.org/smekg/id/"
GENERATED_ORGS = 1500


@pytest.fixture(scope="session")
def service(seeded_store_dir: Path) -> QueryService:
    """Named queries over the bundled data (the store opened read-only, as the API does)."""
    return QueryService(OxigraphBackend(seeded_store_dir), Minter(BASE))


@pytest.fixture(scope="session")
def generated_service(
    reference_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> QueryService:
    """Named queries over a generated ecosystem of GENERATED_ORGS organisations."""
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
    return QueryService(OxigraphBackend(store_dir), Minter(BASE))

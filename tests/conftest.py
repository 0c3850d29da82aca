"""Shared fixtures: real Oxigraph stores on disk, loaded once per session and copied per test."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.bundled import bundled_sources, ontology_source, reference_sources
from loaders.sources import load_sources
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

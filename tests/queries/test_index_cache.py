"""The index kept beside an embedded store: opened over memory-mapped files at the same data
version, ignored at another, of another format, when unsafe to read or broken; the answers
unchanged."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.encoders import jsonable_encoder

from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.iri import Minter
from smekg.core.settings import Settings
from smekg.core.stores import GraphStore
from smekg.loaders.sources import file_sources, load_sources
from smekg.queries.coverage import coverage_table
from smekg.queries.graph_index import GraphIndex, MembershipTerms
from smekg.queries.index_cache import (
    CURRENT,
    cache_format,
    is_kept,
    load_index,
    save_index,
)
from smekg.queries.service import QueryService
from tests.conftest import BASE

STEERING_GROUP = f"{BASE}network/insme-steering-group"


@pytest.fixture
def store_dir(seeded_store_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store_dir, copy)
    return copy


def _service(store: Path, cache: Path | None) -> QueryService:
    return QueryService(OxigraphBackend(store), Minter(BASE), index_cache=cache)


def _answers(service: QueryService) -> object:
    return jsonable_encoder({
        "coverage": service.coverage(region="ITH55", sector="C25"),
        "members": service.members("insme-steering-group", transitive=True),
        "search": service.search("emilia"),
        "projects": service.projects(),
        "networks": service.networks(),
    })


def test_the_kept_index_answers_as_the_one_built_from_the_graph(store_dir, tmp_path):
    cache = tmp_path / "store.index"
    built = _service(store_dir, cache)
    expected = _answers(built)
    current = cache / CURRENT
    assert current.is_file()
    assert current.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o077 == 0
    folders = [path for path in cache.iterdir() if path.is_dir()]
    assert len(folders) == 1 and folders[0].stat().st_mode & 0o077 == 0
    assert not list(cache.glob("*.pickle")) and not list(folders[0].glob("*.pickle"))
    read = load_index(cache, built.index.version)
    assert read is not None and read.version == built.index.version
    assert read.backend is None  # the backend is pinned by the service that reads it
    assert _answers(_service(store_dir, cache)) == expected
    assert _answers(_service(store_dir, None)) == expected  # and no cache at all


def test_the_kept_index_is_opened_over_mapped_files_not_read_into_objects(store_dir, tmp_path):
    cache = tmp_path / "store.index"
    built = _service(store_dir, cache).index
    read = load_index(cache, built.version)
    assert read is not None
    table = coverage_table(read)
    for array in (table.up, table.down_start, table.scoped, table.network_number):
        # a read-only view of pages mapped from the kept file, shared by every process
        # that maps it (the page cache), not a copy in this one
        assert isinstance(array.base, np.memmap) and not array.flags.writeable
    assert not isinstance(read.labels, dict) and not isinstance(read.names, list)
    assert not isinstance(read.terms.members, list)
    # the same content as the index built from the graph
    for field in ("labels", "codes", "levels", "broader", "served_by", "networks_of",
                  "by_key", "located_at"):
        assert dict(getattr(read, field).items()) == dict(getattr(built, field).items()), field
    assert {k: set(v) for k, v in read.tags.items()} == {k: set(v) for k, v in built.tags.items()}
    assert set(read.member_countries) == set(built.member_countries)
    assert list(read.names) == list(built.names)
    assert isinstance(read.terms, MembershipTerms)
    assert list(read.terms.members) == list(built.terms.members)
    assert dict(read.terms.blocks.items()) == dict(built.terms.blocks.items())
    assert read.labels.get("no such entity") is None and 42 not in read.labels  # type: ignore


def test_the_service_reads_the_kept_index_instead_of_the_graph(store_dir, tmp_path):
    # a kept index whose name of the steering group differs from the graph's: the service
    # answers with it, so it read the file, not the graph
    cache = tmp_path / "store.index"
    version = OxigraphBackend(store_dir).data_version()
    index = GraphIndex.build(OxigraphBackend(store_dir))
    index.labels[STEERING_GROUP] = "Kept on disk"
    kept = save_index(cache, index)
    assert kept is not None and kept.parent == cache
    service = _service(store_dir, cache)
    assert service.index.version == version
    assert service.ref(STEERING_GROUP).label == "Kept on disk"
    assert service.index.backend is not None
    assert service.networks()  # answers that query the graph run on the pinned snapshot


def test_a_load_makes_the_kept_index_stale_and_a_new_one_is_kept(store_dir, tmp_path):
    cache = tmp_path / "store.index"
    first = _service(store_dir, cache).index.version
    table = tmp_path / "organisations.csv"
    table.write_text("id,name,country\nkept-test-agency,Kept Test Agency,IT\n",
                     encoding="utf-8")
    minter = Minter(BASE)
    store = GraphStore.open(store_dir)
    try:
        load_sources(store, file_sources([table], minter, store), minter)
    finally:
        store.close()
    service = _service(store_dir, cache)
    assert service.index.version != first
    assert any(hit.label == "Kept Test Agency" for hit in service.search("Kept Test"))
    assert load_index(cache, first) is None
    assert load_index(cache, service.index.version) is not None


def test_a_kept_index_of_another_format_or_version_is_not_read(store_dir, tmp_path):
    cache = tmp_path / "store.index"
    built = _service(store_dir, cache).index
    current = cache / CURRENT
    header = current.read_text(encoding="utf-8")
    assert is_kept(cache, built.version) and not is_kept(cache, "another version")
    assert load_index(cache, "another version") is None
    current.write_text(json.dumps({**json.loads(header), "format": "another build"}),
                       encoding="utf-8")
    assert not is_kept(cache, built.version)
    assert load_index(cache, built.version) is None
    current.write_text(json.dumps({**json.loads(header), "folder": "../elsewhere"}),
                       encoding="utf-8")
    assert load_index(cache, built.version) is None  # only a folder beside CURRENT
    current.write_text(header, encoding="utf-8")
    assert load_index(cache, built.version) is not None


def test_a_kept_index_others_may_write_is_not_read(store_dir, tmp_path):
    cache = tmp_path / "store.index"
    built = _service(store_dir, cache).index
    current = cache / CURRENT
    os.chmod(current, 0o620)  # the group may write it
    assert load_index(cache, built.version) is None
    os.chmod(current, 0o600)
    os.chmod(cache, 0o777)  # anyone may replace it
    assert load_index(cache, built.version) is None
    os.chmod(cache, 0o700)
    assert load_index(cache, built.version) is not None


@pytest.mark.parametrize("part", ["strings.bin", "table.up.npy", "names.folded.npy",
                                  "manifest.json"])
def test_a_broken_kept_index_is_rebuilt_from_the_graph(store_dir, tmp_path, caplog, part):
    cache = tmp_path / "store.index"
    expected = _answers(_service(store_dir, cache))
    [folder] = [path for path in cache.iterdir() if path.is_dir()]
    kept = folder / part
    whole = kept.read_bytes()
    kept.write_bytes(whole[: len(whole) // 2])  # cut short, as by a full disk
    with caplog.at_level(logging.WARNING):
        assert load_index(cache, OxigraphBackend(store_dir).data_version()) is None
    assert "could not be read" in caplog.text and str(tmp_path) not in caplog.text
    assert _answers(_service(store_dir, cache)) == expected
    [again] = [path for path in cache.iterdir() if path.is_dir()]  # kept again, whole
    assert again != folder and (again / part).stat().st_size == len(whole)


def test_an_index_that_cannot_be_kept_is_only_logged(store_dir, tmp_path, caplog):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        service = _service(store_dir, blocked / "store.index")
        assert service.networks()
    assert "could not be kept" in caplog.text


def test_the_format_names_the_code_and_queries_of_the_index():
    assert cache_format() == cache_format() and len(cache_format()) == 16


def test_the_settings_keep_the_index_of_the_store_or_of_neo4j_not_of_a_remote_store(tmp_path):
    store = tmp_path / "data" / "store"
    assert Settings(store=store).index_cache_dir() == tmp_path / "data" / "store.index"
    assert Settings(store=store, index_cache=False).index_cache_dir() is None
    assert Settings(store=store, backend="neo4j").index_cache_dir() == (
        tmp_path / "data" / "store.index-neo4j")
    assert Settings(store=store, backend="sparql",
                    sparql_endpoint="http://127.0.0.1:1/q").index_cache_dir() is None


def test_the_index_read_from_neo4j_is_kept_and_opened_too(neo4j, seeded_store_dir, tmp_path):
    from smekg.core.neo4j.backend import Neo4jBackend
    from tests.conftest import NEO4J_TEST_AUTH, NEO4J_TEST_URI

    neo4j.use(seeded_store_dir)
    cache = tmp_path / "store.index-neo4j"
    built = QueryService(Neo4jBackend(NEO4J_TEST_URI, *NEO4J_TEST_AUTH), Minter(BASE),
                         index_cache=cache)
    expected = _answers(built)
    assert is_kept(cache, built.index.version)
    kept = QueryService(Neo4jBackend(NEO4J_TEST_URI, *NEO4J_TEST_AUTH), Minter(BASE),
                        index_cache=cache)
    assert not isinstance(kept.index.labels, dict)  # opened from the kept files
    assert _answers(kept) == expected
    assert _answers(_service(seeded_store_dir, None)) == expected  # the embedded store's

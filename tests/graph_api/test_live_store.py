"""A /sparql worker's store handle follows the loads (real RocksDB stores on disk)."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store

from smekg.core.stores import JOURNAL_DIR
from smekg.graph_api.sparql.worker import JOURNAL_DIR as WORKER_JOURNAL_DIR
from smekg.graph_api.sparql.worker import LiveStore

NEW = Quad(NamedNode("https://example.org/new"), NamedNode("https://example.org/p"),
           NamedNode("https://example.org/o"), NamedNode("urn:x:test"))
ASK_NEW = "ASK { GRAPH ?g { <https://example.org/new> ?p ?o } }"


def _write(store_dir: Path, quad: Quad = NEW) -> None:
    writer = Store(str(store_dir))
    writer.add(quad)
    writer.flush()
    del writer
    gc.collect()  # release RocksDB's lock


def test_the_worker_names_the_stores_journal_folder() -> None:
    assert WORKER_JOURNAL_DIR == JOURNAL_DIR


def test_a_worker_handle_sees_a_write_made_after_it_opened(seeded_store_dir, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(seeded_store_dir, store_dir)
    live = LiveStore(store_dir, interval=0)
    old = live.current()
    assert not old.query(ASK_NEW)
    _write(store_dir)
    assert not old.query(ASK_NEW)  # a read-only handle is a snapshot
    assert live.current().query(ASK_NEW)
    assert live.reopened == 1
    assert live.current() is live.current()  # nothing changed since: the same handle


def test_no_handle_is_opened_while_a_source_is_bulk_replaced(seeded_store_dir, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(seeded_store_dir, store_dir)
    live = LiveStore(store_dir, interval=0)
    entry = store_dir / JOURNAL_DIR / "0123.json"
    entry.parent.mkdir()
    entry.write_text("{}", encoding="utf-8")  # a replacement under way: its graph half-written
    _write(store_dir)
    assert not live.current().query(ASK_NEW)  # the previous snapshot is served
    entry.unlink()
    assert live.current().query(ASK_NEW)


def test_checks_wait_for_the_interval(seeded_store_dir, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(seeded_store_dir, store_dir)
    live = LiveStore(store_dir, interval=3600)
    _write(store_dir)
    assert not live.current().query(ASK_NEW)
    live.checked -= 3600
    assert live.current().query(ASK_NEW)

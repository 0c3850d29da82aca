"""``smekg serve --workers N``: N worker processes answering the same, from the index kept
beside the store (built once, before the workers start)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from smekg.queries.index_cache import CURRENT
from tests.graph_api.web.browser import SmekgServe


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(child) for child in children]
    return found


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.fixture
def store_dir(seeded_store_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store_dir, copy)
    return copy


def test_two_workers_answer_the_same_from_the_kept_index(store_dir, tmp_path):
    one = SmekgServe(store_dir, tmp_path / "one.log", "--workers", "1")
    try:
        expected = {path: httpx.get(one.url + path, timeout=30).json() for path in (
            "/coverage?region=ITH55&sector=C25", "/networks", "/projects",
            "/search?q=emilia")}
    finally:
        one.stop()
    cache = store_dir.with_name("store.index")
    kept = cache / CURRENT
    assert kept.is_file()  # the single worker kept the index it built
    shutil.rmtree(cache)
    two = SmekgServe(store_dir, tmp_path / "two.log", "--workers", "2")
    try:
        log = (tmp_path / "two.log").read_text()
        assert "2 workers" in " ".join(log.split())
        assert kept.is_file()  # built once before the workers started, then read by them
        workers = [pid for pid in _children(two.process.pid)
                   if "spawn_main" in _command(pid)]
        assert len(workers) == 2, [_command(pid) for pid in _children(two.process.pid)]
        # every request a new connection: the kernel spreads them over the workers
        for _ in range(3):
            for path, answer in expected.items():
                with httpx.Client(timeout=30) as client:
                    assert client.get(two.url + path).json() == answer, path
    finally:
        two.stop()
    assert "Stopping parent process" in (tmp_path / "two.log").read_text()

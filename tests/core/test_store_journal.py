"""A large source is never left missing or partial: the journal of the bulk path, the write
lock, a full disk, and what `smekg stats` and `/health` say meanwhile. Real `smekg`
processes, real stores on disk, a real tmpfs for the full disk, a real API server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smekg.core.stores import JOURNAL_DIR, GraphStore
from tests.core.store_faults import (
    THRESHOLD,
    TRIPLES,
    env,
    graph_of,
    read_states,
    smekg,
    start,
    write_source,
)
from tests.helpers import REPO_ROOT


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, Path]:
    """A store holding version 1 of a large source, and its file (now version 2)."""
    store = tmp_path / "store"
    source = write_source(tmp_path / "big.nt", 1)
    result = smekg("load-file", str(source), store=store)
    assert result.returncode == 0, result.stderr
    write_source(source, 2)
    return store, source


def _kill_when_journalled(process: subprocess.Popen[str], store: Path) -> None:
    """SIGKILL ``process`` as soon as its journal entry exists (old graph about to go)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if list((store / JOURNAL_DIR).glob("*.json")):
            process.send_signal(signal.SIGKILL)
            process.communicate()
            return
        if process.poll() is not None:
            break
        time.sleep(0.002)
    pytest.fail(f"the load never wrote a journal entry:\n{process.communicate()}")


def test_a_large_replacement_killed_midway_is_reported_then_completed(loaded):
    store, source = loaded
    graph = graph_of(source)
    process = start("load-file", str(source), store=store)
    _kill_when_journalled(process, store)
    assert process.returncode == -signal.SIGKILL

    stats = smekg("stats", "--format", "json", store=store)
    assert stats.returncode == 1, stats.stdout
    incomplete = json.loads(stats.stdout)["incomplete"]
    assert graph in {entry["graph"] for entry in incomplete}
    assert f"incomplete source: <{graph}>" in stats.stderr
    assert "Traceback" not in stats.stderr

    result = smekg("load-file", str(source), store=store)  # the next load completes it
    assert result.returncode == 0, result.stderr
    assert f"completed the replacement of <{graph}>" in result.stderr
    states, _ = read_states(store, [graph])
    assert states[graph].wholly(2)
    assert smekg("stats", store=store).returncode == 0
    assert not list((store / JOURNAL_DIR).glob("*"))  # the copy is gone too


def test_two_loads_at_once_the_second_names_the_first(loaded):
    store, source = loaded
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from smekg.core.stores import GraphStore; "
         "s = GraphStore.open(sys.argv[1]); print('open', flush=True); time.sleep(60)",
         str(store)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        second = smekg("load-file", str(source), store=store)
        assert second.returncode == 1
        message = " ".join(second.stderr.split())
        assert f"another load is running on {store} (pid {holder.pid})" in message
        assert "Traceback" not in second.stderr and "LOCK" not in second.stderr
        # reading still works while the store is held for writing
        assert smekg("stats", store=store).returncode == 0
        query = smekg("query", "--list", store=store)
        assert query.returncode == 0, query.stderr
    finally:
        holder.kill()
        holder.wait()
    assert smekg("load-file", str(source), store=store).returncode == 0  # lock released


# -- a full disk: a real tmpfs (we are root in the test machine; fails loudly otherwise) ----
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"the disk-full tests need to mount a tmpfs (root): {result.stderr}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` until about ``leave`` bytes are free."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as file:
        file.write(b"\0" * max(free - leave, 0))
    return filler


def test_no_disk_for_the_copy_leaves_the_source_unchanged(small_disk, tmp_path):
    store = small_disk / "store"
    source = write_source(tmp_path / "big.nt", 1, triples=100_000)
    assert smekg("load-file", str(source), store=store).returncode == 0
    write_source(source, 2, triples=100_000)
    _fill(small_disk, 3_000_000)  # room to open the store, not for the file's ~6 MB copy
    result = smekg("load-file", str(source), store=store)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the source is unchanged" in " ".join(result.stderr.split())
    assert not list((store / JOURNAL_DIR).glob("*"))
    (small_disk / "filler").unlink()
    states, _ = read_states(store, [graph_of(source)])
    assert states[graph_of(source)].wholly(1, 100_000)
    assert smekg("stats", store=store).returncode == 0


def test_too_little_free_disk_is_refused_before_the_old_graph_is_dropped(small_disk, tmp_path):
    store = small_disk / "store"
    source = write_source(tmp_path / "big.nt", 1)
    assert smekg("load-file", str(source), store=store).returncode == 0
    write_source(source, 2)
    _fill(small_disk, 4_000_000)  # room for the copy, not for 10 x its size
    result = smekg("load-file", str(source), store=store)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "not enough free disk" in message and "the source is unchanged" in message
    (small_disk / "filler").unlink()
    states, _ = read_states(store, [graph_of(source)])
    assert states[graph_of(source)].wholly(1)


def test_a_disk_full_midway_is_reported_then_completed_by_the_next_load(small_disk, tmp_path):
    """With the free-disk check off, the bulk load runs out of disk after the old graph went:
    the source is reported incomplete, and the next load, once there is room, completes it."""
    store = small_disk / "store"
    source = write_source(tmp_path / "big.nt", 1, triples=60_000)
    assert smekg("load-file", str(source), store=store).returncode == 0
    write_source(source, 2, triples=60_000)
    filler = _fill(small_disk, 6_000_000)
    result = smekg("load-file", str(source), store=store, SMEKG_BULK_FREE_DISK_FACTOR="0")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    graph = graph_of(source)
    stats = smekg("stats", "--format", "json", store=store)
    states, _ = read_states(store, [graph])
    if states[graph].wholly(1):  # the disk ran out before the old graph was dropped
        assert stats.returncode == 0
    else:
        assert stats.returncode == 1
        assert graph in {e["graph"] for e in json.loads(stats.stdout)["incomplete"]}
    filler.unlink()  # the user makes room
    subprocess.run(["mount", "-o", "remount,size=512m", str(small_disk)], check=True)
    again = smekg("load-file", str(source), store=store)
    assert again.returncode == 0, again.stderr
    states, _ = read_states(store, [graph])
    assert states[graph].wholly(2, 60_000)
    assert smekg("stats", store=store).returncode == 0


# -- /health -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.server
def test_health_is_degraded_while_a_source_is_incomplete(loaded, tmp_path):
    store, source = loaded
    process = start("load-file", str(source), store=store)
    _kill_when_journalled(process, store)
    port = _free_port()
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "smekg.graph_api.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=REPO_ROOT, env=env(store), stdout=log, stderr=subprocess.STDOUT)
        try:
            response = None
            deadline = time.monotonic() + 60
            while response is None and time.monotonic() < deadline:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                except httpx.HTTPError:
                    time.sleep(0.1)
            assert response is not None
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "degraded"
            assert graph_of(source) in {entry["graph"] for entry in body["incomplete"]}
            assert str(store) not in response.text  # no server paths
            completed = smekg("load-file", str(source), store=store)  # while serving
            assert completed.returncode == 0, completed.stderr
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                if response.status_code == 200:
                    break
                time.sleep(0.2)
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "ok"
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_the_threshold_is_a_setting(tmp_path):
    """Below SMEKG_BULK_THRESHOLD a source takes one transaction: no journal is written."""
    store = tmp_path / "store"
    source = write_source(tmp_path / "small.nt", 1, triples=500)
    assert THRESHOLD < TRIPLES
    result = smekg("load-file", str(source), store=store, SMEKG_BULK_THRESHOLD="100000")
    assert result.returncode == 0, result.stderr
    assert not (store / JOURNAL_DIR).exists()
    opened = GraphStore.open(store, read_only=True)
    assert opened.source_record(graph_of(source)) is not None
    opened.close()

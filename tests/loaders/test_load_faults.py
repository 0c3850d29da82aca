"""Fault injection: real `smekg load-file` processes replacing large sources, killed
(SIGKILL) at random moments; after each kill every source is wholly old or wholly new once
the store is next opened for writing (what the next load does first), and `smekg stats`
reported it incomplete whenever the kill left it so.

Seeded (SMEKG_FAULT_SEED, default 16) and bounded in time (about 45 s of kills)."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest

from smekg.core.stores import JOURNAL_DIR, GraphStore, pending_replacements
from smekg.loaders.stream import available_processes
from tests.core.store_faults import graph_of, read_states, smekg, start, write_source

SEED = int(os.environ.get("SMEKG_FAULT_SEED", "16"))
BUDGET = 45.0  # seconds of kills


def test_killed_loads_leave_every_source_wholly_old_or_wholly_new(tmp_path):
    rng = random.Random(SEED)
    store = tmp_path / "store"
    files = [tmp_path / "alpha.nt", tmp_path / "beta.nt"]
    graphs = [graph_of(path) for path in files]
    version = 1
    for path in files:
        write_source(path, version)
    started = time.monotonic()
    first = smekg("load-file", *map(str, files), store=store)
    assert first.returncode == 0, first.stderr
    full = time.monotonic() - started  # a whole load: the kills land anywhere in it

    kills = checked = lost = cut_off = flagged = 0
    deadline = time.monotonic() + BUDGET
    while time.monotonic() < deadline:
        old, version = version, version + 1
        for path in files:
            write_source(path, version)
        written = version
        process = start("load-file", *map(str, files), store=store)
        time.sleep(rng.uniform(0.0, full * 1.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate()
        if process.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"the load failed: {process.returncode}")

        # What the kill left: stats must report every cut-off replacement
        before, _ = read_states(store, graphs)
        pending = set(pending_replacements(store))
        stats = smekg("stats", "--format", "json", store=store)
        reported = {entry["graph"] for entry in json.loads(stats.stdout)["incomplete"]}
        whole = all(s.wholly(old) or s.wholly(version) for s in before.values())
        if pending or not whole:
            cut_off += 1
            assert stats.returncode == 1, stats.stderr
            assert pending | {g for g, s in before.items()
                              if not (s.wholly(old) or s.wholly(version))} <= reported
            flagged += 1
        else:
            assert stats.returncode == 0, stats.stderr

        # The next writing open (the first thing the next load does) completes it
        after, completed = read_states(store, graphs, write=True)
        assert set(completed) == pending
        for graph, state in after.items():
            checked += 1
            if not (state.wholly(old) or state.wholly(version)):
                lost += 1
                raise AssertionError(f"{graph} is neither wholly v{old} nor v{version}: "
                                     f"{state} (seed {SEED}, kill {kills})")
        if any(s.wholly(old) for s in after.values()):
            version = old if all(s.wholly(old) for s in after.values()) else version
        if not all(s.wholly(version) for s in after.values()):
            # sources differ (one replaced, one not): the next round's "old" is per source,
            # so load this version fully to start the next round even
            done = smekg("load-file", *map(str, files), store=store)
            assert done.returncode == 0, done.stderr
        assert not list((store / JOURNAL_DIR).glob("*.json"))

    final = smekg("load-file", *map(str, files), store=store)
    assert final.returncode == 0, final.stderr
    states, _ = read_states(store, graphs)
    assert all(state.wholly(written) for state in states.values())
    print(f"\nfault injection (seed {SEED}): {kills} kills tried, {checked} sources checked, "
          f"{cut_off} kills left a replacement cut off (all {flagged} reported by stats), "
          f"{lost} lost")
    assert kills >= 5 and lost == 0


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(available_processes() < 2, reason="workers are forked where there are "
                    "two cores (Linux)")
def test_a_load_killed_while_workers_map_leaves_no_worker_and_no_source(tmp_path):
    """A table of more than one chunk is mapped by worker processes too: killing the load
    kills them (they inherited the store's write lock), and nothing was written."""
    from smekg.loaders.generate import generate
    from smekg.loaders.sources import CHUNK_ROWS

    generate(tmp_path / "data", CHUNK_ROWS + 1000, seed=5)  # two chunks of organisations
    store = tmp_path / "store"
    assert smekg("load", "--reference-only", store=store).returncode == 0
    process = start("load-file", str(tmp_path / "data" / "organisations.csv"), store=store,
                    SMEKG_LOAD_PROCESSES="2")
    workers: set[int] = set()
    deadline = time.monotonic() + 240
    while not workers and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        workers = _children(process.pid)
    assert workers, "no worker was forked"
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    deadline = time.monotonic() + 1  # the kernel kills them at once (mapping a chunk is slower)
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)
    after = GraphStore.open(store)  # the write lock is free at once
    try:
        assert graph_of(tmp_path / "organisations.csv") not in after.named_graphs()
    finally:
        after.close()

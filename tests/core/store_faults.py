"""Real `smekg` processes on a real store, for the tests of loads that are killed, short of
disk or run two at once (tests/core/test_store_journal.py, tests/loaders/test_load_faults.py).

A large source here is an N-Triples file of ``TRIPLES`` triples, loaded by `smekg load-file`
with the bulk threshold lowered (``SMEKG_BULK_THRESHOLD``) so it takes the bulk path; every
data triple's literal starts with the file's version, so a graph is *wholly* one version or
it is not.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode

from smekg.core.stores import GraphStore

SMEKG = str(Path(sys.executable).with_name("smekg"))
BASE = "https://w3id.org/smekg/id/"
TRIPLES = 20_000
THRESHOLD = 1_000


def graph_of(path: Path) -> str:
    return f"{BASE}graph/user/{path.stem}"


def write_source(path: Path, version: int, triples: int = TRIPLES) -> Path:
    with path.open("w", encoding="utf-8") as file:
        for i in range(triples):
            file.write(f'<http://ex.org/{path.stem}/s{i // 10}> <http://ex.org/p{i % 10}> '
                       f'"v{version} {i}" .\n')
    return path


def env(store: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "SMEKG_STORE": str(store), "COLUMNS": "200",
            "SMEKG_BULK_THRESHOLD": str(THRESHOLD), **extra}


def smekg(*args: str, store: Path, timeout: float = 120, **extra: str,
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SMEKG, *args], capture_output=True, text=True,
                          env=env(store, **extra), timeout=timeout)


def start(*args: str, store: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([SMEKG, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env(store, **extra))


@dataclass(frozen=True)
class State:
    """What a source graph holds: the versions of its data triples, their number, whether
    it has its checksum."""

    versions: frozenset[str]
    data: int
    checksum: bool

    def wholly(self, version: int, triples: int = TRIPLES) -> bool:
        return self.versions == {f"v{version}"} and self.data == triples and self.checksum


def state(store: GraphStore, graph: str) -> State:
    rows = store.select(
        "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(?s != ?g) } }", {"g": NamedNode(graph)})
    versions = frozenset(row["o"].value.split(" ", 1)[0] for row in rows)
    checksum = bool(store.select(
        "SELECT ?g WHERE { GRAPH ?g { ?g smekg:sha256 ?x } }", {"g": NamedNode(graph)}))
    return State(versions, len(rows), checksum)


def read_states(store_dir: Path, graphs: list[str], *, write: bool = False,
                ) -> tuple[dict[str, State], list[str]]:
    """The states of ``graphs``; with ``write``, after a writing open (which completes what a
    cut-off load left), also the graphs that open completed."""
    store = GraphStore.open(store_dir, read_only=not write)
    try:
        return {graph: state(store, graph) for graph in graphs}, list(store.completed)
    finally:
        store.close()
        gc.collect()

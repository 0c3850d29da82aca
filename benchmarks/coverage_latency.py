"""Benchmark: coverage latency, the index-backed query beside the straightforward SPARQL.

Run on the bundled data (built in a temporary store)::

    .venv/bin/python benchmarks/coverage_latency.py

or on a store you built, e.g. from ``smekg generate --orgs 100000``::

    .venv/bin/python benchmarks/coverage_latency.py --store /tmp/smekg-100k/store

It draws ``--queries`` random (NUTS-3 region, NACE sector at a random level) pairs, a
third of them without a sector, and times ``QueryService.coverage`` on each (the API's
path: parameter checks, the index walk, the count, and the first page of 100 results with
their explanations, as ``GET /coverage`` answers by default) after a warm-up. Then it
times ``coverage.rq`` (the same question as one SPARQL query on pyoxigraph) on
``--sparql-queries`` of the pairs, and checks both give the same answer.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from loaders.bundled import bundled_sources
from loaders.sources import load_sources
from queries.service import QueryService
from smekg.backends.oxigraph import OxigraphBackend
from smekg.iri import Minter
from smekg.settings import REPO_ROOT
from smekg.store import GraphStore

BASE = "https://w3id.org/smekg/id/"


def _bundled_store() -> Path:
    path = Path(tempfile.mkdtemp()) / "store"
    store = GraphStore.open(path)
    minter = Minter(BASE)
    load_sources(store, bundled_sources(minter, store, REPO_ROOT / "data"), minter)
    del store
    gc.collect()
    return path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, help="store to query (default: bundled data)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sparql-queries", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--neo4j", metavar="URI", help="answer from this Neo4j instead (synced "
                        "with the store by `smekg sync neo4j`); the straightforward query is "
                        "then coverage.cypher")
    args = parser.parse_args()
    path = args.store or _bundled_store()
    if args.neo4j:
        from smekg.backends.neo4j import Neo4jBackend

        backend = Neo4jBackend(args.neo4j, "neo4j",
                               os.environ.get("NEO4J_PASSWORD", "smekg-dev-password"))
    else:
        backend = OxigraphBackend(path)
    service = QueryService(backend, Minter(BASE))
    started = time.perf_counter()
    index = service.index
    index_seconds = time.perf_counter() - started
    organisations = sum(1 for tags in index.tags.values()
                        if "https://w3id.org/smekg/ontology#Organisation" in tags)
    rng = random.Random(args.seed)
    regions = sorted(r for r in index.levels if index.kind(r) == "nuts-region"
                     and index.levels[r] == 3)
    sectors = sorted(s for s in index.levels if index.kind(s) == "sector")
    pairs = [(index.codes[rng.choice(regions)],
              None if i % 3 == 0 else index.codes[rng.choice(sectors)])
             for i in range(args.queries)]
    for region, sector in pairs[:50]:  # warm-up
        service.coverage(region, sector)
    latencies, sizes = [], []
    for region, sector in pairs:
        started = time.perf_counter()
        answer = service.coverage(region, sector)
        latencies.append((time.perf_counter() - started) * 1000)
        sizes.append(answer.count)
    sparql_latencies = []
    for region, sector in pairs[: args.sparql_queries]:
        started = time.perf_counter()
        reference = service.coverage_sparql(region, sector)
        sparql_latencies.append((time.perf_counter() - started) * 1000)
        from_index = sorted(
            item.iri for item in service.coverage(region, sector, limit=None).results)
        if from_index != reference:
            raise SystemExit(f"answers differ for region={region} sector={sector}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    size = f"{len(backend.store):,} quads, " if isinstance(backend, OxigraphBackend) else ""
    print(f"backend: {backend.name}; store: {path} ({size}{organisations:,} organisations)")
    print(f"index build: {index_seconds:.2f} s; peak RSS {peak:.0f} MiB")
    print(f"results per query: median {statistics.median(sizes):.0f}, max {max(sizes)}")
    print("| method | queries | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(f"| coverage (index) | {len(latencies)} | {_percentile(latencies, .5):.2f} | "
          f"{_percentile(latencies, .99):.2f} | {max(latencies):.2f} |")
    if sparql_latencies:
        straightforward = ("coverage.cypher on Neo4j" if args.neo4j
                           else "coverage.rq on pyoxigraph")
        print(f"| {straightforward} | {len(sparql_latencies)} | "
              f"{_percentile(sparql_latencies, .5):.1f} | "
              f"{_percentile(sparql_latencies, .99):.1f} | {max(sparql_latencies):.1f} |")
        print(f"same answers on all {len(sparql_latencies)} SPARQL-checked queries")


if __name__ == "__main__":
    main()

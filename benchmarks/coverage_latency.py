"""Benchmark: coverage latency, the index-backed query beside the straightforward SPARQL.

Run on the bundled data (built in a temporary store)::

    .venv/bin/python benchmarks/coverage_latency.py

or on a store you built, e.g. from ``smekg generate --orgs 100000``::

    .venv/bin/python benchmarks/coverage_latency.py --store /tmp/smekg-100k/store

It draws ``--queries`` random (NUTS-3 region, NACE sector at a random level) pairs, a
third of them without a sector, and times ``QueryService.coverage`` on each (the API's
path: parameter checks, the index walk, the count, and the first page of results with
their explanations, as ``GET /coverage`` answers by default: ``COVERAGE_LIMIT``, 20)
after a warm-up. Then it times ``coverage.rq`` (the same question as one SPARQL query on
pyoxigraph) on ``--sparql-queries`` of the pairs, and checks both give the same answer.
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

from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.bundled import bundled_sources
from smekg.loaders.sources import load_sources
from smekg.queries.service import COVERAGE_LIMIT, QueryService

BASE = "https://w3id.org/smekg/id/"


def _bundled_store() -> Path:
    path = Path(tempfile.mkdtemp()) / "store"
    store = GraphStore.open(path)
    minter = Minter(BASE)
    load_sources(store, bundled_sources(minter, store), minter)
    del store
    gc.collect()
    return path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def open_backend(store: Path | None, neo4j: str | None = None):
    """The backend the benchmark queries: the embedded store, or Neo4j at ``neo4j``."""
    if neo4j:
        from smekg.core.neo4j.backend import Neo4jBackend

        return Neo4jBackend(neo4j, "neo4j",
                            os.environ.get("NEO4J_PASSWORD", "smekg-dev-password"))
    return OxigraphBackend(store or _bundled_store())


def draw_pairs(index, count: int, seed: int) -> list[tuple[str, str | None]]:
    """``count`` random (NUTS-3 region code, sector code or None) pairs; a third without a
    sector, the sector at a random NACE level. Only current NUTS regions: a code that a
    later NUTS version replaced is refused with the codes meant (a 422 in the API)."""
    rng = random.Random(seed)
    regions = sorted(r for r in index.levels if index.kind(r) == "nuts-region"
                     and index.levels[r] == 3 and r not in index.superseded)
    sectors = sorted(s for s in index.levels if index.kind(s) == "sector")
    return [(index.codes[rng.choice(regions)],
             None if i % 3 == 0 else index.codes[rng.choice(sectors)])
            for i in range(count)]


def measure(service: QueryService, pairs: list[tuple[str, str | None]],
            sparql_queries: int, *, warmup: int = 50, budget: float | None = None) -> dict:
    """Time ``service.coverage`` on every pair (after ``warmup`` untimed ones) and the
    straightforward query (``coverage_sparql``) on the first ``sparql_queries`` pairs,
    checking that both give the same entities; the straightforward queries stop once they
    have taken ``budget`` seconds, or at the first that fails (e.g. a Neo4j query timeout).
    Build the index first (``service.index``) to keep its time out of the latencies."""
    for region, sector in pairs[:warmup]:
        service.coverage(region, sector)
    latencies, sizes = [], []
    for region, sector in pairs:
        started = time.perf_counter()
        answer = service.coverage(region, sector)
        latencies.append((time.perf_counter() - started) * 1000)
        sizes.append(answer.count)
    sparql_latencies, mismatches = [], []
    stopped = None
    for region, sector in pairs[:sparql_queries]:
        if budget is not None and sum(sparql_latencies) > budget * 1000:
            stopped = f"time budget of {budget:g} s spent"
            break
        started = time.perf_counter()
        try:
            reference = service.coverage_sparql(region, sector)
        except Exception as error:  # a query timeout of the backend
            stopped = (f"failed after {time.perf_counter() - started:.1f} s: "
                       f"{type(error).__name__}: {str(error)[:200]}")
            break
        sparql_latencies.append((time.perf_counter() - started) * 1000)
        from_index = sorted(
            item.iri for item in service.coverage(region, sector, limit=None).results)
        if from_index != reference:
            mismatches.append({"region": region, "sector": sector,
                               "index": len(from_index), "sparql": len(reference)})
    return {
        "queries": len(latencies),
        "p50_ms": _percentile(latencies, .5),
        "p99_ms": _percentile(latencies, .99),
        "max_ms": max(latencies),
        "mean_ms": statistics.fmean(latencies),
        "results_median": statistics.median(sizes),
        "results_max": max(sizes),
        "page": COVERAGE_LIMIT,
        "counts": sizes,
        "straightforward": {
            "queries": len(sparql_latencies),
            "p50_ms": _percentile(sparql_latencies, .5) if sparql_latencies else None,
            "p99_ms": _percentile(sparql_latencies, .99) if sparql_latencies else None,
            "max_ms": max(sparql_latencies) if sparql_latencies else None,
            "identical": not mismatches,
            "mismatches": mismatches,
            "stopped": stopped,
        },
    }


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
    path = args.store
    backend = open_backend(path, args.neo4j)
    service = QueryService(backend, Minter(BASE))
    started = time.perf_counter()
    index = service.index
    index_seconds = time.perf_counter() - started
    organisations = sum(1 for tags in index.tags.values()
                        if "https://w3id.org/smekg/ontology#Organisation" in tags)
    result = measure(service, draw_pairs(index, args.queries, args.seed), args.sparql_queries)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    size = f"{len(backend.store):,} quads, " if isinstance(backend, OxigraphBackend) else ""
    where = getattr(backend, "path", args.neo4j)
    print(f"backend: {backend.name}; store: {where} ({size}{organisations:,} organisations)")
    print(f"index build: {index_seconds:.2f} s; peak RSS {peak:.0f} MiB")
    print(f"results per query: median {result['results_median']:.0f}, "
          f"max {result['results_max']}")
    print("| method | queries | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(f"| coverage (index) | {result['queries']} | {result['p50_ms']:.2f} | "
          f"{result['p99_ms']:.2f} | {result['max_ms']:.2f} |")
    reference = result["straightforward"]
    if reference["queries"]:
        straightforward = ("coverage.cypher on Neo4j" if args.neo4j
                           else "coverage.rq on pyoxigraph")
        print(f"| {straightforward} | {reference['queries']} | {reference['p50_ms']:.1f} | "
              f"{reference['p99_ms']:.1f} | {reference['max_ms']:.1f} |")
        if reference["stopped"]:
            print(f"straightforward queries stopped: {reference['stopped']}")
        for miss in reference["mismatches"]:
            raise SystemExit(f"answers differ for region={miss['region']} "
                             f"sector={miss['sector']}")
        print(f"same answers on all {reference['queries']} SPARQL-checked queries")


if __name__ == "__main__":
    main()

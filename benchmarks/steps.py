"""The measurements benchmarks/suite.py runs, each in a process of its own.

    .venv/bin/python benchmarks/steps.py STEP [options] --json OUT

Each step writes its figures as one JSON object to ``OUT``; the suite reads the process's
peak RSS from ``os.wait4``, so a step's memory is its own. Steps:

``export-nt``        the union of the store's graphs as N-Triples (on-disk de-duplication).
``bulk-load``        pyoxigraph's ``Store.bulk_load`` of an N-Triples/N-Quads file into a
                     fresh directory.
``rdflib-parse``     rdflib's ``Graph().parse`` (or ``Dataset`` for N-Quads) of a file.
``coverage``         ``QueryService.coverage`` latencies and the straightforward query
                     (benchmarks/coverage_latency.py) on the embedded store or Neo4j;
                     ``--pairs`` writes (embedded) or reads (Neo4j) the drawn pairs and the
                     embedded answers, to check that every backend answers the same.
``coverage-rdflib``  ``coverage.rq`` on rdflib's SPARQL engine over the same triples, for the
                     first pairs of a ``--pairs`` file, checked against the embedded answers.
``neo4j-sync``       benchmarks/neo4j_sync.py: wipes the Neo4j database, syncs the store with
                     UNWIND batches, then one MERGE per row on a prefix (rolled back).
``neo4j-bulk``       benchmarks/neo4j_sync.py's bulk import (``smekg sync neo4j --bulk``) into
                     a Neo4j home of its own (``--bulk-home``, own ports), phase by phase;
                     its counts checked against the database at ``--neo4j``.
``rest-pairs``       (region, sector) pairs for the ``/coverage`` load test.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smekg.queries.service import QueryService

BASE = "https://w3id.org/smekg/id/"
ORGANISATION = "https://w3id.org/smekg/ontology#Organisation"


def _write(path: Path, result: dict) -> None:
    path.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


def bulk_load(args: argparse.Namespace) -> dict:
    from pyoxigraph import RdfFormat, Store

    fmt = {"nt": RdfFormat.N_TRIPLES, "nq": RdfFormat.N_QUADS}[args.format]
    if Path(args.location).exists() and any(Path(args.location).iterdir()):
        raise SystemExit(f"{args.location} is not empty")
    store = Store(args.location)
    started = time.perf_counter()
    store.bulk_load(path=args.file, format=fmt)
    seconds = time.perf_counter() - started
    count = len(store)
    return {"format": args.format, "quads": count, "seconds": seconds,
            "triples_per_s": count / seconds}


def export_nt(args: argparse.Namespace) -> dict:
    """The union of the store's graphs as N-Triples, de-duplicated in a scratch store on
    disk (``smekg export --format nt`` does the same in memory: 1.6 GiB at 100k
    organisations, too much at 1M)."""
    import shutil

    from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store

    source = Store.read_only(args.store)
    scratch_path = Path(args.location)
    shutil.rmtree(scratch_path, ignore_errors=True)
    started = time.perf_counter()
    scratch = Store(str(scratch_path))
    scratch.bulk_extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in source)
    scratch.dump(args.file, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    seconds = time.perf_counter() - started
    count = len(scratch)
    del scratch
    gc.collect()
    shutil.rmtree(scratch_path, ignore_errors=True)
    return {"triples": count, "seconds": seconds}


def rdflib_parse(args: argparse.Namespace) -> dict:
    from rdflib import Dataset, Graph

    started = time.perf_counter()
    if args.format == "nq":
        graph = Dataset()
        graph.parse(args.file, format="nquads")
    else:
        graph = Graph()
        graph.parse(args.file, format="nt")
    seconds = time.perf_counter() - started
    count = len(graph)
    return {"format": args.format, "triples": count, "seconds": seconds,
            "triples_per_s": count / seconds}


def _digest(iris: list[str]) -> str:
    return hashlib.sha256("\n".join(iris).encode()).hexdigest()


def _kept_coverage(store: Path, service: QueryService, pairs: list, counts: list[int]) -> dict:
    """The same questions answered from the index as a server opens it: kept beside the
    store (written to a folder of its own here), then opened over its mapped files."""
    from coverage_latency import measure

    from smekg.core.iri import Minter
    from smekg.queries.index_cache import load_index, save_index
    from smekg.queries.service import QueryService

    with tempfile.TemporaryDirectory(dir=store.parent, prefix="kept-index-") as folder:
        started = time.perf_counter()
        save_index(Path(folder), service.index)
        save_seconds = time.perf_counter() - started
        started = time.perf_counter()
        opened = load_index(Path(folder), service.index.version)  # the files alone
        load_index_seconds = time.perf_counter() - started
        assert opened is not None
        # the service as a server makes it (its start also collects the garbage of this
        # process, which holds the index built above: seconds here, not in a server)
        started = time.perf_counter()
        kept = QueryService(service.backend, Minter(BASE), index_cache=Path(folder))
        kept_index = kept.index
        open_seconds = time.perf_counter() - started
        assert kept_index is not service.index
        result = measure(kept, pairs, 0)
        same = result.pop("counts") == counts
        result.pop("straightforward")
    return {**result, "save_seconds": save_seconds, "open_seconds": open_seconds,
            "load_index_seconds": load_index_seconds, "same_counts": same}


def coverage(args: argparse.Namespace) -> dict:
    from coverage_latency import draw_pairs, measure, open_backend

    from smekg.core.iri import Minter
    from smekg.queries.service import QueryService

    backend = open_backend(Path(args.store) if args.store else None, args.neo4j)
    service = QueryService(backend, Minter(BASE))
    started = time.perf_counter()
    index = service.index
    index_seconds = time.perf_counter() - started
    organisations = sum(1 for tags in index.tags.values() if ORGANISATION in tags)
    pairs_file = Path(args.pairs) if args.pairs else None
    reference = None
    if pairs_file and args.neo4j:  # the embedded run's pairs and answers
        reference = json.loads(pairs_file.read_text(encoding="utf-8"))
        pairs = [tuple(pair) for pair in reference["pairs"]]
    else:
        pairs = draw_pairs(index, args.queries, args.seed)
    result = measure(service, pairs, args.sparql_queries, budget=args.budget)
    counts = result.pop("counts")
    result.update(backend=backend.name, index_seconds=index_seconds,
                  organisations=organisations)
    if args.neo4j is None and args.store:
        result["kept"] = _kept_coverage(Path(args.store), service, pairs, counts)
    sample = []  # full answers of the first pairs: a digest each, the IRIs of --answers
    for i, (region, sector) in enumerate(pairs[: args.sample]):
        bound = service.bind("coverage", {"region": region, "sector": sector})
        answer = sorted(item.iri for item in service.coverage(region, sector, limit=None).results)
        item = {"region": region, "sector": sector,
                "bound": {name: str(value) for name, value in bound.items()},
                "size": len(answer), "digest": _digest(answer)}
        if i < args.answers:
            item["answer"] = answer
        sample.append(item)
    if reference is not None:
        differing = [i for i, (a, b) in enumerate(zip(counts, reference["counts"], strict=True))
                     if a != b]
        differing_sample = [s["region"] + "/" + str(s["sector"])
                            for s, r in zip(sample, reference["sample"], strict=False)
                            if s["digest"] != _reference_digest(r)]
        result["same_as_embedded"] = {
            "pairs": len(counts), "counts_differ": len(differing),
            "sample": len(sample), "answers_differ": differing_sample,
            "identical": not differing and not differing_sample,
        }
    elif pairs_file:
        pairs_file.write_text(json.dumps({"pairs": pairs, "counts": counts, "sample": sample}),
                              encoding="utf-8")
    return result


def _reference_digest(item: dict) -> str:
    """The digest of a reference answer (pairs files before digests kept the answer)."""
    if "digest" in item:
        return item["digest"]
    if "answer" in item:
        return _digest(sorted(item["answer"]))
    raise SystemExit("the coverage pairs file holds neither digests nor answers: rerun the "
                     "coverage step of this size (benchmarks/run --only coverage)")


def coverage_rdflib(args: argparse.Namespace) -> dict:
    from rdflib import Graph, URIRef

    from smekg.ontology import PREFIXES, SMEKG
    from smekg.queries.service import all_queries

    reference = json.loads(Path(args.pairs).read_text(encoding="utf-8"))
    sample = [item for item in reference["sample"] if "answer" in item][: args.queries]
    text = all_queries()["coverage"].sparql
    started = time.perf_counter()
    graph = Graph()
    graph.parse(args.file, format="nt")
    parse_seconds = time.perf_counter() - started
    prepared_started = time.perf_counter()
    from rdflib.plugins.sparql import prepareQuery

    query = prepareQuery(text, initNs=PREFIXES)
    prepare_seconds = time.perf_counter() - prepared_started
    latencies, differing = [], []
    anything = URIRef(str(SMEKG.any))
    for item in sample:
        bindings = {name: anything for name in ("region", "sector", "type", "service")}
        bindings.update({name: URIRef(value) for name, value in item["bound"].items()})
        began = time.perf_counter()
        rows = graph.query(query, initBindings=bindings)
        answer = sorted({str(row.entity) for row in rows})
        latencies.append((time.perf_counter() - began) * 1000)
        if answer != item["answer"]:
            differing.append({"region": item["region"], "sector": item["sector"],
                              "rdflib": len(answer), "embedded": len(item["answer"])})
    return {"triples": len(graph), "parse_seconds": parse_seconds,
            "prepare_seconds": prepare_seconds, "queries": len(latencies),
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p99_ms": max(latencies) if latencies else None,
            "max_ms": max(latencies) if latencies else None,
            "identical": not differing, "mismatches": differing}


def neo4j_sync(args: argparse.Namespace) -> dict:
    from neo4j_sync import measure

    return measure(args.store, args.neo4j, "neo4j",
                   os.environ.get("NEO4J_PASSWORD", "smekg-dev-password"),
                   batch_size=args.batch_size, per_row=args.per_row)


def neo4j_bulk(args: argparse.Namespace) -> dict:
    from neo4j_sync import measure_bulk

    return measure_bulk(args.store, args.bulk_home, heap=args.bulk_heap,
                        pagecache=args.bulk_pagecache, compare_uri=args.neo4j,
                        password=os.environ.get("NEO4J_PASSWORD", "smekg-dev-password"))


def neo4j_holds(args: argparse.Namespace) -> dict:
    """Whether Neo4j holds exactly the store's sources, each at the store's checksum."""
    from pyoxigraph import Store

    from smekg.core.neo4j.sync import Neo4jSync, connect, store_checksums

    driver = connect(args.neo4j, "neo4j", os.environ.get("NEO4J_PASSWORD", "smekg-dev-password"))
    try:
        held = Neo4jSync(driver).synced()
    finally:
        driver.close()
    wanted = store_checksums(Store.read_only(args.store))
    return {"same": held == wanted, "sources": len(wanted)}


def rest_pairs(args: argparse.Namespace) -> dict:
    from coverage_latency import draw_pairs

    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.iri import Minter
    from smekg.queries.service import QueryService

    service = QueryService(OxigraphBackend(Path(args.store)), Minter(BASE))
    return {"pairs": draw_pairs(service.index, args.queries, args.seed)}


STEPS = {"bulk-load": bulk_load, "export-nt": export_nt, "rdflib-parse": rdflib_parse,
         "coverage": coverage, "coverage-rdflib": coverage_rdflib, "neo4j-sync": neo4j_sync,
         "neo4j-bulk": neo4j_bulk, "neo4j-holds": neo4j_holds, "rest-pairs": rest_pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--json", type=Path, required=True, help="where to write the figures")
    parser.add_argument("--store")
    parser.add_argument("--file")
    parser.add_argument("--format", choices=["nt", "nq"], default="nt")
    parser.add_argument("--location")
    parser.add_argument("--neo4j", metavar="URI")
    parser.add_argument("--pairs")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sparql-queries", type=int, default=20)
    parser.add_argument("--sample", type=int, default=50,
                        help="pairs whose full answers are compared (by digest)")
    parser.add_argument("--answers", type=int, default=10,
                        help="of those, pairs whose answers are kept whole (for rdflib)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds for the straightforward coverage queries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--per-row", type=int, default=10000)
    parser.add_argument("--bulk-home", help="the Neo4j home of the bulk import (neo4j-bulk)")
    parser.add_argument("--bulk-heap", default="2g")
    parser.add_argument("--bulk-pagecache", default="2g")
    args = parser.parse_args()
    result = STEPS[args.step](args)
    gc.collect()
    _write(args.json, result)


if __name__ == "__main__":
    main()

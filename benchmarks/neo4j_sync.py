"""Benchmark: Neo4j sync throughput, batched UNWIND beside one MERGE per row.

    .venv/bin/python benchmarks/neo4j_sync.py --store /tmp/bench-100k/store \
        --uri bolt://127.0.0.1:7688 --batch-size 5000 --per-row 20000

Wipes the database at ``--uri`` (use a scratch server, e.g. a second ``scripts/neo4j``
on other ports), syncs every source of the store with ``--batch-size`` rows per
``UNWIND``, and prints rows/s per source. Then it writes the first ``--per-row`` rows
of the largest source again with one ``MERGE`` statement per row (batch size 1, the same
queries, one transaction) and rolls that back, for the side-by-side rate.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from pyoxigraph import Store

from loaders.neo4j_projection import project_source
from loaders.neo4j_sync import Neo4jSync, connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True)
    parser.add_argument("--uri", default="bolt://127.0.0.1:7688")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD",
                                                             "smekg-dev-password"))
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--per-row", type=int, default=20000)
    args = parser.parse_args()
    driver = connect(args.uri, args.user, args.password)
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()
    store = Store.read_only(args.store)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; store {args.store} ({len(store):,} quads)")
    started = time.perf_counter()
    reports = Neo4jSync(driver, batch_size=args.batch_size).sync(store)
    total = time.perf_counter() - started
    print("| source | nodes | relationships | seconds | rows/s |")
    print("|---|---|---|---|---|")
    for r in reports:
        print(f"| {r.graph.rsplit('/graph/', 1)[-1]} | {r.nodes:,} | {r.relationships:,} | "
              f"{r.seconds:.1f} | {r.rows_per_second:,.0f} |")
    rows = sum(r.rows for r in reports)
    print(f"all sources, batch {args.batch_size}: {rows:,} rows in {total:.1f} s = "
          f"{rows / total:,.0f} rows/s (projection included)")
    largest = max(reports, key=lambda r: r.rows).graph
    projection = project_source(store, largest)
    projection.relationships = projection.relationships[: max(0, args.per_row -
                                                                 len(projection.nodes))]
    keep = list(projection.nodes)[: args.per_row]
    projection.nodes = {iri: projection.nodes[iri] for iri in keep}
    projection.endpoints = sorted({iri for rel in projection.relationships
                                   for iri in (rel.start, rel.end)} - set(projection.nodes))
    rows_per_row = projection.rows
    for label, size in (("one MERGE per row", 1), (f"UNWIND batch {args.batch_size}",
                                                  args.batch_size)):
        sync = Neo4jSync(driver, batch_size=size)
        with driver.session() as session, session.begin_transaction() as tx:
            began = time.perf_counter()
            sync._write(tx, largest + "-bench", projection, None, None)
            seconds = time.perf_counter() - began
            tx.rollback()
        print(f"{label}: {rows_per_row:,} rows of {largest.rsplit('/graph/', 1)[-1]} in "
              f"{seconds:.1f} s = {rows_per_row / seconds:,.0f} rows/s (writes only, rolled back)")
    driver.close()


if __name__ == "__main__":
    main()

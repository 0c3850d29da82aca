"""Benchmark: Neo4j sync throughput, batched UNWIND beside one MERGE per row.

    .venv/bin/python benchmarks/neo4j_sync.py --store /tmp/bench-100k/store \
        --uri bolt://127.0.0.1:7688 --batch-size 5000 --per-row 20000

Wipes the database at ``--uri`` (use a scratch server, e.g. a second ``scripts/neo4j``
on other ports), syncs every source of the store with ``--batch-size`` rows per
``UNWIND``, and prints rows/s per source. Then it writes the first ``--per-row`` rows
(whole projected chunks) of the largest source again with one ``MERGE`` statement per
row (batch size 1, the same queries, one transaction) and rolls that back, for the
side-by-side rate.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from pyoxigraph import Store

from smekg.core.neo4j.projection import project_in_chunks
from smekg.core.neo4j.sync import Neo4jSync, connect, within


def measure(store_path: str, uri: str, user: str, password: str, *, batch_size: int = 5000,
            per_row: int = 20000) -> dict:
    """Wipe the database at ``uri``, sync every source of the store (UNWIND batches of
    ``batch_size``), then write the first ``per_row`` rows of the largest source once with
    one MERGE per row and once batched, each in a transaction that is rolled back."""
    driver = connect(uri, user, password)
    try:
        with driver.session() as session:
            # relationships first: a batch of nodes that holds a dense network would take
            # all its memberships into one transaction (out of memory after a 1M run)
            session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS"
                        ).consume()
            session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS"
                        ).consume()
        store = Store.read_only(store_path)
        quads = len(store)
        started = time.perf_counter()
        reports = Neo4jSync(driver, batch_size=batch_size).sync(store)
        total = time.perf_counter() - started
        rows = sum(r.rows for r in reports)
        result: dict = {
            "quads": quads, "batch_size": batch_size,
            "sources": [{"source": r.graph.rsplit("/graph/", 1)[-1], "nodes": r.nodes,
                         "relationships": r.relationships, "rows": r.rows,
                         "seconds": r.seconds, "rows_per_s": r.rows_per_second}
                        for r in reports],
            "full_sync": {"rows": rows, "seconds": total, "rows_per_s": rows / total},
        }
        largest = max(reports, key=lambda r: r.rows).graph
        prefix: list = []  # whole chunks of the largest source, about per_row rows
        for chunk in project_in_chunks(store, largest, rows=min(per_row, 4 * batch_size)):
            prefix.append(chunk)
            if sum(c.rows for c in prefix) >= per_row:
                break
        prefix_rows = sum(c.rows for c in prefix)
        result["prefix"] = {"source": largest.rsplit("/graph/", 1)[-1], "rows": prefix_rows}
        for key, size in (("per_row_merge", 1), ("unwind", batch_size)):
            sync = Neo4jSync(driver, batch_size=size)
            with driver.session() as session, session.begin_transaction() as tx:
                began = time.perf_counter()
                sync._write(within(tx), largest + "-bench", prefix, None, None)
                seconds = time.perf_counter() - began
                tx.rollback()
            result["prefix"][key] = {"batch_size": size, "seconds": seconds,
                                     "rows_per_s": prefix_rows / seconds}
        return result
    finally:
        driver.close()


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
    result = measure(args.store, args.uri, args.user, args.password,
                     batch_size=args.batch_size, per_row=args.per_row)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; store {args.store} ({result['quads']:,} quads)")
    print("| source | nodes | relationships | seconds | rows/s |")
    print("|---|---|---|---|---|")
    for r in result["sources"]:
        print(f"| {r['source']} | {r['nodes']:,} | {r['relationships']:,} | "
              f"{r['seconds']:.1f} | {r['rows_per_s']:,.0f} |")
    full = result["full_sync"]
    print(f"all sources, batch {args.batch_size}: {full['rows']:,} rows in "
          f"{full['seconds']:.1f} s = {full['rows_per_s']:,.0f} rows/s (projection included)")
    prefix = result["prefix"]
    for key, label in (("per_row_merge", "one MERGE per row"),
                       ("unwind", f"UNWIND batch {args.batch_size}")):
        print(f"{label}: {prefix['rows']:,} rows of {prefix['source']} in "
              f"{prefix[key]['seconds']:.1f} s = {prefix[key]['rows_per_s']:,.0f} rows/s "
              "(writes only, rolled back)")


if __name__ == "__main__":
    main()

"""Benchmark: Neo4j sync throughput, batched UNWIND beside one MERGE per row, and the bulk
import (``neo4j-admin database import``) into an empty database.

    .venv/bin/python benchmarks/neo4j_sync.py --store /tmp/bench-100k/store \
        --uri bolt://127.0.0.1:7688 --batch-size 5000 --per-row 20000 \
        [--bulk-home /tmp/bench-100k/neo4j-bulk]

Wipes the database at ``--uri`` (use a scratch server, e.g. a second ``scripts/neo4j``
on other ports), syncs every source of the store with ``--batch-size`` rows per
``UNWIND``, and prints rows/s per source. Then it writes the first ``--per-row`` rows
(whole projected chunks) of the largest source again with one ``MERGE`` statement per
row (batch size 1, the same queries, one transaction) and rolls that back, for the
side-by-side rate.

With ``--bulk-home DIR``, the same store is then bulk-imported (what ``smekg sync neo4j
--bulk`` does) into a Neo4j home of its own at DIR (made with ``scripts/neo4j init`` on
free ports, the jars of ``.neo4j/lib``): CSV written, neo4j-admin, server start,
constraints and indexes, sync records, each phase timed. Its node and relationship
counts are checked against the incremental sync's, then its server is stopped and its
database removed (``--bulk-keep`` keeps both).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

from pyoxigraph import Store

from smekg.core.neo4j.bulk import Neo4jHome, bulk_import, script_start
from smekg.core.neo4j.projection import project_in_chunks
from smekg.core.neo4j.sync import Neo4jSync, connect, within

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "neo4j"
BULK_PASSWORD = "smekg-bench-bulk"


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


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _counts(driver) -> dict:
    records, _, _ = driver.execute_query(
        "CALL { MATCH (n) RETURN count(n) AS nodes } "
        "CALL { MATCH ()-[r]->() RETURN count(r) AS relationships } "
        "CALL { MATCH (s:SyncedSource) RETURN collect([s.graph, s.version]) AS synced } "
        "RETURN nodes, relationships, synced")
    record = records[0]
    return {"nodes": record["nodes"], "relationships": record["relationships"],
            "synced": sorted(map(tuple, record["synced"]))}


def _server_memory(home: Neo4jHome) -> dict:
    """Peak RSS of the home's server since its start (what the report shows for servers)."""
    try:
        from harness import process_memory  # benchmarks/ is on sys.path in the suite's steps

        pid = int((home.run_dir / "neo4j.pid").read_text().strip())
        return {"memory": {**process_memory(pid), "note": "the server process since its start"}}
    except (ImportError, OSError, ValueError):
        return {}


def measure_bulk(store_path: str, home_dir: str, *, heap: str = "2g", pagecache: str = "2g",
                 compare_uri: str | None = None, user: str = "neo4j",
                 password: str | None = None, keep: bool = False) -> dict:
    """Bulk-import the store into the Neo4j home ``home_dir`` (made if new, on free ports,
    with the jars of ``.neo4j/lib``), each phase timed; with ``compare_uri``, check its
    counts against the database there (the incremental sync's)."""
    lib = REPO / ".neo4j" / "lib"
    env = {**os.environ, "NEO4J_HOME_DIR": home_dir, "NEO4J_LIB_DIR": str(lib),
           "NEO4J_BOLT_PORT": str(_free_port()), "NEO4J_HTTP_PORT": str(_free_port()),
           "NEO4J_HEAP": heap, "NEO4J_HEAP_INITIAL": "512m", "NEO4J_PAGECACHE": pagecache,
           "NEO4J_PASSWORD": BULK_PASSWORD}

    def script(command: str) -> None:
        done = subprocess.run([str(SCRIPT), command], env=env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"scripts/neo4j {command} ({home_dir}) failed:\n"
                               f"{done.stdout}{done.stderr}")

    script("stop")  # a server left running by an earlier run
    script("init")  # the conf with this run's ports and memory
    home = Neo4jHome.open(Path(home_dir))
    # the start takes the ports and memory from the home's conf (written by init), not from
    # the NEO4J_* of the project's server
    environ = {name: value for name, value in os.environ.items()
               if name not in {"NEO4J_BOLT_PORT", "NEO4J_HTTP_PORT", "NEO4J_HEAP",
                               "NEO4J_HEAP_INITIAL", "NEO4J_PAGECACHE"}}
    store = Store.read_only(store_path)
    try:
        report = bulk_import(store, home, script_start(home, SCRIPT, "neo4j", BULK_PASSWORD,
                                                       environ=environ))
        result: dict = {
            "home": home_dir, "heap": heap, "pagecache": pagecache,
            "nodes": report.nodes, "relationships": report.relationships,
            "rows": report.rows, "seconds": report.seconds,
            "rows_per_s": report.rows_per_second,
            "phases": report.phases,
            "neo4j_side_rows_per_s": report.rows / sum(
                seconds for phase, seconds in report.phases.items() if phase != "csv"),
            "sources": [{"source": r.graph.rsplit("/graph/", 1)[-1], "nodes": r.nodes,
                         "relationships": r.relationships, "rows": r.rows,
                         "csv_seconds": r.seconds} for r in report.sources],
        }
        driver = connect(Neo4jHome.open(Path(home_dir)).bolt_uri, "neo4j", BULK_PASSWORD)
        try:
            bulk_counts = _counts(driver)
        finally:
            driver.close()
        result["server"] = _server_memory(home)
        result["counts"] = {k: v for k, v in bulk_counts.items() if k != "synced"}
        if compare_uri is not None:
            other = connect(compare_uri, user, password or "smekg-dev-password")
            try:
                incremental = _counts(other)
            finally:
                other.close()
            result["same_counts_as_incremental"] = incremental == bulk_counts
            result["incremental_counts"] = {k: v for k, v in incremental.items()
                                            if k != "synced"}
    finally:
        if not keep:
            script("stop")
            for parent in (home.databases_dir, home.transactions_dir):
                shutil.rmtree(parent / home.database, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True)
    parser.add_argument("--uri", default="bolt://127.0.0.1:7688")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD",
                                                             "smekg-dev-password"))
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--per-row", type=int, default=20000)
    parser.add_argument("--bulk-home", help="also bulk-import into a Neo4j home of its own here")
    parser.add_argument("--bulk-heap", default="2g")
    parser.add_argument("--bulk-pagecache", default="2g")
    parser.add_argument("--bulk-keep", action="store_true",
                        help="leave the bulk server running and its database in place")
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
    if args.bulk_home:
        bulk = measure_bulk(args.store, args.bulk_home, heap=args.bulk_heap,
                            pagecache=args.bulk_pagecache, compare_uri=args.uri,
                            user=args.user, password=args.password, keep=args.bulk_keep)
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in bulk["phases"].items())
        print(f"bulk import (neo4j-admin): {bulk['rows']:,} rows in {bulk['seconds']:.1f} s = "
              f"{bulk['rows_per_s']:,.0f} rows/s ({phases}); Neo4j side "
              f"{bulk['neo4j_side_rows_per_s']:,.0f} rows/s; same counts as the incremental "
              f"sync: {bulk['same_counts_as_incremental']}")


if __name__ == "__main__":
    main()

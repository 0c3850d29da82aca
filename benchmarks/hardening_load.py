"""A bounded load test of the API beside runaway SPARQL queries (issue 16), from a fresh clone:

    .venv/bin/python benchmarks/hardening_load.py [--store STORE] [--runaways 0,2]
        [--connections 8,64] [--duration 10] [--json out.json]

Without ``--store`` it loads the seed data (``smekg load``) into a temporary store. It starts
``uvicorn smekg.graph_api.main:app`` (the endpoint's defaults, except a query time limit of
``--duration`` + 3 s, so that the runaway queries last the whole run and end soon after it),
and for each number of runaway queries N,
endpoint (``/coverage``, ``/sparql``) and connection count C:

* N runaway queries (a triple cross join that never finishes) run from N clients, each sent
  again as soon as it is stopped;
* wrk (``benchmarks/wrk_mix.lua``) drives the endpoint with C connections for ``--duration``
  seconds: requests/s, p50/p99 and the answers per status;
* a probe (its own client) sends a cheap ``ASK`` to ``/sparql`` every 0.25 s: its latencies
  (p50, p99, max) are the figure the issue asks for ("a cheap query is answered within 1 s").

Clients are told apart by the ``X-Client`` header (``SMEKG_SPARQL_CLIENT_HEADER``), so the
runaways, the probe and wrk (no header: its remote address) each count as one client; wrk's
connections share one client's limit (``SMEKG_SPARQL_CLIENT_CONCURRENCY``, default 16), so at
64 connections most of its /sparql requests are answered 429 by design.

Bounded: every run lasts ``--duration`` seconds, the whole test about
``len(runaways) * 2 * len(connections) * (duration + 3)`` seconds plus a start-up. Prints a
table and writes the figures as JSON (``--json``). Not a unit test: the figures depend on the
machine (record its CPU count with them).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the benchmarks folder is not a package
    REPO,
    Server,
    free_port,
    get,
    machine,
    sparql_path,
    stop_all_servers,
    wrk,
)

BIN = Path(sys.executable).parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK { ?n a smekg:Network }"
WRK_SPARQL = "SELECT ?n ?name WHERE { ?n a smekg:Network ; skos:prefLabel ?name }"
COVERAGE_REGIONS = ["DE", "FR", "IT", "ES", "NL", "AT", "BE", "PL"]


def _request(url: str, client: str, timeout: float) -> tuple[int, float]:
    import httpx

    started = time.perf_counter()
    try:
        status = httpx.get(url, headers={"X-Client": client, "Accept":
                                         "application/sparql-results+json"},
                           timeout=timeout).status_code
    except httpx.HTTPError:
        status = 0
    return status, time.perf_counter() - started


class Runaways:
    """N threads, each keeping one runaway query running until stopped."""

    def __init__(self, base: str, count: int) -> None:
        self.url = base + sparql_path("/sparql", RUNAWAY)
        self.stop_event = threading.Event()
        self.statuses: dict[str, int] = {}
        self.threads = [threading.Thread(target=self._loop, args=(f"runaway-{i}",), daemon=True)
                        for i in range(count)]

    def _loop(self, client: str) -> None:
        while not self.stop_event.is_set():
            status, _ = _request(self.url, client, 300)
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def __enter__(self) -> Runaways:
        for thread in self.threads:
            thread.start()
        time.sleep(1.0 if self.threads else 0)  # they hold their workers
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()  # each thread ends when its query is stopped (time limit)
        for thread in self.threads:
            thread.join(300)


class Probe:
    """The cheap query, every ``interval`` seconds, from its own client."""

    def __init__(self, base: str, interval: float = 0.25) -> None:
        self.url = base + sparql_path("/sparql", CHEAP)
        self.interval = interval
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            status, seconds = _request(self.url, "probe", 60)
            self.latencies.append(seconds)
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            self.stop_event.wait(self.interval)

    def __enter__(self) -> Probe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(70)

    def figures(self) -> dict:
        values = sorted(self.latencies)
        if not values:
            return {"count": 0}
        p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
        return {"count": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
                "p99_ms": round(p99 * 1000, 1), "max_ms": round(values[-1] * 1000, 1),
                "over_1s": sum(v > 1.0 for v in values), "statuses": self.statuses}


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a loaded store (default: load the seed)")
    parser.add_argument("--runaways", default="0,2", help="runaway query counts (0,2)")
    parser.add_argument("--connections", default="8,64", help="wrk connection counts (8,64)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--workdir", type=Path, help="where logs go (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="smekg-hardening-"))
    work.mkdir(parents=True, exist_ok=True)
    store = args.store
    env = {**os.environ}
    if store is None:
        store = work / "store"
        subprocess.run([str(BIN / "smekg"), "load"], check=True, cwd=REPO,
                       env={**env, "SMEKG_STORE": str(store)}, stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env.update(SMEKG_STORE=str(store), SMEKG_SPARQL_TIMEOUT=str(args.duration + 3),
               SMEKG_SPARQL_CLIENT_HEADER="X-Client")
    server = Server("uvicorn", [sys.executable, "-m", "uvicorn", "smekg.graph_api.main:app",
                                "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "warning"],
                    ready_url=f"{base}/health", log=work / "server.log", ready_timeout=120,
                    env=env)
    results: dict = {"machine": machine(), "duration_s": args.duration, "runs": []}
    try:
        with server:
            coverage = [f"/coverage?{urllib.parse.urlencode({'region': region})}"
                        for region in COVERAGE_REGIONS]
            coverage = [path for path in coverage
                        if get(base + path, accept="application/json")[0] == 200] or coverage
            endpoints = {"/coverage": (coverage, "application/json"),
                         "/sparql": ([sparql_path("/sparql", WRK_SPARQL)],
                                     "application/sparql-results+json")}
            for runaways in _ints(args.runaways):
                for name, (paths, accept) in endpoints.items():
                    for connections in _ints(args.connections):
                        with Runaways(base, runaways) as running, Probe(base) as probe:
                            load = wrk(base, paths, connections=connections, threads=2,
                                       duration=args.duration, timeout=60,
                                       paths_file=work / "paths.txt", log=work / "wrk.log",
                                       accept=accept)
                        run = {"endpoint": name, "connections": connections,
                               "runaways": runaways,
                               "requests_per_s": round(load["requests_per_s"], 1),
                               "p50_ms": round(load["p50_ms"], 1),
                               "p99_ms": round(load["p99_ms"], 1),
                               "statuses": load["statuses"], "cheap_query": probe.figures(),
                               "runaway_statuses": running.statuses}
                        results["runs"].append(run)
                        print(json.dumps(run), flush=True)
    finally:
        stop_all_servers()
    print()
    print("| runaways | endpoint | conn | req/s | p50 ms | p99 ms | statuses "
          "| cheap ASK p50 / p99 / max ms (n, >1 s) |")
    print("|---|---|---|---|---|---|---|---|")
    for run in results["runs"]:
        cheap = run["cheap_query"]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run["statuses"].items()))
        print(f"| {run['runaways']} | {run['endpoint']} | {run['connections']} "
              f"| {run['requests_per_s']} | {run['p50_ms']} | {run['p99_ms']} | {statuses} "
              f"| {cheap.get('p50_ms')} / {cheap.get('p99_ms')} / {cheap.get('max_ms')} "
              f"({cheap.get('count')}, {cheap.get('over_1s')}) |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark suite: every figure of benchmarks/RESULTS.md, measured side by side.

Run it through ``benchmarks/run`` (installs what it needs, starts Neo4j); directly::

    .venv/bin/python benchmarks/suite.py --sizes 10k,100k,1M [--workdir /tmp/smekg-bench]
    .venv/bin/python benchmarks/suite.py --sizes 10k --only coverage,rest

For each size it generates the data (``smekg generate``, seed 42), then runs each step,
each measurement in a process of its own (peak RSS from that process's rusage; for servers
the VmHWM of the server's process tree, read just before it is stopped):

load      ``smekg load --reference-only`` + ``smekg load-file`` of the CSV tables into a
          fresh store, end to end (read, row checks, mapping, SHACL validation, write).
bulk      the same store exported (``smekg export``) to N-Triples and N-Quads, each
          bulk-loaded by pyoxigraph (``Store.bulk_load``) into a fresh directory.
rdflib    rdflib's ``Graph().parse`` of the N-Triples (up to --rdflib-max-triples).
coverage  ``QueryService.coverage`` on the embedded store (p50/p99 over --coverage-queries
          pairs), ``coverage.rq`` on pyoxigraph and on rdflib (sizes up to
          --rdflib-coverage-max-orgs), all checked to give the same answers.
neo4j     benchmarks/neo4j_sync.py (WIPES the Neo4j database at --neo4j-uri, syncs the
          store with UNWIND batches, one MERGE per row on a prefix, rolled back); the bulk
          import of the same store (``smekg sync neo4j --bulk``: CSV, neo4j-admin, start,
          constraints, sync records) into a Neo4j home of its own in the work directory, on
          free ports, stopped and emptied after (--no-neo4j-bulk skips it); then the
          coverage latencies on Neo4j, checked against the embedded answers.
sparql    a fixed query mix (benchmarks/sparql_mix.py) against ``smekg serve``'s /sparql,
          ``oxigraph serve-read-only`` and rdflib-endpoint, loaded with the same quads,
          driven by wrk (benchmarks/wrk_mix.lua) on loopback.
rest      ``GET /coverage`` under wrk with --rest-connections concurrent connections.
web       the web app's pages (benchmarks/web_pages.py) on ``smekg serve``: one URL per page
          kind, for entities of the data picked through the REST API, one request at a
          time after a warm-up (--web-requests, --web-warmup, --web-budget): p50/p95/max
          time to the full response and the size; a page answering 404 is reported missing.

Results go to benchmarks/results/<size>.json (a rerun with --only replaces those steps and
keeps the others) and benchmarks/RESULTS.md is rendered from every results file. A step
that fails or times out is recorded as ``failed: <reason>`` and the suite goes on. Nothing
outside the work directory is written but the results, and the Neo4j database (wiped).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import (  # benchmarks/ is on sys.path: this file is run as a script
    BENCHMARKS,
    REPO,
    Server,
    StepFailed,
    cpu_snapshot,
    free_port,
    get,
    git_commit,
    machine,
    other_cpu,
    result_signature,
    run_child,
    run_step_json,
    sparql_path,
    stop_all_servers,
    tail,
    wrk,
)

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
STEPS = ["load", "bulk", "rdflib", "coverage", "neo4j", "sparql", "rest", "web"]
BIN = Path(sys.executable).parent
PYTHON = sys.executable
STEPS_PY = str(BENCHMARKS / "steps.py")
ASK = "ASK { ?s ?p ?o }"
CSV_FIELD_LIMIT = 1 << 30

# (seconds, seconds per organisation): a step's default time limit is a + b * organisations
TIMEOUTS = {
    "generate": (300, 0.002), "load": (900, 0.05), "export": (300, 0.005),
    "bulk": (300, 0.005), "rdflib": (600, 0.02), "coverage": (900, 0.01),
    "coverage-rdflib": (1800, 0.0), "neo4j-sync": (900, 0.02), "neo4j-bulk": (900, 0.01),
    "oxigraph-load": (300, 0.005),
    "smekg-ready": (120, 0.001), "rdflib-ready": (300, 0.02), "pairs": (300, 0.001),
}


def parse_size(text: str) -> tuple[str, int]:
    text = text.strip()
    if text in SIZES:
        return text, SIZES[text]
    lowered = text.lower()
    factor = 1
    if lowered.endswith("k"):
        factor, lowered = 1000, lowered[:-1]
    elif lowered.endswith("m"):
        factor, lowered = 1_000_000, lowered[:-1]
    orgs = int(float(lowered) * factor)
    label = next((name for name, n in SIZES.items() if n == orgs), str(orgs))
    return label, orgs


@dataclass
class Size:
    label: str
    orgs: int
    args: argparse.Namespace
    results: dict
    loaded: bool = False  # the load step ran in this invocation (the store is its own)

    @property
    def work(self) -> Path:
        return self.args.workdir / self.label

    @property
    def data(self) -> Path:
        return self.work / "data"

    @property
    def store(self) -> Path:
        return self.work / "store"

    @property
    def exports(self) -> Path:
        return self.work / "export"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    @property
    def pairs_file(self) -> Path:
        return self.work / "coverage_pairs.json"

    def timeout(self, kind: str) -> float:
        if self.args.step_timeout:
            return self.args.step_timeout
        base, per_org = TIMEOUTS[kind]
        return base + per_org * self.orgs

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def json_out(self, name: str) -> Path:
        (self.work / "figures").mkdir(parents=True, exist_ok=True)
        return self.work / "figures" / f"{name}.json"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# The load step times the load alone, as the issues' figures do: keeping the index of the
# new data afterwards (SMEKG_INDEX_ON_LOAD) is left to the first server of the REST step,
# whose 'ready' time is that of building the index from the graph.
_LOAD_ONLY = {"SMEKG_INDEX_ON_LOAD": "false"}


def _env(**extra: str) -> dict:
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    env.pop("SMEKG_STORE", None)  # every command names its store
    env.update(extra)
    return env


# -- data and store ----------------------------------------------------------------------
def generate(size: Size) -> dict:
    shutil.rmtree(size.data, ignore_errors=True)
    child = run_child([str(BIN / "smekg"), "generate", "--orgs", str(size.orgs), "--seed",
                       str(size.args.seed), "--out", str(size.data)], log=size.log("generate"),
                      timeout=size.timeout("generate"), env=_env()).check("smekg generate")
    files = {}
    csv.field_size_limit(CSV_FIELD_LIMIT)
    for path in sorted(size.data.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
        files[path.name] = {"rows": rows, "bytes": path.stat().st_size}
    data = {"organisations": size.orgs, "seed": size.args.seed,
            "csv_bytes": sum(f["bytes"] for f in files.values()), "csv_files": files,
            "generate_seconds": child.seconds, "generate_peak_rss_mib": child.peak_rss_mib}
    (size.work / "data.json").write_text(json.dumps(data), encoding="utf-8")
    return data


def _marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sources_from_log(log: Path, offset: int) -> list[dict]:
    """The per-source rows (source, status, triples, seconds) of the table a ``smekg load``
    printed into ``log`` after ``offset``."""
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) == 4 and cells[3].replace(".", "", 1).isdigit():
            rows.append({"source": cells[0], "status": cells[1],
                         "triples": int(cells[2].replace(",", "")), "seconds": float(cells[3])})
    return rows


def _stages_from_log(log: Path, offset: int) -> dict:
    """The seconds by stage ``smekg load-file --timings`` printed into ``log`` after
    ``offset`` (``seconds by stage: read 1.0, map 2.0, ... (... over up to 2 process(es))``),
    with the number of processes."""
    with log.open("rb") as handle:
        handle.seek(offset)
        text = " ".join(handle.read().decode("utf-8", "replace").split())
    found = re.search(r"seconds by stage: (.*?) \(.*?up to (\d+) process", text)
    if found is None:
        return {}
    stages: dict = {name: float(seconds)
                    for name, seconds in re.findall(r"(\w+) ([0-9.]+)", found.group(1))}
    return {"seconds": stages, "processes": int(found.group(2))}


def _log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def _quads_from_log(log: Path) -> int | None:
    for line in reversed(tail(log, 40).splitlines()):
        if "quads in the store" in line:
            words = line.split("quads in the store")[0].split()
            return int(words[-1].replace(",", ""))
    return None


def ensure_store(size: Size) -> dict:
    marker = _marker(size.work / "store.json")
    if marker and marker.get("organisations") == size.orgs and marker.get("seed") == \
            size.args.seed and (size.store / "CURRENT").exists():
        return marker
    say(f"{size.label}: no store yet, running the load step first")
    run_step(size, "load")
    marker = _marker(size.work / "store.json")
    if not marker:
        raise StepFailed("the store could not be built (see the load step)")
    return marker


def ensure_export(size: Size, fmt: str) -> dict:
    """The store exported as N-Triples (``nt``) or N-Quads (``nq``), made once per store."""
    store = ensure_store(size)
    path = size.exports / f"store.{fmt}"
    record_file = size.exports / f"store.{fmt}.json"
    record = _marker(record_file)
    if record and record.get("store_loaded_at") == store["loaded_at"] and path.exists():
        return record
    size.exports.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    if fmt == "nq":  # the dataset as it is: smekg's own export
        method = "smekg export --format nq"
        command = [str(BIN / "smekg"), "export", "--format", fmt, "--output", str(path),
                   "--store", str(size.store)]
    else:  # the union, de-duplicated on disk (smekg export --format nt does it in memory)
        method = "pyoxigraph: the union de-duplicated in a scratch store on disk, dumped"
        command = [PYTHON, STEPS_PY, "export-nt", "--store", str(size.store), "--file",
                   str(path), "--location", str(size.exports / "scratch-nt"), "--json",
                   str(size.json_out("export-nt"))]
    child = run_child(command, log=size.log("export"), timeout=size.timeout("export"),
                      env=_env()).check(f"export {fmt}")
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
    record = {"format": fmt, "method": method, "path": str(path), "bytes": path.stat().st_size,
              "statements": lines, "seconds": child.seconds,
              "peak_rss_mib": child.peak_rss_mib, "store_loaded_at": store["loaded_at"]}
    record_file.write_text(json.dumps(record), encoding="utf-8")
    return record


# -- steps -------------------------------------------------------------------------------
def _step_figures(size: Size, step: str, options: list[str], *, name: str | None = None,
                 log: Path, timeout: float, what: str) -> dict:
    """Run ``benchmarks/steps.py step options``: its figures (in ``size.json_out(name)``,
    ``name`` defaulting to ``step``), with the child's peak RSS and process seconds."""
    out = size.json_out(name or step)
    figures, child = run_step_json([PYTHON, STEPS_PY, step, *options, "--json", str(out)],
                                   out, log=log, timeout=timeout, what=what)
    figures.update(peak_rss_mib=child.peak_rss_mib, process_seconds=child.seconds)
    return figures


def step_load(size: Size) -> dict:
    say(f"{size.label}: smekg generate --orgs {size.orgs} --seed {size.args.seed}")
    size.results["data"] = generate(size)
    (size.work / "store.json").unlink(missing_ok=True)
    runs = []
    csvs = [str(p) for p in sorted(size.data.glob("*.csv"))]
    for run in range(size.args.load_runs):
        shutil.rmtree(size.store, ignore_errors=True)
        say(f"{size.label}: load run {run + 1}/{size.args.load_runs} into a fresh store")
        offset = _log_size(size.log("load"))
        reference = run_child([str(BIN / "smekg"), "load", "--reference-only", "--store",
                               str(size.store)], log=size.log("load"),
                              timeout=size.timeout("load"), env=_env(**_LOAD_ONLY)).check(
            "smekg load --reference-only")
        reference_quads = _quads_from_log(size.log("load"))
        reference_sources = _sources_from_log(size.log("load"), offset)
        offset = _log_size(size.log("load"))
        tables = run_child([str(BIN / "smekg"), "load-file", *csvs, "--store", str(size.store),
                            "--timings"],
                           log=size.log("load"), timeout=size.timeout("load"),
                           env=_env(**_LOAD_ONLY)).check("smekg load-file")
        quads = _quads_from_log(size.log("load"))
        table_sources = _sources_from_log(size.log("load"), offset)
        stages = _stages_from_log(size.log("load"), offset)
        if quads is None or reference_quads is None:
            raise StepFailed(f"no quad count in the load output (log: {size.log('load')})")
        seconds = reference.seconds + tables.seconds
        runs.append({
            "reference": {"seconds": reference.seconds, "quads": reference_quads,
                          "peak_rss_mib": reference.peak_rss_mib,
                          "sources": reference_sources},
            "tables": {"seconds": tables.seconds, "quads": quads - reference_quads,
                       "peak_rss_mib": tables.peak_rss_mib,
                       "quads_per_s": (quads - reference_quads) / tables.seconds,
                       "sources": table_sources, "stages": stages},
            "quads": quads, "seconds": seconds, "quads_per_s": quads / seconds,
            "peak_rss_mib": max(reference.peak_rss_mib, tables.peak_rss_mib),
        })
    ordered = sorted(runs, key=lambda r: r["seconds"])
    median = ordered[len(ordered) // 2]
    store_bytes = sum(f.stat().st_size for f in size.store.rglob("*") if f.is_file())
    marker = {"organisations": size.orgs, "seed": size.args.seed, "quads": median["quads"],
              "loaded_at": time.time(), "store_bytes": store_bytes}
    (size.work / "store.json").write_text(json.dumps(marker), encoding="utf-8")
    size.results["data"]["quads"] = median["quads"]
    size.loaded = True
    return {"runs": len(runs), "median": median, "all_seconds": [r["seconds"] for r in runs],
            "store_bytes": store_bytes,
            "command": "smekg load --reference-only --store S && smekg load-file DATA/*.csv "
                       "--store S"}


def step_bulk(size: Size) -> dict:
    result: dict = {"export": {}}
    for fmt in ("nt", "nq"):
        record = ensure_export(size, fmt)
        result["export"][fmt] = {k: record.get(k) for k in ("method", "bytes", "statements",
                                                            "seconds", "peak_rss_mib")}
    size.results.setdefault("data", {})["triples"] = result["export"]["nt"]["statements"]
    for fmt in ("nt", "nq"):
        location = size.work / f"bulk-{fmt}"
        shutil.rmtree(location, ignore_errors=True)
        say(f"{size.label}: pyoxigraph bulk_load of the {fmt} export")
        try:
            figures = _step_figures(
                size, "bulk-load", ["--file", str(size.exports / f"store.{fmt}"), "--format",
                                    fmt, "--location", str(location)], name=f"bulk-{fmt}",
                log=size.log("bulk"), timeout=size.timeout("bulk"), what=f"bulk_load {fmt}")
            figures["bytes_on_disk"] = sum(f.stat().st_size for f in location.rglob("*")
                                           if f.is_file())
            result[fmt] = figures
        except StepFailed as error:
            result[fmt] = {"status": f"failed: {error}"}
        finally:
            shutil.rmtree(location, ignore_errors=True)
    return result


def step_rdflib(size: Size) -> dict:
    record = ensure_export(size, "nt")
    size.results.setdefault("data", {})["triples"] = record["statements"]
    limit = size.args.rdflib_max_triples
    if record["statements"] > limit:
        return {"status": f"not run: {record['statements']:,} triples > {limit:,} "
                          "(--rdflib-max-triples)"}
    say(f"{size.label}: rdflib Graph().parse of {record['statements']:,} triples")
    return _step_figures(size, "rdflib-parse", ["--file", record["path"], "--format", "nt"],
                        log=size.log("rdflib"), timeout=size.timeout("rdflib"),
                        what="rdflib parse")


def step_coverage(size: Size) -> dict:
    ensure_store(size)
    args = size.args
    say(f"{size.label}: coverage on the embedded store ({args.coverage_queries} pairs) and "
        f"coverage.rq on pyoxigraph ({args.coverage_sparql_queries})")
    size.pairs_file.unlink(missing_ok=True)
    figures = _step_figures(
        size, "coverage",
        ["--store", str(size.store), "--queries", str(args.coverage_queries),
         "--sparql-queries", str(args.coverage_sparql_queries),
         "--sample", str(args.coverage_sample), "--budget", str(args.coverage_sparql_budget),
         "--answers", str(args.rdflib_coverage_queries
                          if size.orgs <= args.rdflib_coverage_max_orgs else 0),
         "--pairs", str(size.pairs_file)],
        log=size.log("coverage"), timeout=size.timeout("coverage"), what="coverage (embedded)")
    result = {"embedded": figures}
    if size.orgs > args.rdflib_coverage_max_orgs:
        result["rdflib"] = {"status": f"not run: {size.orgs:,} organisations > "
                                      f"{args.rdflib_coverage_max_orgs:,} "
                                      "(--rdflib-coverage-max-orgs)"}
        return result
    try:
        record = ensure_export(size, "nt")
        say(f"{size.label}: coverage.rq on rdflib ({args.rdflib_coverage_queries} pairs)")
        result["rdflib"] = _step_figures(
            size, "coverage-rdflib",
            ["--file", record["path"], "--pairs", str(size.pairs_file), "--queries",
             str(args.rdflib_coverage_queries)],
            log=size.log("coverage"), timeout=size.timeout("coverage-rdflib"),
            what="coverage.rq on rdflib")
    except StepFailed as error:
        result["rdflib"] = {"status": f"failed: {error}"}
    return result


def _neo4j_server() -> dict:
    """Version and memory of the Neo4j server (the project's, when it runs here)."""
    info: dict = {}
    pid_file = REPO / ".neo4j" / "run" / "neo4j.pid"
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text().strip())
        from harness import process_memory

        info["memory"] = process_memory(pid)
        info["memory"]["note"] = "the server process since its start"
    return info


def neo4j_version(uri: str) -> str:
    from neo4j import GraphDatabase

    password = os.environ.get("NEO4J_PASSWORD", "smekg-dev-password")
    with GraphDatabase.driver(uri, auth=(os.environ.get("NEO4J_USER", "neo4j"), password),
                              connection_timeout=5, max_transaction_retry_time=0) as driver:
        driver.verify_connectivity()
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition")
        return ", ".join(f"{r['name']} {r['version']} {r['edition']}" for r in records)


def step_neo4j(size: Size) -> dict:
    args = size.args
    if args.no_neo4j:
        return {"status": "not run: --no-neo4j"}
    ensure_store(size)
    try:
        version = neo4j_version(args.neo4j_uri)
    except Exception as error:
        raise StepFailed(f"Neo4j unreachable at {args.neo4j_uri} ({type(error).__name__}: "
                         f"{error}); start it with scripts/neo4j start") from error
    result: dict = {"uri": args.neo4j_uri, "server_version": version}
    kept = _kept_sync(size) if args.keep_neo4j_sync else None
    if kept is not None:
        result["sync"] = kept
    else:
        say(f"{size.label}: Neo4j sync benchmark (wipes the database at {args.neo4j_uri})")
        try:
            result["sync"] = _step_figures(
                size, "neo4j-sync",
                ["--store", str(size.store), "--neo4j", args.neo4j_uri, "--batch-size",
                 str(args.batch_size), "--per-row", str(args.per_row)],
                log=size.log("neo4j"), timeout=size.timeout("neo4j-sync"), what="Neo4j sync")
        except StepFailed as error:
            result["sync"] = {"status": f"failed: {error}"}
            result["server"] = _neo4j_server()
            return result
    result["bulk"] = _neo4j_bulk(size, kept is not None)
    say(f"{size.label}: coverage on Neo4j")
    options = ["--neo4j", args.neo4j_uri, "--queries", str(args.coverage_queries),
               "--sparql-queries", str(args.coverage_sparql_queries),
               "--sample", str(args.coverage_sample),
               "--budget", str(args.coverage_sparql_budget)]
    if size.pairs_file.exists():
        options += ["--pairs", str(size.pairs_file)]
    try:
        result["coverage"] = _step_figures(size, "coverage", options, name="coverage-neo4j",
                                          log=size.log("neo4j"),
                                          timeout=size.timeout("coverage"),
                                          what="coverage on Neo4j")
    except StepFailed as error:
        result["coverage"] = {"status": f"failed: {error}"}
    result["server"] = _neo4j_server()
    return result


def _neo4j_bulk(size: Size, kept: bool) -> dict:
    """The bulk import into an empty database of a Neo4j home of its own (its counts
    checked against the incremental sync's database), or why it was not measured."""
    args = size.args
    if args.no_neo4j_bulk:
        return {"status": "not run: --no-neo4j-bulk"}
    previous = (size.results.get("neo4j") or {}).get("bulk") or {}
    if kept and previous and "status" not in previous:
        return {**previous, "kept": "measured in an earlier run of this size "
                "(--keep-neo4j-sync)"}
    say(f"{size.label}: Neo4j bulk import (neo4j-admin) into a home of its own")
    try:
        return _step_figures(
            size, "neo4j-bulk",
            ["--store", str(size.store), "--neo4j", args.neo4j_uri,
             "--bulk-home", str(size.work / "neo4j-bulk"), "--bulk-heap", args.bulk_heap,
             "--bulk-pagecache", args.bulk_pagecache],
            log=size.log("neo4j"), timeout=size.timeout("neo4j-bulk"), what="Neo4j bulk import")
    except StepFailed as error:
        return {"status": f"failed: {error}"}


def _kept_sync(size: Size) -> dict | None:
    """The previous sync figures of this size, if they are complete and Neo4j still holds
    exactly the store's sources (``--keep-neo4j-sync``: rerun the coverage on Neo4j only)."""
    step = size.results.get("neo4j") or {}
    previous = step.get("sync") or {}
    if not previous or "status" in previous:
        return None
    check, _ = run_step_json(
        [PYTHON, STEPS_PY, "neo4j-holds", "--store", str(size.store), "--neo4j",
         size.args.neo4j_uri, "--json", str(size.json_out("neo4j-holds"))],
        size.json_out("neo4j-holds"), log=size.log("neo4j"), timeout=600,
        what="Neo4j sources check")
    if not check["same"]:
        say(f"{size.label}: Neo4j does not hold this store's sources: the sync is measured")
        return None
    say(f"{size.label}: Neo4j holds this store's {check['sources']} sources: the sync "
        "figures of the earlier run stand (--keep-neo4j-sync)")
    return {"server": step.get("server"), "measured": step.get("measured"), **previous,
            "kept": "measured in an earlier run of this size; the database still held "
            "exactly the store's sources (--keep-neo4j-sync)"}


def _digest(signature: list) -> str:
    return hashlib.sha1(json.dumps(signature, default=str).encode()).hexdigest()[:16]


def _check(base_url: str, path: str, query: dict, timeout: float) -> dict:
    status, body, seconds = get(base_url + sparql_path(path, query["query"]), timeout=timeout)
    if status != 200:
        return {"status": status, "seconds": seconds,
                "error": body[:300].decode("utf-8", "replace")}
    rows, signature = result_signature(body)
    return {"status": 200, "rows": rows, "seconds": seconds, "digest": _digest(signature)}


def measure_endpoint(size: Size, server: Server, base_url: str, path: str, mix: dict,
                     *, heavy_limit: float | None = None) -> dict:
    """Start ``server``; send each simple query once (the answers, to compare), run the
    simple mix under wrk, then each heavy query once and under wrk on one connection; read
    the server's memory and stop it.

    With ``heavy_limit``, a heavy query that gives no answer within that many seconds is
    not run under wrk, and neither are the heavy queries after it (a server that answers
    one request at a time stays busy with the abandoned one)."""
    args = size.args
    name = server.name.split()[0]
    log = size.log("sparql-wrk")
    with server:
        result: dict = {"ready_seconds": server.ready_seconds, "checks": {}}
        for query in mix["simple"]:
            result["checks"][query["name"]] = _check(base_url, path, query, args.query_timeout)
        simple = [sparql_path(path, q["query"]) for q in mix["simple"]]
        paths_file = size.work / "wrk" / f"{name}-simple.txt"
        say(f"{size.label}: {server.name}: simple mix, {args.connections} connections, "
            f"{args.duration:g} s")
        if args.warmup:
            wrk(base_url, simple, connections=args.connections, threads=args.threads,
                duration=args.warmup, timeout=args.query_timeout, paths_file=paths_file,
                log=log)
        result["simple"] = wrk(base_url, simple, connections=args.connections,
                               threads=args.threads, duration=args.duration,
                               timeout=args.query_timeout, paths_file=paths_file, log=log)
        result["heavy"] = {}
        busy = None
        for i, query in enumerate(mix["heavy"]):
            if busy:
                result["checks"][query["name"]] = {"status": "not run", "seconds": None}
                result["heavy"][query["name"]] = {"status": f"not run: {busy}"}
                continue
            limit = heavy_limit or args.query_timeout
            check = result["checks"][query["name"]] = _check(base_url, path, query, limit)
            if check["status"] == 0 and heavy_limit:
                busy = (f"no answer within {heavy_limit:g} s to {query['name']!r} "
                        "(--rdflib-heavy-max-seconds)")
                result["heavy"][query["name"]] = {"status": f"not run: {busy}"}
                continue
            if check["status"] != 200:
                result["heavy"][query["name"]] = {
                    "status": f"failed: HTTP {check['status']} {check.get('error', '')[:160]}"}
                continue
            duration = max(args.heavy_duration, 3 * check["seconds"])
            say(f"{size.label}: {server.name}: heavy query {query['name']!r}, 1 connection, "
                f"{duration:.0f} s")
            heavy = wrk(base_url, [sparql_path(path, query["query"])], connections=1,
                        threads=1, duration=duration, timeout=args.query_timeout,
                        paths_file=size.work / "wrk" / f"{name}-heavy-{i}.txt", log=log)
            if not heavy["requests"]:
                heavy["status"] = f"failed: no request completed in {duration:.0f} s"
            result["heavy"][query["name"]] = heavy
        result["memory"] = server.measure_memory()
    return result


def compare_answers(mix: dict, endpoints: dict) -> dict:
    """Whether the endpoints gave the same answers (all rows of ``exact`` queries, the
    number of rows of the others); queries an endpoint did not answer are listed apart."""
    checked = {name: e["checks"] for name, e in endpoints.items() if "checks" in e}
    differences, unanswered = [], []
    for query in mix["simple"] + mix["heavy"]:
        key = "digest" if query["exact"] else "rows"
        answers = {}
        for name, checks in checked.items():
            answer = checks.get(query["name"], {})
            if answer.get("status") == 200:
                answers[name] = answer
            else:
                unanswered.append(f"{name}: {query['name']} ({answer.get('status')})")
        if len({answer[key] for answer in answers.values()}) > 1:
            differences.append({"query": query["name"], "compared": key,
                                "rows": {name: a["rows"] for name, a in answers.items()}})
    return {"endpoints": sorted(checked), "queries": len(mix["simple"]) + len(mix["heavy"]),
            "identical": not differences and len(checked) > 1, "differences": differences,
            "unanswered": unanswered}


def step_sparql(size: Size) -> dict:
    args = size.args
    ensure_store(size)
    mix_file = size.work / "sparql_mix.json"
    run_child([PYTHON, str(BENCHMARKS / "sparql_mix.py"), "--store", str(size.store),
               "--seed", str(args.seed), "--out", str(mix_file)], log=size.log("sparql"),
              timeout=size.timeout("pairs"), env=_env()).check("sparql_mix.py")
    mix = json.loads(mix_file.read_text(encoding="utf-8"))
    nquads = ensure_export(size, "nq")
    result: dict = {
        "mix": {"simple": [q["name"] for q in mix["simple"]],
                "heavy": [q["name"] for q in mix["heavy"]],
                "queries": {q["name"]: q["query"].split("\n")[-1]
                            for q in mix["simple"] + mix["heavy"]}},
        "settings": {"connections": args.connections, "threads": args.threads,
                     "duration_s": args.duration, "warmup_s": args.warmup,
                     "heavy_duration_s": args.heavy_duration,
                     "query_timeout_s": args.query_timeout},
        "endpoints": {},
    }
    endpoints = result["endpoints"]

    port = free_port()
    smekg = Server("smekg serve", [str(BIN / "smekg"), "serve", "--store", str(size.store),
                                   "--host", "127.0.0.1", "--port", str(port)],
                   ready_url=f"http://127.0.0.1:{port}/health", log=size.log("smekg-serve"),
                   ready_timeout=size.timeout("smekg-ready"),
                   env=_env(SMEKG_SPARQL_TIMEOUT=str(args.query_timeout)))
    try:
        endpoints["smekg"] = measure_endpoint(size, smekg, f"http://127.0.0.1:{port}",
                                              "/sparql", mix)
        endpoints["smekg"]["workers"] = int(os.environ.get("SMEKG_SPARQL_WORKERS", "2"))
    except StepFailed as error:
        endpoints["smekg"] = {"status": f"failed: {error}"}

    location = size.work / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    try:
        say(f"{size.label}: oxigraph load of the N-Quads export")
        loaded = run_child([str(BIN / "oxigraph"), "load", "--location", str(location),
                            "--file", nquads["path"]], log=size.log("oxigraph"),
                           timeout=size.timeout("oxigraph-load"), env=_env()).check(
            "oxigraph load")
        port = free_port()
        server = Server("oxigraph serve-read-only",
                        [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
                         "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                        # no --timeout-s: oxigraph 0.5 starts a thread per query that sleeps
                        # for the timeout, and thousands of them exhausted the process's
                        # memory maps under the simple mix (the server died)
                        ready_url=f"http://127.0.0.1:{port}" + sparql_path("/query", ASK),
                        log=size.log("oxigraph"), ready_timeout=size.timeout("smekg-ready"))
        endpoints["oxigraph"] = measure_endpoint(size, server, f"http://127.0.0.1:{port}",
                                                 "/query", mix)
        endpoints["oxigraph"]["load"] = {"seconds": loaded.seconds,
                                         "peak_rss_mib": loaded.peak_rss_mib}
    except StepFailed as error:
        endpoints["oxigraph"] = {"status": f"failed: {error}"}
    finally:
        if not args.keep:
            shutil.rmtree(location, ignore_errors=True)

    if nquads["statements"] > args.rdflib_endpoint_max_triples:
        endpoints["rdflib-endpoint"] = {
            "status": f"not run: {nquads['statements']:,} quads > "
                      f"{args.rdflib_endpoint_max_triples:,} (--rdflib-endpoint-max-triples)"}
    else:
        port = free_port()
        say(f"{size.label}: rdflib-endpoint loading {nquads['statements']:,} quads")
        server = Server("rdflib-endpoint",
                        [str(BIN / "rdflib-endpoint"), "serve", nquads["path"], "--host",
                         "127.0.0.1", "--port", str(port)],
                        ready_url=f"http://127.0.0.1:{port}" + sparql_path("/", ASK),
                        log=size.log("rdflib-endpoint"),
                        ready_timeout=size.timeout("rdflib-ready"), env=_env())
        try:
            endpoints["rdflib-endpoint"] = measure_endpoint(
                size, server, f"http://127.0.0.1:{port}", "/", mix,
                heavy_limit=args.rdflib_heavy_max_seconds)
        except StepFailed as error:
            endpoints["rdflib-endpoint"] = {"status": f"failed: {error}"}
    result["answers"] = compare_answers(mix, endpoints)
    return result


def step_rest(size: Size) -> dict:
    args = size.args
    ensure_store(size)
    pairs: list = []
    if size.pairs_file.exists():
        pairs = json.loads(size.pairs_file.read_text(encoding="utf-8"))["pairs"]
    if len(pairs) < args.rest_pairs:
        figures, _ = run_step_json(
            [PYTHON, STEPS_PY, "rest-pairs", "--store", str(size.store), "--queries",
             str(args.rest_pairs), "--json", str(size.json_out("rest-pairs"))],
            size.json_out("rest-pairs"), log=size.log("rest"), timeout=size.timeout("pairs"),
            what="drawing /coverage pairs")
        pairs = figures["pairs"]
    paths = []
    for region, sector in pairs:
        query = {"region": region} if sector is None else {"region": region, "sector": sector}
        path = "/coverage?" + urllib.parse.urlencode(query)
        if path not in paths:
            paths.append(path)
        if len(paths) == args.rest_pairs:
            break
    result: dict = {"pairs": len(paths), "runs": [], "by_workers": []}
    for workers in args.rest_workers:
        figures = _rest_server(size, paths, workers)
        result["runs"] += figures.pop("runs")
        result["by_workers"].append(figures)
        # the figures of the first server stay where earlier reports read them
        for key in ("first_request", "checked", "memory", "page"):
            result.setdefault(key, figures.get(key))
    return result


def _rest_server(size: Size, paths: list[str], workers: int) -> dict:
    """``smekg serve --workers WORKERS`` under wrk over ``paths`` (each connection count)."""
    args = size.args
    kept = size.store.with_name(size.store.name + ".index") / "CURRENT"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server("smekg serve", [str(BIN / "smekg"), "serve", "--store", str(size.store),
                                    "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", str(workers)],
                    ready_url=f"{base}/health", log=size.log("smekg-serve"),
                    ready_timeout=size.timeout("smekg-ready"), env=_env())
    result: dict = {"workers": workers, "index_kept_at_start": kept.is_file(), "runs": []}
    with server:
        status, body, seconds = get(base + paths[0], accept="application/json",
                                    timeout=args.query_timeout)
        if status == 200:  # the server's default page, as the answer states it
            result["page"] = json.loads(body).get("limit")
        result["ready_seconds"] = server.ready_seconds
        result["first_request"] = {"status": status, "seconds": seconds,
                                   "note": "the first request (may build the coverage index)"}
        failing = []
        for path in paths:
            status, _, _ = get(base + path, accept="application/json",
                               timeout=args.query_timeout)
            if status != 200:
                failing.append(f"{path}: HTTP {status}")
        result["checked"] = {"paths": len(paths), "non_200": failing[:10],
                             "non_200_count": len(failing)}
        log = size.log("rest-wrk")
        paths_file = size.work / "wrk" / "rest.txt"
        if args.warmup:
            wrk(base, paths, connections=args.connections, threads=args.threads,
                duration=args.warmup, timeout=args.query_timeout, paths_file=paths_file,
                log=log, accept="application/json")
        for connections in args.rest_connections:
            say(f"{size.label}: /coverage, {workers} worker(s), {connections} connections, "
                f"{args.duration} s")
            run = wrk(base, paths, connections=connections, threads=args.threads,
                      duration=args.duration, timeout=args.query_timeout,
                      paths_file=paths_file, log=log, accept="application/json")
            result["runs"].append({**run, "workers": workers})
        result["memory"] = server.measure_memory()
    return result


def step_web(size: Size) -> dict:
    import web_pages

    args = size.args
    store = ensure_store(size)
    say(f"{size.label}: web pages, {args.web_requests} requests each after "
        f"{args.web_warmup} warm-up ones")
    result = web_pages.serve_and_measure(
        size.store, log=size.log("smekg-serve"), ready_timeout=size.timeout("smekg-ready"),
        requests=args.web_requests, warmup=args.web_warmup, budget=args.web_budget,
        timeout=args.query_timeout, graph_depth=args.web_graph_depth,
        say=lambda message: say(f"{size.label}: {message}"),
        chosen_file=size.work / "web_chosen.json", data_tag=store["loaded_at"])
    result["command"] = args.command
    result["store"] = {key: store.get(key) for key in ("quads", "store_bytes", "loaded_at")}
    return result


STEP_FUNCTIONS: dict[str, Callable[[Size], dict]] = {
    "load": step_load, "bulk": step_bulk, "rdflib": step_rdflib, "coverage": step_coverage,
    "neo4j": step_neo4j, "sparql": step_sparql, "rest": step_rest, "web": step_web,
}


def run_step(size: Size, step: str) -> None:
    started = time.perf_counter()
    load_before = os.getloadavg()
    cpu_before = cpu_snapshot()
    say(f"{size.label}: step {step}")
    try:
        result = STEP_FUNCTIONS[step](size)
    except StepFailed as error:
        result = {"status": f"failed: {error}"}
    except Exception as error:
        size.logs.mkdir(parents=True, exist_ok=True)
        with size.log("suite-errors").open("a", encoding="utf-8") as out:
            out.write(f"\n=== {step}\n{traceback.format_exc()}")
        result = {"status": f"failed: {type(error).__name__}: {error} "
                            f"(traceback: {size.log('suite-errors')})"}
    result["measured"] = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), **git_commit(),
                          "wall_seconds": round(time.perf_counter() - started, 1),
                          "load_average_before": [round(x, 2) for x in load_before],
                          "load_average_after": [round(x, 2) for x in os.getloadavg()],
                          "other_cpu_cores": round(other_cpu(cpu_before, cpu_snapshot()), 2)}
    size.results[step] = result
    status = result.get("status", "done")
    say(f"{size.label}: step {step}: {status} ({result['measured']['wall_seconds']} s)")
    save(size)


def save(size: Size) -> None:
    path = size.args.results / f"{size.label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(size.results, indent=1, default=str) + "\n", encoding="utf-8")


def run_size(label: str, orgs: int, args: argparse.Namespace, machine_info: dict) -> list[str]:
    path = args.results / f"{label}.json"
    previous = _marker(path) or {}
    if not args.only_given:
        previous = {}  # a full run replaces the whole file
    size = Size(label, orgs, args, previous)
    size.work.mkdir(parents=True, exist_ok=True)
    size.results.update(size=label, organisations=orgs, seed=args.seed)
    run = {"command": args.command, "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
           "machine": machine_info, "workdir": str(size.work), "steps": args.only,
           **git_commit()}
    if args.only_given and "run" in size.results:  # a rerun of some steps: the run stays
        size.results.setdefault("reruns", []).append(run)
    else:
        size.results["run"] = run
    data = _marker(size.work / "data.json")
    if data and "data" not in size.results:
        size.results["data"] = data
    for step in args.only:
        run_step(size, step)
    marker = _marker(size.work / "store.json")
    # the figures of the data are those of the store the load step measured: a rerun of
    # other steps on a store built otherwise (e.g. into another --results) keeps them, and
    # its steps record their store themselves
    if marker and (size.loaded or "quads" not in size.results.get("data", {})):
        size.results.setdefault("data", {})["quads"] = marker["quads"]
        size.results["data"]["store_bytes"] = marker.get("store_bytes")
    run["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    save(size)
    if not args.keep:
        for leftover in ("export", "oxigraph", "bulk-nt", "bulk-nq"):
            shutil.rmtree(size.work / leftover, ignore_errors=True)
    return [f"{label} {step}: {size.results[step]['status']}" for step in args.only
            if str(size.results.get(step, {}).get("status", "")).startswith("failed")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1M",
                        help="organisations per run: 10k,100k,1M or numbers (default: all three)")
    parser.add_argument("--only", help=f"comma-separated steps to run ({','.join(STEPS)}); "
                        "their results replace those in the existing results file")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/smekg-bench"))
    parser.add_argument("--results", type=Path, default=BENCHMARKS / "results",
                        help="directory of the <size>.json results (default benchmarks/results)")
    parser.add_argument("--report", type=Path, default=BENCHMARKS / "RESULTS.md")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--command", default=None, help="the command line to record")
    parser.add_argument("--keep", action="store_true",
                        help="keep the exports and the oxigraph server's store in the workdir")
    parser.add_argument("--step-timeout", type=float, help="seconds, for every step "
                        "(default: scaled with the size)")
    parser.add_argument("--load-runs", type=int, default=1, help="load runs (median reported)")
    parser.add_argument("--duration", type=float, default=15, help="seconds of each wrk run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of wrk warm-up")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--heavy-duration", type=float, default=10,
                        help="seconds of each heavy query's 1-connection wrk run")
    parser.add_argument("--query-timeout", type=float, default=300,
                        help="seconds a single SPARQL/REST request may take (all endpoints)")
    parser.add_argument("--rest-connections", default="8,32")
    parser.add_argument("--rest-pairs", type=int, default=200)
    parser.add_argument("--rest-workers", default="1,2",
                        help="worker processes of the smekg serve runs of the rest step")
    parser.add_argument("--coverage-queries", type=int, default=1000)
    parser.add_argument("--coverage-sparql-queries", type=int, default=20,
                        help="pairs also answered by coverage.rq / coverage.cypher")
    parser.add_argument("--coverage-sparql-budget", type=float, default=120,
                        help="seconds for those straightforward queries (they stop after)")
    parser.add_argument("--coverage-sample", type=int, default=50,
                        help="pairs whose full answers are compared across backends")
    parser.add_argument("--rdflib-max-triples", type=int, default=5_000_000)
    parser.add_argument("--rdflib-endpoint-max-triples", type=int, default=5_000_000)
    parser.add_argument("--rdflib-coverage-max-orgs", type=int, default=10_000)
    parser.add_argument("--rdflib-coverage-queries", type=int, default=10)
    parser.add_argument("--rdflib-heavy-max-seconds", type=float, default=60)
    parser.add_argument("--web-requests", type=int, default=20,
                        help="timed requests to each web page (after the warm-up)")
    parser.add_argument("--web-warmup", type=int, default=3,
                        help="untimed requests to each web page after its first one")
    parser.add_argument("--web-budget", type=float, default=30,
                        help="seconds per web page after which no new timed request is sent "
                        "(at least 3 are)")
    parser.add_argument("--web-graph-depth", type=int, default=3,
                        help="depth of the network graph page measured")
    parser.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI",
                                                              "bolt://127.0.0.1:7687"))
    parser.add_argument("--no-neo4j", action="store_true", help="skip the Neo4j step")
    parser.add_argument("--keep-neo4j-sync", action="store_true",
                        help="keep the previous Neo4j sync figures of a size when Neo4j still "
                        "holds exactly its store's sources (reruns the coverage on Neo4j only)")
    parser.add_argument("--no-neo4j-bulk", action="store_true",
                        help="skip the bulk import (neo4j-admin) in the Neo4j step")
    parser.add_argument("--bulk-heap", default="2g",
                        help="heap of the bulk import's own Neo4j server")
    parser.add_argument("--bulk-pagecache", default="2g",
                        help="page cache of the bulk import's own Neo4j server")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--per-row", type=int, default=10000,
                        help="rows written with one MERGE per row (and batched) for comparison")
    args = parser.parse_args(argv)
    args.only_given = args.only is not None
    args.only = [s.strip() for s in (args.only or ",".join(STEPS)).split(",") if s.strip()]
    unknown = sorted(set(args.only) - set(STEPS))
    if unknown:
        parser.error(f"unknown steps {unknown}; choose from {STEPS}")
    args.only = [s for s in STEPS if s in args.only]
    args.rest_connections = [int(c) for c in args.rest_connections.split(",")]
    args.rest_workers = [int(w) for w in args.rest_workers.split(",")]
    args.command = args.command or " ".join(["benchmarks/suite.py", *(argv or sys.argv[1:])])
    args.workdir = args.workdir.resolve()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if not shutil.which("wrk") and {"sparql", "rest"} & set(args.only):
        parser.error("wrk not found (apt-get install -y wrk; benchmarks/run does it)")

    def terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    from report import write_report

    failures: list[str] = []
    started = time.perf_counter()
    try:
        machine_info = machine()
        with contextlib.suppress(Exception):
            machine_info["neo4j_server"] = neo4j_version(args.neo4j_uri)
        for label, orgs in sizes:
            say(f"=== {label}: {orgs:,} organisations (workdir {args.workdir / label})")
            failures += run_size(label, orgs, args, machine_info)
            write_report(args.results, args.report)
    except KeyboardInterrupt as interrupt:
        stop_all_servers()
        write_report(args.results, args.report)
        say(f"interrupted ({interrupt or 'Ctrl-C'}): servers stopped; the steps done so far "
            f"are in {args.results}")
        return 130
    finally:
        stop_all_servers()
    write_report(args.results, args.report)
    say(f"done in {time.perf_counter() - started:.0f} s; results in {args.results}, "
        f"report {args.report}")
    for failure in failures:
        say(f"FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

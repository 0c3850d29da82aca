"""Render benchmarks/RESULTS.md from the results files (benchmarks/results/<size>.json).

    .venv/bin/python benchmarks/report.py [--results DIR] [--out FILE]

benchmarks/suite.py calls this after every size; running it alone re-renders.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
GIB = 1024  # MiB
STEP_NAMES = ("load", "bulk", "rdflib", "coverage", "neo4j", "sparql", "rest", "web")

TARGETS = {
    "load": "1M organisations loaded end to end (CSV → validated → embedded store) in "
            "≤ 200 s within 6 GiB (issue 21)",
    "coverage": "on the embedded store at 1M organisations: p50 ≤ 2 ms (issue 21; issue 6's "
                "was 5 ms) and p99 ≤ 20 ms",
    "sparql_simple": "`/sparql` at least 3× rdflib-endpoint's requests/s on the simple mix",
    "sparql_heavy": "on each heavy query, `/sparql`'s latency (p50) within 10% of "
                    "oxigraph serve's",
    "rest": "`/coverage` ≥ 1,500 requests/s at 100k organisations and ≥ 500 at 1M (issue "
            "21; ≥ 500 at the other sizes, issue 6's)",
    "web": "the web app at 100k organisations: each page's HTML in < 200 ms (p50) and the "
           "NUTS-3 map data in < 500 ms (p50)",
    "neo4j": "≥ 100k rows/s into an empty database (nodes and relationships, from the store: "
             "the projection included)",
}
NEO4J_TARGET_ROWS_PER_S = 100_000


def _num(value: object, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def _status(entry: object) -> str | None:
    """The 'failed: ...' / 'not run: ...' of a results entry, if it has one."""
    if not isinstance(entry, dict):
        return "not run: not measured yet"
    status = entry.get("status")
    return str(status).replace("|", "\\|").replace("\n", " ") if status else None


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c).replace("\n", " ") for c in cells) + " |"


def _table(header: list[str]) -> list[str]:
    return [_row(*header), "|" + "|".join("---" for _ in header) + "|"]


def _verdict(ok: bool | None, detail: str = "") -> str:
    if ok is None:
        return detail or "n/a"
    word = "**PASS**" if ok else "**MISS**"
    return f"{word} {detail}".strip()


def _at_1m(result: dict) -> bool:
    return result.get("organisations") == 1_000_000


def _mib(value: object) -> str:
    return _num(value, 0)


def _load(results: list[dict]) -> list[str]:
    lines = ["## Load: CSV → validated → embedded store", "",
             f"Target: {TARGETS['load']}.", "",
             "Each method loads the same statements: smekg from the CSV tables (read, row "
             "checks, mapping to RDF, SHACL validation, write; the ontology and reference "
             "classifications first), the others from the store exported by `smekg export`. "
             "Seconds are wall time of the load (whole processes for smekg); peak RSS is that "
             "of the process (`os.wait4` rusage).", ""]
    lines += _table(["size", "method", "statements", "seconds", "statements/s",
                     "peak RSS MiB", "target"])
    for result in results:
        size = result["size"]
        load = result.get("load")
        status = _status(load)
        if status:
            lines.append(_row(size, "smekg load + load-file", status, "", "", "", ""))
        else:
            median = load["median"]
            ref, tables = median["reference"], median["tables"]
            lines.append(_row(size, "`smekg load --reference-only` (ontology, reference data)",
                              _num(ref["quads"]), _num(ref["seconds"], 1),
                              _num(ref["quads"] / ref["seconds"]), _mib(ref["peak_rss_mib"]),
                              ""))
            lines.append(_row(size, "`smekg load-file` of the CSV tables", _num(tables["quads"]),
                              _num(tables["seconds"], 1), _num(tables["quads_per_s"]),
                              _mib(tables["peak_rss_mib"]), ""))
            if _at_1m(result):
                ok = median["seconds"] <= 200 and median["peak_rss_mib"] <= 6 * GIB
                verdict = _verdict(ok, f"({median['seconds']:.0f} s, "
                                       f"{median['peak_rss_mib'] / GIB:.1f} GiB)")
            else:
                verdict = "n/a (target at 1M)"
            runs = f" (median of {load['runs']})" if load["runs"] > 1 else ""
            lines.append(_row(size, f"**smekg end to end**{runs}", _num(median["quads"]),
                              _num(median["seconds"], 1), _num(median["quads_per_s"]),
                              _mib(median["peak_rss_mib"]), verdict))
        bulk = result.get("bulk")
        status = _status(bulk)
        if status:
            lines.append(_row(size, "pyoxigraph `bulk_load`", status, "", "", "", ""))
        else:
            for fmt, name in (("nt", "N-Triples"), ("nq", "N-Quads")):
                entry = bulk.get(fmt, {})
                status = _status(entry)
                label = f"pyoxigraph `Store.bulk_load` of the {name} export"
                if status:
                    lines.append(_row(size, label, status, "", "", "", ""))
                else:
                    lines.append(_row(size, label, _num(entry["quads"]), _num(entry["seconds"], 1),
                                      _num(entry["triples_per_s"]), _mib(entry["peak_rss_mib"]),
                                      ""))
        rdflib = result.get("rdflib")
        status = _status(rdflib)
        label = "rdflib `Graph().parse` of the N-Triples export"
        if status:
            lines.append(_row(size, label, status, "", "", "", ""))
        else:
            lines.append(_row(size, label, _num(rdflib["triples"]), _num(rdflib["seconds"], 1),
                              _num(rdflib["triples_per_s"]), _mib(rdflib["peak_rss_mib"]), ""))
        if isinstance(bulk, dict) and "export" in bulk:
            for fmt, name in (("nt", "N-Triples"), ("nq", "N-Quads")):
                entry = bulk["export"].get(fmt)
                if entry:
                    method = entry.get("method") or f"smekg export --format {fmt}"
                    lines.append(_row(size, f"(export to {name}, {entry['bytes'] / 2**20:,.0f}"
                                            f" MiB: {method})",
                                      _num(entry["statements"]), _num(entry["seconds"], 1),
                                      _num(entry["statements"] / entry["seconds"]),
                                      _mib(entry["peak_rss_mib"]), ""))
    notes = []
    for result in results:
        load = result.get("load")
        if _status(load):
            continue
        sources = [s for part in ("reference", "tables")
                   for s in load["median"][part].get("sources", [])]
        if sources:
            notes.append(f"- {result['size']}: " + ", ".join(
                f"{s['source']} {s['triples']:,} in {s['seconds']:.1f} s" for s in sources))
    if notes:
        lines += ["", "Per source, as `smekg load` reports it (triples, seconds):", "", *notes]
    stages = []
    for result in results:
        load = result.get("load")
        found = {} if _status(load) else load["median"]["tables"].get("stages") or {}
        if found:
            stages.append(f"- {result['size']}: " + ", ".join(
                f"{name} {seconds:.1f}" for name, seconds in found["seconds"].items()))
    if stages:
        lines += ["", "Seconds by stage of `smekg load-file --timings` (map, validate and spool "
                  "summed over the processes that share them: the loading one and its forked "
                  "workers, one per core):", "", *stages]
    return [*lines, ""]


def _coverage(results: list[dict]) -> list[str]:
    lines = ["## Coverage query", "",
             f"Target: {TARGETS['coverage']}.", "",
             "`smekg coverage` is `QueryService.coverage` (the API's path: parameter checks, "
             "the coverage index, the count and the first page with its explanations: "
             "the default page, 100 results until 2026-12-06, 20 since) on random "
             "(NUTS-3 region, NACE sector at a random level, a third without a sector) "
             "pairs after 50 warm-up queries; the index is built first "
             "(its time is the `index build` column). The straightforward formulation is "
             "`queries/coverage.rq` (on pyoxigraph and on rdflib's SPARQL engine, parameters "
             "bound with `substitutions` / `initBindings`) and `queries/coverage.cypher` on "
             "Neo4j, timed on the first pairs. Every answer is checked against the embedded "
             "store's.", ""]
    lines += _table(["size", "method", "queries", "p50 ms", "p99 ms", "max ms",
                     "index build s", "peak RSS MiB", "same answers", "target"])
    for result in results:
        size = result["size"]
        coverage = result.get("coverage")
        status = _status(coverage)
        if status:
            lines.append(_row(size, "coverage", status, "", "", "", "", "", "", ""))
        else:
            embedded = coverage["embedded"]
            if _at_1m(result):
                ok = embedded["p50_ms"] <= 2 and embedded["p99_ms"] <= 20
                verdict = _verdict(ok)
            else:
                verdict = "n/a (target at 1M)"
            lines.append(_row(size, f"**smekg coverage, embedded store** (pages of "
                                    f"{embedded.get('page', 100)})", embedded["queries"],
                              _num(embedded["p50_ms"], 2), _num(embedded["p99_ms"], 2),
                              _num(embedded["max_ms"], 2), _num(embedded["index_seconds"], 1),
                              _mib(embedded["peak_rss_mib"]), "(the reference)", verdict))
            kept = embedded.get("kept")
            if kept:
                opened = kept.get("load_index_seconds")
                how = (f"opened in {opened * 1000:.0f} ms over mapped files; "
                       if opened is not None else "opened over mapped files; ")
                lines.append(_row(size, f"smekg coverage, the index kept beside the store "
                                        f"({how}written in {kept['save_seconds']:.0f} s)",
                                  kept["queries"], _num(kept["p50_ms"], 2),
                                  _num(kept["p99_ms"], 2), _num(kept["max_ms"], 2), "", "",
                                  _same(kept["same_counts"], kept["queries"]), ""))
            reference = embedded["straightforward"]
            lines.append(_row(size, "`coverage.rq` on pyoxigraph" + _stopped(reference),
                              reference["queries"],
                              _num(reference["p50_ms"], 1), _num(reference["p99_ms"], 1),
                              _num(reference["max_ms"], 1), "", "(same process)",
                              _same(reference["identical"], reference["queries"]), ""))
            rdflib = coverage.get("rdflib")
            status = _status(rdflib)
            if status:
                lines.append(_row(size, "`coverage.rq` on rdflib", status, "", "", "", "", "",
                                  "", ""))
            else:
                lines.append(_row(size, f"`coverage.rq` on rdflib (after a "
                                        f"{rdflib['parse_seconds']:.0f} s parse)",
                                  rdflib["queries"], _num(rdflib["p50_ms"], 0),
                                  _num(rdflib["p99_ms"], 0), _num(rdflib["max_ms"], 0), "",
                                  _mib(rdflib["peak_rss_mib"]),
                                  _same(rdflib["identical"], rdflib["queries"]), ""))
        neo4j = result.get("neo4j")
        status = _status(neo4j) or _status((neo4j or {}).get("coverage"))
        if status:
            lines.append(_row(size, "smekg coverage, Neo4j", status, "", "", "", "", "", "",
                              ""))
            continue
        on_neo4j = neo4j["coverage"]
        same = on_neo4j.get("same_as_embedded")
        if same:
            detail = (f"{'yes' if same['identical'] else 'NO'} ({same['pairs']:,} counts, "
                      f"{same['sample']} full answers)")
        else:
            detail = "not compared (no embedded run)"
        lines.append(_row(size, "smekg coverage, Neo4j backend", on_neo4j["queries"],
                          _num(on_neo4j["p50_ms"], 2), _num(on_neo4j["p99_ms"], 2),
                          _num(on_neo4j["max_ms"], 2), _num(on_neo4j["index_seconds"], 1),
                          f"{_mib(on_neo4j['peak_rss_mib'])} (client)", detail, ""))
        reference = on_neo4j["straightforward"]
        lines.append(_row(size, "`coverage.cypher` on Neo4j" + _stopped(reference),
                          reference["queries"],
                          _num(reference["p50_ms"], 1), _num(reference["p99_ms"], 1),
                          _num(reference["max_ms"], 1), "", "(same process)",
                          _same(reference["identical"], reference["queries"],
                                "as the Neo4j index"), ""))
    return [*lines, ""]


def _stopped(reference: dict) -> str:
    stopped = reference.get("stopped")
    return f" (stopped: {stopped})".replace("|", "\\|") if stopped else ""


def _same(identical: bool, pairs: int, what: str = "") -> str:
    return f"{'yes' if identical else 'NO'} ({pairs} pairs{', ' + what if what else ''})"


ENDPOINTS = {"smekg": "smekg `serve` /sparql", "oxigraph": "`oxigraph serve-read-only`",
             "rdflib-endpoint": "rdflib-endpoint"}


def _sparql(results: list[dict]) -> list[str]:
    lines = ["## SPARQL endpoint", "",
             f"Targets: {TARGETS['sparql_simple']}; {TARGETS['sparql_heavy']}.", ""]
    described = next((r["sparql"] for r in results if isinstance(r.get("sparql"), dict)
                      and "mix" in r["sparql"]), None)
    if described:
        settings = described["settings"]
        lines += [
            "The same quads (the store's N-Quads export) in each server; every query reads "
            "the default graph as the union of the source graphs (smekg's /sparql does so "
            "by itself, `oxigraph serve-read-only --union-default-graph`, rdflib-endpoint's "
            "`Dataset(default_union=True)`). One load client for all: wrk with "
            "benchmarks/wrk_mix.lua (GET `?query=`, `Accept: application/sparql-results+json`"
            f"), {settings['connections']} connections, {settings['threads']} threads, "
            f"{settings['duration_s']:g} s after a {settings['warmup_s']:g} s warm-up, "
            "rotating over the simple mix; each heavy query alone on 1 connection for "
            f"{settings['heavy_duration_s']:g} s (longer when one request takes more than "
            f"a third of that). Client timeout {settings['query_timeout_s']:g} s, smekg's "
            "`SMEKG_SPARQL_TIMEOUT` the same; oxigraph serve runs without `--timeout-s` (in "
            "0.5 it starts a thread per query that sleeps for the timeout: under the simple "
            "mix they exhausted the process's memory maps and the server died). Before the "
            "load, each query is sent once to each endpoint "
            "and the answers compared (all rows for exact queries, the row count for "
            "LIMIT queries without an order). Peak RSS: the sum of VmHWM over the "
            "server's process tree (smekg: uvicorn and its SPARQL worker processes), read "
            "just before it is stopped.", "",
            "Simple mix: " + "; ".join(described["mix"]["simple"]) + ".", "",
            "Heavy queries: " + "; ".join(f"{name}: `{described['mix']['queries'][name]}`"
                                          for name in described["mix"]["heavy"]) + ".", "",
        ]
    lines += ["### Simple dashboard mix", ""]
    lines += _table(["size", "endpoint", "requests/s", "p50 ms", "p99 ms", "requests",
                     "non-2xx", "socket errors", "load + start s", "peak RSS MiB", "target"])
    heavy_rows: list[str] = []
    answer_rows: list[str] = []
    for result in results:
        size = result["size"]
        sparql = result.get("sparql")
        status = _status(sparql)
        if status:
            lines.append(_row(size, "all", status, *[""] * 8))
            continue
        endpoints = sparql["endpoints"]
        rdflib_rps = _rps(endpoints.get("rdflib-endpoint"))
        for key, label in ENDPOINTS.items():
            entry = endpoints.get(key)
            status = _status(entry) or _status((entry or {}).get("simple"))
            if status:
                lines.append(_row(size, label, status, *[""] * 8))
                continue
            simple = entry["simple"]
            ready = entry["ready_seconds"] + entry.get("load", {}).get("seconds", 0)
            verdict = ""
            if key == "smekg":
                if rdflib_rps:
                    ratio = simple["requests_per_s"] / rdflib_rps
                    verdict = _verdict(ratio >= 3, f"({ratio:.1f}× rdflib-endpoint)")
                else:
                    verdict = "n/a (rdflib-endpoint not run)"
            lines.append(_row(size, label, _num(simple["requests_per_s"], 0),
                              _num(simple["p50_ms"], 1), _num(simple["p99_ms"], 1),
                              _num(simple["requests"]), simple["non_2xx"],
                              simple["socket_errors"], _num(ready, 1),
                              _mib(entry.get("memory", {}).get("peak_rss_mib")), verdict))
        oxigraph = endpoints.get("oxigraph", {})
        for name in sparql["mix"]["heavy"]:
            for key, label in ENDPOINTS.items():
                entry = endpoints.get(key)
                if _status(entry):
                    continue
                heavy = entry.get("heavy", {}).get(name)
                status = _status(heavy)
                if status:
                    heavy_rows.append(_row(size, name, label, status, "", "", ""))
                    continue
                verdict = ""
                reference = (oxigraph.get("heavy") or {}).get(name)
                if key == "smekg":
                    if reference and not _status(reference):
                        excess = heavy["p50_ms"] / reference["p50_ms"] - 1
                        verdict = _verdict(excess <= 0.10, f"({excess:+.0%} vs oxigraph)")
                    else:
                        verdict = "n/a (oxigraph serve not measured)"
                heavy_rows.append(_row(size, name, label, _num(heavy["requests"]),
                                       _num(heavy["p50_ms"], 1), _num(heavy["p99_ms"], 1),
                                       verdict))
        answers = sparql.get("answers", {})
        differences = "; ".join(f"{d['query']}: {d['rows']}" for d in answers.get("differences",
                                                                                   []))
        answer_rows.append(_row(size, ", ".join(answers.get("endpoints", [])),
                                answers.get("queries"),
                                "yes" if answers.get("identical") else "NO",
                                differences or "–"))
    lines += ["", "### Heavy queries (1 connection)", ""]
    lines += _table(["size", "query", "endpoint", "requests", "p50 ms", "p99 ms", "target"])
    lines += heavy_rows
    lines += ["", "### Same answers on every endpoint", ""]
    lines += _table(["size", "endpoints", "queries", "identical", "differences (rows)"])
    lines += answer_rows
    return [*lines, ""]


def _rps(entry: object) -> float | None:
    if _status(entry) or _status(entry.get("simple")):
        return None
    return entry["simple"]["requests_per_s"]


REST_TARGETS = {"100k": 1_500, "1M": 500}
"""Requests/s of ``/coverage`` each size must reach (500 where not named)."""


def _rest(results: list[dict]) -> list[str]:
    lines = ["## REST API: `/coverage`", "", f"Target: {TARGETS['rest']}.", "",
             "`smekg serve --workers W` answering `GET /coverage?region=R&sector=S` "
             "(`Accept: application/json`, the default first page: 100 results until "
             "2026-12-06, 20 since, the `page` column) for a rotating list of "
             "pairs drawn from the data (those of the coverage step), driven by the same "
             "wrk script, after one request to each pair (all must answer 200) and a "
             "warm-up run. 'ready s' is from the start of `smekg serve` until `/health` "
             "answers (building the index, or reading it from beside the store: 'kept' when "
             "its file was there at the start, 'built' when not); "
             "'first request s' the first `/coverage` answer after that. 'peak RSS' sums "
             "the peak RSS of the server's processes (a page mapped by two workers, as the "
             "kept index is, counts twice); 'PSS' is their proportional set size after the "
             "runs (a shared page counted once in all; – where not measured).", ""]
    lines += _table(["size", "workers", "page", "connections", "requests/s", "p50 ms",
                     "p99 ms",
                     "requests", "non-2xx", "socket errors", "ready s (kept)",
                     "first request s", "peak RSS MiB", "PSS MiB", "target"])
    for result in results:
        size = result["size"]
        rest = result.get("rest")
        status = _status(rest)
        if status:
            lines.append(_row(size, status, *[""] * 13))
            continue
        servers = {entry["workers"]: entry for entry in rest.get("by_workers", [])}
        for run in rest["runs"]:
            ok = run["requests_per_s"] >= REST_TARGETS.get(size, 500) and run[
                "non_2xx"] == 0 and not run["socket_errors"]
            server = servers.get(run.get("workers"), rest)
            ready = server.get("ready_seconds")
            kept = {True: " (kept)", False: " (built)"}.get(server.get("index_kept_at_start"),
                                                          "")
            lines.append(_row(size, run.get("workers", 1), rest.get("page", 100),
                              run["connections"],
                              _num(run["requests_per_s"], 0), _num(run["p50_ms"], 1),
                              _num(run["p99_ms"], 1), _num(run["requests"]), run["non_2xx"],
                              run["socket_errors"],
                              f"{_num(ready, 1)}{kept}" if ready is not None else "–",
                              _num(server["first_request"]["seconds"], 2),
                              _mib(server.get("memory", {}).get("peak_rss_mib")),
                              _mib(server.get("memory", {}).get("pss_now_mib")),
                              _verdict(ok)))
    return [*lines, ""]


def _kib(value: object) -> str:
    return "–" if value is None else f"{value / 1024:,.0f}"


def _web(results: list[dict]) -> list[str]:
    lines = ["## Web app", "", f"Target: {TARGETS['web']}.", "",
             "benchmarks/web_pages.py against `smekg serve` (defaults) on the size's store: "
             "entities of the data are picked through the REST API first (the largest "
             "country: most organisations located in it, among those with NUTS regions; its "
             "NUTS-2 region with the most providers, as `/coverage` counts them, and that "
             "region's NUTS-3 region with the most; the NACE section with the most "
             "providers there; the network with the most members at every depth; the "
             "organisation among its members in the most networks; a programme, a good "
             "practice of the country and a policy), then each URL is asked "
             "one request at a time as a browser asks it (a new connection each, "
             "`Accept-Encoding: gzip`): a first request (`first ms`: caches may be cold), "
             "warm-up requests, then the timed ones (fewer when they take longer than the "
             "budget, at least 3). Times are to the full response on loopback; `KiB` is "
             "the decoded response (on the wire, gzip where the server compresses, in "
             "brackets). HTML pages are held to 200 ms, the NUTS-3 map data to 500 ms, "
             "other data (suggestions, shapes) to none. A page that answers 404 is "
             "reported missing (not written yet when measured), any other error as "
             "failed.", ""]
    measured = [r for r in results if isinstance(r.get("web"), dict)]
    if not measured:
        return [*lines, "Not measured yet: `benchmarks/run --sizes 100k --only web`.", ""]
    rows: list[str] = []
    for result in measured:
        size, web = result["size"], result["web"]
        status = _status(web)
        when = web.get("measured", {})
        info = ((result.get("run") or {}).get("machine") or {})
        data = result.get("data", {})
        lines.append(
            f"- {size}: `{web.get('command', '')}` ({when.get('date', '?')}, commit "
            f"{str(when.get('commit', ''))[:10]}{' dirty' if when.get('dirty') else ''}); "
            f"{_num(result.get('organisations'))} organisations, "
            f"{_num((web.get('store') or data).get('quads'))} quads in the store; "
            f"{info.get('cpu', '?')}, {info.get('cores', '?')} cores, "
            f"{info.get('ram_gib', '?')} GiB; other work on the machine "
            f"{when.get('other_cpu_cores', '–')} cores on average"
            + (f"; server ready in {web['ready_seconds']:.1f} s, peak RSS "
               f"{_mib(web.get('memory', {}).get('peak_rss_mib'))} MiB"
               if "ready_seconds" in web else "") + ".")
        if status:
            rows.append(_row(size, status, *[""] * 8))
            continue
        chosen = web.get("chosen", {})
        picked = [f"{key.replace('_', ' ')} `{entity['key']}` ({entity.get('label')}"
                  + "".join(f", {name.replace('_', ' ')} {_num(value)}"
                            for name, value in entity.items()
                            if isinstance(value, int) and name != "level") + ")"
                  for key, entity in chosen.items() if isinstance(entity, dict)]
        if picked:
            kept = ", in an earlier run on the same store" if chosen.get("kept") else ""
            lines.append(f"  Picked ({_num(chosen.get('seconds'), 1)} s{kept}): "
                         + "; ".join(picked) + ".")
        for page in web["pages"]:
            name = f"{page['name']} `{page['path']}`".replace("|", "\\|")
            status = _status(page)
            if status:
                rows.append(_row(size, name, status, "", "", "", "", "", ""))
                continue
            target = page.get("target_ms")
            if target is None:
                verdict = "(no target)"
            else:
                verdict = _verdict(page.get("pass"), f"(< {target:g} ms)")
            errors = f", {page['non_200']} not 200" if page.get("non_200") else ""
            rows.append(_row(size, name, f"{page['requests']}{errors}",
                             _num(page["p50_ms"], 1), _num(page["p95_ms"], 1),
                             _num(page["max_ms"], 1), _num(page["first_ms"], 0),
                             f"{_kib(page.get('bytes'))} ({_kib(page.get('wire_bytes'))})",
                             verdict))
    lines += ["", *_table(["size", "page", "requests", "p50 ms", "p95 ms", "max ms",
                           "first ms", "KiB (wire)", "target"]), *rows]
    return [*lines, ""]


def _rows_verdict(rows_per_s: float) -> str:
    return _verdict(rows_per_s >= NEO4J_TARGET_ROWS_PER_S,
                    f"(≥ {NEO4J_TARGET_ROWS_PER_S // 1000}k rows/s)")


def _neo4j_bulk(size: str, bulk: dict | None) -> list[str]:
    status = _status(bulk)
    if status or bulk is None:
        return [_row(size, "bulk import (`smekg sync neo4j --bulk`)", status, "", "", "", "",
                     "")]
    phases = bulk["phases"]
    names = {"csv": "CSV", "import": "neo4j-admin", "start": "start",
             "schema": "constraints and indexes", "records": "sync records"}
    detail = ", ".join(f"{names.get(name, name)} {seconds:.1f} s"
                       for name, seconds in phases.items())
    same = bulk.get("same_counts_as_incremental")
    check = ("; the same node and relationship counts as the incremental sync" if same
             else "; NOT the incremental sync's counts" if same is False else "")
    kept = " (kept from an earlier run)" if "kept" in bulk else ""
    neo4j_seconds = sum(seconds for name, seconds in phases.items() if name != "csv")
    return [
        _row(size, f"**bulk import** (`smekg sync neo4j --bulk`: {detail}){check}{kept}",
             _num(bulk["rows"]), _num(bulk["seconds"], 1), _num(bulk["rows_per_s"]),
             _mib(bulk.get("peak_rss_mib")),
             _mib((bulk.get("server") or {}).get("memory", {}).get("peak_rss_mib")),
             _rows_verdict(bulk["rows_per_s"])),
        _row(size, "bulk import, Neo4j's part only (neo4j-admin, start, constraints, "
             "records; not the CSV)", _num(bulk["rows"]), _num(neo4j_seconds, 1),
             _num(bulk["neo4j_side_rows_per_s"]), "", "", ""),
    ]


def _neo4j(results: list[dict]) -> list[str]:
    lines = ["## Neo4j sync", "",
             f"Target: {TARGETS['neo4j']}.", "",
             "benchmarks/neo4j_sync.py: the Neo4j database is wiped, every source of the "
             "store is synced with batched `UNWIND` (projection from the store included), "
             "then the first rows of the largest source are written once with one `MERGE` "
             "per row and once batched, each in a transaction rolled back. The **bulk "
             "import** writes the same store into an empty database of a Neo4j home of its "
             "own: the projection as CSV, `neo4j-admin database import`, the server's start, "
             "its constraints and indexes (filled) and the sync's records, all timed. Rows "
             "are nodes and relationships, counted per source as the incremental sync "
             "counts them. Peak RSS is the client's (for the bulk import, its largest "
             "process, neo4j-admin included); the Neo4j server's is its VmHWM since it "
             "started.", ""]
    lines += _table(["size", "method", "rows", "seconds", "rows/s", "client peak RSS MiB",
                     "Neo4j server peak RSS MiB", "target"])
    for result in results:
        size = result["size"]
        neo4j = result.get("neo4j")
        status = _status(neo4j) or _status((neo4j or {}).get("sync"))
        if status:
            lines.append(_row(size, status, "", "", "", "", "", ""))
            continue
        sync = neo4j["sync"]
        # a kept sync (--keep-neo4j-sync) carries the server it was measured on
        server = _mib((sync.get("server") or neo4j.get("server") or {}).get(
            "memory", {}).get("peak_rss_mib"))
        full = sync["full_sync"]
        kept = " (kept from an earlier run: Neo4j still held these sources)" \
            if "kept" in sync else ""
        lines.append(_row(size, "**incremental sync** into an empty database, `UNWIND` "
                          f"batches of {sync['batch_size']:,}{kept}",
                          _num(full["rows"]), _num(full["seconds"], 1),
                          _num(full["rows_per_s"]), _mib(sync["peak_rss_mib"]), server,
                          _rows_verdict(full["rows_per_s"])))
        if "bulk" in neo4j:  # results from before the bulk import have none
            lines += _neo4j_bulk(size, neo4j["bulk"])
        prefix = sync["prefix"]
        for key, label in (("per_row_merge", "one `MERGE` per row"),
                           ("unwind", f"`UNWIND` batches of {sync['batch_size']:,}")):
            entry = prefix[key]
            lines.append(_row(size, f"{label}, first rows of {prefix['source']} (rolled back)",
                              _num(prefix["rows"]), _num(entry["seconds"], 2),
                              _num(entry["rows_per_s"]), "", "", ""))
    return [*lines, ""]


def _memory(results: list[dict]) -> list[str]:
    def pick(result: dict, *path: str) -> object:
        node: object = result
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    rows = [
        ("smekg generate", ("data", "generate_peak_rss_mib")),
        ("smekg load --reference-only", ("load", "median", "reference", "peak_rss_mib")),
        ("smekg load-file (CSV tables)", ("load", "median", "tables", "peak_rss_mib")),
        ("export nt", ("bulk", "export", "nt", "peak_rss_mib")),
        ("export nq (smekg export)", ("bulk", "export", "nq", "peak_rss_mib")),
        ("pyoxigraph bulk_load nt", ("bulk", "nt", "peak_rss_mib")),
        ("pyoxigraph bulk_load nq", ("bulk", "nq", "peak_rss_mib")),
        ("rdflib parse nt", ("rdflib", "peak_rss_mib")),
        ("coverage, embedded (+ coverage.rq)", ("coverage", "embedded", "peak_rss_mib")),
        ("coverage.rq on rdflib", ("coverage", "rdflib", "peak_rss_mib")),
        ("Neo4j sync (client)", ("neo4j", "sync", "peak_rss_mib")),
        ("coverage on Neo4j (client)", ("neo4j", "coverage", "peak_rss_mib")),
        ("Neo4j server (since its start)", ("neo4j", "server", "memory", "peak_rss_mib")),
        ("smekg serve, /sparql test (all processes)",
         ("sparql", "endpoints", "smekg", "memory", "peak_rss_mib")),
        ("oxigraph load", ("sparql", "endpoints", "oxigraph", "load", "peak_rss_mib")),
        ("oxigraph serve-read-only",
         ("sparql", "endpoints", "oxigraph", "memory", "peak_rss_mib")),
        ("rdflib-endpoint", ("sparql", "endpoints", "rdflib-endpoint", "memory",
                             "peak_rss_mib")),
        ("smekg serve, /coverage test (all processes)", ("rest", "memory", "peak_rss_mib")),
        ("smekg serve, web pages (all processes)", ("web", "memory", "peak_rss_mib")),
    ]
    lines = ["## Peak memory of each step (MiB)", "",
             "Peak RSS of the step's process (rusage of the child); for servers, the sum of "
             "VmHWM over the server's processes.", ""]
    lines += _table(["step", *[r["size"] for r in results]])
    for label, path in rows:
        lines.append(_row(label, *[_mib(pick(r, *path)) for r in results]))
    return [*lines, ""]


def _header(results: list[dict]) -> list[str]:
    latest = max(results, key=lambda r: r.get("run", {}).get("date", ""))
    run = latest.get("run", {})
    info = run.get("machine", {})
    packages = ", ".join(f"{name} {version}" for name, version in
                         info.get("packages", {}).items() if version)
    lines = ["# smekg benchmark results", "",
             "Rendered by benchmarks/report.py from benchmarks/results/*.json, which "
             "`benchmarks/run` writes (see docs/performance.md, \"Benchmarks\"); every figure of a "
             "size is measured in the same run, side by side, on the data of "
             "`smekg generate --orgs N --seed 42`. Latencies are medians (p50) and 99th "
             "percentiles (p99).", "",
             "## Machine", ""]
    lines += _table(["", ""])
    for label, value in (
        ("CPU", info.get("cpu")), ("cores", info.get("cores")),
        ("RAM", f"{info.get('ram_gib')} GiB"), ("kernel", info.get("kernel")),
        ("OS", info.get("os")), ("Python", info.get("python")), ("packages", packages),
        ("Neo4j server", info.get("neo4j_server", "–")), ("load client", info.get("wrk")),
    ):
        lines.append(_row(label, value))
    lines += ["", "## Runs and data", ""]
    lines += _table(["size", "organisations", "CSV MiB", "quads in the store",
                     "distinct triples", "store on disk MiB", "commit", "date", "command"])
    for result in results:
        data = result.get("data", {})
        run = result.get("run", {})
        commit = (run.get("commit") or "")[:10] + (" (dirty)" if run.get("dirty") else "")
        lines.append(_row(result["size"], _num(result.get("organisations")),
                          _num((data.get("csv_bytes") or 0) / 2**20, 1),
                          _num(data.get("quads")), _num(data.get("triples")),
                          _num((data.get("store_bytes") or 0) / 2**20, 0), commit,
                          run.get("date", ""), f"`{run.get('command', '')}`"))
    reruns = [f"{r['size']}: `{run['command']}` ({run['date']}, {run['commit'][:10]}"
              f"{' dirty' if run.get('dirty') else ''})"
              for r in results for run in r.get("reruns", [])]
    if reruns:
        lines += ["", "Steps rerun since (their figures replace the run's): "
                  + "; ".join(reruns) + "."]
    partial = [f"{r['size']} {step} ({r[step]['measured']['date']}, "
               f"{r[step]['measured']['commit'][:10]})"
               for r in results for step in STEP_NAMES
               if isinstance(r.get(step), dict) and "measured" in r[step]
               and r[step]["measured"]["commit"] != r.get("run", {}).get("commit")]
    if partial:
        lines += ["", "Steps measured at another commit than the one their size's run started "
                  "at (the checkout changed during the run, or the step was rerun): "
                  + "; ".join(partial) + "."]
    steps = STEP_NAMES
    lines += ["", "Other work on the machine: the cores used on average, during each step, "
              "by processes that are not the suite's (the machine's CPU time less that of the "
              "suite and its children; the Neo4j server counts as other). Anything well above "
              "0 means the step shared the 2 cores, and its figures are lower than on an idle "
              "machine.", ""]
    lines += _table(["size", *steps])
    for result in results:
        cells = []
        for step in steps:
            entry = result.get(step)
            measured = entry.get("measured", {}) if isinstance(entry, dict) else {}
            cores = measured.get("other_cpu_cores")
            cells.append(f"{cores:.2f}" if cores is not None else "–")
        lines.append(_row(result["size"], *cells))
    return [*lines, ""]


ISSUE_21_BEFORE = {
    "start": "225 s at 1M (the index rebuilt at every start)",
    "rest": "117 (1M), 365 (100k), 464 (10k)",
    "coverage": "6.5 ms at 1M",
    "load": "570 s, 5.6 GiB at 1M",
    "neo4j": "8.7k rows/s at 1M (1,519 s, batched `UNWIND`)",
    "sparql": "0.24× at 10k (787 against 3,270 req/s), 0.48× at 100k (550 against 1,153)",
}
"""Issue 21's "today" column: the figures of the run of 2026-11-22 it was filed from."""


def _by_size(results: list[dict]) -> dict[str, dict]:
    return {result["size"]: result for result in results}


def _start_cell(result: dict | None) -> tuple[str, bool | None]:
    """Seconds from ``smekg serve`` to the first ``/coverage`` answer with the index kept
    beside the store (the REST step's second server: the first keeps it when missing)."""
    rest = (result or {}).get("rest")
    if _status(rest):
        return "not measured", None
    kept = [server for server in rest.get("by_workers", [])
            if server.get("index_kept_at_start") and server.get("ready_seconds") is not None]
    if not kept:
        return "not measured (no server started on a kept index)", None
    # each server started on a kept index; judged by the slowest (the default of
    # `smekg serve` is a worker per core, two here, which start slower than one)
    times = {server.get("workers", 1): server["ready_seconds"]
             + server["first_request"]["seconds"] for server in kept}
    text = "; ".join(f"{seconds:,.1f} s ({workers} worker{'s' if workers > 1 else ''})"
                     for workers, seconds in sorted(times.items()))
    return text, max(times.values()) <= 5


def _rest_cell(result: dict | None, workers: int) -> float | None:
    rest = (result or {}).get("rest")
    if _status(rest):
        return None
    rates = [run["requests_per_s"] for run in rest.get("runs", [])
             if run.get("workers", 1) == workers and run["connections"] == 8]
    return max(rates) if rates else None


def _sparql_ratio(result: dict | None) -> float | None:
    sparql = (result or {}).get("sparql")
    if _status(sparql):
        return None
    smekg, oxigraph = (_rps(sparql["endpoints"].get(key)) for key in ("smekg", "oxigraph"))
    return smekg / oxigraph if smekg and oxigraph else None


def _issue_21(results: list[dict]) -> list[str]:
    """One row per row of issue 21's table: before, now, target, PASS or MISS."""
    sizes = _by_size(results)
    big, mid, small = sizes.get("1M"), sizes.get("100k"), sizes.get("10k")
    rows: list[str] = []
    start, ok = _start_cell(big)
    rows.append(_row("`smekg serve` until the first `/coverage` answer (1M, index kept)",
                     ISSUE_21_BEFORE["start"], start, "≤ 5 s", _verdict(ok)))
    rest_now, rest_ok = [], []
    for label, result, target in (("1M", big, 500), ("100k", mid, 1_500), ("10k", small, None)):
        one, two = _rest_cell(result, 1), _rest_cell(result, 2)
        rest_now.append(f"{label}: {_num(one)} (1 worker), {_num(two)} (2)")
        if target is not None:
            rest_ok.append(two is not None and two >= target)
    rows.append(_row("`/coverage` requests/s (8 connections)", ISSUE_21_BEFORE["rest"],
                     "; ".join(rest_now), "≥ 500 at 1M, ≥ 1,500 at 100k (2 workers)",
                     _verdict(all(rest_ok) if rest_ok else None)))
    coverage = ((big or {}).get("coverage") or {}).get("embedded") or {}
    p50 = None if _status(coverage) else coverage.get("p50_ms")
    rows.append(_row("coverage p50 at 1M (embedded store)", ISSUE_21_BEFORE["coverage"],
                     f"{p50:.2f} ms" if p50 is not None else "not measured", "≤ 2 ms",
                     _verdict(None if p50 is None else p50 <= 2)))
    load = (big or {}).get("load") or {}
    median = None if _status(load) else load.get("median")
    if median:
        rss = median["peak_rss_mib"]
        rows.append(_row("end-to-end load of 1M organisations", ISSUE_21_BEFORE["load"],
                         f"{median['seconds']:,.0f} s, {rss / GIB:.1f} GiB", "≤ 200 s, ≤ 6 GiB",
                         _verdict(median["seconds"] <= 200 and rss <= 6 * GIB)))
    else:
        rows.append(_row("end-to-end load of 1M organisations", ISSUE_21_BEFORE["load"],
                         "not measured", "≤ 200 s, ≤ 6 GiB", "n/a"))
    neo4j_now, neo4j_ok = [], []
    for label, result in (("1M", big), ("100k", mid)):
        bulk = ((result or {}).get("neo4j") or {}).get("bulk")
        if bulk is None or _status(bulk):
            neo4j_now.append(f"{label}: not measured")
            continue
        neo4j_now.append(f"{label}: {bulk['rows_per_s'] / 1000:,.1f}k rows/s "
                         f"({bulk['seconds']:,.0f} s, bulk import)")
        neo4j_ok.append(bulk["rows_per_s"] >= NEO4J_TARGET_ROWS_PER_S)
    rows.append(_row("Neo4j full sync into an empty database", ISSUE_21_BEFORE["neo4j"],
                     "; ".join(neo4j_now), "≥ 100k rows/s",
                     _verdict(all(neo4j_ok) if neo4j_ok else None)))
    sparql_now, sparql_ok = [], []
    for label, result in (("10k", small), ("100k", mid)):
        ratio = _sparql_ratio(result)
        sparql_now.append(f"{label}: " + (f"{ratio:.2f}×" if ratio is not None
                                          else "not measured"))
        if ratio is not None:
            sparql_ok.append(ratio >= 0.8)
    rows.append(_row("`/sparql` simple dashboard mix, requests/s against `oxigraph serve`",
                     ISSUE_21_BEFORE["sparql"], "; ".join(sparql_now),
                     "≥ 0.8× at 10k and 100k", _verdict(all(sparql_ok) if sparql_ok else None)))
    return ["## Issue 21 at a glance", "",
            "Each row of issue 21's table: the figure it was filed with (the run of "
            "2026-11-22), the figure of the runs below, the target, and PASS or MISS. What "
            "limits each MISS is in benchmarks/PROFILES.md.", "",
            *_table(["what", "before (issue 21)", "now", "target", "verdict"]), *rows, ""]


def render(results: list[dict]) -> str:
    results = sorted(results, key=lambda r: r.get("organisations", 0))
    if not results:
        return "# smekg benchmark results\n\nNo results yet: run `benchmarks/run`.\n"
    lines = _header(results)
    lines += ["## Targets (2 cores)", ""]
    lines += [f"- {text}" for text in TARGETS.values()]
    lines += [""]
    lines += _issue_21(results)
    for section in (_load, _coverage, _sparql, _rest, _web, _neo4j, _memory):
        lines += section(results)
    return "\n".join(lines).rstrip() + "\n"


def write_report(results_dir: Path, out: Path) -> None:
    results = [json.loads(path.read_text(encoding="utf-8"))
               for path in sorted(results_dir.glob("*.json"))]
    out.write_text(render(results), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, default=BENCHMARKS / "results")
    parser.add_argument("--out", type=Path, default=BENCHMARKS / "RESULTS.md")
    args = parser.parse_args()
    write_report(args.results, args.out)


if __name__ == "__main__":
    main()

"""Benchmark: the web app's pages (issue 19), over real HTTP, on a generated store.

Run through the suite (``benchmarks/run --sizes 100k --only web``: a ``smekg serve`` on the
size's store, figures in benchmarks/results/<size>.json and RESULTS.md's "Web app"), or
alone::

    .venv/bin/python benchmarks/web_pages.py --store /tmp/smekg-bench/100k/store
    .venv/bin/python benchmarks/web_pages.py --url http://127.0.0.1:8000   # a running server
    .venv/bin/python benchmarks/web_pages.py --store S --profile '/app/networks'

Against a server (started here on ``--store``, or the one at ``--url``) it first picks real
entities of the data through the REST API (:func:`pick`): the largest country (most
organisations located in it, of the 3 served directly by the most, among those with NUTS
regions), its NUTS-2 region with the most providers (``/coverage`` count) and that region's
NUTS-3 region with the most, the NACE section with the most providers there, the network
with the most members at every depth (of those with the most direct members or member
networks), the organisation among its members that belongs to the most networks (of its
first few), a good practice of the country, a programme, a policy and a project (with a
partner in the country, if any). :func:`pages` turns them into one URL per page kind (the
home page, search, every entity page, networks, sources, projects, coverage, gaps,
compare, the map pages and their data, the graph page). Then, one URL after the other,
one request at a time as a browser sends them (gzip accepted, a new connection per
request), it sends a first request (timed apart: caches may be
cold), ``--warmup`` requests that are not counted, and ``--requests`` timed ones (fewer when
they take more than ``--budget`` seconds, at least 3): the time to the full response (p50,
p95, max; the first byte's p50 beside it) and the response's size on the wire and decoded.

Targets (issue 19, on 100k organisations on 2 cores): each page's HTML p50 < 200 ms; the
NUTS-3 map data p50 < 500 ms. A page that answers 404 is reported as missing (it may not
exist yet), any other non-200 as failed, and the run goes on.

``--profile PATH`` (repeatable) profiles URLs in-process instead (pyinstrument, the bench
extra): the app built on ``--store`` as ``smekg serve`` builds it, driven through ASGI by
httpx in one thread (the same routes and middleware, without uvicorn and the network; the
thread pool's work run inline so the profiler sees it), ``--requests`` requests after the
warm-up; it prints the call tree (``--profile-html FILE`` also writes pyinstrument's HTML of
each URL).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import StepFailed  # the benchmarks folder is not a package

HTML_TARGET_MS = 200.0
MAP_DATA_TARGET_MS = 500.0
BROWSER_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
BROWSER_FETCH = "*/*"  # what a page's fetch() sends
USER_AGENT = "smekg-benchmark/web_pages"
MIN_REQUESTS = 3


# -- HTTP ------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float  # to the full response
    first_byte: float  # to the status line and headers
    wire_bytes: int
    body: bytes  # decoded
    content_type: str
    error: str = ""


def fetch(base: str, path: str, *, accept: str = BROWSER_HTML, timeout: float = 60) -> Answer:
    """One GET of ``base + path`` on a new connection, gzip accepted as a browser does."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Accept": accept, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        first_byte = time.perf_counter() - started
        raw = response.read()
        seconds = time.perf_counter() - started
    except (OSError, http.client.HTTPException) as error:
        seconds = time.perf_counter() - started
        return Answer(0, seconds, seconds, 0, b"", "", f"no answer: {error}")
    finally:
        connection.close()
    body = raw
    if (response.getheader("Content-Encoding") or "").lower() == "gzip":
        body = gzip.decompress(raw)
    return Answer(response.status, seconds, first_byte, len(raw), body,
                  response.getheader("Content-Type") or "")


def get_json(base: str, path: str, timeout: float = 300) -> dict:
    answer = fetch(base, path, accept="application/json", timeout=timeout)
    if answer.status != 200:
        raise StepFailed(f"GET {path} answered {answer.status or answer.error}: "
                         f"{answer.body[:200].decode('utf-8', 'replace')}")
    return json.loads(answer.body)


def _all(base: str, path: str, timeout: float) -> list[dict]:
    """Every result of a paged REST list (``limit``/``offset``)."""
    results: list[dict] = []
    separator = "&" if "?" in path else "?"
    while True:
        page = get_json(base, f"{path}{separator}limit=10000&offset={len(results)}", timeout)
        results += page["results"]
        if not page["results"] or len(results) >= page["count"]:
            return results


def _count(base: str, path: str, timeout: float) -> int:
    separator = "&" if "?" in path else "?"
    return get_json(base, f"{path}{separator}limit=1", timeout)["count"]


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _key(entity: dict) -> str:
    """The key of an entity in the app's URLs: its code (``syn-org-00042``, ``DE11``)."""
    return entity.get("code") or entity["iri"].rstrip("/").rsplit("/", 1)[-1]


# -- what to ask -------------------------------------------------------------------------
def pick(base: str, *, timeout: float = 300, candidates: int = 6) -> dict:
    """Real entities of the served data for the pages' URLs, chosen through the REST API
    (see the module's docstring); each with the figure it was chosen by."""
    started = time.perf_counter()
    countries = get_json(base, "/countries?limit=10000", timeout)["results"]
    ranked = sorted(countries, key=lambda c: (-c["served_by"], c["code"] or ""))
    best: tuple[int, dict] | None = None
    for country in ranked[:3]:
        if not _count(base, f"/regions?within={_q(country['code'])}&level=nuts3", timeout):
            continue  # a country without NUTS regions has no NUTS-3 map
        located = _count(base, f"/regions/{_q(country['code'])}/organisations", timeout)
        if best is None or located > best[0]:
            best = (located, country)
    if best is None:
        raise StepFailed("no country with NUTS regions among the most served ones")
    located, country = best
    code = country["code"]

    counts: dict[str, int] = {}

    def providers(region: str) -> int:
        if region not in counts:
            counts[region] = _count(base, f"/coverage?region={_q(region)}", timeout)
        return counts[region]

    def current(regions: list[dict]) -> list[dict]:
        """Without the NUTS 2021 regions that NUTS 2024 replaced."""
        return [r for r in regions if r.get("versions") != ["2021"]] or regions

    def most_providers(regions: list[dict]) -> list[dict]:
        return sorted(regions, key=lambda r: (-providers(r["code"]), r["code"]))

    nuts2 = most_providers(current(_all(base, f"/regions?within={_q(code)}&level=nuts2",
                                        timeout)))
    region2 = nuts2[0]
    nuts3 = most_providers(current(_all(
        base, f"/regions?within={_q(region2['code'])}&level=nuts3", timeout)))
    if not nuts3:  # a NUTS-2 region without NUTS-3 regions: the country's best one
        nuts3 = most_providers(current(_all(
            base, f"/regions?within={_q(code)}&level=nuts3", timeout)))
    region3 = nuts3[0]
    other3 = nuts3[1] if len(nuts3) > 1 else nuts2[1] if len(nuts2) > 1 else region2
    count3 = providers(region3["code"])

    sections = {s["code"]: s for s in _all(base, "/sectors?level=section", timeout)}
    per_section = {s: _count(base, f"/coverage?region={_q(region3['code'])}&sector={_q(s)}",
                             timeout) for s in sorted(sections)}
    sector = max(sorted(per_section), key=lambda s: per_section[s])

    networks = _all(base, "/networks", timeout)
    pool = {n["iri"]: n for n in
            sorted(networks, key=lambda n: -n["members"])[:candidates]
            + sorted(networks, key=lambda n: -n["member_networks"])[:candidates]}
    transitive = {iri: _count(base, f"/networks/{_q(_key(n))}/members?transitive=true",
                              timeout) for iri, n in pool.items()}
    network = pool[max(sorted(transitive), key=lambda iri: transitive[iri])]
    members = get_json(base, f"/networks/{_q(_key(network))}/members?transitive=true"
                       "&limit=200", timeout)["results"]
    organisations = [m for m in members if m.get("type") == "organisation"][:candidates]
    if not organisations:
        organisations = get_json(base, f"/organisations?country={_q(code)}&limit=1",
                                 timeout)["results"]
    upwards = {_key(o): _count(base, f"/organisations/{_q(_key(o))}/memberships"
                                     "?transitive=true", timeout) for o in organisations}
    organisation = max(organisations, key=lambda o: (upwards[_key(o)], _key(o)))
    memberships = upwards[_key(organisation)]
    programme = next(iter(get_json(base, "/search?q=programme&type=programme&limit=1",
                                   timeout)["results"]), None)
    good_practice = next(iter(get_json(base, f"/good-practices?region={_q(code)}&limit=1",
                                       timeout)["results"]), None)
    policy = next(iter(get_json(base, "/policies?limit=1", timeout)["results"]), None)
    # the first project (by name) with a partner in the country, else the first of all
    project = next(iter(get_json(base, f"/projects?country={_q(code)}&limit=1",
                                 timeout)["results"] or
                        get_json(base, "/projects?limit=1", timeout)["results"]), None)

    def ref(entity: dict | None, **figures: object) -> dict | None:
        if entity is None:
            return None
        return {"key": _key(entity), "label": entity.get("label"),
                "type": entity.get("type"), **figures}

    continent = country.get("continent") or {}
    return {
        "country": ref(country, organisations_located=located,
                       served_directly_by=country["served_by"]),
        "continent": ref(continent) if continent else None,
        "region": ref(region2, providers=providers(region2["code"]), level=2),
        "nuts3": ref(region3, providers=count3, level=3),
        "nuts3_other": ref(other3, level=other3.get("level")),
        "sector": ref(sections[sector], providers_in_nuts3=per_section[sector]),
        "network": ref(network, members=network["members"],
                       member_networks=network["member_networks"],
                       members_at_every_depth=transitive[network["iri"]]),
        "organisation": ref(organisation, memberships_at_every_depth=memberships),
        "programme": ref(programme),
        "good_practice": ref(good_practice),
        "policy": ref(policy),
        "project": ref(project, partners=project["partner_count"]) if project else None,
        "networks": len(networks),
        "seconds": round(time.perf_counter() - started, 1),
    }


@dataclass
class Page:
    name: str
    path: str
    kind: str = "html"  # html (target 200 ms), map-data (target 500 ms) or data (none)

    @property
    def target_ms(self) -> float | None:
        return {"html": HTML_TARGET_MS, "map-data": MAP_DATA_TARGET_MS}.get(self.kind)

    @property
    def accept(self) -> str:
        return BROWSER_HTML if self.kind == "html" else BROWSER_FETCH


def pages(chosen: dict, *, graph_depth: int = 3) -> list[Page]:
    """One URL per page kind (and the data the map and search pages fetch) for ``chosen``
    (:func:`pick`); pages whose entity the data lack are left out."""
    country, nuts3, sector = chosen["country"], chosen["nuts3"], chosen["sector"]
    network = chosen["network"]
    europe = (chosen.get("continent") or {}).get("key")
    c, r3, s, n = _q(country["key"]), _q(nuts3["key"]), _q(sector["key"]), _q(network["key"])
    word = (nuts3.get("label") or nuts3["key"]).split()[0]
    result = [
        Page("home", "/"),
        Page("search, a word in every name ('Synthetic')", "/app/search?q=Synthetic"),
        Page(f"search, a region's name ({word!r})", f"/app/search?q={_q(word)}"),
        Page(f"suggestions as you type ({word[:4]!r})", f"/app/suggest?q={_q(word[:4])}",
             "data"),
    ]
    for label, key, kind in (("organisation", "organisation", "organisation"),
                             ("network, the most members at every depth", "network",
                              "network"),
                             ("programme", "programme", "programme"),
                             ("good practice", "good_practice", "good-practice"),
                             ("policy", "policy", "policy"),
                             ("project", "project", "project"),
                             ("region, NUTS-2 with the most providers", "region", "region"),
                             ("region, NUTS-3 with the most providers", "nuts3", "region"),
                             ("country, the largest", "country", "country"),
                             ("sector, the section with the most providers", "sector",
                              "sector")):
        entity = chosen.get(key)
        if entity:
            result.append(Page(f"{label}: {entity['key']}", f"/app/{kind}/{_q(entity['key'])}"))
    result += [
        Page("networks", "/app/networks"),
        Page("sources", "/app/sources"),
    ]
    if chosen.get("project"):
        result += [
            Page("projects", "/app/projects"),
            Page(f"projects with a partner in {country['key']}", f"/app/projects?country={c}"),
            Page(f"projects with a partner in {country['key']} (REST, JSON)",
                 f"/projects?country={c}", "data"),
        ]
    result += [
        Page(f"coverage {nuts3['key']} × {sector['key']}",
             f"/app/coverage?region={r3}&sector={s}"),
        Page(f"coverage {nuts3['key']}, all sectors", f"/app/coverage?region={r3}"),
        Page(f"gaps of {country['key']} at NUTS-3", f"/app/gaps?scope={c}&region_level=nuts3"),
        Page(f"compare {nuts3['key']} and {chosen['nuts3_other']['key']}",
             f"/app/compare?a={r3}&b={_q(chosen['nuts3_other']['key'])}"),
        Page(f"map of {country['key']} at NUTS-3", f"/app/map?scope={c}&level=nuts3"),
        Page(f"map data of {country['key']} at NUTS-3", f"/app/map/data?scope={c}&level=nuts3",
             "map-data"),
        Page(f"map data of {country['key']} at NUTS-3, sector {sector['key']}",
             f"/app/map/data?scope={c}&level=nuts3&sector={s}", "map-data"),
    ]
    if europe:
        result += [
            Page("map of Europe at NUTS-3", f"/app/map?scope={_q(europe)}&level=nuts3"),
            Page("map data of Europe at NUTS-3", f"/app/map/data?scope={_q(europe)}&level=nuts3",
                 "map-data"),
        ]
    result += [
        Page("NUTS-3 shapes (the map's GeoJSON)", "/geo/nuts/3", "data"),
        Page(f"graph of {network['key']}'s members, depth {graph_depth}",
             f"/app/graph?root={n}&direction=members&depth={graph_depth}"),
    ]
    organisation = chosen.get("organisation")
    if organisation:
        result.append(Page(f"graph of {organisation['key']}'s networks upwards, depth "
                           f"{graph_depth}", f"/app/graph?root={_q(organisation['key'])}"
                           f"&direction=memberships&depth={graph_depth}"))
    return result


# -- measuring ---------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _excerpt(answer: Answer) -> str:
    text = answer.error or answer.body[:2000].decode("utf-8", "replace")
    if "<title>" in text:  # an error page: its title says it
        text = text.split("<title>", 1)[1].split("</title>", 1)[0]
    return " ".join(text.split())[:160]


def measure_page(base: str, page: Page, *, requests: int, warmup: int, budget: float,
                 timeout: float) -> dict:
    """The figures of one URL: a first request, ``warmup`` more, then up to ``requests``
    timed ones (at least :data:`MIN_REQUESTS`, and no new one after ``budget`` seconds)."""
    row: dict = {"name": page.name, "path": page.path, "kind": page.kind,
                 "target_ms": page.target_ms}
    first = fetch(base, page.path, accept=page.accept, timeout=timeout)
    row["first_ms"] = first.seconds * 1000
    if first.status != 200:
        what = "missing" if first.status == 404 else "failed"
        row["status"] = (f"{what}: HTTP {first.status or 'no answer'} "
                         f"({_excerpt(first)})")
        return row
    row["content_type"] = first.content_type.split(";")[0]
    for _ in range(warmup):
        fetch(base, page.path, accept=page.accept, timeout=timeout)
    times, first_bytes, statuses = [], [], {}
    wire, size = first.wire_bytes, len(first.body)
    started = time.perf_counter()
    while len(times) < requests and (len(times) < MIN_REQUESTS
                                     or time.perf_counter() - started < budget):
        answer = fetch(base, page.path, accept=page.accept, timeout=timeout)
        statuses[str(answer.status)] = statuses.get(str(answer.status), 0) + 1
        times.append(answer.seconds * 1000)
        first_bytes.append(answer.first_byte * 1000)
        wire, size = answer.wire_bytes, len(answer.body)
    row.update(requests=len(times), statuses=statuses,
               non_200=sum(n for status, n in statuses.items() if status != "200"),
               p50_ms=percentile(times, 0.5), p95_ms=percentile(times, 0.95),
               max_ms=max(times), min_ms=min(times), first_byte_p50_ms=percentile(
                   first_bytes, 0.5), wire_bytes=wire, bytes=size)
    if page.target_ms is not None:
        row["pass"] = row["p50_ms"] < page.target_ms and not row["non_200"]
    return row


def measure(base: str, *, requests: int = 20, warmup: int = 3, budget: float = 30,
            timeout: float = 300, graph_depth: int = 3, say: Callable[[str], object] = print,
            chosen_file: Path | None = None, data_tag: object = None) -> dict:
    """Pick the entities, then measure every page; the figures as one dict.

    With ``chosen_file``, the entities picked are kept there with ``data_tag`` (what tells
    the data apart: the suite gives the store's load time) and picked again only when the
    tag differs (picking takes minutes at 100k organisations)."""
    chosen = None
    if chosen_file is not None and data_tag is not None:
        try:
            kept = json.loads(chosen_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = {}
        if kept.get("data_tag") == data_tag:
            chosen = {**kept["chosen"], "kept": f"picked earlier for the same data "
                                                f"({chosen_file})"}
            say(f"web: the entities picked earlier for this store ({chosen_file})")
    if chosen is None:
        say(f"web: picking entities of the data through the REST API at {base}")
        chosen = pick(base, timeout=timeout)
        if chosen_file is not None and data_tag is not None:
            chosen_file.write_text(json.dumps({"data_tag": data_tag, "chosen": chosen},
                                              indent=1), encoding="utf-8")
    rows = []
    for page in pages(chosen, graph_depth=graph_depth):
        row = measure_page(base, page, requests=requests, warmup=warmup, budget=budget,
                           timeout=timeout)
        say(f"web: {_line(row)}")
        rows.append(row)
    measured = [r for r in rows if "status" not in r]
    return {
        "settings": {"requests": requests, "warmup": warmup, "budget_s": budget,
                     "timeout_s": timeout, "min_requests": MIN_REQUESTS,
                     "html_target_ms": HTML_TARGET_MS,
                     "map_data_target_ms": MAP_DATA_TARGET_MS,
                     "client": "http.client, one request at a time, a new connection each, "
                               "Accept-Encoding: gzip"},
        "chosen": chosen,
        "pages": rows,
        "summary": {
            "pages": len(rows), "measured": len(measured),
            "missing": sum(1 for r in rows if str(r.get("status", "")).startswith("missing")),
            "failed": sum(1 for r in rows if str(r.get("status", "")).startswith("failed")),
            "pass": sum(1 for r in measured if r.get("pass") is True),
            "miss": sum(1 for r in measured if r.get("pass") is False),
            "slowest": [{"name": r["name"], "path": r["path"], "p50_ms": r["p50_ms"]}
                        for r in sorted(measured, key=lambda r: -r["p50_ms"])[:5]],
        },
    }


def _line(row: dict) -> str:
    if "status" in row:
        return f"{row['name']}: {row['status']}"
    verdict = {True: " PASS", False: " MISS", None: ""}[row.get("pass")]
    return (f"{row['name']}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, max "
            f"{row['max_ms']:.1f} ms, first {row['first_ms']:.0f} ms, "
            f"{row['bytes'] / 1024:.0f} KiB ({row['wire_bytes'] / 1024:.0f} on the wire), "
            f"{row['requests']} requests{verdict}")


# -- a server of our own -----------------------------------------------------------------
def serve_and_measure(store: Path, *, log: Path, ready_timeout: float = 600,
                      **options: object) -> dict:
    """Start ``smekg serve`` on ``store`` (a free loopback port), measure, stop it."""
    from harness import Server, free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SMEKG_STORE", None)
    server = Server("smekg serve", [str(Path(sys.executable).parent / "smekg"), "serve",
                                    "--store", str(store), "--host", "127.0.0.1",
                                    "--port", str(port)],
                    ready_url=f"{base}/health", log=log, ready_timeout=ready_timeout, env=env)
    with server:
        result = measure(base, **options)
        result["ready_seconds"] = server.ready_seconds
        result["memory"] = server.measure_memory()
    return result


# -- profiling one page ------------------------------------------------------------------
def profile(store: Path, paths: list[str], *, requests: int, warmup: int,
            html: Path | None = None) -> str:
    """pyinstrument's call tree of ``requests`` GETs of each of ``paths``, in-process.

    The app (with its lifespan: the index is built first) is driven by httpx through ASGI
    in this thread, and what it would run in the thread pool (sync routes, sync
    dependencies) runs inline, so that the profiler, which samples one thread, sees it
    all. ``html``: pyinstrument's HTML of each path, numbered (``FILE-1.html``, ...)."""
    import asyncio

    import anyio.to_thread
    import httpx
    from pyinstrument import Profiler

    from smekg.core.settings import Settings
    from smekg.graph_api.main import create_app

    async def inline(func: Callable, *args: object, **_options: object) -> object:
        return func(*args)

    anyio.to_thread.run_sync = inline
    app = create_app(Settings(store=store, sparql_workers=1))
    reports: list[str] = []

    async def one(client: httpx.AsyncClient, number: int, path: str) -> None:
        page = path.startswith("/app/") and "/data" not in path and "/suggest" not in path
        headers = {"Accept": BROWSER_HTML if page or path == "/" else BROWSER_FETCH,
                   "Accept-Encoding": "gzip"}
        started = time.perf_counter()
        status = (await client.get(path, headers=headers)).status_code
        first = (time.perf_counter() - started) * 1000
        for _ in range(warmup):
            await client.get(path, headers=headers)
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        times = []
        profiler.start()
        for _ in range(requests):
            started = time.perf_counter()
            await client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        profiler.stop()
        reports.append(f"=== {path}: HTTP {status}, first request {first:.0f} ms; "
                       f"{requests} requests under the profiler: p50 "
                       f"{percentile(times, 0.5):.1f} ms, max {max(times):.1f} ms\n"
                       + profiler.output_text(unicode=True, color=False, show_all=False))
        if html:
            html.with_name(f"{html.stem}-{number}{html.suffix or '.html'}").write_text(
                profiler.output_html(), encoding="utf-8")

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for number, path in enumerate(paths, 1):
                    await one(client, number, path)

    asyncio.run(run())
    return "\n".join(reports)


def table(result: dict) -> str:
    lines = [f"{'page':<60} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'first':>7} "
             f"{'KiB':>6}  target"]
    for row in result["pages"]:
        if "status" in row:
            lines.append(f"{row['name'][:60]:<60} {row['status']}")
            continue
        verdict = {True: "PASS", False: "MISS", None: ""}[row.get("pass")]
        lines.append(f"{row['name'][:60]:<60} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
                     f"{row['max_ms']:>8.1f} {row['first_ms']:>7.0f} "
                     f"{row['bytes'] / 1024:>6.0f}  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="a store to serve (smekg serve, started here)")
    where.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per URL")
    parser.add_argument("--budget", type=float, default=30,
                        help="seconds per URL after which no new timed request is sent")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per request")
    parser.add_argument("--graph-depth", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--log", type=Path, default=Path("/tmp/smekg-web-pages-serve.log"),
                        help="the server's log (with --store)")
    parser.add_argument("--profile", metavar="PATH", action="append",
                        help="profile this URL path in-process (needs --store; repeatable)")
    parser.add_argument("--profile-html", type=Path)
    args = parser.parse_args(argv)
    if args.profile:
        if not args.store:
            parser.error("--profile needs --store")
        print(profile(args.store, args.profile, requests=args.requests, warmup=args.warmup,
                      html=args.profile_html))
        return 0
    options = {"requests": args.requests, "warmup": args.warmup, "budget": args.budget,
               "timeout": args.timeout, "graph_depth": args.graph_depth}
    try:
        if args.store:
            result = serve_and_measure(args.store, log=args.log, **options)
        else:
            result = measure(args.url.rstrip("/"), **options)
    except StepFailed as error:
        print(f"failed: {error}", file=sys.stderr)
        return 1
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

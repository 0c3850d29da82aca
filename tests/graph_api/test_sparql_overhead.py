"""What makes a cheap /sparql query cheap (issue 21, item 6), and that it keeps the guarantees:
remembered query checks (still refusing what they refused), replies in one message, one
long-lived thread per worker (pyoxigraph's results freed where they were made), and the
middleware that answers query requests without the router."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware

from smekg.core.settings import Settings
from smekg.graph_api.sparql import routes
from smekg.graph_api.sparql.analysis import VerdictCache, analyse
from smekg.graph_api.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from smekg.graph_api.sparql.pool import PoolError, QueryPool
from smekg.graph_api.sparql.worker import (
    INLINE_BODY_BYTES,
    OK,
    REFUSED,
    REUSED_STACK_QUERY_CHARS,
    SYNTAX,
    Job,
)
from tests.graph_api.conftest import ApiServer
from tests.graph_api.test_sparql_hardening import spellings
from tests.graph_api.test_sparql_helpers import INSME, bindings

ASK_INSME = f"ASK {{ <{INSME}> a smekg:Network }}"


def job(query: str, results: str | None = "json", graph: str | None = "turtle") -> Job:
    return Job(query, "http://example.org/sparql", True, None, None, results, graph)


# -- remembered checks ----------------------------------------------------------------------
def test_a_remembered_verdict_is_the_verdict() -> None:
    cache = VerdictCache(max_nesting=100)
    queries = [*spellings(9), ASK_INSME, "ASK {", "INSERT DATA { <a> <b> <c> }",
               "ASK {{{ ?s ?p ?o }}}", "SELECT * WHERE { ?s ?p ?o LATERAL { } }"]
    for query in queries * 2:
        assert cache.analyse(query) == analyse(query, max_nesting=100), query
    assert cache.misses == len(set(queries)) and cache.hits == 2 * len(queries) - cache.misses
    for query in spellings(9):  # remembered or not, SERVICE is refused
        assert cache.analyse(query).refusal == "service", query


def test_the_memory_of_verdicts_is_bounded() -> None:
    cache = VerdictCache(max_nesting=100, size=3)
    for i in range(10):
        cache.analyse(f"ASK {{ ?s ?p {i} }}")
    assert len(cache) == 3
    cache.analyse("ASK { ?s ?p 9 }")  # the most recent are kept
    assert cache.hits == 1
    cache.analyse("ASK { ?s ?p 0 }")
    assert cache.misses == 11
    nothing_kept = VerdictCache(max_nesting=100, size=0)
    nothing_kept.analyse(ASK_INSME)
    assert len(nothing_kept) == 0


def test_the_nesting_limit_is_the_caches() -> None:
    deep = "ASK {{{ ?s ?p ?o }}}"
    assert VerdictCache(max_nesting=2).analyse(deep).refusal == "nesting"
    assert VerdictCache(max_nesting=3).analyse(deep).refusal is None


# -- the worker pool ------------------------------------------------------------------------
@pytest.fixture
def pool(seeded_store_dir: Path, capfd: pytest.CaptureFixture[str]) -> Iterator[QueryPool]:
    """Two workers on the seeded store, started while the test captures their stderr."""
    started = QueryPool(seeded_store_dir, workers=2, timeout=20, max_result_bytes=64 << 20)
    started.start()
    yield started
    started.close()


def run_all(pool: QueryPool, jobs: list[Job]) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        return [await pool.execute(j) for j in jobs]

    return anyio.run(run)


def test_repeated_queries_keep_their_answers_and_refusals(pool: QueryPool) -> None:
    service = spellings(9)[0]
    replies = run_all(pool, [job(ASK_INSME), job(service), job("ASK {")] * 4)
    for i in range(0, len(replies), 3):
        assert replies[i] == (OK, "application/sparql-results+json",
                              b'{"head":{},"boolean":true}')
        assert replies[i + 1][:2] == (REFUSED, 403) and "SERVICE" in replies[i + 1][2]
        assert replies[i + 2][0] == SYNTAX


def test_small_and_large_replies_arrive_whole(pool: QueryPool) -> None:
    small, large = run_all(pool, [
        job("SELECT * WHERE { ?s ?p ?o } LIMIT 5"),
        job("SELECT * WHERE { ?s ?p ?o }"),  # read in a thread, after its header
    ])
    assert small[0] == OK and len(json.loads(small[2])["results"]["bindings"]) == 5
    assert large[0] == OK and len(large[2]) > INLINE_BODY_BYTES
    assert len(json.loads(large[2])["results"]["bindings"]) > 1000


def test_a_long_query_is_answered_in_a_thread_of_its_own(pool: QueryPool) -> None:
    padding = "# " + "x" * REUSED_STACK_QUERY_CHARS + "\n"
    long_ask, long_service = run_all(pool, [job(padding + ASK_INSME),
                                            job(padding + spellings(9)[2])])
    assert long_ask[0] == OK and b"true" in long_ask[2]
    assert long_service[:2] == (REFUSED, 403)


CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_timeouts_and_cancelled_waits_leave_the_pool_whole(seeded_store_dir: Path) -> None:
    pool = QueryPool(seeded_store_dir, workers=2, fast_lane=1, timeout=1.0,
                     fast_lane_timeout=0.5, max_result_bytes=1 << 20)
    pool.start()

    async def scenario() -> dict[str, str]:
        outcomes: dict[str, str] = {}

        async def run(name: str, query: str) -> None:
            try:
                outcomes[name] = (await pool.execute(job(query)))[0]
            except PoolError as error:
                outcomes[name] = type(error).__name__

        async with anyio.create_task_group() as group:
            group.start_soon(run, "long", CROSS_JOIN)  # the long slot, stopped after 1 s
            await anyio.sleep(0.2)
            group.start_soon(run, "fast", CROSS_JOIN)  # the fast lane, stopped after 0.5 s
            await anyio.sleep(0.2)
            with anyio.move_on_after(0.2) as waiting:  # no slot for it: it gives up waiting
                await pool.execute(job(ASK_INSME), fast_lane=False)
            outcomes["gave up"] = str(waiting.cancelled_caught)
        outcomes["after"] = (await pool.execute(job(ASK_INSME)))[0]
        return outcomes

    try:
        outcomes = anyio.run(scenario)
        assert outcomes == {"long": "QueryTimeout", "fast": "FastLaneTimeout",
                            "gave up": "True", "after": OK}
        assert pool._free == {"long": 1, "fast": 1}
        assert not pool._waiters and len(pool._idle) == 2
    finally:
        pool.close()


# -- the middleware -------------------------------------------------------------------------
class FakePool:
    """Answers every job with a fixed body, and keeps the jobs."""

    timeout = fast_lane_timeout = 1.0
    size = 1
    max_result_bytes = 1000

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.prefixes: dict[str, str] = {}

    async def execute(self, job: Job, fast_lane: bool = True) -> tuple[Any, ...]:
        self.jobs.append(job)
        return (OK, "application/sparql-results+json", b'{"head":{},"boolean":true}')


class Client:
    """A synchronous client of an ASGI app (in process)."""

    def __init__(self, app: Starlette) -> None:
        self.transport = httpx.ASGITransport(app=app)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport,
                                         base_url="http://testserver") as client:
                return await client.request(method, url, **kwargs)

        return anyio.run(send)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)



@pytest.fixture
def shortcut() -> tuple[Client, FakePool]:
    """An app with no routes behind the middleware: what it does not answer is a 404."""
    app = Starlette(middleware=[Middleware(routes.SparqlShortcut)])
    fake = FakePool()
    app.state.settings = Settings(sparql_max_query_bytes=1000)
    app.state.sparql_pool = fake
    return Client(app), fake


def test_query_requests_are_answered_by_the_middleware(
    shortcut: tuple[Client, FakePool]
) -> None:
    client, fake = shortcut
    for path in ("/sparql", "/sparql/"):
        response = client.get(path, params={"query": ASK_INSME})
        assert response.status_code == 200 and response.headers["vary"] == "Accept"
    response = client.post("/sparql", data={"query": ASK_INSME})
    assert response.status_code == 200
    response = client.post("/sparql", content=ASK_INSME,
                           headers={"content-type": "application/sparql-query"})
    assert response.status_code == 200
    assert [j.query for j in fake.jobs] == [ASK_INSME] * 4
    assert fake.jobs[0].base_iri == "http://testserver/sparql"
    assert fake.jobs[1].base_iri == "http://testserver/sparql/"
    # the routes' checks and errors, unchanged
    assert client.get("/sparql", params={"query": " "}).status_code == 400
    assert client.get("/sparql", params={"query": ASK_INSME},
                      headers={"accept": "image/png"}).status_code == 406
    assert client.get("/sparql", params={"query": "x" * 2000}).status_code == 414
    assert client.post("/sparql", content="x", headers={"content-type": "text/plain"}
                       ).status_code == 415
    assert client.post("/sparql", content="x" * 2000,
                       headers={"content-type": "application/sparql-query"}).status_code == 413
    assert len(fake.jobs) == 4


def test_everything_else_goes_on_to_the_application(
    shortcut: tuple[Client, FakePool]
) -> None:
    client, fake = shortcut
    assert client.get("/sparql", headers={"accept": "text/html"}).status_code == 404
    assert client.get("/sparql").status_code == 404
    assert client.request("OPTIONS", "/sparql").status_code == 404
    assert client.put("/sparql", params={"query": ASK_INSME}).status_code == 404
    assert client.get("/sparql/yasgui/yasgui.min.js").status_code == 404
    assert client.get("/sparqlx", params={"query": ASK_INSME}).status_code == 404
    assert client.get("/query", params={"query": ASK_INSME}).status_code == 404
    assert fake.jobs == []


def test_negotiation_is_remembered_per_header() -> None:
    headers = [None, "", "*/*", "text/csv;q=0.5, application/sparql-results+xml",
               "application/n-triples", "image/png", "text/turtle;q=0"]
    for accept in headers * 2:
        assert routes._negotiated(accept) == (negotiate(accept, RESULT_FORMATS),
                                              negotiate(accept, GRAPH_FORMATS))
    for i in range(routes._MEMO_ENTRIES * 2):
        routes._negotiated(f"text/x-{i}")
    assert len(routes._NEGOTIATED) <= routes._MEMO_ENTRIES


# -- over real HTTP -------------------------------------------------------------------------
def test_results_are_freed_on_the_thread_that_made_them(api: ApiServer) -> None:
    # rdflib's parse leaves frames in reference cycles, from which the results of a query
    # were reachable: a later collection on another thread freed them, which pyoxigraph
    # refuses (it printed "... is unsendable, but is being dropped on another thread" for
    # most queries, and leaked the results)
    prefixes = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    queries = [prefixes + "SELECT ?o ?label WHERE { ?o a smekg:Organisation ; skos:prefLabel "
               f"?label . FILTER(CONTAINS(?label, {word!r})) }} LIMIT 20" for word in "abcdefghij"]
    with httpx.Client(base_url=api.url, timeout=30.0) as http:
        for query in queries * 10:
            assert http.get("/sparql", params={"query": query}).status_code == 200
    assert "unsendable" not in api.log.read_text()


def test_relative_iris_resolve_against_the_endpoint(api: ApiServer) -> None:
    query = "SELECT ?x WHERE { BIND(<relative> AS ?x) }"
    with httpx.Client(base_url=api.url, timeout=30.0) as http:
        for path, resolved in (("/sparql", "/relative"), ("/sparql/", "/sparql/relative")):
            [row] = bindings(http.get(path, params={"query": query}))
            assert row["x"] == f"{api.url}{resolved}"
        [row] = bindings(http.post("/sparql", data={"query": query}))
        assert row["x"] == f"{api.url}/relative"

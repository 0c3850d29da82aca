"""/sparql limits over real HTTP: the timeout really stops the work (the worker process is
killed and replaced), the result-size cap, and the worker processes' life cycle."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.graph_api.conftest import ApiServer
from tests.graph_api.test_sparql_helpers import (
    INSME,
    STEERING_GROUP,
    alive,
    bindings,
    wait_for,
    worker_pids,
)

# 74k triples cubed: never finishes
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NETWORKS = "SELECT ?n WHERE { ?n a smekg:Network } ORDER BY ?n"


def networks(http: httpx.Client) -> list[str]:
    return [row["n"] for row in bindings(http.get("/sparql", params={"query": NETWORKS}))]


@pytest.fixture(scope="module")
def limited(start_api: Callable[..., ApiServer]) -> ApiServer:
    """An API with one worker, a 1 s timeout and a 20 kB result cap."""
    return start_api(
        SMEKG_SPARQL_TIMEOUT="1",
        SMEKG_SPARQL_WORKERS="1",
        SMEKG_SPARQL_MAX_RESULT_BYTES="20000",
    )


@pytest.fixture
def http(limited: ApiServer) -> httpx.Client:
    with httpx.Client(base_url=limited.url, timeout=30.0) as client:
        yield client


def test_timeout_kills_the_worker_and_a_new_one_answers(
    limited: ApiServer, http: httpx.Client
) -> None:
    assert networks(http) == [INSME, STEERING_GROUP]
    [before] = worker_pids(limited.process.pid)
    started = time.monotonic()
    response = http.get("/sparql", params={"query": CROSS_JOIN})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert "stopped after 1 s" in response.text
    assert "SMEKG_SPARQL_TIMEOUT" in response.text
    assert 0.9 <= elapsed < 3.0, elapsed
    # the worker that ran the query is gone (its CPU work really stopped) ...
    assert not alive(before)
    # ... a new one takes its place, and answers the next query
    assert wait_for(lambda: len(worker_pids(limited.process.pid)) == 1)
    [after] = worker_pids(limited.process.pid)
    assert after != before
    assert networks(http) == [INSME, STEERING_GROUP]


def test_timeout_of_posted_construct(limited: ApiServer, http: httpx.Client) -> None:
    query = "CONSTRUCT { ?a ?b ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c = ?i) }"
    started = time.monotonic()
    response = http.post("/sparql", data={"query": query})
    assert response.status_code == 503
    assert time.monotonic() - started < 3.0
    assert networks(http) == [INSME, STEERING_GROUP]


def test_result_size_cap(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 422, response.text
    message = response.text
    assert "20000 bytes" in message
    assert "SMEKG_SPARQL_MAX_RESULT_BYTES" in message
    assert "LIMIT" in message
    # graph results too
    response = http.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                        headers={"accept": "application/n-triples"})
    assert response.status_code == 422
    # under the cap: fine, and the worker still serves
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 20"})
    assert len(bindings(response)) == 20
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 20"},
                        headers={"accept": "text/csv"})
    assert response.status_code == 200
    assert len(response.content) <= 20000


def test_size_cap_stops_the_work_early(http: httpx.Client) -> None:
    # a result that would be huge is stopped as it passes the cap, long before the timeout
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    started = time.monotonic()
    response = http.get("/sparql", params={"query": query})
    assert response.status_code == 422, response.text
    assert time.monotonic() - started < 0.9


def test_slow_query_does_not_block_the_others(start_api: Callable[..., ApiServer]) -> None:
    # A generous timeout, so the check holds on a loaded 2-core machine too: what matters is
    # that the 30 quick queries are all answered while the slow one still holds its worker.
    server = start_api(SMEKG_SPARQL_TIMEOUT="10", SMEKG_SPARQL_WORKERS="2")

    def run(query: str) -> tuple[int, float]:
        with httpx.Client(base_url=server.url, timeout=30.0) as client:
            started = time.monotonic()
            status = client.get("/sparql", params={"query": query}).status_code
            return status, time.monotonic() - started

    with ThreadPoolExecutor(4) as executor:
        slow = executor.submit(run, CROSS_JOIN)
        time.sleep(0.2)  # the slow query holds one worker
        quick = list(executor.map(run, [NETWORKS] * 30))
        assert all(status == 200 for status, _ in quick)
        assert max(seconds for _, seconds in quick) < 5.0
        assert not slow.done()
        status, seconds = slow.result()
    assert status == 503
    assert 9.9 <= seconds < 14.0


def test_workers_stop_with_the_server(start_api: Callable[..., ApiServer]) -> None:
    server = start_api(SMEKG_SPARQL_WORKERS="3")
    pids = worker_pids(server.process.pid)
    assert len(pids) == 3
    server.stop()
    assert server.process.returncode is not None
    assert wait_for(lambda: not any(alive(pid) for pid in pids), timeout=5)


def test_workers_exit_when_the_server_is_killed(start_api: Callable[..., ApiServer]) -> None:
    server = start_api(SMEKG_SPARQL_WORKERS="2", SMEKG_SPARQL_TIMEOUT="60")
    pids = worker_pids(server.process.pid)
    assert len(pids) == 2
    # one worker busy with an endless query, one idle
    client = httpx.Client(base_url=server.url, timeout=1.0)
    with pytest.raises(httpx.ReadTimeout):
        client.get("/sparql", params={"query": CROSS_JOIN})
    client.close()
    server.process.send_signal(signal.SIGKILL)  # no shutdown code runs
    server.process.wait(10)
    assert wait_for(lambda: not any(alive(pid) for pid in pids), timeout=5)

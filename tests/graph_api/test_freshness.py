"""Every interface sees a load, without a restart: `/sparql`, REST and the dashboard recipe.

Real API servers (uvicorn subprocesses over a copy of the seeded store), real `smekg`
processes loading into the same store while the server runs, real HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.graph_api.conftest import ApiServer

SMEKG = str(Path(sys.executable).with_name("smekg"))
HUB = "https://w3id.org/smekg/id/organisation/freshness-hub"
NEW_ORG = ("id,name,types,country,region,services,covers_regions\n"
           "freshness-hub,Freshness Test Hub,agency,IT,ITH55,training,ITH55\n")
ASK_HUB = f"ASK {{ <{HUB}> skos:prefLabel ?name }}"
DEADLINE = 10.0  # seconds after a load's end within which every interface must answer


def smekg(server: ApiServer, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([SMEKG, *args], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "200", "SMEKG_STORE": str(server.store)})
    assert result.returncode == 0, f"smekg {' '.join(args)} failed:\n{result.stderr}"
    return result


def load_hub(server: ApiServer, tmp_path: Path) -> None:
    source = tmp_path / "freshness-orgs.csv"
    source.write_text(NEW_ORG, encoding="utf-8")
    smekg(server, "load-file", "--kind", "organisations", str(source))


def sparql(http: httpx.Client, query: str) -> dict:
    response = http.post("/sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()


def poll(check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> float:
    """Seconds until ``check()`` holds; fails after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"{what}: not seen within {timeout:g} s of the load's end")


def test_sparql_answers_from_a_load_made_while_the_server_runs(start_api, tmp_path):
    server = start_api(SMEKG_SPARQL_WORKERS="2", SMEKG_SPARQL_FAST_LANE_WORKERS="0")
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        for _ in range(4):  # every worker has answered (and opened the store) before
            assert sparql(http, ASK_HUB)["boolean"] is False
        load_hub(server, tmp_path)
        poll(lambda: sparql(http, ASK_HUB)["boolean"] is True, "the new organisation on /sparql")
        # every worker, not only the first to look: a run of answers all see it
        assert all(sparql(http, ASK_HUB)["boolean"] for _ in range(8))
        # REST answers from the same data
        poll(lambda: HUB in http.get("/search", params={"q": "Freshness Test Hub"}).text,
             "the new organisation on /search")


def test_the_dashboard_recipe_works_without_a_restart(start_api):
    server = start_api()
    recipe = "SELECT ?actor ?score WHERE { ?actor smekg:pagerank ?score } ORDER BY DESC(?score)"
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        assert sparql(http, recipe)["results"]["bindings"] == []
        smekg(server, "analyze", "centrality", "--write")
        poll(lambda: bool(sparql(http, recipe)["results"]["bindings"]),
             "the pagerank scores written by `smekg analyze centrality --write` on /sparql")


def test_rest_keeps_answering_while_the_index_is_rebuilt(start_api, tmp_path):
    server = start_api()
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        assert http.get("/health").json()["index"] == "ready"
        before = http.get("/coverage", params={"region": "ITH55", "limit": 1000})
        assert before.status_code == 200 and HUB not in before.text
        load_hub(server, tmp_path)
        answered_while_rebuilding = False
        states: list[str] = []
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            state = http.get("/health").json()["index"]
            states.append(state)
            coverage = http.get("/coverage", params={"region": "ITH55", "limit": 1000})
            assert coverage.status_code == 200, coverage.text
            if HUB in coverage.text:
                break
            if state == "rebuilding" and http.get("/health").json()["index"] == "rebuilding":
                # asked and answered (from the old index) while the new one was being built
                answered_while_rebuilding = True
        else:
            pytest.fail(f"/coverage never showed the new organisation (index states {states})")
        assert answered_while_rebuilding, f"never answered during a rebuild (states {states})"
        assert http.get("/health").json()["index"] == "ready"


def test_an_answer_never_mixes_the_old_index_with_new_rows(seeded_store_dir, tmp_path):
    """The index and the rows of an answer come from one version of the data: a load
    landing after the index was built is not seen by the answer's queries until the new
    index is swapped in (before, the backend reopened the store on its own timer, and a
    member list showed a new member under its bare IRI, the old index not knowing it)."""
    import shutil

    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.iri import Minter
    from smekg.core.stores import GraphStore
    from smekg.loaders.sources import file_sources, load_sources
    from smekg.queries.service import QueryService
    from tests.conftest import BASE

    store = tmp_path / "store"
    shutil.copytree(seeded_store_dir, store)
    backend = OxigraphBackend(store, refresh_interval=0.0)  # reopens whenever it changed
    service = QueryService(backend, Minter(BASE), check_interval=3600.0)  # no rebuild here
    network = "insme-steering-group"
    before = service.members(network)
    members = tmp_path / "memberships.csv"
    members.write_text(f"network,member\n{network},freshness-hub\n", encoding="utf-8")
    orgs = tmp_path / "organisations.csv"
    orgs.write_text(NEW_ORG, encoding="utf-8")
    writer = GraphStore.open(store)
    minter = Minter(BASE)
    load_sources(writer, file_sources([orgs, members], minter, writer), minter)
    writer.flush()
    del writer
    with service.one_version():
        during = service.members(network)
    assert during == before  # the old version, whole: no new member under a bare IRI
    assert all(m.label != m.iri for m in during)
    assert service.refresh()  # the new index, and its snapshot
    with service.one_version():
        after = service.members(network)
    new = [m for m in after if m.iri == HUB]
    assert [m.label for m in new] == ["Freshness Test Hub"]
    assert len(after) == len(before) + 1

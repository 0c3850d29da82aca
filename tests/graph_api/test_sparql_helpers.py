"""Helpers for the /sparql tests (no tests here): results, the seed graphs, worker processes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from pyoxigraph import QueryBoolean, QueryResultsFormat, parse_query_results

ID = "https://w3id.org/smekg/id/"
SMEKG = "https://w3id.org/smekg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INSME = f"{ID}organisation/insme"
STEERING_GROUP = f"{ID}organisation/insme-steering-group"
NETWORK = f"{SMEKG}Network"

# Source graphs of the seeded store; each holds `<graph> a smekg:SourceGraph` about itself,
# just as the W3C protocol tests' data1.rdf ... data3.rdf each hold `<dataN.rdf> a ?type`.
ORGANISATIONS = f"{ID}graph/seed/organisations"
MEMBERSHIPS = f"{ID}graph/seed/memberships"
POLICIES = f"{ID}graph/seed/policies"
DOCUMENTS = f"{ID}graph/seed/documents"


def enc(value: str) -> str:
    """Percent-encode ``value`` for a URL query string (as the W3C tests write it)."""
    return quote(value, safe="")


def boolean(response: httpx.Response) -> bool:
    """The boolean of an ASK response in SPARQL JSON or XML."""
    media_type = response.headers["content-type"].split(";")[0]
    fmt = QueryResultsFormat.from_media_type(media_type)
    assert fmt is not None, media_type
    result = parse_query_results(response.content, format=fmt)
    assert isinstance(result, QueryBoolean), type(result)
    return bool(result)


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    """The rows of a SPARQL JSON SELECT response, as variable -> value."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    body = json.loads(response.content)
    return [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]


def source_graphs(client: httpx.Client) -> list[str]:
    """The named graphs of the store, listed over /sparql."""
    response = client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"})
    return sorted(row["g"] for row in bindings(response))


def _stat(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    stat = _stat(pid)
    if stat is None:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def worker_pids(server_pid: int) -> list[int]:
    """The SPARQL worker processes (spawned children) of the API server ``server_pid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is None:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid != server_pid or not alive(int(entry)):
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            pids.append(int(entry))
    return sorted(pids)


def wait_for(condition, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` seconds pass; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())

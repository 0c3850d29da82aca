"""Small helpers shared by the tests."""

from __future__ import annotations

import socket
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import httpx

from smekg.core.rdf import GraphBuilder

#: The checkout the tests run from (its data/ folder is the source of the bundled data).
REPO_ROOT = Path(__file__).resolve().parents[1]


def index_of(graph: GraphBuilder) -> dict[tuple[str, str], list]:
    """(subject IRI, predicate IRI) -> objects, for asserting on built triples."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for triple in graph:
        out[(triple.subject.value, triple.predicate.value)].append(triple.object)
    return out


def objects(index: dict, subject: str, predicate: object) -> list:
    return index.get((subject, str(predicate)), [])


def route_url(path: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A route's path with its path parameters (``{key}``) filled in from ``params``, and
    the rest of ``params`` as the query.

    >>> route_url("/networks/{key}/members", {"key": "insme", "limit": "1"})
    ('/networks/insme/members', {'limit': '1'})
    """
    query = dict(params)
    for name in list(query):
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", query.pop(name))
    return path, query


def wait_until_up(process: subprocess.Popen[bytes], url: str, *, timeout: float,
                  probe_timeout: float = 1.0) -> str | None:
    """Wait until the server ``process`` answers ``url`` with 200: None once it does, else
    what went wrong (it "exited", or it "did not answer in N s")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "exited"
        try:
            if httpx.get(url, timeout=probe_timeout).status_code == 200:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return f"did not answer in {timeout} s"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process``, killing it when it has not ended 10 s later."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port

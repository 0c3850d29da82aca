"""The REST API served from Neo4j: the same answers, 503 while Neo4j is away, then recovery."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from urllib.parse import urlparse

import httpx

from tests.conftest import NEO4J_TEST_AUTH, NEO4J_TEST_URI


class _Pipe(socketserver.BaseRequestHandler):
    """Forwards one client connection to the real Neo4j, both ways."""

    def handle(self) -> None:
        target = urlparse(NEO4J_TEST_URI)
        upstream = socket.create_connection((target.hostname, target.port or 7687))
        self.server.open.update({upstream, self.request})  # type: ignore[attr-defined]
        done = threading.Event()

        def copy(source: socket.socket, sink: socket.socket) -> None:
            try:
                while chunk := source.recv(65536):
                    sink.sendall(chunk)
            except OSError:
                pass
            done.set()

        threading.Thread(target=copy, args=(upstream, self.request), daemon=True).start()
        copy(self.request, upstream)
        done.wait(5)
        upstream.close()


class NeoProxy:
    """A loopback TCP relay to the test Neo4j that can be taken away and brought back."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: socketserver.ThreadingTCPServer | None = None

    def up(self) -> None:
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), _Pipe)
        self.server.daemon_threads = True
        self.server.open = set()  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            for connection in list(self.server.open):  # type: ignore[attr-defined]
                with contextlib.suppress(OSError):  # an outage: open connections break too
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _get(url: str, **params: str) -> httpx.Response:
    return httpx.get(url, params=params, timeout=60)


def test_neo4j_backend_answers_as_the_embedded_store_and_recovers(
        start_api, neo4j, seeded_store_dir):
    neo4j.use(seeded_store_dir)
    proxy = NeoProxy()
    embedded = start_api()
    served = start_api(SMEKG_BACKEND="neo4j", NEO4J_URI=f"bolt://127.0.0.1:{proxy.port}",
                       NEO4J_USER=NEO4J_TEST_AUTH[0], NEO4J_PASSWORD=NEO4J_TEST_AUTH[1])
    try:
        away = _get(f"{served.url}/coverage", region="ITH55")
        assert away.status_code == 503
        assert "unreachable" in away.json()["detail"] and away.json()["backend"] == "neo4j"
        proxy.up()
        deadline = time.monotonic() + 60
        while (answer := _get(f"{served.url}/coverage", region="ITH55")).status_code != 200:
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.5)
        for path, params in [("/coverage", {"region": "ITH55", "sector": "25.11"}),
                             ("/networks/insme-steering-group/members", {}),
                             ("/search", {"q": "emilia"}),
                             ("/gaps", {"scope": "ITH", "region_level": "nuts3"})]:
            from_neo4j = _get(f"{served.url}{path}", **params)
            from_store = _get(f"{embedded.url}{path}", **params)
            assert from_neo4j.status_code == from_store.status_code == 200, path
            assert from_neo4j.json() == from_store.json(), path
        proxy.down()
        time.sleep(1.5)  # past the data-version check interval
        assert _get(f"{served.url}/coverage", region="ITH55").status_code == 503
        proxy.up()
        deadline = time.monotonic() + 60
        while _get(f"{served.url}/coverage", region="ITH55").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        proxy.down()

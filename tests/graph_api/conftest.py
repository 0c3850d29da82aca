"""A real API server over real HTTP: uvicorn in a subprocess, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

# not from tests.conftest: a module that the sandbox tests' spawned probes import must not
# load numpy (its BLAS threads make unshare(CLONE_NEWUSER) fail)
from tests.helpers import REPO_ROOT, free_port, stop_process, wait_until_up


class ApiServer:
    """A running ``uvicorn smekg.graph_api.main:app`` serving a copy of a store."""

    def __init__(self, store: Path, env: dict[str, str], log: Path) -> None:
        self.store = store
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "smekg.graph_api.main:app",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            cwd=REPO_ROOT,
            env={**os.environ, "SMEKG_STORE": str(store), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log = log
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        problem = wait_until_up(self.process, f"{self.url}/health", timeout=60.0)
        if problem is not None:
            self.stop()
            raise RuntimeError(f"API server {problem}:\n{self.log.read_text()}")

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


@pytest.fixture(scope="session")
def start_api(
    seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., ApiServer]]:
    """Start an API server on a copy of the seeded store, with extra ``SMEKG_*`` settings."""
    servers: list[ApiServer] = []

    def start(**env: str) -> ApiServer:
        directory = tmp_path_factory.mktemp("api")
        store = directory / "store"
        shutil.copytree(seeded_store_dir, store)
        server = ApiServer(store, env, directory / "server.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def api(start_api: Callable[..., ApiServer]) -> ApiServer:
    """The API serving the seeded store with default settings."""
    return start_api()


@pytest.fixture
def client(api: ApiServer) -> Iterator[httpx.Client]:
    """An HTTP client for :func:`api`."""
    with httpx.Client(base_url=api.url, timeout=30.0) as http:
        yield http

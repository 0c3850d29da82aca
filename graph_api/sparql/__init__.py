"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (placeholder until it is built)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

router = APIRouter()


class QueryPool:
    def __init__(self, store: Path, *, workers: int, timeout: float, max_result_bytes: int):
        self.store = store

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

"""The query pool on its own (real worker processes, no server): start-up, a missing store,
start-up time."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest

from smekg.graph_api.sparql.pool import QueryPool, WorkerFailed
from smekg.graph_api.sparql.worker import OK, SYNTAX, Job
from tests.graph_api.test_sparql_helpers import INSME, alive, wait_for

ASK_INSME = Job(f"ASK {{ <{INSME}> a smekg:Network }}", None, True, None, None, "json", None)


def test_pool_answers_and_closes(seeded_store_dir: Path) -> None:
    pool = QueryPool(seeded_store_dir, workers=2, timeout=10, max_result_bytes=1 << 20)
    started = time.monotonic()
    pool.start()
    startup = time.monotonic() - started
    pids = pool.pids()
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    assert startup < 10, startup

    async def queries() -> list[tuple]:
        replies = []
        for job in (ASK_INSME, Job("ASK {", None, True, None, None, "json", None)):
            replies.append(await pool.execute(job))
        return replies

    try:
        ok, syntax = anyio.run(queries)
    finally:
        pool.close()
    assert ok == (OK, "application/sparql-results+json", b'{"head":{},"boolean":true}')
    assert syntax[0] == SYNTAX and "1:6" in syntax[1]
    assert wait_for(lambda: not any(alive(pid) for pid in pids), timeout=5)


def test_missing_store_is_reported_per_request(tmp_path: Path) -> None:
    pool = QueryPool(tmp_path / "nothing-here", workers=1, timeout=5, max_result_bytes=1000)
    pool.start()  # does not raise: the API starts and /sparql explains

    async def ask() -> None:
        await pool.execute(ASK_INSME)

    try:
        for _ in range(2):  # the same reason each time, from the replacement workers too
            with pytest.raises(WorkerFailed, match=r"no store at .*nothing-here.*smekg load"):
                anyio.run(ask)
    finally:
        pool.close()

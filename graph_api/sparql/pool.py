"""A pool of persistent worker processes that run SPARQL queries with a real timeout.

pyoxigraph cannot cancel a running query, so queries run in worker processes (see
:mod:`smekg.graph_api.sparql.worker`): a query that exceeds the timeout has its worker killed,
which really stops the CPU work, and a fresh worker takes its place. Each worker answers
one query at a time; requests wait (asynchronously) for a free worker. The event loop
never blocks: it waits for a reply by waiting for the pipe to become readable, and reads
a large reply in a thread.

The fast lane: at most ``workers - fast_lane`` queries run with the full ``timeout`` at
once (the long slots). A query that finds them all taken runs on the fast lane (one of
``fast_lane`` slots), stopped after ``fast_lane_timeout`` seconds, if the caller allows it
(the route allows it for a client that has not had a query stopped on the fast lane in the
last ``timeout`` seconds); otherwise it waits for a long slot. Long queries therefore
hold at most ``workers - fast_lane`` workers, and a cheap query from another client is
answered at once however many long ones run.

Examples
--------
The API starts the pool in its lifespan and closes it on shutdown::

    pool = QueryPool(store_path, workers=2, timeout=30.0, max_result_bytes=64 << 20)
    pool.start()
    reply = await pool.execute(job)   # a worker.Job; the reply tuple of worker.answer
    pool.close()
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from smekg.graph_api.sparql import worker as worker_module
from smekg.graph_api.sparql.worker import OK, READY, Job

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 60.0
"""Seconds a new worker may take to open the store before it is given up on."""

INLINE_BODY_BYTES = 256 * 1024
"""Replies up to this size are read on the event loop; larger ones in a thread."""


class PoolError(Exception):
    """A query could not be answered by the pool (the message is for the client)."""


class QueryTimeout(PoolError):
    """The query ran longer than the timeout; its worker was killed."""


class PoolBusy(PoolError):
    """No worker became free within the timeout."""


class FastLaneTimeout(QueryTimeout):
    """The query ran on the fast lane (every other worker busy) longer than its limit."""


class WorkerFailed(PoolError):
    """The worker could not start (e.g. no store) or died while answering."""


class WorkerDied(WorkerFailed):
    """The worker process died while answering (it is replaced)."""


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(
        self, ctx: SpawnContext, store: Path, prefixes: dict[str, str], cap: int,
        max_nesting: int = worker_module.DEFAULT_MAX_NESTING, isolation: str = "auto",
        refresh_interval: float = worker_module.DEFAULT_REFRESH_INTERVAL,
    ) -> None:
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.process: SpawnProcess = ctx.Process(
            target=worker_module.serve,
            args=(child_conn, str(store), prefixes, cap, max_nesting, isolation,
                  refresh_interval),
            name="smekg-sparql-worker",
            daemon=True,
        )
        self.process.start()
        child_conn.close()
        self.pid: int | None = self.process.pid
        self.ready = False
        self.failure: str | None = None
        self.isolation: str | None = None

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Block until the worker has opened the store (raise :class:`WorkerFailed`)."""
        if self.ready:
            return
        if self.failure is None:
            try:
                if not self.conn.poll(timeout):
                    self.failure = f"the query worker did not start within {timeout:g} s"
                else:
                    kind, value, *rest = self.conn.recv()
                    self.ready = kind == READY
                    self.failure = None if self.ready else str(value)
                    if self.ready:
                        self.isolation, detail = rest
                        _log_isolation(self.pid, self.isolation, detail)
            except (EOFError, OSError):
                self.failure = "the query worker exited while starting"
        if self.failure is not None:
            raise WorkerFailed(self.failure)

    async def run(self, job: Job, timeout: float) -> tuple[Any, ...]:
        """Send ``job`` and wait up to ``timeout`` seconds for the reply.

        The wait is an asynchronous wait for the pipe to become readable (no thread): the
        reply's small header is then read at once, and its body too unless it is large
        (over :data:`INLINE_BODY_BYTES`), which is read in a thread so the event loop
        never waits on a long transfer.
        """
        if not self.ready:
            await anyio.to_thread.run_sync(self.wait_ready)
        try:
            self.conn.send(job)
            with anyio.fail_after(timeout):
                await anyio.wait_readable(self.conn.fileno())
            # uvloop makes a watched descriptor non-blocking; reads below must block
            os.set_blocking(self.conn.fileno(), True)
            header: tuple[Any, ...] = self.conn.recv()  # a reply tuple of worker.answer
            if header[0] != OK:
                return header
            _, content_type, size = header
            if size <= INLINE_BODY_BYTES:
                body = self.conn.recv_bytes()
            else:
                body = await anyio.to_thread.run_sync(self.conn.recv_bytes)
            return (OK, content_type, body)
        except TimeoutError:
            raise QueryTimeout(timeout) from None
        except (EOFError, OSError) as error:
            self.process.join(1)
            code = self.process.exitcode
            raise WorkerDied(
                f"the query worker died while answering (exit code {code}); "
                "the query was not completed"
            ) from error

    def kill(self) -> None:
        """Kill the process (SIGKILL), reap it and close the pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.conn.close()

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL), reap it and close the pipe."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(2)
        self.kill()


def _log_isolation(pid: int | None, method: str | None, detail: str) -> None:
    if method == "none":
        log.warning("SPARQL worker %s runs without network isolation (%s); SERVICE is "
                    "refused by the parse check alone", pid, detail)
    else:
        log.info("SPARQL worker %s: network isolation %s", pid, method)


class QueryPool:
    """Persistent worker processes answering SPARQL queries on a read-only store.

    Parameters
    ----------
    store_path
        The Oxigraph store directory; each worker opens it with ``Store.read_only``, and
        opens it again when a load has changed it (see :class:`~.worker.LiveStore`).
    workers
        How many worker processes (queries answered at the same time).
    timeout
        Seconds a query may run before its worker is killed; also the longest wait for a
        free worker.
    max_result_bytes
        Largest serialised result; a bigger one is stopped while it is produced.
    prefixes
        Prefixes predefined for every query (default: ``ontology.PREFIXES``).
    fast_lane
        How many of the ``workers`` are kept for the fast lane (at most ``workers - 1``).
    fast_lane_timeout
        Seconds a query may run on the fast lane.
    max_nesting
        Deepest bracket nesting a query may have (deeper: refused by the worker).
    isolation
        How workers cut themselves off from the network (see :mod:`.sandbox`).
    refresh_interval
        Seconds between two looks of a worker at the store for a new load (between queries;
        0: before every query).
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        workers: int,
        timeout: float,
        max_result_bytes: int,
        prefixes: dict[str, str] | None = None,
        fast_lane: int = 0,
        fast_lane_timeout: float = 2.0,
        max_nesting: int = worker_module.DEFAULT_MAX_NESTING,
        isolation: str = "auto",
        refresh_interval: float = worker_module.DEFAULT_REFRESH_INTERVAL,
    ) -> None:
        if prefixes is None:
            from smekg.ontology import PREFIXES

            prefixes = dict(PREFIXES)
        self.store_path = Path(store_path)
        self.size = workers
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.prefixes = prefixes
        self.fast_lane = max(0, min(fast_lane, workers - 1))
        self.fast_lane_timeout = fast_lane_timeout
        self.max_nesting = max_nesting
        self.isolation = isolation
        self.refresh_interval = refresh_interval
        self._ctx = multiprocessing.get_context("spawn")
        self._spawn_lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._send: MemoryObjectSendStream[_Worker] | None = None
        self._receive: MemoryObjectReceiveStream[_Worker] | None = None
        self._long = anyio.Semaphore(max(1, workers - self.fast_lane))
        self._fast = anyio.Semaphore(max(1, self.fast_lane))
        self._released = anyio.Event()
        self._closed = False

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start the worker processes and wait until they have opened the store.

        A worker that cannot open the store is logged, not raised: the API still starts
        and ``/sparql`` answers 503 with the reason.
        """
        self._send, self._receive = anyio.create_memory_object_stream[_Worker](
            max_buffer_size=self.size
        )
        started = [self._spawn() for _ in range(self.size)]
        for worker in started:
            try:
                worker.wait_ready()
            except WorkerFailed as error:
                log.error("SPARQL worker for %s: %s", self.store_path, error)
            self._send.send_nowait(worker)

    def isolations(self) -> list[str | None]:
        """The network isolation each started worker reported (None: not started yet)."""
        return [w.isolation for w in self._workers]

    def close(self) -> None:
        """Stop every worker process, busy or idle."""
        self._closed = True
        with self._spawn_lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()

    def pids(self) -> list[int]:
        """The process ids of the current workers."""
        return sorted(w.pid for w in self._workers if w.pid is not None)

    def _spawn(self) -> _Worker:
        with self._spawn_lock:
            if self._closed:
                raise WorkerFailed("the SPARQL endpoint is shutting down")
            worker = _Worker(self._ctx, self.store_path, self.prefixes, self.max_result_bytes,
                             self.max_nesting, self.isolation, self.refresh_interval)
            self._workers.add(worker)
            return worker

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill ``worker`` and start its replacement (blocking; run in a thread)."""
        with self._spawn_lock:
            self._workers.discard(worker)
        worker.kill()
        return self._spawn()

    # -- queries --------------------------------------------------------------------
    async def _take(self, slots: list[anyio.Semaphore]) -> anyio.Semaphore:
        """The first of ``slots`` free (in order of preference), waiting for one if none."""
        while True:
            for slot in slots:
                try:
                    slot.acquire_nowait()
                except anyio.WouldBlock:
                    continue
                return slot
            await self._released.wait()

    def _give_back(self, slot: anyio.Semaphore) -> None:
        slot.release()
        released, self._released = self._released, anyio.Event()
        released.set()

    async def execute(self, job: Job, fast_lane: bool = True) -> tuple[Any, ...]:
        """Run ``job`` on a free worker and return its reply tuple.

        It takes a long slot (``timeout``) if one is free; else, when ``fast_lane`` allows
        it and a fast-lane slot is free, runs there (``fast_lane_timeout``); else it waits
        for a long slot.

        Raises
        ------
        QueryTimeout
            The query ran longer than ``timeout``; its worker was killed and replaced.
        FastLaneTimeout
            The query ran on the fast lane longer than ``fast_lane_timeout``.
        PoolBusy
            No worker became free within ``timeout``.
        WorkerFailed
            The worker could not open the store or died; it was replaced.
        """
        if self._receive is None or self._send is None:
            raise WorkerFailed("the SPARQL query pool is not started")
        slots = [self._long, self._fast] if fast_lane and self.fast_lane else [self._long]
        try:
            with anyio.fail_after(self.timeout):
                slot = await self._take(slots)
        except TimeoutError:
            raise PoolBusy(self.timeout) from None
        long = slot is self._long
        try:
            with anyio.fail_after(self.timeout):
                worker = await self._receive.receive()
        except TimeoutError:
            self._give_back(slot)
            raise PoolBusy(self.timeout) from None
        healthy = False
        try:
            try:
                reply = await worker.run(job, self.timeout if long else self.fast_lane_timeout)
            except QueryTimeout:
                if not long:
                    raise FastLaneTimeout(self.fast_lane_timeout) from None
                raise
            healthy = True
            return reply
        finally:
            self._give_back(slot)
            # A worker that timed out, died, or whose request was cancelled midway (its
            # reply would be read by the next request) is killed and replaced.
            with anyio.CancelScope(shield=True):
                if not healthy and not self._closed:
                    started = time.perf_counter()
                    worker = await anyio.to_thread.run_sync(self._replace, worker)
                    log.warning(
                        "SPARQL worker replaced in %.3f s (new pid %s)",
                        time.perf_counter() - started,
                        worker.pid,
                    )
                if not self._closed:
                    self._send.send_nowait(worker)

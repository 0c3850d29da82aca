"""A pool of persistent worker processes that run SPARQL queries with a real timeout.

pyoxigraph cannot cancel a running query, so queries run in worker processes (see
:mod:`smekg.graph_api.sparql.worker`): a query that exceeds the timeout has its worker killed,
which really stops the CPU work, and a fresh worker takes its place. Each worker answers
one query at a time; requests wait (asynchronously) for a free worker. The event loop
never blocks: it waits for a reply by waiting for the pipe to become readable, and reads
a large reply in a thread. (pyoxigraph 0.5 has no query timeout or cancellation, so a query
cannot be stopped inside the server's process: every query goes to a worker.)

The path of a query is kept short, since a cheap query costs the server little more than
its way to a worker and back: the job goes out as one pickled message; a reply up to
:data:`INLINE_BODY_BYTES` comes back as one raw message (no pickling); slots and idle
workers are plain counters and a deque, waited for with bare futures and a timer on the
event loop, not cancel scopes (measured: 0.21 ms of the server's CPU per query before, 0.13
ms after, most of it the kernel's).

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

import asyncio
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from smekg.graph_api.sparql import worker as worker_module
from smekg.graph_api.sparql.worker import INLINE, OK, READY, Job

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 60.0
"""Seconds a new worker may take to open the store before it is given up on."""

INLINE_BODY_BYTES = worker_module.INLINE_BODY_BYTES
"""Replies up to this size come in one message, read on the event loop; larger ones are
announced by a header and read in a thread."""


def _wake(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


async def _wait(future: asyncio.Future[bool], deadline: float) -> bool:
    """Wait for ``future`` until the loop's clock reaches ``deadline``: its result, or False
    at the deadline. (A bare future and a timer: lighter than a cancel scope, and the pool
    waits two or three times per query.)"""
    timer = asyncio.get_running_loop().call_at(deadline, _wake, future, False)
    try:
        return await future
    finally:
        timer.cancel()


_LONG = "long"
_FAST = "fast"


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

        The wait is an asynchronous wait for the pipe to become readable (no thread). A
        reply up to :data:`INLINE_BODY_BYTES` is one message, read at once; a larger one is
        a header, read at once, then the body, read in a thread so that the event loop
        never waits on a long transfer.
        """
        if not self.ready:
            await anyio.to_thread.run_sync(self.wait_ready)
        try:
            self.conn.send(job)
            loop = asyncio.get_running_loop()
            fd = self.conn.fileno()
            readable: asyncio.Future[bool] = loop.create_future()
            loop.add_reader(fd, _wake, readable, True)
            try:
                if not await _wait(readable, loop.time() + timeout):
                    raise QueryTimeout(timeout)
            finally:
                loop.remove_reader(fd)
            # uvloop makes a watched descriptor non-blocking; reads below must block
            os.set_blocking(fd, True)
            message = self.conn.recv_bytes()
            if message[:1] == INLINE:  # (OK, content type, body) in one message
                content_type, _, body = message[1:].partition(b"\n")
                return (OK, content_type.decode("ascii"), body)
            header: tuple[Any, ...] = pickle.loads(message)  # a reply tuple of answer()
            if header[0] != OK:
                return header
            _, content_type, _size = header
            body = await anyio.to_thread.run_sync(self.conn.recv_bytes)
            return (OK, content_type, body)
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
        self._started = False
        self._idle: deque[_Worker] = deque()
        # free slots: long (the full timeout) and fast-lane
        self._free = {_LONG: max(1, workers - self.fast_lane), _FAST: max(1, self.fast_lane)}
        self._waiters: list[asyncio.Future[bool]] = []
        self._closed = False

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start the worker processes and wait until they have opened the store.

        A worker that cannot open the store is logged, not raised: the API still starts
        and ``/sparql`` answers 503 with the reason.
        """
        started = [self._spawn() for _ in range(self.size)]
        for worker in started:
            try:
                worker.wait_ready()
            except WorkerFailed as error:
                log.error("SPARQL worker for %s: %s", self.store_path, error)
            self._idle.append(worker)
        self._started = True

    def start_soon(self, loop: asyncio.AbstractEventLoop) -> threading.Thread:
        """Start the worker processes in a thread, without waiting for them: the API answers
        everything else meanwhile (starting them is most of an API process's start: each
        imports the engine and opens the store), and a query that comes first waits for
        the first worker ready, as for any busy pool (until ``timeout``).

        Each worker joins the pool on ``loop`` once it has opened the store (or failed to:
        then it is logged, and a query on it answers 503 with the reason, as after
        :meth:`start`).
        """
        self._started = True

        def start_all() -> None:
            started = []
            for _ in range(self.size):
                try:
                    started.append(self._spawn())
                except WorkerFailed:  # closed while starting
                    break
            for worker in started:
                try:
                    worker.wait_ready()
                except WorkerFailed as error:
                    log.error("SPARQL worker for %s: %s", self.store_path, error)
                try:
                    loop.call_soon_threadsafe(self._return, worker)
                except RuntimeError:  # the loop is closed: the API stopped meanwhile
                    worker.stop()

        thread = threading.Thread(target=start_all, name="smekg-sparql-start", daemon=True)
        thread.start()
        return thread

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
    # Waiting for a slot or a worker: every waiter has a future, and every change (a slot
    # given back, a worker back) wakes them all to look again (they are few: the requests
    # of this API process that find every worker busy).
    def _changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _wake(waiter, True)

    async def _until_changed(self, deadline: float) -> bool:
        """Wait for the next change, or the deadline (False)."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await _wait(waiter, deadline)
        finally:
            if not waiter.done():  # cancelled
                waiter.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _take_slot(self, kinds: tuple[str, ...]) -> str | None:
        for kind in kinds:
            if self._free[kind] > 0:
                self._free[kind] -= 1
                return kind
        return None

    async def _slot(self, kinds: tuple[str, ...], deadline: float) -> str:
        """The first of ``kinds`` of slot free (in order of preference), waiting for one
        until ``deadline`` (then :class:`PoolBusy`)."""
        while (kind := self._take_slot(kinds)) is None:
            if not await self._until_changed(deadline):
                raise PoolBusy(self.timeout)
        return kind

    async def _worker(self, deadline: float) -> _Worker:
        """An idle worker, waiting for one until ``deadline`` (then :class:`PoolBusy`).

        The most recently used one (last in, first out): its caches (the store's blocks,
        the interpreter's and the processor's) are the warmest, and a query costs it less
        than a worker that has been idle (measured: 0.52 against 0.70-0.76 ms of a worker's
        CPU per dashboard query, one query at a time on three workers).
        """
        while not self._idle:
            if not await self._until_changed(deadline):
                raise PoolBusy(self.timeout)
        return self._idle.pop()

    def _give_back(self, kind: str) -> None:
        self._free[kind] += 1
        self._changed()

    def _return(self, worker: _Worker) -> None:
        if not self._closed:
            self._idle.append(worker)
            self._changed()

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
        if not self._started:
            raise WorkerFailed("the SPARQL query pool is not started")
        kinds = (_LONG, _FAST) if fast_lane and self.fast_lane else (_LONG,)
        loop = asyncio.get_running_loop()
        slot = self._take_slot(kinds) or await self._slot(kinds, loop.time() + self.timeout)
        long = slot == _LONG
        try:
            # the most recently used idle worker (see _worker)
            if self._idle:
                worker = self._idle.pop()
            else:
                worker = await self._worker(loop.time() + self.timeout)
        except BaseException:
            self._give_back(slot)
            raise
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
            if healthy:
                self._return(worker)
            else:
                # A worker that timed out, died, or whose request was cancelled midway (its
                # reply would be read by the next request) is killed and replaced.
                with anyio.CancelScope(shield=True):
                    if not self._closed:
                        started = time.perf_counter()
                        worker = await anyio.to_thread.run_sync(self._replace, worker)
                        log.warning(
                            "SPARQL worker replaced in %.3f s (new pid %s)",
                            time.perf_counter() - started,
                            worker.pid,
                        )
                    self._return(worker)

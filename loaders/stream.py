"""A large table source mapped, validated and spooled a chunk of rows at a time, on every
core: the chunks are shared between this process and forked worker processes.

Each process handles whole chunks (:func:`handle`): it maps the rows to N-Triples text,
notes the chunk's subjects and identified organisations, validates it and appends its
text to the one spool file (an ``O_APPEND`` write of the whole chunk under an exclusive
``flock``, so the lines of two processes never mix). What a chunk gave comes back as a
:class:`ChunkOutcome`; the loader merges the outcomes in the chunks' order, so problems,
notes and identified organisations come out as a single process gives them.

A worker never touches the store: it asks this process (a thread per worker answers
while the main thread maps its own chunks) for what only the store knows -- the entities
of ids the batch does not define and the classes of nodes it points at. The store is
written only once every chunk of every source was checked (see
:func:`smekg.loaders.sources.load_sources`), by this process alone. A worker is killed
when this process dies (``PR_SET_PDEATHSIG``), so it cannot outlive a killed load and hold
the store's write lock, whose file it inherited.

Workers are forked, which needs Linux (the death signal) and an ``os.fork`` that leaves
the child usable: the child uses no lock another thread may hold (no store, no console;
it writes nothing but its pipe and the spool file, and leaves with ``os._exit``).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import os
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, Triple, parse

from smekg.loaders.errors import Problem
from smekg.loaders.ntriples import TextGraph, value_of

__all__ = ["Asking", "ChunkOutcome", "ChunkWork", "Chunks", "Spool", "WorkerFailed",
           "available_processes", "encoded", "handle", "map_in_processes", "merged_seconds",
           "timed"]

MAX_PROCESSES = 4
"""Processes a load maps with at most (by default as many as there are cores)."""

_PR_SET_PDEATHSIG = 1


class WorkerFailed(RuntimeError):
    """A worker process failed or died; the load stops with nothing written."""


class Spool:
    """The N-Triples text of one source on its way to the store: in memory while small,
    then in a file (``directory/spool-*.nt``) that several processes may append to."""

    def __init__(self, directory: Path, bulk_above: int) -> None:
        self.directory = directory
        self.bulk_above = bulk_above
        self.pending: list[bytes] = []  # while the source is small
        self.path: Path | None = None
        self.count = 0  # triples written (a subject repeated across chunks: counted twice)
        self.duplicates = False  # rows repeating a subject across chunks (count is high)
        self._fd: int | None = None

    def add(self, graph: TextGraph, origin: str) -> list[Problem]:
        """Spool ``graph``; a problem (nothing spooled) if its text cannot be UTF-8."""
        data, problem = encoded(graph, origin)
        if problem is not None:
            return [problem]
        self.append(data, len(graph))
        return []

    def append(self, data: bytes, count: int) -> None:
        """Spool ``count`` triples' N-Triples lines ``data``."""
        self.count += count
        if self.path is None:
            self.pending.append(data)
            if self.count > self.bulk_above:
                self.to_file()
            return
        self._write(data)

    def to_file(self) -> Path:
        """Go on in a file (from now on, and what was held so far); return its path."""
        if self.path is None:
            self.path = self.directory / f"spool-{id(self)}.nt"
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL,
                               0o600)
            pending, self.pending = self.pending, []
            for data in pending:
                self._write(data)
        return self.path

    def _write(self, data: bytes) -> None:
        if self._fd is None:  # a worker's own descriptor of the file
            assert self.path is not None
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def triples(self) -> list[Triple]:
        """The distinct triples held in memory (a small source)."""
        found: dict[Triple, None] = {}
        for data in self.pending:
            for quad in parse(data, format=RdfFormat.N_TRIPLES):
                found[Triple(quad.subject, quad.predicate, quad.object)] = None
        return list(found)

    def close(self) -> None:
        """Close the file (a worker: its copy of this process's descriptor, so that it
        appends through one of its own, which ``flock`` tells from this process's)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def encoded(graph: TextGraph, origin: str) -> tuple[bytes, Problem | None]:
    """The UTF-8 bytes of ``graph``'s text, or a problem naming the value that has none (a
    lone surrogate, which only a JSON escape can make)."""
    text = graph.text()
    try:
        return text.encode(), None
    except UnicodeEncodeError as error:
        start = text.rfind("\n", 0, error.start) + 1
        subject, predicate, _rest = text[start:text.index("\n", error.start)].split(" ", 2)
        return b"", Problem(
            origin, f"a value of <{value_of(predicate)}> of <{value_of(subject)}> is not "
            "valid Unicode text (it holds a lone surrogate, e.g. a JSON \\ud800 escape)",
            focus=value_of(subject))


@dataclass
class ChunkOutcome:
    """What handling one chunk gave (sent from a worker to this process)."""

    index: int
    rows: int
    mapping: list[Problem]  # rows that could not be mapped
    notes: list[str]
    subjects: array[int] = field(default_factory=lambda: array("q"))  # their hash()es
    identified: object = None  # what ChunkWork.identify found in the chunk
    problems: list[Problem] = field(default_factory=list)  # validation
    triples: int = 0  # spooled
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ChunkWork:
    """How a source's chunks are handled, the same in every process."""

    origin: str
    spool: Spool
    validate: Callable[[TextGraph], list[Problem]] | None  # None: not validated
    identify: Callable[[TextGraph], object]  # the chunk's organisations (merged in order)
    prefetch: Callable[[TextGraph], None]  # learn the classes validation will ask for
    failed_mapping: bool = False  # in this process: later chunks are only mapped
    failed: bool = False  # a problem in this process: later chunks are not spooled


def handle(built_graph: TextGraph, index: int, rows: int, mapping: list[Problem],
           notes: list[str], work: ChunkWork, mapped_in: float) -> ChunkOutcome:
    """Check and spool one mapped chunk (as the sequential loader always did: once a row
    could not be mapped, later chunks are only mapped; once a chunk has a problem, later
    ones are checked but not spooled)."""
    outcome = ChunkOutcome(index, rows, mapping, notes, seconds={"map": mapped_in})
    if mapping:
        work.failed_mapping = work.failed = True
    if work.failed_mapping:
        return outcome
    started = time.perf_counter()
    outcome.subjects = array("q", map(hash, built_graph.subjects))  # the same in a worker
    outcome.identified = work.identify(built_graph)
    if work.validate is not None:
        work.prefetch(built_graph)
        outcome.problems = work.validate(built_graph)
    outcome.seconds["validate"] = time.perf_counter() - started
    if outcome.problems:
        work.failed = True
    if not work.failed:
        started = time.perf_counter()
        outcome.problems = work.spool.add(built_graph, work.origin)
        work.failed = bool(outcome.problems)
        outcome.triples = 0 if work.failed else len(built_graph)
        outcome.seconds["spool"] = time.perf_counter() - started
    return outcome


Chunks = Callable[[int, int], Iterator[tuple[TextGraph, int, int, list[Problem], list[str]]]]
"""The chunks ``part`` modulo ``parts`` of a source, each as (graph, index, rows, mapping
problems, notes)."""


def timed(chunks: Iterator[Any]) -> Iterator[tuple[Any, float]]:
    """Each item of ``chunks`` with the seconds taken to make it."""
    while True:
        started = time.perf_counter()
        try:
            item = next(chunks)
        except StopIteration:
            return
        yield item, time.perf_counter() - started


def available_processes() -> int:
    """The processes a load maps with by default: the cores this process may use, at most
    :data:`MAX_PROCESSES`; 1 where workers cannot be forked safely (not Linux)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_PROCESSES))


Answer = Callable[[str, Any], Any]
"""This process's answer to a worker's question: ("lookup", id) or ("types", [node texts])."""


class Asking:
    """A worker's side of its pipe: questions for this process, answered in turn."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._lock = threading.Lock()

    def ask(self, kind: str, payload: Any) -> Any:
        with self._lock:
            self.connection.send(("ask", (kind, payload)))
            return self.connection.recv()


def map_in_processes(
    chunks: Chunks, parts: int, work: ChunkWork, answer: Answer,
    in_worker: Callable[[Asking], None],
) -> list[ChunkOutcome]:
    """Handle every chunk, the chunks ``0`` modulo ``parts`` here and the others in
    ``parts - 1`` forked workers; return the outcomes in chunk order.

    ``in_worker(asking)`` runs first in each worker, to send its store look-ups to this
    process (where ``answer`` gives them). Raises :class:`WorkerFailed` if a worker fails.
    """
    spool = work.spool
    spool.to_file()  # one file, appended to by every process
    workers: list[_Worker] = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.001))  # a worker's question is answered at once
    try:
        for part in range(1, parts):
            workers.append(_Worker.fork(chunks, part, parts, work, answer, in_worker))
        outcomes = [handle(graph, index, rows, mapping, notes, work, seconds)
                    for (graph, index, rows, mapping, notes), seconds in timed(chunks(0, parts))]
        for worker in workers:
            outcomes.extend(worker.finish())
    finally:
        sys.setswitchinterval(switch)
        for worker in workers:
            worker.stop()
    return sorted(outcomes, key=lambda outcome: outcome.index)


class _Worker:
    """A forked worker and the thread of this process that talks to it."""

    def __init__(self, pid: int, connection: Connection, answer: Answer) -> None:
        self.pid = pid
        self.connection = connection
        self.answer = answer
        self.outcomes: list[ChunkOutcome] = []
        self.error: str | None = None
        self.thread = threading.Thread(target=self._serve, name=f"loader-worker-{pid}",
                                       daemon=True)
        self.thread.start()

    @classmethod
    def fork(cls, chunks: Chunks, part: int, parts: int, work: ChunkWork, answer: Answer,
             in_worker: Callable[[Asking], None]) -> _Worker:
        ours, theirs = socket.socketpair()
        parent = os.getpid()
        pid = -1
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            with contextlib.suppress(Exception):
                stream.flush()
        # Every object there is now is left out of the worker's garbage collections:
        # collecting an unreachable store there would close it, and wait forever for
        # threads the worker does not have.
        frozen = gc.get_freeze_count()
        gc.freeze()
        try:
            with warnings.catch_warnings():
                # Python 3.12 warns of fork() in a process with threads; the worker touches
                # no lock those threads may hold (see the module's docstring).
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        finally:
            if pid != 0 and not frozen:  # else the loader thaws it when done
                gc.unfreeze()
        if pid == 0:  # the worker
            code = 1
            try:
                ours.close()
                _die_with(parent)
                _work(Connection(theirs.detach()), chunks, part, parts, work, in_worker)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        return cls(pid, Connection(ours.detach()), answer)

    def _serve(self) -> None:
        try:
            while True:
                kind, payload = self.connection.recv()
                if kind == "ask":
                    self.connection.send(self.answer(*payload))
                elif kind == "chunk":
                    self.outcomes.append(payload)
                elif kind == "error":
                    self.error = payload
                    return
                else:  # done
                    return
        except (EOFError, OSError) as error:
            self.error = f"the worker process {self.pid} ended unexpectedly ({error!r})"
        except BaseException:  # an answer failed: the worker cannot go on
            self.error = traceback.format_exc()
            with contextlib.suppress(OSError):
                self.connection.close()

    def finish(self) -> list[ChunkOutcome]:
        self.thread.join()
        self.stop()
        if self.error is not None:
            raise WorkerFailed(f"a loader worker process failed:\n{self.error}")
        return self.outcomes

    def stop(self) -> None:
        """Kill the worker if it still runs, and reap it."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                reaped, _status = os.waitpid(self.pid, os.WNOHANG)
                if reaped == 0:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
            self.pid = 0
        with contextlib.suppress(OSError):
            self.connection.close()


def _die_with(parent: int) -> None:
    """Have the kernel kill this (worker) process when its parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _work(connection: Connection, chunks: Chunks, part: int, parts: int, work: ChunkWork,
          in_worker: Callable[[Asking], None]) -> None:
    try:
        work.spool.close()  # appends through a descriptor of its own
        in_worker(Asking(connection))
        for (graph, index, rows, mapping, notes), seconds in timed(chunks(part, parts)):
            connection.send(("chunk", handle(graph, index, rows, mapping, notes, work,
                                             seconds)))
        work.spool.close()
        connection.send(("done", None))
    except BaseException:
        with contextlib.suppress(Exception):
            connection.send(("error", traceback.format_exc()))
        raise


def merged_seconds(outcomes: Iterable[ChunkOutcome]) -> dict[str, float]:
    """The seconds of each stage, summed over the chunks (and so over the processes)."""
    total: dict[str, float] = {}
    for outcome in outcomes:
        for stage, seconds in outcome.seconds.items():
            total[stage] = total.get(stage, 0.0) + seconds
    return total

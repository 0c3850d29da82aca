"""The worker process side of the SPARQL query pool.

Each worker is a persistent process (``multiprocessing`` ``spawn`` context) holding the
store opened read-only. It answers one :class:`Job` at a time from its end of a pipe with
one reply (see :func:`answer` and :func:`serve`). The parent kills a worker whose query exceeds the
timeout; a worker exits by itself when the parent process dies (a watchdog thread waits on
the parent's sentinel; pyoxigraph releases the GIL while it evaluates, so the watchdog runs
even during a long query) or when the parent closes the pipe.

Before it runs a query, the worker parses it (:func:`~.analysis.analyse`) and refuses
``SERVICE``, updates and too deep nesting; it remembers the verdict for the query's text
(:class:`~.analysis.VerdictCache`), so a dashboard's repeated queries are parsed once. The
query is then parsed and run by pyoxigraph, which serialises the results itself (in Rust)
into a size-capped buffer, sent to the server as raw bytes. All this happens on one
long-lived thread with a deep stack (:func:`~.sandbox.run_deep`), so a long query cannot
overflow the stack, and a query longer than :data:`REUSED_STACK_QUERY_CHARS` on a thread of
its own. The worker cuts itself off from the network first
(:func:`~.sandbox.isolate_network`), so even a query that got past the check could not call
another host.

The worker follows the loads (:class:`LiveStore`): a read-only handle sees the store as it
was when it was opened, so between two queries, at most every ``refresh_interval`` seconds,
the worker looks at the store's RocksDB files (a few ``stat`` calls) and, when a load has
changed them, opens a new handle for the next query. A query runs on one handle from start to
end: one consistent snapshot, never part old and part new data.

This module imports only pyoxigraph, rdflib's SPARQL grammar and the format table, so a
worker (or its replacement after a timeout) starts quickly.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
)
from pyoxigraph import serialize as serialize_rdf

from smekg.graph_api.sparql.analysis import Verdict, VerdictCache, analyse, warm_up
from smekg.graph_api.sparql.formats import FORMATS_BY_NAME
from smekg.graph_api.sparql.protocol import READ_ONLY
from smekg.graph_api.sparql.sandbox import IsolationUnavailable, isolate_network, run_deep

# Reply tuples of answer(), first element:
OK = "ok"  # (OK, content_type, body); see INLINE for how it is sent
SYNTAX = "syntax"  # (SYNTAX, parser message)
NOT_ACCEPTABLE = "not-acceptable"  # (NOT_ACCEPTABLE, "graph" | "results")
TOO_LARGE = "too-large"  # (TOO_LARGE, bytes written before stopping)
FAILED = "failed"  # (FAILED, message)
REFUSED = "refused"  # (REFUSED, HTTP status, message): refused before it ran
READY = "ready"  # (READY, pid, isolation, detail): sent once, when the store is open

INLINE = b"="
"""First byte of a reply message that holds an OK reply whole: ``=``, the content type, a
newline, the body (one message, no pickling). A larger OK reply is sent as the pickled
header ``(OK, content_type, len(body))``, then the body as a message of its own; other replies
as a pickled tuple (which starts with pickle's protocol byte, never ``=``)."""

INLINE_BODY_BYTES = 256 * 1024
"""The largest body sent in one message with its header (read by the server at once)."""

DEFAULT_MAX_NESTING = 100
DEFAULT_REFRESH_INTERVAL = 0.5

VERDICT_CACHE_SIZE = 4096
"""Query checks each worker remembers (:class:`~.analysis.VerdictCache`)."""

REUSED_STACK_QUERY_CHARS = 16 * 1024
"""Queries up to this long are answered on the worker's long-lived deep-stack thread; longer
ones in a thread of their own, so the stack their parse touches is given back."""

JOURNAL_DIR = "smekg-journal"
"""The store's folder of bulk replacements under way (``smekg.core.stores.JOURNAL_DIR``,
named here so that a worker does not import the stores; a test checks they agree)."""

_STAMPED = ("CURRENT", "MANIFEST-", "OPTIONS-")


def store_stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes whenever a writer changes the store at ``path``: the name, size and
    modification time of RocksDB's CURRENT, MANIFEST and OPTIONS files and of its write-ahead
    logs (``*.log``: a committed transaction is there before any table file is written).

    A handful of ``stat`` calls (one directory listing), cheap enough to run between queries.
    """
    stamp: list[tuple[str, int, int]] = []
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.name.startswith(_STAMPED) or entry.name.endswith(".log"):
                try:
                    info = entry.stat()
                except FileNotFoundError:  # removed by the writer meanwhile
                    continue
                stamp.append((entry.name, info.st_size, info.st_mtime_ns))
    return tuple(sorted(stamp))


def _journal_state(path: Path) -> tuple[int, tuple[str, ...]] | None:
    """The journal folder's modification time and entries; None when no bulk replacement
    is under way (no entries)."""
    folder = path / JOURNAL_DIR
    try:
        entries = tuple(sorted(name for name in os.listdir(folder) if name.endswith(".json")))
        mtime = folder.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return (mtime, entries) if entries else None


class LiveStore:
    """The store at ``path`` opened read-only, reopened when a load has changed it.

    :meth:`current` is called between queries. At most every ``interval`` seconds (0: every
    time) it compares the store's :func:`store_stamp` with the one taken when the handle was
    opened; when they differ it opens a new read-only handle, which sees the store as of
    that moment, and the next query runs on it. While a large source is being bulk-replaced
    (a journal entry exists: its graph is partly written) the old handle is kept, and the
    new one is opened only if no replacement started or ended around the opening, so a
    handle never shows a source half-written.
    """

    def __init__(self, path: str | Path, interval: float = DEFAULT_REFRESH_INTERVAL) -> None:
        self.path = Path(path)
        self.interval = interval
        if not self.path.is_dir():
            raise OSError(f"no store at {self.path} (run `smekg load` first)")
        self.stamp = store_stamp(self.path)
        self.store = Store.read_only(str(self.path))
        self.checked = time.monotonic()
        self.reopened = 0

    def current(self) -> Store:
        """The handle the next query runs on (reopened first if the store has changed)."""
        now = time.monotonic()
        if now - self.checked < self.interval:
            return self.store
        self.checked = now
        try:
            stamp = store_stamp(self.path)
            if stamp == self.stamp or _journal_state(self.path) is not None:
                return self.store
            journal = self.path / JOURNAL_DIR
            before = journal.stat().st_mtime_ns if journal.is_dir() else None
            store = Store.read_only(str(self.path))
            after = journal.stat().st_mtime_ns if journal.is_dir() else None
            if before != after or _journal_state(self.path) is not None:
                return self.store  # a bulk replacement started meanwhile: next time
        except OSError:  # the store is being rewritten under us: keep the handle we have
            return self.store
        self.store, self.stamp = store, stamp
        self.reopened += 1
        return self.store


@dataclass(frozen=True)
class Job:
    """One query for a worker (pickled over the pipe).

    Attributes
    ----------
    query
        The SPARQL query text.
    base_iri
        Base IRI for relative IRIs in the query (the endpoint's URL).
    union
        Whether the default graph is the union of all named graphs (when the query names
        no dataset of its own with ``FROM``: the worker checks that from its parse).
    default_graphs, named_graphs
        The protocol dataset (``default-graph-uri``, ``named-graph-uri``), or None.
    results_format, graph_format
        Names (in :data:`~smekg.graph_api.sparql.formats.FORMATS_BY_NAME`) of the negotiated
        format for SELECT/ASK results and for CONSTRUCT/DESCRIBE results; None when the
        client accepts none.
    """

    query: str
    base_iri: str | None
    union: bool
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    results_format: str | None
    graph_format: str | None


class ResultTooLarge(Exception):
    """Raised by :class:`CappedWriter` to stop a serialisation at the size cap."""


class CappedWriter:
    """A binary writer that keeps what is written and raises past ``cap`` bytes.

    pyoxigraph serialises into it in chunks of a few kilobytes, so the query stops
    (pyoxigraph evaluates lazily while it serialises) as soon as the cap is exceeded.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        """Keep ``data``; raise :class:`ResultTooLarge` once the total exceeds the cap."""
        self.size += len(data)
        if self.size > self.cap:
            raise ResultTooLarge(self.size)
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: everything is kept in memory."""

    def getvalue(self) -> bytes:
        """Everything written so far."""
        return b"".join(self._chunks)


def refusal_reply(verdict: Verdict, job: Job) -> tuple[Any, ...] | None:
    """The reply refusing ``job`` for what its parse showed, or None if it may run."""
    if verdict.refusal == "nesting":
        return (REFUSED, 400, verdict.message)
    if verdict.refusal == "update":
        return (REFUSED, 403, READ_ONLY)
    if verdict.refusal == "service":
        return (REFUSED, 403, verdict.message)
    if verdict.refusal == "syntax":
        return (SYNTAX, verdict.message)
    graph = verdict.returns_graph
    if (graph and job.graph_format is None) or (graph is False and job.results_format is None):
        return (NOT_ACCEPTABLE, "graph" if graph else "results")
    return None


def _syntax_error(job: Job, prefixes: dict[str, str], message: str,
                  isolated: bool) -> tuple[Any, ...]:
    """The reply for a query rdflib cannot parse: Oxigraph's message, or a refusal.

    Where the worker has no network (``isolated``), Oxigraph parses the query on an empty
    in-memory store, for its own (better) message; if Oxigraph accepts what rdflib rejects,
    the query is refused rather than run. Without isolation Oxigraph is not asked (parsing
    and running are one call, which would send a SERVICE request): rdflib's message is sent.
    """
    if not isolated:
        return (SYNTAX, message)
    try:
        Store().query(job.query, base_iri=job.base_iri, prefixes=prefixes)
    except SyntaxError as error:
        return (SYNTAX, str(error))
    except Exception:  # evaluation failed on the empty store: it parsed
        pass
    return (REFUSED, 400, f"SPARQL syntax error: this endpoint checks every query with a "
            f"SPARQL 1.1 parser before it runs it, and that parser rejects this one "
            f"({message}). Use standard SPARQL 1.1 syntax.")


def answer(
    store: Store,
    job: Job,
    prefixes: dict[str, str],
    max_result_bytes: int,
    max_nesting: int = DEFAULT_MAX_NESTING,
    isolated: bool = False,
    verdicts: VerdictCache | None = None,
) -> tuple[Any, ...]:
    """Check ``job``, run it on ``store`` and return the reply tuple (never raises for a bad
    query). Call it in a thread with a deep stack (:func:`~.sandbox.run_deep`).

    ``verdicts`` (taken with the same ``max_nesting``) remembers the checks of query texts
    seen before, so that a repeated query is not parsed by rdflib again.
    """
    if verdicts is not None:
        verdict = verdicts.analyse(job.query)
    else:
        verdict = analyse(job.query, max_nesting=max_nesting)
    if verdict.refusal == "syntax":
        return _syntax_error(job, prefixes, verdict.message, isolated)
    refusal = refusal_reply(verdict, job)
    if refusal is not None:
        return refusal
    return evaluate(store, job, prefixes, max_result_bytes,
                    union=job.union and not verdict.has_dataset)


def evaluate(
    store: Store, job: Job, prefixes: dict[str, str], max_result_bytes: int, *, union: bool
) -> tuple[Any, ...]:
    """Run ``job`` (already checked) on ``store`` and serialise its results with pyoxigraph's
    own serialisers into a :class:`CappedWriter`.

    The results live in this function's frame only, not in :func:`answer`'s: a frame that a
    parse exception's traceback keeps alive (as rdflib's parse may) would keep them too, to be
    freed later on another thread, which pyoxigraph refuses (its results are bound to the
    thread that made them) and which would leak them.

    Parameters
    ----------
    store
        The store handle to query.
    job
        The query and its dataset and formats.
    prefixes
        Prefixes predefined for the query.
    max_result_bytes
        The largest serialised result; a larger one is stopped (:data:`TOO_LARGE`).
    union
        Whether the default graph is the union of the named graphs.

    Returns
    -------
    tuple
        The reply tuple (:data:`OK`, :data:`SYNTAX`, :data:`NOT_ACCEPTABLE`,
        :data:`TOO_LARGE` or :data:`FAILED`).
    """
    dataset: dict[str, Any] = {}
    if job.default_graphs is not None or job.named_graphs is not None:
        dataset["default_graph"] = [NamedNode(g) for g in job.default_graphs or ()]
        dataset["named_graphs"] = [NamedNode(g) for g in job.named_graphs or ()]
    try:
        result = store.query(
            job.query,
            base_iri=job.base_iri,
            prefixes=prefixes,
            use_default_graph_as_union=union,
            **dataset,
        )
    except SyntaxError as error:
        return (SYNTAX, str(error))
    except Exception as error:
        return (FAILED, f"{type(error).__name__}: {error}")
    is_graph = not isinstance(result, QuerySolutions | QueryBoolean)
    name = job.graph_format if is_graph else job.results_format
    if name is None:
        return (NOT_ACCEPTABLE, "graph" if is_graph else "results")
    fmt = FORMATS_BY_NAME[name]
    writer = CappedWriter(max_result_bytes)
    # pyoxigraph writes to any object with a write() method; its stubs ask for IO[bytes]
    output = cast(IO[bytes], writer)
    pyoxigraph_format = fmt.pyoxigraph
    try:
        if isinstance(result, QueryTriples) and isinstance(pyoxigraph_format, RdfFormat):
            if name in ("turtle", "trig"):
                # pyoxigraph's serializer writes @prefix lines for the project's prefixes
                serialize_rdf(result, output, pyoxigraph_format, prefixes=prefixes)
            else:
                result.serialize(output, pyoxigraph_format)
        elif isinstance(result, QuerySolutions | QueryBoolean) and isinstance(
            pyoxigraph_format, QueryResultsFormat
        ):
            result.serialize(output, pyoxigraph_format)
        else:  # the format tables keep graph and results formats apart: never reached
            raise TypeError(f"{name} is not a format for {type(result).__name__}")
    except ResultTooLarge:
        return (TOO_LARGE, writer.size)
    except Exception as error:
        return (FAILED, f"{type(error).__name__}: {error}")
    return (OK, fmt.content_type, writer.getvalue())


def _exit_with_parent() -> None:
    """Exit this process as soon as the parent process is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(0)


def serve(
    conn: multiprocessing.connection.Connection,
    store_path: str,
    prefixes: dict[str, str],
    max_result_bytes: int,
    max_nesting: int = DEFAULT_MAX_NESTING,
    isolation: str = "auto",
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
) -> None:
    """The worker's main loop: cut off the network, open the store, say READY, answer jobs
    until EOF (each on the store as the latest load left it: :class:`LiveStore`)."""
    try:  # first, while the process has one thread (a user namespace needs that)
        method, detail = isolate_network(isolation)
    except IsolationUnavailable as error:
        conn.send((FAILED, f"cannot isolate the query worker from the network with "
                   f"SMEKG_SPARQL_WORKER_ISOLATION={isolation}: {error}"))
        return
    threading.Thread(target=_exit_with_parent, name="parent-watchdog", daemon=True).start()
    try:
        live = LiveStore(store_path, refresh_interval)
    except Exception as error:
        conn.send((FAILED, f"cannot open the store: {error}"))
        return
    warm_up()  # rdflib's grammar is built once, not during the first query
    conn.send((READY, os.getpid(), method, detail))
    # every query is answered on one long-lived thread with a deep stack (not a new thread
    # per query); pyoxigraph's results are made and freed on that thread
    run_deep(functools.partial(_answer_jobs, conn, live, prefixes, max_result_bytes,
                               max_nesting, method != "none"))


def _answer_jobs(
    conn: multiprocessing.connection.Connection,
    live: LiveStore,
    prefixes: dict[str, str],
    max_result_bytes: int,
    max_nesting: int,
    isolated: bool,
) -> None:
    """Answer jobs from ``conn`` until EOF (on the worker's deep-stack thread).

    A query longer than :data:`REUSED_STACK_QUERY_CHARS` is answered in a thread of its own
    (:func:`~.sandbox.run_deep`), whose stack is given back when it ends: the parsers may
    touch much of the deep stack for it, which this long-lived thread would keep.
    """
    verdicts = VerdictCache(max_nesting=max_nesting, size=VERDICT_CACHE_SIZE)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            work = functools.partial(answer, live.current(), job, prefixes, max_result_bytes,
                                     max_nesting, isolated, verdicts)
            reply = work() if len(job.query) <= REUSED_STACK_QUERY_CHARS else run_deep(work)
        except Exception as error:  # a bug here must not kill the worker
            reply = (FAILED, f"{type(error).__name__}: {error}")
        try:
            send_reply(conn, reply)
        except (BrokenPipeError, OSError):
            return


def send_reply(conn: multiprocessing.connection.Connection, reply: tuple[Any, ...]) -> None:
    """Send ``reply`` to the server: an OK reply as raw bytes (see :data:`INLINE`), any
    other pickled.

    Parameters
    ----------
    conn
        The worker's end of its pipe.
    reply
        A reply tuple of :func:`answer`.
    """
    if reply[0] != OK:
        conn.send(reply)
        return
    _, content_type, body = reply
    if len(body) <= INLINE_BODY_BYTES:
        conn.send_bytes(INLINE + content_type.encode("ascii") + b"\n" + body)
    else:
        conn.send((OK, content_type, len(body)))
        conn.send_bytes(body)

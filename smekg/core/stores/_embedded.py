"""The embedded system of record: an Oxigraph store on disk, one named graph per source.

Every write goes through :meth:`GraphStore.replace_source`, which swaps a source's
named graph in a single Oxigraph transaction, or, for a large source, through
:meth:`GraphStore.bulk_replace_source`, which copies the new triples into the store's
journal folder before it touches the old graph and completes the replacement from there
(after a crash, at the next writing open). Either way a load that fails or is killed
leaves every source wholly old or wholly new (after the next writing open), and
re-loading a source replaces exactly its graph. One process at a time opens a store
for writing (a lock file names it); read-only opens are not limited.

Examples
--------
>>> import tempfile
>>> from pyoxigraph import Literal, NamedNode, Triple
>>> store = GraphStore.open(tempfile.mkdtemp())
>>> t = Triple(NamedNode("http://ex.org/a"), NamedNode("http://ex.org/p"), Literal("x"))
>>> store.replace_source("http://ex.org/graph/demo", [t])
1
>>> [str(row["s"]) for row in store.select("SELECT ?s WHERE { ?s ?p ?o }")]
['<http://ex.org/a>']
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
)

from smekg.core.stores._protocol import (
    SOURCE_RECORD_QUERY,
    SourceRecord,
    StoreError,
    source_record_from_row,
)
from smekg.ontology import PREFIXES

_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdf": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
}


def ntriples(triples: Iterable[Triple]) -> str:
    """N-Triples text of ``triples`` (pyoxigraph terms print in N-Triples syntax)."""
    return "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


JOURNAL_DIR = "smekg-journal"
"""The folder, inside the store directory, of the replacements of large sources under way."""
LOCK_FILE = "smekg-write.lock"
"""The file, inside the store directory, locked by the process that opens it for writing."""
DEFAULT_FREE_DISK_FACTOR = 10.0
"""Free disk needed before a large source's old graph is dropped, as a multiple of the size
of its N-Triples (the new graph's files and the old graph's tombstones until compaction)."""



class _WriteLock:
    """An exclusive ``flock`` on ``STORE/smekg-write.lock``, which holds the owner's pid.

    Taken by every writing open before RocksDB's own lock, so a second writer is told which
    process holds the store rather than given RocksDB's message; released when the file is
    closed (by :meth:`release`, or by the operating system when the process ends).
    """

    def __init__(self, file: IO[str]) -> None:
        self._file: IO[str] | None = file

    @classmethod
    def take(cls, directory: Path) -> _WriteLock:
        file = (directory / LOCK_FILE).open("a+", encoding="ascii")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(
                    f"another load is running on {directory} (pid {holder}); wait for it to "
                    "end, or stop it (reading the store, e.g. `smekg serve`, still works)"
                ) from None
            raise
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        return cls(file)

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass(frozen=True)
class _Replacement:
    """A replacement of a large source under way, as its journal entry records it.

    ``STORE/smekg-journal/<key>.json`` names the graph, the copy of the new triples
    (``<key>.nt`` beside it) and the closing triples (N-Triples). Written (atomically) only once the
    copy is complete, removed once the graph holds the new triples and the closing
    (``count`` is the number of triples of the copy).
    """

    graph: str
    ntriples: Path
    closing: str
    count: int
    journal: Path

    @staticmethod
    def key(graph: str) -> str:
        return hashlib.sha256(graph.encode()).hexdigest()[:32]

    @classmethod
    def read(cls, journal: Path) -> _Replacement:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        return cls(entry["graph"], journal.with_name(entry["ntriples"]), entry["closing"],
                   entry["count"], journal)

    def write(self) -> None:
        _write_atomically(self.journal, json.dumps({
            "graph": self.graph, "ntriples": self.ntriples.name, "closing": self.closing,
            "count": self.count, "phase": "staged",
        }).encode())

    def closing_triples(self, _count: int) -> list[Triple]:
        return [Triple(q.subject, q.predicate, q.object)
                for q in parse(self.closing.encode(), format=RdfFormat.N_TRIPLES)]

    def discard(self) -> None:
        self.journal.unlink(missing_ok=True)
        self.ntriples.unlink(missing_ok=True)
        _fsync_directory(self.journal.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _durable_copy(source: Path, target: Path) -> None:
    """``target`` holding ``source``'s bytes on disk: a second name of the same file where
    both lie on one filesystem (nothing copied; the caller writes the file no more), else a
    copy; either way flushed to disk."""
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or one without hard links
        with source.open("rb") as original, target.open("wb") as copy:
            shutil.copyfileobj(original, copy, 1 << 20)
            copy.flush()
            os.fsync(copy.fileno())
        return
    with target.open("rb") as linked:
        os.fsync(linked.fileno())


def _distinct(ntriples_file: Path, folder: Path) -> int:
    """The number of distinct triples of an N-Triples file (bulk-loaded into a scratch store
    in ``folder``: the file may repeat triples, and may not fit in memory)."""
    with tempfile.TemporaryDirectory(prefix="scratch-", dir=folder) as scratch:
        store = Store(scratch)
        store.bulk_load(path=str(ntriples_file), format=RdfFormat.N_TRIPLES)
        count = len(store)
        del store
    return count


def pending_replacements(directory: Path | None) -> list[str]:
    """The graphs whose replacement was cut off (journal entries left in ``directory``)."""
    if directory is None or not (directory / JOURNAL_DIR).is_dir():
        return []
    graphs = []
    for journal in sorted((directory / JOURNAL_DIR).glob("*.json")):
        try:
            graphs.append(str(json.loads(journal.read_text(encoding="utf-8"))["graph"]))
        except (OSError, ValueError, KeyError, TypeError):
            graphs.append(f"(unreadable journal entry {journal.name})")
    return graphs


class GraphStore:
    """An Oxigraph dataset whose default graph, for queries, is the union of all sources."""

    def __init__(self, store: Store, path: Path | None, *, lock: _WriteLock | None = None,
                 free_disk_factor: float = DEFAULT_FREE_DISK_FACTOR) -> None:
        self._store = store
        self.path = path
        self._lock = lock
        self.free_disk_factor = free_disk_factor
        self.completed: list[str] = []  # graphs whose cut-off replacement the open completed

    @classmethod
    def open(cls, path: str | Path | None, *, read_only: bool = False,
             free_disk_factor: float = DEFAULT_FREE_DISK_FACTOR) -> GraphStore:
        """Open (creating if needed) the store at ``path``; ``None`` gives an in-memory store.

        A writing open takes the store's write lock (:class:`StoreError` naming the pid of
        the process holding it, if another has it) and completes any replacement of a large
        source that was cut off (:meth:`complete_pending`; their graphs are listed in
        :attr:`completed`). A read-only open takes no lock and changes nothing.
        """
        if path is None:
            return cls(Store(), None, free_disk_factor=free_disk_factor)
        directory = Path(path)
        lock: _WriteLock | None = None
        try:
            if read_only:
                if not directory.exists():
                    raise StoreError(f"no store at {directory} (run `smekg load` first)")
                return cls(Store.read_only(str(directory)), directory)
            directory.mkdir(parents=True, exist_ok=True)
            lock = _WriteLock.take(directory)
            store = cls(Store(str(directory)), directory, lock=lock,
                        free_disk_factor=free_disk_factor)
        except OSError as error:
            if lock is not None:
                lock.release()
            raise StoreError(f"cannot open the store at {directory}: {error}") from error
        store.completed = store.complete_pending()
        return store

    def close(self) -> None:
        """Release the store (and its write lock); the object is unusable afterwards."""
        del self._store
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def oxigraph(self) -> Store:
        """The underlying pyoxigraph store (for callers that need its full API)."""
        return self._store

    def __len__(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        self._store.flush()

    def compact(self) -> None:
        """Flush and compact the on-disk files (a freshly loaded store shrinks about 3x)."""
        self._store.flush()
        self._store.optimize()

    # -- writing -----------------------------------------------------------------
    def replace_source(self, graph: str, triples: Iterable[Triple]) -> int:
        """Atomically replace the named graph ``graph`` with ``triples``; return their count.

        A new graph is written with one transactional ``extend``; an existing graph is
        dropped and rewritten in one SPARQL update (one transaction), so readers see
        either the old or the new source, never a mix, and a crash leaves the old one.
        """
        graph_node = NamedNode(graph)
        triples = list(triples)
        try:
            if not self._store.contains_named_graph(graph_node):
                self._store.extend(
                    Quad(t.subject, t.predicate, t.object, graph_node) for t in triples
                )
                if not triples:
                    self._store.add_graph(graph_node)
            else:
                body = ntriples(triples)
                self._store.update(
                    f"DROP SILENT GRAPH <{graph}> ;\n"
                    f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"
                )
        except OSError as error:
            raise StoreError(f"writing graph <{graph}> failed: {error}") from error
        return len(triples)

    def bulk_replace_source(
        self, graph: str, ntriples_file: Path, closing: Callable[[int], list[Triple]],
        *, exact_count: int | None = None,
    ) -> int:
        """Replace the named graph ``graph`` with the triples of an N-Triples file, by
        Oxigraph's bulk loader; return the number of triples loaded.

        The bulk loader is much faster than a transaction but not atomic, so the new
        triples are first made durable in the store's journal folder: the file is copied
        to ``STORE/smekg-journal/`` and a journal entry naming the graph and its closing
        triples is written (atomically) beside it. Only then is the old graph dropped, the
        copy bulk-loaded and ``closing(count)`` -- the source's provenance, its checksum
        last -- added in one transaction; then the entry is removed. A failure before the
        entry exists (no disk for the copy, or less free disk than
        :attr:`free_disk_factor` times the file's size) leaves the old graph untouched; a
        failure or a kill after it leaves an entry that the next writing open (the next
        ``smekg load``) completes, and that ``smekg stats`` and ``/health`` report until
        then. The price: the copy (the file's size) on the store's disk for the time of
        the replacement. The caller validated the file's triples beforehand.
        """
        if self.path is None:  # in memory: nothing survives a crash anyway
            return self._bulk_write(graph, ntriples_file, exact_count, closing)
        self.complete_pending()
        folder = self.path / JOURNAL_DIR
        key = _Replacement.key(graph)
        copy = folder / f"{key}.nt"
        try:
            folder.mkdir(exist_ok=True)
            count = exact_count if exact_count is not None else _distinct(ntriples_file, folder)
            replacement = _Replacement(graph, copy, ntriples(closing(count)) + "\n", count,
                                       folder / f"{key}.json")
            part = copy.with_name(copy.name + ".part")
            _durable_copy(ntriples_file, part)
            os.replace(part, copy)
            self._check_free_disk(graph, copy.stat().st_size)
            replacement.write()
        except (OSError, StoreError) as error:
            with contextlib.suppress(OSError):
                copy.with_name(copy.name + ".part").unlink(missing_ok=True)
                copy.unlink(missing_ok=True)
                (folder / f"{key}.json").unlink(missing_ok=True)
            if isinstance(error, StoreError):
                raise
            raise StoreError(
                f"cannot stage the new triples of <{graph}> in {folder}: {error}; the source "
                "is unchanged") from error
        return self._complete(replacement)

    def _check_free_disk(self, graph: str, size: int) -> None:
        assert self.path is not None
        needed = int(size * self.free_disk_factor)
        free = shutil.disk_usage(self.path).free
        if free < needed:
            raise StoreError(
                f"not enough free disk on {self.path} to replace <{graph}>: about "
                f"{needed / 1e6:,.0f} MB needed ({self.free_disk_factor:g} x its "
                f"{size / 1e6:,.0f} MB of N-Triples, SMEKG_BULK_FREE_DISK_FACTOR), "
                f"{free / 1e6:,.0f} MB free; the source is unchanged")

    def _bulk_write(self, graph: str, ntriples_file: Path, count: int | None,
                    closing: Callable[[int], list[Triple]]) -> int:
        node = NamedNode(graph)
        if self._store.contains_named_graph(node):
            self._store.remove_graph(node)
        self._store.bulk_load(path=str(ntriples_file), format=RdfFormat.N_TRIPLES,
                              to_graph=node)
        count = count if count is not None else self.count_in(graph)
        self._store.extend(Quad(t.subject, t.predicate, t.object, node) for t in closing(count))
        return count

    def _complete(self, replacement: _Replacement) -> int:
        """Drop the graph, bulk-load the journal's copy, add the closing, remove the entry.

        Idempotent: run again after a crash at any step, it leaves the same graph.
        """
        try:
            count = self._bulk_write(replacement.graph, replacement.ntriples, replacement.count,
                                     replacement.closing_triples)
            self._store.flush()  # durable before the journal entry goes
        except OSError as error:
            raise StoreError(
                f"writing graph <{replacement.graph}> failed: {error}; the source is "
                f"incomplete until the next `smekg load` on {self.path} completes it "
                f"(from {replacement.journal.parent})") from error
        replacement.discard()
        return count

    def complete_pending(self) -> list[str]:
        """Complete the replacements of large sources that were cut off (by a kill, a
        crash or a full disk); return their graphs. Run by every writing open."""
        if self.path is None or not (self.path / JOURNAL_DIR).is_dir():
            return []
        folder = self.path / JOURNAL_DIR
        done = []
        for journal in sorted(folder.glob("*.json")):
            try:
                replacement = _Replacement.read(journal)
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise StoreError(f"unreadable journal entry {journal}: {error}") from error
            self._complete(replacement)
            done.append(replacement.graph)
        wanted = {journal.stem for journal in folder.glob("*.json")}
        for leftover in folder.iterdir():  # copies whose entry was never written, scratch
            if leftover.name.split(".")[0] not in wanted:
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        return done

    def pending(self) -> list[str]:
        """The graphs whose replacement was cut off and awaits the next writing open."""
        return pending_replacements(self.path)

    def drop_source(self, graph: str) -> bool:
        """Remove a source's named graph; return whether it existed."""
        node = NamedNode(graph)
        if not self._store.contains_named_graph(node):
            return False
        self._store.update(f"DROP GRAPH <{graph}>")
        return True

    # -- reading -----------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, NamedNode))

    def types_of(self, node: NamedNode | BlankNode) -> list[Triple]:
        """The ``rdf:type`` triples of ``node`` in any graph (for cross-source checks)."""
        return [q.triple for q in self._store.quads_for_pattern(node, _RDF_TYPE, None)]

    def triples_in(self, graph: str) -> Iterator[Triple]:
        for quad in self._store.quads_for_pattern(None, None, None, NamedNode(graph)):
            yield quad.triple

    def count_in(self, graph: str) -> int:
        rows = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            {"g": NamedNode(graph)},
        )
        return int(rows[0]["n"].value)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, NamedNode | Literal] | None = None,
        *,
        union: bool = True,
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Run a read query with the project prefixes; variables in ``bindings`` are
        substituted by the engine (never pasted into the text). Oxigraph requires a
        bound variable to appear in the SELECT projection."""
        substitutions: dict[Variable, NamedNode | BlankNode | Literal | Triple] = {
            Variable(k): v for k, v in (bindings or {}).items()
        }
        return self._store.query(
            sparql,
            prefixes=PREFIXES,
            use_default_graph_as_union=union,
            substitutions=substitutions or None,
        )

    def select(
        self, sparql: str, bindings: Mapping[str, NamedNode | Literal] | None = None
    ) -> list[dict[str, NamedNode | Literal]]:
        """Run a SELECT and return its rows as dicts (unbound variables are left out)."""
        solutions = self.query(sparql, bindings)
        if not isinstance(solutions, QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def source_record(self, graph: str) -> SourceRecord | None:
        """The provenance a source graph records about itself, or None if not loaded."""
        if not self._store.contains_named_graph(NamedNode(graph)):
            return None
        rows = self.select(SOURCE_RECORD_QUERY, {"g": NamedNode(graph)})
        return source_record_from_row(graph, rows[0] if rows else {}, self.count_in(graph))

    def dump(self, output: Path | None, fmt: str, graph: str | None = None) -> bytes | None:
        """Serialise the dataset (``nq``, ``trig``) or the union / one graph (``ttl``, ``nt``,
        ``rdf``) to ``output`` (or return the bytes when ``output`` is None)."""
        rdf_format = EXPORT_FORMATS[fmt]
        from_graph: NamedNode | None = None  # None: the whole dataset (pyoxigraph's default)
        if not rdf_format.supports_datasets:
            if graph is None:
                return self._dump_union(output, rdf_format)
            from_graph = NamedNode(graph)
        prefixes = PREFIXES if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
        if output is None:
            return self._store.dump(format=rdf_format, from_graph=from_graph, prefixes=prefixes)
        self._store.dump(str(output), rdf_format, from_graph=from_graph, prefixes=prefixes)
        return None

    def _dump_union(self, output: Path | None, rdf_format: RdfFormat) -> bytes | None:
        # Triple formats have no graphs: serialise the union (de-duplicated) via a scratch store.
        scratch = Store()
        scratch.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in self._store)
        prefixes = PREFIXES if rdf_format == RdfFormat.TURTLE else None
        if output is None:
            return scratch.dump(format=rdf_format, from_graph=DefaultGraph(), prefixes=prefixes)
        scratch.dump(str(output), rdf_format, from_graph=DefaultGraph(), prefixes=prefixes)
        return None

"""The embedded backend: named queries run by pyoxigraph on the store on disk."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Store, Triple, Variable

from smekg.core.backends import Iri, Row, Value, sources_version
from smekg.core.named_queries import NamedQuery
from smekg.ontology import PREFIXES, SMEKG

ANY = NamedNode(str(SMEKG.any))
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    f"{_XSD}{name}"
    for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte", "negativeInteger",
        "nonPositiveInteger",
    )
}
_FLOATS = {f"{_XSD}decimal", f"{_XSD}double", f"{_XSD}float"}


def solution_rows(solutions: object, query: NamedQuery) -> list[Row]:
    """The rows of a named SELECT query's solutions, as plain Python values (unbound
    variables left out); shared by the embedded and the remote SPARQL backends."""
    if not isinstance(solutions, QuerySolutions):
        raise TypeError(f"named query {query.name!r} is not a SELECT query")
    names = [variable.value for variable in solutions.variables]
    rows: list[Row] = []
    for solution in solutions:
        row: Row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = to_python(term)
        rows.append(row)
    return rows


def to_python(term: NamedNode | Literal | BlankNode) -> Value:
    """A pyoxigraph term as a plain Python value."""
    if isinstance(term, NamedNode):
        return Iri(term.value)
    if isinstance(term, BlankNode):
        return Iri(f"_:{term.value}")
    datatype = term.datatype.value
    if datatype in _INTEGERS:
        return int(term.value)
    if datatype in _FLOATS:
        return float(term.value)
    if datatype == f"{_XSD}boolean":
        return term.value in {"true", "1"}
    return term.value


def to_term(value: Value) -> NamedNode | Literal:
    """A plain Python value as a pyoxigraph term (built by the library, never by text)."""
    if isinstance(value, Iri):
        return NamedNode(value)
    return Literal(value)


class OxigraphBackend:
    """Named queries over an Oxigraph store on disk, opened read-only.

    The store is reopened when the loaders have written to it since it was opened (a
    read-only RocksDB handle sees the data as of its opening), checked at most once a
    second, so a running API picks up ``smekg load`` without a restart.
    """

    name = "oxigraph"

    def __init__(self, path: Path, *, refresh_interval: float = 1.0) -> None:
        self.path = Path(path)
        self._refresh_interval = refresh_interval
        self._lock = threading.Lock()
        self._store, self._stamp = self._open()
        self._checked = time.monotonic()

    def _files_stamp(self) -> tuple[int, ...]:
        return tuple(
            sorted(
                entry.stat().st_mtime_ns
                for entry in self.path.iterdir()
                if entry.name.startswith(("CURRENT", "MANIFEST", "OPTIONS"))
            )
        )

    def _open(self) -> tuple[Store, tuple[int, ...]]:
        if not (self.path / "CURRENT").exists():
            raise FileNotFoundError(f"no store at {self.path} (run `smekg load` first)")
        stamp = self._files_stamp()
        return Store.read_only(str(self.path)), stamp

    @property
    def store(self) -> Store:
        now = time.monotonic()
        if now - self._checked >= self._refresh_interval:
            with self._lock:
                self._checked = now
                if self._files_stamp() != self._stamp:
                    self._store, self._stamp = self._open()
        return self._store

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        return _select(self.store, query, params)

    def data_version(self) -> str:
        return sources_version(self)

    def snapshot(self) -> PinnedOxigraphBackend:
        """The store as it is now: reopened first if a load wrote to it since it was
        opened; later loads are not seen by the snapshot (a read-only handle sees the data
        as of its opening), so every query of one answer sees one version."""
        with self._lock:
            self._checked = time.monotonic()
            if self._files_stamp() != self._stamp:
                self._store, self._stamp = self._open()
            return PinnedOxigraphBackend(self._store)

    def close(self) -> None:
        self._store = None  # type: ignore[assignment]


class PinnedOxigraphBackend:
    """Named queries over one read-only handle of an Oxigraph store: one version of the
    data (see :meth:`OxigraphBackend.snapshot`)."""

    name = "oxigraph"

    def __init__(self, store: Store) -> None:
        self.store = store

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        return _select(self.store, query, params)

    def data_version(self) -> str:
        return sources_version(self)

    def snapshot(self) -> PinnedOxigraphBackend:
        return self

    def close(self) -> None:
        """Nothing to release: the handle closes when no snapshot refers to it."""


def _select(store: Store, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
    substitutions: dict[Variable, NamedNode | BlankNode | Literal | Triple] = {
        Variable(name): to_term(value) for name, value in params.items()
    }
    for param in query.params:
        # Oxigraph's BOUND() is false for a substituted variable, so a parameter left
        # out is bound to the sentinel smekg:any, which the queries test for instead.
        substitutions.setdefault(Variable(param.name), ANY)
    solutions = store.query(
        query.sparql,
        prefixes=PREFIXES,
        use_default_graph_as_union=True,
        substitutions=substitutions or None,
    )
    return solution_rows(solutions, query)

"""What every store of sources offers: the :class:`SourceStore` protocol, and the query
and record of a source's provenance that every store (and the catalogue) reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Triple,
)


class StoreError(RuntimeError):
    """The store cannot be opened or written."""


@dataclass(frozen=True)
class SourceRecord:
    """What the store knows about a loaded source (read from its graph's provenance)."""

    graph: str
    title: str | None
    source: str | None
    sha256: str | None
    loader_version: str | None
    generated_at: str | None
    triples: int
    name: str | None = None  # smekg:sourceName (sources loaded before names were recorded: None)
    origin_digest: str | None = None  # smekg:originDigest: which file it came from, hashed


_PROVENANCE = """
    OPTIONAL { ?g dcterms:title ?title }
    OPTIONAL { ?g dcterms:source ?source }
    OPTIONAL { ?g smekg:sha256 ?sha }
    OPTIONAL { ?g smekg:loaderVersion ?version }
    OPTIONAL { ?g prov:generatedAtTime ?at }
    OPTIONAL { ?g smekg:tripleCount ?count }
    OPTIONAL { ?g smekg:sourceName ?name }
    OPTIONAL { ?g smekg:originDigest ?digest }"""
_SELECT = "SELECT ?g ?title ?source ?sha ?version ?at ?count ?name ?digest WHERE"

SOURCE_RECORD_QUERY = f"{_SELECT} {{ GRAPH ?g {{{_PROVENANCE} }} }} LIMIT 1"
"""The provenance one source graph records about itself, ``?g`` bound to it: one row
(with ``?g`` alone where the graph does not describe itself)."""

SOURCE_RECORDS_QUERY = f"{_SELECT} {{ GRAPH ?g {{ ?g a smekg:SourceGraph{_PROVENANCE} }} }}"
"""The same for every graph that describes itself as a ``smekg:SourceGraph``: a row a
graph (more where a property has several values; the first counts)."""


def source_record_from_row(
    graph: str, row: Mapping[str, NamedNode | Literal], triples: int,
) -> SourceRecord:
    """The :class:`SourceRecord` of ``graph`` from a row of :data:`SOURCE_RECORD_QUERY` or
    :data:`SOURCE_RECORDS_QUERY` (unbound variables left out of ``row``), holding
    ``triples`` triples."""

    def text(key: str) -> str | None:
        return row[key].value if key in row else None

    return SourceRecord(
        graph=graph,
        title=text("title"),
        source=text("source"),
        sha256=text("sha"),
        loader_version=text("version"),
        generated_at=text("at"),
        triples=triples,
        name=text("name"),
        origin_digest=text("digest"),
    )


@runtime_checkable
class SourceStore(Protocol):
    """A store of sources, one named graph each: what the loaders write to.

    Implemented by the embedded store (:class:`~smekg.core.stores.GraphStore`) and by a
    remote SPARQL 1.1 store (:class:`~smekg.core.stores.RemoteGraphStore`); the same
    contract tests (``tests/core/test_source_store.py``) run against each.
    """

    def __len__(self) -> int:
        """The number of quads in the store."""
        ...

    def replace_source(self, graph: str, triples: Iterable[Triple]) -> int:
        """Replace the named graph ``graph`` with ``triples`` in one step; return their
        count. Readers see the old source or the new one, never a mix."""
        ...

    def bulk_replace_source(
        self, graph: str, ntriples_file: Path, closing: Callable[[int], list[Triple]],
        *, exact_count: int | None = None,
    ) -> int:
        """Replace ``graph`` with the triples of an N-Triples file, then add
        ``closing(count)`` (the source's provenance, its checksum last), by the store's
        bulk path where it has one; return the number of triples of the file."""
        ...

    def drop_source(self, graph: str) -> bool:
        """Remove a source's named graph; return whether it existed."""
        ...

    def source_record(self, graph: str) -> SourceRecord | None:
        """What the store knows of a loaded source, or ``None`` if it holds no such graph."""
        ...

    def named_graphs(self) -> list[str]:
        """The IRIs of every named graph, sorted."""
        ...

    def count_in(self, graph: str) -> int:
        """The number of triples in ``graph``."""
        ...

    def types_of(self, node: NamedNode | BlankNode) -> list[Triple]:
        """The ``rdf:type`` triples of ``node`` in any graph (for cross-source checks)."""
        ...

    def query(
        self, sparql: str, bindings: Mapping[str, NamedNode | Literal] | None = None,
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Run a SPARQL query over the union of the sources, with ``bindings`` bound."""
        ...

    def select(
        self, sparql: str, bindings: Mapping[str, NamedNode | Literal] | None = None,
    ) -> list[dict[str, NamedNode | Literal]]:
        """The rows of a SELECT query, as dictionaries of terms."""
        ...

    def flush(self) -> None:
        """Make what was written durable."""
        ...

    def compact(self) -> None:
        """Reclaim space after large writes (may do nothing)."""
        ...

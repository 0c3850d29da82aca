"""A remote SPARQL 1.1 store as the loaders' store: one named graph per source, as at home.

:class:`RemoteGraphStore` offers what :func:`smekg.loaders.sources.load_sources` needs from
:class:`~smekg.core.stores.GraphStore` (``source_record``, ``replace_source``, ``types_of``,
``select``, ``compact``, ``len``) plus ``drop_source`` and ``named_graphs``, over a
:class:`~smekg.core.backends.sparql.SparqlEndpoint`. Loading works as on the embedded store:
every source is built and validated before any is written, and a source whose checksum
matches is left alone.

How a source's graph is replaced
    With an update endpoint, by one SPARQL Update request,
    ``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } }``, which Oxigraph, Fuseki
    and GraphDB apply in one transaction: readers see the old source or the new one,
    and a failed request leaves the old one. With only a Graph Store Protocol endpoint,
    by ``PUT <store>?graph=<g>`` with an N-Triples body. That is one transaction on
    Fuseki, but Oxigraph server clears the graph and then loads the body in two steps
    (so a reader may see the graph empty for a moment, and a body that fails half way
    leaves it empty); that is why the update endpoint is preferred when both are set.
    Either way the body is streamed (N-Triples in chunks of about 1 MiB), never built
    as one string.

Examples
--------
::

    endpoint = SparqlEndpoint("http://127.0.0.1:7878/query",
                              update_url="http://127.0.0.1:7878/update",
                              store_url="http://127.0.0.1:7878/store")
    load_sources(RemoteGraphStore(endpoint), sources, minter)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse,
)

from smekg.core.backends.sparql import SparqlEndpoint, SparqlError
from smekg.core.backends.sparql_text import query_form, term_text
from smekg.core.stores._embedded import GraphStore
from smekg.core.stores._protocol import (
    SOURCE_RECORD_QUERY,
    SourceRecord,
    StoreError,
    source_record_from_row,
)

_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CHUNK_BYTES = 1 << 20
"""Size of the pieces a graph's N-Triples are streamed in."""


def ntriples_chunks(triples: Iterable[Triple], counter: list[int],
                    *, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """N-Triples lines of ``triples`` in pieces of about ``size`` bytes; ``counter[0]``
    counts the triples sent. Literals are written as in a query (see
    :func:`~smekg.core.backends.sparql_text.term_text`), which is valid N-Triples too."""
    lines: list[str] = []
    length = 0
    for triple in triples:
        line = f"{_text(triple.subject)} {triple.predicate} {_text(triple.object)} .\n"
        lines.append(line)
        length += len(line)
        counter[0] += 1
        if length >= size:
            yield "".join(lines).encode()
            lines, length = [], 0
    if lines:
        yield "".join(lines).encode()


def _rows(solutions: QuerySolutions) -> list[dict[str, NamedNode | Literal]]:
    """The rows of a SELECT's solutions as dicts (unbound variables are left out)."""
    names = [variable.value for variable in solutions.variables]
    return [{name: term for name in names if (term := solution[name]) is not None}
            for solution in solutions]


def _text(term: object) -> str:
    # blank nodes keep their labels: one label is one node within a request's body
    return term_text(term) if isinstance(term, NamedNode | Literal) else str(term)


class RemoteGraphStore:
    """The loaders' store on a remote SPARQL 1.1 store (see the module notes).

    Parameters
    ----------
    endpoint
        The store; writing needs its ``update_url`` or its ``store_url``.
    """

    def __init__(self, endpoint: SparqlEndpoint) -> None:
        self.endpoint = endpoint
        self._types: dict[NamedNode | BlankNode, list[Triple]] = {}

    @property
    def location(self) -> str:
        """Where the data is (for messages): the query endpoint's URL."""
        return self.endpoint.query_url

    def __repr__(self) -> str:
        return f"RemoteGraphStore({self.location!r})"

    def __len__(self) -> int:
        rows = list(self.endpoint.select(
            "SELECT (COUNT(*) AS ?quads) WHERE { GRAPH ?g { ?s ?p ?o } }", union=False))
        return int(rows[0]["quads"].value) if rows else 0

    def flush(self) -> None:
        """Nothing to do: each write is committed by the store when it answers."""

    def compact(self) -> None:
        """Nothing to do: a remote store manages its own files."""

    def close(self) -> None:
        self.endpoint.close()

    # -- writing --------------------------------------------------------------------
    def replace_source(self, graph: str, triples: Iterable[Triple]) -> int:
        """Replace the named graph ``graph`` with ``triples``; return their count."""
        name = term_text(NamedNode(graph))
        counter = [0]
        self._types.clear()
        try:
            if self.endpoint.update_url is not None:
                def body() -> Iterator[bytes]:
                    yield f"DROP SILENT GRAPH {name} ;\nINSERT DATA {{ GRAPH {name} {{\n".encode()
                    yield from ntriples_chunks(triples, counter)
                    yield b"} }\n"

                self.endpoint.update(body())
            else:
                self.endpoint.put_graph(graph, ntriples_chunks(triples, counter))
        except SparqlError as error:
            raise StoreError(f"writing graph <{graph}> failed: {error}") from error
        return counter[0]

    def bulk_replace_source(
        self, graph: str, ntriples_file: Path, closing: Callable[[int], list[Triple]],
        *, exact_count: int | None = None,
    ) -> int:
        """Replace ``graph`` with the triples of an N-Triples file and ``closing(count)``.

        A remote store has no bulk path from here: the file is streamed into the same one
        request as :meth:`replace_source`, so the replacement stays one step. The count
        passed to ``closing`` must be known before the request, so it is ``exact_count``
        or, without one, the file is read once to count its triples.
        """
        def spooled() -> Iterator[Triple]:
            for quad in parse(path=str(ntriples_file), format=RdfFormat.N_TRIPLES):
                yield Triple(quad.subject, quad.predicate, quad.object)

        count = exact_count if exact_count is not None else sum(1 for _ in spooled())
        self.replace_source(graph, itertools.chain(spooled(), closing(count)))
        return count

    def drop_source(self, graph: str) -> bool:
        """Remove a source's named graph; return whether it existed."""
        self._types.clear()
        if not self._has_graph(graph):
            return False
        if self.endpoint.update_url is not None:
            self.endpoint.update([f"DROP GRAPH {term_text(NamedNode(graph))}".encode()])
        else:
            self.endpoint.delete_graph(graph)
        return True

    # -- reading --------------------------------------------------------------------
    def _has_graph(self, graph: str) -> bool:
        return self.endpoint.ask("ASK { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(graph)},
                                 union=False)

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs that hold triples, sorted."""
        rows = self.endpoint.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)
        return sorted(row["g"].value for row in rows if isinstance(row["g"], NamedNode))

    def types_of(self, node: NamedNode | BlankNode) -> list[Triple]:
        """The ``rdf:type`` triples of ``node`` in any graph (for cross-source checks).

        A blank node cannot be asked about (a
        :class:`~smekg.core.backends.sparql_text.BindingError`): it has no name outside
        its store."""
        if node not in self._types:
            rows = self.endpoint.select(
                "SELECT DISTINCT ?node ?type WHERE { GRAPH ?g { ?node a ?type } }",
                {"node": node}, union=False)
            self._types[node] = [Triple(node, _RDF_TYPE, row["type"]) for row in rows]
        return self._types[node]

    def query(self, sparql: str, bindings: Mapping[str, NamedNode | Literal] | None = None,
              ) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Run a read query with the project prefixes (default graph = union).

        CONSTRUCT and DESCRIBE results are read into a scratch in-memory store, so every
        form returns pyoxigraph's own result types, as :meth:`GraphStore.query` does.
        """
        if query_form(sparql) in ("CONSTRUCT", "DESCRIBE"):
            if bindings:
                raise StoreError("bindings are not supported for CONSTRUCT/DESCRIBE")
            scratch = Store()
            scratch.load(self.endpoint.construct(sparql), RdfFormat.N_TRIPLES)
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        return self.endpoint.query(sparql, bindings)

    def select(self, sparql: str, bindings: Mapping[str, NamedNode | Literal] | None = None,
               ) -> list[dict[str, NamedNode | Literal]]:
        """Run a SELECT and return its rows as dicts (unbound variables are left out)."""
        return _rows(self.endpoint.select(sparql, bindings))

    def count_in(self, graph: str) -> int:
        rows = list(self.endpoint.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(graph)},
            union=False))
        return int(rows[0]["n"].value) if rows else 0

    def source_record(self, graph: str) -> SourceRecord | None:
        """The provenance a source graph records about itself, or None if not loaded."""
        triples = self.count_in(graph)
        if triples == 0:
            return None
        solutions = self.endpoint.select(SOURCE_RECORD_QUERY, {"g": NamedNode(graph)},
                                         union=False)
        rows = _rows(solutions)
        return source_record_from_row(graph, rows[0] if rows else {}, triples)

    def snapshot(self) -> GraphStore:
        """A copy of every named graph in an in-memory :class:`GraphStore`, for the
        commands that need the embedded store's own API (validate, export, sync)."""
        copy = GraphStore.open(None)
        for graph in self.named_graphs():
            data = self.endpoint.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {term_text(NamedNode(graph))} "
                "{ ?s ?p ?o } }")
            copy.oxigraph.load(data, RdfFormat.N_TRIPLES, to_graph=NamedNode(graph))
        return copy


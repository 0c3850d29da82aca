"""The embedded system of record: an Oxigraph store on disk, one named graph per source.

Every write goes through :meth:`GraphStore.replace_source`, which swaps a source's
named graph in a single Oxigraph transaction: a load that fails leaves the store as
it was, and re-loading a source replaces exactly its graph.

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

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

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
)

from smekg.core.stores._protocol import SourceRecord, StoreError
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


class GraphStore:
    """An Oxigraph dataset whose default graph, for queries, is the union of all sources."""

    def __init__(self, store: Store, path: Path | None) -> None:
        self._store = store
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None, *, read_only: bool = False) -> GraphStore:
        """Open (creating if needed) the store at ``path``; ``None`` gives an in-memory store."""
        if path is None:
            return cls(Store(), None)
        directory = Path(path)
        try:
            if read_only:
                if not directory.exists():
                    raise StoreError(f"no store at {directory} (run `smekg load` first)")
                return cls(Store.read_only(str(directory)), directory)
            directory.mkdir(parents=True, exist_ok=True)
            return cls(Store(str(directory)), directory)
        except OSError as error:
            raise StoreError(f"cannot open the store at {directory}: {error}") from error

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

        The bulk loader is much faster than a transaction but not atomic, so the graph
        is written in three steps: the old graph is dropped, the file is bulk-loaded,
        then ``closing(count)`` -- the source's provenance, its checksum included -- is
        added in one transaction. A load cut off before the end leaves a graph with no
        checksum, which the next load of the source replaces (and ``smekg stats`` lists
        as having no checksum). The caller validated the file's triples beforehand.
        """
        node = NamedNode(graph)
        try:
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)
            self._store.bulk_load(path=str(ntriples_file), format=RdfFormat.N_TRIPLES,
                                  to_graph=node)
            count = exact_count if exact_count is not None else self.count_in(graph)
            self._store.extend(
                Quad(t.subject, t.predicate, t.object, node) for t in closing(count)
            )
        except OSError as error:
            raise StoreError(f"writing graph <{graph}> failed: {error}") from error
        return count

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
        rows = self.select(
            """SELECT ?g ?title ?source ?sha ?version ?at ?count WHERE { GRAPH ?g {
                 OPTIONAL { ?g dcterms:title ?title }
                 OPTIONAL { ?g dcterms:source ?source }
                 OPTIONAL { ?g smekg:sha256 ?sha }
                 OPTIONAL { ?g smekg:loaderVersion ?version }
                 OPTIONAL { ?g prov:generatedAtTime ?at }
                 OPTIONAL { ?g smekg:tripleCount ?count }
               } } LIMIT 1""",
            {"g": NamedNode(graph)},
        )
        row = rows[0] if rows else {}

        def text(key: str) -> str | None:
            return row[key].value if key in row else None

        return SourceRecord(
            graph=graph,
            title=text("title"),
            source=text("source"),
            sha256=text("sha"),
            loader_version=text("version"),
            generated_at=text("at"),
            triples=self.count_in(graph),
        )

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

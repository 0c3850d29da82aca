"""The load pipeline: build → validate (row checks + SHACL) → replace one named graph.

A :class:`Source` is anything that yields the triples of one named graph: a bundled
reference classification, a seed or user table, an RDF file. :func:`load_sources`
builds and validates *all* the given sources before it writes any, then replaces
each source's graph atomically. A source whose checksum (content, loader version
and base IRI) matches what the store holds is left alone, so loading twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, parse
from rdflib import Graph

from loaders.entities import CLASS_KINDS, Entity, TableMapper
from loaders.errors import LoadError, Problem
from loaders.rdf import GraphBuilder
from loaders.tables import TABLE_SUFFIXES, read_tables
from ontology import DCTERMS, PROV, RDF, RDFS, SMEKG, load_ontology, load_shapes
from smekg import __version__
from smekg.iri import Minter, slug
from smekg.store import GraphStore, SourceRecord, ntriples

LOADER_VERSION = f"smekg-loaders/{__version__}"

RDF_FORMATS: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".jsonld": RdfFormat.JSON_LD,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
}
RDF_KINDS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


@dataclass
class Built:
    """What building a source produced."""

    graph: GraphBuilder
    notes: list[str] = field(default_factory=list)
    rows: int | None = None


@dataclass
class Source:
    """One unit of loading: one named graph."""

    key: str  # e.g. "reference/countries", "seed/organisations", "user/my-members"
    title: str
    origin: str  # the file or package it comes from, recorded as dcterms:source
    fingerprint: bytes  # the source content: its checksum decides whether to reload
    build: Callable[[], Built]
    licence: str | None = None  # an IRI (SPDX or the legal act)
    shacl: bool = True


@dataclass
class LoadReport:
    key: str
    graph: str
    status: str  # "loaded", "replaced", "unchanged"
    triples: int
    seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """One source on its way through :func:`load_sources`."""

    source: Source
    graph: str
    checksum: str
    record: SourceRecord | None  # what the store holds now
    built: Built | None = None  # None: unchanged (or failed to build)
    seconds: float = 0.0


def sha256_of(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def load_sources(
    store: GraphStore,
    sources: Sequence[Source],
    minter: Minter,
    *,
    force: bool = False,
    validate: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[LoadReport]:
    """Load ``sources`` into ``store``: all are built and validated before any is written.

    Raises :class:`LoadError` (nothing written) when any source has a problem.
    """
    plans: list[_Plan] = []
    problems: list[Problem] = []
    for source in sources:
        graph = minter.graph(source.key)
        plan = _Plan(
            source,
            graph,
            sha256_of(source.fingerprint, LOADER_VERSION, minter.base),
            store.source_record(graph),
        )
        plans.append(plan)
        if plan.record is not None and plan.record.sha256 == plan.checksum and not force:
            continue
        if progress:
            progress(f"building {source.key}")
        started = time.perf_counter()
        try:
            plan.built = source.build()
        except LoadError as error:
            problems.extend(error.problems)
        plan.seconds += time.perf_counter() - started
    if validate and not problems:
        # Types declared anywhere in the batch count, so a batch may reference what it
        # is about to load (seed rows pointing at reference regions, say).
        batch_types = _type_index(p.built.graph for p in plans if p.built is not None)
        for plan in plans:
            if plan.built is None or not plan.source.shacl:
                continue
            if progress:
                progress(f"validating {plan.source.key}")
            started = time.perf_counter()
            problems.extend(
                shacl_problems(plan.built.graph, plan.source.origin, store, batch_types)
            )
            plan.seconds += time.perf_counter() - started
    if problems:
        raise LoadError(problems)

    reports = []
    for plan in plans:
        if plan.built is None:
            triples = plan.record.triples if plan.record else 0
            reports.append(LoadReport(plan.source.key, plan.graph, "unchanged", triples, 0.0))
            continue
        if progress:
            progress(f"writing {plan.source.key}")
        started = time.perf_counter()
        triples = list(plan.built.graph)
        triples.extend(_provenance(plan.graph, plan.source, plan.checksum, len(triples)))
        store.replace_source(plan.graph, triples)
        reports.append(
            LoadReport(
                plan.source.key,
                plan.graph,
                "replaced" if plan.record is not None else "loaded",
                len(triples),
                plan.seconds + time.perf_counter() - started,
                plan.built.notes,
            )
        )
    if any(r.status != "unchanged" for r in reports):
        store.compact()
    return reports


def _provenance(graph: str, source: Source, checksum: str, count: int) -> list[Triple]:
    g = GraphBuilder()
    g.add(graph, RDF.type, SMEKG.SourceGraph)
    g.add(graph, RDF.type, PROV.Entity)
    g.add(graph, DCTERMS.title, g.text(source.title, "en"))
    g.add(graph, DCTERMS.source, g.text(source.origin))
    g.add(graph, SMEKG.sha256, g.text(checksum))
    g.add(graph, SMEKG.loaderVersion, g.text(LOADER_VERSION))
    g.add(graph, PROV.generatedAtTime, g.datetime(dt.datetime.now(dt.UTC).replace(microsecond=0)))
    g.add(graph, SMEKG.tripleCount, g.integer(count))
    if source.licence:
        g.add(graph, DCTERMS.license, source.licence)
    return list(g)


# -- SHACL ---------------------------------------------------------------------------
def to_rdflib(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    graph.parse(data=ntriples(triples), format="nt")
    return graph


def _type_index(graphs: Iterable[GraphBuilder]) -> dict[NamedNode, list[Triple]]:
    rdf_type = NamedNode(str(RDF.type))
    index: dict[NamedNode, list[Triple]] = {}
    for graph in graphs:
        for t in graph:
            if t.predicate == rdf_type and isinstance(t.subject, NamedNode):
                index.setdefault(t.subject, []).append(t)
    return index


def shacl_problems(
    built: GraphBuilder,
    origin: str,
    store: GraphStore,
    batch_types: dict[NamedNode, list[Triple]] | None = None,
) -> list[Problem]:
    """Validate a source's triples against the shapes; the rdf:types of nodes it
    references but does not describe are read from the store, so cross-source
    references are checked too."""
    triples = list(built)
    subjects = {t.subject for t in triples}
    extra = []
    seen: set[NamedNode] = set()
    for t in triples:
        obj = t.object
        if isinstance(obj, NamedNode) and obj not in subjects and obj not in seen:
            seen.add(obj)
            if batch_types and obj in batch_types:
                extra.extend(batch_types[obj])
            else:
                extra.extend(store.types_of(obj))
    # Referenced nodes come with their types only: they are checked in their own source.
    external = {str(node.value) for node in seen if node not in subjects}
    return [p for p in validate_triples(triples + extra, origin) if p.focus not in external]


@cache
def _superclasses() -> dict[str, frozenset[str]]:
    ontology = load_ontology()
    result: dict[str, frozenset[str]] = {}
    for cls in set(ontology.subjects(RDFS.subClassOf, None)):
        result[str(cls)] = frozenset(
            str(s) for s in ontology.transitive_objects(cls, RDFS.subClassOf) if s != cls
        )
    return result


def with_inferred_types(triples: Iterable[Triple]) -> list[Triple]:
    """Add the rdf:type triples implied by the ontology's rdfs:subClassOf hierarchy.

    This is the only inference the shapes need; doing it here is much faster than
    asking pyshacl to mix the whole ontology into every data graph.
    """
    supers = _superclasses()
    rdf_type = NamedNode(str(RDF.type))
    out = list(triples)
    known = set(out)
    for t in list(out):
        if t.predicate == rdf_type and isinstance(t.object, NamedNode):
            for sup in supers.get(t.object.value, ()):
                inferred = Triple(t.subject, rdf_type, NamedNode(sup))
                if inferred not in known:
                    known.add(inferred)
                    out.append(inferred)
    return out


def validate_triples(triples: Iterable[Triple], origin: str) -> list[Problem]:
    """SHACL-validate ``triples``; return the violations as located problems."""
    from pyshacl import validate

    data = to_rdflib(with_inferred_types(triples))
    conforms, results, _ = validate(
        data,
        shacl_graph=load_shapes(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
    )
    if conforms:
        return []
    return _shacl_results(results, origin)


def _shacl_results(results: Graph, origin: str) -> list[Problem]:
    from ontology import SH

    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = str(results.value(result, SH.resultMessage) or "violates a SHACL shape")
        problems.append(
            Problem(
                origin,
                f"SHACL: <{focus}> {message}",
                column=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                focus=str(focus),
            )
        )
    return sorted(problems, key=str)


# -- user files ---------------------------------------------------------------------
def store_lookup(store: GraphStore) -> Callable[[str], list[Entity]]:
    """Find entities already in the store by their ``dcterms:identifier``."""

    def lookup(key: str) -> list[Entity]:
        from pyoxigraph import Literal

        rows = store.select(
            "SELECT ?key ?e ?type WHERE { ?e dcterms:identifier ?key ; a ?type }",
            {"key": Literal(key)},
        )
        found: dict[str, str] = {}
        for row in rows:
            kind = CLASS_KINDS.get(row["type"].value)
            if kind is None:
                continue
            current = found.get(row["e"].value)
            # a Network is also an Organisation: keep the most specific kind
            if current is None or current == "organisation":
                found[row["e"].value] = kind
        return [Entity(kind, iri) for iri, kind in found.items()]

    return lookup


def table_sources(
    paths: Sequence[Path],
    minter: Minter,
    store: GraphStore,
    *,
    key_prefix: str = "user",
    kind: str | None = None,
    licence: str | None = None,
) -> list[Source]:
    """Sources for table files (CSV, XLSX, JSON, JSONL) mapped as one batch: ids may be
    referenced across the files. Each file becomes its own source and named graph."""
    mapper = TableMapper(minter, store_lookup(store))
    read: list[tuple[Path, dict]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            tables = read_tables(path, kind)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        problems.extend(mapper.prepare(tables, str(path)))
        read.append((path, tables))
    if problems:
        raise LoadError(problems)

    def builder(tables: dict) -> Callable[[], Built]:
        def build() -> Built:
            result = mapper.map(tables)
            if result.problems:
                raise LoadError(result.problems)
            return Built(result.graph, result.notes, result.rows)

        return build

    return [
        Source(
            key=f"{key_prefix}/{slug(path.stem)}",
            title=f"{path.name}",
            origin=str(path),
            fingerprint=path.read_bytes(),
            build=builder(tables),
            licence=licence,
        )
        for path, tables in read
    ]


def rdf_source(
    path: Path, *, key_prefix: str = "user", rdf_format: RdfFormat | None = None
) -> Source:
    """A source for an RDF file, loaded as it is (graph names of quad formats are
    folded into the source's own named graph)."""
    fmt = rdf_format or RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError([Problem(str(path), f"unknown RDF format for {path.suffix!r}")])
    data = path.read_bytes()

    def build() -> Built:
        g = GraphBuilder()
        try:
            for quad in parse(data, format=fmt, base_iri=path.resolve().as_uri()):
                g.update([Triple(quad.subject, quad.predicate, quad.object)])
        except SyntaxError as error:
            line = getattr(error, "lineno", None)
            column = getattr(error, "offset", None)
            raise LoadError(
                [
                    Problem(
                        str(path),
                        f"invalid {fmt.name}: {error.msg if hasattr(error, 'msg') else error}",
                        row=line,
                        column=f"character {column}" if column else None,
                    )
                ]
            ) from error
        return Built(g)

    return Source(
        key=f"{key_prefix}/{slug(path.stem)}",
        title=path.name,
        origin=str(path),
        fingerprint=data,
        build=build,
    )


def file_sources(
    paths: Sequence[Path], minter: Minter, store: GraphStore, *, kind: str | None = None
) -> list[Source]:
    """Sources for user files: tables (one batch) and RDF files; directories are expanded."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise LoadError([Problem(str(path), "no such file or directory")])
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.iterdir())
                if p.suffix.lower() in TABLE_SUFFIXES | set(RDF_FORMATS)
            )
        else:
            files.append(path)
    table_files = [p for p in files if p.suffix.lower() in TABLE_SUFFIXES and kind not in RDF_KINDS]
    rdf_files = [p for p in files if p not in table_files]
    sources = table_sources(table_files, minter, store, kind=kind) if table_files else []
    for path in rdf_files:
        sources.append(rdf_source(path, rdf_format=RDF_KINDS.get(kind or "")))
    keys = [s.key for s in sources]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise LoadError(
            [
                Problem(str(p), f"two files map to the same source {sorted(duplicates)}")
                for p in files
            ]
        )
    return sources

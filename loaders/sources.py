"""The load pipeline: build → validate (row checks + SHACL) → replace one named graph.

A :class:`Source` is anything that yields the triples of one named graph: a bundled
reference classification, a seed or user table, an RDF file. :func:`load_sources`
builds and validates *all* the given sources before it writes any, then replaces
each source's graph atomically. A source whose checksum (content, loader version
and base IRI) matches what the store holds is left alone, so loading twice changes
nothing.

The same organisation once: an organisation a source defines with a PIC, a VAT number or
a Wikidata entity that another source's organisation has too is linked to it by
``owl:sameAs`` in the new source's own graph (written with it, removed with it); two
organisations of one source with the same PIC or VAT number are an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize
from rdflib import Graph

from smekg import __version__
from smekg.core.iri import Minter, slug
from smekg.core.rdf import GraphBuilder, Node, triple_parts
from smekg.core.stores import SourceRecord, SourceStore, ntriples
from smekg.loaders.entities import CLASS_KINDS, Entity, TableMapper
from smekg.loaders.errors import LoadError, Problem
from smekg.loaders.limits import InputLimits, check_file_size, check_xml_entities, file_base_iri
from smekg.loaders.tables import TABLE_SUFFIXES, Record, read_tables
from smekg.ontology import DCTERMS, OWL, PROV, RDF, SCHEMA, SKOS, SMEKG, load_shapes

if TYPE_CHECKING:
    from smekg.loaders.shapes import TypesOf

MAPPING_REVISION = 2
"""Raised whenever the loaders write other triples for the same input (2: every row's
entity names its row, ``smekg:sourceRow``), so that a store loaded before reloads them."""

LOADER_VERSION = f"smekg-loaders/{__version__}+mapping.{MAPPING_REVISION}"

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
    problems: list[Problem] = field(default_factory=list)  # of a chunk (see Source.chunks)


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
    # A table source is also built a chunk of rows at a time (each chunk holds whole
    # subjects but for duplicated rows, which are caught), so large loads stream.
    chunks: Callable[[], Iterator[Built]] | None = None
    # The classes of the nodes the source's batch defines (for sh:class checks of nodes
    # another source describes): None when the node is not of the batch.
    classes_of: Callable[[str], tuple[str, ...] | None] | None = None
    # Which file a user's source came from (see :func:`origin_digest`): a later load from
    # another file under the same name must say --replace. None for bundled sources.
    origin_digest: str | None = None
    given: str | None = None  # the path as the user wrote it: for messages, never recorded
    # How the source was made, when it is derived rather than read: dcterms:description of
    # the graph, and prov:wasDerivedFrom what it was derived from (IRIs).
    description: str | None = None
    derived_from: tuple[str, ...] = ()


@dataclass
class LoadReport:
    key: str
    graph: str
    status: str  # "loaded", "replaced", "unchanged"
    triples: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    # What the user must know although the load succeeded: facts other sources state
    # differently, references left pointing at entities the new version no longer defines.
    warnings: list[str] = field(default_factory=list)


BULK_ABOVE = 100_000
"""Sources with more triples than this are spooled to disk and bulk-loaded (the default of
``load_sources(bulk_above=...)``, which the CLI sets from ``SMEKG_BULK_THRESHOLD``)."""

CHUNK_ROWS = 20_000
"""Rows of a table mapped and validated at a time."""


class _Spool:
    """The triples of one source on their way to the store: in memory while few, then in
    an N-Triples file (written by pyoxigraph) for Oxigraph's bulk loader."""

    def __init__(self, directory: Path, bulk_above: int | None = None) -> None:
        self.directory = directory
        self.bulk_above = BULK_ABOVE if bulk_above is None else bulk_above
        self.triples: list[Triple] = []
        self.path: Path | None = None
        self.count = 0
        self.duplicates = False  # rows repeating a subject across chunks (count is high)
        self._file: IO[bytes] | None = None

    def add(self, graph: GraphBuilder) -> None:
        self.count += len(graph)
        if self._file is None:
            self.triples.extend(graph)
            if len(self.triples) <= self.bulk_above:
                return
            self.path = self.directory / f"spool-{id(self)}.nt"
            self._file = self.path.open("wb")
            graph_triples: Iterable[Triple] = self.triples
            self.triples = []
        else:
            graph_triples = graph
        serialize(graph_triples, self._file, RdfFormat.N_TRIPLES)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class _Plan:
    """One source on its way through :func:`load_sources`."""

    source: Source
    graph: str
    checksum: str
    record: SourceRecord | None  # what the store holds now
    referenced: list[str] = field(default_factory=list)  # its entities others refer to
    built: Built | None = None  # None: unchanged, chunked, or failed to build
    spool: _Spool | None = None  # the triples to write (built sources)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    identified: Identified = field(default_factory=lambda: Identified())

    @property
    def changed(self) -> bool:
        return self.spool is not None


def sha256_of(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def origin_digest(path: Path) -> str:
    """A SHA-256 of where ``path`` lies (its absolute path): recorded with a user's source,
    it tells a reload of the same file from a different file of the same name, without
    publishing the server's directories.

    >>> origin_digest(Path("/data/a1/members.csv")) == origin_digest(Path("/data/a2/members.csv"))
    False
    """
    return sha256_of("smekg-origin", str(path.resolve()))


def load_sources(
    store: SourceStore,
    sources: Sequence[Source],
    minter: Minter,
    *,
    force: bool = False,
    validate: bool = True,
    progress: Callable[[str], None] | None = None,
    bulk_above: int | None = None,
    replace: bool = False,
) -> list[LoadReport]:
    """Load ``sources`` into ``store``: all are built and validated before any is written.

    Raises :class:`LoadError` (nothing written) when any source has a problem. Sources of
    more than ``bulk_above`` (default :data:`BULK_ABOVE`) triples are written by Oxigraph's
    bulk loader through the store's journal (see :meth:`GraphStore.bulk_replace_source`),
    the others in one transaction each (see :meth:`GraphStore.replace_source`): either way
    a source is left wholly old or wholly new.

    A user's source (one with an ``origin_digest``) already loaded from another file is
    replaced only when ``replace`` is true; otherwise the load stops naming both files.
    Facts the written sources state differently from other sources, and references other
    sources make to entities a new version no longer defines, come back as the reports'
    ``warnings``.

    An organisation a written source defines with a PIC, a VAT number or a Wikidata entity
    that an organisation of another source (or of a source earlier in ``sources``) has too
    gets ``owl:sameAs`` that one, in the written source's graph (so it goes with the
    source); each link is a note of the report. Two organisations of one source with the
    same PIC or VAT number are a problem (nothing written).
    """
    from smekg.loaders.catalogue import (
        conflict_summary,
        defined_and_referenced,
        find_conflicts,
        undefined,
    )

    with tempfile.TemporaryDirectory(prefix="smekg-load-") as scratch:
        plans, problems = _build_and_validate(
            store, sources, minter, Path(scratch), force=force, validate=validate,
            progress=progress, bulk_above=bulk_above, replace=replace,
        )
        if problems:
            raise LoadError(problems)
        for plan in plans:
            if plan.changed and plan.record is not None and plan.source.origin_digest:
                plan.referenced = defined_and_referenced(store, plan.graph)
        reports = [_write(store, plan, progress) for plan in plans]
    for plan, report in zip(plans, reports, strict=True):
        if report.status == "unchanged":
            continue
        if progress:
            progress(f"checking {plan.source.key} against the other sources")
        gone = undefined(store, plan.referenced)
        if gone:
            report.warnings.append(
                f"{len(gone)} entit{'y' if len(gone) == 1 else 'ies'} other sources refer to "
                f"{'is' if len(gone) == 1 else 'are'} no longer defined by {plan.source.key}: "
                + ", ".join(f"<{iri}>" for iri in gone[:5]) + (" ..." if len(gone) > 5 else ""))
        report.warnings.extend(conflict_summary(find_conflicts(store, minter, plan.graph)))
    if any(r.status != "unchanged" for r in reports):
        store.compact()
    return reports


def _build_and_validate(
    store: SourceStore, sources: Sequence[Source], minter: Minter, scratch: Path, *,
    force: bool, validate: bool, progress: Callable[[str], None] | None,
    bulk_above: int | None = None, replace: bool = False,
) -> tuple[list[_Plan], list[Problem]]:
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
        if plan.record is not None and not replace and _from_another_file(source, plan.record):
            problems.append(_another_file(source, plan.record))
            continue
        plan.spool = _Spool(scratch, bulk_above)
        if source.chunks is not None:
            continue  # built while validated, below
        if progress:
            progress(f"building {source.key}")
        started = time.perf_counter()
        try:
            plan.built = source.build()
        except LoadError as error:
            problems.extend(error.problems)
        plan.seconds += time.perf_counter() - started
    if problems:
        return plans, problems
    # Types declared anywhere in the batch count, so a batch may reference what it is
    # about to load (seed rows pointing at reference regions, say).
    types_of = _batch_types(
        [p.built.graph for p in plans if p.built is not None],
        [p.source.classes_of for p in plans if p.changed and p.source.classes_of],
        store,
    )
    # the graphs this batch replaces: what they hold now links to nothing any more
    replaced = {plan.graph for plan in plans if plan.changed}
    for position, plan in enumerate(plans):
        spool = plan.spool
        if spool is None:  # unchanged
            continue
        started = time.perf_counter()
        check = validate and plan.source.shacl
        if plan.built is not None:
            if check:
                if progress:
                    progress(f"validating {plan.source.key}")
                problems.extend(_validate(plan.built.graph, plan.source.origin, types_of))
            problems.extend(contradictions(plan.built.graph, plan.source.origin))
            plan.identified.scan(plan.built.graph)
            spool.add(plan.built.graph)
            plan.notes = plan.built.notes
            plan.built = None
        else:
            problems.extend(_stream(plan, types_of, check, progress))
        problems.extend(plan.identified.repeated(plan.source.origin))
        if not problems:  # the links are part of the source's one write
            if progress:
                progress(f"linking {plan.source.key} to the organisations of other sources")
            earlier = [p for p in plans[:position] if p.changed]
            links, notes = same_as_links(store, minter, plan.identified, earlier=[
                (p.source.key, p.identified) for p in earlier], replaced=replaced)
            if len(links):
                spool.add(links)
            plan.notes.extend(notes)
        spool.close()
        plan.seconds += time.perf_counter() - started
    return plans, problems


def _from_another_file(source: Source, record: SourceRecord) -> bool:
    if source.origin_digest is None:
        return False  # bundled sources are replaced by new versions of themselves
    if record.origin_digest is not None:
        return record.origin_digest != source.origin_digest
    return record.source != source.origin  # loaded before origins were recorded


def _another_file(source: Source, record: SourceRecord) -> Problem:
    name = source.key.removeprefix("user/")
    new = source.given or source.origin
    return Problem(
        new,
        f"source {source.key!r} already holds {record.source or record.title or 'another file'} "
        f"(another file, loaded {record.generated_at or 'earlier'}, {record.triples:,} triples); "
        f"loading {new} would replace it. Load it as a source of its own with "
        f"--source NAME (e.g. --source {name}-2), or replace {source.key!r} with --replace",
    )


def _stream(plan: _Plan, types_of: TypesOf, check: bool,
            progress: Callable[[str], None] | None) -> list[Problem]:
    """Build, validate and spool a chunked source; returns its problems.

    As for a source built whole, rows that cannot be mapped are reported alone: the
    shapes are checked only when every row mapped.
    """
    source = plan.source
    assert source.chunks is not None and plan.spool is not None
    mapping: list[Problem] = []
    problems: list[Problem] = []
    seen: set[Node] = set()
    spanning: set[Node] = set()
    rows = 0
    for built in source.chunks():
        rows += built.rows or 0
        if progress:
            progress(f"building and validating {source.key}: {rows:,} rows")
        mapping.extend(built.problems)
        plan.notes.extend(built.notes)
        if mapping:
            continue
        by_subject = built.graph.by_subject()
        repeated = seen.intersection(by_subject)
        spanning |= repeated
        seen.update(by_subject)
        plan.identified.scan(built.graph)
        if check:
            problems.extend(_validate(built.graph, source.origin, types_of))
        if not problems:
            plan.spool.add(built.graph)
    if mapping:
        return mapping
    if spanning:
        # Rows repeating a subject in different chunks: check those subjects whole.
        plan.spool.duplicates = True
        if check:
            whole = GraphBuilder()
            for built in source.chunks():
                by_subject = built.graph.by_subject()
                for subject in spanning.intersection(by_subject):
                    whole.update(Triple(subject, p, o) for p, o in by_subject[subject])
            texts = {_node_text(n) for n in spanning}
            problems = [p for p in problems if p.focus not in texts]
            problems.extend(_validate(whole, source.origin, types_of))
    return sorted(problems, key=str)


def contradictions(graph: GraphBuilder, origin: str) -> list[Problem]:
    """Facts one source states twice with different values: one subject with two values
    (in one language) of a property that has one (see
    :data:`~smekg.loaders.catalogue.FUNCTIONAL`)."""
    from smekg.loaders.catalogue import FUNCTIONAL

    functional = {NamedNode(p) for p in FUNCTIONAL}
    problems = []
    for subject, pairs in graph.by_subject().items():
        seen: dict[tuple[NamedNode, str | None], NamedNode | BlankNode | Literal] = {}
        for predicate, obj in pairs:
            if predicate not in functional:
                continue
            key = (predicate, obj.language if isinstance(obj, Literal) else None)
            first = seen.setdefault(key, obj)
            if first != obj:
                problems.append(Problem(
                    origin, f"<{_node_text(subject)}> has two values of <{predicate.value}> in "
                    f"this one source: {first.value!r} and {obj.value!r}",
                    value=obj.value, focus=_node_text(subject)))
    return problems


def _node_text(node: Node) -> str:
    return node.value if isinstance(node, NamedNode) else str(node)


# -- the same organisation once -----------------------------------------------------
IDENTIFIERS: dict[str, str] = {
    str(SMEKG.pic): "PIC",
    str(SCHEMA.vatID): "VAT number",
    str(SMEKG.wikidata): "Wikidata entity",
}
"""The properties that identify an organisation, with their names: organisations of two
sources with the same value are one (``owl:sameAs``)."""

ONE_PER_SOURCE: dict[str, str] = {str(SMEKG.pic): "pic", str(SCHEMA.vatID): "vat_number"}
"""The identifiers no two organisations of one source may share (with their column)."""

SHOWN_LINKS = 20
"""The ``owl:sameAs`` links a load names one by one in its notes (then a count)."""

_VALUES_BATCH = 10_000  # identifier values per look-up query


@cache
def _organisation_classes() -> frozenset[NamedNode]:
    """smekg:Organisation and every class under it (a network is an organisation)."""
    from smekg.loaders.shapes import superclasses

    organisation = str(SMEKG.Organisation)
    return frozenset(NamedNode(cls) for cls, supers in superclasses().items()
                     if organisation in supers) | {NamedNode(organisation)}


_IDENTIFYING = {NamedNode(p): p for p in IDENTIFIERS}
_SAME_AS = NamedNode(str(OWL.sameAs))
_TYPE = NamedNode(str(RDF.type))
_LABEL = NamedNode(str(SKOS.prefLabel))
_KEY = NamedNode(str(DCTERMS.identifier))
_ROW = NamedNode(str(SMEKG.sourceRow))


@dataclass
class Identified:
    """The organisations one source defines (types) with an identifier: what links them
    to the organisations of other sources."""

    # (identifying property, value) -> the organisations with it, in the order found
    subjects: dict[tuple[str, NamedNode | Literal], dict[NamedNode, None]] = field(
        default_factory=dict)
    labels: dict[NamedNode, str] = field(default_factory=dict)
    keys: dict[NamedNode, str] = field(default_factory=dict)  # dcterms:identifier (row id)
    rows: dict[NamedNode, int] = field(default_factory=dict)  # smekg:sourceRow
    stated: set[tuple[str, str]] = field(default_factory=set)  # owl:sameAs it states itself

    def scan(self, graph: GraphBuilder) -> None:
        """Note the identified organisations of ``graph`` (all or a chunk of the source)."""
        classes = _organisation_classes()
        for subject, pairs in graph.by_subject().items():
            if not isinstance(subject, NamedNode):
                continue
            found: list[tuple[str, NamedNode | Literal]] = []
            organisation = False
            label = key = row = None
            for predicate, obj in pairs:
                identifying = _IDENTIFYING.get(predicate)
                if identifying is not None:
                    if isinstance(obj, NamedNode | Literal):
                        found.append((identifying, obj))
                elif predicate == _TYPE:
                    organisation = organisation or obj in classes
                elif predicate == _SAME_AS and isinstance(obj, NamedNode):
                    self.stated.add((subject.value, obj.value))
                elif predicate == _LABEL and isinstance(obj, Literal):
                    label = obj.value if label is None else min(label, obj.value)
                elif predicate == _KEY and isinstance(obj, Literal):
                    key = obj.value
                elif predicate == _ROW and isinstance(obj, Literal) and obj.value.isdigit():
                    row = int(obj.value)
            if not (found and organisation):
                continue
            for pair in found:
                self.subjects.setdefault(pair, {})[subject] = None
            if label is not None:
                self.labels[subject] = label
            if key is not None:
                self.keys[subject] = key
            if row is not None:
                self.rows[subject] = row

    def name(self, subject: NamedNode) -> str:
        """How a problem names an organisation: its id (the row's), else its IRI."""
        key = self.keys.get(subject)
        return repr(key) if key is not None else f"<{subject.value}>"

    def repeated(self, origin: str) -> list[Problem]:
        """Two organisations of the source with the same PIC or VAT number: a problem each,
        naming both (the same organisation once: one row, one entity)."""
        problems = []
        for (prop, value), subjects in self.subjects.items():
            column = ONE_PER_SOURCE.get(prop)
            if column is None or len(subjects) < 2:
                continue
            first, *others = subjects
            for other in others:
                problems.append(Problem(
                    origin,
                    f"organisations {self.name(first)} and {self.name(other)} have the same "
                    f"{IDENTIFIERS[prop]} {value.value!r} in this one source: one organisation "
                    f"is one row (merge the rows, or correct the {IDENTIFIERS[prop]})",
                    row=self.rows.get(other),
                    column=column if other in self.keys else None,
                    value=value.value, focus=other.value))
        return problems


def _identifier_text(prop: str, value: NamedNode | Literal) -> str:
    """``PIC 999999999``, ``VAT number IT01234567890``, ``Wikidata entity Q42``."""
    shown = value.value.rsplit("/", 1)[-1] if isinstance(value, NamedNode) else value.value
    return f"{IDENTIFIERS[prop]} {shown}"


def _term_text(term: NamedNode | Literal) -> str:
    """The term in SPARQL syntax (N-Triples is a subset of it)."""
    return str(term)


def _stored_with(
    store: SourceStore, prop: str, values: Sequence[NamedNode | Literal],
) -> Iterator[tuple[NamedNode | Literal, str, str]]:
    """``(value, organisation, graph)`` for the nodes of the store with one of ``values`` of
    ``prop``: one query per :data:`_VALUES_BATCH` values, never one per entity."""
    for start in range(0, len(values), _VALUES_BATCH):
        batch = " ".join(_term_text(v) for v in values[start:start + _VALUES_BATCH])
        for row in store.select(f"""SELECT ?value ?other ?g WHERE {{
                                      VALUES ?value {{ {batch} }}
                                      GRAPH ?g {{ ?other <{prop}> ?value }}
                                      FILTER(isIRI(?other)) }}"""):
            yield row["value"], row["other"].value, row["g"].value


def _stored_same_as(store: SourceStore, replaced: set[str]) -> set[tuple[str, str]]:
    """Every ``owl:sameAs`` link of the store outside the ``replaced`` graphs (a scan: the
    links are at most as many as the organisations)."""
    return {(row["s"].value, row["o"].value)
            for row in store.select("SELECT ?s ?o ?g WHERE { GRAPH ?g { ?s owl:sameAs ?o } }")
            if row["g"].value not in replaced}


def _stored_labels(store: SourceStore, iris: Iterable[str]) -> dict[str, str]:
    """The (least) skos:prefLabel of each of ``iris`` (a few: those a note names)."""
    wanted = " ".join(f"<{iri}>" for iri in sorted(set(iris)))
    if not wanted:
        return {}
    return {row["e"].value: row["label"].value for row in store.select(
        f"""SELECT ?e (MIN(STR(?name)) AS ?label) WHERE {{
              VALUES ?e {{ {wanted} }} ?e skos:prefLabel ?name }} GROUP BY ?e""")}


def same_as_links(
    store: SourceStore, minter: Minter, identified: Identified, *,
    earlier: Sequence[tuple[str, Identified]] = (), replaced: set[str] | None = None,
) -> tuple[GraphBuilder, list[str]]:
    """The ``owl:sameAs`` links from the organisations of a source (``identified``) to
    those of other sources with the same PIC, VAT number or Wikidata entity, and a note
    each (the first :data:`SHOWN_LINKS`, then a count).

    The others are the store's organisations outside the ``replaced`` graphs (those the
    load writes anew) and those of the sources ``earlier`` in the load, as ``(source
    name, identified)``. A link another source already states the other way round, or
    the source states itself, is not added again.
    """
    from smekg.loaders.catalogue import source_name

    replaced = replaced or set()
    # (property, value) -> {(organisation, source name)}
    others: dict[tuple[str, NamedNode | Literal], set[tuple[str, str]]] = {}
    labels: dict[str, str] = {}
    by_prop: dict[str, list[NamedNode | Literal]] = {}
    for prop, value in identified.subjects:
        by_prop.setdefault(prop, []).append(value)
    names: dict[str, str] = {}
    for prop, values in by_prop.items():
        for value, other, graph in _stored_with(store, prop, values):
            if graph not in replaced:
                name = names.get(graph)
                if name is None:
                    name = names[graph] = source_name(graph, minter)
                others.setdefault((prop, value), set()).add((other, name))
    stated = set(identified.stated)
    for key, before in earlier:
        stated |= before.stated
        for pair, subjects in before.subjects.items():
            if pair in identified.subjects:
                others.setdefault(pair, set()).update((s.value, key) for s in subjects)
                labels.update((s.value, before.labels[s]) for s in subjects
                              if s in before.labels)
    if not others:
        return GraphBuilder(), []
    stated |= _stored_same_as(store, replaced)
    links = GraphBuilder()
    noted: list[tuple[NamedNode, str, str, tuple[str, NamedNode | Literal]]] = []
    for pair, found in sorted(others.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        for subject in identified.subjects[pair]:
            for other, source in sorted(found):
                if other == subject.value or (other, subject.value) in stated or (
                        subject.value, other) in stated:
                    continue
                count = len(links)
                links.add(subject, _SAME_AS, NamedNode(other))
                if len(links) > count and len(noted) < SHOWN_LINKS:
                    noted.append((subject, other, source, pair))
    labels.update(_stored_labels(store, (other for _, other, _, _ in noted
                                         if other not in labels)))
    notes = []
    for subject, other, source, pair in noted:
        mine, theirs = identified.labels.get(subject), labels.get(other)
        notes.append(f"linked <{subject.value}>{f' ({mine})' if mine else ''} owl:sameAs "
                     f"<{other}>{f' ({theirs})' if theirs else ''} in {source}: same "
                     f"{_identifier_text(*pair)}")
    if len(links) > SHOWN_LINKS:
        notes.append(f"... and {len(links) - SHOWN_LINKS:,} more owl:sameAs links to "
                     "organisations of other sources with the same identifier (`smekg "
                     "duplicates` lists them all)")
    return links, notes


def _write(store: SourceStore, plan: _Plan, progress: Callable[[str], None] | None) -> LoadReport:
    if not plan.changed:
        triples = plan.record.triples if plan.record else 0
        return LoadReport(plan.source.key, plan.graph, "unchanged", triples, 0.0)
    if progress:
        progress(f"writing {plan.source.key}")
    started = time.perf_counter()
    spool = plan.spool
    assert spool is not None
    if spool.path is None:
        count = len(spool.triples)
        closing = _provenance(plan.graph, plan.source, plan.checksum, count)
        store.replace_source(plan.graph, [*spool.triples, *closing])
        spool.triples = []
    else:
        count = store.bulk_replace_source(
            plan.graph, spool.path,
            lambda n: _provenance(plan.graph, plan.source, plan.checksum, n),
            exact_count=None if spool.duplicates else spool.count,
        )
    return LoadReport(
        plan.source.key,
        plan.graph,
        "replaced" if plan.record is not None else "loaded",
        count + len(_provenance(plan.graph, plan.source, plan.checksum, count)),  # as written
        plan.seconds + time.perf_counter() - started,
        plan.notes,
    )


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
    g.add(graph, SMEKG.sourceName, g.text(source.key))
    if source.origin_digest:
        g.add(graph, SMEKG.originDigest, g.text(source.origin_digest))
    if source.licence:
        g.add(graph, DCTERMS.license, source.licence)
    if source.description:
        g.add(graph, DCTERMS.description, g.text(source.description, "en"))
    for origin in source.derived_from:
        g.add(graph, PROV.wasDerivedFrom, origin)
    return list(g)


def _batch_types(
    graphs: list[GraphBuilder],
    finders: list[Callable[[str], tuple[str, ...] | None]],
    store: SourceStore,
) -> TypesOf:
    """Where a node's classes are found: the batch's graphs, its tables, then the store."""
    rdf_type = NamedNode(str(RDF.type))
    declared: dict[NamedNode | BlankNode, list[str]] = {}
    for graph in graphs:
        for subject, pairs in graph.by_subject().items():
            for predicate, obj in pairs:
                if predicate == rdf_type and isinstance(subject, NamedNode):
                    declared.setdefault(subject, []).append(obj.value)
    from_store: dict[NamedNode | BlankNode, list[str]] = {}

    def types_of(node: NamedNode | BlankNode) -> Iterable[str]:
        found = declared.get(node)
        if found is not None:
            return found
        if isinstance(node, NamedNode):
            for finder in finders:
                classes = finder(node.value)
                if classes is not None:
                    return classes
        found = from_store.get(node)
        if found is None:
            found = from_store[node] = [triple_parts(t)[2].value for t in store.types_of(node)]
        return found

    return types_of


def _validate(graph: GraphBuilder, origin: str, types_of: TypesOf) -> list[Problem]:
    from smekg.loaders.shapes import compiled_shapes

    by_subject = {s: list(pairs) for s, pairs in graph.by_subject().items()}
    return compiled_shapes().validate_subjects(by_subject, origin, types_of)


# -- SHACL ---------------------------------------------------------------------------
def to_rdflib(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    graph.parse(data=ntriples(triples), format="nt")
    return graph


def with_inferred_types(triples: Iterable[Triple]) -> list[Triple]:
    """Add the rdf:type triples implied by the ontology's rdfs:subClassOf hierarchy.

    This is the only inference the shapes need; doing it here is much faster than
    asking pyshacl to mix the whole ontology into every data graph.
    """
    from smekg.loaders.shapes import superclasses

    supers = superclasses()
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
    from smekg.ontology import SH

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
def store_lookup(store: SourceStore) -> Callable[[str], list[Entity]]:
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
    store: SourceStore,
    *,
    key_prefix: str = "user",
    kind: str | None = None,
    licence: str | None = None,
    origin_of: Callable[[Path], str] | None = None,
    key_of: Callable[[Path], str] | None = None,
    user_files: bool = False,
    read: Callable[[Path], dict[str, list[Record]]] | None = None,
) -> list[Source]:
    """Sources for table files (CSV, XLSX, JSON, JSONL) mapped as one batch: ids may be
    referenced across the files. ``read(path)`` gives a file's tables by kind (default:
    :func:`read_tables`; a column mapping or an importer reads a file of another layout
    into the template kinds). Each file becomes its own source and named graph;
    ``origin_of(path)`` is what its provenance records as its origin (default: the file's
    name, never the server's directories: provenance is public through the API) and
    ``key_of(path)`` its source's key (default: ``{key_prefix}/{slug of the file's stem}``).
    ``user_files`` records where each file lies (:func:`origin_digest`), so that another
    file of the same name does not replace it silently."""
    mapper = TableMapper(minter, store_lookup(store))
    loaded: list[tuple[Path, dict[str, list[Record]]]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            tables = read(path) if read is not None else read_tables(path, kind)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        problems.extend(mapper.prepare(tables, str(path)))
        loaded.append((path, tables))
    if problems:
        raise LoadError(problems)

    def builder(tables: dict[str, list[Record]]) -> Callable[[], Built]:
        def build() -> Built:
            result = mapper.map(tables)
            if result.problems:
                raise LoadError(result.problems)
            return Built(result.graph, result.notes, result.rows)

        return build

    def chunker(tables: dict[str, list[Record]]) -> Callable[[], Iterator[Built]]:
        def chunks() -> Iterator[Built]:
            for result in mapper.map_chunks(tables, CHUNK_ROWS):
                yield Built(result.graph, result.notes, result.rows, result.problems)

        return chunks

    return [
        Source(
            key=key_of(path) if key_of is not None else f"{key_prefix}/{slug(path.stem)}",
            title=f"{path.name}",
            origin=origin_of(path) if origin_of is not None else path.name,
            fingerprint=path.read_bytes(),
            build=builder(tables),
            licence=licence,
            chunks=chunker(tables),
            classes_of=mapper.classes_of,
            origin_digest=origin_digest(path) if user_files else None,
            given=str(path) if user_files else None,
        )
        for path, tables in loaded
    ]


def rdf_source(
    path: Path, *, key_prefix: str = "user", rdf_format: RdfFormat | None = None,
    key: str | None = None, user_file: bool = False,
) -> Source:
    """A source for an RDF file, loaded as it is (graph names of quad formats are
    folded into the source's own named graph).

    Its provenance records the file's name, not its directory, and relative IRIs in the
    file resolve against ``file:///<name>`` (not the file's place on this machine, which
    the loaded IRIs would publish): the same file loads the same wherever it lies.
    RDF/XML is checked for entity declarations first (:func:`check_xml_entities`)."""
    fmt = rdf_format or RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError([Problem(str(path), f"unknown RDF format for {path.suffix!r}")])
    limits = InputLimits.from_settings()
    check_file_size(path, limits)
    data = path.read_bytes()

    def build() -> Built:
        g = GraphBuilder()
        try:
            if fmt == RdfFormat.RDF_XML:
                check_xml_entities(data, str(path), limits.file_bytes)
            for quad in parse(data, format=fmt, base_iri=file_base_iri(path)):
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
        key=key if key is not None else f"{key_prefix}/{slug(path.stem)}",
        title=path.name,
        origin=path.name,
        fingerprint=data,
        build=build,
        origin_digest=origin_digest(path) if user_file else None,
        given=str(path) if user_file else None,
    )


def file_sources(
    paths: Sequence[Path], minter: Minter, store: SourceStore, *, kind: str | None = None,
    source: str | None = None, mapping: Path | None = None,
) -> list[Source]:
    """Sources for user files: tables (one batch) and RDF files; directories are expanded.

    Each file is a source of its own, named ``user/<the file's name without extension>``
    unless ``source`` names it (one file only). Two files of one load may not share a name,
    and a file does not replace a source loaded from another file unless the load says so
    (see ``replace`` of :func:`load_sources`).

    With a column ``mapping`` (a YAML file, see :mod:`smekg.loaders.mapping`), the one table
    file given is read with its own columns into the template kinds the mapping names; the
    mapping is checked whole before the file is read, and is part of the source's checksum
    (loading the file with a changed mapping reloads it).
    """
    from smekg.loaders.catalogue import source_key

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
    key: str | None = None
    if source is not None:
        try:
            key = source_key(source)
        except ValueError as error:
            raise LoadError([Problem("--source", str(error), value=source)]) from None
        if len(files) != 1:
            raise LoadError([Problem(
                "--source", f"--source names one source, but {len(files)} files were given "
                f"({', '.join(p.name for p in files[:5])}); load them one at a time",
                value=source)])

    def key_of(path: Path) -> str:
        return key if key is not None else f"user/{slug(path.stem)}"

    if mapping is not None:
        from smekg.loaders.mapping import MappingReader, load_mapping

        if kind is not None:
            raise LoadError([Problem("--mapping", "--kind does not go with --mapping: the "
                                     "mapping's tables say which kinds the file feeds",
                                     value=kind)])
        if (len(paths) != 1 or paths[0].is_dir() or len(files) != 1
                or files[0].suffix.lower() not in TABLE_SUFFIXES):
            given = ", ".join(str(p) for p in paths[:5]) or "none"
            raise LoadError([Problem(
                "--mapping", "a mapping reads one table file (CSV, TSV, XLSX, JSON or JSON "
                f"Lines) at a time; given: {given}")])
        reader = MappingReader(load_mapping(mapping))  # checked before the file is read
        mapped = table_sources(files, minter, store, key_of=key_of, user_files=True,
                               read=reader)
        notes = reader.notes.get(files[0], [])
        found = mapped[0]  # the one file's source
        # another mapping of the same file gives other triples: it reloads the source
        found.fingerprint = found.fingerprint + b"\x00smekg-mapping\x00" + reader.mapping.content
        found.description = f"{found.title} read with the column mapping {mapping.name}"
        build, chunks = found.build, found.chunks

        def noted_build() -> Built:  # the mapping's notes (conflicts it kept the first of)
            built = build()
            built.notes[:0] = notes
            return built

        def noted_chunks() -> Iterator[Built]:
            assert chunks is not None
            for number, built in enumerate(chunks()):
                if number == 0:
                    built.notes[:0] = notes
                yield built

        found.build = noted_build
        found.chunks = noted_chunks if chunks is not None else None
        return mapped

    table_files = [p for p in files if p.suffix.lower() in TABLE_SUFFIXES and kind not in RDF_KINDS]
    rdf_files = [p for p in files if p not in table_files]
    sources = (table_sources(table_files, minter, store, kind=kind, key_of=key_of,
                             user_files=True) if table_files else [])
    for path in rdf_files:
        sources.append(rdf_source(path, rdf_format=RDF_KINDS.get(kind or ""), key=key_of(path),
                                  user_file=True))
    by_key: dict[str, list[Path]] = {}
    for path in table_files + rdf_files:
        by_key.setdefault(key_of(path), []).append(path)
    clashes = [
        Problem(str(p), f"{len(same)} files of this load would be the one source {k!r}: "
                f"{', '.join(str(q) for q in same)}; load them one at a time, each with "
                "--source NAME")
        for k, same in sorted(by_key.items()) if len(same) > 1 for p in same
    ]
    if clashes:
        raise LoadError(clashes)
    return sources

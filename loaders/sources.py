"""The load pipeline: build → validate (row checks + SHACL) → replace one named graph.

A :class:`Source` is anything that yields the triples of one named graph: a bundled
reference classification, a seed or user table, an RDF file. :func:`load_sources`
builds and validates *all* the given sources before it writes any, then replaces
each source's graph atomically. A source whose checksum (content, loader version
and base IRI) matches what the store holds is left alone, so loading twice changes
nothing.

Triples travel as N-Triples text (:mod:`smekg.loaders.ntriples`): the table mappers write
it, the shapes are checked on it and the store's bulk loader reads it. A large table is
mapped, validated and spooled a chunk of rows at a time, its chunks shared between this
process and forked workers, one per core (:mod:`smekg.loaders.stream`); the store is
written by this process alone, once everything was checked.

The same organisation once: an organisation a source defines with a PIC, a VAT number or
a Wikidata entity that another source's organisation has too is linked to it by
``owl:sameAs`` in the new source's own graph (written with it, removed with it); two
organisations of one source with the same PIC or VAT number are an error.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple, parse
from rdflib import Graph

from smekg import __version__
from smekg.core.iri import Minter, slug
from smekg.core.rdf import GraphBuilder, triple_parts
from smekg.core.stores import SourceRecord, SourceStore, ntriples
from smekg.loaders.entities import CLASS_KINDS, Entity, TableMapper
from smekg.loaders.errors import LoadError, Problem
from smekg.loaders.limits import InputLimits, check_file_size, check_xml_entities, file_base_iri
from smekg.loaders.ntriples import TextGraph, literal_parts, term, value_of
from smekg.loaders.stream import (
    Asking,
    ChunkOutcome,
    ChunkWork,
    Spool,
    available_processes,
    handle,
    map_in_processes,
    merged_seconds,
    timed,
)
from smekg.loaders.tables import TABLE_SUFFIXES, Record, read_tables
from smekg.ontology import DCTERMS, OWL, PROV, RDF, SCHEMA, SKOS, SMEKG, load_shapes

if TYPE_CHECKING:
    from smekg.loaders.shapes import TextTypesOf

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

STAGES = ("read", "map", "validate", "spool", "link", "write", "compact", "check")
"""The stages :func:`load_sources` reports the seconds of (``timings``): reading the files
and checking their rows, mapping rows to triples, validating them (shapes, identifiers),
spooling their text, linking organisations to other sources', writing the store,
compacting it, checking the written sources against the others. Map, validate and spool
are summed over the processes that share them."""


@dataclass
class Built:
    """What building a source (or a chunk of its rows) produced."""

    graph: TextGraph | GraphBuilder  # a GraphBuilder is read as text (see text_graph)
    notes: list[str] = field(default_factory=list)
    rows: int | None = None
    problems: list[Problem] = field(default_factory=list)  # of a chunk (see Source.chunks)
    index: int = 0  # of the chunk

    def text_graph(self) -> TextGraph:
        """The triples as N-Triples text (a GraphBuilder's terms printed once)."""
        if not isinstance(self.graph, TextGraph):
            self.graph = TextGraph.from_triples(self.graph)
        return self.graph


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
    # subjects but for duplicated rows, which are caught), so large loads stream:
    # chunks(part, parts) gives the chunks whose number is part modulo parts.
    chunks: Callable[[int, int], Iterator[Built]] | None = None
    # The mapper of a table source whose chunks worker processes may map (see
    # smekg.loaders.stream): its look-ups of ids in the store are asked of this process.
    mapper: TableMapper | None = None
    rows: int = 0  # of a table source
    read_seconds: float = 0.0  # reading its file and checking its rows
    # Drops what building the source needs (a table's rows) once it is spooled, before the
    # store is written: a source is loaded once (a table source is made again from its file).
    release: Callable[[], None] | None = None
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


@dataclass
class _Plan:
    """One source on its way through :func:`load_sources`."""

    source: Source
    graph: str
    checksum: str
    record: SourceRecord | None  # what the store holds now
    referenced: list[str] = field(default_factory=list)  # its entities others refer to
    built: Built | None = None  # None: unchanged, chunked, or failed to build
    spool: Spool | None = None  # the triples to write (built sources)
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
    processes: int | None = None,
    timings: dict[str, float] | None = None,
) -> list[LoadReport]:
    """Load ``sources`` into ``store``: all are built and validated before any is written.

    Raises :class:`LoadError` (nothing written) when any source has a problem. Sources of
    more than ``bulk_above`` (default :data:`BULK_ABOVE`) triples are written by Oxigraph's
    bulk loader through the store's journal (see :meth:`GraphStore.bulk_replace_source`),
    the others in one transaction each (see :meth:`GraphStore.replace_source`): either way
    a source is left wholly old or wholly new.

    A table source of more than :data:`CHUNK_ROWS` rows is mapped and validated by
    ``processes`` processes (default: one per core, :func:`available_processes`): this one
    and forked workers, which never write the store. The seconds of each stage
    (:data:`STAGES`) are added to ``timings`` when it is given.

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
    stages = dict.fromkeys(STAGES, 0.0)
    stages["read"] = sum(source.read_seconds for source in sources)
    # The rows read, their index and the reference data live as long as the load: the
    # cyclic garbage collector need not walk them at every collection (nor a worker's).
    gc.freeze()
    try:
        reports = _load(store, sources, minter, force=force, validate=validate,
                        progress=progress, bulk_above=bulk_above, replace=replace,
                        processes=available_processes() if processes is None else processes,
                        stages=stages)
    finally:
        gc.unfreeze()
    if timings is not None:
        for stage, seconds in stages.items():
            timings[stage] = timings.get(stage, 0.0) + seconds
    return reports


def _load(
    store: SourceStore, sources: Sequence[Source], minter: Minter, *, force: bool,
    validate: bool, progress: Callable[[str], None] | None, bulk_above: int | None,
    replace: bool, processes: int, stages: dict[str, float],
) -> list[LoadReport]:
    """:func:`load_sources`, its stages timed into ``stages``."""
    from smekg.loaders.catalogue import (
        conflict_summary,
        defined_and_referenced,
        find_conflicts,
        undefined,
    )

    with tempfile.TemporaryDirectory(prefix="smekg-load-") as scratch:
        plans, problems = _build_and_validate(
            store, sources, minter, Path(scratch), force=force, validate=validate,
            progress=progress, bulk_above=bulk_above, replace=replace, processes=processes,
            stages=stages,
        )
        if problems:
            raise LoadError(problems)
        started = time.perf_counter()
        for plan in plans:
            if plan.changed and plan.record is not None and plan.source.origin_digest:
                plan.referenced = defined_and_referenced(store, plan.graph)
        stages["check"] += time.perf_counter() - started
        started = time.perf_counter()
        reports = [_write(store, plan, progress) for plan in plans]
        stages["write"] += time.perf_counter() - started
    if any(r.status != "unchanged" for r in reports):
        if progress:
            progress("compacting the store")
        started = time.perf_counter()
        store.compact()  # before the checks below, which read a compacted store faster
        stages["compact"] = time.perf_counter() - started
    started = time.perf_counter()
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
    stages["check"] += time.perf_counter() - started
    return reports


def _build_and_validate(
    store: SourceStore, sources: Sequence[Source], minter: Minter, scratch: Path, *,
    force: bool, validate: bool, progress: Callable[[str], None] | None,
    bulk_above: int | None = None, replace: bool = False, processes: int = 1,
    stages: dict[str, float],
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
        plan.spool = Spool(scratch, BULK_ABOVE if bulk_above is None else bulk_above)
        if source.chunks is not None:
            continue  # built while validated, below
        if progress:
            progress(f"building {source.key}")
        started = time.perf_counter()
        try:
            plan.built = source.build()
            plan.built.text_graph()
        except LoadError as error:
            problems.extend(error.problems)
        seconds = time.perf_counter() - started
        plan.seconds += seconds
        stages["map"] += seconds
    if problems:
        return plans, problems
    # Types declared anywhere in the batch count, so a batch may reference what it is
    # about to load (seed rows pointing at reference regions, say).
    types = BatchTypes(
        [p.built.text_graph() for p in plans if p.built is not None],
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
            triples = plan.built.text_graph()
            checked = time.perf_counter()
            if check:
                if progress:
                    progress(f"validating {plan.source.key}")
                problems.extend(_validate(triples, plan.source.origin, types))
            problems.extend(contradictions(triples, plan.source.origin))
            plan.identified.scan(triples)
            stages["validate"] += time.perf_counter() - checked
            spooled = time.perf_counter()
            problems.extend(spool.add(triples, plan.source.origin))
            stages["spool"] += time.perf_counter() - spooled
            plan.notes = plan.built.notes
            plan.built = None
        else:
            problems.extend(_stream(plan, types, check, progress, processes, stages))
        problems.extend(plan.identified.repeated(plan.source.origin))
        if not problems:  # the links are part of the source's one write
            if progress:
                progress(f"linking {plan.source.key} to the organisations of other sources")
            linking = time.perf_counter()
            earlier = [p for p in plans[:position] if p.changed]
            links, notes = same_as_links(store, minter, plan.identified, earlier=[
                (p.source.key, p.identified) for p in earlier], replaced=replaced)
            if len(links):
                problems.extend(spool.add(links, plan.source.origin))
            plan.notes.extend(notes)
            stages["link"] += time.perf_counter() - linking
        spool.close()
        if plan.source.release is not None:
            plan.source.release()
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


def _stream(plan: _Plan, types: BatchTypes, check: bool,
            progress: Callable[[str], None] | None, processes: int,
            stages: dict[str, float]) -> list[Problem]:
    """Build, validate and spool a chunked source; returns its problems.

    As for a source built whole, rows that cannot be mapped are reported alone: the
    shapes are checked only when every row mapped. A table of more than one chunk is
    shared between ``processes`` processes (see :mod:`smekg.loaders.stream`); the
    outcomes are merged in the chunks' order, as one process would have made them.
    """
    from smekg.loaders.shapes import compiled_shapes

    source = plan.source
    chunks = source.chunks
    assert chunks is not None and plan.spool is not None
    shapes = compiled_shapes()
    origin = source.origin
    work = ChunkWork(
        origin, plan.spool,
        (lambda graph: shapes.validate_subjects(graph.subjects, origin, types)) if check
        else None,
        Identified.of,
        lambda graph: types.prefetch(graph, shapes.class_paths),
    )

    def parted(part: int, parts: int) -> Iterator[
            tuple[TextGraph, int, int, list[Problem], list[str]]]:
        for built in chunks(part, parts):
            yield built.text_graph(), built.index, built.rows or 0, built.problems, built.notes

    mapper = source.mapper
    parts = min(processes, -(-source.rows // CHUNK_ROWS)) if mapper is not None else 1
    if progress:
        progress(f"building and validating {source.key}"
                 + (f" ({source.rows:,} rows, {parts} processes)" if parts > 1 else ""))
    if parts > 1:
        assert mapper is not None

        def answer(kind: str, payload: object) -> object:
            if kind == "lookup":
                assert isinstance(payload, str)
                return mapper.lookup(payload)
            assert isinstance(payload, list)
            return types.stored(payload)

        def in_worker(asking: Asking) -> None:
            known: dict[str, list[Entity]] = {}

            def lookup(key: str) -> list[Entity]:
                found = known.get(key)
                if found is None:
                    found = known[key] = asking.ask("lookup", key)
                return found

            mapper.lookup = lookup
            types.ask = lambda nodes: asking.ask("types", nodes)

        outcomes = map_in_processes(parted, parts, work, answer, in_worker)
    else:
        outcomes = []
        for (graph, index, rows, mapping, notes), seconds in timed(parted(0, 1)):
            outcomes.append(handle(graph, index, rows, mapping, notes, work, seconds))
            if progress:
                progress(f"building and validating {source.key}: "
                         f"{sum(o.rows for o in outcomes):,} rows")
    for stage, seconds in merged_seconds(outcomes).items():
        stages[stage] += seconds
    return _merged(plan, outcomes, types, check)


def _merged(plan: _Plan, outcomes: list[ChunkOutcome], types: BatchTypes,
            check: bool) -> list[Problem]:
    """The problems of a chunked source from its chunks' outcomes (in chunk order), its
    notes and identified organisations noted in ``plan``."""
    source, spool = plan.source, plan.spool
    assert source.chunks is not None and spool is not None
    mapping: list[Problem] = []
    problems: list[Problem] = []
    seen: set[int] = set()
    spanning: set[int] = set()  # hashes of subjects of several chunks (or their doubles)
    for outcome in outcomes:
        mapping.extend(outcome.mapping)
        plan.notes.extend(outcome.notes)
        if mapping:
            continue
        spanning.update(seen.intersection(outcome.subjects))
        seen.update(outcome.subjects)
        if isinstance(outcome.identified, Identified):
            plan.identified.merge(outcome.identified)
        problems.extend(outcome.problems)
    if mapping:
        return mapping
    spool.count = sum(outcome.triples for outcome in outcomes)  # workers' too
    if spanning and not check:
        spool.duplicates = True  # the store counts the distinct triples
    elif spanning:
        # Rows repeating a subject in different chunks: check those subjects whole.
        whole, repeated = _spanning(source, spanning)
        if repeated:
            spool.duplicates = True
            texts = {value_of(subject) for subject in repeated}
            problems = [p for p in problems if p.focus not in texts]
            problems.extend(_validate(whole, source.origin, types))
    return sorted(problems, key=str)


def _spanning(source: Source, hashes: set[int]) -> tuple[TextGraph, set[str]]:
    """The subjects of several chunks of ``source`` among those of ``hashes``, and all
    their triples."""
    assert source.chunks is not None
    chunk_of: dict[str, int] = {}
    repeated: set[str] = set()
    found = TextGraph()
    for built in source.chunks(0, 1):
        graph = built.text_graph()
        for subject, predicates in graph.subjects.items():
            if hash(subject) not in hashes:
                continue
            if chunk_of.setdefault(subject, built.index) != built.index:
                repeated.add(subject)
            for predicate, objects in predicates.items():
                for obj in objects:
                    found.add(subject, predicate, obj)
    whole = TextGraph()
    whole.subjects = {subject: found.subjects[subject] for subject in repeated}
    whole.count = sum(len(objects) for predicates in whole.subjects.values()
                      for objects in predicates.values())
    return whole, repeated


def contradictions(graph: TextGraph, origin: str) -> list[Problem]:
    """Facts one source states twice with different values: one subject with two values
    (in one language) of a property that has one (see
    :data:`~smekg.loaders.catalogue.FUNCTIONAL`)."""
    from smekg.loaders.catalogue import FUNCTIONAL

    functional = {f"<{p}>" for p in FUNCTIONAL}
    problems = []
    for subject, predicates in graph.subjects.items():
        for predicate in functional.intersection(predicates):
            seen: dict[str | None, str] = {}
            for obj in predicates[predicate]:
                first = seen.setdefault(literal_parts(obj)[1] if obj[0] == '"' else None, obj)
                if first != obj:
                    problems.append(Problem(
                        origin, f"<{value_of(subject)}> has two values of "
                        f"<{value_of(predicate)}> in this one source: {value_of(first)!r} "
                        f"and {value_of(obj)!r}", value=value_of(obj), focus=value_of(subject)))
    return problems


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
def _organisation_classes() -> frozenset[str]:
    """smekg:Organisation and every class under it (a network is an organisation), as
    N-Triples texts."""
    from smekg.loaders.shapes import superclasses

    organisation = str(SMEKG.Organisation)
    return frozenset(f"<{cls}>" for cls, supers in superclasses().items()
                     if organisation in supers) | {f"<{organisation}>"}


_IDENTIFYING = {f"<{p}>": p for p in IDENTIFIERS}
_SAME_AS = f"<{OWL.sameAs}>"
_TYPE = f"<{RDF.type}>"
_LABEL = f"<{SKOS.prefLabel}>"
_KEY = f"<{DCTERMS.identifier}>"
_ROW = f"<{SMEKG.sourceRow}>"


@dataclass
class Identified:
    """The organisations one source defines (types) with an identifier: what links them
    to the organisations of other sources. Organisations are their IRIs, identifier values
    their N-Triples text (an IRI's ``<...>``, a literal's quoted form)."""

    # (identifying property, value) -> the organisations with it, in the order found
    subjects: dict[tuple[str, str], dict[str, None]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # dcterms:identifier (row id)
    rows: dict[str, int] = field(default_factory=dict)  # smekg:sourceRow
    stated: set[tuple[str, str]] = field(default_factory=set)  # owl:sameAs it states itself

    @classmethod
    def of(cls, graph: TextGraph) -> Identified:
        """The identified organisations of ``graph`` (a chunk of a source)."""
        found = cls()
        found.scan(graph)
        return found

    def scan(self, graph: TextGraph) -> None:
        """Note the identified organisations of ``graph`` (all or a chunk of the source)."""
        classes = _organisation_classes()
        for subject, predicates in graph.subjects.items():
            if subject[0] != "<":
                continue
            iri = subject[1:-1]
            for obj in predicates.get(_SAME_AS, ()):
                if obj[0] == "<":
                    self.stated.add((iri, obj[1:-1]))
            found = [(_IDENTIFYING[predicate], obj) for predicate, objects in predicates.items()
                     if predicate in _IDENTIFYING for obj in objects if obj[0] != "_"]
            if not found or classes.isdisjoint(predicates.get(_TYPE, ())):
                continue
            label = key = row = None
            for obj in predicates.get(_LABEL, ()):
                if obj[0] == '"':
                    text = literal_parts(obj)[0]
                    label = text if label is None else min(label, text)
            for obj in predicates.get(_KEY, ()):
                if obj[0] == '"':
                    key = literal_parts(obj)[0]
            for obj in predicates.get(_ROW, ()):
                number = literal_parts(obj)[0] if obj[0] == '"' else ""
                if number.isdigit():
                    row = int(number)
            for pair in found:
                self.subjects.setdefault(pair, {})[iri] = None
            if label is not None:
                self.labels[iri] = label
            if key is not None:
                self.keys[iri] = key
            if row is not None:
                self.rows[iri] = row

    def merge(self, other: Identified) -> None:
        """Add what ``other`` (a later chunk of the source) found, as scanning it would."""
        for pair, subjects in other.subjects.items():
            self.subjects.setdefault(pair, {}).update(subjects)
        self.labels.update(other.labels)
        self.keys.update(other.keys)
        self.rows.update(other.rows)
        self.stated |= other.stated

    def name(self, subject: str) -> str:
        """How a problem names an organisation: its id (the row's), else its IRI."""
        key = self.keys.get(subject)
        return repr(key) if key is not None else f"<{subject}>"

    def repeated(self, origin: str) -> list[Problem]:
        """Two organisations of the source with the same PIC or VAT number: a problem each,
        naming both (the same organisation once: one row, one entity)."""
        problems = []
        for (prop, value), subjects in self.subjects.items():
            column = ONE_PER_SOURCE.get(prop)
            if column is None or len(subjects) < 2:
                continue
            first, *others = subjects
            shown = value_of(value)
            for other in others:
                problems.append(Problem(
                    origin,
                    f"organisations {self.name(first)} and {self.name(other)} have the same "
                    f"{IDENTIFIERS[prop]} {shown!r} in this one source: one organisation "
                    f"is one row (merge the rows, or correct the {IDENTIFIERS[prop]})",
                    row=self.rows.get(other),
                    column=column if other in self.keys else None,
                    value=shown, focus=other))
        return problems


def _identifier_text(prop: str, value: str) -> str:
    """``PIC 999999999``, ``VAT number IT01234567890``, ``Wikidata entity Q42``."""
    shown = value_of(value)
    if value[0] == "<":
        shown = shown.rsplit("/", 1)[-1]
    return f"{IDENTIFIERS[prop]} {shown}"


def _stored_with(
    store: SourceStore, prop: str, values: Sequence[str],
) -> Iterator[tuple[str, str, str]]:
    """``(value, organisation, graph)`` for the nodes of the store with one of ``values``
    (N-Triples texts, which SPARQL reads as they are) of ``prop``: one query per
    :data:`_VALUES_BATCH` values, never one per entity."""
    for start in range(0, len(values), _VALUES_BATCH):
        batch = " ".join(values[start:start + _VALUES_BATCH])
        for row in store.select(f"""SELECT ?value ?other ?g WHERE {{
                                      VALUES ?value {{ {batch} }}
                                      GRAPH ?g {{ ?other <{prop}> ?value }}
                                      FILTER(isIRI(?other)) }}"""):
            yield str(row["value"]), row["other"].value, row["g"].value


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
) -> tuple[TextGraph, list[str]]:
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
    others: dict[tuple[str, str], set[tuple[str, str]]] = {}
    labels: dict[str, str] = {}
    by_prop: dict[str, list[str]] = {}
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
                others.setdefault(pair, set()).update((s, key) for s in subjects)
                labels.update((s, before.labels[s]) for s in subjects if s in before.labels)
    if not others:
        return TextGraph(), []
    stated |= _stored_same_as(store, replaced)
    links = TextGraph()
    noted: list[tuple[str, str, str, tuple[str, str]]] = []
    for pair, found in sorted(others.items(), key=lambda item: item[0]):
        for subject in identified.subjects[pair]:
            for other, source in sorted(found):
                if other == subject or (other, subject) in stated or (
                        subject, other) in stated:
                    continue
                count = len(links)
                links.add(f"<{subject}>", _SAME_AS, f"<{other}>")
                if len(links) > count and len(noted) < SHOWN_LINKS:
                    noted.append((subject, other, source, pair))
    labels.update(_stored_labels(store, (other for _, other, _, _ in noted
                                         if other not in labels)))
    notes = []
    for subject, other, source, pair in noted:
        mine, theirs = identified.labels.get(subject), labels.get(other)
        notes.append(f"linked <{subject}>{f' ({mine})' if mine else ''} owl:sameAs "
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
        held = spool.triples()
        count = len(held)
        closing = _provenance(plan.graph, plan.source, plan.checksum, count)
        store.replace_source(plan.graph, [*held, *closing])
        spool.pending = []
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


class BatchTypes:
    """Where a node's classes are found (a :data:`~smekg.loaders.shapes.TextTypesOf`): the
    batch's graphs, its tables, then the store.

    In a worker process (:mod:`smekg.loaders.stream`) the store is not read: ``ask`` is set
    to ask the loading process, once per chunk for every node the chunk's class checks may
    need (:meth:`prefetch`).
    """

    def __init__(self, graphs: list[TextGraph],
                 finders: list[Callable[[str], tuple[str, ...] | None]],
                 store: SourceStore) -> None:
        self.declared: dict[str, list[str]] = {}
        for graph in graphs:
            for subject, predicates in graph.subjects.items():
                if subject[0] == "<" and _TYPE in predicates:
                    self.declared.setdefault(subject, []).extend(map(value_of,
                                                                     predicates[_TYPE]))
        self.finders = finders
        self.store = store
        self.from_store: dict[str, list[str]] = {}
        self.ask: Callable[[list[str]], dict[str, list[str]]] | None = None

    def local(self, node: str) -> Iterable[str] | None:
        """The classes of ``node`` from the batch (or the store, if asked before): None if
        they are not known here."""
        found = self.declared.get(node)
        if found is not None:
            return found
        if node[0] == "<":
            iri = node[1:-1]
            for finder in self.finders:
                classes = finder(iri)
                if classes is not None:
                    return classes
        return self.from_store.get(node)

    def __call__(self, node: str) -> Iterable[str]:
        found = self.local(node)
        if found is None:
            found = self.stored([node])[node]
        return found

    def stored(self, nodes: list[str]) -> dict[str, list[str]]:
        """The classes the store gives ``nodes`` (remembered)."""
        if self.ask is not None:
            answers = self.ask(nodes)
        else:
            answers = {}
            for node in nodes:
                found = term(node)
                answers[node] = [triple_parts(triple)[2].value
                                 for triple in self.store.types_of(found)
                                 ] if isinstance(found, NamedNode | BlankNode) else []
        self.from_store.update(answers)
        return answers

    def prefetch(self, graph: TextGraph, predicates: frozenset[str]) -> None:
        """Learn, in one question, the classes of the nodes ``graph`` points at with
        ``predicates`` (those whose values the shapes check by class) that the batch does
        not describe."""
        subjects = graph.subjects
        pointed = {obj for values in subjects.values()
                   for predicate in predicates.intersection(values) for obj in values[predicate]}
        missing = [node for node in pointed
                   if node[0] != '"' and node not in subjects and self.local(node) is None]
        if missing:
            self.stored(sorted(missing))


def _validate(graph: TextGraph, origin: str, types_of: TextTypesOf) -> list[Problem]:
    from smekg.loaders.shapes import compiled_shapes

    return compiled_shapes().validate_subjects(graph.subjects, origin, types_of)


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
    loaded: list[tuple[Path, dict[str, list[Record]], float]] = []
    problems: list[Problem] = []
    for path in paths:
        started = time.perf_counter()
        try:
            tables = read(path) if read is not None else read_tables(path, kind)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        problems.extend(mapper.prepare(tables, str(path)))
        loaded.append((path, tables, time.perf_counter() - started))
    if problems:
        raise LoadError(problems)

    def builder(tables: dict[str, list[Record]]) -> Callable[[], Built]:
        def build() -> Built:
            result = mapper.map(tables)
            if result.problems:
                raise LoadError(result.problems)
            return Built(result.graph, result.notes, result.rows)

        return build

    def chunker(tables: dict[str, list[Record]]) -> Callable[[int, int], Iterator[Built]]:
        def chunks(part: int, parts: int) -> Iterator[Built]:
            for result in mapper.map_chunks(tables, CHUNK_ROWS, part, parts):
                yield Built(result.graph, result.notes, result.rows, result.problems,
                            result.index)

        return chunks

    def releaser(tables: dict[str, list[Record]]) -> Callable[[], None]:
        def release() -> None:
            for records in tables.values():
                records.clear()

        return release

    return [
        Source(
            key=key_of(path) if key_of is not None else f"{key_prefix}/{slug(path.stem)}",
            title=f"{path.name}",
            origin=origin_of(path) if origin_of is not None else path.name,
            fingerprint=path.read_bytes(),
            build=builder(tables),
            licence=licence,
            chunks=chunker(tables),
            release=releaser(tables),
            mapper=mapper,
            rows=sum(len(records) for records in tables.values()),
            read_seconds=seconds,
            classes_of=mapper.classes_of,
            origin_digest=origin_digest(path) if user_files else None,
            given=str(path) if user_files else None,
        )
        for path, tables, seconds in loaded
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
        g = TextGraph()
        try:
            if fmt == RdfFormat.RDF_XML:
                check_xml_entities(data, str(path), limits.file_bytes)
            for quad in parse(data, format=fmt, base_iri=file_base_iri(path)):
                if isinstance(quad.subject, Triple):
                    raise TypeError(f"a triple cannot be a subject: {quad}")
                g.add(str(quad.subject), str(quad.predicate), str(quad.object))
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

        def noted_chunks(part: int, parts: int) -> Iterator[Built]:
            assert chunks is not None
            for built in chunks(part, parts):
                if built.index == 0:
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

"""The sources a store holds: their names, what refers to them, and where they disagree.

A source is one named graph whose self-description (``smekg:SourceGraph``) records its
name, the file it came from, its checksum, its size, when and by which loader it was
loaded. This module lists them (:func:`list_sources`), finds the sources that refer to
the entities one defines (:func:`referrers`, which :func:`remove_source` checks before it
removes anything) and the facts two sources state differently about the same entity
(:func:`find_conflicts`).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from pyoxigraph import BlankNode, Literal, NamedNode

from smekg.core.iri import Minter
from smekg.core.stores import (
    SOURCE_RECORDS_QUERY,
    SourceRecord,
    SourceStore,
    source_record_from_row,
)
from smekg.ontology import DCTERMS, ROV, SCHEMA, SKOS, SMEKG

SOURCE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
"""A name the user gives a source of their own: ``smekg load-file --source NAME``."""

USER_PREFIX = "user/"

FUNCTIONAL = tuple(str(term) for term in (
    SKOS.prefLabel, SMEKG.country, SCHEMA.location, SCHEMA.foundingDate,
    SCHEMA.foundingLocation, SCHEMA.startDate, SCHEMA.endDate, DCTERMS.title, ROV.orgType,
))
"""Properties an entity has one value of (per language): two sources giving different
values contradict each other. A list of values (alternative names, services, coverage)
is not a contradiction: sources add to it."""


class SourceNotFound(LookupError):
    """No source of that name."""


class SourceInUse(RuntimeError):
    """A source other sources still refer to; removing it would leave them dangling."""

    def __init__(self, name: str, referring: list[Reference]) -> None:
        self.name = name
        self.referring = referring
        lines = "\n".join(f"  - {r}" for r in referring)
        super().__init__(
            f"source {name!r} defines entities that other sources refer to:\n{lines}\n"
            "remove those sources first, or remove it anyway with --force "
            "(their references are then left pointing at nothing)")


@dataclass(frozen=True)
class Reference:
    """The entities of one source another source refers to."""

    source: str  # the referring source's name
    entities: int
    example: str  # one of them (IRI)
    example_label: str | None = None

    def __str__(self) -> str:
        label = f" ({self.example_label})" if self.example_label else ""
        more = f" and {self.entities - 1} more" if self.entities > 1 else ""
        return f"{self.source} refers to <{self.example}>{label}{more}"


@dataclass(frozen=True)
class Conflict:
    """One fact two sources state differently."""

    subject: str
    label: str | None
    predicate: str
    value: str
    source: str
    other_value: str
    other_source: str

    def __str__(self) -> str:
        label = f" ({self.label})" if self.label else ""
        prop = _short(self.predicate)
        return (f"<{self.subject}>{label} {prop}: {self.value!r} in {self.source}, "
                f"{self.other_value!r} in {self.other_source}")


def source_name(graph: str, minter: Minter, record: SourceRecord | None = None) -> str:
    """The name of the source held in ``graph``: the one it records, else the graph IRI
    without the store's prefix (``seed/organisations``), else the IRI itself.

    >>> source_name("https://w3id.org/smekg/id/graph/user/members", Minter("https://w3id.org/smekg/id/"))
    'user/members'
    """
    if record is not None and record.name:
        return record.name
    prefix = minter.graph("")
    return graph[len(prefix):] if graph.startswith(prefix) else graph


def source_key(name: str) -> str:
    """The key of a user's source from the name they gave it (``members`` → ``user/members``).

    >>> source_key("members")
    'user/members'
    >>> source_key("bad name")
    Traceback (most recent call last):
    ...
    ValueError: source name 'bad name' must start with a letter or digit and use only ...
    """
    bare = name.removeprefix(USER_PREFIX)
    if not SOURCE_NAME_RE.match(bare):
        raise ValueError(
            f"source name {name!r} must start with a letter or digit and use only letters, "
            "digits, '.', '_' and '-' (at most 100 characters)")
    return USER_PREFIX + bare


def list_sources(store: SourceStore, minter: Minter) -> list[tuple[str, SourceRecord]]:
    """Every source the store holds, as ``(name, record)``, sorted by name."""
    seen: set[str] = set()
    found: list[tuple[str, SourceRecord]] = []
    for row in store.select(SOURCE_RECORDS_QUERY):
        graph = row["g"].value
        if graph in seen:
            continue
        seen.add(graph)
        count = row.get("count")
        record = source_record_from_row(
            graph, row, int(count.value) if count is not None else store.count_in(graph))
        found.append((source_name(graph, minter, record), record))
    return sorted(found, key=lambda item: item[0])


def find_source(store: SourceStore, minter: Minter, name: str) -> tuple[str, SourceRecord]:
    """The source called ``name``: its full name (``seed/organisations``), the name a user
    gave it (``members`` for ``user/members``) or its graph IRI."""
    sources = list_sources(store, minter)
    for wanted in (name, USER_PREFIX + name):
        for found, record in sources:
            if wanted in (found, record.graph):
                return found, record
    names = [n for n, _ in sources]
    close = [n for n in names if name.lower() in n.lower()][:5]
    hint = f"; did you mean {', '.join(close)}?" if close else (
        f"; the store holds: {', '.join(names[:20])}" if names else "; the store holds none")
    raise SourceNotFound(f"no source named {name!r}{hint}")


def referrers(store: SourceStore, minter: Minter, graph: str) -> list[Reference]:
    """The other sources that refer to entities only ``graph`` defines (gives a type),
    one :class:`Reference` per referring source, sorted by name. An ``owl:sameAs`` link
    (a load derives it from a shared PIC, VAT number or Wikidata entity) is not a
    reference: it dangles until the source stating it is reloaded."""
    rows = store.select(
        """SELECT ?source ?g (COUNT(DISTINCT ?e) AS ?n) (MIN(STR(?e)) AS ?example) WHERE {
             GRAPH ?source { ?e a ?type }
             FILTER(?e != ?source)
             FILTER NOT EXISTS { GRAPH ?other { ?e a ?any } FILTER(?other != ?source) }
             GRAPH ?g { ?s ?p ?e }
             # the load derives owl:sameAs links from shared identifiers: not a use
             FILTER(?g != ?source && ?p != owl:sameAs)
           } GROUP BY ?source ?g""",
        {"source": NamedNode(graph)})
    names = {record.graph: name for name, record in list_sources(store, minter)}
    found = []
    for row in rows:
        example = row["example"].value
        found.append(Reference(
            names.get(row["g"].value, row["g"].value), int(row["n"].value), example,
            _label(store, example)))
    return sorted(found, key=lambda r: r.source)


def remove_source(
    store: SourceStore, minter: Minter, name: str, *, force: bool = False,
) -> tuple[str, SourceRecord, list[Reference]]:
    """Remove the source called ``name``; return its name, what it was, and the sources
    that referred to it (non-empty only when ``force``).

    Raises :class:`SourceNotFound` when there is no such source and :class:`SourceInUse`
    (nothing removed) when other sources refer to entities only it defines and ``force``
    is false.
    """
    found, record = find_source(store, minter, name)
    referring = referrers(store, minter, record.graph)
    if referring and not force:
        raise SourceInUse(found, referring)
    store.drop_source(record.graph)
    store.flush()
    return found, record, referring


def defined_and_referenced(store: SourceStore, graph: str, limit: int = 100_000) -> list[str]:
    """The entities only ``graph`` defines that other sources refer to (at most ``limit``):
    the ones a new version of the source must keep defining or leave dangling."""
    rows = store.select(
        f"""SELECT DISTINCT ?source ?e WHERE {{
             GRAPH ?source {{ ?e a ?type }}
             FILTER(?e != ?source)
             FILTER NOT EXISTS {{ GRAPH ?other {{ ?e a ?any }} FILTER(?other != ?source) }}
             GRAPH ?g {{ ?s ?p ?e }}
             FILTER(?g != ?source)
           }} LIMIT {int(limit)}""",
        {"source": NamedNode(graph)})
    return [row["e"].value for row in rows]


def undefined(store: SourceStore, iris: Iterable[str]) -> list[str]:
    """Those of ``iris`` no source gives a type any more."""
    gone = []
    for iri in iris:
        rows = store.select("SELECT ?e ?t WHERE { GRAPH ?g { ?e a ?t } } LIMIT 1",
                            {"e": NamedNode(iri)})
        if not rows:
            gone.append(iri)
    return gone


def find_conflicts(
    store: SourceStore, minter: Minter, graph: str | None = None, *, limit: int = 1000,
) -> list[Conflict]:
    """Facts two sources state differently (see :data:`FUNCTIONAL`): those of ``graph``
    against every other source, or every pair of sources when ``graph`` is None.

    The properties are looked up in as many threads as there are cores (each query scans
    its properties' facts, the engine working without the interpreter's lock), their rows
    merged in the query's order (subject, property, sources) and cut at ``limit``."""
    from smekg.loaders.stream import available_processes

    pair = "FILTER(?g != ?source)" if graph is not None else "FILTER(STR(?source) < STR(?g))"

    def rows_of(properties: tuple[str, ...]) -> list[dict[str, NamedNode | Literal]]:
        values = " ".join(f"<{p}>" for p in properties)
        return store.select(
            f"""SELECT ?source ?s ?p ?mine ?g ?theirs WHERE {{
                 VALUES ?p {{ {values} }}
                 GRAPH ?source {{ ?s ?p ?mine }}
                 GRAPH ?g {{ ?s ?p ?theirs }}
                 {pair}
                 FILTER(?mine != ?theirs)
                 FILTER(isIRI(?mine) || isIRI(?theirs) || LANG(?mine) = LANG(?theirs))
               }} ORDER BY ?s ?p ?source ?g LIMIT {int(limit)}""",
            {"source": NamedNode(graph)} if graph is not None else None)

    threads = min(available_processes(), len(FUNCTIONAL))
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(rows_of, [FUNCTIONAL[n::threads] for n in range(threads)]))
    rows = list(islice(heapq.merge(*parts, key=_conflict_order), limit))
    names = {record.graph: name for name, record in list_sources(store, minter)}
    labels: dict[str, str | None] = {}
    found = []
    for row in rows:
        subject = row["s"].value
        if subject not in labels:
            labels[subject] = _label(store, subject)
        found.append(Conflict(
            subject, labels[subject], row["p"].value, row["mine"].value,
            names.get(row["source"].value, row["source"].value), row["theirs"].value,
            names.get(row["g"].value, row["g"].value)))
    return found


def _conflict_order(row: dict[str, NamedNode | Literal]) -> tuple[str, ...]:
    """A row of :func:`find_conflicts` as ``ORDER BY ?s ?p ?source ?g`` sorts it (a blank
    node, which SPARQL sorts first, is a ``NamedNode | Literal`` only to the type stubs)."""
    subject: NamedNode | BlankNode | Literal = row["s"]
    return ("0" if isinstance(subject, BlankNode) else "1", subject.value, row["p"].value,
            row["source"].value, row["g"].value)


def conflict_summary(conflicts: list[Conflict], shown: int = 10) -> list[str]:
    """Lines for a load report: a count per pair of sources, then the first conflicts."""
    if not conflicts:
        return []
    pairs: dict[tuple[str, str], int] = {}
    for conflict in conflicts:
        key = (conflict.source, conflict.other_source)
        pairs[key] = pairs.get(key, 0) + 1
    lines = [f"{n} fact(s) differ between {a} and {b}" for (a, b), n in sorted(pairs.items())]
    lines.extend(str(c) for c in conflicts[:shown])
    if len(conflicts) > shown:
        lines.append(f"... and {len(conflicts) - shown} more (smekg validate lists them)")
    return lines


def _label(store: SourceStore, iri: str) -> str | None:
    rows = store.select(
        "SELECT ?e ?label WHERE { ?e skos:prefLabel ?label } ORDER BY ?label LIMIT 1",
        {"e": NamedNode(iri)})
    return rows[0]["label"].value if rows else None


def _short(predicate: str) -> str:
    for namespace, prefix in ((SKOS, "skos:"), (SMEKG, "smekg:"), (SCHEMA, "schema:"),
                              (DCTERMS, "dcterms:"), (ROV, "rov:")):
        if predicate.startswith(str(namespace)):
            return prefix + predicate[len(str(namespace)):]
    return f"<{predicate}>"

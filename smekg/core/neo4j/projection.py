"""The property-graph projection of the RDF store, as rows ready for Neo4j.

RDF stays the system of record; this module says how it looks as a property graph:

* every IRI that is described or referred to becomes a ``(:Resource {iri})`` node,
  with one label per ``rdf:type`` class (its local name: ``Organisation``, ``Network``,
  ``NutsRegion``, ``Sector``, ``Concept`` ...) and the full class IRIs in ``classes``;
* literal facts become node properties (:data:`PROPERTY_KEYS`, else the predicate's
  local name); one value stays a value, several become a sorted list;
* IRI-valued facts become relationships (:data:`RELATIONSHIP_TYPES`, else the local name
  in upper snake case), each carrying the ``predicate`` IRI and the ``source`` graph;
* an ``org:Membership`` becomes ``(member)-[:MEMBER_OF {iri, role, since, until,
  evidence, document}]->(organisation)``; a project's partnership carries the partner's
  budget and EU contribution too (``totalCost``, ``euContribution``: numbers, as every
  ``xsd:decimal``);
* an ``rdf:Statement`` that records the evidence of a fact puts its ``evidence`` and
  ``document`` on that fact's relationship;
* ``(:PropertyKey {key, predicate})`` nodes say which predicate each property key holds;
* nodes keep provenance: ``sources`` (the graphs in which the node is a subject),
  ``describedIn`` (the graph its literal facts come from) and, in the rare case where
  several graphs state literal facts about one node, ``alsoDescribedIn`` entries
  ``"<key> <graph>"`` for the keys stated by another graph.

Other blank nodes (RDF lists in the ontology) are not projected.

Examples
--------
>>> from pyoxigraph import Literal, NamedNode, Quad, Store
>>> store = Store()
>>> g, ex = NamedNode("http://ex.org/g"), "http://ex.org/"
>>> store.extend([
...     Quad(NamedNode(ex + "a"), NamedNode(str(SKOS.prefLabel)), Literal("A"), g),
...     Quad(NamedNode(ex + "a"), NamedNode(str(SCHEMA.areaServed)), NamedNode(ex + "r"), g),
... ])
>>> projection = project_source(store, g.value)
>>> projection.nodes[ex + "a"].properties["name"]
'A'
>>> [(rel.type, rel.start, rel.end) for rel in projection.relationships]
[('COVERS_REGION', 'http://ex.org/a', 'http://ex.org/r')]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from smekg.core.backends import Value
from smekg.core.backends.oxigraph import to_python
from smekg.ontology import CV, DCTERMS, ORG, RDF, RDFS, SCHEMA, SKOS, SMEKG

RESOURCE = "Resource"

PROPERTY_KEYS: dict[str, str] = {
    str(SKOS.prefLabel): "name",
    str(SKOS.altLabel): "altNames",
    str(SKOS.notation): "code",
    str(DCTERMS.identifier): "identifier",
    str(RDFS.label): "label",
    str(RDFS.comment): "comment",
    str(SKOS.definition): "definition",
    str(DCTERMS.title): "title",
    str(DCTERMS.description): "description",
    str(DCTERMS.source): "sourceText",
    str(SMEKG.evidence): "evidence",
    str(SCHEMA.startDate): "startDate",
    str(SCHEMA.endDate): "endDate",
}
"""Node property keys of literal-valued predicates (others: the predicate's local name)."""

RELATIONSHIP_TYPES: dict[str, str] = {
    str(SCHEMA.areaServed): "COVERS_REGION",
    str(CV.sector): "COVERS_SECTOR",
    str(SCHEMA.location): "LOCATED_IN",
    str(SKOS.broader): "BROADER",
    str(ORG.classification): "CLASSIFIED_AS",
    str(SMEKG.providesService): "PROVIDES_SERVICE",
    str(DCTERMS.source): "STATED_IN",
    str(SKOS.inScheme): "IN_SCHEME",
    str(SKOS.exactMatch): "EXACT_MATCH",
}
"""Relationship types of IRI-valued predicates (others: local name in upper snake case)."""

MEMBER_OF = "MEMBER_OF"
WITHIN = "WITHIN"  # skos:broader between regions
_REGION = str(SMEKG.Region)
_TYPE = str(RDF.type)
_MEMBERSHIP = str(ORG.Membership)
_STATEMENT = str(RDF.Statement)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_]")

_Object = NamedNode | BlankNode | Literal | Triple
"""A quad's object, as pyoxigraph gives it."""
_Facts = dict[str, list[_Object]]
"""The objects of one subject (or statement) by predicate IRI."""
_Evidence = dict[tuple[str, str, str], dict[str, Value | list[Value]]]
"""``{(subject, predicate, object): {"evidence": ..., "document": ...}}``."""


def local_name(iri: str) -> str:
    """The part of ``iri`` after its last ``#`` or ``/``, safe as a Neo4j name.

    >>> local_name("https://w3id.org/smekg/ontology#NutsRegion")
    'NutsRegion'
    """
    name = _SAFE_NAME.sub("_", re.split(r"[#/]", iri.rstrip("#/"))[-1]) or "thing"
    return name if name[0].isalpha() else f"_{name}"


def property_key(predicate: str) -> str:
    """The node property key of a literal-valued ``predicate``."""
    return PROPERTY_KEYS.get(predicate) or local_name(predicate)


def relationship_type(predicate: str, subject_classes: Iterable[str] = ()) -> str:
    """The relationship type of an IRI-valued ``predicate`` (regions nest ``WITHIN``)."""
    kind = RELATIONSHIP_TYPES.get(predicate)
    if kind == "BROADER" and _REGION in subject_classes:
        return WITHIN
    if kind:
        return kind
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local_name(predicate)).upper()


@dataclass
class NodeRow:
    """One node: its IRI, labels and complete property map."""

    iri: str
    labels: list[str]
    properties: dict[str, object]


@dataclass
class RelationshipRow:
    type: str
    start: str
    end: str
    properties: dict[str, object]


@dataclass
class SourceProjection:
    """What one source graph contributes: the nodes it touches and its relationships."""

    graph: str
    nodes: dict[str, NodeRow] = field(default_factory=dict)
    relationships: list[RelationshipRow] = field(default_factory=list)
    skipped_blank_nodes: int = 0
    property_keys: dict[str, str] = field(default_factory=dict)  # node key -> predicate IRI
    endpoints: list[str] = field(default_factory=list)  # relationship ends it does not describe

    @property
    def rows(self) -> int:
        return len(self.nodes) + len(self.relationships)


def project_source(store: Store, graph: str, also: Iterable[str] = ()) -> SourceProjection:
    """The projection of ``graph`` in ``store``, with the nodes it describes, whole.

    Node rows are complete (read from every graph), so writing them replaces a node
    exactly; ``also`` adds nodes to refresh (those the graph described before). Ends of
    its relationships that it does not describe are listed in ``endpoints``: they only
    need to exist. For a big source, :func:`project_in_chunks` gives the same rows
    without holding them all.
    """
    projection = SourceProjection(graph)
    for chunk in project_in_chunks(store, graph, also):
        projection.nodes.update(chunk.nodes)
        projection.relationships.extend(chunk.relationships)
        projection.skipped_blank_nodes += chunk.skipped_blank_nodes
        for key, predicate in chunk.property_keys.items():
            projection.property_keys.setdefault(key, predicate)
    projection.relationships.sort(key=_relationship_order)
    projection.nodes = dict(sorted(projection.nodes.items()))
    projection.endpoints = sorted({iri for r in projection.relationships
                                   for iri in (r.start, r.end)} - set(projection.nodes))
    return projection


def project_in_chunks(store: Store, graph: str, also: Iterable[str] = (),
                      rows: int = 20_000) -> Iterator[SourceProjection]:
    """The projection of ``graph`` in chunks of about ``rows`` rows (nodes and
    relationships), each a :class:`SourceProjection` of the subjects it covers.

    Memory stays at one chunk whatever the size of the source (the organisations of
    ``smekg generate --orgs 1000000``, 17 million triples, took 13 GB as one projection).
    A chunk's ``endpoints`` are the ends of its relationships it does not write itself; a
    later chunk may still describe one of them.

    Examples
    --------
    >>> from pyoxigraph import Literal, NamedNode, Quad, Store
    >>> store, g = Store(), NamedNode("http://ex.org/g")
    >>> store.extend(Quad(NamedNode(f"http://ex.org/{i}"), NamedNode(str(SKOS.prefLabel)),
    ...                   Literal(str(i)), g) for i in range(5))
    >>> [len(chunk.nodes) for chunk in project_in_chunks(store, g.value, rows=2)]
    [2, 2, 1]
    """
    if rows < 1:
        raise ValueError("rows must be at least 1")
    source = NamedNode(graph)
    evidence = _evidence_statements(store, source)
    refresh = set(also)
    chunk = SourceProjection(graph)
    # Oxigraph answers a pattern on one graph from its GSPO index: the quads of one
    # subject come together, so a subject is projected from one group.
    for subject, quads in groupby(store.quads_for_pattern(None, None, None, source),
                                  key=lambda quad: quad.subject):
        facts: _Facts = defaultdict(list)
        for quad in quads:
            facts[quad.predicate.value].append(quad.object)
        if isinstance(subject, BlankNode):
            if NamedNode(_STATEMENT) not in facts.get(_TYPE, ()):
                chunk.skipped_blank_nodes += 1
            continue  # a statement's evidence is on its relationship (_evidence_statements)
        refresh.discard(subject.value)
        _project_subject(store, chunk, subject.value, facts, evidence)
        if chunk.rows >= rows:
            yield _finished(chunk)
            chunk = SourceProjection(graph)
    for iri in sorted(refresh):  # described before, not any more: rewritten from the rest
        node = node_row(store, iri, chunk.property_keys)
        if node is not None:
            chunk.nodes[iri] = node
        if chunk.rows >= rows:
            yield _finished(chunk)
            chunk = SourceProjection(graph)
    if chunk.rows or chunk.skipped_blank_nodes:
        yield _finished(chunk)


def _project_subject(store: Store, chunk: SourceProjection, subject: str,
                     facts: _Facts, evidence: _Evidence) -> None:
    """Add the relationships of ``subject`` (or its membership) and its node to ``chunk``."""
    classes = [o.value for o in facts.get(_TYPE, ()) if isinstance(o, NamedNode)]
    relationships: dict[tuple[str, str, str], RelationshipRow] = {}
    if _MEMBERSHIP in classes:
        for row in _memberships(subject, facts, chunk.graph):
            relationships[(row.start, subject, row.end)] = row  # its "iri" is the subject
    else:
        for predicate, objects in facts.items():
            if predicate == _TYPE:
                continue
            kind = None
            for obj in objects:
                if not isinstance(obj, NamedNode):
                    continue
                kind = kind or relationship_type(predicate, classes)
                relationships[(subject, predicate, obj.value)] = RelationshipRow(
                    kind, subject, obj.value, {"source": chunk.graph, "predicate": predicate})
        node = node_row(store, subject, chunk.property_keys)
        if node is not None:
            chunk.nodes[subject] = node
    for key, row in relationships.items():
        row.properties.update(evidence.get(key, {}))
    chunk.relationships.extend(relationships.values())


def _finished(chunk: SourceProjection) -> SourceProjection:
    chunk.relationships.sort(key=_relationship_order)
    chunk.endpoints = sorted({iri for r in chunk.relationships for iri in (r.start, r.end)}
                             - set(chunk.nodes))
    return chunk


def _relationship_order(row: RelationshipRow) -> tuple[str, str, str, str]:
    return (row.type, row.start, row.end, str(row.properties))


def _evidence_statements(store: Store, source: NamedNode) -> _Evidence:
    """``{(subject, predicate, object): {evidence, document}}`` from the source's
    ``rdf:Statement`` blank nodes, for the relationship each one is about."""
    found: _Evidence = {}
    for typed in store.quads_for_pattern(None, NamedNode(_TYPE), NamedNode(_STATEMENT),
                                         source):
        if not isinstance(typed.subject, BlankNode):
            continue
        statement: _Facts = defaultdict(list)
        for quad in store.quads_for_pattern(typed.subject, None, None, source):
            statement[quad.predicate.value].append(quad.object)
        parts = [statement.get(str(p), [None])[0]
                 for p in (RDF.subject, RDF.predicate, RDF.object)]
        iris = [p.value for p in parts if isinstance(p, NamedNode)]
        if len(iris) != len(parts):
            continue
        properties = found.setdefault((iris[0], iris[1], iris[2]), {})
        for key, predicate in (("evidence", SMEKG.evidence), ("document", DCTERMS.source)):
            values = sorted(_plain(o) for o in statement.get(str(predicate), ()))
            if values:
                properties[key] = values[0] if len(values) == 1 else values
    return found


def _memberships(iri: str, facts: _Facts, graph: str) -> list[RelationshipRow]:
    def first(predicate: str) -> Value | None:
        values = sorted(_plain(o) for o in facts.get(predicate, ()))
        return values[0] if values else None

    properties: dict[str, object] = {"source": graph, "iri": iri, "predicate": str(ORG.member)}
    for key, predicate in (("role", ORG.role), ("since", SCHEMA.startDate),
                           ("until", SCHEMA.endDate), ("evidence", SMEKG.evidence),
                           ("document", DCTERMS.source), ("totalCost", SMEKG.totalCost),
                           ("euContribution", SMEKG.euContribution)):
        value = first(str(predicate))
        if value is not None:
            properties[key] = value
    return [RelationshipRow(MEMBER_OF, member.value, organisation.value, dict(properties))
            for member in facts.get(str(ORG.member), ()) if isinstance(member, NamedNode)
            for organisation in facts.get(str(ORG.organization), ())
            if isinstance(organisation, NamedNode)]


def _plain(term: _Object) -> Value:
    # A triple term (RDF 1.2, only from a user's RDF file) has no plain value: to_python
    # fails on it, as it always did.
    return term.value if isinstance(term, NamedNode) else to_python(term)  # type: ignore[arg-type]


def node_row(store: Store, iri: str, keys: dict[str, str] | None = None) -> NodeRow | None:
    """The complete node of ``iri`` from every graph (None if it is a membership).

    ``keys`` collects the predicate of every property key used (``classes``: rdf:type).
    """
    classes: set[str] = set()
    literals: dict[str, dict[str, set[Value]]] = defaultdict(lambda: defaultdict(set))
    class_graphs: set[str] = set()
    sources: set[str] = set()
    for quad in store.quads_for_pattern(NamedNode(iri), None, None, None):
        graph = quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else ""
        sources.add(graph)
        predicate, obj = quad.predicate.value, quad.object
        if predicate == _TYPE and isinstance(obj, NamedNode):
            if obj.value == _MEMBERSHIP:
                return None
            classes.add(obj.value)
            class_graphs.add(graph)
        elif isinstance(obj, Literal):
            key = property_key(predicate)
            literals[key][graph].add(to_python(obj))
            if keys is not None:
                keys.setdefault(key, predicate)
    properties: dict[str, object] = {"iri": iri}
    if classes:
        properties["classes"] = sorted(classes)
        if keys is not None:
            keys.setdefault("classes", _TYPE)
    described = sorted({g for by_graph in literals.values() for g in by_graph} | class_graphs)
    also: list[str] = []
    for key, by_graph in sorted(literals.items()):
        values = sorted({v for vs in by_graph.values() for v in vs}, key=_value_order)
        if len({type(v) for v in values}) > 1:  # Neo4j lists hold one type
            values = sorted({str(v) for v in values})
        properties[key] = values[0] if len(values) == 1 else values
        also.extend(f"{key} {g}" for g in sorted(by_graph) if g != described[0])
    also.extend(f"classes {g}" for g in sorted(class_graphs) if g != described[0])
    if sources:
        properties["sources"] = sorted(sources)
    if described:
        properties["describedIn"] = described[0]
    if also:
        properties["alsoDescribedIn"] = also
    labels = [RESOURCE, *sorted({local_name(c) for c in classes} - {RESOURCE})]
    return NodeRow(iri, labels, properties)


def _value_order(value: object) -> tuple[str, str]:
    return (type(value).__name__, str(value))

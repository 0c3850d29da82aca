"""The SHACL shapes compiled to Python checks, for validating large loads quickly.

pySHACL is the reference implementation (``smekg validate`` and the tests use it), but
it walks an rdflib graph in pure Python and takes about 70 s for 10,000 organisations;
a million would take hours. The shapes in ``ontology/shapes.ttl`` use a small part of
SHACL Core -- node shapes targeting classes or subjects of predicates, property shapes
on single predicates with cardinality, datatype, class, node kind, pattern, ``sh:in``,
numeric ranges and ``sh:or`` of those -- and every such constraint is local to one focus
node: its own values, and the types of the nodes it points at. So the shapes are
compiled once into plain Python predicates, and a source is validated subject by
subject, a chunk of rows at a time, without building any graph. The checks read the
terms' N-Triples text (:mod:`smekg.loaders.ntriples`), which is what the table mappers
make; :meth:`CompiledShapes.validate` takes pyoxigraph triples and reads their text.

The compiler refuses any shape feature outside that subset (so a new kind of
constraint in ``shapes.ttl`` fails loudly here instead of being skipped), and the test
suite checks that it reports exactly what pySHACL reports on valid and broken data.

pyrudof (the Rust SHACL engine) was tried instead: 7.6 s for the 190,000 triples of
10,000 organisations, and it reported violations on data pySHACL accepts.

Examples
--------
>>> from pyoxigraph import Literal, NamedNode, Triple
>>> from smekg.ontology import RDF, SMEKG, SKOS
>>> org = NamedNode("https://example.org/org/acme")
>>> triples = [Triple(org, NamedNode(str(RDF.type)), NamedNode(str(SMEKG.Organisation)))]
>>> problems = compiled_shapes().validate(triples, "acme.csv", lambda node: ())
>>> problems[0].message[:77]
'SHACL: <https://example.org/org/acme> At least one skos:prefLabel is required'
>>> triples.append(Triple(org, NamedNode(str(SKOS.prefLabel)), Literal("Acme", language="en")))
>>> compiled_shapes().validate(triples, "acme.csv", lambda node: ())
[]
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Collection as Sized
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from pyoxigraph import BlankNode, NamedNode, Triple
from pyoxigraph import Literal as PyLiteral
from rdflib import Graph, URIRef
from rdflib import Literal as RdflibLiteral
from rdflib.collection import Collection
from rdflib.term import Node

from smekg.core.rdf import triple_parts
from smekg.loaders.errors import Problem
from smekg.loaders.ntriples import (
    LANG_STRING,
    XSD_STRING,
    literal_parts,
    literal_suffix,
    term,
    value_of,
)
from smekg.ontology import RDF, RDFS, SH, XSD, load_ontology, load_shapes

Types = Callable[[str], frozenset[str]]
"""A node's classes (the node as its N-Triples text)."""
Check = Callable[[str, Types], bool]
"""A value check: the value's N-Triples text and a function giving a node's classes ->
conforms?"""

TypesOf = Callable[[NamedNode | BlankNode], Iterable[str]]
"""The class IRIs of a node the data being validated does not describe (None: unknown)."""
TextTypesOf = Callable[[str], Iterable[str]]
""":data:`TypesOf` of a node given as its N-Triples text (``<iri>``, ``_:label``)."""
Values = Mapping[str, Sized[str]]
"""A node's objects by predicate: ``{predicate: objects}``, as N-Triples texts."""
Subjects = Mapping[str, Values]
"""Triples grouped by subject and predicate, as N-Triples texts (what
:class:`~smekg.loaders.ntriples.TextGraph` holds)."""

_RDF_TYPE = f"<{RDF.type}>"
_NUMERIC = {str(XSD[name]) for name in ("integer", "decimal", "double", "float", "int",
                                         "long", "nonNegativeInteger", "positiveInteger")}
# Datatypes whose lexical form rdflib (hence pySHACL) checks; for the others any form passes.
_CHECKED_LEXICAL = {str(XSD[name]) for name in ("integer", "decimal", "double", "float",
                                                 "boolean", "date", "dateTime", "int")}

_ANNOTATIONS = {SH.name, SH.message, SH.description, SH.order, SH.group, RDF.type,
                RDFS.label, RDFS.comment, SH.severity}
_NODE_SHAPE_KEYS = {SH.targetClass, SH.targetSubjectsOf, SH.property}
_VALUE_KEYS = {SH.datatype, SH["class"], SH.nodeKind, SH.pattern, SH.flags, SH["in"],
               SH.minInclusive, SH.maxInclusive, SH["or"]}
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount} | _VALUE_KEYS


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature the compiler does not implement."""


@dataclass(frozen=True, eq=False)  # compared (and hashed) as themselves: they are many
class PropertyRule:
    """A property shape: the values of one predicate on each focus node."""

    path: str  # the predicate's N-Triples text
    column: str  # its IRI, as problems name it
    message: str
    min_count: int
    max_count: int | None
    checks: tuple[Check, ...]
    classed: bool = False  # a check asks the classes of the values (sh:class)


@dataclass(frozen=True, eq=False)
class NodeRule:
    """A node shape: its targets, its own value checks and its property shapes."""

    target_classes: frozenset[str]
    target_subjects_of: frozenset[str]  # the predicates' N-Triples texts
    message: str
    checks: tuple[Check, ...]
    properties: tuple[PropertyRule, ...]


@lru_cache(maxsize=65536)
def _rdflib_well_formed(lexical: str, datatype: str) -> bool:
    # rdflib logs a warning for each ill-typed literal it meets; here that is the answer.
    rdflib_term_log = logging.getLogger("rdflib.term")
    level = rdflib_term_log.level
    rdflib_term_log.setLevel(logging.ERROR + 1)
    try:
        return not RdflibLiteral(lexical, datatype=URIRef(datatype)).ill_typed
    finally:
        rdflib_term_log.setLevel(level)


# Lexical forms rdflib surely reads (ASCII digits), answered without asking it: a load
# checks a row number on every entity, each a different one.
_SURELY_WELL_FORMED = {
    str(XSD.integer): re.compile(r"[0-9]+"),
    str(XSD.decimal): re.compile(r"[0-9]+(\.[0-9]+)?"),
    str(XSD.boolean): re.compile(r"true|false|1|0"),
}


def _well_formed(lexical: str, datatype: str) -> bool:
    """Whether rdflib (hence pySHACL) reads ``lexical`` as a value of ``datatype``."""
    surely = _SURELY_WELL_FORMED.get(datatype)
    if surely is not None and surely.fullmatch(lexical):
        return True
    return _rdflib_well_formed(lexical, datatype)


def _datatype_check(datatype: str) -> Check:
    if datatype == LANG_STRING:
        return lambda v, _types: v[0] == '"' and literal_suffix(v)[:1] == "@"
    checked = datatype in _CHECKED_LEXICAL
    wanted = _literal_kind(datatype)

    def check(value: str, _types: Types) -> bool:
        if value[0] != '"' or literal_suffix(value) != wanted:
            return False
        return not checked or _well_formed(literal_parts(value)[0], datatype)

    return check


def _class_check(classes: frozenset[str]) -> Check:
    return lambda v, types: v[0] != '"' and not classes.isdisjoint(types(v))


def _node_kind_check(kind: Node) -> Check:
    kinds: dict[Node, str] = {
        SH.IRI: "<", SH.Literal: '"', SH.BlankNode: "_", SH.BlankNodeOrIRI: "_<",
        SH.IRIOrLiteral: '<"', SH.BlankNodeOrLiteral: '_"',
    }
    accepted = kinds[kind]
    return lambda v, _types: v[0] in accepted


def _pattern_check(pattern: str, flags: str) -> Check:
    compiled = re.compile(pattern, sum(getattr(re, f.upper()) for f in flags if f in "imsx"))
    return lambda v, _types: v[0] != "_" and bool(compiled.search(value_of(v)))


def _number(value: str) -> Decimal | None:
    if value[0] != '"':
        return None
    lexical, _language, datatype = literal_parts(value)
    if datatype not in _NUMERIC:
        return None
    try:
        return Decimal(lexical)
    except InvalidOperation:
        return None


def _range_check(bound: Decimal, minimum: bool) -> Check:
    def check(value: str, _types: Types) -> bool:
        number = _number(value)
        if number is None:
            return False
        return number >= bound if minimum else number <= bound

    return check


def _in_check(allowed: frozenset[str]) -> Check:
    return lambda v, _types: v in allowed


def _or_check(options: tuple[tuple[Check, ...], ...]) -> Check:
    return lambda v, types: any(all(check(v, types) for check in option) for option in options)


def _literal_kind(datatype: str) -> str:
    """What a literal of ``datatype`` has after its closing quote (``@`` standing for any
    language tag)."""
    if datatype == LANG_STRING:
        return "@"
    return "" if datatype == XSD_STRING else f"^^<{datatype}>"


def _literal_or_check(options: dict[str, tuple[Check, ...]]) -> Check:
    """``sh:or`` of options that each require a datatype of their own: only the option of
    a literal's datatype can hold (the same answer as :func:`_or_check`, found at once)."""

    def check(value: str, types: Types) -> bool:
        if value[0] != '"':
            return False
        suffix = literal_suffix(value)
        option = options.get("@" if suffix[:1] == "@" else suffix)
        return option is not None and all(check(value, types) for check in option)

    return check


def _to_text(node: Node) -> str:
    """The N-Triples text of an ``sh:in`` member (as pyoxigraph prints the term)."""
    if isinstance(node, URIRef):
        return str(NamedNode(str(node)))
    if not isinstance(node, RdflibLiteral):
        raise UnsupportedShape(f"sh:in member {node!r} is neither an IRI nor a literal")
    if node.language:
        return str(PyLiteral(str(node), language=node.language))
    return str(PyLiteral(str(node), datatype=NamedNode(str(node.datatype or XSD.string))))


def _integer(node: Node) -> int:
    """``int()`` of a term's lexical form (every rdflib term is a ``str``)."""
    if not isinstance(node, str):
        raise UnsupportedShape(f"{node!r} is not a number")
    return int(node)


class _Compiler:
    def __init__(self, shapes: Graph, superclasses: dict[str, frozenset[str]]) -> None:
        self.shapes = shapes
        self.subclasses: dict[str, set[str]] = {}
        for cls, supers in superclasses.items():
            for sup in supers:
                self.subclasses.setdefault(sup, set()).add(cls)

    def with_subclasses(self, cls: str) -> frozenset[str]:
        return frozenset({cls, *self.subclasses.get(cls, ())})

    # A shape is an IRI or a blank node; typed Node as the graph gives it (and can tell
    # about any node).
    def keys(self, shape: Node, allowed: set[URIRef]) -> None:
        for predicate in set(self.shapes.predicates(shape, None)):
            if predicate not in allowed | _ANNOTATIONS:
                raise UnsupportedShape(f"{shape}: {predicate} is not supported by the compiler")

    def message(self, shape: Node) -> str:
        message = self.shapes.value(shape, SH.message)
        return str(message) if message is not None else f"violates {shape}"

    def value_checks(self, shape: Node) -> tuple[Check, ...]:
        """One check per constraint component (pySHACL reports one result per component)."""
        g = self.shapes
        checks: list[Check] = []
        for datatype in g.objects(shape, SH.datatype):
            checks.append(_datatype_check(str(datatype)))
        for cls in g.objects(shape, SH["class"]):
            checks.append(_class_check(self.with_subclasses(str(cls))))
        for kind in g.objects(shape, SH.nodeKind):
            checks.append(_node_kind_check(kind))
        for pattern in g.objects(shape, SH.pattern):
            checks.append(_pattern_check(str(pattern), str(g.value(shape, SH.flags) or "")))
        for members in g.objects(shape, SH["in"]):
            checks.append(_in_check(frozenset(_to_text(m) for m in Collection(g, members))))
        for bound in g.objects(shape, SH.minInclusive):
            checks.append(_range_check(Decimal(str(bound)), minimum=True))
        for bound in g.objects(shape, SH.maxInclusive):
            checks.append(_range_check(Decimal(str(bound)), minimum=False))
        for alternatives in g.objects(shape, SH["or"]):
            options: list[tuple[Check, ...]] = []
            kinds: dict[str, tuple[Check, ...]] = {}  # an option per datatype, if so
            classes: set[str] = set()  # the classes of options that are one class each
            for option in Collection(g, alternatives):
                self.keys(option, _VALUE_KEYS)
                options.append(self.value_checks(option))
                datatypes = [str(d) for d in g.objects(option, SH.datatype)]
                if len(datatypes) == 1:
                    kinds[_literal_kind(datatypes[0])] = options[-1]
                if set(g.predicates(option, None)) - _ANNOTATIONS == {SH["class"]} and len(
                        found := [str(c) for c in g.objects(option, SH["class"])]) == 1:
                    classes |= self.with_subclasses(found[0])
                else:
                    classes.add("")  # not one class: marks the sh:or as not a union
            if len(kinds) == len(options):
                checks.append(_literal_or_check(kinds))
            elif "" not in classes:  # one class or another: a class of either
                checks.append(_class_check(frozenset(classes)))
            else:
                checks.append(_or_check(tuple(options)))
        return tuple(checks)

    def has_class(self, shape: Node) -> bool:
        """Whether ``shape`` (or an ``sh:or`` alternative of it) checks ``sh:class``."""
        g = self.shapes
        return any(True for _ in g.objects(shape, SH["class"])) or any(
            self.has_class(option)
            for alternatives in g.objects(shape, SH["or"])
            for option in Collection(g, alternatives))

    def property_rule(self, shape: Node) -> PropertyRule:
        self.keys(shape, _PROPERTY_KEYS)
        path = self.shapes.value(shape, SH.path)
        if not isinstance(path, URIRef):
            raise UnsupportedShape(f"{shape}: only predicate paths are supported, not {path!r}")
        min_count = self.shapes.value(shape, SH.minCount)
        max_count = self.shapes.value(shape, SH.maxCount)
        return PropertyRule(
            path=f"<{path}>",
            column=str(path),
            message=self.message(shape),
            min_count=_integer(min_count) if min_count is not None else 0,
            max_count=_integer(max_count) if max_count is not None else None,
            checks=self.value_checks(shape),
            classed=self.has_class(shape),
        )

    def node_rule(self, shape: Node) -> NodeRule:
        self.keys(shape, _NODE_SHAPE_KEYS | _VALUE_KEYS)
        g = self.shapes
        classes: set[str] = set()
        for cls in g.objects(shape, SH.targetClass):
            classes |= self.with_subclasses(str(cls))
        return NodeRule(
            target_classes=frozenset(classes),
            target_subjects_of=frozenset(
                f"<{p}>" for p in g.objects(shape, SH.targetSubjectsOf)
            ),
            message=self.message(shape),
            checks=self.value_checks(shape),
            properties=tuple(
                self.property_rule(p)
                for p in sorted(g.objects(shape, SH.property), key=str)
            ),
        )


@dataclass(frozen=True)
class CompiledShapes:
    """Node shapes as Python checks; :meth:`validate` reports what pySHACL would."""

    rules: tuple[NodeRule, ...]
    superclasses: dict[str, frozenset[str]]
    _by_classes: dict[frozenset[str], tuple[NodeRule, ...]] = field(
        default_factory=dict, compare=False, repr=False)
    _subject_rules: tuple[NodeRule, ...] = field(default=(), compare=False, repr=False)
    class_paths: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    """The predicates (N-Triples texts) whose values some shape checks by class."""
    _plans: dict[tuple[NodeRule, ...], _Plan] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def compile(cls, shapes: Graph, superclasses: dict[str, frozenset[str]]) -> CompiledShapes:
        compiler = _Compiler(shapes, superclasses)
        rules = tuple(
            compiler.node_rule(shape)
            for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str)
        )
        return cls(rules, superclasses,
                   _subject_rules=tuple(r for r in rules if r.target_subjects_of),
                   class_paths=frozenset(prop.path for rule in rules
                                         for prop in rule.properties if prop.classed))

    def _closure(self, classes: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for cls in classes:
            out.add(cls)
            out |= self.superclasses.get(cls, frozenset())
        return frozenset(out)

    def validate(
        self, triples: Iterable[Triple], origin: str, types_of: TypesOf
    ) -> list[Problem]:
        """The violations in ``triples`` (one source, or whole subjects of it).

        The focus nodes are the subjects of ``triples``. A node they point at that is not
        a subject has the classes ``types_of`` gives (from the rest of the batch or the
        store), as if their ``rdf:type`` triples were part of the data.
        """
        by_subject: dict[str, dict[str, list[str]]] = {}
        for triple in triples:
            subject, predicate, obj = triple_parts(triple)
            by_subject.setdefault(str(subject), {}).setdefault(str(predicate), []).append(
                str(obj))

        def of_text(node: str) -> Iterable[str]:
            found = term(node)
            return types_of(found) if isinstance(found, NamedNode | BlankNode) else ()

        return self.validate_subjects(by_subject, origin, of_text)

    def validate_subjects(
        self, by_subject: Subjects, origin: str, types_of: TextTypesOf,
    ) -> list[Problem]:
        """:meth:`validate` on triples already grouped by subject, as N-Triples texts
        (``types_of`` is given a node's text too)."""
        own: dict[str, frozenset[str]] = {}
        closures: dict[tuple[str, ...], frozenset[str]] = {}
        for subject, values in by_subject.items():
            declared = tuple(values.get(_RDF_TYPE, ()))
            closure = closures.get(declared)
            if closure is None:
                closure = closures[declared] = self._closure(map(value_of, declared))
            own[subject] = closure
        external: dict[str, frozenset[str]] = {}

        def types(node: str) -> frozenset[str]:
            found = own.get(node)
            if found is not None:
                return found
            found = external.get(node)
            if found is None:
                found = external[node] = self._closure(types_of(node) or ())
            return found

        problems: list[Problem] = []
        subject_rules = self.subject_rules
        for subject, values in by_subject.items():
            rules = self._rules_for(own[subject])
            if subject_rules:
                rules = rules + tuple(
                    rule for rule in subject_rules
                    if rule not in rules and not rule.target_subjects_of.isdisjoint(values)
                )
            if rules:
                self._plan_for(rules).check(subject, values, types, origin, problems)
        return sorted(problems, key=str)

    def _rules_for(self, classes: frozenset[str]) -> tuple[NodeRule, ...]:
        rules = self._by_classes.get(classes)
        if rules is None:
            rules = self._by_classes[classes] = tuple(
                rule for rule in self.rules if not classes.isdisjoint(rule.target_classes)
            )
        return rules

    def _plan_for(self, rules: tuple[NodeRule, ...]) -> _Plan:
        plan = self._plans.get(rules)
        if plan is None:
            plan = self._plans[rules] = _Plan.of(rules)
        return plan

    @property
    def subject_rules(self) -> tuple[NodeRule, ...]:
        """The rules that target the subjects of some predicates."""
        return self._subject_rules


@dataclass(frozen=True)
class _Plan:
    """The checks of the rules a focus node falls under, by the predicates they read."""

    focus: tuple[tuple[NodeRule, Check], ...]  # the rules' own checks of the node
    by_path: dict[str, tuple[PropertyRule, ...]]
    required: tuple[PropertyRule, ...]  # those with a minimum count

    @classmethod
    def of(cls, rules: tuple[NodeRule, ...]) -> _Plan:
        by_path: dict[str, list[PropertyRule]] = {}
        for rule in rules:
            for prop in rule.properties:
                by_path.setdefault(prop.path, []).append(prop)
        return cls(tuple((rule, check) for rule in rules for check in rule.checks),
                   {path: tuple(props) for path, props in by_path.items()},
                   tuple(prop for rule in rules for prop in rule.properties if prop.min_count))

    def check(self, focus: str, values: Values, types: Types, origin: str,
              problems: list[Problem]) -> None:
        """Add the violations of the node ``focus`` with ``values`` to ``problems``."""
        focus_text = value_of(focus)
        for rule, check in self.focus:
            if not check(focus, types):
                problems.append(Problem(origin, f"SHACL: <{focus_text}> {rule.message}",
                                        value=focus_text, focus=focus_text))
        for path, found in values.items():
            props = self.by_path.get(path)
            if props is None:
                continue
            for prop in props:
                if prop.max_count is not None and len(found) > prop.max_count and len(
                        found) >= prop.min_count:
                    problems.append(Problem(origin, f"SHACL: <{focus_text}> {prop.message}",
                                            column=prop.column, focus=focus_text))
                for value in found:
                    for check in prop.checks:
                        if not check(value, types):
                            problems.append(Problem(
                                origin, f"SHACL: <{focus_text}> {prop.message}",
                                column=prop.column, value=value_of(value), focus=focus_text))
        for prop in self.required:
            if len(values.get(prop.path, ())) < prop.min_count:
                problems.append(Problem(origin, f"SHACL: <{focus_text}> {prop.message}",
                                        column=prop.column, focus=focus_text))


@cache
def compiled_shapes() -> CompiledShapes:
    """The project's shapes (``ontology/shapes.ttl``), compiled once per process."""
    return CompiledShapes.compile(load_shapes(), superclasses())


@cache
def superclasses() -> dict[str, frozenset[str]]:
    """Every class of the ontology with all its superclasses (``rdfs:subClassOf``)."""
    ontology = load_ontology()
    result: dict[str, frozenset[str]] = {}
    for cls in set(ontology.subjects(RDFS.subClassOf, None)):
        result[str(cls)] = frozenset(
            str(s) for s in ontology.transitive_objects(cls, RDFS.subClassOf) if s != cls
        )
    return result


def validate_chunks(chunks: Sequence[Iterable[Triple]], origin: str,
                    types_of: TypesOf) -> list[Problem]:
    """Validate several chunks of one source (each holding whole subjects)."""
    shapes = compiled_shapes()
    problems: list[Problem] = []
    for chunk in chunks:
        problems.extend(shapes.validate(chunk, origin, types_of))
    return problems

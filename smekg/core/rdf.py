"""A small triple builder on pyoxigraph terms, used by every loader.

Loaders build their triples with :class:`GraphBuilder` and hand them to the store
as one named graph. pyoxigraph terms are used directly (not rdflib) because they
are an order of magnitude cheaper to create, which matters for large loads.

Examples
--------
>>> from smekg.ontology import SKOS
>>> g = GraphBuilder()
>>> g.add("http://example.org/a", SKOS.prefLabel, g.text("A", "en"))
>>> len(g)
1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import cast

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from smekg.ontology import XSD

Node = NamedNode | BlankNode
Object = NamedNode | BlankNode | Literal

_XSD_INTEGER = NamedNode(str(XSD.integer))
_XSD_DECIMAL = NamedNode(str(XSD.decimal))
_XSD_BOOLEAN = NamedNode(str(XSD.boolean))
_XSD_DATE = NamedNode(str(XSD.date))
_XSD_DATETIME = NamedNode(str(XSD.dateTime))
_XSD_GYEAR = NamedNode(str(XSD.gYear))
_XSD_GYEARMONTH = NamedNode(str(XSD.gYearMonth))
_XSD_ANYURI = NamedNode(str(XSD.anyURI))


@lru_cache(maxsize=4096)
def _predicate(value: str) -> NamedNode:
    return NamedNode(str(value))


@lru_cache(maxsize=8)
def _subject_iri(value: str) -> NamedNode:
    # The mapper adds many triples in a row about the same subject: reuse its term.
    return NamedNode(str(value))


def iri(value: str | NamedNode) -> NamedNode:
    """A NamedNode from a string (rdflib URIRefs and Namespace terms are strings too)."""
    return value if isinstance(value, NamedNode) else NamedNode(str(value))


def triple_parts(triple: Triple) -> tuple[Node, NamedNode, Object]:
    """The subject, predicate and object of ``triple``, as the loaders type them.

    pyoxigraph's stub allows a triple as subject, which pyoxigraph 0.5 never makes. An RDF
    1.2 triple term as object (only a user's RDF file can hold one) is passed on as it is:
    the model has no type for it, and the builder does not look inside objects.

    >>> a = NamedNode("http://ex.org/a")
    >>> triple_parts(Triple(a, a, Literal("A")))[2]
    <Literal value=A datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    """
    subject = triple.subject
    if isinstance(subject, Triple):
        raise TypeError(f"a triple cannot be a subject: {triple}")
    return subject, triple.predicate, cast(Object, triple.object)


class GraphBuilder:
    """Collects the triples of one source; de-duplicates them, keeps insertion order.

    Triples are kept grouped by subject (as the validator reads them), and each
    predicate IRI is made into a term once.
    """

    def __init__(self) -> None:
        self._subjects: dict[Node, dict[tuple[NamedNode, Object], None]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Triple]:
        for subject, pairs in self._subjects.items():
            for predicate, obj in pairs:
                yield Triple(subject, predicate, obj)

    def by_subject(self) -> dict[Node, dict[tuple[NamedNode, Object], None]]:
        """The triples as ``{subject: {(predicate, object): None}}`` (not a copy)."""
        return self._subjects

    def _put(self, subject: Node, predicate: NamedNode, obj: Object) -> None:
        pairs = self._subjects.get(subject)
        if pairs is None:
            pairs = self._subjects[subject] = {}
        if (predicate, obj) not in pairs:
            pairs[(predicate, obj)] = None
            self._count += 1

    def add(self, subject: str | Node, predicate: str | NamedNode, obj: str | Object) -> None:
        """Add one triple; a plain ``str`` subject, predicate or object is taken as an IRI."""
        s = subject if isinstance(subject, BlankNode | NamedNode) else _subject_iri(subject)
        o = obj if isinstance(obj, BlankNode | Literal | NamedNode) else iri(obj)
        self._put(s, predicate if isinstance(predicate, NamedNode) else _predicate(predicate), o)

    def add_all(
        self, subject: str | Node, predicate: str | NamedNode, objects: Iterable[str | Object]
    ) -> None:
        for obj in objects:
            self.add(subject, predicate, obj)

    def update(self, triples: Iterable[Triple]) -> None:
        for triple in triples:
            self._put(*triple_parts(triple))

    # -- literals -----------------------------------------------------------------
    @staticmethod
    def text(value: str, language: str | None = None) -> Literal:
        """A string literal, language-tagged when ``language`` is given."""
        return Literal(value, language=language) if language else Literal(value)

    @staticmethod
    def integer(value: int) -> Literal:
        return Literal(str(int(value)), datatype=_XSD_INTEGER)

    @staticmethod
    def boolean(value: bool) -> Literal:
        return Literal("true" if value else "false", datatype=_XSD_BOOLEAN)

    @staticmethod
    def decimal(value: str) -> Literal:
        """An ``xsd:decimal`` from its canonical digits (``1234.5``; check them first)."""
        return Literal(value, datatype=_XSD_DECIMAL)

    @staticmethod
    def any_uri(value: str) -> Literal:
        return Literal(value, datatype=_XSD_ANYURI)

    @staticmethod
    def datetime(value: dt.datetime) -> Literal:
        return Literal(value.isoformat(), datatype=_XSD_DATETIME)

    @staticmethod
    def date(value: str) -> Literal:
        """A date literal typed by its precision: ``2004`` (gYear), ``2000-06`` (gYearMonth),
        ``2000-06-14`` (date). Raises ValueError for anything else."""
        value = value.strip()
        try:
            if len(value) == 4 and value.isdigit():
                return Literal(value, datatype=_XSD_GYEAR)
            if len(value) == 7:
                dt.datetime.strptime(value, "%Y-%m")
                return Literal(value, datatype=_XSD_GYEARMONTH)
            dt.date.fromisoformat(value)
            return Literal(value, datatype=_XSD_DATE)
        except ValueError:
            pass
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")

"""N-Triples text made straight from the mappers' values, without building term objects.

A large load writes tens of millions of triples; making a pyoxigraph term for each
subject, predicate and object, a triple of them, then serialising it costs more than the
store's own bulk loader takes to read the text. So the table mappers write each term as
its N-Triples text (``<iri>``, ``"text"@en``, ``"2004"^^<...#gYear>``, ``_:b1``), a
source's triples are :class:`TextGraph` objects grouped by subject, and the validator
(:mod:`smekg.loaders.shapes`) reads the same texts.

The text is the one pyoxigraph prints for the same term (``str(term)``), so a triple is
the same whichever way it was made: literals are escaped as Oxigraph escapes them (``\\"``,
``\\\\``, ``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``, other control characters as
``\\uXXXX``; everything else as it is, UTF-8), and an IRI made from a value is checked with
pyoxigraph's own IRI parser (:func:`iri`), which is the bulk loader's, so a value that is
not an IRI is refused while the rows are mapped, never by the store.

Examples
--------
>>> iri("https://example.org/a")
'<https://example.org/a>'
>>> string('say "hi"\\n'), lang_string("Acme", "en"), integer(7)
('"say \\\\"hi\\\\"\\\\n"', '"Acme"@en', '"7"^^<http://www.w3.org/2001/XMLSchema#integer>')
>>> iri("https://example.org/a b")
Traceback (most recent call last):
...
ValueError: Invalid IRI code point ' '
>>> g = TextGraph()
>>> g.add("<https://example.org/a>", "<https://example.org/p>", lang_string("A", "en"))
>>> g.add("<https://example.org/a>", "<https://example.org/p>", lang_string("A", "en"))
>>> len(g), g.text()
(1, '<https://example.org/a> <https://example.org/p> "A"@en .\\n')
>>> value_of('"a\\\\"b"@en'), value_of("<https://example.org/a>"), literal_parts('"1"^^<x:i>')
('a"b', 'https://example.org/a', ('1', None, 'x:i'))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

__all__ = [
    "LANG_STRING",
    "XSD_STRING",
    "IriTerms",
    "TextGraph",
    "any_uri",
    "boolean",
    "date",
    "datetime",
    "decimal",
    "integer",
    "iri",
    "lang_string",
    "literal_parts",
    "literal_suffix",
    "string",
    "term",
    "term_text",
    "typed",
    "value_of",
]

_XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = f"{_XSD}string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_INTEGER = f"^^<{_XSD}integer>"
_DECIMAL = f"^^<{_XSD}decimal>"
_BOOLEAN = f"^^<{_XSD}boolean>"
_DATE = f"^^<{_XSD}date>"
_DATETIME = f"^^<{_XSD}dateTime>"
_GYEAR = f"^^<{_XSD}gYear>"
_GYEARMONTH = f"^^<{_XSD}gYearMonth>"
_ANYURI = f"^^<{_XSD}anyURI>"

# What Oxigraph escapes in a literal (oxrdf's print_quoted_str); the rest is written as is.
_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"',
            0x5C: "\\\\"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F] if c not in _ESCAPES})
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\\x7f]')
_ESCAPED = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_UNESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "'": "'",
              "\\": "\\"}


def _quoted(value: str) -> str:
    if _NEEDS_ESCAPE.search(value) is None:
        return f'"{value}"'
    return f'"{value.translate(_ESCAPES)}"'


def string(value: str) -> str:
    """An ``xsd:string`` literal (printed without its datatype, as N-Triples does)."""
    return _quoted(value)


def lang_string(value: str, language: str) -> str:
    """A language-tagged literal (``language`` as the mappers write it: lower case)."""
    return f"{_quoted(value)}@{language}"


def typed(value: str, datatype: str) -> str:
    """A literal of ``datatype`` (an IRI the caller knows to be valid)."""
    if datatype == XSD_STRING:
        return _quoted(value)
    return f"{_quoted(value)}^^<{datatype}>"


def integer(value: int) -> str:
    """An ``xsd:integer`` literal."""
    return f'"{int(value)}"{_INTEGER}'


def boolean(value: bool) -> str:
    """An ``xsd:boolean`` literal (``true`` or ``false``)."""
    return f'"{"true" if value else "false"}"{_BOOLEAN}'


def decimal(value: str) -> str:
    """An ``xsd:decimal`` from its canonical digits (``1234.5``; check them first)."""
    return f"{_quoted(value)}{_DECIMAL}"


def any_uri(value: str) -> str:
    """An ``xsd:anyURI`` literal."""
    return f"{_quoted(value)}{_ANYURI}"


def datetime(value: dt.datetime) -> str:
    """An ``xsd:dateTime`` literal of ``value.isoformat()``."""
    return f"{_quoted(value.isoformat())}{_DATETIME}"


@lru_cache(maxsize=65536)
def date(value: str) -> str:
    """A date literal typed by its precision: ``2004`` (gYear), ``2000-06`` (gYearMonth),
    ``2000-06-14`` (date), as :meth:`smekg.core.rdf.GraphBuilder.date` types it. Raises
    ValueError for anything else."""
    value = value.strip()
    try:
        if len(value) == 4 and value.isdigit():
            return f"{_quoted(value)}{_GYEAR}"
        if len(value) == 7:
            dt.datetime.strptime(value, "%Y-%m")
            return f"{_quoted(value)}{_GYEARMONTH}"
        dt.date.fromisoformat(value)
        return f"{_quoted(value)}{_DATE}"
    except ValueError:
        pass
    raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")


def iri(value: str) -> str:
    """``<value>``, after checking that ``value`` is an absolute IRI as the store's parser
    reads it; raises ValueError naming the first character that is not (pyoxigraph's
    message)."""
    NamedNode(value)
    return f"<{value}>"


def term_text(node: NamedNode | BlankNode | Literal) -> str:
    """The N-Triples text of a pyoxigraph term (what :class:`TextGraph` holds)."""
    return str(node)


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            return chr(int(code, 16))
        return _UNESCAPES[match.group(3)]

    return _ESCAPED.sub(replace, text)


def literal_parts(text: str) -> tuple[str, str | None, str]:
    """``(lexical form, language, datatype IRI)`` of a literal's N-Triples text (the
    datatype of a language-tagged literal is ``rdf:langString``)."""
    end = text.rindex('"')
    body = text[1:end]
    lexical = _unescape(body) if "\\" in body else body
    suffix = text[end + 1:]
    if not suffix:
        return lexical, None, XSD_STRING
    if suffix[0] == "@":
        return lexical, suffix[1:], LANG_STRING
    return lexical, None, suffix[3:-1]


def literal_suffix(text: str) -> str:
    """What follows a literal's closing quote: ``""`` (``xsd:string``), ``@lang`` or
    ``^^<datatype>`` (a lexical form's own quotes are escaped, and neither a language tag
    nor an IRI holds one)."""
    return text[text.rindex('"') + 1:]


def value_of(text: str) -> str:
    """What a term's text stands for: an IRI's IRI, a literal's lexical form, a blank
    node's ``_:label`` (as problems name them)."""
    first = text[0]
    if first == "<":
        return text[1:-1]
    if first == '"':
        return literal_parts(text)[0]
    return text


def term(text: str) -> NamedNode | BlankNode | Literal:
    """The pyoxigraph term of an N-Triples term text (for the few places that need one)."""
    first = text[0]
    if first == "<":
        return NamedNode(text[1:-1])
    if first == "_":
        return BlankNode(text[2:])
    lexical, language, datatype = literal_parts(text)
    if language is not None:
        return Literal(lexical, language=language)
    return Literal(lexical, datatype=NamedNode(datatype))


class IriTerms:
    """A namespace's terms as N-Triples text (``SKOS.prefLabel`` gives
    ``<http://www.w3.org/2004/02/skos/core#prefLabel>``), each made once.

    >>> from smekg import ontology
    >>> IriTerms(ontology.SKOS).prefLabel
    '<http://www.w3.org/2004/02/skos/core#prefLabel>'
    """

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        text = f"<{getattr(self._namespace, name)}>"
        setattr(self, name, text)  # from now on a plain attribute, no __getattr__
        return text


class TextGraph:
    """The triples of one source (or a chunk of its rows) as N-Triples term texts, grouped
    by subject and predicate and de-duplicated, in the order added.

    ``subjects`` maps a subject's text to its predicates' texts, each to its objects' texts
    (the keys of a dict, for their order); the caller makes every text with this module's
    functions (or takes it from a pyoxigraph term, :meth:`from_triples`), so that it is
    valid N-Triples.
    """

    __slots__ = ("count", "subjects")

    def __init__(self) -> None:
        self.subjects: dict[str, dict[str, dict[str, None]]] = {}
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """Add the triple of these three texts (once)."""
        predicates = self.subjects.get(subject)
        if predicates is None:
            self.subjects[subject] = {predicate: {obj: None}}
        else:
            objects = predicates.get(predicate)
            if objects is None:
                predicates[predicate] = {obj: None}
            elif obj in objects:
                return
            else:
                objects[obj] = None
        self.count += 1

    def text(self) -> str:
        """The N-Triples document of the triples, a line each."""
        return "".join([f"{subject} {predicate} {obj} .\n"
                        for subject, predicates in self.subjects.items()
                        for predicate, objects in predicates.items()
                        for obj in objects])

    def triples(self) -> Iterator[Triple]:
        """The triples as pyoxigraph terms (parsed from :meth:`text`)."""
        for quad in parse(self.text().encode(), format=RdfFormat.N_TRIPLES):
            yield Triple(quad.subject, quad.predicate, quad.object)

    __iter__ = triples

    @classmethod
    def from_triples(cls, triples: Iterable[Triple]) -> TextGraph:
        """The texts of pyoxigraph triples (a reference source, an RDF file)."""
        graph = cls()
        for triple in triples:
            graph.add(str(triple.subject), str(triple.predicate), str(triple.object))
        return graph

"""A small SPARQL lexer: what kind of operation a request's text is, before it runs.

pyoxigraph parses and runs a query in one call and exposes no parse tree, but the
endpoint needs three facts before it hands a query to a worker:

* the query form (``SELECT``/``ASK`` give SPARQL results, ``CONSTRUCT``/``DESCRIBE`` RDF),
  to negotiate the response format and answer 406 without running anything, and to
  recognise a SPARQL Update sent as a query (which is refused);
* whether the query names its own dataset (``FROM``/``FROM NAMED``): only a query that
  does not gets the union of all named graphs as its default graph;
* whether it calls ``SERVICE`` (federated query), which this endpoint refuses so that a
  public endpoint cannot be made to send requests to other hosts.

Keywords are found as whole tokens outside comments, strings and IRIs (prefixed names may
hold SPARQL's escapes, ``ex:a\\'b``, and ``%HH``), so ``?from``,
``ex:service``, ``"FROM"`` and ``<http://ex.org/from>`` are not mistaken for them. The
lexer never decides whether a query is valid: pyoxigraph's parser does; nor whether it
calls ``SERVICE``: :mod:`.analysis` decides that from a real parse (the lexer's answer is
only a second opinion, and its tokens measure the nesting of brackets).

Examples
--------
>>> shape = scan('PREFIX ex: <http://ex.org/> SELECT ?from WHERE { ?s ex:from "FROM" }')
>>> shape.form, shape.has_dataset, shape.uses_service
('SELECT', False, False)
>>> scan("# a comment\\nASK FROM <http://ex.org/g> { ?s ?p ?o }").has_dataset
True
>>> scan("INSERT DATA { <a> <b> <c> }").is_update
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               | '(?:[^'\\\n\r]|\\.)*'
               | "(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]*)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<name>(?:[^\W\d][\w.-]*)?:(?:[^\s{}()\[\],;'"<>\\%\#]
                                     |%[0-9A-Fa-f]{2}
                                     |\\[_~.!$&'()*+,;=/?\#@%-])*
             |[^\W\d][\w.-]*)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class QueryShape:
    """What :func:`scan` learnt about an operation's text.

    Attributes
    ----------
    form
        The first keyword after the prologue (``BASE``/``PREFIX``), upper-cased, e.g.
        ``SELECT`` or ``INSERT``; None if there is none.
    has_dataset
        Whether a ``FROM`` keyword (a dataset clause) occurs.
    uses_service
        Whether a ``SERVICE`` keyword (a federated query) occurs.
    """

    form: str | None
    has_dataset: bool
    uses_service: bool

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL Update rather than a query."""
        return self.form in UPDATE_KEYWORDS

    @property
    def returns_graph(self) -> bool | None:
        """True for CONSTRUCT/DESCRIBE, False for SELECT/ASK, None when unknown."""
        return returns_graph(self.form)


def returns_graph(form: str | None) -> bool | None:
    """True for CONSTRUCT/DESCRIBE, False for SELECT/ASK, None when unknown."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return True
    if form in ("SELECT", "ASK"):
        return False
    return None


def keywords(text: str) -> list[str]:
    """The keyword tokens of ``text`` (words that are not prefixed names), upper-cased."""
    words = []
    for match in _TOKEN.finditer(text):
        name = match.group("name")
        if name is not None and ":" not in name:
            words.append(name.upper())
    return words


def scan(text: str) -> QueryShape:
    """Lex ``text`` and report its form, dataset clause and use of ``SERVICE``."""
    words = keywords(text)
    form = next((w for w in words if w not in ("BASE", "PREFIX")), None)
    return QueryShape(form=form, has_dataset="FROM" in words, uses_service="SERVICE" in words)

"""Binding parameters into SPARQL text for a remote store, with the meaning of pyoxigraph's.

The embedded backend binds a named query's parameters with pyoxigraph's
``substitutions`` (SPARQL-dev SEP-0007): every occurrence of the variable, in every
group, ``FILTER``, ``EXISTS``, ``OPTIONAL``, ``MINUS`` and in a sub-select that projects
it, stands for the bound term, and the variable keeps that value in the results. A
remote store receives only text, so :func:`bind` rewrites the text to mean the same:

1. The query is split into tokens by :func:`tokens` (comments, strings, IRIs, variables,
   words, punctuation), so a ``?name`` inside a string, an IRI or a comment is never
   touched and ``?a=?b`` is two variables.
2. Each occurrence of a bound variable where SPARQL accepts a term (triple patterns,
   property paths, ``GRAPH``, expressions, ``EXISTS``, construct templates) is replaced
   by the term, serialised by pyoxigraph (:func:`term_text`), never by hand.
3. Where the grammar needs a variable (a projected ``?x``, ``GROUP BY ?x``,
   ``ORDER BY ?x``, ``BOUND(?x)``, a ``VALUES`` variable list) it is left as it is, and a
   trailing ``VALUES (?x ...) { (term ...) }`` clause binds it. That clause is joined with
   the ``WHERE`` pattern before grouping, ordering and projection, and after step 2 the
   pattern no longer mentions the variable, so every solution simply carries the value,
   as with pyoxigraph.
4. A sub-select that does not project a variable has its own variable of that name
   (SPARQL scoping), which is left alone, as pyoxigraph does.

Two other techniques were rejected because they give different answers for the named
queries: a ``VALUES`` block at the start of the ``WHERE`` group binds the variable only
in that group, so a ``FILTER(?region = smekg:any || ...)`` inside a ``UNION`` branch of
``coverage`` sees it unbound and lets everything through; and ``VALUES`` alone (no
substitution) leaves the sub-selects of ``members``/``memberships`` to walk every node.

A bound variable assigned by the query itself (``AS ?x``) is refused
(:class:`BindingError`): a parameter is an input. A query that already ends with its own
``VALUES`` clause is refused too (SPARQL allows only one).

Escaping: pyoxigraph serialises terms in N-Triples syntax (quotes, backslashes and
newlines escaped; IRIs validated when the :class:`~pyoxigraph.NamedNode` is made, so an
IRI containing ``>`` or a space cannot exist). The one addition is for engines that decode
``\\u`` escapes before they parse (as SPARQL 1.1 section 19.2 describes): the text ``\\u``
inside a literal is written ``\\\\\\u0075`` (an escaped backslash, then ``u`` as an
escape), which reads back as ``\\u`` whether or not the engine decodes first.

Examples
--------
>>> from pyoxigraph import Literal, NamedNode
>>> print(bind("SELECT ?s ?name WHERE { ?s rdfs:label ?name FILTER(?s != ?x) }",
...            {"name": Literal('say "hi"'), "x": NamedNode("http://ex.org/x")}))
SELECT ?s ?name WHERE { ?s rdfs:label  "say \\"hi\\""  FILTER(?s !=  <http://ex.org/x> ) }
VALUES (?name ?x) { ("say \\"hi\\"" <http://ex.org/x>) }
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode

Term = NamedNode | Literal | BlankNode
"""A term to bind; a blank node is refused (:class:`BindingError`): it has no name outside
its store."""


class BindingError(ValueError):
    """The query cannot have these variables bound (the message says why)."""


# PN_CHARS (SPARQL 1.1 grammar, section 19.8), approximated with \w for PN_CHARS_BASE.
_PN = r"[\w\-\u00B7\u0300-\u036F\u203F\u2040]"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL_CHAR = rf"(?:{_PN}|:|{_PLX})"
_PREFIXED = (
    rf"(?:[^\W\d_](?:(?:{_PN}|\.)*{_PN})?)?:"  # PNAME_NS
    rf"(?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?"  # PN_LOCAL
)
_TOKEN = re.compile(
    rf"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               | '(?:[^'\\\n\r]|\\.)*'
               | "(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<blank>_:(?:{_PN}|\.)*{_PN})
    | (?P<name>{_PREFIXED})
    | (?P<word>[^\W\d]\w*)
    | (?P<space>\s+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind (a group name of the lexer) and its text."""

    kind: str
    text: str

    @property
    def keyword(self) -> str | None:
        """The upper-cased word, if the token is a keyword (``SELECT``, ``as``...)."""
        return self.text.upper() if self.kind == "word" else None


def tokens(text: str) -> Iterator[Token]:
    """Split ``text`` into tokens; joining their texts gives ``text`` back.

    Examples
    --------
    >>> [t.text for t in tokens('?a=?b') if t.kind == "var"]
    ['?a', '?b']
    >>> [t.kind for t in tokens('"?x" <http://ex.org/?x> # ?x')]
    ['string', 'space', 'iri', 'space', 'comment']
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        yield Token(kind, match.group())


def query_form(text: str) -> str | None:
    """The operation's first keyword after the prologue (``SELECT``, ``CONSTRUCT``...).

    Examples
    --------
    >>> query_form('PREFIX ex: <http://ex.org/> construct { ?s ex:p "SELECT" } WHERE {}')
    'CONSTRUCT'
    """
    for token in tokens(text):
        if token.keyword is not None and token.keyword not in ("BASE", "PREFIX"):
            return token.keyword
    return None


def term_text(term: Term) -> str:
    """The SPARQL text of ``term`` (pyoxigraph's N-Triples form, see the module notes).

    Examples
    --------
    >>> term_text(Literal("a\\\\u0022b"))
    '"a\\\\\\\\\\\\u00750022b"'
    """
    if isinstance(term, BlankNode):
        raise BindingError("a blank node cannot be bound (it has no name outside its store)")
    if not isinstance(term, NamedNode | Literal):
        raise BindingError(f"cannot bind {term!r}: only IRIs and literals")
    text = str(term)
    if isinstance(term, Literal) and "\\" in text:
        # \\u (an escaped backslash, then u) -> \\\u0075, so no engine reads a \u escape.
        text = re.sub(r"(?<!\\)((?:\\\\)+)([uU])", lambda m: f"{m[1]}\\u{ord(m[2]):04X}", text)
    return text


@dataclass
class _Scope:
    """A query or sub-select: which bound variables are its own, and where it ends."""

    bound: frozenset[str]  # the bound variables visible (substituted) in this scope
    depth: int  # brace depth at which the scope ends (sub-select: its enclosing group)


def _name(var: str) -> str:
    return var[1:]


def _projection(toks: list[Token], start: int) -> tuple[set[str], bool]:
    """The variables a SELECT clause starting at ``toks[start]`` projects, and whether
    it is ``SELECT *``."""
    names: set[str] = set()
    parens = 0
    previous: str | None = None
    for token in toks[start + 1 :]:
        if token.kind in ("space", "comment"):
            continue
        if token.keyword in ("WHERE", "FROM") or (token.text == "{" and parens == 0):
            break
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif token.text == "*" and parens == 0:
            return names, True
        elif token.kind == "var" and (parens == 0 or previous == "AS"):
            names.add(_name(token.text))
        previous = token.keyword or token.text
    return names, False


def bind(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with the variables of ``bindings`` bound to their terms (see module notes).

    Parameters
    ----------
    text
        A SPARQL query (``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``).
    bindings
        Variable name (without ``?``) to the term it stands for.

    Returns
    -------
    str
        The query text to send; ``text`` itself when nothing is bound.

    Raises
    ------
    BindingError
        A bound variable is assigned by the query (``AS ?x``), a term is a blank node,
        or the query already ends with a ``VALUES`` clause.
    """
    if not bindings:
        return text
    serialised = {name: term_text(term) for name, term in bindings.items()}
    toks = list(tokens(text))
    out: list[str] = []
    scopes = [_Scope(frozenset(serialised), -1)]
    braces = parens = 0
    clause: str | None = None  # "select", "modifier" (GROUP/ORDER BY), "values" or None
    clause_parens = 0
    previous: list[str] = []  # the last two significant tokens (keywords upper-cased)
    mentioned: set[str] = set()
    for index, token in enumerate(toks):
        if token.kind in ("space", "comment"):
            out.append(token.text)
            continue
        keyword = token.keyword
        scope = scopes[-1]
        # -- the clause the token is in (a bound variable may be replaced or must stay)
        if keyword == "SELECT":
            if braces > 0:  # a sub-select: its own variables unless it projects them
                projected, star = _projection(toks, index)
                visible = scope.bound if star else scope.bound & projected
                scopes.append(_Scope(frozenset(visible), braces - 1))
            clause, clause_parens = "select", parens
        elif keyword in ("WHERE", "FROM", "HAVING", "LIMIT", "OFFSET"):
            clause = None
        elif keyword in ("GROUP", "ORDER"):
            clause, clause_parens = "modifier", parens
        elif keyword == "VALUES":
            if braces == 0:
                raise BindingError("the query ends with a VALUES clause of its own; "
                                   "parameters cannot be bound to it")
            clause = "values"
        # -- nesting
        if token.text == "{":
            if clause in ("select", "values"):
                clause = None
            braces += 1
        elif token.text == "}":
            braces -= 1
            while len(scopes) > 1 and braces == scopes[-1].depth:
                scopes.pop()
            if clause == "modifier":
                clause = None
        elif token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1

        name = _name(token.text) if token.kind == "var" else None
        if name is not None and name in scope.bound:
            if previous[-1:] == ["AS"]:
                raise BindingError(f"?{name} is assigned by the query (AS ?{name}); "
                                   "a parameter can only be read")
            keep = (
                previous[-2:] == ["BOUND", "("]
                or clause == "values"
                or (clause in ("select", "modifier") and parens == clause_parens)
            )
            out.append(token.text if keep else f" {serialised[name]} ")
            if len(scopes) == 1:
                mentioned.add(name)
        else:
            out.append(token.text)
        previous = [*previous[-1:], keyword or token.text]

    names = [name for name in serialised if name in mentioned]
    if not names:
        return "".join(out)
    variables = " ".join(f"?{name}" for name in names)
    values = " ".join(serialised[name] for name in names)
    return "".join(out) + f"\nVALUES ({variables}) {{ ({values}) }}"

"""What a SPARQL query is, from a real parse: its form, its dataset, SERVICE, its nesting.

pyoxigraph parses and runs a query in one call (and sends a ``SERVICE`` request while it
does), so the endpoint parses the query first with rdflib's SPARQL 1.1 grammar and decides
from the parse tree:

* whether it calls ``SERVICE`` anywhere (a ``ServiceGraphPattern`` at any depth: inside
  ``OPTIONAL``, ``UNION``, sub-selects, ``FILTER EXISTS``, with ``SILENT`` or a variable
  endpoint): refused, so the endpoint never calls another host;
* the query form (``SELECT``/``ASK``/``CONSTRUCT``/``DESCRIBE``) and whether it names its
  own dataset (``FROM``/``FROM NAMED``).

rdflib decodes ``\\uXXXX``/``\\UXXXXXXXX`` escapes before it parses, as SPARQL requires (and
as Oxigraph does), so ``\\u0053ERVICE`` is seen as ``SERVICE``. The lexer
(:mod:`.lexer`) gives a second opinion on ``SERVICE`` (either one refuses), and its
tokens measure the nesting of brackets, checked first against a limit: very deep nesting
crashes Oxigraph's parser. Where the two parsers disagree (rdflib rejects a query that
Oxigraph would run), the query is refused rather than run.

This module runs where the query runs (a worker process, or the CLI), never on the API's
event loop: a long query takes rdflib a while (about 0.5 s for 256 KiB, 2-5 ms for a
dashboard's query) and deep recursion (see :func:`smekg.graph_api.sparql.sandbox.run_deep`).
A worker remembers its verdicts by query text (:class:`VerdictCache`).

Examples
--------
>>> verdict = analyse("SELECT * WHERE { ?s ?p ?o }", max_nesting=100)
>>> verdict.form, verdict.has_dataset, verdict.refusal
('SELECT', False, None)
>>> analyse("ASK { \\\\u0053ERVICE <http://h/> { ?s ?p ?o } }", max_nesting=100).refusal
'service'
>>> analyse("ASK {{{ ?s ?p ?o }}}", max_nesting=2).refusal
'nesting'
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from smekg.graph_api.sparql.lexer import _TOKEN, returns_graph, scan

OPENING = frozenset("({[")
CLOSING = frozenset(")}]")

_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

SERVICE_REFUSED = (
    "Federated queries (SERVICE) are not allowed on this endpoint: it answers from its own "
    "store and makes no requests to other hosts."
)


def unescape(text: str) -> str:
    """``text`` with SPARQL's ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes decoded."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    decoded: str = expandUnicodeEscapes(text)
    return decoded


def nesting(text: str) -> int:
    """The deepest nesting of brackets in ``text`` (outside strings, IRIs and comments)."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        if match.lastgroup != "other":
            continue
        char = match.group()
        if char in OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif char in CLOSING:
            depth -= 1
    return deepest


def nesting_message(depth: int, limit: int) -> str:
    """The error for a query nested ``depth`` deep, over ``limit``."""
    return (
        f"The query nests brackets {depth} deep; the limit is {limit} (setting "
        "SMEKG_SPARQL_MAX_NESTING). Flatten the query (fewer nested groups, parentheses or "
        "sub-selects)."
    )


@dataclass(frozen=True)
class Verdict:
    """What :func:`analyse` found.

    Attributes
    ----------
    form
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` when the query parsed; else the
        lexer's guess (e.g. ``INSERT``) or None.
    has_dataset
        Whether the query has a ``FROM``/``FROM NAMED`` clause.
    refusal
        None when the query may run; else ``"nesting"`` (too deep), ``"service"``
        (``SERVICE``), ``"update"`` (a SPARQL Update) or ``"syntax"`` (rdflib cannot parse
        it: the caller asks Oxigraph for its message, or refuses).
    message
        The reason for a refusal (for the client).
    """

    form: str | None
    has_dataset: bool
    refusal: str | None = None
    message: str = ""

    @property
    def returns_graph(self) -> bool | None:
        """True for CONSTRUCT/DESCRIBE, False for SELECT/ASK, None when unknown."""
        return returns_graph(self.form)


def _parts(node: Any) -> list[Any]:
    if isinstance(node, dict):  # rdflib's CompValue is an OrderedDict
        return list(node.values())
    if isinstance(node, list | tuple):
        return list(node)
    if type(node).__name__ == "ParseResults":
        return list(node)
    return []


def calls_service(tree: Any) -> bool:
    """Whether a ``ServiceGraphPattern`` occurs anywhere in an rdflib parse tree."""
    stack = [tree]
    while stack:  # iterative: the tree of a long query is deep
        node = stack.pop()
        if getattr(node, "name", None) == "ServiceGraphPattern":
            return True
        stack.extend(_parts(node))
    return False


def warm_up() -> None:
    """Import rdflib's SPARQL grammar and parse a query once (it is built on first use)."""
    analyse("ASK {}", max_nesting=1)


def analyse(text: str, *, max_nesting: int) -> Verdict:
    """Parse ``text`` and say what it is and whether it may run (see :class:`Verdict`).

    Run it in a thread with a deep stack (:func:`~.sandbox.run_deep`): rdflib's grammar
    recurses once per triple pattern.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    decoded = unescape(text)
    depth = nesting(decoded)
    lexed = scan(decoded)
    if depth > max_nesting:
        return Verdict(lexed.form, lexed.has_dataset, "nesting",
                       nesting_message(depth, max_nesting))
    if lexed.is_update:
        return Verdict(lexed.form, False, "update", "")
    try:
        tree = parseQuery(text)
    except (ParseException, RecursionError, ValueError, TypeError) as error:
        if lexed.uses_service:  # unparsable and SERVICE by the lexer: refused as SERVICE
            return Verdict(lexed.form, lexed.has_dataset, "service", SERVICE_REFUSED)
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return Verdict(lexed.form, lexed.has_dataset, "syntax", message)
    query = tree[-1]
    form = _FORMS.get(getattr(query, "name", ""), lexed.form)
    has_dataset = isinstance(query, dict) and bool(dict.get(query, "datasetClause"))
    if calls_service(tree) or lexed.uses_service:
        return Verdict(form, has_dataset, "service", SERVICE_REFUSED)
    return Verdict(form, has_dataset)


class VerdictCache:
    """A bounded memory of :func:`analyse`'s verdicts, most recently used kept.

    rdflib's parse takes 2-5 ms for a dashboard query (most of a cheap query's cost), and a
    verdict depends on the query text alone (and the nesting limit, fixed per cache), so a
    query text seen before is not parsed again. Entries are keyed by a 256-bit BLAKE2b
    digest of the text: the memory used is bounded by ``size`` whatever the queries' length,
    and no two texts share a verdict short of a hash collision.

    Parameters
    ----------
    max_nesting
        The nesting limit every verdict is taken with.
    size
        How many verdicts are kept (0: none, every query is parsed).

    Examples
    --------
    >>> cache = VerdictCache(max_nesting=100, size=2)
    >>> cache.analyse("ASK { ?s ?p ?o }").form, cache.misses
    ('ASK', 1)
    >>> cache.analyse("ASK { ?s ?p ?o }").form, cache.misses, cache.hits
    ('ASK', 1, 1)
    """

    def __init__(self, *, max_nesting: int, size: int = 4096) -> None:
        self.max_nesting = max_nesting
        self.size = size
        self.hits = 0
        self.misses = 0
        self._verdicts: OrderedDict[bytes, Verdict] = OrderedDict()

    def analyse(self, text: str) -> Verdict:
        """:func:`analyse` ``text``, or the verdict it had the last time it was seen.

        Parameters
        ----------
        text
            The query text.

        Returns
        -------
        Verdict
            What the query is and whether it may run.
        """
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).digest()
        verdict = self._verdicts.get(key)
        if verdict is not None:
            self._verdicts.move_to_end(key)
            self.hits += 1
            return verdict
        self.misses += 1
        verdict = analyse(text, max_nesting=self.max_nesting)
        if self.size > 0:
            self._verdicts[key] = verdict
            if len(self._verdicts) > self.size:
                self._verdicts.popitem(last=False)
        return verdict

    def __len__(self) -> int:
        return len(self._verdicts)

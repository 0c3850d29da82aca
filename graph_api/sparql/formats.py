"""The result formats of the SPARQL endpoint, and content negotiation over them.

A query's results are serialised by pyoxigraph itself in the format the client's
``Accept`` header prefers: SPARQL results (JSON, XML, CSV, TSV) for ``SELECT`` and
``ASK``; RDF (Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads, TriG, N3) for ``CONSTRUCT``
and ``DESCRIBE``.

Examples
--------
>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_FORMATS).name
'xml'
>>> negotiate(None, GRAPH_FORMATS).name
'turtle'
>>> negotiate("image/png", RESULT_FORMATS) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class ResultFormat:
    """One format a query's results can be sent in.

    Attributes
    ----------
    name
        Short name, also what the worker process is told to use.
    content_type
        The ``Content-Type`` of the response.
    media_types
        The media types (in ``Accept``) that select this format; the first is the
        registered one, the others are common aliases.
    pyoxigraph
        The pyoxigraph format that serialises it.
    """

    name: str
    content_type: str
    media_types: tuple[str, ...]
    pyoxigraph: QueryResultsFormat | RdfFormat


RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
        QueryResultsFormat.JSON,
    ),
    ResultFormat(
        "xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        QueryResultsFormat.XML,
    ),
    ResultFormat("csv", "text/csv; charset=utf-8", ("text/csv",), QueryResultsFormat.CSV),
    ResultFormat(
        "tsv",
        "text/tab-separated-values; charset=utf-8",
        ("text/tab-separated-values",),
        QueryResultsFormat.TSV,
    ),
)
"""Formats for ``SELECT`` and ``ASK`` results, in the server's order of preference."""

GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "turtle", "text/turtle; charset=utf-8", ("text/turtle", "application/x-turtle"),
        RdfFormat.TURTLE,
    ),
    ResultFormat(
        "ntriples",
        "application/n-triples",
        ("application/n-triples", "text/plain"),
        RdfFormat.N_TRIPLES,
    ),
    ResultFormat(
        "jsonld", "application/ld+json", ("application/ld+json", "application/json"),
        RdfFormat.JSON_LD,
    ),
    ResultFormat(
        "rdfxml",
        "application/rdf+xml",
        ("application/rdf+xml", "application/xml", "text/xml"),
        RdfFormat.RDF_XML,
    ),
    ResultFormat("nquads", "application/n-quads", ("application/n-quads",), RdfFormat.N_QUADS),
    ResultFormat("trig", "application/trig", ("application/trig",), RdfFormat.TRIG),
    ResultFormat("n3", "text/n3; charset=utf-8", ("text/n3",), RdfFormat.N3),
)
"""Formats for ``CONSTRUCT`` and ``DESCRIBE`` results, in the server's order of preference."""

FORMATS_BY_NAME: dict[str, ResultFormat] = {f.name: f for f in RESULT_FORMATS + GRAPH_FORMATS}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header: ``type/subtype;q=...``, at ``position``."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 2 exact, 1 ``type/*``,
        0 ``*/*``, -1 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header (``*/*`` when it is missing or empty).

    Entries that cannot be parsed (no ``/``, a malformed ``q``) are ignored.
    """
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        main, slash, sub = media_type.lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        try:
            for param in params:
                key, _, value = param.partition("=")
                if key.strip().lower() == "q":
                    q = min(max(float(value.strip()), 0.0), 1.0)
        except ValueError:
            continue
        ranges.append(MediaRange(main, sub, q, position))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int, int]:
    """How acceptable ``media_type`` is: its q (from the most specific matching range),
    that range's specificity, and minus its position; q is 0 when nothing matches."""
    best: MediaRange | None = None
    best_specificity = -1
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity > best_specificity:
            best, best_specificity = media_range, specificity
    if best is None:
        return (0.0, -1, 0)
    return (best.q, best_specificity, -best.position)


def negotiate(
    header: str | None, formats: Sequence[ResultFormat]
) -> ResultFormat | None:
    """The format of ``formats`` the ``Accept`` header prefers, or None if none is acceptable.

    The highest q wins; on a tie, the more specific match, then the media type the client
    listed first, then the server's order (``formats`` is ordered by preference). Wildcards
    (``*/*``, ``text/*``) match a format's registered media type only, not its aliases.
    """
    ranges = parse_accept(header)
    best: ResultFormat | None = None
    best_key: tuple[float, int, int] = (0.0, -1, 0)
    for fmt in formats:
        registered, *aliases = fmt.media_types
        keys = [quality(ranges, registered)]
        # an alias (application/json, text/plain, ...) counts only when named exactly
        keys += [k for k in (quality(ranges, alias) for alias in aliases) if k[1] == 2]
        key = max(keys)
        if key[0] > 0 and key > best_key:
            best, best_key = fmt, key
    return best


def accepts_html(header: str | None) -> bool:
    """Whether the client explicitly accepts HTML (a browser), not merely ``*/*``."""
    ranges = parse_accept(header)
    for media_type in ("text/html", "application/xhtml+xml"):
        q, specificity, _ = quality(ranges, media_type)
        if q > 0 and specificity == 2:
            return True
    return False

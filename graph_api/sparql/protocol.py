"""The SPARQL 1.1 Protocol: reading a query operation from an HTTP request, and its errors.

Three ways to send a query (SPARQL 1.1 Protocol, section 2.1): ``GET`` with ``?query=``;
``POST`` with an ``application/x-www-form-urlencoded`` body holding ``query=``; ``POST``
with the query itself as an ``application/sparql-query`` body. ``default-graph-uri`` and
``named-graph-uri`` (repeatable, in the URL or the form) give the dataset.

This endpoint is read-only: any SPARQL Update (an ``update`` parameter, an
``application/sparql-update`` body, or an update sent as a query) is refused with 403.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from pyoxigraph import NamedNode

READ_ONLY = (
    "This SPARQL endpoint is read-only: SPARQL Update is not accepted. The knowledge graph "
    "changes only through the loaders (`smekg load` for the bundled data, "
    "`smekg load-file` for your own files)."
)

_UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    """A request the endpoint answers with an error status and a plain-text message.

    Parameters
    ----------
    status
        The HTTP status code.
    message
        What went wrong and what to do about it (sent as the response body).
    headers
        Extra response headers (e.g. ``Allow``, ``Retry-After``).
    """

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Operation:
    """A query operation read from a request."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def has_protocol_dataset(self) -> bool:
        """Whether the request names a dataset (which then replaces the query's own)."""
        return bool(self.default_graphs or self.named_graphs)


def _refuse_updates(params: Sequence[tuple[str, str]]) -> None:
    if any(name in _UPDATE_PARAMETERS for name, _ in params):
        raise ProtocolError(403, READ_ONLY)


def _values(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _graph_iris(params: Sequence[tuple[str, str]], name: str) -> tuple[str, ...]:
    iris = _values(params, name)
    for iri in iris:
        try:
            NamedNode(iri)
        except ValueError as error:
            raise ProtocolError(400, f"{name} is not a valid IRI: {iri!r} ({error})") from None
    return tuple(iris)


def operation_from_params(params: Sequence[tuple[str, str]]) -> Operation:
    """The query operation in ``params`` (URL and form parameters, in order).

    Raises
    ------
    ProtocolError
        403 for an update, 400 for no query or more than one.
    """
    _refuse_updates(params)
    queries = _values(params, "query")
    if not queries:
        raise ProtocolError(
            400,
            "No query given. Send a SPARQL query as the `query` parameter (GET /sparql?query=... "
            f"or a POST with Content-Type {FORM}), or POST it as the body with Content-Type "
            f"{DIRECT}.",
        )
    if len(queries) > 1:
        raise ProtocolError(
            400, f"{len(queries)} `query` parameters given; the SPARQL protocol allows one."
        )
    return Operation(
        queries[0],
        _graph_iris(params, "default-graph-uri"),
        _graph_iris(params, "named-graph-uri"),
    )


def parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """The media type (lower case) and parameters of a ``Content-Type`` header."""
    if not header:
        return "", {}
    media_type, *params = (part.strip() for part in header.split(";"))
    parameters = {}
    for param in params:
        key, _, value = param.partition("=")
        parameters[key.strip().lower()] = value.strip().strip('"')
    return media_type.lower(), parameters


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"The {what} is not valid UTF-8: {error}.") from None


def operation_from_post(
    content_type: str | None, body: bytes, url_params: Sequence[tuple[str, str]]
) -> Operation:
    """The query operation of a POST request.

    Parameters
    ----------
    content_type
        The request's ``Content-Type`` header.
    body
        The request body.
    url_params
        The parameters in the request URL (they may carry ``default-graph-uri`` etc.).

    Raises
    ------
    ProtocolError
        403 for an update, 415 for a missing or unsupported content type or a charset
        other than UTF-8, 400 for a malformed body, no query or more than one.
    """
    media_type, parameters = parse_content_type(content_type)
    charset = parameters.get("charset", "utf-8").lower()
    if media_type == UPDATE:
        raise ProtocolError(403, READ_ONLY)
    if media_type not in (FORM, DIRECT):
        given = f"Content-Type {media_type}" if media_type else "no Content-Type"
        raise ProtocolError(
            415,
            f"A POST to the SPARQL endpoint was sent with {given}. Send the query either as "
            f"form data (Content-Type {FORM}, `query=...`) or as the body "
            f"(Content-Type {DIRECT}).",
        )
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(
            415, f"The body is declared as charset={charset}; only UTF-8 is accepted."
        )
    if media_type == FORM:
        text = _utf8(body, "form body")
        try:
            form = parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"The form body is not valid UTF-8: {error}.") from None
        return operation_from_params([*url_params, *form])
    _refuse_updates(url_params)
    if _values(url_params, "query"):
        raise ProtocolError(
            400,
            f"A query was given both in the URL and as the {DIRECT} body; "
            "the SPARQL protocol allows one.",
        )
    params = [*url_params, ("query", _utf8(body, "query"))]
    return operation_from_params(params)

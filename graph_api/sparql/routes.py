"""The ``/sparql`` routes: SPARQL 1.1 Protocol query operations and the query editor page.

Status codes
------------
200
    The results, in the format the ``Accept`` header prefers.
400
    No query, more than one, a malformed body, an invalid graph IRI, a SPARQL syntax
    error (with the parser's message), or brackets nested deeper than
    ``SMEKG_SPARQL_MAX_NESTING``.
403
    A SPARQL Update (refused: the store changes only through the loaders) or a federated
    query (``SERVICE``, refused so the endpoint cannot be made to call other hosts): both
    decided from a parse of the query, in the worker process, before it runs.
405
    A method other than GET or POST (``Allow: GET, POST``).
406
    The ``Accept`` header admits no format for this kind of query.
413
    A POST body larger than ``SMEKG_SPARQL_MAX_QUERY_BYTES`` (by its ``Content-Length``, or
    counted while it is read), refused before it is read whole.
414
    A GET query string larger than ``SMEKG_SPARQL_MAX_QUERY_BYTES``.
415
    A POST whose ``Content-Type`` is neither a form nor ``application/sparql-query``, or
    whose charset is not UTF-8.
422
    The result is larger than ``SMEKG_SPARQL_MAX_RESULT_BYTES`` (the query was stopped):
    the request is well-formed but asks for more than the endpoint sends.
429
    The client already has ``SMEKG_SPARQL_CLIENT_CONCURRENCY`` queries in flight (with
    ``Retry-After``).
500
    The query failed while it was evaluated, or its worker process died.
503
    The query ran longer than ``SMEKG_SPARQL_TIMEOUT`` (its worker was killed), or longer
    than ``SMEKG_SPARQL_FAST_LANE_TIMEOUT`` on the fast lane (every other worker busy), all
    workers stayed busy that long (with ``Retry-After``), or the store cannot be opened.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from smekg.graph_api.sparql import worker
from smekg.graph_api.sparql.admission import ClientLimits, TooManyQueries
from smekg.graph_api.sparql.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    ResultFormat,
    accepts_html,
    negotiate,
)
from smekg.graph_api.sparql.lexer import scan
from smekg.graph_api.sparql.pool import (
    FastLaneTimeout,
    PoolBusy,
    QueryPool,
    QueryTimeout,
    WorkerDied,
    WorkerFailed,
)
from smekg.graph_api.sparql.protocol import (
    DIRECT,
    FORM,
    READ_ONLY,
    Operation,
    ProtocolError,
    operation_from_params,
    operation_from_post,
)
from smekg.graph_api.sparql.remote import RemoteQueries
from smekg.graph_api.sparql.ui import STATIC_DIR, human_bytes, render_page

router = APIRouter(tags=["sparql"])
router.mount("/sparql/yasgui", StaticFiles(directory=STATIC_DIR), name="yasgui")

EXAMPLE_QUERY = "SELECT ?network ?name WHERE { ?network a smekg:Network ; skos:prefLabel ?name }"
INSME = "https://w3id.org/smekg/id/organisation/insme"

_DESCRIPTION = """
A read-only [SPARQL 1.1 Protocol](https://www.w3.org/TR/sparql11-protocol/) endpoint over
the whole knowledge graph: `SELECT`, `ASK`, `CONSTRUCT` and `DESCRIBE`.

* **Dataset**: with no `default-graph-uri`/`named-graph-uri` and no `FROM` in the query, the
  default graph is the union of all source graphs; every source is also a named graph
  (`SELECT DISTINCT ?g WHERE { GRAPH ?g {} }` lists them).
* **Prefixes**: the project's prefixes (`smekg:`, `org:`, `skos:`, `schema:`, `cv:`,
  `dcterms:`, `prov:`, `nuts:`, `nace21:`, ...) are predefined; queries may omit them.
* **Formats** (by `Accept`): SPARQL results as JSON (default), XML, CSV or TSV; graphs as
  Turtle (default), N-Triples, JSON-LD, RDF/XML, N-Quads, TriG or N3. 406 if none fits.
* **Limits**: a query is stopped after `SMEKG_SPARQL_TIMEOUT` seconds (503) and a result
  larger than `SMEKG_SPARQL_MAX_RESULT_BYTES` is stopped (422); a query larger than
  `SMEKG_SPARQL_MAX_QUERY_BYTES` (413/414) or nested deeper than `SMEKG_SPARQL_MAX_NESTING`
  (400) is refused; one client may have `SMEKG_SPARQL_CLIENT_CONCURRENCY` queries in flight
  (429 with `Retry-After`). Updates and `SERVICE` (403) are not accepted: the graph changes
  only through the loaders (`smekg load`), and the endpoint calls no other host.
* In a browser, `GET /sparql` without a query opens a query editor (YASGUI).
"""

_GRAPH_PARAMS_SCHEMA = {"type": "array", "items": {"type": "string", "format": "uri"}}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The query results, in the format negotiated from `Accept`.",
        "content": {
            "application/sparql-results+json": {
                "example": {
                    "head": {"vars": ["network", "name"]},
                    "results": {"bindings": [{
                        "network": {"type": "uri", "value": INSME},
                        "name": {
                            "type": "literal",
                            "xml:lang": "en",
                            "value": "International Network for Small and Medium-sized "
                            "Enterprises",
                        },
                    }]},
                }
            },
            **{f.media_types[0]: {} for f in RESULT_FORMATS[1:]},
            "text/turtle": {
                "example": f"<{INSME}> a smekg:Network ; skos:prefLabel \"...\"@en ."
            },
            **{f.media_types[0]: {} for f in GRAPH_FORMATS[1:]},
            "text/html": {"example": "<!doctype html>... (the query editor)"},
        },
    },
    400: {"description": "No query, several, a syntax error (the parser's message), or "
          "nesting deeper than SMEKG_SPARQL_MAX_NESTING."},
    403: {"description": "A SPARQL Update or a SERVICE call: this endpoint is read-only."},
    406: {"description": "No acceptable result format for this kind of query."},
    413: {"description": "The POST body exceeds SMEKG_SPARQL_MAX_QUERY_BYTES."},
    414: {"description": "The GET query string exceeds SMEKG_SPARQL_MAX_QUERY_BYTES."},
    415: {"description": "POST with an unsupported Content-Type or charset."},
    422: {"description": "The result exceeds SMEKG_SPARQL_MAX_RESULT_BYTES."},
    429: {"description": "The client has SMEKG_SPARQL_CLIENT_CONCURRENCY queries in flight."},
    503: {"description": "The query exceeded SMEKG_SPARQL_TIMEOUT (or the fast lane's limit), "
          "or no worker was free."},
}

_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["query"],
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": _GRAPH_PARAMS_SCHEMA,
                        "named-graph-uri": _GRAPH_PARAMS_SCHEMA,
                    },
                },
                "example": {"query": EXAMPLE_QUERY},
            },
            DIRECT: {"schema": {"type": "string"}, "example": EXAMPLE_QUERY},
        },
    }
}

DefaultGraphs = Annotated[
    list[str] | None,
    Query(
        alias="default-graph-uri",
        description="A graph to merge into the default graph (repeatable); replaces FROM.",
    ),
]
NamedGraphs = Annotated[
    list[str] | None,
    Query(
        alias="named-graph-uri",
        description="A named graph the query may use (repeatable); replaces FROM NAMED.",
    ),
]


def _pool(request: Request) -> QueryPool | RemoteQueries:
    pool: QueryPool | RemoteQueries = request.app.state.sparql_pool
    return pool


def _not_acceptable(accept: str | None, graph: bool) -> ProtocolError:
    formats = GRAPH_FORMATS if graph else RESULT_FORMATS
    kind = "CONSTRUCT/DESCRIBE (RDF graph)" if graph else "SELECT/ASK (SPARQL results)"
    offered = ", ".join(f.media_types[0] for f in formats)
    return ProtocolError(
        406,
        f"No acceptable format for {kind} results: the request accepts {accept!r}; "
        f"this endpoint offers {offered}.",
    )


_GUESS_CHARS = 4096
"""The form is guessed from this much of the query, for a 406 message only."""


class _StoppedOnFastLane(ProtocolError):
    """503: the query was stopped on the fast lane (its client is kept off it a while)."""


def _limits(request: Request) -> ClientLimits:
    limits: ClientLimits | None = getattr(request.app.state, "sparql_limits", None)
    if limits is None:
        settings = request.app.state.settings
        limits = ClientLimits(settings.sparql_client_concurrency, settings.sparql_timeout,
                              settings.sparql_client_header)
        request.app.state.sparql_limits = limits
    return limits


def _max_query_bytes(request: Request) -> int:
    limit: int = request.app.state.settings.sparql_max_query_bytes
    return limit


def _too_large(status: int, what: str, size: int | None, limit: int) -> ProtocolError:
    given = f" ({size} bytes)" if size is not None else ""
    return ProtocolError(
        status,
        f"The {what}{given} is larger than {limit} bytes, the largest query this endpoint "
        "reads (setting SMEKG_SPARQL_MAX_QUERY_BYTES).",
    )


async def _body(request: Request) -> bytes:
    """The request body, refused (413) past the size limit: by its Content-Length before
    anything is read, and counted while it is read (a chunked body has no length)."""
    limit = _max_query_bytes(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(413, "request body", int(declared), limit)
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise _too_large(413, "request body", None, limit)
    return bytes(chunks)


_MEMO_ENTRIES = 256
"""Entries of each per-process memo below (cleared when full: they are only shortcuts)."""

_MEMO_KEY_CHARS = 1024
"""Longer Accept headers are negotiated every time, not remembered."""

_NEGOTIATED: dict[str | None, tuple[ResultFormat | None, ResultFormat | None]] = {}
_BASE_IRIS: dict[tuple[Any, ...], str] = {}


def _negotiated(accept: str | None) -> tuple[ResultFormat | None, ResultFormat | None]:
    """The results format and the graph format ``accept`` prefers (each None if none fits),
    remembered per header: clients send the same few ``Accept`` headers again and again."""
    formats = _NEGOTIATED.get(accept)
    if formats is None:
        formats = (negotiate(accept, RESULT_FORMATS), negotiate(accept, GRAPH_FORMATS))
        if accept is None or len(accept) <= _MEMO_KEY_CHARS:
            if len(_NEGOTIATED) >= _MEMO_ENTRIES:
                _NEGOTIATED.clear()
            _NEGOTIATED[accept] = formats
    return formats


def _base_iri(request: Request) -> str:
    """The request's URL without its query string (the base IRI of the query), remembered
    per scheme, server, host and path."""
    scope = request.scope
    host = request.headers.get("host")
    server = scope.get("server")
    key = (scope.get("scheme"), None if server is None else tuple(server),
           scope.get("root_path"), scope["path"], host)
    base = _BASE_IRIS.get(key)
    if base is None:
        base = str(request.url.replace(query="", fragment="")).rstrip("?")
        if host is None or len(host) <= _MEMO_KEY_CHARS:
            if len(_BASE_IRIS) >= _MEMO_ENTRIES:
                _BASE_IRIS.clear()
            _BASE_IRIS[key] = base
    return base


def _job(request: Request, operation: Operation) -> worker.Job:
    # SERVICE, updates and nesting are checked by the worker, from a parse of the query
    if not operation.query.strip():
        raise ProtocolError(400, "The query is empty.")
    accept = request.headers.get("accept")
    results_format, graph_format = _negotiated(accept)
    if results_format is None and graph_format is None:
        guess = scan(operation.query[:_GUESS_CHARS])
        if guess.is_update:
            raise ProtocolError(403, READ_ONLY)
        raise _not_acceptable(accept, guess.returns_graph is True)
    protocol_dataset = operation.has_protocol_dataset
    return worker.Job(
        query=operation.query,
        base_iri=_base_iri(request),
        union=not protocol_dataset,
        default_graphs=operation.default_graphs if protocol_dataset else None,
        named_graphs=operation.named_graphs if protocol_dataset else None,
        results_format=results_format.name if results_format else None,
        graph_format=graph_format.name if graph_format else None,
    )


async def _answer(request: Request, job: worker.Job) -> Response:
    limits = _limits(request)
    client = limits.client(request)
    fast_lane = limits.may_use_fast_lane(client)
    try:
        with limits.admit(client):
            try:
                return await _run(request, job, fast_lane)
            except ProtocolError as error:
                if isinstance(error, _StoppedOnFastLane):
                    limits.stopped_on_fast_lane(client)
                raise
    except TooManyQueries as error:
        raise ProtocolError(
            429,
            f"This client already has {error.limit} SPARQL queries running or waiting, the "
            "most one client may have (setting SMEKG_SPARQL_CLIENT_CONCURRENCY). Wait for "
            "one to finish, then send the next.",
            {"Retry-After": str(error.retry_after)},
        ) from None


async def _run(request: Request, job: worker.Job, fast_lane: bool = True) -> Response:
    pool = _pool(request)
    if isinstance(pool, RemoteQueries):  # SMEKG_BACKEND=sparql: the remote store answers
        refusal = await pool.check(job)
        if refusal is None:
            return await pool.answer(job)
        return _refused(request, refusal)
    try:
        reply = await pool.execute(job, fast_lane)
    except FastLaneTimeout:
        raise _StoppedOnFastLane(
            503,
            f"All other query workers are busy, so this query ran on the fast lane, which "
            f"stops a query after {pool.fast_lane_timeout:g} s (setting "
            "SMEKG_SPARQL_FAST_LANE_TIMEOUT). Send it again later: for the next "
            f"{pool.timeout:g} s this client's queries wait for a regular worker.",
            {"Retry-After": str(max(1, round(pool.fast_lane_timeout)))},
        ) from None
    except QueryTimeout:
        raise ProtocolError(
            503,
            f"The query was stopped after {pool.timeout:g} s, the time limit of this endpoint "
            "(setting SMEKG_SPARQL_TIMEOUT). Make it more selective (more specific "
            "patterns, a LIMIT) or raise the limit.",
        ) from None
    except PoolBusy:
        raise ProtocolError(
            503,
            f"All {pool.size} query workers stayed busy for {pool.timeout:g} s "
            "(settings SMEKG_SPARQL_WORKERS, SMEKG_SPARQL_TIMEOUT). Try again shortly.",
            {"Retry-After": str(max(1, round(pool.timeout)))},
        ) from None
    except WorkerDied as error:
        raise ProtocolError(500, str(error)) from None
    except WorkerFailed as error:
        raise ProtocolError(503, f"The SPARQL endpoint is not available: {error}") from None
    if reply[0] == worker.OK:
        return Response(reply[2], media_type=reply[1], headers={"Vary": "Accept"})
    return _refused(request, reply, pool.max_result_bytes)


def _refused(request: Request, reply: tuple[Any, ...], max_result_bytes: int = 0) -> Response:
    """Raise the error for a reply tuple other than OK (a worker's, or the remote check's)."""
    kind = reply[0]
    if kind == worker.SYNTAX:
        raise ProtocolError(400, f"SPARQL syntax error: {reply[1]}")
    if kind == worker.REFUSED:
        raise ProtocolError(reply[1], reply[2])
    if kind == worker.NOT_ACCEPTABLE:
        raise _not_acceptable(request.headers.get("accept"), reply[1] == "graph")
    if kind == worker.TOO_LARGE:
        raise ProtocolError(
            422,
            f"The result is larger than {human_bytes(max_result_bytes)}, the most this "
            "endpoint sends (setting SMEKG_SPARQL_MAX_RESULT_BYTES); the query was stopped. "
            "Add a LIMIT (and OFFSET to page through the results), select fewer variables, "
            "or raise the limit.",
        )
    raise ProtocolError(500, f"The query failed: {reply[1]}")


def _error(error: ProtocolError) -> PlainTextResponse:
    return PlainTextResponse(error.message + "\n", error.status, headers=error.headers)


def _editor(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    page = render_page(
        endpoint=request.url.path,
        js=request.url_for("yasgui", path="yasgui.min.js").path,
        css=request.url_for("yasgui", path="yasgui.min.css").path,
        prefixes=_pool(request).prefixes,
        timeout=settings.sparql_timeout,
        max_result_bytes=settings.sparql_max_result_bytes,
    )
    return HTMLResponse(page)


@router.get(
    "/sparql",
    name="sparql_get",
    summary="SPARQL query (GET)",
    description=_DESCRIPTION,
    responses=_RESPONSES,
    response_class=Response,
)
@router.get("/sparql/", include_in_schema=False, response_class=Response)
async def sparql_get(
    request: Request,
    query: Annotated[
        str | None,
        Query(description="The SPARQL query.", examples=[EXAMPLE_QUERY]),
    ] = None,
    default_graph_uri: DefaultGraphs = None,
    named_graph_uri: NamedGraphs = None,
) -> Response:
    """Run a SPARQL query given in the URL; without one, a browser gets the query editor."""
    response = await answer_get(request)
    return _editor(request) if response is None else response


async def answer_get(request: Request) -> Response | None:
    """The response to a GET query request; None when it asks for the query editor (no
    parameters, and a browser's ``Accept``).

    Parameters
    ----------
    request
        A GET request to ``/sparql``.

    Returns
    -------
    Response or None
        The results, or the error (4xx/5xx as plain text); None for the editor.
    """
    limit = _max_query_bytes(request)
    raw = request.scope.get("query_string", b"")
    if len(raw) > limit:
        return _error(_too_large(414, "query string", len(raw), limit))
    params = request.query_params.multi_items()
    if not params and accepts_html(request.headers.get("accept")):
        return None
    try:
        return await _answer(request, _job(request, operation_from_params(params)))
    except ProtocolError as error:
        return _error(error)


@router.post(
    "/sparql",
    name="sparql_post",
    summary="SPARQL query (POST)",
    description=_DESCRIPTION,
    responses=_RESPONSES,
    response_class=Response,
    openapi_extra=_POST_BODY,
)
@router.post("/sparql/", include_in_schema=False, response_class=Response)
async def sparql_post(request: Request) -> Response:
    """Run a SPARQL query sent as form data (`query=`) or as an application/sparql-query body."""
    return await answer_post(request)


async def answer_post(request: Request) -> Response:
    """The response to a POST query request (form data or an ``application/sparql-query``
    body).

    Parameters
    ----------
    request
        A POST request to ``/sparql``.

    Returns
    -------
    Response
        The results, or the error (4xx/5xx as plain text).
    """
    try:
        limit = _max_query_bytes(request)
        raw = request.scope.get("query_string", b"")
        if len(raw) > limit:
            raise _too_large(414, "query string", len(raw), limit)
        operation = operation_from_post(
            request.headers.get("content-type"),
            await _body(request),
            request.query_params.multi_items(),
        )
        return await _answer(request, _job(request, operation))
    except ProtocolError as error:
        return _error(error)


@router.api_route(
    "/sparql", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False
)
@router.api_route(
    "/sparql/", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False
)
async def sparql_other_methods(request: Request) -> Response:
    """Answer methods other than GET and POST (405; OPTIONS lists the allowed ones)."""
    allow = {"Allow": "GET, POST, OPTIONS"}
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=allow)
    return _error(ProtocolError(
        405,
        f"{request.method} is not supported: send a SPARQL query with GET or POST. "
        "The endpoint is read-only (graph store updates go through `smekg load`).",
        allow,
    ))


_QUERY_PATHS = frozenset({"/sparql", "/sparql/"})


class SparqlShortcut:
    """ASGI middleware that answers ``GET``/``POST /sparql`` queries straight away.

    Routing a request through the application's router (every route of the API is tried
    in turn) and FastAPI's request handling cost about twice what answering a cheap query
    costs the server (measured: ~0.19 ms of ~0.29 ms of API time per request, without the
    query). This middleware answers a query request with the same code as the routes
    (:func:`answer_get`, :func:`answer_post`: the same limits, checks and errors) without
    them; everything else (the query editor, other methods, ``/sparql/yasgui``, other
    paths) goes on to the application. Installed innermost (added first), it runs inside
    the application's other middleware (CORS, error handling) as the routes do.

    Parameters
    ----------
    app
        The ASGI application it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a query request, or hand the request on to the application."""
        if scope["type"] == "http" and _route_path(scope) in _QUERY_PATHS:
            method = scope["method"]
            response: Response | None = None
            if method == "GET" and scope.get("query_string"):
                response = await answer_get(Request(scope, receive))
            elif method == "POST":
                response = await answer_post(Request(scope, receive))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The request's path below the application's root path (as the router matches it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root):]
    return path

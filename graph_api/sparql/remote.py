"""``/sparql`` on a remote store: queries forwarded to it (``SMEKG_BACKEND=sparql``).

With the remote backend there is no local store for the worker pool to read, so the
endpoint forwards each query to the store's query URL (SPARQL 1.1 Protocol, POST form)
and relays the answer. Everything the endpoint promises still holds, because the
request is checked before it is forwarded: the query is parsed (:mod:`.analysis`, in a
separate process, off the event loop) and updates, ``SERVICE`` and too deep nesting are
refused, as is a query the parser cannot read (the forwarder only ever talks to the query
URL); the format is negotiated from ``Accept``, the project's prefixes are predeclared,
the base IRI is the endpoint's URL, and a protocol dataset is passed on.

Limits
    ``SMEKG_SPARQL_TIMEOUT`` bounds the whole exchange: no answer by then is a 503, and a
    reply still streaming then is cut off. The store's own work can only be stopped by
    the store (``oxigraph serve --timeout-s``, Fuseki's ``arq:queryTimeout``); closing the
    connection is all smekg can do. ``SMEKG_SPARQL_MAX_RESULT_BYTES`` caps the reply: the
    first :data:`INLINE_REPLY_BYTES` are buffered, so a small cap or a reply that is over
    it early gives a 422 as on the embedded store; a larger reply is streamed to the client
    as it arrives and is cut off at the cap (the client sees a truncated response).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import anyio
import httpx
from fastapi.responses import Response, StreamingResponse
from pyoxigraph import NamedNode

from smekg import __version__
from smekg.core.settings import Settings
from smekg.graph_api.sparql.analysis import Verdict, VerdictCache
from smekg.graph_api.sparql.formats import FORMATS_BY_NAME
from smekg.graph_api.sparql.protocol import ProtocolError
from smekg.graph_api.sparql.sandbox import run_deep
from smekg.graph_api.sparql.ui import human_bytes
from smekg.graph_api.sparql.worker import Job, refusal_reply
from smekg.ontology import PREFIXES

log = logging.getLogger(__name__)

INLINE_REPLY_BYTES = 1 << 20
"""Replies up to this size are buffered (and checked against the cap) before they are sent."""

_PASSED_HEADERS = ("content-type", "content-language")


_VERDICTS: dict[int, VerdictCache] = {}
"""The checker process's remembered verdicts, per nesting limit."""


def check_query(text: str, max_nesting: int) -> Verdict:
    """:func:`~.analysis.analyse` with a deep stack (run in the checker process), remembered
    per query text (:class:`~.analysis.VerdictCache`)."""
    verdicts = _VERDICTS.get(max_nesting)
    if verdicts is None:
        verdicts = _VERDICTS[max_nesting] = VerdictCache(max_nesting=max_nesting)
    return run_deep(lambda: verdicts.analyse(text))


class RemoteQueries:
    """Forwards ``/sparql`` queries to a remote store, with the endpoint's limits.

    It stands where the embedded store's :class:`~smekg.graph_api.sparql.pool.QueryPool`
    stands (``app.state.sparql_pool``): ``start``, ``aclose``, ``timeout``,
    ``max_result_bytes`` and ``prefixes``, and :meth:`answer` in place of ``execute``.

    Parameters
    ----------
    query_url
        The remote store's SPARQL query endpoint.
    timeout
        Seconds the whole exchange may take (``SMEKG_SPARQL_TIMEOUT``).
    max_result_bytes
        The largest reply relayed (``SMEKG_SPARQL_MAX_RESULT_BYTES``).
    auth
        ``(user, password)`` for HTTP Basic authentication to the store, or None.
    """

    size = 1  # for messages shared with the pool

    def __init__(self, query_url: str, *, timeout: float, max_result_bytes: int,
                 auth: tuple[str, str] | None = None,
                 prefixes: dict[str, str] | None = None,
                 max_nesting: int = 100, checkers: int = 1) -> None:
        self.query_url = query_url
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.prefixes = dict(PREFIXES) if prefixes is None else prefixes
        self.max_nesting = max_nesting
        self._checkers = checkers
        self._auth = auth
        self._client: httpx.AsyncClient | None = None
        self._checker: ProcessPoolExecutor | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteQueries:
        """The forwarder to the store ``SMEKG_SPARQL_ENDPOINT`` names."""
        from smekg.core.connect import open_sparql_endpoint

        endpoint = open_sparql_endpoint(settings)  # checks the settings
        endpoint.close()
        password = settings.sparql_password
        auth = ((settings.sparql_user, password.get_secret_value() if password else "")
                if settings.sparql_user is not None else None)
        return cls(endpoint.query_url, timeout=settings.sparql_timeout,
                   max_result_bytes=settings.sparql_max_result_bytes, auth=auth,
                   max_nesting=settings.sparql_max_nesting,
                   checkers=settings.sparql_workers)

    def start(self) -> None:
        """Open the pooled, keep-alive HTTP client and the query checker processes."""
        self._client = httpx.AsyncClient(
            auth=self._auth, timeout=self.timeout, follow_redirects=True,
            headers={"User-Agent": f"smekg/{__version__}"})
        self._checker = ProcessPoolExecutor(
            self._checkers, mp_context=multiprocessing.get_context("spawn"))

    async def aclose(self) -> None:
        """Close the HTTP client and the checker processes."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._checker is not None:
            self._checker.shutdown(wait=False, cancel_futures=True)
            self._checker = None

    async def check(self, job: Job) -> tuple[Any, ...] | None:
        """Parse the query in a checker process (off the event loop): None if it may be
        forwarded, else the refusal, as a worker's reply tuple (see :mod:`.worker`)."""
        if self._checker is None:
            raise ProtocolError(503, "The SPARQL endpoint is not started.")
        future = self._checker.submit(check_query, job.query, self.max_nesting)
        try:
            with anyio.fail_after(self.timeout):
                verdict = await asyncio.wrap_future(future)
        except TimeoutError:
            raise self._timed_out() from None
        return refusal_reply(verdict, job)

    def _text(self, job: Job) -> str:
        # one line, so the store's error messages give the line numbers of the client's text
        prologue = "".join(f"PREFIX {prefix}: <{namespace}> "
                           for prefix, namespace in self.prefixes.items())
        if job.base_iri:
            with contextlib.suppress(ValueError):  # not an IRI: the store's own base applies
                prologue = f"BASE {NamedNode(job.base_iri)} " + prologue
        return prologue + job.query

    def _form(self, job: Job) -> dict[str, str | list[str]]:
        form: dict[str, str | list[str]] = {"query": self._text(job)}
        if job.default_graphs:
            form["default-graph-uri"] = list(job.default_graphs)
        if job.named_graphs:
            form["named-graph-uri"] = list(job.named_graphs)
        return form

    @staticmethod
    def _accept(job: Job) -> str:
        names = [name for name in (job.results_format, job.graph_format) if name]
        return ", ".join(FORMATS_BY_NAME[name].media_types[0] for name in names)

    def _timed_out(self) -> ProtocolError:
        return ProtocolError(
            503,
            f"The query was stopped after {self.timeout:g} s, the time limit of this endpoint "
            "(setting SMEKG_SPARQL_TIMEOUT). Make it more selective (more specific "
            "patterns, a LIMIT) or raise the limit.")

    def _too_large(self) -> ProtocolError:
        return ProtocolError(
            422,
            f"The result is larger than {human_bytes(self.max_result_bytes)}, the most this "
            "endpoint sends (setting SMEKG_SPARQL_MAX_RESULT_BYTES); the query was stopped. "
            "Add a LIMIT (and OFFSET to page through the results), select fewer variables, "
            "or raise the limit.")

    async def answer(self, job: Job) -> Response:
        """Forward ``job`` and relay the store's answer (or raise :class:`ProtocolError`)."""
        if self._client is None:
            raise ProtocolError(503, "The SPARQL endpoint is not started.")
        deadline = time.monotonic() + self.timeout
        request = self._client.build_request(
            "POST", self.query_url, data=self._form(job), headers={"Accept": self._accept(job)})
        response: httpx.Response | None = None
        head = bytearray()
        finished = False
        try:
            with anyio.fail_after(self.timeout):
                response = await self._client.send(request, stream=True)
                if response.status_code != 200:
                    raise await self._failure(response)
                chunks = response.aiter_bytes()
                while len(head) <= min(self.max_result_bytes, INLINE_REPLY_BYTES):
                    try:
                        head += await anext(chunks)
                    except StopAsyncIteration:
                        finished = True
                        break
        except (TimeoutError, httpx.TimeoutException):
            await _close(response)
            raise self._timed_out() from None
        except httpx.TransportError as error:
            await _close(response)
            raise ProtocolError(
                503, f"The SPARQL endpoint is not available: the SPARQL store at "
                f"{self.query_url} is unreachable ({error or type(error).__name__}).",
                {"Retry-After": "5"}) from None
        except BaseException:
            await _close(response)
            raise
        headers = {key: response.headers[key] for key in _PASSED_HEADERS
                   if key in response.headers}
        headers["Vary"] = "Accept"
        if len(head) > self.max_result_bytes:
            await _close(response)
            raise self._too_large()
        if finished:
            await _close(response)
            return Response(bytes(head), headers=headers)
        return StreamingResponse(self._rest(response, chunks, bytes(head), deadline),
                                 headers=headers)

    async def _rest(self, response: httpx.Response, chunks: AsyncIterator[bytes], head: bytes,
                    deadline: float) -> AsyncIterator[bytes]:
        """The buffered head, then the rest of the reply as it arrives, within the limits."""
        sent = len(head)
        try:
            yield head
            while True:
                try:
                    with anyio.fail_after(max(deadline - time.monotonic(), 0.0)):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    log.warning("a /sparql reply from %s was cut off after %d bytes (time "
                                "limit)", self.query_url, sent)
                    raise
                sent += len(chunk)
                if sent > self.max_result_bytes:
                    log.warning("a /sparql reply from %s was cut off after %d bytes (size cap)",
                                self.query_url, sent - len(chunk))
                    raise RuntimeError("the reply exceeds SMEKG_SPARQL_MAX_RESULT_BYTES")
                yield chunk
        finally:
            await response.aclose()

    async def _failure(self, response: httpx.Response) -> ProtocolError:
        """The error to answer for a store's non-200 response."""
        message = (await response.aread()).decode("utf-8", "replace").strip()[:2000]
        status = response.status_code
        if status == 400:
            return ProtocolError(400, f"SPARQL syntax error (from the SPARQL store): {message}")
        if status == 406:
            return ProtocolError(406, f"The SPARQL store cannot send the results in the "
                                 f"format asked for: {message}")
        if status in (401, 403):
            return ProtocolError(503, "The SPARQL endpoint is not available: the SPARQL store "
                                 f"refused access ({status}); check SMEKG_SPARQL_USER and "
                                 "SMEKG_SPARQL_PASSWORD.")
        if status in (404, 405):
            return ProtocolError(503, f"The SPARQL endpoint is not available: no SPARQL "
                                 f"endpoint at {self.query_url} ({status}); check "
                                 "SMEKG_SPARQL_ENDPOINT.")
        if status in (502, 503, 504):
            return ProtocolError(503, f"The SPARQL store is not available ({status}): {message}",
                                 {"Retry-After": "5"})
        return ProtocolError(500, f"The query failed (the SPARQL store answered {status}): "
                             f"{message}")


async def _close(response: httpx.Response | None) -> None:
    if response is not None:
        await response.aclose()

"""Per-client limits on ``/sparql``: how many queries one client may have in flight.

A client (by default the connection's remote address; ``SMEKG_SPARQL_CLIENT_HEADER`` names
a header set by a trusted reverse proxy instead) may have ``SMEKG_SPARQL_CLIENT_CONCURRENCY``
queries running or waiting at once. One more is answered at once with 429 and a
``Retry-After`` header: the seconds until the client's oldest query reaches the time limit
(as the Wikidata Query Service answers a client over its limit). Together with the fast
lane (:mod:`.pool`) this keeps one client from making the endpoint wait for everyone.

Examples
--------
>>> limits = ClientLimits(concurrency=1, timeout=30.0)
>>> with limits.admit("10.0.0.1"):
...     try:
...         with limits.admit("10.0.0.1"):
...             pass
...     except TooManyQueries as error:
...         print(error.retry_after)
30
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.requests import Request


class TooManyQueries(Exception):
    """The client already has as many queries in flight as it may."""

    def __init__(self, client: str, limit: int, retry_after: int) -> None:
        super().__init__(client)
        self.client = client
        self.limit = limit
        self.retry_after = retry_after


class ClientLimits:
    """Counts each client's queries in flight (used on the event loop only: no locks).

    Parameters
    ----------
    concurrency
        Queries one client may have running or waiting.
    timeout
        The query time limit (bounds how long a slot stays taken; for ``Retry-After``).
    header
        The request header that names the client, or None for the remote address.
    """

    def __init__(self, concurrency: int, timeout: float, header: str | None = None) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self.header = header.lower() if header else None
        self._started: dict[str, list[float]] = {}
        self._no_fast_lane_until: dict[str, float] = {}

    def may_use_fast_lane(self, client: str) -> bool:
        """Whether ``client`` may use the fast lane: none of its queries was stopped there in
        the last ``timeout`` seconds (so a client sending long queries cannot keep the fast
        lane busy: it gets one try per ``timeout``)."""
        until = self._no_fast_lane_until.get(client)
        if until is not None and until <= time.monotonic():
            del self._no_fast_lane_until[client]
            until = None
        return until is None

    def stopped_on_fast_lane(self, client: str) -> None:
        """Keep ``client`` off the fast lane for ``timeout`` seconds."""
        if len(self._no_fast_lane_until) > 100_000:  # bounded memory
            self._no_fast_lane_until.clear()
        self._no_fast_lane_until[client] = time.monotonic() + self.timeout

    def client(self, request: Request) -> str:
        """The client a request counts against."""
        if self.header is not None:
            value = request.headers.get(self.header)
            if value:
                return value.rsplit(",", 1)[-1].strip()[:256]
        return request.client.host if request.client else "unknown"

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold one of ``client``'s slots for the block (raise :class:`TooManyQueries`)."""
        started = self._started.setdefault(client, [])
        now = time.monotonic()
        if len(started) >= self.concurrency:
            oldest = min(started)
            retry_after = max(1, math.ceil(oldest + self.timeout - now))
            raise TooManyQueries(client, self.concurrency, retry_after)
        started.append(now)
        try:
            yield
        finally:
            started.remove(now)
            if not started:
                del self._started[client]

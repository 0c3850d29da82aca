"""The remote backend: named queries run by any SPARQL 1.1 store over HTTP.

``SMEKG_BACKEND=sparql`` points smekg at a store it reaches by the SPARQL 1.1 Protocol
(Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso, QLever) instead of the embedded
one. :class:`SparqlEndpoint` is the HTTP client of such a store (its query URL, and for
the loaders its update and Graph Store Protocol URLs); :class:`SparqlBackend` runs the
named queries on it and returns the embedded backend's Python values.

Binding parameters
    A query's parameters are bound by rewriting its text with
    :func:`smekg.core.backends.sparql_text.bind`: each occurrence of a parameter variable is
    replaced by the term (serialised by pyoxigraph, never pasted from user text), and a
    trailing ``VALUES`` clause gives the variable its value in the results. This is the
    meaning of pyoxigraph's ``substitutions``, which the embedded backend uses, so both
    give the same rows (see that module for why a plain ``VALUES`` block would not). A
    parameter left out is bound to the sentinel ``smekg:any``, as on the embedded store.

The default graph
    The named queries read the default graph as the union of every source's named graph.
    SPARQL leaves the default graph to the store, so smekg needs the store configured so:
    ``oxigraph serve --union-default-graph``, ``tdb2:unionDefaultGraph true`` on a Fuseki
    TDB2 dataset; GraphDB, Virtuoso and QLever query all graphs by default. Sending the
    whole list of graphs as ``default-graph-uri`` would be portable too, but it makes
    every request name every source and is slow on several engines. Instead, the first
    query checks that a source's provenance triple, which lives in its named graph, is
    visible in the default graph, and raises :class:`BackendUnavailable` saying which
    option to turn on if it is not.

Values
    Results are read as SPARQL JSON by pyoxigraph's own parser and converted by
    :func:`smekg.core.backends.oxigraph.to_python`, so IRIs, literals, numbers, booleans and
    blank nodes (``Iri("_:...")``) come back exactly as from the embedded backend.

Errors
    A store that cannot be reached, refuses the credentials, has no endpoint at the URL,
    or does not answer in time raises :class:`BackendUnavailable` with the URL and what to
    do (the API answers 503). A query the store rejects raises :class:`SparqlError`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)

from smekg import __version__
from smekg.core.backends import BackendUnavailable, Row, Value, sources_version
from smekg.core.backends.oxigraph import ANY, solution_rows, to_term
from smekg.core.backends.sparql_text import Term, bind
from smekg.core.named_queries import NamedQuery
from smekg.ontology import PREFIXES, SMEKG

RESULTS_JSON = "application/sparql-results+json"
SPARQL_PREFIXES = "".join(f"PREFIX {prefix}: <{namespace}>\n"
                          for prefix, namespace in PREFIXES.items())

UNION_HELP = (
    "smekg reads the default graph as the union of all named graphs; configure the store "
    "so: `oxigraph serve --union-default-graph`, `tdb2:unionDefaultGraph true` on the Fuseki "
    "dataset (GraphDB, Virtuoso and QLever do it by default)"
)


class SparqlError(RuntimeError):
    """The store rejected a query or an update (the message is the store's)."""


Auth = tuple[str, str] | httpx.Auth | None


class SparqlEndpoint:
    """A SPARQL 1.1 store reached over HTTP (one pooled, keep-alive ``httpx.Client``).

    Parameters
    ----------
    query_url
        The SPARQL query endpoint (Oxigraph server ``http://host:7878/query``, Fuseki
        ``http://host:3030/ds/query``).
    update_url
        The SPARQL update endpoint, for the loaders (Oxigraph ``/update``, Fuseki
        ``/ds/update``); None if the store is only read.
    store_url
        The Graph Store Protocol endpoint (Oxigraph ``/store``, Fuseki ``/ds/data``); None
        if the store is only read or written by SPARQL Update.
    timeout
        Seconds to wait to connect and between bytes of a response.
    auth
        ``(user, password)`` for HTTP Basic authentication, or any ``httpx.Auth``.
    """

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 store_url: str | None = None, timeout: float = 60.0,
                 auth: Auth = None) -> None:
        for setting, url in (("SMEKG_SPARQL_ENDPOINT", query_url),
                             ("SMEKG_SPARQL_UPDATE_ENDPOINT", update_url),
                             ("SMEKG_SPARQL_STORE_ENDPOINT", store_url)):
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise BackendUnavailable(
                    f"{setting}={url!r} is not an http(s) URL; give the store's endpoint, "
                    "e.g. http://127.0.0.1:7878/query for Oxigraph server")
        self.query_url, self.update_url, self.store_url = query_url, update_url, store_url
        self.timeout = timeout
        self.client = httpx.Client(
            auth=auth, timeout=timeout, follow_redirects=True,
            headers={"User-Agent": f"smekg/{__version__}"})
        self._union_checked = threading.Event()  # set once the check has passed
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SparqlEndpoint({self.query_url!r})"

    # -- reading --------------------------------------------------------------------
    def query(self, text: str, bindings: Mapping[str, Term] | None = None, *,
              union: bool = True, timeout: float | None = None
              ) -> QuerySolutions | QueryBoolean:
        """Run a SELECT or ASK query with the project prefixes and ``bindings`` bound.

        Parameters
        ----------
        text
            The query; the prefixes of :data:`ontology.PREFIXES` are predeclared.
        bindings
            Variable name to term (see :func:`smekg.core.backends.sparql_text.bind`).
        union
            Whether the query reads the default graph, which must then be the union of
            the named graphs (checked once, see the module notes).
        timeout
            Seconds to wait for the store this time (default: the endpoint's ``timeout``).

        Returns
        -------
        QuerySolutions or QueryBoolean
            pyoxigraph's reading of the store's SPARQL JSON results.
        """
        if union:
            self.check_union_default_graph()
        body = SPARQL_PREFIXES + bind(text, bindings or {})
        with self.reachable(self.query_url, "SMEKG_SPARQL_ENDPOINT"):
            response = self.client.post(
                self.query_url, data={"query": body}, headers={"Accept": RESULTS_JSON},
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        self._raise_for_status(response, self.query_url, "SMEKG_SPARQL_ENDPOINT")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type not in (RESULTS_JSON, "application/json"):
            raise BackendUnavailable(
                f"{self.query_url} answered with {media_type or 'no content type'}, not "
                "SPARQL results; is SMEKG_SPARQL_ENDPOINT the store's query endpoint?")
        return parse_query_results(response.content, QueryResultsFormat.JSON)

    def select(self, text: str, bindings: Mapping[str, Term] | None = None, *,
               union: bool = True) -> QuerySolutions:
        """Run a SELECT query (see :meth:`query`)."""
        result = self.query(text, bindings, union=union)
        if not isinstance(result, QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        return result

    def ask(self, text: str, bindings: Mapping[str, Term] | None = None, *,
            union: bool = True) -> bool:
        """Run an ASK query (see :meth:`query`)."""
        result = self.query(text, bindings, union=union)
        if not isinstance(result, QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(result)

    def construct(self, text: str, media_type: str = "application/n-triples") -> bytes:
        """Run a CONSTRUCT or DESCRIBE query; return its RDF in ``media_type``."""
        self.check_union_default_graph()
        with self.reachable(self.query_url, "SMEKG_SPARQL_ENDPOINT"):
            response = self.client.post(self.query_url, data={"query": SPARQL_PREFIXES + text},
                                        headers={"Accept": media_type})
        self._raise_for_status(response, self.query_url, "SMEKG_SPARQL_ENDPOINT")
        return response.content

    def check_union_default_graph(self) -> None:
        """Fail unless the default graph is the union of the named graphs.

        A source's checksum triple lives in its own named graph; it must be visible in
        the default graph too. With no source loaded yet there is nothing to check (it is
        checked again on the next query).

        Raises
        ------
        BackendUnavailable
            The store keeps the default graph separate (the message says what to set).
        """
        if self._union_checked.is_set():
            return
        with self._lock:
            if self._union_checked.is_set():
                return
            sample = list(self.select(
                "SELECT ?graph ?sha256 WHERE { GRAPH ?graph { ?graph smekg:sha256 ?sha256 } } "
                "LIMIT 1", union=False))
            if not sample:
                return
            graph, sha256 = sample[0]["graph"], sample[0]["sha256"]
            if not self.ask("ASK { ?graph smekg:sha256 ?sha256 }",
                            {"graph": graph, "sha256": sha256}, union=False):
                raise BackendUnavailable(
                    f"the SPARQL store at {self.query_url} does not show its named graphs in "
                    f"the default graph (<{graph.value}> {SMEKG.sha256.n3()} is only in its "
                    f"graph); {UNION_HELP}")
            self._union_checked.set()

    # -- writing --------------------------------------------------------------------
    def update(self, chunks: Iterable[bytes]) -> None:
        """Send one SPARQL Update request, its body streamed from ``chunks``.

        One request is one transaction on Oxigraph, Fuseki and GraphDB: it is applied
        whole or not at all.
        """
        url = self._require(self.update_url, "SMEKG_SPARQL_UPDATE_ENDPOINT", "/update")
        with self.reachable(url, "SMEKG_SPARQL_UPDATE_ENDPOINT"):
            response = self.client.post(
                url, content=iter(chunks),
                headers={"Content-Type": "application/sparql-update; charset=utf-8"})
        self._raise_for_status(response, url, "SMEKG_SPARQL_UPDATE_ENDPOINT")

    def put_graph(self, graph: str, chunks: Iterable[bytes]) -> None:
        """Replace the named graph ``graph`` by the N-Triples streamed from ``chunks``
        (Graph Store Protocol ``PUT``)."""
        url = self._require(self.store_url, "SMEKG_SPARQL_STORE_ENDPOINT", "/store")
        with self.reachable(url, "SMEKG_SPARQL_STORE_ENDPOINT"):
            response = self.client.put(url, params={"graph": graph}, content=iter(chunks),
                                       headers={"Content-Type": "application/n-triples"})
        self._raise_for_status(response, url, "SMEKG_SPARQL_STORE_ENDPOINT")

    def delete_graph(self, graph: str) -> bool:
        """Remove the named graph ``graph`` (Graph Store Protocol ``DELETE``); return
        whether it existed."""
        url = self._require(self.store_url, "SMEKG_SPARQL_STORE_ENDPOINT", "/store")
        with self.reachable(url, "SMEKG_SPARQL_STORE_ENDPOINT"):
            response = self.client.delete(url, params={"graph": graph})
        if response.status_code == 404:
            return False
        self._raise_for_status(response, url, "SMEKG_SPARQL_STORE_ENDPOINT")
        return True

    def close(self) -> None:
        """Close the pooled connections."""
        self.client.close()

    # -- plumbing -------------------------------------------------------------------
    def _require(self, url: str | None, setting: str, oxigraph_path: str) -> str:
        if url is None:
            raise BackendUnavailable(
                f"writing to the SPARQL store at {self.query_url} needs {setting} (for "
                f"Oxigraph server, the same host with the path {oxigraph_path})")
        return url

    @contextmanager
    def reachable(self, url: str, setting: str) -> Iterator[None]:
        """Turn connection failures and timeouts into :class:`BackendUnavailable`."""
        try:
            yield
        except httpx.TimeoutException as error:
            raise BackendUnavailable(
                f"the SPARQL store at {url} did not answer within {self.timeout:g} s "
                f"({type(error).__name__}); raise SMEKG_SPARQL_REQUEST_TIMEOUT or check the "
                "store") from error
        except httpx.TransportError as error:
            raise BackendUnavailable(
                f"the SPARQL store at {url} is unreachable ({error or type(error).__name__}); "
                f"start it (e.g. `oxigraph serve --location DIR --union-default-graph`) or "
                f"point {setting} at yours") from error

    def _raise_for_status(self, response: httpx.Response, url: str, setting: str) -> None:
        status = response.status_code
        if status < 300:
            return
        message = response.text.strip()[:2000]
        if status in (401, 403):
            raise BackendUnavailable(
                f"the SPARQL store at {url} refused access ({status}: {message}); check "
                "SMEKG_SPARQL_USER and SMEKG_SPARQL_PASSWORD")
        if status in (404, 405):
            raise BackendUnavailable(
                f"no SPARQL endpoint at {url} ({status}); check {setting} (for Oxigraph "
                "server: /query, /update and /store; for Fuseki: /DATASET/query, "
                "/DATASET/update and /DATASET/data)")
        if status in (502, 503, 504):
            raise BackendUnavailable(f"the SPARQL store at {url} is unavailable "
                                     f"({status}: {message})")
        raise SparqlError(f"the SPARQL store at {url} answered {status}: {message}")


class SparqlBackend:
    """Named queries over a remote SPARQL 1.1 store (see the module notes).

    Parameters
    ----------
    query_endpoint
        The store's query URL, or an open :class:`SparqlEndpoint`.
    update_endpoint, store_endpoint, timeout, auth
        As for :class:`SparqlEndpoint` (the backend itself only reads).
    whole_graph_timeout
        Seconds allowed to a query that reads the whole graph (``#+ reads: whole graph``:
        the coverage index), where a question gets ``timeout``.
    """

    name = "sparql"

    def __init__(self, query_endpoint: str | SparqlEndpoint, *,
                 update_endpoint: str | None = None, store_endpoint: str | None = None,
                 timeout: float = 60.0, auth: Auth = None,
                 whole_graph_timeout: float = 3600.0) -> None:
        self.whole_graph_timeout = whole_graph_timeout  # the index's scans, not questions
        if isinstance(query_endpoint, SparqlEndpoint):
            self.endpoint = query_endpoint
        else:
            self.endpoint = SparqlEndpoint(query_endpoint, update_url=update_endpoint,
                                           store_url=store_endpoint, timeout=timeout,
                                           auth=auth)

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        bindings: dict[str, Term] = {name: to_term(value) for name, value in params.items()}
        for param in query.params:
            bindings.setdefault(param.name, ANY)  # as on the embedded store
        solutions = self.endpoint.query(
            query.sparql, bindings,
            timeout=self.whole_graph_timeout if query.whole_graph else None)
        return solution_rows(solutions, query)

    def data_version(self) -> str:
        return sources_version(self)

    def snapshot(self) -> SparqlBackend:
        """``self``: the engine gives no version pinned across queries (each query sees
        the data as it is when it runs; a load replaces a source in one transaction)."""
        return self

    def close(self) -> None:
        self.endpoint.close()

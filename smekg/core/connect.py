"""Open the graph backend the settings name (``SMEKG_BACKEND=oxigraph|neo4j|sparql``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smekg.core.backends import BackendUnavailable, GraphBackend
from smekg.core.settings import Settings

if TYPE_CHECKING:
    from smekg.core.backends.sparql import SparqlEndpoint


def open_sparql_endpoint(settings: Settings) -> SparqlEndpoint:
    """The remote SPARQL store ``settings`` name (``SMEKG_SPARQL_*``).

    Raises
    ------
    BackendUnavailable
        ``SMEKG_SPARQL_ENDPOINT`` is not set, or is not an http(s) URL.
    """
    from smekg.core.backends.sparql import SparqlEndpoint

    if not settings.sparql_endpoint:
        raise BackendUnavailable(
            "SMEKG_BACKEND=sparql needs SMEKG_SPARQL_ENDPOINT, the store's query URL (e.g. "
            "http://127.0.0.1:7878/query for `oxigraph serve --union-default-graph`), and "
            "for loading SMEKG_SPARQL_UPDATE_ENDPOINT or SMEKG_SPARQL_STORE_ENDPOINT")
    auth = None
    if settings.sparql_user is not None:
        password = settings.sparql_password
        auth = (settings.sparql_user, password.get_secret_value() if password else "")
    return SparqlEndpoint(settings.sparql_endpoint, update_url=settings.sparql_update_endpoint,
                          store_url=settings.sparql_store_endpoint,
                          timeout=settings.sparql_request_timeout, auth=auth)


def open_backend(settings: Settings) -> GraphBackend:
    """The backend ``settings.backend`` names, configured from ``settings``."""
    if settings.backend == "neo4j":
        from smekg.core.neo4j.backend import Neo4jBackend

        return Neo4jBackend(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password,
                            settings.neo4j_database)
    if settings.backend == "sparql":
        from smekg.core.backends.sparql import SparqlBackend

        return SparqlBackend(open_sparql_endpoint(settings))
    from smekg.core.backends.oxigraph import OxigraphBackend

    return OxigraphBackend(settings.store)

"""Open the graph backend the settings name (``SMEKG_BACKEND=oxigraph|neo4j``)."""

from __future__ import annotations

from smekg.backends import GraphBackend
from smekg.settings import Settings


def open_backend(settings: Settings) -> GraphBackend:
    """The backend ``settings.backend`` names, configured from ``settings``."""
    if settings.backend == "neo4j":
        from smekg.backends.neo4j import Neo4jBackend

        return Neo4jBackend(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password,
                            settings.neo4j_database)
    from smekg.backends.oxigraph import OxigraphBackend

    return OxigraphBackend(settings.store)

"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only queries over the whole store.

``router`` holds the routes (and the query editor's static files); ``SparqlShortcut`` the
middleware that answers query requests without the application's router; ``QueryPool`` the
worker processes that run the queries with a real timeout. They are imported lazily so that
a worker process, which imports :mod:`smekg.graph_api.sparql.worker`, starts without FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter

    from smekg.graph_api.sparql.pool import QueryPool
    from smekg.graph_api.sparql.routes import SparqlShortcut

    router: APIRouter

__all__ = ["QueryPool", "SparqlShortcut", "router"]


def __getattr__(name: str) -> Any:
    if name == "router":
        from smekg.graph_api.sparql.routes import router

        return router
    if name == "SparqlShortcut":
        from smekg.graph_api.sparql.routes import SparqlShortcut

        return SparqlShortcut
    if name == "QueryPool":
        from smekg.graph_api.sparql.pool import QueryPool

        return QueryPool
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

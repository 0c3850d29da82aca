"""The smekg HTTP API: the REST query API and the SPARQL 1.1 endpoint, in one app.

``uvicorn smekg.graph_api.main:app`` (or ``smekg serve``) serves the store at ``$SMEKG_STORE``
(or, with ``SMEKG_BACKEND=sparql``, the remote store at ``$SMEKG_SPARQL_ENDPOINT``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from smekg import __version__
from smekg.analytics.service import AnalyticsService
from smekg.core.backends import BackendUnavailable
from smekg.core.connect import open_backend
from smekg.core.iri import Minter
from smekg.core.settings import Settings, get_settings
from smekg.graph_api import sparql, web
from smekg.graph_api.routers import (
    analytics,
    coverage,
    duplicates,
    explore,
    geo,
    networks,
    organisations,
    places,
    programmes,
    projects,
)
from smekg.graph_api.web.templating import is_page, render_error
from smekg.queries.params import ParamError
from smekg.queries.service import QueryService

logger = logging.getLogger("smekg.api")


class _OneVersion:
    """Each request is answered from one version of the data: the index it starts from and
    the backend snapshot that index was read from (:meth:`QueryService.one_version`), even
    when a load lands and a new index is swapped in while it runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service: QueryService | None = None
        if scope["type"] == "http":
            service = getattr(scope["app"].state, "query_service", None)
        if service is None:
            await self.app(scope, receive, send)
            return
        with service.one_version():
            await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        backend = open_backend(settings)
        service = QueryService(backend, Minter(settings.base_iri),
                               check_interval=settings.index_refresh_interval,
                               index_cache=settings.index_cache_dir())
        app.state.query_service = service
        app.state.analytics = AnalyticsService(service)
        try:
            _ = service.index  # build the index before the first request
        except BackendUnavailable as error:  # answer 503 until it is back
            logger.warning("starting without the index: %s", error)
        # after a load, the index is rebuilt in a background thread and swapped in when
        # ready; requests are answered from the previous one meanwhile
        service.start_refresher()
        if settings.backend == "sparql":  # /sparql forwards to the remote store
            from smekg.graph_api.sparql.remote import RemoteQueries

            remote = RemoteQueries.from_settings(settings)
            remote.start()
            app.state.sparql_pool = remote
            try:
                yield
            finally:
                service.stop_refresher()
                await remote.aclose()
                backend.close()
            return
        pool = sparql.QueryPool(
            settings.store,
            workers=settings.sparql_workers,
            timeout=settings.sparql_timeout,
            max_result_bytes=settings.sparql_max_result_bytes,
            fast_lane=settings.sparql_fast_lane_workers,
            fast_lane_timeout=settings.sparql_fast_lane_timeout,
            max_nesting=settings.sparql_max_nesting,
            isolation=settings.sparql_worker_isolation,
            refresh_interval=settings.sparql_refresh_interval,
        )
        starting = pool.start_soon(asyncio.get_running_loop())
        app.state.sparql_pool = pool
        try:
            yield
        finally:
            service.stop_refresher()
            pool.close()  # also stops the workers still starting
            await asyncio.to_thread(starting.join, 30)
            backend.close()

    app = FastAPIOffline(
        title="smekg",
        version=__version__,
        summary="A knowledge graph of SME support ecosystems.",
        lifespan=lifespan,
    )
    # innermost: /sparql queries are answered without the router (see SparqlShortcut)
    app.add_middleware(sparql.SparqlShortcut)
    app.add_middleware(_OneVersion)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
    )
    for router in (coverage.router, organisations.router, networks.router, places.countries,
                   places.regions, places.sectors, programmes.programmes,
                   programmes.good_practices, programmes.policies, projects.router,
                   projects.partners, explore.router,
                   analytics.router, geo.router, sparql.router, duplicates.router,
                   *web.routers):
        app.include_router(router)
    app.mount("/static", web.static_app, name="static")

    # the web app's pages answer errors with a page; the API with JSON
    @app.exception_handler(ParamError)
    def param_error(request: Request, error: ParamError) -> Response:
        if is_page(request):
            return render_error(request, error.status, "That question needs another value",
                                error.message,
                                parameter=error.param, suggestions=error.suggestions)
        return JSONResponse(
            status_code=error.status,
            content={"detail": error.message, "parameter": error.param, "value": error.value,
                     "suggestions": error.suggestions, "suggested": error.suggested},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_page(request):
            return render_error(request, error.status_code, "Not found" if
                                error.status_code == 404 else "That did not work",
                                str(error.detail))
        return await http_exception_handler(request, error)

    @app.exception_handler(BackendUnavailable)
    def backend_unavailable(request: Request, error: BackendUnavailable) -> Response:
        if is_page(request):
            return render_error(request, 503, "The data is not available just now",
                                "The store behind this app cannot be reached; try again in "
                                "a few seconds.", headers={"Retry-After": "5"})
        return JSONResponse(status_code=503, headers={"Retry-After": "5"},
                            content={"detail": str(error), "backend": settings.backend})

    @app.get("/health", tags=["meta"], responses={503: {"description": "A source may be "
             "incomplete (a load was cut off): status `degraded`, with the list."}})
    def health(request: Request) -> JSONResponse:
        """Whether the API is up, and every source of the store whole: 503 and status
        ``degraded``, naming each source and why, while one may be incomplete (a load of it
        cut off; the next `smekg load` completes or replaces it). Cheap checks only (the
        journal, one index look-up per graph); `smekg stats` also counts triples.

        ``index`` says whether the REST answers' in-memory index is ``ready``, being
        ``rebuilding`` after a load (the previous data is served until it is swapped in),
        or ``unavailable``."""
        service: QueryService = request.app.state.query_service
        incomplete = _incomplete(service.backend, settings)
        index = service.index_state()
        if incomplete:
            return JSONResponse(status_code=503, content={
                "status": "degraded", "version": __version__, "index": index,
                "incomplete": incomplete})
        return JSONResponse({"status": "ok", "version": __version__, "index": index})

    return app


def _incomplete(backend: object, settings: Settings) -> list[dict[str, str]]:
    """The sources of the embedded store that may be incomplete (none for other backends)."""
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.stats import incomplete_sources
    from smekg.core.stores import GraphStore

    if not isinstance(backend, OxigraphBackend):
        return []
    return incomplete_sources(GraphStore(backend.store, backend.path), backend.path,
                              counts=False)


app = create_app()

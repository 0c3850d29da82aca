"""The first page, search and suggestions as you type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from smekg.graph_api.deps import BoundedParams, ServiceDep
from smekg.graph_api.web._paging import page_count, page_offset
from smekg.graph_api.web.templating import KIND_NAMES, Links, render_page

router = APIRouter(include_in_schema=False, dependencies=[BoundedParams])

SEARCH_PAGE = 25
SUGGESTIONS = 8

SearchText = Annotated[str, Query(max_length=200, description="Text to look for.")]
SearchKind = Annotated[str | None, Query(description="Only entities of this kind.")]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, service: ServiceDep) -> Response:
    """Search, the questions an analyst asks first, and what the graph holds."""
    networks = sorted(service.networks(), key=lambda n: (-n["members"], n["label"]))
    return render_page(request, "home.html", networks=networks[:12],
                       network_count=len(networks))


@router.get("/app/search", response_class=HTMLResponse)
def search(request: Request, service: ServiceDep, q: SearchText = "",
           type: SearchKind = None, go: str | None = None,
           page: Annotated[int, Query(ge=1, le=1000)] = 1) -> Response:
    """Entities whose names or codes contain the text (accents and case ignored), best
    first; ``go`` opens the best one."""
    text = q.strip()
    if not text:
        return render_page(request, "search.html", q="", type=type, count=0, hits=[],
                           page=1, pages=0)
    count, hits = service.search_page(text, type or None, offset=page_offset(page, SEARCH_PAGE),
                                      limit=SEARCH_PAGE)
    if go and hits:
        return RedirectResponse(Links(service).url(hits[0]), status_code=303)
    return render_page(request, "search.html", q=text, type=type, count=count, hits=hits,
                       page=page, pages=page_count(count, SEARCH_PAGE))


@router.get("/app/suggest")
def suggest(service: ServiceDep, q: SearchText = "") -> JSONResponse:
    """The best few matches of ``q`` for search as you type: name, kind and page."""
    text = q.strip()
    if not text:
        return JSONResponse([])
    _, hits = service.search_page(text, None, offset=0, limit=SUGGESTIONS)
    url = Links(service).url
    return JSONResponse([
        {"label": hit.label, "code": hit.code, "kind": hit.type,
         "kind_name": KIND_NAMES.get(hit.type or "", hit.type or "entity"),
         "matched": hit.matched, "url": url(hit)}
        for hit in hits])

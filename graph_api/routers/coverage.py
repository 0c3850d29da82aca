"""Who covers a region and a sector, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import FormatQuery, Kind, Offset, Region, Sector, Service, ServiceDep
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.queries.models import CoverageAnswer
from smekg.queries.service import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["coverage"])


@router.get("/coverage", response_model=CoverageAnswer, responses=RESPONSES)
async def get_coverage(
    request: Request,
    service: ServiceDep,
    region: Region = None,
    sector: Sector = None,
    type: Kind = None,
    provides: Annotated[Service, Query(alias="service")] = None,
    fmt: FormatQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    """Organisations, networks, programmes and good practices covering a region and a sector,
    each with why it matches (directly, through which ancestor region or sector, through
    which member chain)."""
    # Answered from the in-memory coverage index in about a millisecond of CPU, so on the
    # event loop: a hop to the thread pool cost more than the walk (profiled with py-spy).
    answer = service.coverage(region, sector, type, provides, offset=offset, limit=limit)
    return render(request, answer, fmt, filename="coverage")

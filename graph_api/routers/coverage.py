"""Who covers a region and a sector, and why."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from smekg.graph_api.deps import (
    BoundedParams,
    FormatQuery,
    Kind,
    Offset,
    Region,
    Sector,
    Service,
    ServiceDep,
    Typology,
)
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.queries.models import CoverageAnswer
from smekg.queries.params import join_typologies
from smekg.queries.service import COVERAGE_LIMIT, MAX_LIMIT

LOOP_LIMIT = 1000
"""Largest page of /coverage answered on the event loop (bigger ones: in the thread pool)."""

router = APIRouter(tags=["coverage"], dependencies=[BoundedParams])


@router.get("/coverage", response_model=CoverageAnswer, responses=RESPONSES)
async def get_coverage(
    request: Request,
    service: ServiceDep,
    region: Region = None,
    sector: Sector = None,
    type: Kind = None,
    provides: Annotated[Service, Query(alias="service")] = None,
    typology: Typology = None,
    fmt: FormatQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = COVERAGE_LIMIT,
    offset: Offset = 0,
) -> Response:
    """Organisations, networks, programmes and good practices covering a region and a sector,
    each with why it matches (directly, through which ancestor region or sector, through
    which member chain).

    Only support providers are results: organisations of every type (networks among them),
    programmes and good practices, and any other entity the data says provides a service.
    A member country is a reason, not a result: the first link of the member chain of a
    network that covers through it. Policies and publications are not results.

    `typology` asks about the NUTS-3 regions of all these typologies within the region
    (anywhere, without one): `/coverage?region=IT&typology=mountain` lists the providers
    covering at least one mountain NUTS-3 region of Italy, each explanation naming one."""
    # Answered from the in-memory coverage index in about a millisecond of CPU, so on the
    # event loop: a hop to the thread pool cost more than the walk (profiled with py-spy).
    # Only when that is bounded: parameters are short (BoundedParams, the resolver is linear),
    # the page is small, and the index needs no rebuild and no data-version check (I/O, a
    # network call with a remote store); otherwise the thread pool answers.
    answer_it = partial(service.coverage, region, sector, type, provides,
                        join_typologies(typology), offset=offset, limit=limit)
    if service.index_ready() and limit <= LOOP_LIMIT and typology is None:
        return render(request, answer_it(), fmt, filename="coverage")
    answer = await run_in_threadpool(answer_it)
    return await run_in_threadpool(render, request, answer, fmt, filename="coverage")

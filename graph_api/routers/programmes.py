"""Programmes, good practices and policies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import (
    BoundedParams,
    FormatQuery,
    Limit,
    Offset,
    Region,
    Sector,
    ServiceDep,
    Theme,
)
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.graph_api.routers._paging import page
from smekg.queries.models import LineagePage, PolicyPage, ProgrammePage

programmes = APIRouter(prefix="/programmes", tags=["programmes"], dependencies=[BoundedParams])
good_practices = APIRouter(prefix="/good-practices", tags=["good practices"],
                           dependencies=[BoundedParams])
policies = APIRouter(prefix="/policies", tags=["policies"], dependencies=[BoundedParams])

Policy = Annotated[str | None, Query(description="A policy it implements or follows from.",
                                     examples=["bologna-charter"])]


@programmes.get("", response_model=ProgrammePage, responses=RESPONSES)
def list_programmes(
    request: Request, service: ServiceDep, region: Region = None, sector: Sector = None,
    theme: Theme = None, policy: Policy = None, fmt: FormatQuery = None, limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Programmes, projects and good practices by region, sector, theme or policy."""
    items = service.programmes(region=region, sector=sector, theme=theme, policy=policy)
    return render(request, page(items, offset, limit, ProgrammePage), fmt, filename="programmes")


@good_practices.get("", response_model=ProgrammePage, responses=RESPONSES)
def list_good_practices(
    request: Request, service: ServiceDep, region: Region = None, sector: Sector = None,
    theme: Theme = None, policy: Policy = None, fmt: FormatQuery = None, limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Good practices by region, sector, theme or policy."""
    items = service.programmes(region=region, sector=sector, theme=theme, policy=policy,
                               type="good-practice")
    return render(request, page(items, offset, limit, ProgrammePage), fmt,
                  filename="good-practices")


@policies.get("", response_model=PolicyPage, responses=RESPONSES)
def list_policies(
    request: Request, service: ServiceDep, fmt: FormatQuery = None, limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Policies, charters and publications."""
    return render(request, page(service.policies(), offset, limit, PolicyPage), fmt,
                  filename="policies")


@policies.get("/{key}/lineage", response_model=LineagePage, responses=RESPONSES)
def policy_lineage(
    request: Request, service: ServiceDep, key: str, fmt: FormatQuery = None,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:
    """What a policy led to and came from: organisations, programmes, events, people."""
    answer = page(service.policy_lineage(key), offset, limit, LineagePage)
    return render(request, answer, fmt, filename=f"lineage-{key}")

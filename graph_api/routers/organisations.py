"""Organisations and their memberships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import (
    BoundedParams,
    FormatQuery,
    Kind,
    Limit,
    Offset,
    Region,
    Service,
    ServiceDep,
    Theme,
    Transitive,
)
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.graph_api.routers._paging import page
from smekg.queries.models import MembershipPage, OrganisationPage

router = APIRouter(prefix="/organisations", tags=["organisations"], dependencies=[BoundedParams])


@router.get("", response_model=OrganisationPage, responses=RESPONSES)
def list_organisations(
    request: Request,
    service: ServiceDep,
    type: Kind = None,
    country: Annotated[str | None, Query(description="Country it is based in (IT, ITA).",
                                         examples=["IT"])] = None,
    region: Region = None,
    provides: Annotated[Service, Query(alias="service")] = None,
    theme: Theme = None,
    network: Annotated[str | None, Query(description="A network it is a direct member of.",
                                         examples=["insme-steering-group"])] = None,
    fmt: FormatQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Organisations (networks included), filtered by type, country, region, service, theme or
    network."""
    items = service.organisations(type=type, country=country, region=region, service=provides,
                                  theme=theme, network=network)
    return render(request, page(items, offset, limit, OrganisationPage), fmt,
                  filename="organisations")


@router.get("/{key}/memberships", response_model=MembershipPage, responses=RESPONSES)
def list_memberships(
    request: Request, service: ServiceDep, key: str, transitive: Transitive = False,
    fmt: FormatQuery = None, limit: Limit = 100, offset: Offset = 0,
) -> Response:
    """The networks an organisation is a member of, with role and period."""
    answer = page(service.memberships(key, transitive), offset, limit, MembershipPage)
    return render(request, answer, fmt, filename=f"memberships-{key}")

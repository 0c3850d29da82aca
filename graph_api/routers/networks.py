"""Networks and their members (networks of networks)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from smekg.graph_api.deps import BoundedParams, FormatQuery, Limit, Offset, ServiceDep, Transitive
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.graph_api.routers._paging import page
from smekg.queries.models import Member, Page

router = APIRouter(prefix="/networks", tags=["networks"], dependencies=[BoundedParams])


@router.get("", response_model=Page, responses=RESPONSES)
def list_networks(
    request: Request, service: ServiceDep, fmt: FormatQuery = None, limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Every network with its numbers of members, member networks and member countries."""
    return render(request, page(service.networks(), offset, limit), fmt, filename="networks")


@router.get("/{key}/members", response_model=list[Member], responses=RESPONSES)
def list_members(
    request: Request, service: ServiceDep, key: str, transitive: Transitive = False,
    fmt: FormatQuery = None,
) -> Response:
    """The members of a network with role and period (with transitive, at every depth)."""
    answer = service.members(key, transitive)
    return render(request, answer, fmt, filename=f"members-{key}", rows=answer)

"""Networks and their members (networks of networks)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from smekg.graph_api.deps import BoundedParams, FormatQuery, Limit, Offset, ServiceDep, Transitive
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.graph_api.routers._paging import page
from smekg.queries.models import MemberPage, NetworkPage

router = APIRouter(prefix="/networks", tags=["networks"], dependencies=[BoundedParams])


@router.get("", response_model=NetworkPage, responses=RESPONSES)
def list_networks(
    request: Request, service: ServiceDep, fmt: FormatQuery = None, limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Every network with its numbers of members, member networks and member countries."""
    answer = page(service.networks(), offset, limit, NetworkPage)
    return render(request, answer, fmt, filename="networks")


@router.get("/{key}/members", response_model=MemberPage, responses=RESPONSES)
def list_members(
    request: Request, service: ServiceDep, key: str, transitive: Transitive = False,
    fmt: FormatQuery = None, limit: Limit = 100, offset: Offset = 0,
) -> Response:
    """The members of a network with role and period (with transitive, at every depth)."""
    answer = page(service.members(key, transitive), offset, limit, MemberPage)
    return render(request, answer, fmt, filename=f"members-{key}")

"""Projects, their partners, and the projects an organisation takes part in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import BoundedParams, FormatQuery, Limit, Offset, ServiceDep
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.graph_api.routers._paging import page
from smekg.queries.models import PartnerProjectPage, ProjectDetail, ProjectPage, ProjectPartner

router = APIRouter(prefix="/projects", tags=["projects"], dependencies=[BoundedParams])
partners = APIRouter(prefix="/organisations", tags=["projects"], dependencies=[BoundedParams])

Programme = Annotated[str | None, Query(description="The programme that funds it (id, code "
                                        "or IRI).", examples=["interreg-europe"])]
Topic = Annotated[str | None, Query(description="A topic code of the work programme it "
                                    "answers (HORIZON-EIE-2022-SCALEUP-02-02), or the start "
                                    "of one followed by * (HORIZON-EIE-*); case is ignored. A "
                                    "* elsewhere is a 422.", examples=["HORIZON-EIE-*"])]
PartnerCountry = Annotated[str | None, Query(description="A country (IT, ITA, Italy) or any "
                                             "region one of its partners is located in "
                                             "(with the region hierarchy: ITH5 finds "
                                             "partners in ITH55).", examples=["IT"])]


@router.get("", response_model=ProjectPage, responses=RESPONSES)
def list_projects(
    request: Request, service: ServiceDep, programme: Programme = None, topic: Topic = None,
    country: PartnerCountry = None, fmt: FormatQuery = None, limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Projects with their programme, funding scheme, period, total cost and EU contribution
    (in euros) and number of partners, filtered by programme, topic or a partner's
    country."""
    items = service.projects(programme=programme, topic=topic, country=country)
    return render(request, page(items, offset, limit, ProjectPage), fmt, filename="projects")


@router.get("/{key}", response_model=ProjectDetail, responses=RESPONSES)
def project_detail(request: Request, service: ServiceDep, key: str, fmt: FormatQuery = None
                   ) -> Response:
    """A project: its facts (programme, funding scheme, call, topics, objectives, status,
    period, budget, EU contribution, description, website, sources) and its partners with
    their role, budget, EU contribution, country and location, lead partner and coordinator
    first. The CSV holds one row per partner. A key naming no project is a 404."""
    answer = service.project(key)
    return render(request, answer, fmt, filename=f"project-{key}", rows=answer.partners,
                  model=ProjectPartner)


@partners.get("/{key}/projects", response_model=PartnerProjectPage, responses=RESPONSES)
def list_partner_projects(
    request: Request, service: ServiceDep, key: str, fmt: FormatQuery = None,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:
    """The projects an organisation takes part in, with its role, budget and EU
    contribution in each."""
    answer = page(service.partner_projects(key), offset, limit, PartnerProjectPage)
    return render(request, answer, fmt, filename=f"projects-{key}")

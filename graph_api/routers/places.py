"""Countries, regions and sectors: the reference classifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import (
    BoundedParams,
    FormatQuery,
    Kind,
    Limit,
    Offset,
    Sector,
    ServiceDep,
    Typology,
)
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.graph_api.routers._paging import page
from smekg.queries.models import (
    CompareAnswer,
    ComparedEntity,
    CountryPage,
    LocatedOrganisationPage,
    PlacePage,
    RegionPage,
)
from smekg.queries.params import join_typologies

countries = APIRouter(prefix="/countries", tags=["countries"], dependencies=[BoundedParams])
regions = APIRouter(prefix="/regions", tags=["regions"], dependencies=[BoundedParams])
sectors = APIRouter(prefix="/sectors", tags=["sectors"], dependencies=[BoundedParams])

RegionLevel = Annotated[str | None, Query(description="country, nuts1, nuts2 or nuts3",
                                          examples=["nuts2"])]
SectorLevel = Annotated[str | None, Query(description="section, division, group or class",
                                          examples=["division"])]


@countries.get("", response_model=CountryPage, responses=RESPONSES)
def list_countries(
    request: Request, service: ServiceDep, fmt: FormatQuery = None, limit: Limit = 300,
    offset: Offset = 0,
) -> Response:
    """Every ISO 3166-1 country with its continent and how many entities serve it directly."""
    answer = page(service.countries(), offset, limit, CountryPage)
    return render(request, answer, fmt, filename="countries")


@regions.get("", response_model=RegionPage, responses=RESPONSES)
def list_regions(
    request: Request,
    service: ServiceDep,
    within: Annotated[str | None, Query(description="Only regions within this one.",
                                        examples=["ITH"])] = None,
    level: RegionLevel = None,
    typology: Typology = None,
    fmt: FormatQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Regions (NUTS, ISO 3166-2, countries, continents) within a region, at a level.

    Each NUTS region says the versions of NUTS it is valid in (`versions`: 2024 and 2021;
    2018 for the United Kingdom's) and its NUTS-3 typologies (`typologies`). The list holds
    the regions of every version: a NUTS 2021 region that NUTS 2024 replaced is there, with
    `versions` `["2021"]`. `typology` keeps the regions of all these typologies
    (`/regions?typology=mountain&level=3`: the mountain NUTS-3 regions); with it, a `level`
    other than nuts3 is a 422."""
    items = service.places("regions", within, level, join_typologies(typology))
    return render(request, page(items, offset, limit, RegionPage), fmt, filename="regions")


@regions.get("/compare", response_model=CompareAnswer, responses=RESPONSES)
def compare_regions(
    request: Request,
    service: ServiceDep,
    a: Annotated[str, Query(description="First region.", examples=["ITH5"])],
    b: Annotated[str, Query(description="Second region.", examples=["GB-KEN"])],
    sector: Sector = None,
    fmt: FormatQuery = None,
) -> Response:
    """Two regions side by side: who covers each, by kind, and who covers both or one."""
    answer = service.compare(a, b, sector)
    rows = [{"side": side, **ref.model_dump()} for side, refs in
            (("both", answer.shared), ("a", answer.only_a), ("b", answer.only_b))
            for ref in refs]
    return render(request, answer, fmt, filename="compare", rows=rows, model=ComparedEntity)


@regions.get("/{code}/organisations", response_model=LocatedOrganisationPage, responses=RESPONSES)
def organisations_in_region(
    request: Request, service: ServiceDep, code: str, type: Kind = None,
    fmt: FormatQuery = None, limit: Limit = 100, offset: Offset = 0,
) -> Response:
    """Organisations located in a region or any region within it."""
    items = service.organisations_in_region(code, type)
    return render(request, page(items, offset, limit, LocatedOrganisationPage), fmt,
                  filename=f"organisations-in-{code}")


@sectors.get("", response_model=PlacePage, responses=RESPONSES)
def list_sectors(
    request: Request,
    service: ServiceDep,
    within: Annotated[str | None, Query(description="Only sectors within this one.",
                                        examples=["C"])] = None,
    level: SectorLevel = None,
    fmt: FormatQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """NACE sectors within a sector, at a level."""
    items = service.places("sectors", within, level)
    return render(request, page(items, offset, limit, PlacePage), fmt, filename="sectors")

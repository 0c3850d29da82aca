"""Dependencies shared by the routers (``Annotated`` aliases, as FastAPI's template does)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from smekg.analytics.service import AnalyticsService
from smekg.core.settings import Settings
from smekg.queries.params import check_length
from smekg.queries.service import MAX_LIMIT, QueryService


# ``app.state`` is untyped: each value is named with the type main.py stores there.
def get_service(request: Request) -> QueryService:
    service: QueryService = request.app.state.query_service
    return service


def get_analytics(request: Request) -> AnalyticsService:
    analytics: AnalyticsService = request.app.state.analytics
    return analytics


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def bounded_params(request: Request) -> None:
    """Refuse (422) any query or path parameter longer than ``SMEKG_MAX_PARAM_CHARS``,
    before the route does any work with it: every REST router depends on this.

    A check of lengths only (linear in the request line), so it runs on the event loop.
    """
    limit = get_settings(request).max_param_chars
    for name, value in (*request.query_params.multi_items(), *request.path_params.items()):
        if isinstance(value, str):
            check_length(name, value, limit)


BoundedParams = Depends(bounded_params)
"""Every REST router's dependency: ``APIRouter(..., dependencies=[BoundedParams])``."""

ServiceDep = Annotated[QueryService, Depends(get_service)]
AnalyticsDep = Annotated[AnalyticsService, Depends(get_analytics)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

FormatQuery = Annotated[
    Literal["json", "csv", "jsonld"] | None,
    Query(
        alias="format",
        description="Response format; overrides the Accept header (application/json, text/csv, "
        "application/ld+json).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, description="Results to skip (for paging).")]

Region = Annotated[
    str | None,
    Query(description="NUTS (ITH55, ith55; the UK's NUTS 2018 UKJ4; a NUTS 2021 code is read "
          "as its 2024 region), ISO 3166-2 (GB-KEN) or ISO 3166-1 (IT, ITA) code, country "
          "name (italy, Italia, the Netherlands), NUTS region name in its languages (Bologna, "
          "vasterbottens lan, Attiki), continent, 'world', or an IRI. A value that names no "
          "region, or a name several regions share (Limburg), is a 422 with suggestions.",
          examples=["ITH55"]),
]
Sector = Annotated[
    str | None,
    Query(description="NACE Rev. 2.1 code at any level (C, C25, 25.1, 25.11) or title "
          "(Manufacturing), or an IRI. A NACE Rev. 2 code (62.01, 6201, J 62.01) is read as "
          "its Rev. 2.1 division (62); rev2:62.01 names the Rev. 2 concept where NACE Rev. 2 "
          "is loaded. A value that names no sector is a 422 with suggestions.",
          examples=["C25"]),
]
Kind = Annotated[
    str | None,
    Query(description="Entity kind (network, organisation, programme, good-practice, policy, "
          "country) or organisation type (agency, chamber, ...).", examples=["network"]),
]
Service = Annotated[
    str | None,
    Query(description="Service type, e.g. internationalisation, training, finance.",
          examples=["internationalisation"]),
]
Theme = Annotated[
    str | None,
    Query(description="Theme, e.g. internationalisation, innovation.",
          examples=["internationalisation"]),
]
Transitive = Annotated[
    bool, Query(description="Follow networks of networks to any depth.")
]
Broadest = Annotated[
    str,
    Query(description="Count only coverage no broader than this level: nuts3, nuts2, nuts1, "
          "country, continent or world (the default: all coverage). Coverage is as broad as "
          "the region the provider serves; a network's, through a member, as the member's; "
          "through its member countries, as the smallest region holding them all (the INSME "
          "Steering Group's 41 countries: the world). broadest=country asks which regions "
          "have no provider at regional or national level. Any other value is a 422.",
          examples=["country"]),
]
ProviderKinds = Annotated[
    str | None,
    Query(description="Count only these kinds of provider, comma-separated: organisation "
          "(networks included), network, programme, good-practice, or organisation types "
          "(agency, chamber, intermediary, ...). All providers when left out; an unknown "
          "kind, or one that provides nothing (country, policy), is a 422.",
          examples=["organisation,programme"]),
]
Typology = Annotated[
    list[str] | None,
    Query(description="Only NUTS-3 regions of all these typologies, comma-separated or "
          "repeated (typology=mountain&typology=coastal): predominantly-urban, intermediate, "
          "predominantly-rural, coastal, metropolitan (capital-metropolitan, "
          "other-metropolitan), border (internal-border, external-border, "
          "border-population), island, mountain (mountain-surface-and-population, "
          "mountain-surface, mountain-population), capital. A class matches its narrower "
          "ones. An unknown value is a 422 naming it, with suggestions.",
          examples=[["mountain"]]),
]

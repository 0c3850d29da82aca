"""Search, entity detail, gaps and the list of named queries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import (
    BoundedParams,
    Broadest,
    FormatQuery,
    Kind,
    Limit,
    Offset,
    ProviderKinds,
    Sector,
    ServiceDep,
    Typology,
)
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.queries.models import EntityDetail, Fact, GapsAnswer, SearchPage
from smekg.queries.params import join_typologies
from smekg.queries.registry import PARAM_TYPES

router = APIRouter(tags=["explore"], dependencies=[BoundedParams])


@router.get("/search", response_model=SearchPage, responses=RESPONSES)
def search(
    request: Request,
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Text to look for.",
                            examples=["emilia"])],
    type: Kind = None,
    limit: Limit = 20,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Response:
    """Entities whose names or codes contain the text, ignoring case and accents, best
    first."""
    count, hits = service.search_page(q, type, offset=offset, limit=limit)
    answer = SearchPage(count=count, offset=offset, limit=limit, results=hits)
    return render(request, answer, fmt, filename="search")


@router.get("/entities", response_model=EntityDetail, responses=RESPONSES)
def entity_by_iri(
    request: Request,
    service: ServiceDep,
    iri: Annotated[str, Query(description="IRI, id or code of the entity.",
                              examples=["https://w3id.org/smekg/id/organisation/insme"])],
    fmt: FormatQuery = None,
) -> Response:
    """Every fact about an entity, with the source graph, document and words stating it."""
    answer = service.entity(iri)
    return render(request, answer, fmt, filename="entity", rows=answer.facts, model=Fact)


@router.get("/entities/{key}", response_model=EntityDetail, responses=RESPONSES)
def entity_by_key(request: Request, service: ServiceDep, key: str, fmt: FormatQuery = None
                  ) -> Response:
    """Every fact about an entity named by id or code (insme, ITH5, IT, C25)."""
    answer = service.entity(key)
    return render(request, answer, fmt, filename=f"entity-{key}", rows=answer.facts,
                  model=Fact)


@router.get("/gaps", response_model=GapsAnswer, responses=RESPONSES)
def gaps(
    request: Request,
    service: ServiceDep,
    scope: Annotated[str, Query(description="The area to look in.", examples=["IT"])] = "world",
    region_level: Annotated[str, Query(description="country, nuts1, nuts2 or nuts3")] = "nuts2",
    sector_level: Annotated[str, Query(description="section, division, group or class")
                            ] = "section",
    sector: Sector = None,
    type: Kind = None,
    broadest: Broadest = "world",
    kinds: ProviderKinds = None,
    typology: Typology = None,
    fmt: FormatQuery = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Response:
    """The region x sector cells within a scope that no provider covers (paged: `limit`,
    `offset`, `count`, `results`, by region code then sector code).

    A cell is covered when a provider (an organisation, network, programme or good
    practice) covers the region and the sector, as `/coverage` counts. `broadest` caps the
    coverage counted: `broadest=country` asks which regions have no provider at regional or
    national level (a network serving the world covers every cell otherwise). `kinds`
    counts only some kinds of provider (`kinds=organisation,programme`). `typology` keeps
    only the NUTS-3 regions of all these typologies (`typology=mountain&region_level=nuts3`:
    the gaps of mountain regions; another `region_level` is a 422).

    The regions are those of NUTS 2024 (and the United Kingdom's of 2018): a NUTS 2021 region
    that NUTS 2024 replaced is not a row (its successor is)."""
    answer = service.gaps(scope, region_level, sector_level, sector, type, broadest, kinds,
                          join_typologies(typology), offset=offset, limit=limit)
    return render(request, answer, fmt, filename="gaps")


@router.get("/queries")
def list_queries(service: ServiceDep) -> list[dict[str, Any]]:
    """The named queries, with their parameters and an example."""
    return [
        {"name": q.name, "description": q.description, "example": q.example,
         "parameters": [{"name": p.name, "type": p.type, "required": p.required,
                         "default": p.default, "description": p.description,
                         "accepts": PARAM_TYPES[p.type]} for p in q.params]}
        for q in service.queries.values()
    ]

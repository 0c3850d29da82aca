"""The shapes of query answers (pydantic models: JSON, OpenAPI and CSV all derive from them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EntityRef(BaseModel):
    """An entity of the graph: its IRI, name, kind and code."""

    # Immutable: the index hands out one shared reference per entity.
    model_config = ConfigDict(frozen=True)

    iri: str = Field(examples=["https://w3id.org/smekg/id/organisation/insme"])
    label: str = Field(examples=["INSME"])
    type: str | None = Field(default=None, examples=["network"])
    code: str | None = Field(default=None, examples=["insme"])


class CoverageMatch(BaseModel):
    """Why an entity covers the region and sector."""

    kind: Literal["direct", "through_members"]
    region: EntityRef | None = Field(
        default=None, description="The region it serves that contains the asked region."
    )
    sector: EntityRef | None = Field(
        default=None, description="The sector it names that contains the asked sector; "
        "null when it names none (it covers all sectors)."
    )
    all_sectors: bool = Field(description="It names no sector, so it covers all sectors.")
    member_chain: list[EntityRef] = Field(
        default_factory=list,
        description="From the member that covers the region to this network.",
    )
    explanation: str


class CoverageItem(EntityRef):
    match: CoverageMatch


class CoverageAnswer(BaseModel):
    """Who covers a region and a sector."""

    region: EntityRef | None
    sector: EntityRef | None
    type: str | None = None
    service: str | None = None
    count: int = Field(description="Number of results in all pages.")
    offset: int = 0
    limit: int | None = None
    results: list[CoverageItem]


class Page(BaseModel):
    """One page of a list."""

    count: int = Field(description="Number of results in all pages.")
    offset: int = 0
    limit: int | None = None
    results: list[dict[str, Any]]


class Member(EntityRef):
    network: EntityRef = Field(description="The network it is a direct member of.")
    role: str | None = None
    since: str | None = None
    until: str | None = None
    depth: int = Field(description="1 for direct members, 2 for members of members, ...")


class Membership(BaseModel):
    network: EntityRef
    member: EntityRef = Field(description="The member of the network (the organisation asked "
                              "about, or one of its networks when transitive).")
    role: str | None = None
    since: str | None = None
    until: str | None = None
    depth: int


class LineageEdge(BaseModel):
    subject: EntityRef
    relation: str
    object: EntityRef
    depth: int = Field(description="Steps from the policy to the nearer end of the edge, +1.")


class Fact(BaseModel):
    direction: Literal["out", "in"]
    predicate: str
    value: str
    value_label: str | None = None
    is_iri: bool
    graph: str
    document: str | None = None
    evidence: str | None = None


class EntityDetail(EntityRef):
    types: list[str]
    facts: list[Fact]


class SearchHit(EntityRef):
    matched: str = Field(description="The name or code that matched.")
    matched_property: str
    score: float
    fuzzy: bool = Field(description="No name contains the text; this is a close spelling.")


class GapCell(BaseModel):
    region: EntityRef
    sector: EntityRef
    partially_covered_by: int = Field(
        description="Entities serving only a part of the cell (a sub-region or sub-sector)."
    )


class GapsAnswer(BaseModel):
    scope: EntityRef
    type: str | None = Field(default=None, description="Only coverage by this kind counted.")
    region_level: str
    sector_level: str
    sector_scope: EntityRef | None
    regions: int
    sectors: int
    cells: int
    covered: int
    gaps: int = Field(description="Cells that nothing covers.")
    offset: int = 0
    limit: int | None = None
    results: list[GapCell]


class RegionSide(BaseModel):
    region: EntityRef
    covered_by: int
    by_type: dict[str, int]
    located_here: int = Field(description="Organisations located in the region.")


class CompareAnswer(BaseModel):
    a: RegionSide
    b: RegionSide
    sector: EntityRef | None
    shared: list[EntityRef]
    only_a: list[EntityRef]
    only_b: list[EntityRef]

"""The shapes of query answers (pydantic models: JSON, OpenAPI and CSV all derive from them)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


def broadest_field() -> Any:
    """The field ``broadest`` of a gap count: the broadest level of coverage counted."""
    return Field(default="world", description="Only coverage no broader than this level "
                 "counted (nuts3, nuts2, nuts1, country, continent, world).")


def kinds_field() -> Any:
    """The field ``kinds`` of a gap count: the kinds of provider counted."""
    return Field(default=None, description="Only providers of these kinds counted (all "
                 "providers when absent).")


def typology_field() -> Any:
    """The field ``typology`` of a gap count: the NUTS-3 typologies a region is in."""
    return Field(default=None, description="Only NUTS-3 regions of all these typologies (all "
                 "regions when absent).")


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

    kind: Literal["direct", "through_members"] = Field(
        description="direct, or through_members: through the members of a network or the "
        "partners of a project.")
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
        description="From the member that covers the region to this network (for a "
        "project, from the partner that covers it to the project; the explanation says "
        "\"through its partners\").",
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
    typology: list[str] | None = Field(
        default=None, description="Only coverage of NUTS-3 regions of all these typologies "
        "(within the region, if given): a provider is a result when it covers one of them.",
        examples=[["mountain"]])
    count: int = Field(description="Number of results in all pages.")
    offset: int = 0
    limit: int | None = None
    notes: list[str] = Field(
        default_factory=list,
        description="How parameter values were read by name or by an assumption, one note "
        "each (a NUTS region's name, a NUTS 2021 code, a NACE Rev. 2 code); empty when "
        "every value was a code read as written.",
        examples=[["region='Bologna': 'Bologna' read as the NUTS 3 region ITH55 (Bologna, "
                   "IT) by its name; ..."]],
    )
    results: list[CoverageItem]


RowT = TypeVar("RowT", bound=BaseModel)


class Page(BaseModel, Generic[RowT]):
    """One page of a list: the paging contract of every list the API answers.

    ``results`` holds at most ``limit`` rows after the first ``offset`` ones, in the list's
    stable order (each page class says which); ``count`` is the number of rows in all pages.
    The CSV columns are the fields of the row model (:func:`smekg.queries.render.csv_columns`).
    """

    count: int = Field(description="Number of results in all pages.")
    offset: int = Field(default=0, description="Results skipped before this page.")
    limit: int | None = Field(default=None, description="Largest number of results a page "
                              "holds (null: all).")
    results: list[RowT]


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
        description="Providers counted (of the kinds asked, no broader than the ceiling) "
        "that serve only a part of the cell (a sub-region)."
    )


class GapsAnswer(BaseModel):
    scope: EntityRef
    type: str | None = Field(default=None, description="Only coverage by this kind counted.")
    broadest: str = broadest_field()
    kinds: list[str] | None = kinds_field()
    typology: list[str] | None = typology_field()
    region_level: str
    sector_level: str
    sector_scope: EntityRef | None
    regions: int
    sectors: int
    cells: int
    covered: int
    gaps: int = Field(description="Cells that no provider counted covers.")
    count: int = Field(description="Number of results in all pages (the gap cells), as in "
                       "every paged answer.")
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


# -- rows of the lists, and their pages (the docstring says the order) -------------------
class NetworkRow(EntityRef):
    """A network with its numbers of members."""

    members: int = Field(description="Its direct members.")
    member_networks: int = Field(description="Its direct members that are networks.")
    member_countries: int = Field(description="Its direct members that are countries.")


class OrganisationRow(EntityRef):
    """An organisation (or network) with its types, scope and services."""

    types: list[str] = Field(description="Its organisation types (codes).")
    serves: list[EntityRef] = Field(description="The regions it serves.")
    sectors: list[EntityRef] = Field(description="The sectors it names (none: all sectors).")
    services: list[str] = Field(description="The services it provides (codes).")


class LocatedOrganisation(OrganisationRow):
    """An organisation located in a region."""

    located_in: EntityRef = Field(description="The most precise region it is located in.")


class PlaceRow(EntityRef):
    """A region or a sector of a classification."""

    level: int | None = Field(default=None, description="Its level (0: country or section).")
    parents: list[EntityRef] = Field(description="The regions or sectors just above it.")


class RegionRow(PlaceRow):
    """A region: a NUTS region with the versions it is valid in and its NUTS-3 typologies."""

    versions: list[str] = Field(
        default_factory=list, description="The NUTS versions the region is valid in (2024, "
        "2021; 2018 for the United Kingdom's); empty for a region that is not a NUTS region.",
        examples=[["2021", "2024"]])
    typologies: list[str] = Field(
        default_factory=list, description="Its NUTS-3 typology classes, as stated (the most "
        "specific: mountain-surface, which a typology=mountain filter matches too).",
        examples=[["predominantly-urban", "other-metropolitan"]])


class CountryRow(EntityRef):
    """An ISO 3166-1 country."""

    continent: EntityRef | None = None
    member_of: int = Field(description="Networks it is a member of.")
    served_by: int = Field(description="Entities serving it directly.")


class ProgrammeRow(EntityRef):
    """A programme, project or good practice."""

    serves: list[EntityRef] = Field(description="The regions it serves.")
    sectors: list[EntityRef] = Field(description="The sectors it names (none: all sectors).")


class PolicyRow(EntityRef):
    """A policy, charter or publication."""

    kind: str | None = None
    date: str | None = None
    adopted_at: EntityRef | None = None
    publisher: EntityRef | None = None


class ProjectRow(EntityRef):
    """A project with its programme, funding scheme, period, budget and partners."""

    acronym: str | None = Field(default=None, description="Its acronym: the shortest of its "
                                "other names.", examples=["SENET"])
    programme: EntityRef | None = Field(default=None, description="The programme that funds "
                                        "it (smekg:fundedUnder).")
    funding_scheme: str | None = Field(default=None, description="Its funding scheme or type "
                                       "of action, as the funder names it.",
                                       examples=["HORIZON-CSA"])
    start: str | None = Field(default=None, description="Its start (YYYY, YYYY-MM or "
                              "YYYY-MM-DD).")
    end: str | None = Field(default=None, description="Its end (YYYY, YYYY-MM or YYYY-MM-DD).")
    total_cost: float | None = Field(default=None, description="Its total budget, in euros.")
    eu_contribution: float | None = Field(default=None, description="The EU funding it "
                                          "receives, in euros.")
    partner_count: int = Field(description="Its partners: the organisations taking part, in "
                               "any role (lead partner, coordinator, partner, associated "
                               "partner, third party).")


class ProjectPartner(EntityRef):
    """A partner of a project (an organisation taking part in it), with its role, budget and
    EU contribution, and where it is."""

    role: str | None = Field(default=None, description="Its role (lead-partner, coordinator, "
                             "partner, associated-partner, third-party).")
    total_cost: float | None = Field(default=None, description="Its budget in the project, "
                                     "in euros.")
    eu_contribution: float | None = Field(default=None, description="Its EU funding in the "
                                          "project, in euros.")
    since: str | None = Field(default=None, description="When it joined, if it joined later.")
    until: str | None = Field(default=None, description="When it left, if it left early.")
    country: EntityRef | None = Field(default=None, description="The country it is based in "
                                      "(else the country of its location).")
    location: EntityRef | None = Field(default=None, description="The most precise place it "
                                       "is located in.")
    partnership: str = Field(description="The IRI of the partnership (its org:Membership).")


class PartnerProject(EntityRef):
    """A project an organisation takes part in (the project), with the organisation's role,
    budget and EU contribution in it."""

    programme: EntityRef | None = Field(default=None, description="The programme that funds "
                                        "the project.")
    start: str | None = Field(default=None, description="The project's start.")
    end: str | None = Field(default=None, description="The project's end.")
    role: str | None = Field(default=None, description="The organisation's role in it.")
    total_cost: float | None = Field(default=None, description="The organisation's budget in "
                                     "it, in euros.")
    eu_contribution: float | None = Field(default=None, description="The organisation's EU "
                                          "funding in it, in euros.")
    since: str | None = Field(default=None, description="When the organisation joined, if "
                              "later than the start.")
    until: str | None = Field(default=None, description="When it left, if before the end.")
    partnership: str = Field(description="The IRI of the partnership (its org:Membership).")


class ProjectSource(BaseModel):
    """A source stating facts about a project: its graph, the rows of its file, its document
    and words."""

    graph: str
    rows: list[int] = Field(default_factory=list, description="The rows of the source's file "
                            "that state them (smekg:sourceRow).")
    document: str | None = None
    evidence: str | None = None


class ProjectDetail(ProjectRow):
    """A project: its facts, its scope and its partners (lead partner and coordinator
    first)."""

    description: str | None = None
    call: str | None = Field(default=None, description="The call for proposals it was "
                             "selected in.")
    topics: list[str] = Field(default_factory=list, description="The topic codes of the work "
                              "programme it answers.")
    objectives: list[str] = Field(default_factory=list, description="The policy and specific "
                                  "objectives of its programme it serves (PO1, RSO1.3).")
    status: str | None = Field(default=None, description="Its status, as the funder states "
                               "it.")
    grant_id: str | None = Field(default=None, description="The number the funder gives it.")
    website: str | None = None
    serves: list[EntityRef] = Field(default_factory=list, description="The regions it serves "
                                    "itself (it also covers what its partners cover).")
    sectors: list[EntityRef] = Field(default_factory=list, description="The sectors it names "
                                     "(none: all sectors).")
    themes: list[EntityRef] = Field(default_factory=list)
    policies: list[EntityRef] = Field(default_factory=list, description="The policies it "
                                      "implements.")
    sources: list[ProjectSource] = Field(default_factory=list, description="The sources of "
                                         "its facts.")
    partners_total_cost: float | None = Field(default=None, description="The sum of the "
                                              "partners' budgets stated, in euros.")
    partners_eu_contribution: float | None = Field(default=None, description="The sum of "
                                                   "the partners' EU contributions stated, "
                                                   "in euros.")
    partners: list[ProjectPartner] = Field(
        default_factory=list, description="Its partners: lead partner and coordinator "
        "first, then partners, associated partners and third parties, each by name.")


class ComparedEntity(EntityRef):
    """An entity covering both regions compared, or only one (a row of the CSV)."""

    side: Literal["both", "a", "b"] = Field(description="both, a (only a) or b (only b)")


class NetworkPage(Page[NetworkRow]):
    """Networks, by name (case-folded), then IRI."""


class OrganisationPage(Page[OrganisationRow]):
    """Organisations, by name (case-folded), then IRI."""


class LocatedOrganisationPage(Page[LocatedOrganisation]):
    """Organisations located in a region, by name (case-folded), then IRI."""


class PlacePage(Page[PlaceRow]):
    """Regions or sectors, by code (or name when it has none), then IRI."""


class RegionPage(Page[RegionRow]):
    """Regions, by code (or name when it has none), then IRI."""


class CountryPage(Page[CountryRow]):
    """Countries, by ISO 3166-1 alpha-2 code, then IRI."""


class ProgrammePage(Page[ProgrammeRow]):
    """Programmes and good practices, by name (case-folded), then IRI."""


class PolicyPage(Page[PolicyRow]):
    """Policies, by name (case-folded), then IRI."""


class MemberPage(Page[Member]):
    """Members, by depth, the network's name and IRI, the member's name and IRI, then role
    and period."""


class MembershipPage(Page[Membership]):
    """Memberships, by depth, the network's name and IRI, the member's name and IRI, then
    role and period."""


class LineagePage(Page[LineageEdge]):
    """Lineage edges, nearest first: by depth, the subject's name, the relation, the object's
    name, then the subject's, the relation's and the object's IRIs."""


class ProjectPage(Page[ProjectRow]):
    """Projects, by name (case-folded), then IRI."""


class PartnerProjectPage(Page[PartnerProject]):
    """The projects of an organisation, by the project's name (case-folded) and IRI, then
    role and period."""


class SearchPage(Page[SearchHit]):
    """Search hits, best first: by score (descending), the length of the matched text, then
    name (case-folded) and IRI."""

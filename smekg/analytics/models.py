"""The shapes of analysis results (pydantic: JSON, OpenAPI, CSV and RDF derive from them)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from smekg.queries.models import EntityRef, broadest_field, kinds_field, typology_field


class Share(BaseModel):
    """How many of a group's members have one value (a country, a sector)."""

    code: str
    label: str
    count: int
    share: float = Field(description="count / members with a known value")


class GraphSize(BaseModel):
    """The graph an analysis ran on."""

    scope: str = Field(description="The part of the knowledge graph projected.")
    nodes: int
    edges: int


class ActorScore(EntityRef):
    """Centrality of one organisation, network or member country."""

    country: str | None = None
    degree: int = Field(description="Organisations, networks and countries it is linked to.")
    members: int = Field(description="Its direct members.")
    memberships: int = Field(description="The networks it is a direct member of.")
    degree_centrality: float
    betweenness: float = Field(description="Normalised betweenness (sampled: see the answer).")
    pagerank: float


class CentralityAnswer(BaseModel):
    """Centrality of the actors of an ecosystem."""

    graph: GraphSize
    actors: int
    betweenness_sources: int | None = Field(
        description="Sources sampled for betweenness (null: exact, all sources).")
    seed: int
    by: str
    count: int = Field(description="Number of results in all pages (the actors ranked).")
    offset: int = Field(default=0, description="Results skipped before this page.")
    limit: int | None = Field(default=None, description="Largest number of results a page "
                              "holds (null: all).")
    results: list[ActorScore]


class BrokerScore(EntityRef):
    """An actor linking actors of different countries (or sectors) that are not linked."""

    country: str | None = None
    groups: int = Field(description="Distinct countries (or sectors) among its neighbours.")
    bridged_pairs: int = Field(
        description="Pairs of its neighbours in different groups, not linked to each other.")
    share: float = Field(description="bridged_pairs / pairs of neighbours with a known group")
    betweenness: float
    top_groups: list[Share]


class BrokersAnswer(BaseModel):
    """The brokers of an ecosystem."""

    graph: GraphSize
    by: str = Field(description="country or sector")
    count: int = Field(description="Number of results in all pages.")
    offset: int = Field(default=0, description="Results skipped before this page.")
    limit: int | None = Field(default=None, description="Largest number of results a page "
                              "holds (null: all).")
    results: list[BrokerScore]


class Reached(EntityRef):
    """An entity a network reaches through its members."""

    depth: int = Field(description="1: a direct member's; 2: a member's member's; ...")
    via: EntityRef = Field(description="The member through which it is first reached.")
    how: str = Field(description="member, located in, serves or names (a sector)")


class ReachLevel(BaseModel):
    """What a network reaches first at one depth, and in all up to it."""

    depth: int
    members: int
    organisations: int
    networks: int
    countries: int
    regions: int
    sectors: int
    countries_total: int
    regions_total: int
    sectors_total: int


class ReachAnswer(BaseModel):
    """How far a network (of networks) reaches through its members, depth by depth."""

    network: EntityRef
    max_depth: int | None
    levels: list[ReachLevel]
    members: list[Reached]
    countries: list[Reached]
    regions: list[Reached]
    sectors: list[Reached]

    def rows(self) -> list[dict[str, object]]:
        """What is reached, one row each, with its group (for CSV)."""
        return [{"group": group, **item.model_dump(mode="json")}
                for group in ("members", "countries", "regions", "sectors")
                for item in getattr(self, group)]


class Community(BaseModel):
    """A community of actors, with what dominates it."""

    id: int
    size: int
    networks: list[EntityRef] = Field(description="Its networks, most connected first.")
    top_members: list[EntityRef] = Field(description="Its most connected actors.")
    countries: list[Share]
    sectors: list[Share]


class CommunitiesAnswer(BaseModel):
    """Communities of actors (Louvain), largest first."""

    graph: GraphSize
    algorithm: str
    resolution: float
    seed: int
    modularity: float
    isolated: int = Field(description="Actors without links (in no community).")
    count: int = Field(description="Number of results in all pages.")
    offset: int = Field(default=0, description="Results skipped before this page.")
    limit: int | None = Field(default=None, description="Largest number of results a page "
                              "holds (null: all).")
    results: list[Community]
    membership: dict[str, int] = Field(
        default_factory=dict, exclude=True,
        description="The community id of every actor in a community (not serialised).")


class PathStep(BaseModel):
    """One link of a connection path: the relations that join two actors."""

    source: EntityRef
    target: EntityRef
    relations: list[str] = Field(description="e.g. 'IPI member_of INSME Steering Group'")


class ConnectionPath(BaseModel):
    """One way ``from`` can be introduced to ``to``."""

    length: int
    actors: list[EntityRef]
    steps: list[PathStep]


class PathsAnswer(BaseModel):
    """Connection paths between two actors, shortest first."""

    source: EntityRef
    target: EntityRef
    connected: bool
    results: list[ConnectionPath]

    def rows(self) -> list[dict[str, object]]:
        """One row per path: its actors and relations as text (for CSV)."""
        return [{"path": number, "length": path.length,
                 "actors": " → ".join(actor.label for actor in path.actors),
                 "relations": "; ".join(r for step in path.steps for r in step.relations)}
                for number, path in enumerate(self.results, start=1)]


class GapMatrix(BaseModel):
    """How many providers cover each region x sector cell within a scope."""

    scope: EntityRef
    region_level: str
    sector_level: str
    sector_scope: EntityRef | None = None
    type: str | None = None
    broadest: str = broadest_field()
    kinds: list[str] | None = kinds_field()
    typology: list[str] | None = typology_field()
    regions: list[EntityRef]
    sectors: list[EntityRef]
    counts: list[list[int]] = Field(description="counts[i][j]: covering region i, sector j")
    cells: int
    uncovered: int

    def rows(self) -> list[dict[str, object]]:
        """One row per region, one column per sector code (for CSV and spreadsheets)."""
        return [{"region": region.code or region.label, "region_name": region.label,
                 "region_iri": region.iri,
                 **{s.code or s.label: count for s, count in zip(self.sectors, counts,
                                                                strict=True)}}
                for region, counts in zip(self.regions, self.counts, strict=True)]


class RegionEcosystem(BaseModel):
    """One region's ecosystem: who is in it (located there or covering it) and how linked."""

    region: EntityRef
    covered_by: int
    located_here: int
    by_type: dict[str, int]
    actors: int
    links: int
    density: float = Field(description="links / possible links among its actors")
    networks: int = Field(description="Networks its actors belong to, at any depth.")


class EcosystemComparison(BaseModel):
    """Two regions' ecosystems side by side."""

    a: RegionEcosystem
    b: RegionEcosystem
    sector: EntityRef | None = None
    shared_networks: list[EntityRef]
    only_a_networks: list[EntityRef]
    only_b_networks: list[EntityRef]
    shared_actors: int
    jaccard: float = Field(description="shared actors / actors of either")

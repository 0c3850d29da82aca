"""Pages: one page for every entity, the networks and the sources.

Each entity has a page at ``/app/{kind}/{key}`` (``/app/network/insme-steering-group``,
``/app/region/ITH55``, ``/app/sector/C25``, ``/app/country/IT``) or ``/app/entity?iri=...``
for any entity, made of named panels as Scholia's are: its facts in words, each with its
source (the source graph, the document and the document's own words), what refers to it,
and the panels of its kind (a network's members at every depth, a region's place in the
hierarchy and who covers it, a sector's hierarchy, a policy's lineage). The routes stay
thin: the data comes from :class:`~smekg.queries.service.QueryService` and its index, and
every list is capped or paged, saying what was left out and linking the REST download of
everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from rdflib import Literal as RdfLiteral

from smekg.core.backends.oxigraph import OxigraphBackend, PinnedOxigraphBackend
from smekg.core.backends.sparql import SparqlBackend
from smekg.core.stores import GraphStore, RemoteGraphStore, SourceStore
from smekg.graph_api.deps import BoundedParams, ServiceDep
from smekg.graph_api.web._paging import last_page, page_offset
from smekg.graph_api.web.snippets import snippets
from smekg.graph_api.web.templating import (
    ENTITY_PAGE,
    KIND_NAMES,
    PAGE_KINDS,
    Links,
    page_kind,
    query_url,
    render_error,
    render_page,
)
from smekg.loaders.catalogue import list_sources, source_name
from smekg.ontology import (
    CV,
    DCTERMS,
    FOAF,
    NACE2,
    NACE21,
    ORG,
    RDF,
    RDFS,
    ROV,
    SCHEMA,
    SKOS,
    SMEKG,
    load_ontology,
)
from smekg.queries.graph_index import BREADTHS, GraphIndex
from smekg.queries.models import EntityDetail, Fact
from smekg.queries.params import SECTOR_LEVELS, ParamError
from smekg.queries.service import MAX_LIMIT, QueryService

router = APIRouter(include_in_schema=False, dependencies=[BoundedParams])

MEMBERS_PAGE = 100
"""Members of a network shown on a page of its page (``?page=``)."""
LOCATED_PAGE = 50
"""Organisations located in a region shown on a page of its page (``?page=``)."""
NETWORKS_PAGE = 100
"""Networks on a page of ``/app/networks``."""
REFERRERS_SHOWN = 100
"""Entities referring to an entity shown on its page (the CSV of its facts has all)."""
CHILDREN_SHOWN = 100
"""Regions or sectors just below one shown on its page."""
MEMBERSHIPS_SHOWN = 200
"""Networks an entity belongs to (at every depth) shown on its page."""
LINEAGE_SHOWN = 200
"""Edges of a policy's lineage shown on its page."""
TOP_COVERAGE = 20
"""Providers covering a region or a sector shown on its page (the coverage page has all)."""
PROJECTS_PAGE = 100
"""Projects on a page of ``/app/projects``."""
PROJECTS_SHOWN = 200
"""Projects an organisation takes part in shown on its page (the CSV has all)."""
FUNDED_SHOWN = 20
"""Projects funded under a programme shown on its page (``/app/projects`` has all)."""

PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page of the page's list.")]

_T = TypeVar("_T")

_WORDS = {
    str(RDF.type): "is a",
    str(SKOS.prefLabel): "name",
    str(SKOS.altLabel): "other name",
    str(SKOS.notation): "code",
    str(DCTERMS.identifier): "id",
    str(SKOS.broader): "is within",
    str(SKOS.narrower): "contains",
    str(SKOS.exactMatch): "is the same as",
    str(SCHEMA.areaServed): "serves",
    str(SCHEMA.location): "is located in",
    str(SCHEMA.foundingDate): "founded",
    str(ROV.orgType): "organisation type",
    str(ORG.classification): "type",
    str(ORG.memberOf): "is a member of",
    str(ORG.organization): "is a membership in",
    str(ORG.member): "has member",
    str(DCTERMS.source): "source document",
    str(DCTERMS.issued): "issued",
    str(CV.sector): "sector",
}
"""Properties named in plain words where the ontology's label reads less well."""
_FIRST = [str(p) for p in (SKOS.prefLabel, SKOS.altLabel, DCTERMS.identifier, SKOS.notation,
                           RDF.type, ORG.classification, ROV.orgType, DCTERMS.description)]
"""Properties shown first, in this order (the others by their label)."""
_WEB_PAGES = {str(FOAF.homepage), str(FOAF.page), str(SCHEMA.url)}
_WHERE = [str(p) for p in (SCHEMA.location, SMEKG.city, SMEKG.country,
                           SCHEMA.foundingLocation)]
"""Properties that say where an entity is (its location panel)."""
_NACE = ((str(NACE21), "NACE Rev. 2.1"), (str(NACE2), "NACE Rev. 2"))
_SECTOR_LEVEL_NAMES = {level: name for name, level in SECTOR_LEVELS.items()}


# -- links: the page of an entity ---------------------------------------------------------
# -- facts in words -------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    """A value as the page shows it: words, and the page it links to."""

    text: str
    url: str | None = None
    kind: str | None = None
    external: bool = False
    """``url`` is a page elsewhere on the web (a homepage)."""


@dataclass
class FactGroup:
    """The facts one source states about an entity, with the words that state them."""

    source: str
    """The source graph's name (``seed/organisations``)."""
    document: Shown | None
    evidence: str | None
    facts: list[tuple[str, list[Shown]]] = field(default_factory=list)
    """Each property (in words) with its values."""
    rows: list[str] = field(default_factory=list)
    """The rows of the source's file that state them (``smekg:sourceRow``)."""


@dataclass(frozen=True)
class Referrer:
    """An entity that refers to the one of the page, and how."""

    entity: Shown
    relation: str
    source: str
    document: Shown | None
    evidence: str | None


@cache
def _ontology_labels() -> dict[str, str]:
    """The English ``rdfs:label`` of every term the ontology names (a label without a
    language where it has no English one)."""
    labels: dict[str, str] = {}
    english: set[str] = set()
    for subject, label in load_ontology().subject_objects(RDFS.label):
        if not isinstance(label, RdfLiteral):
            continue
        term = str(subject)
        if label.language == "en":
            labels[term] = str(label)
            english.add(term)
        elif label.language is None and term not in english:
            labels[term] = str(label)
    return labels


@cache
def property_words(predicate: str) -> str:
    """A property in words: plain words for the common ones, else the ontology's label
    (``has broader``), else its name split (``generatedAtTime``: ``generated at time``).

    >>> property_words("http://www.w3.org/2004/02/skos/core#prefLabel")
    'name'
    >>> property_words("http://purl.org/dc/terms/issued")
    'issued'
    >>> property_words("https://example.org/vocab#statedMemberCount")
    'stated member count'
    """
    if predicate in _WORDS:
        return _WORDS[predicate]
    label = _ontology_labels().get(predicate) or _local_name(predicate)
    if " " not in label:
        label = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", label)
    # "Date Issued" -> "date issued"; "NUTS version", "SHA-256 checksum" stay
    return " ".join(word.lower() if word[:1].isupper() and word[1:].islower() else word
                    for word in label.split())


def _local_name(iri: str) -> str:
    return re.split(r"[#/:]", iri.rstrip("/#"))[-1] or iri


def _short_iri(iri: str, base: str) -> str:
    """An IRI without the store's base (``membership/insme-steering-group/ipi/member``),
    or its last part."""
    return iri[len(base):] if iri.startswith(base) and len(iri) > len(base) else _local_name(iri)


class FactReader:
    """Puts the facts of an entity in words: properties named, values linked."""

    def __init__(self, service: QueryService, links: Links) -> None:
        self.index: GraphIndex = service.index
        self.links = links
        self.minter = service.minter
        self.base = service.minter.base

    def source(self, graph: str) -> str:
        return source_name(graph, self.minter)

    def value(self, fact: Fact, *, other_end: bool = False) -> Shown:
        """The value of ``fact`` (with ``other_end``, an incoming fact's subject) in words."""
        value = fact.value
        if not fact.is_iri:
            return Shown(value)
        return self.entity(value, web_page=fact.predicate in _WEB_PAGES and not other_end)

    def entity(self, iri: str, *, web_page: bool = False) -> Shown:
        """An IRI in words: an entity of the graph with its page, a term of the ontology by
        its label, a web page as a link, anything else by its short form."""
        if self.index.has(iri):
            ref = self.index.ref(iri)
            if ref.label != iri:
                return Shown(ref.label, self.links.url(ref), ref.type)
            return Shown(_short_iri(iri, self.base), self.links.url(ref), ref.type)
        label = _ontology_labels().get(iri)
        if label is not None:
            return Shown(label)
        if web_page and iri.startswith(("http://", "https://")):
            return Shown(iri, iri, external=True)
        return Shown(_short_iri(iri, self.base))

    def document(self, fact: Fact) -> Shown | None:
        return self.entity(fact.document) if fact.document else None

    def groups(self, facts: Iterable[Fact]) -> list[FactGroup]:
        """The outgoing facts, grouped by what states them (source, document, words)."""
        found: dict[tuple[str, str | None, str | None], dict[str, list[Fact]]] = {}
        for fact in facts:
            key = (fact.graph, fact.document, fact.evidence)
            found.setdefault(key, {}).setdefault(fact.predicate, []).append(fact)
        groups = []
        for (graph, document, evidence), by_predicate in found.items():
            group = FactGroup(source=self.source(graph),
                              document=self.entity(document) if document else None,
                              evidence=evidence)
            group.rows = sorted((f.value for f in by_predicate.pop(str(SMEKG.sourceRow), [])),
                                key=lambda row: int(row) if row.isdigit() else 0)
            for predicate in sorted(by_predicate, key=self._predicate_order):
                values = [f for f in by_predicate[predicate]
                          if not (predicate == str(DCTERMS.source) and f.value == document)
                          and not (predicate == str(SMEKG.evidence) and f.value == evidence)]
                if values:
                    group.facts.append((property_words(predicate),
                                        [self.value(f) for f in values]))
            if group.facts:
                groups.append(group)
        return sorted(groups, key=lambda g: (g.source, g.document.text if g.document else "",
                                             g.evidence or ""))

    def referrers(self, facts: Iterable[Fact], limit: int) -> tuple[list[Referrer], int]:
        """The first ``limit`` incoming facts in words (who refers to the entity, how, and
        where it is stated), entities first, then statements that are no entity of their own
        (memberships), each by property and name; and their number."""
        found = list({(f.value, f.predicate, f.graph): f for f in facts}.values())
        labels, has = self.index.labels, self.index.has
        found.sort(key=lambda f: (not has(f.value), property_words(f.predicate),
                                  (labels.get(f.value) or f.value).casefold(), f.graph))
        return [Referrer(entity=self.value(f, other_end=True),
                         relation=property_words(f.predicate), source=self.source(f.graph),
                         document=self.document(f), evidence=f.evidence)
                for f in found[:limit]], len(found)

    @staticmethod
    def _predicate_order(predicate: str) -> tuple[int, str]:
        if predicate in _FIRST:
            return (_FIRST.index(predicate), "")
        return (len(_FIRST), property_words(predicate))


# -- the pages of entities ------------------------------------------------------------------
Panels = Callable[[QueryService, Links, FactReader, EntityDetail, int], dict[str, Any]]
"""What a kind of entity shows besides its facts: the panels' data, for the template."""


def _route(kind: str) -> Callable[..., Response]:
    def entity_of_kind(request: Request, service: ServiceDep, key: str,
                       page: PageNumber = 1) -> Response:
        return _entity_page(request, service, kind, key, page)

    entity_of_kind.__name__ = f"{kind.replace('-', '_')}_page"
    entity_of_kind.__doc__ = f"The page of a {KIND_NAMES[kind].lower()}, by id or code."
    return entity_of_kind


for _kind in PAGE_KINDS:
    # one route a kind: /app/{kind}/... never shadows the fixed pages (/app/map/data, ...)
    router.add_api_route(f"/app/{_kind}/{{key:path}}", _route(_kind), methods=["GET"],
                         response_class=HTMLResponse)


@router.get("/app/entity", response_class=HTMLResponse)
def entity_page(request: Request, service: ServiceDep,
                iri: Annotated[str, Query(description="IRI, id or code of the entity.")],
                page: PageNumber = 1) -> Response:
    """The page of any entity, by IRI (redirected to its kind's page where it has one)."""
    return _entity_page(request, service, None, iri, page)


def _entity_page(request: Request, service: ServiceDep, kind: str | None, key: str,
                 page: int) -> Response:
    try:
        detail, referrer_count = service.entity_page(key, REFERRERS_SHOWN)
    except ParamError as error:
        if error.status != 404:
            raise
        what = KIND_NAMES.get(kind or "", "entity").lower()
        return render_error(request, 404, "Not found",
                            f"No {what} has the id, code or IRI {key!r}.",
                            suggestions=error.suggestions)
    links = Links(service)
    url = links.url(detail)
    wanted = page_kind(detail.type)
    if kind is None and not url.startswith(ENTITY_PAGE):
        return RedirectResponse(url, status_code=307)
    if kind is not None and kind != wanted:
        return RedirectResponse(url, status_code=307)
    reader = FactReader(service, links)
    outgoing = [f for f in detail.facts if f.direction == "out"]
    # the facts of at most REFERRERS_SHOWN referring statements, and the number of them all
    referrers, shown = reader.referrers(
        (f for f in detail.facts if f.direction == "in"), REFERRERS_SHOWN)
    context: dict[str, Any] = {
        "entity": detail, "kind": wanted, "page_url": links, "types": _types(service, detail),
        "groups": reader.groups(outgoing),
        "fact_count": len(detail.facts) + referrer_count - shown,
        "referrers": referrers, "referrer_count": referrer_count,
        "downloads": {
            "csv": query_url("/entities", {"iri": detail.iri, "format": "csv"}),
            "jsonld": query_url("/entities", {"iri": detail.iri, "format": "jsonld"}),
            "json": query_url("/entities", {"iri": detail.iri}),
        },
        "question": None,
    }
    panels: dict[str | None, Panels] = {
        "network": _network, "organisation": _provider, "programme": _programme,
        "good-practice": _provider, "project": _project, "region": _region,
        "country": _region, "sector": _sector, "policy": _policy,
    }
    of_kind: Panels
    if wanted is None and detail.type == "publication":
        of_kind = _policy  # a publication has a lineage as a policy has
    else:
        of_kind = panels.get(wanted, _other)
    context.update(of_kind(service, links, reader, detail, page))
    return render_page(request, "entity.html", **context)


def _types(service: QueryService, detail: EntityDetail) -> list[str]:
    """Its organisation types (agency, chamber, ...), by name."""
    index = service.index
    return sorted(index.label(tag) for tag in detail.types if "#type-" in tag)


def counted(n: int, kind: str | None) -> str:
    """``n`` entities of ``kind`` in words.

    >>> counted(41, "country"), counted(1, "good-practice"), counted(2, "programme")
    ('41 countries', '1 good practice', '2 programmes or projects')
    """
    name = KIND_NAMES.get(kind or "", "entity")
    if name[1:2].islower():  # "Organisation" -> "organisation"; "NUTS region" stays
        name = name[0].lower() + name[1:]
    if n != 1:
        name = " or ".join(word[:-1] + "ies" if word.endswith("y") else word + "s"
                           for word in name.split(" or "))
    return f"{n:,} {name}"


def _paged(items: Sequence[_T], page: int, size: int) -> tuple[list[_T], int, int]:
    """The items of page ``page`` (of ``size``; the last page for a page beyond it), the
    number of pages and the page shown."""
    pages = last_page(len(items), size)
    page = min(page, pages)
    return list(items[page_offset(page, size):page * size]), pages, page


def _where(reader: FactReader, detail: EntityDetail) -> list[tuple[str, list[Shown]]]:
    """Where the entity is: its location, city and country, as the facts state them."""
    found: dict[str, list[Shown]] = {}
    for fact in detail.facts:
        if fact.direction == "out" and fact.predicate in _WHERE:
            shown = reader.value(fact)
            values = found.setdefault(fact.predicate, [])
            if shown not in values:
                values.append(shown)
    return [(property_words(p), found[p]) for p in _WHERE if p in found]


def _scope(service: QueryService, iri: str) -> dict[str, Any]:
    """What a provider serves: regions, sectors (none: all) and services."""
    index = service.index
    return {
        "serves": [index.ref(r) for r in index.regions_of.get(iri, ())],
        "sectors": [index.ref(s) for s in index.sectors_of.get(iri, ())],
        "services": sorted(index.label(s) for s in index.services_of.get(iri, ())),
    }


def _memberships(service: QueryService, links: Links, detail: EntityDetail
                 ) -> dict[str, Any]:
    # the index's membership links are those memberships.rq follows: without one, the
    # entity is a member of nothing, and the (slow on a large graph) query is not run.
    # Its partnerships in projects are memberships too: the Projects panel shows them.
    memberships = [m for m in (service.memberships(detail.iri, transitive=True)
                               if service.index.networks_of.get(detail.iri) else [])
                   if m.network.type != "project"]
    key = links.key(detail)
    rest = f"/organisations/{links.rest_key(detail)}/memberships"
    return {
        "memberships": memberships[:MEMBERSHIPS_SHOWN],
        "membership_count": len(memberships),
        "membership_networks": len({m.network.iri for m in memberships}),
        "memberships_csv": query_url(rest, {"transitive": "true", "format": "csv",
                                            "limit": MAX_LIMIT}) if key else None,
        "membership_graph": query_url("/app/graph", {"root": key or detail.iri,
                                                     "direction": "memberships"}),
    }


def _network(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
             page: int) -> dict[str, Any]:
    """A network: its members at every depth, the networks it belongs to, what it serves."""
    # one page of the members, and what is said of all of them, without building them all
    summary = service.members_page(detail.iri, transitive=True,
                                   offset=page_offset(page, MEMBERS_PAGE),
                                   limit=MEMBERS_PAGE)
    pages = last_page(summary.count, MEMBERS_PAGE)
    if page > pages:  # beyond the last page: the last page
        page = pages
        summary = service.members_page(detail.iri, transitive=True,
                                       offset=page_offset(page, MEMBERS_PAGE),
                                       limit=MEMBERS_PAGE)
    key = links.key(detail) or detail.iri
    rest = f"/networks/{links.rest_key(detail)}/members"
    return {
        "members": summary.page, "member_count": summary.count, "member_pages": pages,
        "page": page, "distinct_members": summary.distinct,
        "direct_members": summary.direct,
        "member_kinds": [counted(n, kind) for kind, n in summary.kinds.most_common()],
        "depth": summary.depth,
        "member_countries": summary.countries,
        "members_csv": query_url(rest, {"transitive": "true", "format": "csv",
                                        "limit": MAX_LIMIT}),
        "members_graph": query_url("/app/graph", {"root": key, "direction": "members",
                                                  "depth": 3}),
        "question": snippets(service, "members", rest,
                              {"network": key, "transitive": "true"}),
        **_memberships(service, links, detail),
        **_partner_projects(service, links, detail),
        **_scope(service, detail.iri),
        "where": _where(reader, detail),
    }


def _provider(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
              page: int) -> dict[str, Any]:
    """An organisation, programme or good practice: the networks it belongs to, what it
    serves, where it is."""
    key = links.key(detail) or detail.iri
    context = {
        **_memberships(service, links, detail),
        **_scope(service, detail.iri),
        "where": _where(reader, detail),
        "question": snippets(service, "memberships",
                              f"/organisations/{links.rest_key(detail)}/memberships",
                              {"organisation": key, "transitive": "true"}),
    }
    if detail.type == "organisation":
        context.update(_partner_projects(service, links, detail))
    return context


def _partner_projects(service: QueryService, links: Links, detail: EntityDetail
                      ) -> dict[str, Any]:
    """The projects an organisation (or a network) takes part in: its Projects panel."""
    index = service.index
    # a partner of a project has a membership link to it in the index: without one, the
    # query is not run
    in_projects = any(index.kind(n) == "project" for n in index.networks_of.get(detail.iri, ()))
    projects = service.partner_projects(detail.iri) if in_projects else []
    return {
        "partner_projects": projects[:PROJECTS_SHOWN], "partner_project_count": len(projects),
        "partner_projects_csv": query_url(
            f"/organisations/{links.rest_key(detail)}/projects",
            {"format": "csv", "limit": MAX_LIMIT}),
        "partner_projects_contribution": _sum(p.eu_contribution for p in projects),
        "partner_projects_budget": _sum(p.total_cost for p in projects),
    }


def _sum(amounts: Iterable[float | None]) -> float | None:
    """The sum of the amounts stated (None when none is)."""
    stated = [amount for amount in amounts if amount is not None]
    return round(sum(stated), 2) if stated else None


def _programme(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
               page: int) -> dict[str, Any]:
    """A programme: as any provider, and the projects funded under it."""
    key = links.key(detail) or detail.iri
    funded = service.projects(programme=detail.iri)
    return {
        **_provider(service, links, reader, detail, page),
        "funded": funded[:FUNDED_SHOWN], "funded_count": len(funded),
        "funded_url": query_url("/app/projects", {"programme": key}),
        "funded_csv": query_url("/projects", {"programme": key, "format": "csv",
                                              "limit": MAX_LIMIT}),
    }


def _project(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
             page: int) -> dict[str, Any]:
    """A project: its facts in words, its partners (with the sums of their budgets), what it
    serves itself and through its partners, its partners as a graph."""
    index = service.index
    key = links.key(detail) or detail.iri
    project = service.project(detail.iri)
    rest = f"/projects/{links.rest_key(detail)}"
    partners = {p.iri: p for p in project.partners}
    through = [(partner, [index.ref(r) for r in index.regions_of.get(partner.iri, ())])
               for partner in partners.values()]
    countries = {p.country.iri for p in project.partners if p.country is not None}
    scope = index.codes.get(next(iter(countries))) if len(countries) == 1 else None
    return {
        "project": project,
        # a document that is no entity of the graph (a URL) is a link to it
        "project_sources": [(reader.source(source.graph),
                             reader.entity(source.document, web_page=True)
                             if source.document else None,
                             source.rows, source.evidence) for source in project.sources],
        "partners_csv": query_url(rest, {"format": "csv"}),
        "partners_graph": query_url("/app/graph", {"root": key, "direction": "members",
                                                   "depth": 1}),
        "partners_map": query_url("/app/map", {"scope": scope or "Europe", "level": "nuts2",
                                               "kinds": "project"}),
        "partners_stated": sum(1 for p in project.partners if p.total_cost is not None),
        "contributions_stated": sum(1 for p in project.partners
                                    if p.eu_contribution is not None),
        "through_partners": [(partner, regions) for partner, regions in through if regions],
        "coverage_url": query_url("/app/coverage", {"region": project.serves[0].code
                                                    or project.serves[0].iri})
        if project.serves else None,
        **_memberships(service, links, detail),
        **_scope(service, detail.iri),
        "question": replace(snippets(service, "project_partners", rest, {"project": key}),
                            rest=rest),
    }


def _chain(index: GraphIndex, iri: str) -> list[str]:
    """The entities above ``iri``, broadest first, following the first parent each time."""
    chain: list[str] = []
    node = iri
    while len(chain) < 20:  # bounded: a cycle of broader links ends here
        parents = index.broader.get(node)
        if not parents or parents[0] in chain or parents[0] == iri:
            break
        node = parents[0]
        chain.append(node)
    return chain[::-1]


def _hierarchy(index: GraphIndex, detail: EntityDetail) -> dict[str, Any]:
    chain = _chain(index, detail.iri)
    others = index.broader.get(detail.iri, [])[1:]
    # NUTS regions before subdivisions, each by code
    children = sorted(index.narrower.get(detail.iri, []),
                      key=lambda c: (index.kind(c) or "", index.codes.get(c) or index.label(c), c))
    return {
        "chain": [index.ref(a) for a in chain],
        "other_parents": [index.ref(p) for p in others],
        "children": [index.ref(c) for c in children[:CHILDREN_SHOWN]],
        "child_count": len(children),
    }


def _region(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
            page: int) -> dict[str, Any]:
    """A region or a country: its place in the hierarchy, its NUTS versions and typologies,
    who covers it, who is located in it."""
    index = service.index
    iri = detail.iri
    key = links.key(detail) or iri
    covering = service.coverage(iri, None, limit=TOP_COVERAGE)
    # the count and one page, from the index (the whole list may hold every organisation)
    located_count = service.located_count(iri)
    pages = last_page(located_count, LOCATED_PAGE)
    page = min(page, pages)
    _, shown = service.organisations_in_region_page(iri, offset=page_offset(page, LOCATED_PAGE),
                                                     limit=LOCATED_PAGE)
    country = next((a for a in index.ancestors(iri) if index.kind(a) == "country"), None)
    level = index.levels.get(iri)
    map_params: dict[str, object | None] = {"scope": index.codes.get(country) if country
                                            else key}
    if detail.type == "nuts-region" and level in (1, 2, 3):
        map_params["level"] = f"nuts{level}"
    rest_key = links.rest_key(detail)
    context: dict[str, Any] = {
        **_hierarchy(index, detail),
        "superseded_children": {c for c in index.narrower.get(iri, []) if c in index.superseded},
        "versions": index.versions.get(iri, []),
        "superseded": iri in index.superseded,
        "typologies": [(index.codes.get(t, t), index.label(t))
                       for t in index.typologies.get(iri, ())],
        "level_name": _region_level(index, iri),
        "region_key": key,
        "coverage": covering,
        "coverage_url": query_url("/app/coverage", {"region": key}),
        "coverage_csv": query_url("/coverage", {"region": key, "format": "csv",
                                                "limit": MAX_LIMIT}),
        "located": shown, "located_count": located_count, "located_pages": pages, "page": page,
        "located_csv": f"/regions/{rest_key}/organisations?format=csv&limit={MAX_LIMIT}",
        "map_url": query_url("/app/map", map_params),
        "compare_url": query_url("/app/compare", {"a": key}),
        "question": snippets(service, "coverage", "/coverage", {"region": key}),
    }
    if detail.type == "country":
        context.update(_memberships(service, links, detail))
    return context


def _sector(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
            page: int) -> dict[str, Any]:
    """A sector: its hierarchy, the same sector in the other NACE revision, who covers it."""
    index = service.index
    key = links.key(detail) or detail.iri
    same = [index.ref(s) for s in index.matches.get(detail.iri, [])]
    return {
        **_hierarchy(index, detail),
        "revision": _revision(detail.iri),
        "level_name": _SECTOR_LEVEL_NAMES.get(index.levels.get(detail.iri, -1)),
        "same": [(ref, _revision(ref.iri)) for ref in same],
        "coverage": service.coverage(None, detail.iri, limit=TOP_COVERAGE),
        "coverage_url": query_url("/app/coverage", {"sector": key}),
        "coverage_csv": query_url("/coverage", {"sector": key, "format": "csv",
                                                "limit": MAX_LIMIT}),
        "map_url": query_url("/app/map", {"sector": key}),
        "question": snippets(service, "coverage", "/coverage", {"sector": key}),
    }


def _region_level(index: GraphIndex, iri: str) -> str | None:
    """A region's level in words: ``NUTS 2``, ``country``, ``continent``."""
    kind, level = index.kind(iri), index.levels.get(iri)
    if kind == "nuts-region" and level is not None:
        return f"NUTS {level}"
    if kind in ("country", "continent", "world"):
        return kind
    if kind == "subdivision":
        return f"ISO 3166-2 subdivision (as broad as {BREADTHS[index.breadth(iri)]})"
    return None


def _revision(iri: str) -> str | None:
    """The NACE revision a sector belongs to, by its IRI."""
    return next((name for prefix, name in _NACE if iri.startswith(prefix)), None)


def _policy(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
            page: int) -> dict[str, Any]:
    """A policy: what it led to and came from, who published it, where it was adopted."""
    lineage = service.policy_lineage(detail.iri)
    row = next((p for p in service.policies() if p["iri"] == detail.iri), None)
    key = links.key(detail) or detail.iri
    rest = f"/policies/{links.rest_key(detail)}/lineage"
    return {
        "lineage": lineage[:LINEAGE_SHOWN], "lineage_count": len(lineage),
        "lineage_csv": query_url(rest, {"format": "csv", "limit": MAX_LIMIT}),
        "policy": row, "words": property_words,
        "question": snippets(service, "policy_lineage", rest, {"policy": key}),
    }


def _other(service: QueryService, links: Links, reader: FactReader, detail: EntityDetail,
           page: int) -> dict[str, Any]:
    """Any other entity (an event, a publication, a source document): its facts only, and
    the question of its facts when it has a key."""
    key = links.key(detail)
    if key is None:
        return {}
    return {"question": snippets(service, "entity", f"/entities/{quote(key, safe='')}",
                                  {"entity": key})}


# -- the networks -----------------------------------------------------------------------------
@router.get("/app/networks", response_class=HTMLResponse)
def networks_page(request: Request, service: ServiceDep, page: PageNumber = 1) -> Response:
    """Every network with its numbers of members, member networks and member countries."""
    networks = service.networks()
    shown, pages, page = _paged(networks, page, NETWORKS_PAGE)
    return render_page(request, "networks.html", networks=shown, count=len(networks),
                       page=page, pages=pages, page_url=Links(service),
                       csv=query_url("/networks", {"format": "csv", "limit": MAX_LIMIT}))


# -- the projects -----------------------------------------------------------------------------
@router.get("/app/projects", response_class=HTMLResponse)
def projects_page(request: Request, service: ServiceDep, page: PageNumber = 1,
                  programme: Annotated[str | None, Query()] = None,
                  topic: Annotated[str | None, Query()] = None,
                  country: Annotated[str | None, Query()] = None) -> Response:
    """Every project (funded under a programme, answering a topic, with a partner in a
    country, if given) with its programme, period, budget and partners."""
    form = {"programme": (programme or "").strip() or None,
            "topic": (topic or "").strip() or None, "country": (country or "").strip() or None}
    projects = service.projects(**form)
    shown, pages, page = _paged(projects, page, PROJECTS_PAGE)
    return render_page(request, "projects.html", projects=shown, count=len(projects),
                       page=page, pages=pages, page_url=Links(service), form=form,
                       csv=query_url("/projects", {**form, "format": "csv",
                                                   "limit": MAX_LIMIT}),
                       question=replace(snippets(service, "projects", "/projects", form),
                                        rest=query_url("/projects", form)))


# -- the sources --------------------------------------------------------------------------
_LICENCES = """SELECT ?g ?licence WHERE {
  GRAPH ?g { ?g a smekg:SourceGraph ; dcterms:license ?licence } }"""


@dataclass(frozen=True)
class SourceRow:
    """A source of the store with its provenance (file names only, no paths)."""

    name: str
    title: str | None
    files: str | None
    triples: int
    loaded_at: str | None
    loader_version: str | None
    licence: Shown | None


def _store(service: QueryService) -> tuple[SourceStore | None, str]:
    """The store of sources behind the service, or None and the backend's name."""
    data = service.data
    if isinstance(data, OxigraphBackend | PinnedOxigraphBackend):
        return GraphStore(data.store, None), data.name
    if isinstance(data, SparqlBackend):
        return RemoteGraphStore(data.endpoint), data.name
    return None, data.name


def file_names(text: str | None) -> str | None:
    """The file names in a source's description, without their folders (no server paths).

    >>> file_names("smekg/data/reference/nuts/regions.csv; /home/me/x/changes.csv")
    'regions.csv; changes.csv'
    >>> file_names("derived from smekg/data/seed/a.csv and naceconverter 1.0.1")
    'derived from a.csv and naceconverter 1.0.1'
    """
    return re.sub(r"[^\s;]*[/\\]", "", text) if text else text


def licence_name(iri: str) -> str:
    """A licence by its usual name (``CC BY 4.0``, ``LGPL-2.1-only``), else its IRI.

    >>> licence_name("https://creativecommons.org/licenses/by-sa/4.0/")
    'CC BY-SA 4.0'
    >>> licence_name("http://data.europa.eu/eli/dec/2011/833/oj")
    'Decision 2011/833/EU'
    """
    if "spdx.org/licenses/" in iri:
        return iri.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    found = re.search(r"creativecommons\.org/licenses/([a-z-]+)/([\d.]+)", iri)
    if found:
        return f"CC {found[1].upper()} {found[2]}"
    found = re.search(r"eli/dec/(\d{4})/(\d+)/oj", iri)
    if found:
        return f"Decision {found[1]}/{found[2]}/EU"
    return iri


@router.get("/app/sources", response_class=HTMLResponse)
def sources_page(request: Request, service: ServiceDep) -> Response:
    """Every source of the store with its provenance and licence, and the licences of the
    bundled reference data."""
    store, backend = _store(service)
    rows: list[SourceRow] | None = None
    if store is not None:
        licences = {row["g"].value: row["licence"].value for row in store.select(_LICENCES)}
        rows = []
        for name, record in list_sources(store, service.minter):
            licence = licences.get(record.graph)
            rows.append(SourceRow(
                name=name, title=record.title, files=file_names(record.source),
                triples=record.triples, loaded_at=record.generated_at,
                loader_version=record.loader_version,
                licence=Shown(licence_name(licence), licence, external=True)
                if licence else None))
    return render_page(request, "sources.html", sources=rows, backend=backend,
                       total=sum(row.triples for row in rows or ()))

"""Map user tables (organisations, memberships, programmes, ...) to the ontology.

Each table kind has a documented column schema (:data:`SCHEMAS`); the templates in
``data/templates/`` are generated from it. Every row is checked (required values,
controlled vocabularies, country/region/sector codes, dates, references between
rows) and every problem names file, row, column and value. Nothing is returned
unless the whole batch is clean.

Identity: each row has an ``id`` (a stable key); IRIs are minted from it, so a
reload produces the same IRIs. Rows reference each other by ``id``, within the
batch or already in the store.

The mappers write N-Triples text (:mod:`smekg.loaders.ntriples`), not term objects: a
row's subject is ``<iri>`` once, each predicate a constant text, each value escaped as
Oxigraph prints it. IRIs are minted from checked keys, taken from the bundled reference
data (each checked once) or, for a URL a row gives, checked as the store's parser reads
IRIs: a value that is not one is a problem of its row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from pyoxigraph import BlankNode

from smekg import ontology
from smekg.core.iri import Minter, is_valid_key, nuts_region
from smekg.loaders.errors import Problem
from smekg.loaders.ntriples import (
    IriTerms,
    TextGraph,
    boolean,
    date,
    decimal,
    integer,
    iri,
    lang_string,
    string,
)
from smekg.loaders.tables import Record
from smekg.ontology import WD
from smekg.reference.regions import PostcodeResolver, nuts_country_to_iso
from smekg.reference.resolve import Resolved, ResolveError, Resolver

# The namespaces' terms as N-Triples text (``SKOS.prefLabel`` is ``<...#prefLabel>``).
CPSV, CV, DCTERMS, FOAF, LOCN, ORG, PROV, RDF, ROV, SCHEMA, SKOS, SMEKG = (
    IriTerms(namespace)
    for namespace in (ontology.CPSV, ontology.CV, ontology.DCTERMS, ontology.FOAF, ontology.LOCN,
                      ontology.ORG, ontology.PROV, ontology.RDF, ontology.ROV, ontology.SCHEMA,
                      ontology.SKOS, ontology.SMEKG))

MULTI_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    required: bool = False
    multi: bool = False
    example: str = ""


_PROVENANCE = (
    Column(
        "source",
        "Where the row's facts come from: a document id (see `documents`), a URL or a citation.",
        example="insme-history",
    ),
    Column("source_quote", "The words of the source that state the row's facts, verbatim."),
)
_COVERAGE = (
    Column(
        "covers_regions",
        "Regions served: NUTS, ISO 3166-2, ISO 3166-1 codes, country names, continents, `world`.",
        multi=True,
        example="ITH5;ES212",
    ),
    Column(
        "covers_sectors",
        "Sectors served: NACE Rev. 2.1 codes at any level (`C`, `C25`, `25.11`); NACE Rev. 2 "
        "codes Rev. 2.1 lacks as they are (`62.01`), others with `rev2:` (`rev2:25.11`); "
        "titles (`Manufacturing`). Empty = all sectors.",
        multi=True,
        example="C25;K62",
    ),
    Column(
        "themes", "Themes (smekg:Themes notations).", multi=True, example="internationalisation"
    ),
)

SCHEMAS: dict[str, tuple[Column, ...]] = {
    "documents": (
        Column("id", "Stable key of the document.", required=True, example="insme-history"),
        Column("title", "Title.", required=True),
        Column("file", "File name of the document (relative to the table)."),
        Column("sha256", "SHA-256 of the document's bytes."),
        Column("url", "Where the document is published."),
        Column("publisher", "Publisher, as stated."),
        Column("date", "Publication date (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("description", "What the document is."),
    ),
    "organisations": (
        Column(
            "id", "Stable key (letters, digits, '-', '_', '.').", required=True, example="insme"
        ),
        Column("name", "Name.", required=True),
        Column("alt_names", "Other names and acronyms.", multi=True),
        Column(
            "types",
            "Kinds (smekg:OrganisationTypes notations, e.g. network, agency, "
            "government-body); `network` makes it a smekg:Network.",
            multi=True,
            example="network;association",
        ),
        Column("country", "Country: ISO 3166-1 code or name.", example="IT"),
        Column("region", "Most precise region it is located in (NUTS or ISO 3166-2 code, or "
               "a NUTS region's name, read in the row's country)."),
        Column("city", "City or town of its address."),
        Column("postcode", "Postcode; with a country, resolves the NUTS-3 region."),
        Column("street", "Street address."),
        Column("founded", "Founding date (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("founding_place", "Region where it was founded (code or name)."),
        Column("legal_form", "Legal form, as stated."),
        Column("mission", "Mission statement, as stated."),
        Column("motto", "Motto, as stated."),
        Column("description", "Description."),
        Column("services", "Services (smekg:ServiceTypes notations).", multi=True),
        *_COVERAGE,
        Column("website", "Home page URL."),
        Column("wikidata", "Wikidata QID.", example="Q123"),
        Column("pic", "EU Participant Identification Code (nine digits; CORDIS organisationID)."),
        Column("vat_number", "VAT number, as registered (e.g. IT01234567890)."),
        Column("sme", "Whether it declares itself an SME: yes/no (also true/false, 1/0)."),
        Column("stated_members", "Number of members, as the source states it."),
        Column("stated_countries", "Number of countries of its members, as stated."),
        Column("stated_continents", "Number of continents of its members, as stated."),
        Column("stated_international_organisations", "International organisations, as stated."),
        Column("stated_networks", "Networks/intermediaries among its members, as stated."),
        *_PROVENANCE,
    ),
    "memberships": (
        Column("network", "id of the network (an organisation of type `network`).", required=True),
        Column("member", "id of the member organisation, or a country.", required=True),
        Column("member_kind", "`organisation` (default) or `country`."),
        Column("role", "Role (smekg:Roles notation); default `member`.", example="chair"),
        Column("since", "Start (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("until", "End (YYYY, YYYY-MM or YYYY-MM-DD)."),
        *_PROVENANCE,
    ),
    "projects": (
        Column("id", "Stable key.", required=True, example="ri-sme-2023"),
        Column("name", "Name (title).", required=True),
        Column("acronym", "Acronym."),
        Column("alt_names", "Other names.", multi=True),
        Column("description", "Objective or summary."),
        Column("programme", "id of the programme that funds it (a `programmes` row, e.g. "
               "interreg-europe)."),
        Column("funding_scheme", "Funding scheme or type of action, as the funder names it "
               "(e.g. HORIZON-CSA)."),
        Column("call", "Call for proposals, as the funder identifies it."),
        Column("topics", "Topic codes of the work programme (e.g. HORIZON-EIE-2022-SCALEUP-02-02).",
               multi=True),
        Column("objectives", "Policy and specific objective codes of the programme (e.g. "
               "PO1;RSO1.3).", multi=True),
        Column("status", "Status, as the funder states it (e.g. SIGNED, CLOSED)."),
        Column("grant_id", "Number the funder gives the project (grant agreement, CORDIS "
               "projectID)."),
        Column("start", "Start (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("end", "End (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("total_budget", "Total budget in euros (digits, one '.' or ',' for cents)."),
        Column("eu_contribution", "EU funding in euros (digits, one '.' or ',' for cents)."),
        *_COVERAGE,
        Column("policies", "ids of the policies it implements.", multi=True),
        Column("website", "Home page URL."),
        *_PROVENANCE,
    ),
    "partners": (
        Column("project", "id of the project.", required=True),
        Column("partner", "id of the partner organisation.", required=True),
        Column("role", "Role (smekg:Roles notation: lead-partner, coordinator, partner, "
               "associated-partner, third-party); default `partner`.", example="lead-partner"),
        Column("budget", "The partner's budget in euros (digits, one '.' or ',' for cents)."),
        Column("eu_contribution", "The partner's EU funding in euros."),
        Column("since", "Start (YYYY, YYYY-MM or YYYY-MM-DD), if it joined later."),
        Column("until", "End (YYYY, YYYY-MM or YYYY-MM-DD), if it left early."),
        *_PROVENANCE,
    ),
    "programmes": (
        Column("id", "Stable key.", required=True),
        Column("name", "Name.", required=True),
        Column("kind", "`programme` (default), `project` or `good_practice`. A project with "
               "partners, budget or funder belongs in `projects`."),
        Column("alt_names", "Other names and acronyms.", multi=True),
        Column("description", "Description."),
        Column("managed_by", "ids of the organisations that run it.", multi=True),
        Column("country", "Country where it is located: ISO 3166-1 code or name."),
        Column("region", "Most precise region where it is located (NUTS or ISO 3166-2 code, "
               "or a NUTS region's name, read in the row's country)."),
        *_COVERAGE,
        Column("services", "Services (smekg:ServiceTypes notations).", multi=True),
        Column("policies", "ids of the policies it implements.", multi=True),
        Column("featured_in", "ids of publications featuring it.", multi=True),
        Column("start", "Start (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("end", "End (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("website", "Home page URL."),
        *_PROVENANCE,
    ),
    "policies": (
        Column("id", "Stable key.", required=True),
        Column("name", "Name.", required=True),
        Column("kind", "`policy` (default), `charter`, `strategy` or `publication`."),
        Column("alt_names", "Other names.", multi=True),
        Column("description", "Description."),
        Column("issued_by", "ids of the organisations that issued or published it.", multi=True),
        Column("adopted_at", "id of the event where it was adopted."),
        Column("date", "Date (YYYY, YYYY-MM or YYYY-MM-DD)."),
        *_COVERAGE,
        Column("website", "URL."),
        *_PROVENANCE,
    ),
    "events": (
        Column("id", "Stable key.", required=True),
        Column("name", "Name.", required=True),
        Column("kind", "`event` (default), `conference` or `ministerial_conference`."),
        Column("start", "Start date (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Column("end", "End date."),
        Column("city", "City, as stated."),
        Column("location", "Most precise region of the venue (NUTS, ISO 3166-2 or country)."),
        Column("organisers", "ids of the organisers.", multi=True),
        Column("themes", "Themes (smekg:Themes notations).", multi=True),
        Column("description", "Description."),
        *_PROVENANCE,
    ),
    "relations": (
        Column("subject", "id of the subject.", required=True),
        Column("relation", "Relation name (see RELATIONS).", required=True),
        Column("object", "id of the object.", required=True),
        *_PROVENANCE,
    ),
}

# relation name -> (property, allowed subject kinds, allowed object kinds)
_AGENTS = {"organisation", "network"}
RELATIONS: dict[str, tuple[str, set[str], set[str]]] = {
    "under_auspices_of": (str(ontology.SMEKG.underAuspicesOf), _AGENTS, _AGENTS),
    "originated_at": (str(ontology.SMEKG.originatedAt), _AGENTS | {"programme"}, {"event"}),
    "follows_from": (str(ontology.SMEKG.followsFrom), _AGENTS | {"programme"}, {"policy"}),
    "proposed_by": (str(ontology.SMEKG.proposedBy), _AGENTS | {"policy", "programme"}, _AGENTS),
    "promoted_by": (str(ontology.SMEKG.promotedBy), _AGENTS | {"programme"}, _AGENTS),
    "supported_by": (str(ontology.SMEKG.supportedBy), _AGENTS | {"programme"}, _AGENTS),
    "secretariat_hosted_by": (str(ontology.SMEKG.secretariatHostedBy), _AGENTS, _AGENTS),
    "collaborates_with": (
        str(ontology.SMEKG.collaboratesWith),
        _AGENTS | {"programme", "project"},
        _AGENTS | {"programme", "project"},
    ),
    "adopted_at": (str(ontology.SMEKG.adoptedAt), {"policy"}, {"event"}),
    "organised_by": (str(ontology.SCHEMA.organizer), {"event"}, _AGENTS),
    "featured_in": (str(ontology.SMEKG.featuredIn), {"good_practice", "programme"},
                    {"publication"}),
    "published_by": (str(ontology.DCTERMS.publisher), {"publication", "policy"}, _AGENTS),
    "draws_on": (str(ontology.SMEKG.drawsOn), {"publication"}, _AGENTS | {"programme"}),
    "managed_by": (str(ontology.CV.hasCompetentAuthority), {"programme", "good_practice"}, _AGENTS),
    "implements": (str(ontology.SMEKG.implementsPolicy), {"programme", "good_practice", "project"},
                   {"policy"}),
    "funded_under": (str(ontology.SMEKG.fundedUnder), {"project"}, {"programme"}),
    "sub_organisation_of": (str(ontology.ORG.subOrganizationOf), _AGENTS, _AGENTS),
}

KIND_CLASSES: dict[str, tuple[str, ...]] = {
    "organisation": (str(ontology.SMEKG.Organisation), str(ontology.SMEKG.SupportOrganisation)),
    "network": (str(ontology.SMEKG.Organisation), str(ontology.SMEKG.Network)),
    "project": (str(ontology.SMEKG.Project), str(ontology.ORG.OrganizationalCollaboration)),
    "programme": (str(ontology.SMEKG.Programme), str(ontology.CPSV.PublicService)),
    "good_practice": (str(ontology.SMEKG.GoodPractice),),
    "policy": (str(ontology.SMEKG.Policy),),
    "publication": (str(ontology.SMEKG.Publication),),
    "event": (str(ontology.SMEKG.Event), str(ontology.SCHEMA.Event)),
    "document": (str(ontology.SMEKG.SourceDocument), str(ontology.FOAF.Document)),
}
CLASS_KINDS = {
    str(ontology.SMEKG.Network): "network",
    str(ontology.SMEKG.SupportOrganisation): "organisation",
    str(ontology.SMEKG.Organisation): "organisation",
    str(ontology.SMEKG.Project): "project",
    str(ontology.SMEKG.Programme): "programme",
    str(ontology.SMEKG.GoodPractice): "good_practice",
    str(ontology.SMEKG.Policy): "policy",
    str(ontology.SMEKG.Publication): "publication",
    str(ontology.SMEKG.Event): "event",
    str(ontology.SMEKG.SourceDocument): "document",
}
TABLE_ORDER = (
    "documents",
    "organisations",
    "events",
    "policies",
    "programmes",
    "projects",
    "memberships",
    "partners",
    "relations",
)
_URL_RE = re.compile(r"^https?://\S+$")
_PIC_RE = re.compile(r"^[0-9]{9}$")
_VAT_RE = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")
_AMOUNT_RE = re.compile(r"^([0-9]+)(?:[.,]([0-9]+))?$")
_FLAGS = {"yes": True, "y": True, "true": True, "1": True,
          "no": False, "n": False, "false": False, "0": False}


def parse_amount(text: str) -> str | None:
    """The canonical ``xsd:decimal`` of an amount written with digits and at most one
    decimal mark (``.`` or ``,``), or None.

    >>> parse_amount("1234567,5"), parse_amount("250000"), parse_amount("1.234.567")
    ('1234567.5', '250000', None)
    """
    match = _AMOUNT_RE.match(text.replace(" ", "").replace("\u00a0", ""))
    if match is None:
        return None
    whole = match.group(1).lstrip("0") or "0"
    cents = (match.group(2) or "").rstrip("0")
    return f"{whole}.{cents}" if cents else whole


def parse_flag(text: str) -> bool | None:
    """yes/no, true/false, y/n or 1/0 (any case) as a boolean; None for anything else."""
    return _FLAGS.get(text.strip().lower())
_QID_RE = re.compile(r"^Q[1-9][0-9]*$")
_WIKIDATA = str(WD)
_RESOLVED_CACHE = 100_000  # resolved values a mapper remembers (codes and names repeat)


@dataclass(frozen=True)
class Entity:
    kind: str
    iri: str


StoreLookup = Callable[[str], list[Entity]]


@dataclass
class MappingResult:
    graph: TextGraph
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    index: int = 0  # of the chunk (see TableMapper.map_chunks)


class TableMapper:
    """Maps a batch of tables to triples; see the module docstring."""

    def __init__(self, minter: Minter, lookup: StoreLookup | None = None) -> None:
        self.minter = minter
        self.resolver = Resolver(minter)
        self.lookup = lookup or (lambda _key: [])
        self._postcodes: PostcodeResolver | None = None
        self.index: dict[str, Entity] = {}
        self._kinds: dict[str, str] | None = None
        self._resolved: dict[tuple[str, str, str | None], Resolved | ResolveError] = {}
        self._iris: dict[str, str] = {}
        self._countries_of: dict[str, str | None] = {}
        iri(minter.base)  # every minted IRI starts with it: checked once

    # -- entry points ----------------------------------------------------------------
    def prepare(self, tables: Mapping[str, list[Record]], file: str) -> list[Problem]:
        """Check one file's tables and index their ids (call for every file of a batch
        before mapping any, so rows may reference ids defined in other files)."""
        problems: list[Problem] = []
        for kind in tables:
            if kind not in SCHEMAS:
                problems.append(
                    Problem(
                        file,
                        f"unknown table kind {kind!r}; expected one of: {', '.join(SCHEMAS)} "
                        "(name the file, sheet or JSON key after its kind, or pass --kind)",
                    )
                )
        if problems:
            return problems
        result = MappingResult(TextGraph())
        for kind in TABLE_ORDER:
            for record in tables.get(kind, []):
                self._check_columns(kind, record, result)
        if not result.problems:
            self._index_batch(tables, result)
        return result.problems

    def map(self, tables: Mapping[str, list[Record]]) -> MappingResult:
        """Map one prepared file's tables to triples; problems are collected, not raised."""
        result = MappingResult(TextGraph())
        for kind in TABLE_ORDER:
            mapper = getattr(self, f"_map_{kind}")
            for record in tables.get(kind, []):
                result.rows += 1
                mapper(_Row(record, self, result), result.graph)
        return result

    def map_chunks(
        self, tables: Mapping[str, list[Record]], rows: int, part: int = 0, parts: int = 1,
    ) -> Iterator[MappingResult]:
        """:meth:`map`, ``rows`` records at a time (for loads too large to hold at once).

        The records are taken in :data:`TABLE_ORDER`, a chunk every ``rows`` of them
        (numbered from 0 in :attr:`MappingResult.index`); with ``parts`` above 1, only the
        chunks whose number is ``part`` modulo ``parts`` (another process maps the others).
        """
        ordered = [(kind, records) for kind in TABLE_ORDER if (records := tables.get(kind))]
        total = sum(len(records) for _, records in ordered)
        for index in range(part, -(-total // rows), parts):
            result = MappingResult(TextGraph(), index=index)
            start, stop, offset = index * rows, (index + 1) * rows, 0
            for kind, records in ordered:
                low, high = max(start - offset, 0), min(stop - offset, len(records))
                offset += len(records)
                if low >= high:
                    continue
                mapper = getattr(self, f"_map_{kind}")
                for position in range(low, high):
                    result.rows += 1
                    mapper(_Row(records[position], self, result), result.graph)
            yield result

    def classes_of(self, iri: str) -> tuple[str, ...] | None:
        """The ``rdf:type`` classes a node of this batch is given (None: not of the batch)."""
        if self._kinds is None:
            self._kinds = {entity.iri: entity.kind for entity in self.index.values()}
        kind = self._kinds.get(iri)
        return None if kind is None else kind_classes(kind)

    def iri_text(self, value: str) -> str:
        """``<value>`` for an IRI the resolver gave (bundled reference data), checked the
        first time it is met."""
        text = self._iris.get(value)
        if text is None:
            text = iri(value)
            if len(self._iris) < _RESOLVED_CACHE:
                self._iris[value] = text
        return text

    def resolved(self, kind: str, value: str, hint: str | None = None) -> Resolved:
        """``self.resolver``'s answer for ``value`` (a ``country``, a ``region`` read in the
        country ``hint``, a ``sector`` or a concept of the scheme ``kind``), remembered:
        the same code or name resolves once per load. Raises :class:`ResolveError`."""
        key = (kind, value, hint)
        answer = self._resolved.get(key)
        if answer is None:
            resolver = self.resolver
            try:
                if kind == "country":
                    answer = resolver.country(value)
                elif kind == "region":
                    answer = resolver.region(value, country=hint)
                elif kind == "sector":
                    answer = resolver.sector(value)
                else:
                    answer = resolver.concept(kind, value)
            except ResolveError as error:
                answer = error
            if len(self._resolved) < _RESOLVED_CACHE:
                self._resolved[key] = answer
        if isinstance(answer, ResolveError):
            raise ResolveError(answer.reason, answer.suggestions)
        return answer

    # -- checks --------------------------------------------------------------------
    def _check_columns(self, kind: str, record: Record, result: MappingResult) -> None:
        names, required = _columns(kind)
        if not names.issuperset(record.values):
            for name in record.values:
                if name not in names:
                    result.problems.append(
                        record.problem(
                            f"unknown column {name!r} for {kind}; expected: "
                            f"{', '.join(c.name for c in SCHEMAS[kind])}",
                            name,
                        )
                    )
        for column in required:
            if record.values.get(column) in (None, "", []):
                result.problems.append(
                    record.problem(f"required column {column!r} is empty", column)
                )

    def _index_batch(self, tables: Mapping[str, list[Record]], result: MappingResult) -> None:
        # per kind: how a key gives the entity's kind and IRI (None: it depends on the row)
        minted: tuple[tuple[str, Callable[[str], tuple[str, str]] | None], ...] = (
            ("documents", lambda r: ("document", self.minter.source_document(r))),
            ("organisations", None),
            ("events", lambda r: ("event", self.minter.event(r))),
            ("policies", None),
            ("programmes", None),
            ("projects", lambda r: ("project", self.minter.project(r))),
        )
        for kind, iri_of in minted:
            for record in tables.get(kind, []):
                key = str(record.values["id"])
                if not is_valid_key(key):
                    result.problems.append(
                        record.problem(
                            "id must start with a letter or digit and use only letters, "
                            "digits, '.', '_', '~', '-'",
                            "id",
                            key,
                        )
                    )
                    continue
                if key in self.index:
                    result.problems.append(
                        record.problem(f"duplicate id {key!r} in this batch", "id", key)
                    )
                    continue
                if iri_of is not None:
                    entity_kind, iri = iri_of(key)
                elif kind == "organisations":
                    types = _split(record.values.get("types", ""))
                    entity_kind = "network" if "network" in types else "organisation"
                    iri = self.minter.organisation(key)
                elif kind == "policies":
                    is_publication = record.values.get("kind") in {"publication", "policy_brief"}
                    entity_kind = "publication" if is_publication else "policy"
                    iri = (self.minter.publication(key) if is_publication
                           else self.minter.policy(key))
                else:
                    entity_kind = (
                        "good_practice"
                        if record.values.get("kind") == "good_practice"
                        else "programme"
                    )
                    make = (
                        self.minter.good_practice
                        if entity_kind == "good_practice"
                        else self.minter.programme
                    )
                    iri = make(key)
                self.index[key] = Entity(entity_kind, iri)

    def reference(self, row: _Row, column: str, value: str, kinds: set[str]) -> Entity | None:
        entity = self.index.get(value)
        if entity is None:
            found = [e for e in self.lookup(value) if e.kind in kinds] or self.lookup(value)
            if len(found) > 1:
                row.problem(f"id {value!r} is ambiguous in the store", column, value)
                return None
            entity = found[0] if found else None
        if entity is None:
            row.problem(f"unknown id {value!r} (not in this batch nor in the store)", column, value)
            return None
        if entity.kind not in kinds:
            row.problem(
                f"{value!r} is a {entity.kind}, expected {' or '.join(sorted(kinds))}",
                column,
                value,
            )
            return None
        return entity

    def country_of_region(self, iri: str) -> str | None:
        """The ISO 3166-1 alpha-2 code of the country a region IRI lies in (a NUTS region,
        an ISO 3166-2 subdivision or a country), or None for areas above countries."""
        if iri in self._countries_of:
            return self._countries_of[iri]
        found = None
        for prefix in (self.minter.country(""), self.minter.subdivision("")):
            if iri.startswith(prefix):
                found = iri[len(prefix):][:2]
                break
        else:
            nuts = nuts_region("")
            if iri.startswith(nuts):
                found = nuts_country_to_iso(iri[len(nuts):][:2])
        if len(self._countries_of) < _RESOLVED_CACHE:
            self._countries_of[iri] = found
        return found

    @property
    def postcodes(self) -> PostcodeResolver:
        if self._postcodes is None:
            self._postcodes = PostcodeResolver()
        return self._postcodes

    # -- mappers, one per table kind ----------------------------------------------------
    def _map_documents(self, row: _Row, g: TextGraph) -> None:
        s = f"<{self.minter.source_document(row.text('id'))}>"
        _types(g, s, "document")
        g.add(s, DCTERMS.identifier, string(row.text("id")))
        g.add(s, DCTERMS.title, lang_string(row.text("title"), "en"))
        g.add(s, SKOS.prefLabel, lang_string(row.text("title"), "en"))
        if row.text("file"):
            g.add(s, SMEKG.fileName, string(row.text("file")))
        if row.text("sha256"):
            g.add(s, SMEKG.sha256, string(row.text("sha256").lower()))
        if row.text("url"):
            row.url(g, s, FOAF.page, "url")
        if row.text("publisher"):
            g.add(s, DCTERMS.publisher, string(row.text("publisher")))
        row.date(g, s, DCTERMS.issued, "date")
        row.literal(g, s, DCTERMS.description, "description")

    def _map_organisations(self, row: _Row, g: TextGraph) -> None:
        key = row.text("id")
        entity = self.index[key]
        s = f"<{entity.iri}>"
        _types(g, s, entity.kind)
        row.names(g, s)
        for value in row.list("types"):
            row.concept(g, s, ORG.classification, "OrganisationTypes", "types", value)
        location = row.located(g, s)
        self._address(row, g, key, s, has_location=location is not None)
        row.date(g, s, SCHEMA.foundingDate, "founded")
        if row.text("founding_place"):
            row.region(g, s, SCHEMA.foundingLocation, "founding_place")
        row.literal(g, s, ROV.orgType, "legal_form")
        row.literal(g, s, SMEKG.mission, "mission", "en")
        row.literal(g, s, SMEKG.motto, "motto", "en")
        row.literal(g, s, DCTERMS.description, "description", "en")
        for value in row.list("services"):
            row.concept(g, s, SMEKG.providesService, "ServiceTypes", "services", value)
        row.coverage(g, s)
        row.url(g, s, FOAF.homepage, "website")
        row.wikidata(g, s)
        row.identifiers(g, s)
        for column, prop in _STATED:
            row.count(g, s, prop, column)
        row.provenance(g, s)

    def _address(self, row: _Row, g: TextGraph, key: str, s: str, has_location: bool) -> None:
        if not (row.text("city") or row.text("postcode") or row.text("street")):
            return
        address = f"<{self.minter.address(key)}>"
        g.add(s, LOCN.address, address)
        g.add(address, RDF.type, LOCN.Address)
        row.literal(g, address, LOCN.postName, "city")
        row.literal(g, address, LOCN.postCode, "postcode")
        row.literal(g, address, LOCN.thoroughfare, "street")
        country = row.text("country")
        if row.text("postcode") and country and not has_location:
            match = self.resolver.countries.resolve(country)
            if match.alpha2:
                g.add(address, LOCN.adminUnitL1, string(match.alpha2))
                nuts3 = self.postcodes.nuts3(match.alpha2, row.text("postcode"))
                if nuts3:
                    row.region_code(g, s, SCHEMA.location, nuts3)
                    row.note(f"postcode {row.text('postcode')} ({match.alpha2}) is in NUTS {nuts3}")

    def _map_events(self, row: _Row, g: TextGraph) -> None:
        entity = self.index[row.text("id")]
        s = f"<{entity.iri}>"
        _types(g, s, "event")
        kind = row.text("kind") or "event"
        if kind not in {"event", "conference", "ministerial_conference"}:
            row.problem("kind must be event, conference or ministerial_conference", "kind", kind)
        elif kind != "event":
            g.add(s, SMEKG.eventKind, string(kind))
        row.names(g, s)
        row.date(g, s, SCHEMA.startDate, "start")
        row.date(g, s, SCHEMA.endDate, "end")
        row.literal(g, s, SMEKG.city, "city")
        if row.text("location"):
            row.region(g, s, SCHEMA.location, "location")
        for value in row.list("organisers"):
            target = self.reference(row, "organisers", value, _AGENTS)
            if target:
                g.add(s, SCHEMA.organizer, f"<{target.iri}>")
        for value in row.list("themes"):
            row.concept(g, s, CV.thematicArea, "Themes", "themes", value)
        row.literal(g, s, DCTERMS.description, "description", "en")
        row.provenance(g, s)

    def _map_policies(self, row: _Row, g: TextGraph) -> None:
        entity = self.index[row.text("id")]
        s = f"<{entity.iri}>"
        _types(g, s, entity.kind)
        kind = row.text("kind") or "policy"
        if kind not in {"policy", "charter", "strategy", "publication", "policy_brief"}:
            row.problem("kind must be policy, charter, strategy or publication", "kind", kind)
        elif kind not in {"policy", "publication"}:
            g.add(s, SMEKG.policyKind, string(kind))
        row.names(g, s)
        row.literal(g, s, DCTERMS.description, "description", "en")
        for value in row.list("issued_by"):
            target = self.reference(row, "issued_by", value, _AGENTS)
            if target:
                g.add(s, DCTERMS.publisher, f"<{target.iri}>")
        if row.text("adopted_at"):
            target = self.reference(row, "adopted_at", row.text("adopted_at"), {"event"})
            if target:
                g.add(s, SMEKG.adoptedAt, f"<{target.iri}>")
        row.date(g, s, DCTERMS.issued, "date")
        row.coverage(g, s)
        row.url(g, s, FOAF.homepage, "website")
        row.provenance(g, s)

    def _map_programmes(self, row: _Row, g: TextGraph) -> None:
        entity = self.index[row.text("id")]
        s = f"<{entity.iri}>"
        _types(g, s, entity.kind)
        kind = row.text("kind") or "programme"
        if kind not in {"programme", "project", "good_practice"}:
            row.problem("kind must be programme, project or good_practice", "kind", kind)
        elif kind == "project":
            g.add(s, SMEKG.programmeKind, string(kind))
        row.names(g, s)
        row.literal(g, s, DCTERMS.description, "description", "en")
        for value in row.list("managed_by"):
            target = self.reference(row, "managed_by", value, _AGENTS)
            if target:
                g.add(s, CV.hasCompetentAuthority, f"<{target.iri}>")
        row.located(g, s)
        row.coverage(g, s)
        for value in row.list("services"):
            row.concept(g, s, SMEKG.providesService, "ServiceTypes", "services", value)
        for value in row.list("policies"):
            target = self.reference(row, "policies", value, {"policy"})
            if target:
                g.add(s, SMEKG.implementsPolicy, f"<{target.iri}>")
        for value in row.list("featured_in"):
            target = self.reference(row, "featured_in", value, {"publication"})
            if target:
                g.add(s, SMEKG.featuredIn, f"<{target.iri}>")
        row.date(g, s, SCHEMA.startDate, "start")
        row.date(g, s, SCHEMA.endDate, "end")
        row.url(g, s, FOAF.homepage, "website")
        row.provenance(g, s)

    def _map_projects(self, row: _Row, g: TextGraph) -> None:
        entity = self.index[row.text("id")]
        s = f"<{entity.iri}>"
        _types(g, s, "project")
        row.names(g, s)
        if row.text("acronym"):
            g.add(s, SKOS.altLabel, lang_string(row.text("acronym"), "en"))
        row.literal(g, s, DCTERMS.description, "description", "en")
        if row.text("programme"):
            target = self.reference(row, "programme", row.text("programme"), {"programme"})
            if target:
                g.add(s, SMEKG.fundedUnder, f"<{target.iri}>")
        row.literal(g, s, SMEKG.fundingScheme, "funding_scheme")
        row.literal(g, s, SMEKG.call, "call")
        for value in row.list("topics"):
            g.add(s, SMEKG.topic, string(value))
        for value in row.list("objectives"):
            g.add(s, SMEKG.policyObjective, string(value))
        row.literal(g, s, SMEKG.projectStatus, "status")
        row.literal(g, s, SMEKG.grantId, "grant_id")
        row.date(g, s, SCHEMA.startDate, "start")
        row.date(g, s, SCHEMA.endDate, "end")
        row.amount(g, s, SMEKG.totalCost, "total_budget")
        row.amount(g, s, SMEKG.euContribution, "eu_contribution")
        row.coverage(g, s)
        for value in row.list("policies"):
            target = self.reference(row, "policies", value, {"policy"})
            if target:
                g.add(s, SMEKG.implementsPolicy, f"<{target.iri}>")
        row.url(g, s, FOAF.homepage, "website")
        row.provenance(g, s)

    def _map_partners(self, row: _Row, g: TextGraph) -> None:
        project = self.reference(row, "project", row.text("project"), {"project"})
        partner = self.reference(row, "partner", row.text("partner"), _AGENTS)
        role_value = row.text("role") or "partner"
        role = row.resolve("role", role_value, "Roles")
        if not (project and partner and role):
            return
        s = "<{}>".format(self.minter.partnership(project.iri.rsplit("/", 1)[-1],
                                                  partner.iri.rsplit("/", 1)[-1],
                                                  role.iri.split("#role-", 1)[-1]))
        g.add(s, RDF.type, ORG.Membership)
        g.add(s, ORG.organization, f"<{project.iri}>")
        g.add(s, ORG.member, f"<{partner.iri}>")
        g.add(s, ORG.role, self.iri_text(role.iri))
        row.amount(g, s, SMEKG.totalCost, "budget")
        row.amount(g, s, SMEKG.euContribution, "eu_contribution")
        row.date(g, s, SCHEMA.startDate, "since")
        row.date(g, s, SCHEMA.endDate, "until")
        row.provenance(g, s)

    def _map_memberships(self, row: _Row, g: TextGraph) -> None:
        network = self.reference(row, "network", row.text("network"), {"network"})
        member_kind = row.text("member_kind") or "organisation"
        member_value = row.text("member")
        member_iri: str | None = None
        member_key = member_value
        if member_kind == "country":
            resolved = row.resolve("member", member_value, "country")
            if resolved:
                member_iri = resolved.iri
                member_key = "country-" + resolved.iri.rsplit("/", 1)[-1]
        elif member_kind == "organisation":
            target = self.reference(row, "member", member_value, _AGENTS)
            member_iri = target.iri if target else None
        else:
            row.problem("member_kind must be organisation or country", "member_kind", member_kind)
        role_value = row.text("role") or "member"
        role = row.resolve("role", role_value, "Roles")
        if not (network and member_iri and role):
            return
        if member_iri == network.iri:
            row.problem("an organisation cannot be a member of itself", "member", member_value)
            return
        network_key = network.iri.rsplit("/", 1)[-1]
        s = f"<{self.minter.membership(network_key, member_key, role.iri.split('#role-', 1)[-1])}>"
        g.add(s, RDF.type, ORG.Membership)
        g.add(s, ORG.organization, f"<{network.iri}>")
        g.add(s, ORG.member, self.iri_text(member_iri))
        g.add(s, ORG.role, self.iri_text(role.iri))
        row.date(g, s, SCHEMA.startDate, "since")
        row.date(g, s, SCHEMA.endDate, "until")
        row.provenance(g, s)

    def _map_relations(self, row: _Row, g: TextGraph) -> None:
        name = row.text("relation").lower().replace(" ", "_").replace("-", "_")
        if name not in RELATIONS:
            row.problem(
                f"unknown relation; expected one of: {', '.join(sorted(RELATIONS))}",
                "relation",
                row.text("relation"),
            )
            return
        prop, subject_kinds, object_kinds = RELATIONS[name]
        subject = self.reference(row, "subject", row.text("subject"), subject_kinds)
        obj = self.reference(row, "object", row.text("object"), object_kinds)
        if not (subject and obj):
            return
        predicate, s, o = f"<{prop}>", f"<{subject.iri}>", f"<{obj.iri}>"
        g.add(s, predicate, o)
        if row.text("source") or row.text("source_quote"):
            # The relation's provenance sits on a reified statement (plain RDF, so every
            # SPARQL store and rdflib can read it).
            statement = str(BlankNode())
            g.add(statement, RDF.type, RDF.Statement)
            g.add(statement, RDF.subject, s)
            g.add(statement, RDF.predicate, predicate)
            g.add(statement, RDF.object, o)
            row.provenance(g, statement)


_STATED = tuple((column, getattr(SMEKG, name)) for column, name in (
    ("stated_members", "statedMemberCount"),
    ("stated_countries", "statedCountryCount"),
    ("stated_continents", "statedContinentCount"),
    ("stated_international_organisations", "statedInternationalOrganisationCount"),
    ("stated_networks", "statedNetworkCount"),
))


@cache
def _columns(kind: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The columns of a table kind, and its required ones."""
    return (frozenset(c.name for c in SCHEMAS[kind]),
            tuple(c.name for c in SCHEMAS[kind] if c.required))


@cache
def kind_classes(kind: str) -> tuple[str, ...]:
    """Every class an entity of ``kind`` is typed with by the mappers."""
    classes = list(KIND_CLASSES[kind])
    if kind in {"organisation", "network"}:
        classes.append(str(ontology.FOAF.Agent))
    if kind == "network":
        classes.append(str(ontology.ORG.Organization))
    if kind in {"policy", "publication", "good_practice", "document"}:
        classes.append(str(ontology.PROV.Entity))
    return tuple(classes)


@cache
def _class_texts(kind: str) -> tuple[str, ...]:
    return tuple(f"<{cls}>" for cls in kind_classes(kind))


def _types(g: TextGraph, s: str, kind: str) -> None:
    for cls in _class_texts(kind):
        g.add(s, RDF.type, cls)


def _split(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [stripped for part in str(value).split(MULTI_SEPARATOR) if (stripped := part.strip())]


_NO_HINT = ""  # _Row._hint before the row's country was read


class _Row:
    """One record being mapped: typed accessors that report problems at its location.

    The ``g.add`` calls take N-Triples texts: ``s`` is the subject's (``<iri>`` or a blank
    node's ``_:label``), ``prop`` a predicate's (``SKOS.prefLabel``).
    """

    __slots__ = ("_hint", "mapper", "record", "result", "values")

    def __init__(self, record: Record, mapper: TableMapper, result: MappingResult) -> None:
        self.record = record
        self.values = record.values
        self.mapper = mapper
        self.result = result
        self._hint: str | None = _NO_HINT

    def problem(self, message: str, column: str | None = None, value: object = None) -> None:
        self.result.problems.append(self.record.problem(message, column, value))

    def note(self, message: str) -> None:
        self.result.notes.append(f"{self.record.file}, row {self.record.row}: {message}")

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value.__class__ is str:
            return value.strip()
        if isinstance(value, list):
            return MULTI_SEPARATOR.join(str(v) for v in value)
        return str(value or "").strip()

    def list(self, column: str) -> list[str]:
        return _split(self.values.get(column))

    def resolve(
        self, column: str, value: str, kind: str, hint: str | None = None
    ) -> Resolved | None:
        """``value`` resolved as ``kind`` (see :meth:`TableMapper.resolved`), or None after
        reporting why not."""
        try:
            resolved = self.mapper.resolved(kind, value, hint)
        except ResolveError as error:
            self.problem(str(error), column, value)
            return None
        if resolved.note:
            translation = self.record.translation
            named = translation[column] if translation and column in translation else (
                f"column {column!r}")
            self.note(f"{named}: {resolved.note}")
        return resolved

    def names(self, g: TextGraph, s: str) -> None:
        g.add(s, DCTERMS.identifier, string(self.text("id")))
        g.add(s, SKOS.prefLabel, lang_string(self.text("name"), "en"))
        for alt in self.list("alt_names"):
            g.add(s, SKOS.altLabel, lang_string(alt, "en"))

    def literal(
        self, g: TextGraph, s: str, prop: str, column: str, language: str | None = None
    ) -> None:
        value = self.text(column)
        if value:
            g.add(s, prop, lang_string(value, language) if language else string(value))

    def date(self, g: TextGraph, s: str, prop: str, column: str) -> None:
        value = self.text(column)
        if not value:
            return
        try:
            g.add(s, prop, date(value))
        except ValueError:
            self.problem("not a date: use YYYY, YYYY-MM or YYYY-MM-DD", column, value)

    def count(self, g: TextGraph, s: str, prop: str, column: str) -> None:
        value = self.text(column)
        if not value:
            return
        if not value.isdigit():
            self.problem("must be a whole number >= 0", column, value)
            return
        g.add(s, prop, integer(int(value)))

    def url(self, g: TextGraph, s: str, prop: str, column: str) -> None:
        value = self.text(column)
        if not value:
            return
        if not _URL_RE.match(value):
            self.problem("must be an http(s) URL", column, value)
            return
        try:
            g.add(s, prop, iri(value))
        except ValueError as error:
            self.problem(f"must be an http(s) URL ({error})", column, value)

    def amount(self, g: TextGraph, s: str, prop: str, column: str) -> None:
        value = self.text(column)
        if not value:
            return
        canonical = parse_amount(value)
        if canonical is None:
            self.problem("not an amount in euros: write digits with at most one '.' or ',' "
                         "before the cents, without thousands separators (1234567.89)",
                         column, value)
            return
        g.add(s, prop, decimal(canonical))

    def identifiers(self, g: TextGraph, s: str) -> None:
        pic = self.text("pic")
        if pic:
            if _PIC_RE.match(pic):
                g.add(s, SMEKG.pic, string(pic))
            else:
                self.problem("a PIC has nine digits", "pic", pic)
        vat = self.text("vat_number")
        if vat:
            normalised = re.sub(r"[\s.\-]", "", vat).upper()
            if _VAT_RE.match(normalised):
                g.add(s, SCHEMA.vatID, string(normalised))
            else:
                self.problem("not a VAT number: a country prefix and 2-13 letters or digits "
                             "(e.g. IT01234567890)", "vat_number", vat)
        sme = self.text("sme")
        if sme:
            flag = parse_flag(sme)
            if flag is None:
                self.problem("must be yes or no (or true/false, 1/0)", "sme", sme)
            else:
                g.add(s, SMEKG.isSme, boolean(flag))

    def wikidata(self, g: TextGraph, s: str) -> None:
        value = self.text("wikidata")
        if not value:
            return
        if not _QID_RE.match(value):
            self.problem("must be a Wikidata QID such as Q42", "wikidata", value)
            return
        g.add(s, SMEKG.wikidata, f"<{_WIKIDATA}{value}>")

    def country(self, g: TextGraph, s: str, prop: str, column: str) -> Resolved | None:
        resolved = self.resolve(column, self.text(column), "country")
        if resolved:
            g.add(s, prop, self.mapper.iri_text(resolved.iri))
        return resolved

    def located(self, g: TextGraph, s: str) -> Resolved | None:
        """The row's ``country`` and ``region``; a region must lie in the row's country."""
        country = self.country(g, s, SMEKG.country, "country") if self.text("country") else None
        if not self.text("region"):
            return None
        region = self.region(g, s, SCHEMA.location, "region")
        if country is not None and region is not None:
            inside = self.mapper.country_of_region(region.iri)
            alpha2 = country.iri.rsplit("/", 1)[-1]
            if inside is not None and inside != alpha2:
                self.problem(
                    f"region {self.text('region')!r} lies in {inside}, not in the row's "
                    f"country {self.text('country')!r} ({alpha2})",
                    "region", self.text("region"),
                )
        return region

    def region(self, g: TextGraph, s: str, prop: str, column: str) -> Resolved | None:
        return self.region_value(g, s, prop, column, self.text(column))

    def country_hint(self) -> str | None:
        """The row's ``country`` as an ISO 3166-1 alpha-2 code, which tells apart regions
        of the same name (``Limburg``: NL42 or BE22); ``None`` when the row has none or an
        unknown one (the country column reports that itself)."""
        if self._hint == _NO_HINT:
            text = self.text("country")
            self._hint = self.mapper.resolver.countries.resolve(text).alpha2 if text else None
        return self._hint

    def region_value(
        self, g: TextGraph, s: str, prop: str, column: str, value: str
    ) -> Resolved | None:
        # a region name is read in the row's country first (it never excludes another)
        resolved = self.resolve(column, value, "region", self.country_hint())
        if resolved:
            g.add(s, prop, self.mapper.iri_text(resolved.iri))
        return resolved

    def region_code(self, g: TextGraph, s: str, prop: str, code: str) -> None:
        self.region_value(g, s, prop, "postcode", code)

    def concept(
        self, g: TextGraph, s: str, prop: str, scheme: str, column: str, value: str
    ) -> None:
        resolved = self.resolve(column, value, scheme)
        if resolved:
            g.add(s, prop, self.mapper.iri_text(resolved.iri))

    def coverage(self, g: TextGraph, s: str) -> None:
        for value in self.list("covers_regions"):
            self.region_value(g, s, SCHEMA.areaServed, "covers_regions", value)
        for value in self.list("covers_sectors"):
            resolved = self.resolve("covers_sectors", value, "sector")
            if resolved:
                g.add(s, CV.sector, self.mapper.iri_text(resolved.iri))
        for value in self.list("themes"):
            self.concept(g, s, CV.thematicArea, "Themes", "themes", value)

    def provenance(self, g: TextGraph, s: str) -> None:
        # the row a person would point at; the file is the source graph's provenance
        g.add(s, SMEKG.sourceRow, integer(self.record.row))
        source = self.text("source")
        if source:
            document = self.mapper.index.get(source)
            if document is None:
                found = [e for e in self.mapper.lookup(source) if e.kind == "document"]
                document = found[0] if found else None
            if document is not None and document.kind == "document":
                g.add(s, DCTERMS.source, f"<{document.iri}>")
            elif _URL_RE.match(source):
                try:
                    g.add(s, DCTERMS.source, iri(source))
                except ValueError as error:
                    self.problem(f"a source that is a URL must be an IRI ({error})", "source",
                                 source)
            else:
                g.add(s, DCTERMS.bibliographicCitation, string(source))
        quote = self.text("source_quote")
        if quote:
            g.add(s, SMEKG.evidence, lang_string(quote, "en"))

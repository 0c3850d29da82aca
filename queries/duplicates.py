"""The same organisation once: the duplicates report, for a person to confirm.

Nothing is merged here, ever: the report lists pairs of organisations that may be one,
with the reason in words, and a person decides.

* **Linked pairs**: organisations of different IRIs with the same PIC, VAT number or
  Wikidata entity (``identifier``), and organisations a source links by ``owl:sameAs``
  (``same_as``; a load links the organisations of a new source to those of other sources
  with the same identifier, see :mod:`smekg.loaders.sources`).
* **Likely pairs** (``likely``): organisations not linked whose names are alike once folded
  (:func:`name_key`: no accents, punctuation, legal forms such as srl, gmbh or ltd, nor
  words such as *the*, *of*, *di*) by rapidfuzz's ``token_set_ratio`` (at least
  ``min_score``), and that are in the same place: the same NUTS-3 region, or NUTS-2 when
  one of them is located no more precisely (or the same other region), or, when one of
  them is located no more precisely than its country, the same country and the same city.
  Names that differ in a number (``Agency 12`` and ``Agency 13``) are not alike.

Organisations are compared within blocks, never all pairs: a block is the organisations of
one NUTS-2 region (or other region) of a country, or of one city of a country; within a
block, those sharing a name word that at most :data:`SHARED_WORD_MAX` of the block share,
and each with its :data:`WINDOW` neighbours in the order of their sorted name words
(sorted neighbourhood, which catches names whose every word is common).

The data comes from the named queries of ``queries/identity/`` (with Cypher twins), so
the report runs on every backend.

Examples
--------
>>> name_key("ART-ER S.Cons.p.A.")
'art er'
>>> name_key("Acme Innovation S.r.l."), name_key("Università di Bologna")
('acme innovation', 'universita bologna')
>>> round(name_score("Acme Innovation S.r.l.", "ACME Innovation"))
100
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from typing import Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from smekg.core.backends import GraphBackend, row_iri
from smekg.core.iri import Minter, nuts_region
from smekg.core.named_queries import NamedQuery
from smekg.ontology import SCHEMA, SMEKG
from smekg.queries.graph_index import fold
from smekg.queries.models import Page
from smekg.queries.params import ParamError
from smekg.queries.registry import QUERY_DIR, load_registry
from smekg.reference.regions import nuts_country_to_iso

DEFAULT_MIN_SCORE = 0.85
"""How alike two names must be (0-1, rapidfuzz's ``token_set_ratio`` / 100) by default."""

SHARED_WORD_MAX = 50
"""A name word shared by more organisations of a block than this does not pair them up
(``consorzio``, ``bologna``): the sorted neighbourhood compares those."""

WINDOW = 4
"""Neighbours each organisation is compared with in the order of its sorted name words."""

LEGAL_FORMS = frozenset((
    "ab", "ad", "ag", "ampa", "aps", "as", "asa", "asbl", "bv", "cic", "co", "company",
    "corp", "corporation", "cv", "cvba", "dd", "doo", "eg", "ehf", "ek", "eood", "ets",
    "eurl", "ev", "gbr", "gmbh", "ggmbh", "hf", "inc", "kft", "kg", "kgaa", "limited",
    "llc", "llp", "lda", "ltd", "ltda", "mbh", "nv", "ohg", "onlus", "ood", "oy", "oyj",
    "plc", "pty", "sa", "sae", "sal", "sapa", "sarl", "sas", "sasu", "sau", "sc", "sca",
    "scarl", "scpa", "scrl", "scs", "se", "sia", "sl", "sll", "slu", "snc", "sp", "spa",
    "spzoo", "sro", "sconsarl", "sconspa", "sconsrl", "srl", "srls", "scoop", "uab",
    "ug", "vzw", "zrt", "zoo", "oo"
))
"""Legal-form words left out of names before they are compared (``S.r.l.`` is ``srl``)."""

STOP_WORDS = frozenset((
    "a", "an", "and", "at", "d", "da", "de", "dei", "degli", "del", "della", "delle",
    "dello", "der", "des", "di", "die", "das", "du", "e", "ed", "el", "en", "et", "for",
    "fur", "gli", "i", "il", "in", "l", "la", "le", "les", "lo", "los", "las", "of",
    "per", "pour", "the", "und", "van", "voor", "von", "y", "z"
))
"""Words left out of names before they are compared (several languages)."""

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_PIC, _VAT, _WIKIDATA = str(SMEKG.pic), str(SCHEMA.vatID), str(SMEKG.wikidata)
IDENTIFIER_NAMES = {_PIC: "PIC", _VAT: "VAT number", _WIKIDATA: "Wikidata entity"}
_IDENTIFIER_COLUMNS = {"pic": _PIC, "vat": _VAT, "wikidata": _WIKIDATA}


# -- names ------------------------------------------------------------------------------

def name_words(name: str) -> list[str]:
    """The words of ``name`` as compared: folded (lower case, no accents), abbreviations
    closed up (``S.r.l.`` → ``srl``), other punctuation a space, legal forms and stop words
    left out (all of them, when nothing else is left).

    >>> name_words("L'Agenzia per l'Innovazione S.p.A.")
    ['agenzia', 'innovazione']
    >>> name_words("S.r.l.")
    ['srl']
    """
    text = name.casefold() if name.isascii() else fold(name)
    words = [w for w in _NOT_WORD.split(text.replace(".", "")) if w]
    kept = [w for w in words if w not in LEGAL_FORMS and w not in STOP_WORDS]
    return kept or words


def name_key(name: str) -> str:
    """The name as compared (:func:`name_words`, joined by spaces)."""
    return " ".join(name_words(name))


def name_score(a: str, b: str) -> float:
    """How alike two names are, 0-100 (rapidfuzz's ``token_set_ratio`` of their keys)."""
    return float(fuzz.token_set_ratio(name_key(a), name_key(b), processor=None))


# -- answers ----------------------------------------------------------------------------

class DuplicateSide(BaseModel):
    """One organisation of a pair."""

    iri: str
    label: str = Field(description="Its name (the first, when it has several).")
    country: str | None = Field(default=None, description="Its country (ISO 3166-1 code).")
    location: str | None = Field(default=None, description="The region it is located in "
                                 "(NUTS, ISO 3166-2 code).")
    location_name: str | None = None
    city: str | None = None
    sources: list[str] = Field(description="The sources that state something about it.")


class DuplicatePair(BaseModel):
    """Two organisations that may be one, and why."""

    kind: Literal["identifier", "same_as", "likely"] = Field(
        description="identifier: the same PIC, VAT number or Wikidata entity; same_as: a "
        "source links them by owl:sameAs; likely: alike names in the same place.")
    score: float = Field(description="1 for linked pairs; for likely ones, how alike the "
                         "names are (0-1).")
    reason: str = Field(examples=["names 'ART-ER S.Cons.p.A.' and 'ART-ER' are 100% alike; "
                                  "both in ITH55 Bologna"])
    identifier: str | None = Field(default=None, description="The identifiers both have "
                                   "(PIC 999999999, VAT number IT01234567890, Wikidata "
                                   "entity Q42).")
    linked_by: list[str] = Field(description="The sources that state owl:sameAs between "
                                 "them.")
    a: DuplicateSide
    b: DuplicateSide


class DuplicatesPage(Page[DuplicatePair]):
    """Pairs of organisations that may be one: the linked pairs first (by identifier),
    then the likely ones, most alike first."""

    min_score: float = Field(description="Likely pairs have names at least this alike.")
    country: str | None = Field(default=None, description="Only pairs with an organisation "
                                "in this country (ISO 3166-1 code).")
    organisations: int = Field(description="Organisations compared.")


# -- the data ---------------------------------------------------------------------------

@dataclass
class _Organisation:
    iri: str
    names: list[str] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)  # IRIs
    locations: set[str] = field(default_factory=set)  # IRIs
    cities: list[str] = field(default_factory=list)
    identifiers: set[tuple[str, str]] = field(default_factory=set)  # (property, value)


@dataclass
class _Place:
    code: str
    name: str | None = None


@dataclass
class _Data:
    organisations: dict[str, _Organisation]
    places: dict[str, _Place]
    same_as: dict[tuple[str, str], set[str]]  # (a, b) with a < b -> graphs stating it


@cache
def duplicates_queries() -> dict[str, NamedQuery]:
    """The named queries the report reads (``queries/identity/``)."""
    return load_registry(QUERY_DIR / "identity")


def _read(backend: GraphBackend) -> _Data:
    queries = duplicates_queries()
    organisations: dict[str, _Organisation] = {}
    for row in backend.select(queries["organisation_sources"], {}):
        iri = str(row["organisation"])
        found = organisations.get(iri)
        if found is None:
            found = organisations[iri] = _Organisation(iri)
        found.sources.add(str(row["source"]))
    for row in backend.select(queries["organisation_facts"], {}):
        entity = organisations.get(str(row["entity"]))
        if entity is None:  # not an organisation
            continue
        kind, value = row["kind"], str(row["value"])
        if kind == "name":
            entity.names.append(value)
        elif kind == "location":
            entity.locations.add(value)
        elif kind == "country":
            entity.countries.add(value)
        elif kind == "city":
            entity.cities.append(value)
        elif kind in _IDENTIFIER_COLUMNS:
            entity.identifiers.add((_IDENTIFIER_COLUMNS[kind], value))
    places: dict[str, _Place] = {}
    for row in backend.select(queries["organisation_places"], {}):
        iri, code = str(row_iri(row, "place")), str(row["code"])
        name = str(row["name"]) if "name" in row else None
        place = places.setdefault(iri, _Place(code, name))
        # one code and one name, whatever the engine's order: the least of each
        place.code = min(place.code, code)
        if name is not None and (place.name is None or name < place.name):
            place.name = name
    same_as: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in backend.select(queries["same_as"], {}):
        a, b = str(row_iri(row, "entity")), str(row_iri(row, "same"))
        if a != b and a in organisations and b in organisations:
            same_as[(min(a, b), max(a, b))].add(str(row_iri(row, "source")))
    for entity in organisations.values():
        entity.names = sorted(set(entity.names))
        entity.cities = sorted(set(entity.cities))
    return _Data(organisations, places, dict(same_as))


# -- the report -------------------------------------------------------------------------

@dataclass
class DuplicatesReport:
    """What :func:`find_duplicates` found."""

    pairs: list[DuplicatePair]
    organisations: int
    min_score: float
    country: str | None
    seconds: float

    def page(self, offset: int = 0, limit: int | None = None) -> DuplicatesPage:
        end = None if limit is None else offset + limit
        return DuplicatesPage(count=len(self.pairs), offset=offset, limit=limit,
                              results=self.pairs[offset:end], min_score=self.min_score,
                              country=self.country, organisations=self.organisations)


def resolve_country(value: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country given by code or name (``IT``, ``ITA``,
    ``Italy``); a :class:`ParamError` (422) for anything else.

    >>> resolve_country("Italia"), resolve_country(None)
    ('IT', None)
    """
    if value is None or not value.strip():
        return None
    from smekg.reference.countries import default_resolver

    match = default_resolver().resolve(value)
    if match.alpha2 is None:
        raise ParamError("country", value, "unknown country", status=422,
                         suggestions=list(match.candidates[:3]))
    return match.alpha2


def find_duplicates(
    backend: GraphBackend, minter: Minter, *, min_score: float = DEFAULT_MIN_SCORE,
    country: str | None = None,
) -> DuplicatesReport:
    """The pairs of organisations of ``backend`` that may be one (see the module notes):
    the linked ones, then the likely ones with names at least ``min_score`` alike (0-1);
    with ``country`` (ISO 3166-1 alpha-2), only pairs with an organisation there."""
    if not 0 <= min_score <= 1:
        raise ParamError("min_score", str(min_score), "must be between 0 and 1", status=422)
    started = time.perf_counter()
    data = _read(backend)
    report = _Report(data, minter)
    linked = report.linked()
    likely = report.likely(min_score, {(p.a.iri, p.b.iri) for p in linked})
    pairs = [p for p in linked + likely
             if country is None or country in (p.a.country, p.b.country)]
    return DuplicatesReport(pairs, len(data.organisations), min_score, country,
                            time.perf_counter() - started)


class _Report:
    def __init__(self, data: _Data, minter: Minter) -> None:
        self.data = data
        self.graph_prefix = minter.graph("")
        self.country_prefix = minter.country("")
        self.nuts_prefix = nuts_region("")
        self._sides: dict[str, DuplicateSide] = {}
        self._countries: dict[str, str | None] = {}
        self._precise: dict[str, bool] = {}

    # -- what an organisation is called and where it is
    def source_name(self, graph: str) -> str:
        return graph.removeprefix(self.graph_prefix)

    def code(self, place: str) -> str:
        found = self.data.places.get(place)
        return found.code if found is not None else place.rsplit("/", 1)[-1]

    def country_of(self, entity: _Organisation) -> str | None:
        """ISO 3166-1 alpha-2: its country's, else that of the region it is located in."""
        if entity.iri in self._countries:
            return self._countries[entity.iri]
        found: str | None = None
        if entity.countries:
            found = self.code(min(entity.countries))
        elif entity.locations:
            iri = min(entity.locations)
            code = self.code(iri)
            found = nuts_country_to_iso(code[:2]) if iri.startswith(self.nuts_prefix) else code[:2]
        self._countries[entity.iri] = found
        return found

    def location_of(self, entity: _Organisation) -> str | None:
        """The most precise region it is located in (the longest code)."""
        if not entity.locations:
            return None
        return min(entity.locations, key=lambda iri: (-len(self.code(iri)), iri))

    def side(self, iri: str) -> DuplicateSide:
        found = self._sides.get(iri)
        if found is None:
            entity = self.data.organisations[iri]
            location = self.location_of(entity)
            place = self.data.places.get(location) if location else None
            # built as they are (no validation): the values are the report's own
            found = self._sides[iri] = DuplicateSide.model_construct(
                iri=iri, label=entity.names[0] if entity.names else iri.rsplit("/", 1)[-1],
                country=self.country_of(entity),
                location=self.code(location) if location else None,
                location_name=place.name if place else None,
                city=entity.cities[0] if entity.cities else None,
                sources=sorted(self.source_name(g) for g in entity.sources))
        return found

    # -- linked pairs
    def linked(self) -> list[DuplicatePair]:
        shared: dict[tuple[str, str], list[str]] = defaultdict(list)
        holders: dict[tuple[str, str], list[str]] = defaultdict(list)
        for entity in self.data.organisations.values():
            for identifier in entity.identifiers:
                holders[identifier].append(entity.iri)
        for (prop, value), iris in sorted(holders.items()):
            if len(iris) < 2:
                continue
            shown = value.rsplit("/", 1)[-1] if prop == _WIKIDATA else value
            for a, b in combinations(sorted(iris), 2):
                shared[(a, b)].append(f"{IDENTIFIER_NAMES[prop]} {shown}")
        pairs = []
        for key in set(shared) | set(self.data.same_as):
            a, b = key
            linked_by = sorted(self.source_name(g) for g in self.data.same_as.get(key, ()))
            links = (f"{', '.join(linked_by)} link{'s' if len(linked_by) == 1 else ''} them "
                     "by owl:sameAs")
            same = shared.get(key)
            if same:
                reason = (f"both have the same {' and the same '.join(same)}; "
                          + (links if linked_by else "no source links them by owl:sameAs"))
            else:
                reason = links
            pairs.append(DuplicatePair.model_construct(
                kind="identifier" if same else "same_as", score=1.0, reason=reason,
                identifier="; ".join(same) if same else None, linked_by=linked_by,
                a=self.side(a), b=self.side(b)))
        pairs.sort(key=lambda p: (p.kind != "identifier", p.identifier or "",
                                  p.a.label.casefold(), p.b.label.casefold(), p.a.iri, p.b.iri))
        return pairs

    # -- likely pairs
    def precise(self, iri: str) -> bool:
        """Whether a location tells a place within a country (NUTS-2 or finer, a
        subdivision): countries and NUTS-1 regions are too broad to say two are one."""
        found = self._precise.get(iri)
        if found is None:
            found = self._precise[iri] = (
                len(self.code(iri)) >= 4 if iri.startswith(self.nuts_prefix)
                else not iri.startswith(self.country_prefix))
        return found

    def shared_place(self, a: str, b: str) -> str | None:
        """The region two precise locations share (the coarser, if one holds the other)."""
        if a == b:
            return a
        if a.startswith(self.nuts_prefix) and b.startswith(self.nuts_prefix):
            ca, cb = self.code(a), self.code(b)
            n = min(len(ca), len(cb))
            if n >= 4 and ca[:n] == cb[:n]:
                return a if len(ca) == n else b
        return None

    def place_text(self, iri: str) -> str:
        place = self.data.places.get(iri)
        code = self.code(iri)
        return f"{code} {place.name}" if place and place.name else code

    def same_place(self, a: _Organisation, b: _Organisation) -> str | None:
        """Where both are (in words), or None when they are not in the same place."""
        here = [iri for iri in sorted(a.locations) if self.precise(iri)]
        there = [iri for iri in sorted(b.locations) if self.precise(iri)]
        if here and there:
            for x in here:
                for y in there:
                    shared = self.shared_place(x, y)
                    if shared is not None:
                        return self.place_text(shared)
            return None
        country = self.country_of(a)
        if country is None or country != self.country_of(b):
            return None
        cities = {name_key(c) for c in b.cities}
        for city in a.cities:
            if name_key(city) in cities:
                return f"{city} ({country})"
        return None

    def blocks(self, entities: list[_Organisation]) -> list[list[int]]:
        """The organisations compared with one another (by their position in
        ``entities``): those of one region (NUTS-2 and the NUTS-3 within it), or of one
        city of a country."""
        found: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for number, entity in enumerate(entities):
            for location in entity.locations:
                if not self.precise(location):
                    continue
                if location.startswith(self.nuts_prefix):
                    found[("nuts", self.code(location)[:4])].append(number)
                else:
                    found[("region", location)].append(number)
            country = self.country_of(entity)
            if country:
                for city in {name_key(c) for c in entity.cities}:
                    found[("city", country, city)].append(number)
        return [sorted(set(members)) for members in found.values() if len(members) > 1]

    def likely(self, min_score: float, linked: set[tuple[str, str]]) -> list[DuplicatePair]:
        entities = [e for e in self.data.organisations.values() if e.names]
        # per organisation: its names as compared, their words and their numbers
        keys: list[list[str]] = []
        words: list[list[frozenset[str]]] = []
        numbers: list[list[frozenset[str]]] = []
        for entity in entities:
            found = sorted({name_key(n) for n in entity.names} - {""})
            keys.append(found)
            words.append([frozenset(k.split()) for k in found])
            numbers.append([_numbers(k) for k in found])
        order = [" ".join(sorted(w[0])) if w else "" for w in words]
        number_of = {entity.iri: number for number, entity in enumerate(entities)}
        skip = {(min(x, y), max(x, y)) for a, b in linked
                if (x := number_of.get(a)) is not None and (y := number_of.get(b)) is not None}
        candidates: set[tuple[int, int]] = set()
        for members in self.blocks(entities):
            by_word: dict[str, list[int]] = defaultdict(list)
            for number in members:
                for word in frozenset().union(*words[number]):
                    by_word[word].append(number)
            for sharing in by_word.values():
                if 1 < len(sharing) <= SHARED_WORD_MAX:
                    candidates.update(combinations(sharing, 2))
            ordered = sorted(members, key=order.__getitem__)
            for position, number in enumerate(ordered):
                for other in ordered[position + 1:position + 1 + WINDOW]:
                    candidates.add((number, other) if number < other else (other, number))
        cutoff = min_score * 100
        ratio = fuzz.token_set_ratio
        found_pairs: list[tuple[float, int, int]] = []
        for a, b in candidates - skip:
            if len(keys[a]) == 1 and len(keys[b]) == 1:  # the usual case, made quick
                if numbers[a][0] and numbers[b][0] and numbers[a][0] != numbers[b][0]:
                    continue  # Agency 12 and Agency 13
                best = ratio(keys[a][0], keys[b][0], processor=None, score_cutoff=cutoff)
            else:
                best = 0.0
                for ka, na in zip(keys[a], numbers[a], strict=True):
                    for kb, nb in zip(keys[b], numbers[b], strict=True):
                        if na and nb and na != nb:
                            continue
                        best = max(best, ratio(ka, kb, processor=None, score_cutoff=cutoff))
            if best:
                found_pairs.append((best, a, b))
        pairs = []
        for score, a, b in found_pairs:
            first, second = sorted((entities[a], entities[b]), key=lambda e: e.iri)
            where = self.same_place(first, second)
            if where is None:
                continue
            side_a, side_b = self.side(first.iri), self.side(second.iri)
            pairs.append(DuplicatePair.model_construct(
                kind="likely", score=round(score / 100, 3),
                reason=f"names '{side_a.label}' and '{side_b.label}' are "
                       f"{round(score)}% alike; both in {where}",
                identifier=None, linked_by=[], a=side_a, b=side_b))
        pairs.sort(key=lambda p: (-p.score, p.a.label.casefold(), p.b.label.casefold(),
                                  p.a.iri, p.b.iri))
        return pairs


_NUMBER = re.compile(r"\b[0-9]+\b")
_NO_NUMBERS: frozenset[str] = frozenset()


def _numbers(key: str) -> frozenset[str]:
    """The numbers among the words of a name key (``agency 12`` → ``{"12"}``)."""
    return frozenset(_NUMBER.findall(key)) if _NUMBER.search(key) else _NO_NUMBERS

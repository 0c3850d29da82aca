"""Resolve the codes and names people write in tables to graph IRIs.

Regions accept NUTS codes (``ITH5``), ISO 3166-2 codes (``GB-KEN``), ISO 3166-1
codes or country names (``IT``, ``ITA``, ``Italy``, ``Luxemborg``), continents
(``Europe``) and ``world``. Sectors accept NACE codes at any level in any usual
spelling (``C``, ``C25``, ``25.11``, ``2511``); a ``rev2:`` prefix selects NACE Rev. 2
instead of the default Rev. 2.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry
from rdflib import Graph

from smekg.core.iri import Minter, nace_sector, nuts_region
from smekg.ontology import SKOS, SMEKG, load_ontology
from smekg.reference.countries import default_resolver
from smekg.reference.regions import bundled_nuts_codes, nuts_country_to_iso
from smekg.reference.sectors import InvalidNaceCode, nace21_codes, normalise_nace_code

CONTINENTS = {
    "africa": "002",
    "americas": "019",
    "america": "019",
    "asia": "142",
    "europe": "150",
    "oceania": "009",
    "antarctica": "010",
}
_NUTS_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,3}$")
_SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[0-9A-Z]{1,3}$")


class ResolveError(ValueError):
    """A value could not be resolved; the message says why and suggests what was meant."""


@dataclass(frozen=True)
class Resolved:
    iri: str
    note: str | None = None  # set when the match was approximate, for the load report


@cache
def _nuts_codes() -> frozenset[str]:
    return frozenset(bundled_nuts_codes())


@cache
def _nace21_codes() -> frozenset[str]:
    return frozenset(entry.code for entry in nace21_codes())


@cache
def concept_notations(scheme: str) -> dict[str, str]:
    """``{notation: concept IRI}`` of one of the ontology's SKOS schemes (e.g. ``Themes``)."""
    graph: Graph = load_ontology()
    result = {}
    for concept in graph.subjects(SKOS.inScheme, SMEKG[scheme]):
        for notation in graph.objects(concept, SKOS.notation):
            result[str(notation)] = str(concept)
    return result


def _country_name(alpha2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha2)
    return f"{country.name} ({alpha2})" if country else alpha2


class Resolver:
    """Resolves region, country and sector values against the bundled reference data."""

    def __init__(self, minter: Minter) -> None:
        self.minter = minter
        self.countries = default_resolver()

    def country(self, value: str) -> Resolved:
        match = self.countries.resolve(value)
        if match.alpha2 is None:
            names = [_country_name(code) for code in match.candidates[:3]]
            hint = f"; did you mean {', '.join(names)}?" if names else ""
            raise ResolveError(f"unknown country {value!r}{hint}")
        note = None
        if match.method == "fuzzy":
            note = f"{value!r} read as {match.name} ({match.alpha2}), fuzzy score {match.score:.0f}"
        elif match.method == "regex":
            note = f"{value!r} read as {match.name} ({match.alpha2}) by its name pattern"
        return Resolved(self.minter.country(match.alpha2), note)

    def region(self, value: str) -> Resolved:
        text = value.strip()
        prefix, _, rest = text.partition(":")
        if rest and prefix.lower() in {"nuts", "iso", "country"}:
            text = rest.strip()
            if prefix.lower() == "country":
                return self.country(text)
        lowered = text.lower()
        if lowered in {"world", "001", "global", "worldwide"}:
            return Resolved(self.minter.area("001"))
        if lowered in CONTINENTS:
            return Resolved(self.minter.area(CONTINENTS[lowered]))
        if text in CONTINENTS.values():
            return Resolved(self.minter.area(text))
        upper = text.upper()
        if len(upper) == 2 and upper.isalpha():
            iso = nuts_country_to_iso(upper)
            if pycountry.countries.get(alpha_2=iso) is not None:
                return Resolved(self.minter.country(iso))
        if _NUTS_RE.match(upper) and upper in _nuts_codes():
            return Resolved(nuts_region(upper))
        if _SUBDIVISION_RE.match(upper):
            # pycountry's Subdivisions.get() overrides the typed Database.get() unannotated
            if pycountry.subdivisions.get(code=upper) is not None:  # type: ignore[no-untyped-call]
                return Resolved(self.minter.subdivision(upper))
            raise ResolveError(f"unknown ISO 3166-2 subdivision code {text!r}")
        if (_NUTS_RE.match(upper) and len(upper) > 3) or (len(upper) == 3 and upper[2].isdigit()):
            close = sorted(c for c in _nuts_codes() if c.startswith(upper[:-1]))[:5]
            hint = f"; codes nearby: {', '.join(close)}" if close else ""
            raise ResolveError(f"unknown NUTS code {text!r}{hint}")
        try:
            return self.country(text)
        except ResolveError as error:
            raise ResolveError(
                f"unknown region {text!r}: not a NUTS code, an ISO 3166-2 or ISO 3166-1 code, "
                f"a continent or a country name ({error})"
            ) from None

    def sector(self, value: str) -> Resolved:
        text = value.strip()
        version = "2.1"
        prefix, _, rest = text.partition(":")
        if rest and prefix.lower() in {"rev2", "nace2", "rev2.1", "nace2.1"}:
            version = "2" if prefix.lower() in {"rev2", "nace2"} else "2.1"
            text = rest.strip()
        try:
            code = normalise_nace_code(text)
        except InvalidNaceCode as error:
            raise ResolveError(f"bad NACE code {value!r}: {error}") from None
        if version == "2.1" and code not in _nace21_codes():
            raise ResolveError(f"bad NACE code {value!r}: {code!r} is not a NACE Rev. 2.1 code")
        return Resolved(nace_sector(version, code))

    def concept(self, scheme: str, value: str) -> Resolved:
        notations = concept_notations(scheme)
        key = value.strip().lower().replace(" ", "-").replace("_", "-")
        if key not in notations:
            raise ResolveError(
                f"unknown value {value!r}; expected one of: {', '.join(sorted(notations))}"
            )
        return Resolved(notations[key])

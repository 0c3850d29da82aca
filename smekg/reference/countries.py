"""ISO 3166-1 countries, UN M49 continents and the world; country names as documents write them.

:class:`CountryResolver` maps the names real documents use ("Chinese Taipei", "Czech
republic", "Luxemborg") to ISO 3166-1 alpha-2 codes, and says how sure it is.
:func:`build_countries` builds the country, continent and world concepts.

Data come from installed packages: pycountry (ISO 3166-1 codes and names) and
country_converter (its ``country_data.tsv``: UN M49 codes, continents, sub-regions and
name regexes). ``country_converter.CountryConverter`` itself is not used: its ``convert``
fails on unmatched names under pandas 3, so the TSV is read directly.

The names European countries give themselves ("Deutschland", "España", "Ελλάδα") come
from pycountry's own translations of the ISO 3166-1 names (its bundled gettext catalogues),
each country in its official languages (:data:`NATIVE_LANGUAGES`).

Examples
--------
>>> resolver = CountryResolver()
>>> resolver.resolve("Chinese Taipei").alpha2
'TW'
>>> resolver.resolve("Deutschland").alpha2, resolver.resolve("Deutschland").method
('DE', 'translation')
>>> match = resolver.resolve("Luxemborg")
>>> match.alpha2, match.method
('LU', 'regex')
>>> resolver.resolve("Atlantis").alpha2 is None
True
"""

from __future__ import annotations

import csv
import gettext
import io
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal as TypingLiteral

import pycountry
from pyoxigraph import Literal, NamedNode
from rapidfuzz import fuzz, process

from smekg.core.iri import WORLD_M49, Minter
from smekg.core.rdf import GraphBuilder
from smekg.ontology import RDF, SKOS, SMEKG
from smekg.reference.regions import (
    NUTS_COUNTRY_TO_ISO,
    bundled_nuts_countries,
    iso_to_nuts_country,
    nuts_country_to_iso,
)

__all__ = [
    "ALIASES",
    "CONTINENTS",
    "COUNTRIES_WITHOUT_CONTINENT",
    "DISSOLVED_STATES",
    "FUZZY_MIN_MARGIN",
    "FUZZY_MIN_SCORE",
    "MAX_NAME_CHARS",
    "NATIVE_LANGUAGES",
    "CountryData",
    "CountryMatch",
    "CountryResolver",
    "MatchMethod",
    "ResolutionReport",
    "UnknownCountryError",
    "build_countries",
    "continent_m49",
    "countries_without_continent",
    "country_data",
    "default_resolver",
]

MatchMethod = TypingLiteral["code", "name", "alias", "translation", "regex", "fuzzy"]

FUZZY_MIN_SCORE = 85.0
"""A fuzzy match is accepted only with at least this score (0-100) ..."""
FUZZY_MIN_MARGIN = 5.0
"""... and at least this lead over the best-scoring name of any other country."""
MAX_NAME_CHARS = 200
"""Longest text tried as a country name (the longest ISO 3166-1 official name has 56
characters). Longer texts are unresolved at once: country_converter's regexes
(``.*italy``, ``.*(united.?kingdom|...)``) take time quadratic in the text's length, and
so does fuzzy matching, so every stage runs on at most this many characters."""
_CACHE_SIZE = 10_000

NATIVE_LANGUAGES: dict[str, tuple[str, ...]] = {
    "AD": ("ca",), "AL": ("sq",), "AM": ("hy",), "AT": ("de",), "AZ": ("az",),
    "BA": ("bs", "hr", "sr", "sr@latin"), "BE": ("nl", "fr", "de"), "BG": ("bg",),
    "BY": ("be", "ru"), "CH": ("de", "fr", "it"), "CY": ("el", "tr"), "CZ": ("cs",),
    "DE": ("de",), "DK": ("da",), "EE": ("et",), "ES": ("es",), "FI": ("fi", "sv"),
    "FO": ("fo",), "FR": ("fr",), "GE": ("ka",), "GR": ("el",), "HR": ("hr",), "HU": ("hu",),
    "IE": ("ga",), "IS": ("is",), "IT": ("it",), "LI": ("de",), "LT": ("lt",),
    "LU": ("fr", "de"), "LV": ("lv",), "MC": ("fr",), "MD": ("ro",),
    "ME": ("sr", "sr@latin"), "MK": ("mk",), "MT": ("mt",), "NL": ("nl",),
    "NO": ("nb_NO", "nn"), "PL": ("pl",), "PT": ("pt",), "RO": ("ro",),
    "RS": ("sr", "sr@latin"), "RU": ("ru",), "SE": ("sv",), "SI": ("sl",), "SK": ("sk",),
    "SM": ("it",), "TR": ("tr",), "UA": ("uk",), "VA": ("it",),
}  # fmt: skip
"""European countries -> the pycountry locales of their official languages: a country's
names in these languages (stage ``translation``) are matched exactly, so "Italia" and
"Österreich" resolve, while a name in another country's language ("Itali", Albanian for
Italy) is left to the later stages, like any other spelling."""

# -- curated aliases -------------------------------------------------------------------------

ALIASES: dict[str, str] = {
    # Olympic / OECD / WTO name of Taiwan.
    "Chinese Taipei": "TW",
    # Bare "Korea" means the Republic of Korea, as in OECD usage (the OECD member "Korea").
    # Any other variant that only adds generic words ("Korea, Democratic") is ambiguous.
    "Korea": "KR",
    "South Korea": "KR",
    "Korea, South": "KR",
    "Republic of Korea": "KR",
    "Korea, Rep.": "KR",
    "Korea Republic": "KR",
    "North Korea": "KP",
    "Korea, North": "KP",
    "DPRK": "KP",
    "DPR Korea": "KP",
    "Korea, DPR": "KP",
    "Korea, Dem. People's Rep.": "KP",
    "Korea, Dem. Rep.": "KP",
    "Korea DPR": "KP",
    "Russia": "RU",
    "Vietnam": "VN",
    "Syria": "SY",
    "Czech Republic": "CZ",
    "Turkey": "TR",
    "Iran": "IR",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States": "US",
    "United States of America": "US",
    "Holland": "NL",
    "Ivory Coast": "CI",
    "Cote d'Ivoire": "CI",
    "Macedonia": "MK",
    "FYROM": "MK",
    "Former Yugoslav Republic of Macedonia": "MK",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Burma": "MM",
    "Laos": "LA",
    "Lao PDR": "LA",
    "Congo, Rep.": "CG",
    "Congo Republic": "CG",
    "Congo-Brazzaville": "CG",
    "Congo, Dem. Rep.": "CD",
    "DR Congo": "CD",
    "DRC": "CD",
    "Democratic Republic of Congo": "CD",
    "Congo-Kinshasa": "CD",
    "Palestine": "PS",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Holy See": "VA",
    "Brunei": "BN",
    "East Timor": "TL",
    # Kosovo has no ISO 3166-1 code; it is kept only if pycountry ever lists "XK".
    "Kosovo": "XK",
}
"""Documented name variants (normalised before use) -> ISO 3166-1 alpha-2.

Entries whose code pycountry does not know (Kosovo, ``XK``) are dropped, so such names
stay unresolved instead of being guessed.
"""

DISSOLVED_STATES: dict[str, tuple[str, ...]] = {
    r"czecho.?slovak": ("CZ", "SK"),
    r"yugoslav": ("BA", "HR", "ME", "MK", "RS", "SI"),
    r"serbia\W+(and\W+)?montenegro": ("ME", "RS"),
    r"soviet\W+union|\bussr\b": (
        "AM", "AZ", "BY", "EE", "GE", "KG", "KZ", "LT", "LV", "MD", "RU", "TJ", "TM", "UA", "UZ",
    ),
    r"netherlands\W+antilles": ("BQ", "CW", "SX"),
}  # fmt: skip
"""Names of dissolved states (regex, case-insensitive) -> successor states.

Such names are never resolved (country_converter would map "Czechoslovakia" to CZ); the
successors are reported as candidates.
"""

# Words that say what kind of state a country is, not which one. Two countries whose names
# differ only in such words (the two Koreas, the two Congos) cannot be told apart by a name
# that is made of such words and a shared core: such a name is reported as ambiguous.
_GENERIC_WORDS = frozenset(
    {
        "and", "bolivarian", "commonwealth", "democratic", "federal", "federated",
        "federation", "federative", "independent", "islamic", "kingdom", "of", "people",
        "peoples", "plurinational", "republic", "socialist", "state", "states", "united",
    }
)  # fmt: skip
_ABBREVIATIONS = {
    "rep": "republic",
    "repub": "republic",
    "dem": "democratic",
    "fed": "federal",
    "st": "saint",
    "ste": "sainte",
    "is": "islands",
    "isl": "islands",
}


def _normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a name.

    >>> _normalise("  Côte d’Ivoire ")
    'cote divoire'
    >>> _normalise("Korea, Rep.")
    'korea republic'
    >>> _normalise("The Netherlands")
    'netherlands'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    plain = plain.replace("&", " and ")
    plain = re.sub(r"['’`ʼ]", "", plain)
    tokens = re.sub(r"[^0-9a-z]+", " ", plain).split()
    return " ".join(_ABBREVIATIONS.get(token, token) for token in tokens if token != "the")


def _script_key(text: str) -> str:
    """Like :func:`_normalise`, for names in any script ("Ελλάδα", "Србија"): the words of
    the text, case- and accent-insensitive.

    >>> _script_key("  Ελλάδα ")
    'ελλαδα'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.findall(r"[^\W_]+", re.sub(r"['’`ʼ]", "", plain)))


def _name_keys(text: str) -> set[str]:
    """The keys a name is matched by: :func:`_normalise`'s and, for other scripts,
    :func:`_script_key`'s."""
    return {key for key in (_normalise(text), _script_key(text)) if key}


def _core(key: str) -> frozenset[str]:
    return frozenset(key.split()) - _GENERIC_WORDS


def _name_variants(name: str) -> set[str]:
    """A name, its un-inverted form ("Korea, Republic of" -> "Republic of Korea") and its
    form without a parenthetical ("Holy See (Vatican City State)" -> "Holy See")."""
    variants = {name}
    without_brackets = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if without_brackets:
        variants.add(without_brackets)
    for variant in list(variants):
        if variant.count(",") == 1:
            head, tail = (part.strip() for part in variant.split(","))
            variants.add(f"{tail} {head}")
    return variants


# -- country_converter data ------------------------------------------------------------------


@dataclass(frozen=True)
class CountryData:
    """One row of country_converter's ``country_data.tsv``.

    ``alpha2`` is the ISO 3166-1 code when pycountry knows the country, else the row's own
    code (``XK``, obsolete ``SU``) or ``""``; ``iso`` says which.
    """

    alpha2: str
    iso: bool
    name_short: str
    regex: re.Pattern[str]
    un_code: str | None
    continent: str | None
    un_region: str | None


@cache
def _country_data() -> tuple[CountryData, ...]:
    iso_codes = {country.alpha_2 for country in pycountry.countries}
    text = resources.files("country_converter").joinpath("country_data.tsv").read_text("utf-8")
    rows: list[CountryData] = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        # The ISO2 column is a regex for a few rows ("^GB$|^UK$", "^GR$|^EL$").
        codes = re.findall(r"[A-Z]{2}", row["ISO2"] or "")
        iso = [code for code in codes if code in iso_codes]
        alpha2 = iso[0] if iso else (codes[0] if codes else "")
        un_code = (row.get("UNcode") or "").strip()
        rows.append(
            CountryData(
                alpha2=alpha2,
                iso=bool(iso),
                name_short=row["name_short"],
                regex=re.compile(row["regex"], re.IGNORECASE),
                un_code=f"{int(float(un_code)):03d}" if un_code else None,
                continent=(row.get("continent") or "").strip() or None,
                un_region=(row.get("UNregion") or "").strip() or None,
            )
        )
    return tuple(rows)


def country_data() -> dict[str, CountryData]:
    """country_converter's data by ISO 3166-1 alpha-2 code (ISO countries only).

    Examples
    --------
    >>> country_data()["IT"].un_code, country_data()["IT"].continent
    ('380', 'Europe')
    """
    return {row.alpha2: row for row in _country_data() if row.iso}


# -- translated names ------------------------------------------------------------------------


@cache
def _translated_names() -> dict[str, str]:
    """``{key: alpha-2}`` of the names of the countries of :data:`NATIVE_LANGUAGES` in their
    own languages (name, official and common name, with their variants), built once per
    process (a few milliseconds).

    A key shared by two countries is left out, so such a name stays unresolved rather
    than guessed.

    >>> _translated_names()[_normalise("Österreich")]
    'AT'
    """
    found: dict[str, set[str]] = {}
    for alpha2, languages in NATIVE_LANGUAGES.items():
        country = pycountry.countries.get(alpha_2=alpha2)
        if country is None:
            continue
        for language in languages:
            try:
                catalogue = gettext.translation(
                    "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
                )
            except OSError:  # a locale that this pycountry does not ship
                continue
            for attribute in ("name", "official_name", "common_name"):
                value = getattr(country, attribute, None)
                if not value:
                    continue
                for variant in _name_variants(catalogue.gettext(value)):
                    for key in _name_keys(variant):
                        found.setdefault(key, set()).add(alpha2)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


# -- resolver --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryMatch:
    """The outcome of resolving one country name.

    Attributes
    ----------
    query
        The name as given.
    alpha2
        ISO 3166-1 alpha-2 code, or ``None`` when unresolved.
    name
        pycountry's name of the country, or ``None``.
    method
        How it was resolved: ``"code"`` (ISO alpha-2/alpha-3/numeric or NUTS code),
        ``"name"`` (a pycountry name), ``"alias"`` (:data:`ALIASES`), ``"translation"``
        (a European country's name in its own language), ``"regex"``
        (country_converter's regexes), ``"fuzzy"`` (approximate); ``None`` if unresolved.
    score
        100 for exact methods, the similarity (0-100) for fuzzy ones and for unresolved
        names the best similarity found.
    candidates
        Alpha-2 codes considered, best first: the match itself when resolved exactly; the
        top fuzzy candidates or the countries a name is ambiguous between otherwise.
    """

    query: str
    alpha2: str | None
    name: str | None
    method: MatchMethod | None
    score: float
    candidates: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        """Whether the name was resolved to a country."""
        return self.alpha2 is not None


@dataclass
class ResolutionReport:
    """The outcome of resolving many names (see :meth:`CountryResolver.resolve_all`).

    Attributes
    ----------
    resolved
        Matches by name, for the names that were resolved.
    unresolved
        The names that were not.
    fuzzy
        The resolved names that matched only approximately, to be reported for review.
    """

    resolved: dict[str, CountryMatch] = field(default_factory=dict)
    unresolved: list[CountryMatch] = field(default_factory=list)
    fuzzy: list[CountryMatch] = field(default_factory=list)


def _country_name(alpha_2: str) -> str:
    """The ISO 3166-1 name of ``alpha_2`` (a code the resolver took from pycountry)."""
    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:
        raise LookupError(f"no ISO 3166-1 country has the alpha-2 code {alpha_2!r}")
    return country.name


class UnknownCountryError(ValueError):
    """A country name could not be resolved; the message says where and suggests names.

    Attributes
    ----------
    match
        The unresolved :class:`CountryMatch` (its ``candidates`` are the suggestions).
    where
        Where the name was read.
    """

    def __init__(self, match: CountryMatch, where: str) -> None:
        self.match = match
        self.where = where
        suggestions = [
            f"{_country_name(code)} ({code})"
            for code in match.candidates[:3]
        ]
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"{where}: unknown country {match.query!r}{hint}")


class CountryResolver:
    """Resolve country names and codes to ISO 3166-1 alpha-2, conservatively.

    Stages, first match wins:

    1. ``code``: an ISO 3166-1 alpha-2, alpha-3 or numeric code, or a NUTS country code
       (``EL`` -> GR, ``UK`` -> GB); case-insensitive.
    2. ``name``: a pycountry name, official name or common name (also un-inverted, "Republic
       of Korea", and without parentheticals), ignoring case, accents, punctuation, "the"
       and the abbreviations Rep./Dem./St.
    3. ``alias``: :data:`ALIASES`.
    4. ``translation``: the name of a European country in its own language
       (:data:`NATIVE_LANGUAGES`: "Deutschland", "Österreich", "Ελλάδα"), exactly (ignoring
       case, accents and punctuation), from pycountry's translations.
    5. Names that cannot be told apart are reported as ambiguous (unresolved, with the
       countries as candidates): a name that differs from names of two or more countries
       only by generic words such as "republic" or "democratic" ("Korea, Democratic"); a
       name all of whose words occur in names of two or more countries ("Virgin
       Islands"); names of dissolved states (:data:`DISSOLVED_STATES`).
    6. ``regex``: country_converter's regexes, accepted when exactly one country matches
       and it has an ISO code (so "Kosovo" stays unresolved).
    7. ``fuzzy``: rapidfuzz similarity (the best of ``ratio`` and ``token_sort_ratio``)
       over all names and aliases, accepted when the best country scores at least
       :data:`FUZZY_MIN_SCORE` and leads every other country by :data:`FUZZY_MIN_MARGIN`.

    Texts longer than :data:`MAX_NAME_CHARS` are unresolved without trying any stage, so
    resolving takes time linear in the text's length (and bounded above it).

    Results are cached per resolver (the most recent few thousand names).

    Examples
    --------
    >>> resolver = CountryResolver()
    >>> [resolver.resolve(name).alpha2 for name in ("EL", "Czech republic", "Korea", "Turkey")]
    ['GR', 'CZ', 'KR', 'TR']
    >>> match = resolver.resolve("Korea, Democratic")
    >>> match.alpha2, match.candidates
    (None, ('KP', 'KR'))
    """

    def __init__(self) -> None:
        self._cache: dict[str, CountryMatch] = {}
        self._cache_lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        self._cores: dict[frozenset[str], set[str]] = {}
        for country in pycountry.countries:
            for attribute in ("name", "official_name", "common_name"):
                value = getattr(country, attribute, None)
                for variant in _name_variants(value) if value else ():
                    self._add_name(self._names, _normalise(variant), country.alpha_2)
        known = {country.alpha_2 for country in pycountry.countries}
        for alias, code in ALIASES.items():
            key = _normalise(alias)
            if code not in known:
                continue
            if self._names.get(key, code) != code:
                raise ValueError(f"alias {alias!r} -> {code} clashes with a country name")
            self._add_name(self._aliases, key, code)
        for key, code in (*self._names.items(), *self._aliases.items()):
            core = _core(key)
            if core:
                self._cores.setdefault(core, set()).add(code)
        self._choices = list({**self._names, **self._aliases}.items())
        self._token_sets = [(frozenset(key.split()), code) for key, code in self._choices]
        self._dissolved = [
            (re.compile(pattern, re.IGNORECASE), successors)
            for pattern, successors in DISSOLVED_STATES.items()
        ]
        self._choice_keys = [key for key, _ in self._choices]
        self._regexes = _country_data()

    @staticmethod
    def _add_name(table: dict[str, str], key: str, code: str) -> None:
        if not key:
            return
        if table.get(key, code) != code:
            raise ValueError(f"name {key!r} is used by {table[key]} and {code}")
        table[key] = code

    # -- public API ---------------------------------------------------------------------------

    def resolve(self, name: str) -> CountryMatch:
        """Resolve one name or code.

        Parameters
        ----------
        name
            A country name or code as a document writes it.

        Returns
        -------
        CountryMatch
            Resolved or not; never raises for unknown names.

        Examples
        --------
        >>> CountryResolver().resolve("Republic of Korea").alpha2
        'KR'
        >>> CountryResolver().resolve("").method is None
        True
        """
        cached = self._cache.get(name)
        if cached is None:
            cached = self._resolve(name)
            with self._cache_lock:  # bounded: callers (the API) pass any text
                if len(self._cache) >= _CACHE_SIZE:
                    del self._cache[next(iter(self._cache))]
                self._cache[name] = cached
        return cached

    def resolve_all(self, names: Iterable[str]) -> ResolutionReport:
        """Resolve many names (duplicates once), sorting them into a report.

        Examples
        --------
        >>> report = CountryResolver().resolve_all(["Italy", "Mauritus", "Atlantis", "Italy"])
        >>> sorted(report.resolved), [match.query for match in report.fuzzy]
        (['Italy', 'Mauritus'], ['Mauritus'])
        >>> [match.query for match in report.unresolved]
        ['Atlantis']
        """
        report = ResolutionReport()
        for name in dict.fromkeys(names):
            match = self.resolve(name)
            if match.resolved:
                report.resolved[name] = match
                if match.method == "fuzzy":
                    report.fuzzy.append(match)
            else:
                report.unresolved.append(match)
        return report

    def resolve_or_raise(self, name: str, *, where: str) -> CountryMatch:
        """Resolve ``name`` or raise :class:`UnknownCountryError` naming ``where``.

        Parameters
        ----------
        name
            The name to resolve.
        where
            Where it was read, e.g. ``"data/seed/memberships.csv, row 12, column 'member'"``.

        Examples
        --------
        >>> CountryResolver().resolve_or_raise("Atlantis", where="seed.csv, row 2")
        Traceback (most recent call last):
        ...
        smekg.reference.countries.UnknownCountryError: seed.csv, row 2: unknown country ...
        """
        match = self.resolve(name)
        if not match.resolved:
            raise UnknownCountryError(match, where)
        return match

    # -- stages -------------------------------------------------------------------------------

    def _match(
        self,
        query: str,
        code: str,
        method: MatchMethod,
        score: float = 100.0,
        candidates: tuple[str, ...] | None = None,
    ) -> CountryMatch:
        return CountryMatch(
            query, code, _country_name(code), method, score, candidates if candidates else (code,)
        )

    def _resolve(self, query: str) -> CountryMatch:
        text = query.strip()
        if not text or len(text) > MAX_NAME_CHARS:
            return CountryMatch(query, None, None, None, 0.0, ())
        code = self._by_code(text)
        if code:
            return self._match(query, code, "code")
        key = _normalise(text)
        if key in self._names:
            return self._match(query, self._names[key], "name")
        if key in self._aliases:
            return self._match(query, self._aliases[key], "alias")
        translated = _translated_names()
        for name_key in (key, _script_key(text)):
            if name_key in translated:
                return self._match(query, translated[name_key], "translation")
        if not key:  # nothing in Latin letters or digits: no English name is near
            return CountryMatch(query, None, None, None, 0.0, ())
        scores = self._fuzzy_scores(key)
        ambiguous = self._ambiguity(text, key, scores)
        if ambiguous:
            best = max(scores.get(code, 0.0) for code in ambiguous)
            return CountryMatch(query, None, None, None, round(best, 1), ambiguous)
        matched = {row.alpha2 for row in self._regexes if row.regex.search(text)}
        if len(matched) == 1:
            (only,) = matched
            row = next(row for row in self._regexes if row.alpha2 == only)
            if row.iso:
                return self._match(query, only, "regex")
            return CountryMatch(query, None, None, None, 0.0, ())
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if ranked:
            best_code, best = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            top = tuple(code for code, score in ranked[:5] if score >= 60.0)
            if best >= FUZZY_MIN_SCORE and best - runner_up >= FUZZY_MIN_MARGIN:
                return self._match(query, best_code, "fuzzy", round(best, 1), top)
            return CountryMatch(query, None, None, None, round(best, 1), top)
        return CountryMatch(query, None, None, None, 0.0, ())

    def _ambiguity(self, text: str, key: str, scores: dict[str, float]) -> tuple[str, ...]:
        """The countries ``text`` cannot be told apart from, best-scoring first (empty if it
        is not ambiguous). Names shared by many countries ("Islands") list the top five."""

        def ranked(codes: Iterable[str]) -> tuple[str, ...]:
            return tuple(sorted(codes, key=lambda code: (-scores.get(code, 0.0), code)))

        for pattern, successors in self._dissolved:
            if pattern.search(text):
                return ranked(successors)
        same_core = self._cores.get(_core(key), set())
        if len(same_core) > 1:
            return ranked(same_core)
        tokens = frozenset(key.split())
        containing = {code for names, code in self._token_sets if tokens <= names}
        return ranked(containing)[:5] if len(containing) > 1 else ()

    @staticmethod
    def _by_code(text: str) -> str | None:
        if re.fullmatch(r"[A-Za-z]{2}", text):
            code = text.upper()
            code = NUTS_COUNTRY_TO_ISO.get(code, code)
            country = pycountry.countries.get(alpha_2=code)
        elif re.fullmatch(r"[A-Za-z]{3}", text):
            country = pycountry.countries.get(alpha_3=text.upper())
        elif re.fullmatch(r"\d{1,3}", text):
            country = pycountry.countries.get(numeric=text.zfill(3))
        else:
            return None
        return country.alpha_2 if country else None

    def _fuzzy_scores(self, key: str) -> dict[str, float]:
        """Best similarity (0-100) of ``key`` to any name of each country."""
        best: dict[str, float] = {}
        if not key:
            return best
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
            for _, score, index in process.extract(
                key, self._choice_keys, scorer=scorer, limit=None, score_cutoff=50.0
            ):
                code = self._choices[index][1]
                if score > best.get(code, 0.0):
                    best[code] = float(score)
        return best


@cache
def default_resolver() -> CountryResolver:
    """A process-wide :class:`CountryResolver` (building one takes a few milliseconds).

    Examples
    --------
    >>> default_resolver() is default_resolver()
    True
    """
    return CountryResolver()


# -- countries, continents, world ------------------------------------------------------------

CONTINENTS: dict[str, tuple[str, str]] = {
    "Africa": ("002", "Africa"),
    "America": ("019", "Americas"),
    "Asia": ("142", "Asia"),
    "Europe": ("150", "Europe"),
    "Oceania": ("009", "Oceania"),
    "Antarctica": ("010", "Antarctica"),
}
"""country_converter ``continent`` value -> (UN M49 code, English label).

UN M49 has no Antarctic region: ``010`` is the M49 code of Antarctica itself (also the ISO
numeric code of AQ); it is used here for country_converter's "Antarctica" continent, which
also holds BV, GS, HM.
"""

COUNTRIES_WITHOUT_CONTINENT: frozenset[str] = frozenset()
"""ISO countries that country_converter gives no continent (broader: the world directly).

Empty for country_converter 1.3: every pycountry country has a continent once the
regex-valued ISO2 cells of GB and GR are read. The tests check this against the data.
"""

_TYPE = NamedNode(str(RDF.type))
_CONCEPT = NamedNode(str(SKOS.Concept))
_PREF_LABEL = NamedNode(str(SKOS.prefLabel))
_ALT_LABEL = NamedNode(str(SKOS.altLabel))
_NOTATION = NamedNode(str(SKOS.notation))
_IN_SCHEME = NamedNode(str(SKOS.inScheme))
_TOP_CONCEPT_OF = NamedNode(str(SKOS.topConceptOf))
_HAS_TOP_CONCEPT = NamedNode(str(SKOS.hasTopConcept))
_BROADER = NamedNode(str(SKOS.broader))
_REGION = NamedNode(str(SMEKG.Region))


def continent_m49(continent: str) -> str:
    """UN M49 code of a country_converter ``continent`` value.

    Raises
    ------
    ValueError
        For a value :data:`CONTINENTS` does not map, so that new package data fail loudly.

    Examples
    --------
    >>> continent_m49("America")
    '019'
    """
    try:
        return CONTINENTS[continent][0]
    except KeyError:
        raise ValueError(
            f"country_converter continent {continent!r} is not mapped to a UN M49 region; "
            f"known: {sorted(CONTINENTS)} (extend CONTINENTS)"
        ) from None


def build_countries(minter: Minter) -> GraphBuilder:
    """Build the world, the UN M49 continents and all ISO 3166-1 countries.

    * World (``minter.area("001")``): ``smekg:World``, ``smekg:Region``, ``skos:Concept``,
      label "World", notation and ``smekg:m49Code`` "001", top concept of
      ``smekg:ContinentsScheme``.
    * Continents (``minter.area("150")`` ...): ``smekg:Continent``, ``smekg:Region``,
      ``skos:Concept``, English label, notation and ``smekg:m49Code``, in
      ``smekg:ContinentsScheme``, broader the world.
    * Countries (``minter.country("IT")``): ``smekg:Country``, ``smekg:Region``,
      ``skos:Concept``; ``skos:prefLabel``\\@en (pycountry name), ``skos:altLabel``\\@en
      (official and common name when different), ``skos:notation`` and
      ``smekg:isoAlpha2``, ``smekg:isoAlpha3``, ``smekg:isoNumeric``, ``smekg:nutsCode``
      (NUTS countries and GB; ``EL``/``UK`` for GR/GB), ``smekg:m49Code``,
      ``smekg:unSubregion``, ``smekg:level`` 0, in ``smekg:Countries``, broader its
      continent (the world if it has none).

    Raises
    ------
    ValueError
        If country_converter gives a continent that :data:`CONTINENTS` does not map.

    Examples
    --------
    >>> graph = build_countries(Minter("https://w3id.org/smekg/id/"))
    >>> len(graph) > 249 * 10
    True
    """
    graph = GraphBuilder()
    add = graph.add
    data = country_data()

    world = NamedNode(minter.area(WORLD_M49))
    continents_scheme = NamedNode(str(SMEKG.ContinentsScheme))
    add(world, _TYPE, NamedNode(str(SMEKG.World)))
    add(world, _TYPE, _REGION)
    add(world, _TYPE, _CONCEPT)
    add(world, _PREF_LABEL, GraphBuilder.text("World", "en"))
    add(world, _NOTATION, Literal(WORLD_M49))
    add(world, NamedNode(str(SMEKG.m49Code)), Literal(WORLD_M49))
    add(world, _IN_SCHEME, continents_scheme)
    add(world, _TOP_CONCEPT_OF, continents_scheme)
    add(continents_scheme, _HAS_TOP_CONCEPT, world)

    used = sorted({row.continent for row in data.values() if row.continent})
    for continent in used:
        continent_m49(continent)  # fails loudly on a value CONTINENTS does not map
    for continent in used:
        m49, label = CONTINENTS[continent]
        node = NamedNode(minter.area(m49))
        add(node, _TYPE, NamedNode(str(SMEKG.Continent)))
        add(node, _TYPE, _REGION)
        add(node, _TYPE, _CONCEPT)
        add(node, _PREF_LABEL, GraphBuilder.text(label, "en"))
        add(node, _NOTATION, Literal(m49))
        add(node, NamedNode(str(SMEKG.m49Code)), Literal(m49))
        add(node, _IN_SCHEME, continents_scheme)
        add(node, _BROADER, world)

    nuts_countries = {nuts_country_to_iso(code) for code in bundled_nuts_countries()} | {"GB"}
    countries_scheme = NamedNode(str(SMEKG.Countries))
    for country in pycountry.countries:
        alpha2 = country.alpha_2
        node = NamedNode(minter.country(alpha2))
        add(node, _TYPE, NamedNode(str(SMEKG.Country)))
        add(node, _TYPE, _REGION)
        add(node, _TYPE, _CONCEPT)
        add(node, _PREF_LABEL, GraphBuilder.text(country.name, "en"))
        for attribute in ("official_name", "common_name"):
            other = getattr(country, attribute, None)
            if other and other != country.name:
                add(node, _ALT_LABEL, GraphBuilder.text(other, "en"))
        add(node, _NOTATION, Literal(alpha2))
        add(node, NamedNode(str(SMEKG.isoAlpha2)), Literal(alpha2))
        add(node, NamedNode(str(SMEKG.isoAlpha3)), Literal(country.alpha_3))
        add(node, NamedNode(str(SMEKG.isoNumeric)), Literal(country.numeric))
        if alpha2 in nuts_countries:
            add(node, NamedNode(str(SMEKG.nutsCode)), Literal(iso_to_nuts_country(alpha2)))
        add(node, NamedNode(str(SMEKG.level)), GraphBuilder.integer(0))
        add(node, _IN_SCHEME, countries_scheme)
        row = data.get(alpha2)
        if row is not None and row.un_code:
            add(node, NamedNode(str(SMEKG.m49Code)), Literal(row.un_code))
        if row is not None and row.un_region:
            add(node, NamedNode(str(SMEKG.unSubregion)), Literal(row.un_region))
        if row is not None and row.continent:
            add(node, _BROADER, NamedNode(minter.area(continent_m49(row.continent))))
        else:
            add(node, _BROADER, world)
    return graph


def countries_without_continent() -> frozenset[str]:
    """ISO countries that country_converter's data give no continent (computed).

    Examples
    --------
    >>> countries_without_continent() == COUNTRIES_WITHOUT_CONTINENT
    True
    """
    data = country_data()
    return frozenset(
        country.alpha_2
        for country in pycountry.countries
        if country.alpha_2 not in data or not data[country.alpha_2].continent
    )

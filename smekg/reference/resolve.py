"""Resolve the codes and names people write to graph IRIs: one resolver for the loaders,
the REST API and the CLI, so a value means the same wherever it is written.

Regions
    NUTS codes in any case (``ITH5``, ``ith55``), ISO 3166-2 codes (``GB-KEN``), ISO 3166-1
    codes (``IT``, ``ITA``, ``380``; the NUTS forms ``EL``, ``UK``), country names in any
    case and common forms (``italy``, ``the Netherlands``, ``Luxemborg``), European countries'
    own names (``Italia``, ``Deutschland``, ``Ελλάδα``), continents (``Europe``) and
    ``world``; a ``nuts:``, ``iso:`` or ``country:`` prefix is allowed. NUTS region *names*
    are not resolved: the bundled NUTS data has codes only.
Sectors
    NACE Rev. 2.1 codes at any level in any usual spelling (``C``, ``C25``, ``25.11``,
    ``2511``, ``c 25.11``) and their exact titles (``Manufacturing``). A code that is not a
    Rev. 2.1 code but has the shape of one (``62.01``, ``6201``, ``62.0``), or that is
    written with its NACE Rev. 2 section letter (``J62.01``, ``J 63.91``), is read as a
    NACE Rev. 2 code. No Rev. 2 to Rev. 2.1 correspondence table is bundled, so it resolves
    to the Rev. 2.1 *division* of the same number, the common parent of the classes it may
    have split into, with a note saying so. That is an approximation: Rev. 2.1 kept the
    division numbers (division 45 was dissolved: ``45.11`` is an error) and most activities
    stayed in their division, but a few moved (news agencies, Rev. 2 ``63.91``, are Rev. 2.1
    ``60.31``). A ``rev2:`` prefix names the NACE Rev. 2 concept itself (which exists in
    the graph only when Eurostat's Rev. 2 file was loaded; see :attr:`Resolved.alternatives`);
    ``rev2.1:`` insists on Rev. 2.1.
Errors
    :class:`ResolveError` says why and carries :class:`Suggestion`\\s, the plausible ones
    first: codes that share the most leading characters with what was written (so ``62.019``
    suggests ``62``, ``62.1``, ``62.10``, never ``01.62`` first), country names close to a
    misspelt one (``itali`` suggests ``IT (Italy)``), ISO 3166-2 subdivisions of that name,
    NACE titles sharing its words. Suggestions are looked up in indexes built once per
    process (prefix tables, word tables), so resolving stays linear in the value's length.

Examples
--------
>>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
>>> resolver.region("italy").iri
'https://w3id.org/smekg/id/country/IT'
>>> resolver.sector("J 62.01").iri
'http://data.europa.eu/ux2/nace2.1/62'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import pycountry
from rapidfuzz import fuzz
from rdflib import Graph

from smekg.core.iri import Minter, nace_sector, nuts_region
from smekg.ontology import SKOS, SMEKG, load_ontology
from smekg.reference.countries import default_resolver
from smekg.reference.regions import bundled_nuts_codes, is_extra_regio, nuts_country_to_iso
from smekg.reference.sectors import (
    NACE21_SECTION_DIVISIONS,
    InvalidNaceCode,
    NaceCode,
    nace21_codes,
    normalise_nace_code,
)

__all__ = [
    "CONTINENTS",
    "MAX_SUGGESTIONS",
    "MAX_SUGGEST_CHARS",
    "ResolveError",
    "Resolved",
    "Resolver",
    "Suggestion",
    "concept_notations",
]

CONTINENTS = {
    "africa": "002",
    "americas": "019",
    "america": "019",
    "asia": "142",
    "europe": "150",
    "oceania": "009",
    "antarctica": "010",
}
MAX_SUGGESTIONS = 5
"""Suggestions an error carries at most."""
MAX_SUGGEST_CHARS = 64
"""Longest value suggestions are looked for (codes and names are short)."""
_WORLD = {"world", "001", "global", "worldwide"}
_NUTS_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,3}$")
_NUTS_LIKE_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,4}$")
_SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[0-9A-Z]{1,3}$")
_SECTION_LETTER = re.compile(r"^\s*([A-Za-z])\s*\d")
_WORD_MIN = 3
"""Words shorter than this are ignored when titles are searched ("of", "n.e.c.")."""
_STEM = 6
"""A word of a title matches a searched word that shares its first this many letters
("programing" finds "programming")."""
_CLOSE_MARGIN = 15.0
"""Suggested countries are at most this much less similar (0-100) than the closest one."""


class ResolveError(ValueError):
    """A value could not be resolved: :attr:`reason` says why, :attr:`suggestions` what
    was probably meant (best first); ``str()`` gives both.

    >>> str(ResolveError("unknown region 'itali'", [Suggestion("IT", "Italy")]))
    "unknown region 'itali'; did you mean IT (Italy)?"
    """

    def __init__(self, reason: str, suggestions: Iterable[Suggestion] = ()) -> None:
        self.reason = reason
        self.suggestions = tuple(suggestions)
        hint = (
            f"; did you mean {', '.join(str(s) for s in self.suggestions)}?"
            if self.suggestions
            else ""
        )
        super().__init__(reason + hint)


@dataclass(frozen=True)
class Suggestion:
    """A value to try instead (``value``, as one would type it) and what it names.

    >>> str(Suggestion("IT", "Italy")), str(Suggestion("ITH5"))
    ('IT (Italy)', 'ITH5')
    """

    value: str
    label: str | None = None

    def __str__(self) -> str:
        return f"{self.value} ({self.label})" if self.label else self.value


@dataclass(frozen=True)
class Resolved:
    """What a value resolved to.

    Attributes
    ----------
    iri
        The concept.
    note
        Set when the value was read approximately or by an assumption (a misspelt country
        name, a NACE Rev. 2 code read in Rev. 2.1), for the load report.
    alternatives
        Concepts that stand for ``iri`` where the graph does not hold it, best first: for a
        ``rev2:`` code, the Rev. 2.1 division of the same number (the REST API and the CLI
        use it when NACE Rev. 2 was not loaded; loaders link ``iri`` as written).
    """

    iri: str
    note: str | None = None
    alternatives: tuple[str, ...] = ()


# -- indexes, built once per process ------------------------------------------------------------


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name (words joined by spaces).

    >>> _fold("  Emilia–Romagna ")
    'emilia romagna'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.findall(r"[^\W_]+", plain))


def _prefix_table(codes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``{prefix: codes starting with it}`` over every prefix of every code."""
    table: dict[str, list[str]] = {}
    for code in codes:
        for end in range(1, len(code) + 1):
            table.setdefault(code[:end], []).append(code)
    return {prefix: tuple(sorted(found)) for prefix, found in table.items()}


def _ranked_codes(key: str, table: Mapping[str, Sequence[str]], limit: int) -> list[str]:
    """Codes of ``table`` (see :func:`_prefix_table`) most like ``key``, best first: the
    codes ``key`` starts with (its ancestors, deepest first), then those that share the
    longest start with it, nearest next character first, broadest first.

    >>> table = _prefix_table(["62", "621", "6210", "629", "6290", "0162"])
    >>> _ranked_codes("62019", table, 4)
    ['62', '621', '6210', '629']
    """
    shared = len(key)
    while shared and key[:shared] not in table:
        shared -= 1
    if not shared:
        return []
    ancestors = [key[:end] for end in range(shared, 0, -1) if key[:end] in table[key[:end]]]
    others = [code for code in table[key[:shared]] if code not in ancestors]
    following = key[shared] if shared < len(key) else ""

    def distance(code: str) -> tuple[int, int, str]:
        step = abs(ord(code[shared]) - ord(following)) if following else 0
        return (step, len(code), code)

    return [*ancestors, *sorted(others, key=distance)][:limit]


@dataclass(frozen=True)
class _NaceIndex:
    """NACE Rev. 2.1 looked up by code, by digits, by title and by the words of titles."""

    codes: dict[str, NaceCode]
    by_digits: dict[str, str]
    digit_prefixes: dict[str, tuple[str, ...]]
    by_title: dict[str, tuple[str, ...]]
    by_word: dict[str, frozenset[str]]
    title_words: dict[str, frozenset[str]]


def _title_words(title: str) -> frozenset[str]:
    return frozenset(word for word in _fold(title).split() if len(word) >= _WORD_MIN)


@cache
def _nace() -> _NaceIndex:
    codes = {item.code: item for item in nace21_codes()}
    by_digits = {code.replace(".", ""): code for code in codes if code[0].isdigit()}
    by_title: dict[str, list[str]] = {}
    by_word: dict[str, set[str]] = {}
    title_words = {}
    for code, item in codes.items():
        by_title.setdefault(_fold(item.label), []).append(code)
        words = _title_words(item.label)
        title_words[code] = words
        for word in words:
            for end in range(_WORD_MIN, min(len(word), _STEM) + 1):
                by_word.setdefault(word[:end], set()).add(code)
    return _NaceIndex(
        codes=codes,
        by_digits=by_digits,
        digit_prefixes=_prefix_table(by_digits),
        by_title={title: tuple(found) for title, found in by_title.items()},
        by_word={word: frozenset(found) for word, found in by_word.items()},
        title_words=title_words,
    )


@cache
def _nuts_codes() -> frozenset[str]:
    return frozenset(bundled_nuts_codes())


@cache
def _nuts_prefixes() -> dict[str, tuple[str, ...]]:
    return _prefix_table(_nuts_codes())


_Codes = dict[str, tuple[str, ...]]


@cache
def _subdivisions() -> tuple[_Codes, dict[str, str], _Codes]:
    """ISO 3166-2: codes by folded name, names by code, codes by prefix."""
    by_name: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for subdivision in pycountry.subdivisions:
        names[subdivision.code] = subdivision.name
        by_name.setdefault(_fold(subdivision.name), []).append(subdivision.code)
    return (
        {name: tuple(sorted(found)) for name, found in by_name.items()},
        names,
        _prefix_table(names),
    )


@cache
def concept_notations(scheme: str) -> dict[str, str]:
    """``{notation: concept IRI}`` of one of the ontology's SKOS schemes (e.g. ``Themes``)."""
    graph: Graph = load_ontology()
    result = {}
    for concept in graph.subjects(SKOS.inScheme, SMEKG[scheme]):
        for notation in graph.objects(concept, SKOS.notation):
            result[str(notation)] = str(concept)
    return result


def _country_name(alpha2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha2)
    return country.name if country else None


def _common_names(alpha2: str) -> list[str]:
    country = pycountry.countries.get(alpha_2=alpha2)
    return [
        name for name in (getattr(country, "common_name", None),
                          getattr(country, "official_name", None)) if name
    ]


def _sections(table: Mapping[str, tuple[int, int]], division: int) -> set[str]:
    return {section for section, (first, last) in table.items() if first <= division <= last}


def _dedupe(suggestions: Iterable[Suggestion], limit: int) -> list[Suggestion]:
    seen: set[str] = set()
    out = []
    for suggestion in suggestions:
        if suggestion.value not in seen:
            seen.add(suggestion.value)
            out.append(suggestion)
    return out[:limit]


# -- the resolver -------------------------------------------------------------------------------


class Resolver:
    """Resolves region, country and sector values against the bundled reference data.

    Examples
    --------
    >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
    >>> [resolver.region(v).iri.rsplit("/", 1)[-1] for v in ("ith55", "the Netherlands", "ITA")]
    ['ITH55', 'NL', 'IT']
    >>> [resolver.sector(v).iri.rsplit("/", 1)[-1] for v in ("c 25.11", "6201", "Manufacturing")]
    ['2511', '62', 'C']
    """

    def __init__(self, minter: Minter) -> None:
        self.minter = minter
        self.countries = default_resolver()

    def warm(self) -> None:
        """Build the lookup tables now (a fraction of a second, once per process) rather
        than on the first value resolved: a server does it beside the requests."""
        _nace()
        _nuts_codes()
        _nuts_prefixes()
        _subdivisions()
        for value in ("IT", "italy", "ITH55"):
            self.region(value)
        self.sector("62.01")

    # -- countries ---------------------------------------------------------------------------

    def country(self, value: str) -> Resolved:
        """A country by ISO 3166-1 or NUTS code or by name (see
        :class:`~smekg.reference.countries.CountryResolver`).

        Raises
        ------
        ResolveError
            For anything else, suggesting the closest countries.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> resolver.country("Deutschland").iri
        'https://w3id.org/smekg/id/country/DE'
        >>> resolver.country("Frnace")
        Traceback (most recent call last):
        ...
        smekg.reference.resolve.ResolveError: unknown country 'Frnace'; did you mean FR (France)?
        """
        match = self.countries.resolve(value)
        if match.alpha2 is None:
            raise ResolveError(
                f"unknown country {value!r}", self._countries_like(match.candidates[:3])
            )
        note = None
        if match.method == "fuzzy":
            note = f"{value!r} read as {match.name} ({match.alpha2}), fuzzy score {match.score:.0f}"
        elif match.method == "regex":
            note = f"{value!r} read as {match.name} ({match.alpha2}) by its name pattern"
        return Resolved(self.minter.country(match.alpha2), note)

    @staticmethod
    def _countries_like(codes: Iterable[str]) -> list[Suggestion]:
        return [Suggestion(code, _country_name(code)) for code in codes]

    # -- regions -------------------------------------------------------------------------------

    def region(self, value: str) -> Resolved:
        """A region: NUTS, ISO 3166-2 or ISO 3166-1 code, country name, continent or world.

        Raises
        ------
        ResolveError
            For anything else, with :meth:`suggest_region`'s suggestions.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> [resolver.region(v).iri.rsplit("/", 1)[-1]
        ...  for v in ("ITH5", "gb-ken", "EL", "Italia", "Europe", "world")]
        ['ITH5', 'GB-KEN', 'GR', 'IT', '150', '001']
        >>> resolver.region("itali")
        Traceback (most recent call last):
        ...
        smekg.reference.resolve.ResolveError: unknown region 'itali': ...; did you mean \
IT (Italy), ...
        """
        text = value.strip()
        prefix, _, rest = text.partition(":")
        if rest and prefix.lower() in {"nuts", "iso", "country"}:
            text = rest.strip()
            if prefix.lower() == "country":
                return self.country(text)
        if not text:
            raise ResolveError("empty region")
        lowered = text.casefold()
        if lowered in _WORLD:
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
            raise ResolveError(
                f"unknown ISO 3166-2 subdivision code {text!r}", self.suggest_region(text)
            )
        if _NUTS_RE.match(upper) and is_extra_regio(upper):
            raise ResolveError(
                f"{text!r} is a NUTS extra-regio code (statistics not assigned to a region), "
                "not a place",
                self.suggest_region(upper[:2]),
            )
        if _NUTS_LIKE_RE.match(upper) and re.search(r"\d", upper):  # no country name has digits
            raise ResolveError(f"unknown NUTS code {text!r}", self.suggest_region(text))
        match = self.countries.resolve(text)
        if match.alpha2 is not None:
            return self.country(text)
        raise ResolveError(
            f"unknown region {text!r}: not a NUTS, ISO 3166-2 or ISO 3166-1 code, a continent "
            "or a country name (NUTS regions are named by code: no NUTS names are bundled)",
            self.suggest_region(text),
        )

    def suggest_region(self, value: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """The regions ``value`` probably meant, best first (at most ``limit``).

        A code-like value gets the codes that share the most leading characters with it
        (its NUTS ancestors first, then the nearest siblings); a name gets the countries
        whose names are closest and the ISO 3166-2 subdivisions of that exact name.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> [str(s) for s in resolver.suggest_region("itali")][:1]
        ['IT (Italy)']
        >>> [s.value for s in resolver.suggest_region("ITH5X")][:3]
        ['ITH5', 'ITH', 'IT']
        >>> [str(s) for s in resolver.suggest_region("Emilia-Romagna")]
        ['IT-45 (Emilia-Romagna)']
        """
        text = value.strip()
        if not text or len(text) > MAX_SUGGEST_CHARS:
            return []
        compact = re.sub(r"\s+", "", text).upper()
        by_name, names, subdivision_prefixes = _subdivisions()
        found: list[Suggestion] = []
        if "-" in compact and re.fullmatch(r"[A-Z]{2}-[0-9A-Z]*", compact):
            found += [Suggestion(code, names[code])
                      for code in _ranked_codes(compact, subdivision_prefixes, limit)]
            found += self._countries_like(self._country_code(compact[:2]))
        elif re.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,4}", compact) and re.search(r"\d", compact):
            found += self._nuts_like(compact, limit)
        else:
            found += self._countries_like(self._close_countries(text))
            found += [Suggestion(code, names[code]) for code in by_name.get(_fold(text), ())]
            if re.fullmatch(r"[A-Z]{3}", compact):  # a NUTS-1 code of letters (ITC, DEA)
                found += self._nuts_like(compact, limit)
        return _dedupe(found, limit)

    def _nuts_like(self, code: str, limit: int) -> list[Suggestion]:
        ranked = _ranked_codes(code, _nuts_prefixes(), limit)
        found = [Suggestion(nuts) for nuts in ranked if len(nuts) > 2]
        country = self._countries_like(self._country_code(code[:2]))
        ancestors = sum(1 for nuts in ranked if code.startswith(nuts))
        # the country is the last ancestor: after the NUTS regions holding the code
        return [*found[:ancestors], *country, *found[ancestors:]]

    def _close_countries(self, text: str) -> list[str]:
        """The country resolver's candidates for a name, keeping those about as close to it
        as the best one (its candidates go down to a weak similarity)."""
        candidates = self.countries.resolve(text).candidates[:3]
        key = _fold(text)
        scores = {
            code: max(
                fuzz.ratio(key, _fold(name))
                for name in (_country_name(code) or "", *_common_names(code))
            )
            for code in candidates
        }
        best = max(scores.values(), default=0.0)
        return [code for code in candidates if scores[code] >= best - _CLOSE_MARGIN]

    @staticmethod
    def _country_code(code: str) -> list[str]:
        if not re.fullmatch(r"[A-Z]{2}", code):
            return []
        iso = nuts_country_to_iso(code)
        return [iso] if pycountry.countries.get(alpha_2=iso) is not None else []

    # -- sectors -------------------------------------------------------------------------------

    def sector(self, value: str) -> Resolved:
        """A NACE sector (see the module's docstring for the forms accepted).

        Raises
        ------
        ResolveError
            For anything else, with :meth:`suggest_sector`'s suggestions.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> resolver.sector("62.01").note
        "'62.01' is not a NACE Rev. 2.1 code: read as NACE Rev. 2 62.01, in Rev. 2.1 as \
division 62 (Computer programming, consultancy and related activities), the division of the \
same number (no Rev. 2 to Rev. 2.1 correspondence table is bundled)"
        >>> resolver.sector("rev2:62.01")
        Resolved(iri='http://data.europa.eu/ux2/nace2/6201', note=None, \
alternatives=('http://data.europa.eu/ux2/nace2.1/62',))
        >>> resolver.sector("62.019")
        Traceback (most recent call last):
        ...
        smekg.reference.resolve.ResolveError: bad NACE code '62.019': ...; did you mean \
62 (Computer programming, consultancy and related activities), 62.1 (...), ...
        """
        text = value.strip()
        version: str | None = None
        prefix, _, rest = text.partition(":")
        if rest and prefix.lower() in {"rev2", "nace2", "rev2.1", "nace2.1"}:
            version = "2" if prefix.lower() in {"rev2", "nace2"} else "2.1"
            text = rest.strip()
        nace = _nace()
        if version is None and len(re.sub(r"\s+", "", text)) > 1 and not re.search(r"\d", text):
            return self._sector_by_title(value, text)
        try:
            code = normalise_nace_code(text)
        except InvalidNaceCode as error:
            raise ResolveError(
                f"bad NACE code {value!r}: {error}", self.suggest_sector(text)
            ) from None
        if version == "2":
            return Resolved(nace_sector("2", code), alternatives=self._division_of(code))
        letter = _SECTION_LETTER.match(text)
        rev2_letter = None
        if letter is not None and code[0].isdigit():
            division = int(code[:2])
            section = letter[1].upper()
            if section not in _sections(NACE21_SECTION_DIVISIONS, division):
                rev2_letter = section  # only NACE Rev. 2 puts this division in this section
        if code in nace.codes and rev2_letter is None:
            return Resolved(nace_sector("2.1", code))
        if version == "2.1":
            raise ResolveError(
                f"bad NACE code {value!r}: {code!r} is not a NACE Rev. 2.1 code",
                self.suggest_sector(text),
            )
        division_code = code[:2] if code[0].isdigit() else code
        if division_code not in nace.codes:
            raise ResolveError(
                f"bad NACE code {value!r}: {code!r} is not a NACE Rev. 2.1 code, and NACE Rev. "
                f"2.1 has no division {division_code} (write rev2:{code} for the NACE Rev. 2 "
                "concept)",
                self.suggest_sector(text),
            )
        why = (
            f"has NACE Rev. 2's section letter {rev2_letter}"
            if rev2_letter is not None
            else "is not a NACE Rev. 2.1 code"
        )
        note = (
            f"{value!r} {why}: read as NACE Rev. 2 {code}, in Rev. 2.1 as division "
            f"{division_code} ({nace.codes[division_code].label}), the division of the same "
            "number (no Rev. 2 to Rev. 2.1 correspondence table is bundled)"
        )
        return Resolved(nace_sector("2.1", division_code), note)

    def _division_of(self, code: str) -> tuple[str, ...]:
        division = code[:2] if code[0].isdigit() else code
        return (nace_sector("2.1", division),) if division in _nace().codes else ()

    def _sector_by_title(self, value: str, text: str) -> Resolved:
        nace = _nace()
        codes = nace.by_title.get(_fold(text), ())
        # titles repeat down a chain (group 62.1 and class 62.10): the deepest is the
        # narrowest concept with that title, and covers the same activities
        chain = sorted(codes, key=lambda code: nace.codes[code].level)
        if chain and all(
            self._is_ancestor(chain[i], chain[i + 1]) for i in range(len(chain) - 1)
        ):
            return Resolved(nace_sector("2.1", chain[-1]))
        raise ResolveError(
            f"bad NACE code {value!r}: not a NACE code (C, 25, 25.1, 25.11) nor the title of "
            "one",
            self.suggest_sector(text),
        )

    @staticmethod
    def _is_ancestor(broader: str, narrower: str) -> bool:
        codes = _nace().codes
        parent = codes[narrower].parent
        while parent is not None:
            if parent == broader:
                return True
            parent = codes[parent].parent
        return False

    def suggest_sector(self, value: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """The NACE Rev. 2.1 codes ``value`` probably meant, best first (at most ``limit``).

        A value with digits gets the codes whose digits start the same way (those it
        starts with first, deepest first; then the rest of the deepest shared level,
        nearest digit first); when not even the division exists, the nearest divisions. A
        title gets the codes whose titles share the most of its words.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> [s.value for s in resolver.suggest_sector("62.019")]
        ['62', '62.1', '62.10', '62.2', '62.20']
        >>> [s.value for s in resolver.suggest_sector("45.11")][:3]
        ['46', '43', '47']
        >>> [s.value for s in resolver.suggest_sector("computer programing")][:3]
        ['62.1', '62.10', '62']
        """
        text = value.strip()
        if not text or len(text) > MAX_SUGGEST_CHARS:
            return []
        nace = _nace()
        digits = "".join(re.findall(r"\d", text))
        if not digits:
            codes = self._by_words(text, limit)
        elif digits[:2] in nace.by_digits:
            codes = [nace.by_digits[found]
                     for found in _ranked_codes(digits, nace.digit_prefixes, limit)]
        else:
            number = int(digits[:2]) if len(digits) >= 2 else int(digits) * 10
            divisions = [code for code in nace.codes if re.fullmatch(r"\d\d", code)]
            codes = sorted(divisions, key=lambda code: (abs(int(code) - number), code))[:limit]
        return [Suggestion(code, nace.codes[code].label) for code in codes]

    @staticmethod
    def _by_words(text: str, limit: int) -> list[str]:
        nace = _nace()
        words = [word for word in _fold(text).split() if len(word) >= _WORD_MIN]
        if not words:
            return []
        hits: dict[str, int] = {}
        matched_words: dict[str, set[str]] = {}
        for word in dict.fromkeys(words):
            stem = word[:_STEM]
            for code in nace.by_word.get(stem, ()):
                hits[code] = hits.get(code, 0) + 1
                matched_words.setdefault(code, set()).add(stem)
        needed = max(1, (len(set(words)) + 1) // 2)

        def rank(code: str) -> tuple[int, float, int, str]:
            title = nace.title_words[code]
            covered = sum(1 for word in title if word[:_STEM] in matched_words[code])
            return (-hits[code], -covered / max(len(title), 1), nace.codes[code].level, code)

        return sorted((code for code, count in hits.items() if count >= needed), key=rank)[:limit]

    # -- controlled vocabularies ---------------------------------------------------------------

    def concept(self, scheme: str, value: str) -> Resolved:
        notations = concept_notations(scheme)
        key = value.strip().lower().replace(" ", "-").replace("_", "-")
        if key not in notations:
            raise ResolveError(
                f"unknown value {value!r}; expected one of: {', '.join(sorted(notations))}"
            )
        return Resolved(notations[key])

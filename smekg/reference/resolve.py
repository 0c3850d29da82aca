"""Resolve the codes and names people write to graph IRIs: one resolver for the loaders,
the REST API and the CLI, so a value means the same wherever it is written.

Regions
    NUTS codes in any case (``ITH5``, ``ith55``), ISO 3166-2 codes (``GB-KEN``), ISO 3166-1
    codes (``IT``, ``ITA``, ``380``; the NUTS forms ``EL``, ``UK``), country names in any
    case and common forms (``italy``, ``the Netherlands``, ``Luxemborg``), European countries'
    own names (``Italia``, ``Deutschland``, ``Ελλάδα``), continents (``Europe``) and
    ``world``; a ``nuts:``, ``iso:`` or ``country:`` prefix is allowed.

    NUTS region *names* (Eurostat's, bundled in ``data/reference/nuts/regions.csv``), in any
    case and with or without accents: the national-language name (``Västerbottens län``,
    ``Bologna``), the Latin transliteration of a Cyrillic or Greek one (``Attiki``), each
    language of a bilingual name (``Brussels Hoofdstedelijk Gewest``), and, when the full
    name matches nothing, the name without its ``Prov.``/``Arr.`` prefix, its ``(BE)``-style
    suffix or its ``, Kreisfreie Stadt``-style kind (``Limburg``, ``Halle``). A name is read
    with a note saying how (see :meth:`Resolver.region` for the rules: a country's name
    wins, a name nested levels share means the broadest, a name several places share needs
    the country or fails with the candidates); it wins over the ISO 3166-2 subdivision of
    the same name, which the note names. NUTS 2024 codes and the United Kingdom's NUTS 2018
    codes (``UKJ4``) name themselves; a NUTS 2021 code that NUTS 2024 changed is read as its
    2024 region with a note, or, where its area now lies in several regions, fails with
    them.
Sectors
    NACE Rev. 2.1 codes at any level in any usual spelling (``C``, ``C25``, ``25.11``,
    ``2511``, ``c 25.11``). A code that is not a Rev. 2.1 code but is a NACE Rev. 2 code
    (``62.01``, ``6201``, ``62.0``, ``45.11``), or that is written with the section letter
    only NACE Rev. 2 gives its division (``J62.01``, ``J 63.91``), is the NACE Rev. 2
    concept (bundled: :func:`~smekg.reference.sectors.nace2_codes`), with a note saying so
    and naming the Rev. 2.1 code of the same code and title when there is one
    (:func:`~smekg.reference.sectors.linked_nace2_codes`; nothing else links the
    revisions). ``rev2:`` names a NACE Rev. 2 code, ``rev2.1:`` a Rev. 2.1 one. Titles, in
    any case and with or without accents, in English or in another language of the
    bundled Rev. 2 titles (``Manufacturing``, ``computer programming activities``,
    ``Programmierungstätigkeiten``), and the first words of a title when the codes whose
    titles begin with them lie on one chain (``computer programming``: 62.10, and Rev. 2
    62.01), each read with a note.
Errors
    :class:`ResolveError` says why and carries :class:`Suggestion`\\s, the plausible ones
    first: codes that share the most leading characters with what was written (so ``62.019``
    suggests ``62.01``, ``62.0``, ``62``, never ``01.62`` first), country names close to a
    misspelt one (``itali`` suggests ``IT (Italy)``), NUTS region names close to it or
    starting with it (``vasterbotten`` suggests ``SE331 (Västerbottens län)``), ISO 3166-2
    subdivisions of that name, NACE titles sharing its words. Suggestions are looked up in
    indexes built once per process (prefix tables, word tables, a sorted table of folded
    region names), so resolving stays linear in the value's length.

Examples
--------
>>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
>>> resolver.region("italy").iri
'https://w3id.org/smekg/id/country/IT'
>>> resolver.region("Västerbottens län").iri
'http://data.europa.eu/nuts/code/SE331'
>>> resolver.sector("J 62.01").iri
'http://data.europa.eu/ux2/nace2/6201'
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import pycountry
from rapidfuzz import fuzz, process
from rdflib import Graph

from smekg.core.iri import Minter, nace_sector, nuts_region
from smekg.ontology import SKOS, SMEKG, load_ontology
from smekg.reference.countries import default_resolver
from smekg.reference.regions import (
    NutsRegionRow,
    is_extra_regio,
    iso_to_nuts_country,
    nuts_changes,
    nuts_country_to_iso,
    nuts_region_rows,
    nuts_successors,
)
from smekg.reference.sectors import (
    NACE21_SECTION_DIVISIONS,
    InvalidNaceCode,
    NaceCode,
    linked_nace2_codes,
    nace2_codes,
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
        name, a code read as NACE Rev. 2, a sector read by its title), for the load report.
    alternatives
        Concepts that stand for ``iri`` where the graph does not hold it, best first: for a
        NACE Rev. 2 code, the Rev. 2.1 code of the same code and title, if there is one (the
        REST API and the CLI use it on a store without NACE Rev. 2; loaders link ``iri`` as
        written).
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


_REVISIONS = ("2.1", "2")
"""The NACE revisions, the default first: a value valid in both is read in Rev. 2.1."""
_REVISION_PREFIXES = {"rev2": "2", "nace2": "2", "rev2.1": "2.1", "nace2.1": "2.1"}

_Key = tuple[str, str]
"""A NACE code of one revision: ``(revision, code)``, e.g. ``("2", "62.01")``."""


@dataclass(frozen=True)
class _SectorIndex:
    """NACE Rev. 2.1 and Rev. 2 looked up by code, by digits, by title and by the words of
    titles (built once per process: :func:`_sectors`).

    ``digits`` maps the digits of a code to the code (a Rev. 2.1 code, else a Rev. 2 one:
    ``6201`` is Rev. 2's ``62.01``); ``titles`` holds every title of both revisions in every
    bundled language, folded and sorted (``keys``), for exact and prefix look-ups by bisection;
    ``by_word`` the English titles' word stems (a Rev. 2 title only where it is not the
    same as the Rev. 2.1 code it is linked to).
    """

    codes: dict[str, dict[str, NaceCode]]
    linked: frozenset[str]
    digits: dict[str, _Key]
    digit_prefixes: dict[str, tuple[str, ...]]
    keys: tuple[str, ...]
    titles: tuple[tuple[str, str, str, str], ...]
    longest: int
    by_word: dict[str, frozenset[_Key]]
    title_words: dict[_Key, frozenset[str]]

    def label(self, key: _Key) -> str:
        return self.codes[key[0]][key[1]].label

    def level(self, key: _Key) -> int:
        return self.codes[key[0]][key[1]].level

    def typed(self, key: _Key) -> str:
        """How to write ``key``: a Rev. 2.1 code as it is; a Rev. 2 code as it is when
        Rev. 2.1 has no such code (``62.01``) or has it with the same title (``62``, linked:
        the same sector), else with ``rev2:`` (``rev2:63.91``)."""
        version, code = key
        if version == "2.1" or code not in self.codes["2.1"] or code in self.linked:
            return code
        return f"rev2:{code}"

    def suggestion(self, key: _Key) -> Suggestion:
        return Suggestion(self.typed(key), self.label(key))

    def matching(self, folded: str, *, start: bool) -> list[tuple[str, str, str]]:
        """``(revision, code, language)`` of the titles equal to ``folded`` or, with
        ``start``, beginning with its words."""
        found = []
        for position in range(bisect.bisect_left(self.keys, folded), len(self.keys)):
            title = self.keys[position]
            if not title.startswith(folded):
                break
            if title == folded or (start and title[len(folded)] == " "):
                found.append(self.titles[position][1:])
        return found

    def is_ancestor(self, version: str, broader: str, narrower: str) -> bool:
        codes = self.codes[version]
        parent = codes[narrower].parent
        while parent is not None:
            if parent == broader:
                return True
            parent = codes[parent].parent
        return False


def _title_words(title: str) -> frozenset[str]:
    return frozenset(word for word in _fold(title).split() if len(word) >= _WORD_MIN)


@cache
def _sectors() -> _SectorIndex:
    codes = {"2.1": {item.code: item for item in nace21_codes()},
             "2": {item.code: item for item in nace2_codes()}}
    linked = linked_nace2_codes()
    digits: dict[str, _Key] = {}
    titles: list[tuple[str, str, str, str]] = []
    by_word: dict[str, set[_Key]] = {}
    title_words: dict[_Key, frozenset[str]] = {}
    for version in _REVISIONS:
        for code, item in codes[version].items():
            key = (version, code)
            if code[0].isdigit():
                digits.setdefault(code.replace(".", ""), key)
            for language, title in (("en", item.label), *item.titles):
                titles.append((_fold(title), version, code, language))
            if version == "2" and code in linked:
                continue  # suggested as the Rev. 2.1 code of the same code and title
            words = _title_words(item.label)
            title_words[key] = words
            for word in words:
                for end in range(_WORD_MIN, min(len(word), _STEM) + 1):
                    by_word.setdefault(word[:end], set()).add(key)
    titles.sort()
    return _SectorIndex(
        codes=codes,
        linked=linked,
        digits=digits,
        digit_prefixes=_prefix_table(digits),
        keys=tuple(title for title, *_ in titles),
        titles=tuple(titles),
        longest=max(len(title) for title, *_ in titles),
        by_word={word: frozenset(found) for word, found in by_word.items()},
        title_words=title_words,
    )


def _widening_codes(key: str, table: Mapping[str, Sequence[str]], limit: int) -> list[str]:
    """:func:`_ranked_codes`, then, while there are fewer than ``limit``, the codes sharing
    one character fewer with ``key``, nearest next character first.

    >>> table = _prefix_table(["62", "620", "6201", "6202", "6209", "621", "6210"])
    >>> _widening_codes("62019", table, 5)
    ['6201', '620', '62', '6202', '6209']
    """
    ranked = _ranked_codes(key, table, limit)
    shared = len(key)
    while shared and key[:shared] not in table:
        shared -= 1
    for length in range(shared - 1, 0, -1):
        if len(ranked) >= limit:
            break
        following = key[length]

        def distance(code: str, length: int = length, following: str = following
                     ) -> tuple[int, int, str]:
            step = abs(ord(code[length]) - ord(following)) if len(code) > length else 0
            return (step, len(code), code)

        ranked += sorted((code for code in table[key[:length]] if code not in ranked),
                         key=distance)
    return ranked[:limit]


# -- NUTS names and versions (smekg.reference.regions reads data/reference/nuts) -------------

_NAME_PREFIX = re.compile(r"^(?:Prov\.|Arr\.|\u041c\.)\s*")
"""Prefixes a NUTS name may be written without: Belgian ``Prov.``/``Arr.``, Ukrainian ``М.``."""
_NAME_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")
"""A final parenthesis: ``(BE)``, ``(NL)``, ``(Saale)``, ``(England)``."""
_NAME_KIND = re.compile(r",\s*(?:Kreisfreie Stadt|Landkreis|Stadtkreis|City of|County of)\s*$")
"""The kind of unit after a comma: ``München, Landkreis``, ``Bristol, City of``."""
_NAME_PREFIX_MIN = 4
"""A value at least this long suggests the region names that start with it."""
_NAME_CLOSE = 75.0
"""Least similarity (0-100) of a region name suggested for a misspelt one."""
_CURRENT_VERSIONS = ("2024", "2018")
"""The NUTS versions whose codes name themselves: NUTS 2024, and NUTS 2018 for the United
Kingdom's regions (its last classification)."""


@cache
def _nuts_regions() -> dict[str, NutsRegionRow]:
    """The bundled regions of NUTS 2024 (the EU's and the statistical regions of EFTA and
    candidate countries) and the United Kingdom's of NUTS 2018, by code."""
    return {row.code: row for row in nuts_region_rows()
            if set(_CURRENT_VERSIONS) & set(row.versions)}


def _iso(row: NutsRegionRow) -> str:
    return nuts_country_to_iso(row.country)


@cache
def _nuts_codes() -> frozenset[str]:
    """The NUTS codes that name themselves (:data:`_CURRENT_VERSIONS`); a NUTS 2021 code
    that NUTS 2024 replaced is read by :func:`_nuts2021`."""
    return frozenset(_nuts_regions())


def _name_forms(name: str) -> tuple[set[str], set[str]]:
    """The full forms of a NUTS name (each language of ``A/B``) and its shortened forms
    (without ``Prov.``, ``(BE)``, ``, Landkreis``).

    >>> _name_forms("Prov. Limburg (BE)")[1] == {"Limburg (BE)", "Prov. Limburg", "Limburg"}
    True
    """
    full = {name.strip(), *(part.strip() for part in name.split("/"))} - {""}
    short: set[str] = set()
    for part in full:
        for unprefixed in {part, _NAME_PREFIX.sub("", part)}:
            for kindless in {unprefixed, _NAME_KIND.sub("", unprefixed)}:
                bare = _NAME_PARENTHESIS.sub("", kindless)
                short |= {kindless.strip(), bare.strip(), _NAME_KIND.sub("", bare).strip()}
    return full, short - full - {""}


@dataclass(frozen=True)
class _NutsNames:
    """NUTS regions by folded name: ``exact`` (full names, their Latin transliterations and
    each language of a bilingual name), then ``short`` (shortened forms, consulted only when
    no full name matches); ``keys`` every folded name, sorted (prefix and fuzzy search);
    ``tails`` each folded name from its second, third, ... word on, with the name, sorted
    (``bruxelles`` finds ``region de bruxelles capitale``); ``whole_countries`` the NUTS-1
    codes that are the only one of their country."""

    exact: dict[str, tuple[str, ...]]
    short: dict[str, tuple[str, ...]]
    keys: tuple[str, ...]
    tails: tuple[tuple[str, str], ...]
    whole_countries: frozenset[str]


@cache
def _nuts_names() -> _NutsNames:
    exact: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    level_one: dict[str, list[str]] = {}
    for code, region in _nuts_regions().items():
        if region.level == 1:
            level_one.setdefault(region.country, []).append(code)
        for name in (region.name, region.name_latin or ""):
            if not name:
                continue
            full, shortened = _name_forms(name)
            for form in full:
                exact.setdefault(_fold(form), set()).add(code)
            for form in shortened:
                short.setdefault(_fold(form), set()).add(code)
    exact.pop("", None)
    short.pop("", None)

    def frozen(table: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
        return {key: tuple(sorted(codes, key=lambda c: (len(c), c)))
                for key, codes in table.items()}

    keys = tuple(sorted(exact.keys() | short.keys()))
    tails = sorted(
        (" ".join(words[start:]), key)
        for key in keys
        for words in (key.split(),)
        for start in range(1, len(words))
    )
    return _NutsNames(
        exact=frozen(exact),
        short=frozen(short),
        keys=keys,
        tails=tuple(tails),
        whole_countries=frozenset(codes[0] for codes in level_one.values() if len(codes) == 1),
    )


@dataclass(frozen=True)
class _Nuts2021:
    """A NUTS 2021 code that NUTS 2024 replaced, and what became of it.

    ``successor`` is the 2024 region it is read as, ``None`` when its area now lies in
    several regions (``regions``, the successor first)."""

    code: str
    name: str
    change: str
    successor: str | None
    regions: tuple[str, ...]


@cache
def _nuts2021() -> dict[str, _Nuts2021]:
    """The NUTS 2021 codes NUTS 2024 replaced, read from Eurostat's correspondence
    (:func:`~smekg.reference.regions.nuts_successors`).

    A code change, a boundary shift of a few municipalities (the region of the same name)
    and a merger (the region it was merged into) give one successor; a split gives several;
    so does a boundary shift of a NUTS 1 or 2 region whose NUTS 3 regions went to several
    NUTS 2024 regions (``PT16`` Centro: ``PT19`` and the new ``PT1D``)."""
    rows = {row.code: row for row in nuts_region_rows()}
    current = _nuts_regions()
    result: dict[str, _Nuts2021] = {}
    for code in nuts_changes():
        replaced = nuts_successors(code)
        if replaced is None or code in current or code not in rows:
            continue
        change, successors = replaced[0].replace("-", " "), tuple(replaced[1])
        if change == "boundary shift":
            children = [child for child, row in rows.items() if child.startswith(code)
                        and row.level == rows[code].level + 1 and "2021" in row.versions]
            spread = [new[:-1] for child in children
                      for new in (nuts_successors(child) or ("", [child]))[1]
                      if new[:-1] in current]
            successors = tuple(dict.fromkeys([*successors, *sorted(spread)]))
        result[code] = _Nuts2021(code, rows[code].name, change,
                                 successors[0] if len(successors) == 1 else None, successors)
    return result


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
    >>> [resolver.sector(v).iri.split("/")[-2:] for v in ("c 25.11", "6201", "Manufacturing")]
    [['nace2.1', '2511'], ['nace2', '6201'], ['nace2.1', 'C']]
    """

    def __init__(self, minter: Minter) -> None:
        self.minter = minter
        self.countries = default_resolver()

    def warm(self) -> None:
        """Build the lookup tables now (a fraction of a second, once per process) rather
        than on the first value resolved: a server does it beside the requests."""
        _sectors()
        _nuts_codes()
        _nuts_prefixes()
        _nuts_names()
        _nuts2021()
        _subdivisions()
        for value in ("IT", "italy", "ITH55", "Bologna"):
            self.region(value)
        self.suggest_region("Bolgna")
        self.sector("62.01")
        self.sector("computer programming")

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

    def region(self, value: str, country: str | None = None) -> Resolved:
        """A region: NUTS, ISO 3166-2 or ISO 3166-1 code, country name, NUTS region name,
        continent or world.

        Parameters
        ----------
        value
            As written.
        country
            The ISO 3166-1 alpha-2 (or NUTS) code of the country ``value`` lies in, when
            known (a loaded table passes its row's ``country``): it tells apart regions of
            the same name (``Limburg``: NL42 or BE22). It never excludes a region: a name
            found only elsewhere still resolves there.

        Codes are read first (NUTS 2024 and the UK's NUTS 2018 codes, ISO 3166-2, ISO
        3166-1; a NUTS 2021 code that NUTS 2024 changed is read as its 2024 region with a
        note, or fails with the 2024 regions its area now lies in), then names, with these
        rules, each read with a note saying how:

        * a country's name (``Italia``) is the country, unless ``country`` names another
          country that has a NUTS region of that name (``Luxembourg`` with ``BE``: the
          Belgian province);
        * a NUTS region's name: its full name in any of its languages or the Latin
          transliteration, else a shortened form (without ``Prov.``, ``(BE)``,
          ``, Kreisfreie Stadt``); it wins over an ISO 3166-2 subdivision of the same name
          (``Bologna``: ITH55, not IT-BO; the note names the subdivision);
        * a name regions at nested levels share (``Île-de-France``: FR1 and FR10, the same
          area; ``Leipzig``: DED5 and DED52 inside it) is the broadest of them (FR1, DED5),
          and the note names the others: whoever means the narrower one writes its code;
        * the name of a country's only NUTS-1 region (``Shqipëria``) is the country;
        * a name unrelated regions share (``Limburg``; ``München``, the city and the
          district) is an error listing them (code, name, country), unless ``country``
          leaves one.

        Raises
        ------
        ResolveError
            For anything else, with :meth:`suggest_region`'s suggestions.
        ValueError
            If ``country`` is not a two-letter code.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> [resolver.region(v).iri.rsplit("/", 1)[-1]
        ...  for v in ("ITH5", "gb-ken", "EL", "Italia", "Europe", "world", "UKJ4")]
        ['ITH5', 'GB-KEN', 'GR', 'IT', '150', '001', 'UKJ4']
        >>> [resolver.region(v).iri.rsplit("/", 1)[-1]
        ...  for v in ("Bologna", "vasterbottens lan", "Île-de-France", "Attiki")]
        ['ITH55', 'SE331', 'FR1', 'EL3']
        >>> resolver.region("Bologna").note
        "'Bologna' read as the NUTS 3 region ITH55 (Bologna, IT) by its name; the ISO \
3166-2 subdivision IT-BO (Bologna) has that name too (write IT-BO for it)"
        >>> resolver.region("Limburg", country="NL").iri
        'http://data.europa.eu/nuts/code/NL42'
        >>> resolver.region("Limburg")
        Traceback (most recent call last):
        ...
        smekg.reference.resolve.ResolveError: 'Limburg' is the name of several NUTS \
regions: BE22 (Prov. Limburg (BE), BE), NL42 (Limburg (NL), NL); give the country (in a \
table, its country column) or write the code; did you mean BE22 (Prov. Limburg (BE)), \
NL42 (Limburg (NL))?
        >>> print(resolver.region("NL332").note)
        NL332 is a NUTS 2021 code (Agglomeratie ’s-Gravenhage); in NUTS 2024 it is NL361 \
(Agglomeratie ’s-Gravenhage) (code change)
        >>> resolver.region("itali")
        Traceback (most recent call last):
        ...
        smekg.reference.resolve.ResolveError: unknown region 'itali': ...; did you mean \
IT (Italy), ...
        """
        hint = iso_to_nuts_country(country) if country else None
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
        if _NUTS_RE.match(upper) and upper in _nuts2021():
            return self._nuts2021_region(_nuts2021()[upper])
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
        named = self._nuts_named(text, hint)
        elsewhere = (
            hint is not None and match.alpha2 is not None
            and match.alpha2 != nuts_country_to_iso(hint)
            and any(_nuts_regions()[code].country == hint for code in named)
        )
        # a country's name, alias or translation; its name pattern ("Île-de-France" has
        # "France" in it) and a close spelling only when no NUTS region has the name
        if match.alpha2 is not None and match.method not in {"regex", "fuzzy"} and not elsewhere:
            return self.country(text)
        if named:
            return self._named_region(text, named, hint)
        if match.alpha2 is not None:
            return self.country(text)
        raise ResolveError(
            f"unknown region {text!r}: not a NUTS, ISO 3166-2 or ISO 3166-1 code, a continent, "
            "a country name or the name of a NUTS region",
            self.suggest_region(text),
        )

    @staticmethod
    def _nuts_label(code: str) -> str:
        region = _nuts_regions().get(code)
        return f"{code} ({region.name})" if region and region.name else code

    def _nuts2021_region(self, old: _Nuts2021) -> Resolved:
        """A NUTS 2021 code gone from NUTS 2024: its successor, with a note, or an error."""
        regions = [self._nuts_label(code) for code in old.regions]
        if old.successor is None:
            what = {"split": "split it", "merged": "merged it into other regions"}.get(
                old.change, "redrew its boundaries"
            )
            raise ResolveError(
                f"{old.code} is a NUTS 2021 code ({old.name}); NUTS 2024 {what} "
                f"({old.change}), so its area now lies in several regions: "
                f"{', '.join(regions)}; write the NUTS 2024 code meant",
                [Suggestion(code, _nuts_regions()[code].name or None) for code in old.regions],
            )
        became = {
            "boundary shift": f"it is {regions[0]}, whose boundary changed (municipalities "
                              "moved between it and its neighbours)",
            "merged": f"it is part of {regions[0]}",
        }.get(old.change, f"it is {regions[0]}")
        return Resolved(
            nuts_region(old.successor),
            f"{old.code} is a NUTS 2021 code ({old.name}); in NUTS 2024 {became} "
            f"({old.change})",
        )

    @staticmethod
    def _nuts_named(text: str, hint: str | None) -> tuple[str, ...]:
        """The NUTS regions of that name: full names first, then shortened ones; in the
        hinted country when it has one."""
        if len(text) > MAX_SUGGEST_CHARS * 4:  # no region name is this long
            return ()
        key = _fold(text)
        names = _nuts_names()
        tables = (names.exact, names.short)
        if hint is not None:
            regions = _nuts_regions()
            for table in tables:
                found = tuple(code for code in table.get(key, ()) if regions[code].country == hint)
                if found:
                    return found
        for table in tables:
            if key in table:
                return table[key]
        return ()

    def _named_region(self, value: str, codes: Sequence[str], hint: str | None) -> Resolved:
        regions = _nuts_regions()
        chain = sorted(codes, key=lambda code: (len(code), code))
        nested = all(chain[i + 1].startswith(chain[i]) for i in range(len(chain) - 1))
        if not nested:
            countries = {regions[code].country for code in chain}
            listed = ", ".join(
                f"{code} ({regions[code].name}, {_iso(regions[code])})"
                for code in sorted(chain, key=lambda c: (regions[c].country, len(c), c))
            )
            ask = ("give the country (in a table, its country column) or write the code"
                   if len(countries) > 1 else "write the code")
            raise ResolveError(
                f"{value!r} is the name of several NUTS regions: {listed}; {ask}",
                [Suggestion(code, regions[code].name or None)
                 for code in sorted(chain, key=lambda c: (regions[c].country, len(c), c))],
            )
        top = regions[chain[0]]
        iso = _iso(top)
        if top.code in _nuts_names().whole_countries and _country_name(iso):
            return Resolved(
                self.minter.country(iso),
                f"{value!r} read as the country {iso} ({_country_name(iso)}) by the "
                f"name of its only NUTS-1 region {top.code} ({top.name})",
            )
        note = (
            f"{value!r} read as the NUTS {top.level} region {top.code} ({top.name}, {iso}) "
            "by its name"
        )
        key = _fold(value)
        if hint is not None and any(
            regions[code].country != hint
            for table in (_nuts_names().exact, _nuts_names().short)
            for code in table.get(key, ())
        ):
            note += f" in {nuts_country_to_iso(hint)}, the country given"
        if len(chain) > 1:
            others = ", ".join(f"{code} (NUTS {regions[code].level})" for code in chain[1:])
            note += (
                f"; {others} within it {'has' if len(chain) == 2 else 'have'} that name too: "
                "the broadest is meant (write the code for a narrower one)"
            )
        by_name, names, _ = _subdivisions()
        for code in by_name.get(key, ()):
            if code[:2] == iso:
                note += (f"; the ISO 3166-2 subdivision {code} ({names[code]}) has that name "
                         f"too (write {code} for it)")
        return Resolved(nuts_region(top.code), note)

    def suggest_region(self, value: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """The regions ``value`` probably meant, best first (at most ``limit``).

        A code-like value gets the codes that share the most leading characters with it
        (its NUTS ancestors first, then the nearest siblings). A name gets, by similarity
        (0-100, ties in this order): the countries whose names are closest, the NUTS regions
        whose names start with it (scored 90-100, the shorter name first), have a word
        starting with it (80-90) or are spelled closely (at least 75), and the ISO 3166-2
        subdivisions of that exact name (100).
        The region names are looked for in a sorted table of folded names built once per
        process: binary searches for those starting with the value, one pass of rapidfuzz
        for close spellings (a few hundred microseconds; values of at most
        :data:`MAX_SUGGEST_CHARS` characters).

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> [str(s) for s in resolver.suggest_region("itali")][:1]
        ['IT (Italy)']
        >>> [s.value for s in resolver.suggest_region("ITH5X")][:3]
        ['ITH5', 'ITH', 'IT']
        >>> [str(s) for s in resolver.suggest_region("vasterbotten")][:1]
        ['SE331 (Västerbottens län)']
        >>> [str(s) for s in resolver.suggest_region("Bolgna")][:1]
        ['ITH55 (Bologna)']
        >>> [str(s) for s in resolver.suggest_region("California")][:1]
        ['US-CA (California)']
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
            key = _fold(text)
            ranked = [(score, 0, Suggestion(code, _country_name(code)))
                      for code, score in self._close_countries(text).items()]
            ranked += [(score, 1, suggestion) for score, suggestion in self._nuts_named_like(
                key, limit)]
            ranked += [(100.0, 2, Suggestion(code, names[code])) for code in by_name.get(key, ())]
            found += [suggestion for _, _, suggestion in
                      sorted(ranked, key=lambda item: (-item[0], item[1]))]
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

    @staticmethod
    def _nuts_named_like(key: str, limit: int) -> list[tuple[float, Suggestion]]:
        """NUTS regions whose folded names start with ``key`` or are spelled like it, each
        with its similarity (0-100), best first."""
        names = _nuts_names()
        scores: dict[str, float] = {}

        def add(found: str, score: float) -> None:
            for code in (*names.exact.get(found, ()), *names.short.get(found, ())):
                scores[code] = max(score, scores.get(code, 0.0))

        if len(key) >= _NAME_PREFIX_MIN:
            start = bisect.bisect_left(names.keys, key)
            for found in names.keys[start:start + limit]:
                if not found.startswith(key):
                    break
                add(found, 90.0 + 10.0 * len(key) / len(found))
            start = bisect.bisect_left(names.tails, (key, ""))
            for tail, found in names.tails[start:start + limit]:
                if not tail.startswith(key):
                    break
                add(found, 80.0 + 10.0 * len(key) / len(found))
        for found, score, _ in process.extract(
            key, names.keys, scorer=fuzz.ratio, limit=limit, score_cutoff=_NAME_CLOSE
        ):
            add(found, score)
        regions = _nuts_regions()
        ranked = sorted(scores.items(), key=lambda item: (-item[1], len(item[0]), item[0]))
        return [(score, Suggestion(code, regions[code].name or None))
                for code, score in ranked[:limit]]

    def _close_countries(self, text: str) -> dict[str, float]:
        """The country resolver's candidates for a name, keeping those about as close to it
        as the best one (its candidates go down to a weak similarity), each with its
        similarity (0-100) to the country's English names."""
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
        return {code: scores[code] for code in candidates if scores[code] >= best - _CLOSE_MARGIN}

    @staticmethod
    def _country_code(code: str) -> list[str]:
        if not re.fullmatch(r"[A-Z]{2}", code):
            return []
        iso = nuts_country_to_iso(code)
        return [iso] if pycountry.countries.get(alpha_2=iso) is not None else []

    # -- sectors -------------------------------------------------------------------------------

    def sector(self, value: str) -> Resolved:
        """A NACE sector (see the module's docstring for the forms accepted).

        A code of NACE Rev. 2.1 is read in Rev. 2.1. A code that is not a Rev. 2.1 code
        but is a NACE Rev. 2 code (``62.01``, ``45.11``), or that carries the section letter
        only Rev. 2 gives its division (``J62.01``, ``J 63.91``), is the NACE Rev. 2 concept,
        with a note saying so (and naming the Rev. 2.1 code of the same code and title, if
        there is one: see :func:`~smekg.reference.sectors.linked_nace2_codes`). ``rev2:``
        names a Rev. 2 code, ``rev2.1:`` a Rev. 2.1 code. A title is read by
        :meth:`_sector_by_title`.

        Raises
        ------
        ResolveError
            For anything else, with :meth:`suggest_sector`'s suggestions.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> resolver.sector("62.01").iri
        'http://data.europa.eu/ux2/nace2/6201'
        >>> resolver.sector("62.01").note
        "'62.01' is not a NACE Rev. 2.1 code: read as NACE Rev. 2 62.01 (Computer \
programming activities); no NACE Rev. 2.1 code has its code and title (write rev2.1:CODE \
for a Rev. 2.1 code)"
        >>> resolver.sector("rev2:25.11")
        Resolved(iri='http://data.europa.eu/ux2/nace2/2511', note=None, \
alternatives=('http://data.europa.eu/ux2/nace2.1/2511',))
        >>> resolver.sector("62.05")
        Traceback (most recent call last):
        ...
        smekg.reference.resolve.ResolveError: bad NACE code '62.05': '62.05' is neither a \
NACE Rev. 2.1 nor a NACE Rev. 2 code; did you mean 62.0 (Computer programming, consultancy \
and related activities), 62 (...), ...
        """
        text = value.strip()
        version: str | None = None
        prefix, _, rest = text.partition(":")
        if rest and prefix.lower() in _REVISION_PREFIXES:
            version = _REVISION_PREFIXES[prefix.lower()]
            text = rest.strip()
        index = _sectors()
        if len(re.sub(r"\s+", "", text)) > 1 and not re.search(r"\d", text):
            return self._sector_by_title(value, text, version)
        try:
            code = normalise_nace_code(text)
        except InvalidNaceCode as error:
            raise ResolveError(
                f"bad NACE code {value!r}: {error}", self.suggest_sector(text)
            ) from None
        rev21, rev2 = index.codes["2.1"], index.codes["2"]
        if version == "2":
            if code not in rev2:
                raise ResolveError(
                    f"bad NACE code {value!r}: {code!r} is not a NACE Rev. 2 code",
                    self.suggest_sector(text),
                )
            return Resolved(nace_sector("2", code), alternatives=self._linked(code))
        letter = _SECTION_LETTER.match(text)
        rev2_letter = None
        if letter is not None and code[0].isdigit():
            division = int(code[:2])
            section = letter[1].upper()
            if section not in _sections(NACE21_SECTION_DIVISIONS, division):
                rev2_letter = section  # only NACE Rev. 2 puts this division in this section
        if code in rev21 and rev2_letter is None:
            return Resolved(nace_sector("2.1", code))
        if version == "2.1":
            raise ResolveError(
                f"bad NACE code {value!r}: {code!r} is not a NACE Rev. 2.1 code",
                self.suggest_sector(text),
            )
        if code not in rev2:
            why = (f"section {rev2_letter} holds division {code[:2]} only in NACE Rev. 2, "
                   f"which has no {code} (NACE Rev. 2.1 {code} is in section "
                   f"{rev21[code[:2]].parent})" if rev2_letter is not None and code in rev21
                   else f"{code!r} is neither a NACE Rev. 2.1 nor a NACE Rev. 2 code")
            raise ResolveError(f"bad NACE code {value!r}: {why}", self.suggest_sector(text))
        why = (
            f"has NACE Rev. 2's section letter {rev2_letter}"
            if rev2_letter is not None
            else "is not a NACE Rev. 2.1 code"
        )
        note = f"{value!r} {why}: read as NACE Rev. 2 {code} ({rev2[code].label})"
        if code in index.linked:
            note += (f", the same code and title as NACE Rev. 2.1 {code}: coverage counts "
                     "both")
        else:
            note += ("; no NACE Rev. 2.1 code has its code and title (write rev2.1:CODE for "
                     "a Rev. 2.1 code)")
        return Resolved(nace_sector("2", code), note, self._linked(code))

    @staticmethod
    def _linked(code: str) -> tuple[str, ...]:
        """The Rev. 2.1 concept of the same code and title as the Rev. 2 ``code``, if any."""
        return (nace_sector("2.1", code),) if code in _sectors().linked else ()

    def _sector_by_title(self, value: str, text: str, version: str | None = None) -> Resolved:
        """A sector by its title, in any case and with or without accents, in English (both
        revisions) or another language of the bundled NACE Rev. 2 titles.

        The exact title first, then the titles that begin with the words written
        (``computer programming``); Rev. 2.1 before Rev. 2 (unless ``version`` says which).
        The codes found must lie on one chain (titles repeat down a chain: group 62.1 and
        class 62.10; the title of division 62 begins with "Computer programming"): the
        deepest is the narrowest concept, and it is the answer, with a note saying how it
        was read and what the other revision has. Codes on several chains are an error
        listing them.

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> found = resolver.sector("computer programming")
        >>> found.iri
        'http://data.europa.eu/ux2/nace2.1/6210'
        >>> found.note
        "'computer programming' read by its title as NACE Rev. 2.1 62.10 (Computer \
programming activities), the narrowest code whose title begins with those words; in NACE \
Rev. 2 it is 62.01 (Computer programming activities)"
        >>> resolver.sector("Programmierungstätigkeiten").iri
        'http://data.europa.eu/ux2/nace2/6201'
        """
        index = _sectors()
        folded = _fold(text)
        revisions = _REVISIONS if version is None else (version,)
        if folded and len(folded) <= index.longest:
            for start in (False, True):
                found = index.matching(folded, start=start)
                for revision in revisions:
                    codes = sorted({code for r, code, _ in found if r == revision},
                                   key=lambda code: (index.level((revision, code)), code))
                    if not codes:
                        continue
                    chain = all(index.is_ancestor(revision, broader, narrower)
                                for broader, narrower in pairwise(codes))
                    if not chain:
                        what = "begin with those words" if start else "are"
                        raise ResolveError(
                            f"bad NACE code {value!r}: the titles of {len(codes)} NACE Rev. "
                            f"{revision} codes {what}; write the code meant",
                            [index.suggestion((revision, code))
                             for code in codes[:MAX_SUGGESTIONS]],
                        )
                    languages = sorted({lang for r, code, lang in found
                                        if (r, code) == (revision, codes[-1])})
                    note = self._title_note(value, (revision, codes[-1]), languages, start,
                                            found)
                    return Resolved(nace_sector(revision, codes[-1]), note,
                                    self._linked(codes[-1]) if revision == "2" else ())
        raise ResolveError(
            f"bad NACE code {value!r}: not a NACE code (C, 25, 25.1, 25.11) nor the title of "
            "one",
            self.suggest_sector(text),
        )

    @staticmethod
    def _title_note(value: str, key: _Key, languages: list[str], start: bool,
                    found: list[tuple[str, str, str]]) -> str:
        index = _sectors()
        revision, code = key
        how = "its title" if "en" in languages else f"its title in {', '.join(languages)}"
        note = f"{value!r} read by {how} as NACE Rev. {revision} {code} ({index.label(key)})"
        if start:
            note += ", the narrowest code whose title begins with those words"
        other = "2" if revision == "2.1" else "2.1"
        codes = sorted({c for r, c, _ in found if r == other},
                       key=lambda c: (index.level((other, c)), c))
        if codes:
            deepest = (other, codes[-1])
            if codes[-1] == code and code in index.linked:
                note += f"; NACE Rev. {other} {code} has the same code and title"
            else:
                written = index.typed(deepest)
                shown = "" if written == codes[-1] else f", written {written}"
                note += (f"; in NACE Rev. {other} it is {codes[-1]} ({index.label(deepest)})"
                         f"{shown}")
        return note

    def suggest_sector(self, value: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """The NACE codes ``value`` probably meant, best first (at most ``limit``): Rev. 2.1
        codes, and Rev. 2 codes that Rev. 2.1 does not have with the same title (their
        value is the code, ``rev2:`` before it where Rev. 2.1 has the code too).

        A value with digits gets the codes whose digits start the same way (those it
        starts with first, deepest first; then the rest of the deepest shared level,
        nearest digit first; then, while there are too few, those sharing one digit fewer);
        when not even the division exists, the nearest divisions. A title gets the codes
        whose English titles share the most of its words (Rev. 2.1 first at a tie).

        Examples
        --------
        >>> resolver = Resolver(Minter("https://w3id.org/smekg/id/"))
        >>> [s.value for s in resolver.suggest_sector("62.019")]
        ['62.01', '62.0', '62', '62.02', '62.03']
        >>> [s.value for s in resolver.suggest_sector("04.11")][:3]
        ['03', '05', '02']
        >>> [s.value for s in resolver.suggest_sector("computer programing")][:4]
        ['62.1', '62.10', '62.01', '62']
        """
        text = value.strip()
        if not text or len(text) > MAX_SUGGEST_CHARS:
            return []
        prefix, _, rest = text.partition(":")
        if rest and prefix.lower() in _REVISION_PREFIXES:
            text = rest.strip()
        index = _sectors()
        digits = "".join(re.findall(r"\d", text))
        keys: list[_Key]
        if not digits:
            keys = self._by_words(text, limit)
        elif digits[:2] in index.digits:
            keys = [index.digits[found]
                    for found in _widening_codes(digits, index.digit_prefixes, limit)]
        else:
            number = int(digits[:2]) if len(digits) >= 2 else int(digits) * 10
            divisions = sorted({key[1] for key in index.digits.values() if len(key[1]) == 2},
                               key=lambda code: (abs(int(code) - number), code))
            keys = [index.digits[code] for code in divisions[:limit]]
        return [index.suggestion(key) for key in keys]

    @staticmethod
    def _by_words(text: str, limit: int) -> list[_Key]:
        index = _sectors()
        words = [word for word in _fold(text).split() if len(word) >= _WORD_MIN]
        if not words:
            return []
        hits: dict[_Key, int] = {}
        matched_words: dict[_Key, set[str]] = {}
        for word in dict.fromkeys(words):
            stem = word[:_STEM]
            for key in index.by_word.get(stem, ()):
                hits[key] = hits.get(key, 0) + 1
                matched_words.setdefault(key, set()).add(stem)
        needed = max(1, (len(set(words)) + 1) // 2)

        def rank(key: _Key) -> tuple[int, float, int, int, str]:
            title = index.title_words[key]
            covered = sum(1 for word in title if word[:_STEM] in matched_words[key])
            return (-hits[key], -covered / max(len(title), 1), _REVISIONS.index(key[0]),
                    index.level(key), key[1])

        return sorted((key for key, count in hits.items() if count >= needed), key=rank)[:limit]

    # -- controlled vocabularies ---------------------------------------------------------------

    def concept(self, scheme: str, value: str) -> Resolved:
        notations = concept_notations(scheme)
        key = value.strip().lower().replace(" ", "-").replace("_", "-")
        if key not in notations:
            raise ResolveError(
                f"unknown value {value!r}; expected one of: {', '.join(sorted(notations))}"
            )
        return Resolved(notations[key])

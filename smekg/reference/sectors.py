"""NACE sectors: Rev. 2.1 from the ``naceconverter`` package, Rev. 2 bundled with its
titles in 26 languages, and the links between the two revisions that are honest to make.

Both revisions are modelled alike, with the official EU Vocabularies IRIs
(``http://data.europa.eu/ux2/nace2.1/2511``, ``http://data.europa.eu/ux2/nace2/2511``): each
code is a ``smekg:Sector`` and ``skos:Concept`` with ``skos:prefLabel``\\@en (NACE Rev. 2:
one ``skos:prefLabel`` per language of the source),
``skos:notation`` and ``smekg:naceCode`` (the code as printed: ``C``, ``25``, ``25.1``,
``25.11``), ``smekg:level`` (1 section ... 4 class), ``skos:inScheme`` the revision's scheme,
``skos:broader`` its parent (sections are ``skos:topConceptOf`` the scheme) and its level
node ``smekg:nace2.1-level-1`` ... (the level lists its concepts with ``skos:member``).

NACE Rev. 2 comes from ``smekg/data/reference/nace2/titles.csv`` (Eurostat's RAMON export,
see ``data/reference/SOURCES.md``): :func:`nace2_codes`, :func:`build_nace2`. A Rev. 2 code
is linked to the Rev. 2.1 code of the same code (``skos:exactMatch``, both ways) only when
their English titles are the same once :func:`title_key` has normalised them
(:func:`linked_nace2_codes`, :func:`build_nace2_links`); every other Rev. 2 code is left
unlinked, because no correspondence is bundled that says where its activities went.

The builders (:func:`build_nace21`, :func:`build_nace2`, :func:`build_nace2_links`) accept
a ``minter`` for uniformity with the other builders and do not use it: NACE uses official
EU IRIs.

Examples
--------
>>> normalise_nace_code("C 2511")
'25.11'
>>> graph = build_nace21()
>>> len(graph) > 9_000
True
>>> "62" in linked_nace2_codes(), "62.01" in linked_nace2_codes()
(True, False)
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from smekg.core.iri import NACE_SCHEME_IRIS, Minter, nace_sector
from smekg.core.rdf import GraphBuilder
from smekg.ontology import RDF, SKOS, SMEKG
from smekg.reference.regions import ReferenceFileError, _read_table

__all__ = [
    "NACE2_LEVEL_COUNTS",
    "NACE2_LINK_RULE",
    "NACE2_ORIGIN",
    "NACE2_SECTION_DIVISIONS",
    "NACE21_LEVEL_COUNTS",
    "NACE21_SECTION_DIVISIONS",
    "InvalidNaceCode",
    "NaceCode",
    "ReferenceFileError",
    "build_nace2",
    "build_nace2_links",
    "build_nace21",
    "linked_nace2_codes",
    "nace2_codes",
    "nace2_english_titles",
    "nace2_languages",
    "nace2_link_counts",
    "nace2_titles_bytes",
    "nace21_codes",
    "nace_level",
    "normalise_nace_code",
    "read_eurostat_nace2_codes",
    "read_eurostat_nace2_file",
    "title_key",
]

NACE21_LEVEL_COUNTS: dict[int, int] = {1: 22, 2: 87, 3: 287, 4: 651}
"""Codes per level of NACE Rev. 2.1 (sections, divisions, groups, classes): 1,047 in all."""

NACE2_LEVEL_COUNTS: dict[int, int] = {1: 21, 2: 88, 3: 272, 4: 615}
"""Codes per level of NACE Rev. 2 (sections, divisions, groups, classes): 996 in all."""

NACE2_SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43),
    "G": (45, 47), "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68),
    "M": (69, 75), "N": (77, 82), "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93),
    "S": (94, 96), "T": (97, 98), "U": (99, 99),
}  # fmt: skip
"""NACE Rev. 2: section -> (first, last) division."""

NACE21_SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43),
    "G": (46, 47), "H": (49, 53), "I": (55, 56), "J": (58, 60), "K": (61, 63), "L": (64, 66),
    "M": (68, 68), "N": (69, 75), "O": (77, 82), "P": (84, 84), "Q": (85, 85), "R": (86, 88),
    "S": (90, 93), "T": (94, 96), "U": (97, 98), "V": (99, 99),
}  # fmt: skip
"""NACE Rev. 2.1: section -> (first, last) division (checked against the bundled data)."""

_CODE_SHAPES = {
    1: re.compile(r"^[A-Z]$"),
    2: re.compile(r"^\d{2}$"),
    3: re.compile(r"^\d{2}\.\d$"),
    4: re.compile(r"^\d{2}\.\d{2}$"),
}
_LOOSE_CODE = re.compile(
    r"^(?P<section>[A-Z])?(?P<division>\d{2})(?:\.?(?P<group>\d)(?P<cls>\d)?)?$"
)

_TYPE = NamedNode(str(RDF.type))
_SECTOR = NamedNode(str(SMEKG.Sector))
_CONCEPT = NamedNode(str(SKOS.Concept))
_PREF_LABEL = NamedNode(str(SKOS.prefLabel))
_NOTATION = NamedNode(str(SKOS.notation))
_NACE_CODE = NamedNode(str(SMEKG.naceCode))
_LEVEL = NamedNode(str(SMEKG.level))
_IN_SCHEME = NamedNode(str(SKOS.inScheme))
_BROADER = NamedNode(str(SKOS.broader))
_TOP_CONCEPT_OF = NamedNode(str(SKOS.topConceptOf))
_HAS_TOP_CONCEPT = NamedNode(str(SKOS.hasTopConcept))
_SCOPE_NOTE = NamedNode(str(SKOS.scopeNote))
_MEMBER = NamedNode(str(SKOS.member))


class InvalidNaceCode(ValueError):
    """Text that is not a NACE code; the message says why."""


def _sections_of(division: int) -> list[str]:
    """Sections holding ``division`` in NACE Rev. 2 or Rev. 2.1."""
    return sorted(
        {
            section
            for table in (NACE2_SECTION_DIVISIONS, NACE21_SECTION_DIVISIONS)
            for section, (first, last) in table.items()
            if first <= division <= last
        }
    )


def normalise_nace_code(text: str) -> str:
    """The canonical printed form of a NACE code (Rev. 2 or Rev. 2.1).

    Accepted: a section letter (``C``, ``c``); a division, group or class with or without
    the dot (``25``, ``25.1``/``251``, ``25.11``/``2511``), optionally preceded by its
    section letter (``C25``, ``C 25``, ``C25.11``). Spaces are ignored.

    Parameters
    ----------
    text
        The code as written.

    Returns
    -------
    str
        ``C``, ``25``, ``25.1`` or ``25.11``.

    Raises
    ------
    InvalidNaceCode
        For anything else, e.g. a national fifth level (``25.110``), a one-digit division
        (``1.1``), a division that exists in neither revision (``04``) or a section that
        does not hold the division (``A25``).

    Examples
    --------
    >>> [normalise_nace_code(t) for t in ("c", "C 25", "251", "2511", "C25.11")]
    ['C', '25', '25.1', '25.11', '25.11']
    >>> normalise_nace_code("A25")
    Traceback (most recent call last):
    ...
    smekg.reference.sectors.InvalidNaceCode: 'A25': division 25 is in section C, not A
    """
    if not isinstance(text, str):
        raise InvalidNaceCode(f"{text!r}: a NACE code must be a string")
    compact = re.sub(r"\s+", "", text).upper()
    if not compact:
        raise InvalidNaceCode(f"{text!r}: empty NACE code")
    if re.fullmatch(r"[A-Z]", compact):
        if compact not in NACE2_SECTION_DIVISIONS and compact not in NACE21_SECTION_DIVISIONS:
            raise InvalidNaceCode(f"{text!r}: no NACE section {compact} (sections are A-V)")
        return compact
    match = _LOOSE_CODE.match(compact)
    if match is None:
        raise InvalidNaceCode(
            f"{text!r}: not a NACE code; expected a section letter (C), a two-digit division "
            "(25), a group (25.1) or a class (25.11), optionally after its section (C25.11)"
        )
    division = match["division"]
    sections = _sections_of(int(division))
    if not sections:
        raise InvalidNaceCode(f"{text!r}: there is no NACE division {division}")
    section = match["section"]
    if section is not None and section not in sections:
        raise InvalidNaceCode(
            f"{text!r}: division {division} is in section {' or '.join(sections)}, not {section}"
        )
    if match["group"] is None:
        return division
    if match["cls"] is None:
        return f"{division}.{match['group']}"
    return f"{division}.{match['group']}{match['cls']}"


def nace_level(code: str) -> int:
    """Level (1 section ... 4 class) of a canonical NACE code.

    Raises
    ------
    InvalidNaceCode
        If ``code`` is not in canonical form (see :func:`normalise_nace_code`).

    Examples
    --------
    >>> [nace_level(code) for code in ("C", "25", "25.1", "25.11")]
    [1, 2, 3, 4]
    """
    for level, shape in _CODE_SHAPES.items():
        if shape.match(code):
            return level
    raise InvalidNaceCode(f"{code!r}: not a canonical NACE code (C, 25, 25.1 or 25.11)")


@dataclass(frozen=True)
class NaceCode:
    """One NACE code as read from a classification file.

    Attributes
    ----------
    code
        Canonical printed code (``25.11``).
    level
        1 (section) ... 4 (class).
    parent
        Code of the parent, ``None`` for sections.
    label
        English title.
    includes
        "This item includes" text, if any.
    titles
        Its titles in other languages, ``(language, title)`` in language order.
    """

    code: str
    level: int
    parent: str | None
    label: str
    includes: str | None = None
    titles: tuple[tuple[str, str], ...] = ()


def _add_sector(graph: GraphBuilder, version: str, item: NaceCode) -> None:
    add = graph.add
    node = NamedNode(nace_sector(version, item.code))
    scheme = NamedNode(NACE_SCHEME_IRIS[version])
    level_node = NamedNode(str(SMEKG[f"nace{version}-level-{item.level}"]))
    add(node, _TYPE, _SECTOR)
    add(node, _TYPE, _CONCEPT)
    add(node, _PREF_LABEL, GraphBuilder.text(item.label, "en"))
    for language, title in item.titles:
        add(node, _PREF_LABEL, GraphBuilder.text(title, language))
    add(node, _NOTATION, Literal(item.code))
    add(node, _NACE_CODE, Literal(item.code))
    add(node, _LEVEL, GraphBuilder.integer(item.level))
    add(node, _IN_SCHEME, scheme)
    add(level_node, _MEMBER, node)
    if item.parent is None:
        add(node, _TOP_CONCEPT_OF, scheme)
        add(scheme, _HAS_TOP_CONCEPT, node)
    else:
        add(node, _BROADER, NamedNode(nace_sector(version, item.parent)))
    if item.includes:
        add(node, _SCOPE_NOTE, GraphBuilder.text(item.includes, "en"))


def _build(version: str, items: Iterable[NaceCode]) -> GraphBuilder:
    graph = GraphBuilder()
    for item in items:
        _add_sector(graph, version, item)
    return graph


# -- NACE Rev. 2.1 (bundled) -----------------------------------------------------------------


def nace21_codes() -> list[NaceCode]:
    """The NACE Rev. 2.1 codes of levels 1-4 shipped with ``naceconverter``, checked.

    The package's national fifth level (``01.110``) is left out.

    Raises
    ------
    ValueError
        If the package data do not have 22/87/287/651 codes per level, or a code's shape,
        parent or level is inconsistent.

    Examples
    --------
    >>> codes = {item.code: item for item in nace21_codes()}
    >>> codes["25.11"].parent, codes["25.11"].label
    ('25.1', 'Manufacture of metal structures and parts of structures')
    """
    text = resources.files("naceconverter").joinpath("nacecodes.csv").read_text("utf-8-sig")
    items: dict[str, NaceCode] = {}
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        level = int(row["level"])
        if level == 5:
            continue
        code, parent, label = row["code"].strip(), row["parentCode"].strip(), row["name"]
        if level not in _CODE_SHAPES or not _CODE_SHAPES[level].match(code):
            raise ValueError(f"naceconverter: code {code!r} does not fit level {level}")
        if code in items:
            raise ValueError(f"naceconverter: code {code} is listed twice")
        items[code] = NaceCode(code, level, parent or None, label.strip())
    counts = {level: 0 for level in NACE21_LEVEL_COUNTS}
    for item in items.values():
        counts[item.level] += 1
        if (item.level == 1) != (item.parent is None):
            raise ValueError(f"naceconverter: code {item.code} has parent {item.parent!r}")
        if item.parent is not None:
            parent_item = items.get(item.parent)
            if parent_item is None or parent_item.level != item.level - 1:
                raise ValueError(f"naceconverter: bad parent {item.parent!r} of {item.code}")
        if not item.label:
            raise ValueError(f"naceconverter: code {item.code} has no name")
    if counts != NACE21_LEVEL_COUNTS:
        raise ValueError(
            f"naceconverter data have {counts} codes per level, NACE Rev. 2.1 has "
            f"{NACE21_LEVEL_COUNTS}"
        )
    return list(items.values())


def build_nace21(minter: Minter | None = None) -> GraphBuilder:
    """Build NACE Rev. 2.1 (sections to classes, 1,047 concepts) from ``naceconverter``.

    Examples
    --------
    >>> from pyoxigraph import NamedNode, Triple
    >>> graph = build_nace21()
    >>> Triple(NamedNode(nace_sector("2.1", "25.11")), _BROADER,
    ...        NamedNode(nace_sector("2.1", "25.1"))) in set(graph)
    True
    """
    return _build("2.1", nace21_codes())


# -- NACE Rev. 2 (bundled, with titles in 26 languages) ----------------------------------------

NACE2_ORIGIN = "smekg/data/reference/nace2/titles.csv"
"""Where the bundled NACE Rev. 2 titles are in the package (recorded as the source's origin)."""

_TITLES_FILE = ("reference", "nace2", "titles.csv")
_TITLES_HEADER = ["code", "level", "lang", "title"]
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def nace2_titles_bytes() -> bytes:
    """The bytes of the bundled ``titles.csv`` (the fingerprint of the ``reference/nace2``
    source)."""
    return resources.files("smekg.data").joinpath(*_TITLES_FILE).read_bytes()


def _nace2_parent(code: str, level: int) -> str | None:
    if level == 1:
        return None
    if level == 2:
        division = int(code)
        return next(section for section, (first, last) in NACE2_SECTION_DIVISIONS.items()
                    if first <= division <= last)
    return code[:2] if level == 3 else code[:4]


@cache
def _nace2_codes() -> tuple[NaceCode, ...]:
    text = nace2_titles_bytes().decode("utf-8")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header != _TITLES_HEADER:
        raise ValueError(f"{NACE2_ORIGIN}: header {header!r}, expected {_TITLES_HEADER!r}")
    levels: dict[str, int] = {}
    titles: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        if len(row) != len(_TITLES_HEADER):
            raise ValueError(f"{NACE2_ORIGIN}, row {number}: {len(row)} cells, expected 4")
        code, level_text, language, title = row
        level = int(level_text) if level_text.isdigit() else 0
        if level not in _CODE_SHAPES or not _CODE_SHAPES[level].match(code):
            raise ValueError(f"{NACE2_ORIGIN}, row {number}: code {code!r} does not fit "
                             f"level {level_text!r}")
        if not _LANGUAGE.match(language) or not title.strip():
            raise ValueError(f"{NACE2_ORIGIN}, row {number}: bad language {language!r} or "
                             f"empty title of {code}")
        if levels.setdefault(code, level) != level:
            raise ValueError(f"{NACE2_ORIGIN}, row {number}: {code} has two levels")
        if titles.setdefault(code, {}).setdefault(language, title) != title:
            raise ValueError(f"{NACE2_ORIGIN}, row {number}: two {language} titles of {code}")
    counts = {level: 0 for level in NACE2_LEVEL_COUNTS}
    items = []
    for code, level in levels.items():
        counts[level] += 1
        by_language = titles[code]
        if "en" not in by_language:
            raise ValueError(f"{NACE2_ORIGIN}: {code} has no English title")
        parent = _nace2_parent(code, level)
        if parent is not None and levels.get(parent) != level - 1:
            raise ValueError(f"{NACE2_ORIGIN}: the parent {parent} of {code} is missing")
        others = tuple(sorted((lang, t) for lang, t in by_language.items() if lang != "en"))
        items.append(NaceCode(code, level, parent, by_language["en"], titles=others))
    if counts != NACE2_LEVEL_COUNTS:
        raise ValueError(f"{NACE2_ORIGIN} has {counts} codes per level, NACE Rev. 2 has "
                         f"{NACE2_LEVEL_COUNTS}")
    return tuple(items)


def nace2_codes() -> list[NaceCode]:
    """The 996 NACE Rev. 2 codes bundled in ``smekg/data/reference/nace2/titles.csv``,
    checked, with their English title as ``label`` and their other titles in ``titles``.

    The file holds Eurostat's titles as exported from RAMON (see
    ``data/reference/SOURCES.md``). Each title is kept as the source writes it (the English
    titles of sections are upper case: ``MANUFACTURING``). The parent of a code is derived
    from its shape
    (``62.01`` -> ``62.0`` -> ``62``) and, for a division, from
    :data:`NACE2_SECTION_DIVISIONS`.

    Raises
    ------
    ValueError
        If the file does not have 21/88/272/615 codes per level, a code does not fit its
        level, a parent is missing, a code has no English title or two titles in a language.

    Examples
    --------
    >>> codes = {item.code: item for item in nace2_codes()}
    >>> codes["62.01"].parent, codes["62.01"].label
    ('62.0', 'Computer programming activities')
    >>> dict(codes["62.01"].titles)["de"]
    'Programmierungstätigkeiten'
    >>> len(codes), codes["J"].label
    (996, 'INFORMATION AND COMMUNICATION')
    """
    return list(_nace2_codes())


@cache
def nace2_english_titles() -> dict[str, str]:
    """``{IRI: English title}`` of the bundled NACE Rev. 2 codes (the label a NACE Rev. 2
    concept is shown with, of its titles in every language).

    >>> nace2_english_titles()[nace_sector("2", "62.01")]
    'Computer programming activities'
    """
    return {nace_sector("2", item.code): item.label for item in _nace2_codes()}


def nace2_languages() -> list[str]:
    """The languages of the bundled NACE Rev. 2 titles, English first.

    >>> languages = nace2_languages()
    >>> languages[0], "de" in languages, "ru" in languages
    ('en', True, True)
    """
    found = {language for item in _nace2_codes() for language, _ in item.titles}
    return ["en", *sorted(found)]


def build_nace2(minter: Minter | None = None) -> GraphBuilder:
    """Build NACE Rev. 2 (sections to classes, 996 concepts) with a ``skos:prefLabel`` in
    every language of the bundled titles (see :func:`nace2_codes`).

    Examples
    --------
    >>> from pyoxigraph import Literal, NamedNode, Triple
    >>> graph = set(build_nace2())
    >>> Triple(NamedNode(nace_sector("2", "62.01")), _PREF_LABEL,
    ...        Literal("Programmation informatique", language="fr")) in graph
    True
    """
    return _build("2", nace2_codes())


# -- NACE Rev. 2 -> Rev. 2.1: the links that are honest to make --------------------------------

NACE2_LINK_RULE = (
    "A NACE Rev. 2 code is linked (skos:exactMatch, stated both ways) to the NACE Rev. 2.1 "
    "code with the same code when, and only when, their English titles are the same after "
    "normalisation: Unicode NFKC, case folded, and every run of characters other than "
    "letters and digits (spaces, punctuation, a trailing dot) read as one space, trimmed. "
    "The links are derived by comparing NACE Rev. 2 (Eurostat, bundled in smekg) with NACE "
    "Rev. 2.1 (the naceconverter package); every other Rev. 2 code is left unlinked. A "
    "same code and title does not prove that the explanatory notes are unchanged."
)
"""How :func:`linked_nace2_codes` decides (also the ``dcterms:description`` of the source)."""

_EXACT_MATCH = NamedNode(str(SKOS.exactMatch))


def title_key(title: str) -> str:
    """A title normalised for comparing the revisions' titles (see :data:`NACE2_LINK_RULE`).

    Examples
    --------
    >>> title_key("MANUFACTURING") == title_key("Manufacturing")
    True
    >>> title_key("Manufacture of office machinery (except computers)")
    'manufacture of office machinery except computers'
    >>> title_key("Growing of cereals (except rice)") == title_key(
    ...     "Growing of cereals, other than rice")
    False
    """
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"[^\W_]+", folded))


@cache
def linked_nace2_codes() -> frozenset[str]:
    """The NACE Rev. 2 codes linked to the Rev. 2.1 code of the same code: those whose
    English titles are the same in both revisions (:data:`NACE2_LINK_RULE`).

    Examples
    --------
    >>> linked = linked_nace2_codes()
    >>> sorted(code for code in linked if len(code) == 1)
    ['A', 'B', 'C', 'D', 'E', 'F', 'H', 'I']
    >>> "25.11" in linked, "63.91" in linked  # 63.91: news agencies, web search portals
    (True, False)
    """
    rev21 = {item.code: title_key(item.label) for item in nace21_codes()}
    return frozenset(item.code for item in _nace2_codes()
                     if rev21.get(item.code) == title_key(item.label))


def nace2_link_counts() -> dict[int, tuple[int, int]]:
    """How many NACE Rev. 2 codes of each level are linked to Rev. 2.1, and how many not.

    Examples
    --------
    >>> counts = nace2_link_counts()
    >>> sum(linked + unlinked for linked, unlinked in counts.values())
    996
    """
    linked = linked_nace2_codes()
    counts = {level: [0, 0] for level in NACE2_LEVEL_COUNTS}
    for item in _nace2_codes():
        counts[item.level][0 if item.code in linked else 1] += 1
    return {level: (found, missing) for level, (found, missing) in counts.items()}


def build_nace2_links(minter: Minter | None = None) -> GraphBuilder:
    """The ``skos:exactMatch`` links between NACE Rev. 2 and Rev. 2.1 of
    :func:`linked_nace2_codes`, each stated both ways (``skos:exactMatch`` is symmetric;
    stating both lets every backend follow a link from either end).

    Examples
    --------
    >>> from pyoxigraph import NamedNode, Triple
    >>> graph = set(build_nace2_links())
    >>> Triple(NamedNode(nace_sector("2.1", "62")), _EXACT_MATCH,
    ...        NamedNode(nace_sector("2", "62"))) in graph
    True
    """
    graph = GraphBuilder()
    for code in sorted(linked_nace2_codes()):
        rev2, rev21 = NamedNode(nace_sector("2", code)), NamedNode(nace_sector("2.1", code))
        graph.add(rev2, _EXACT_MATCH, rev21)
        graph.add(rev21, _EXACT_MATCH, rev2)
    return graph


# -- NACE Rev. 2 (Eurostat file) -------------------------------------------------------------

_NACE_REQUIRED = ("level", "code", "parent", "description")
_NACE_INCLUDES = "this item includes"


def read_eurostat_nace2_codes(path: str | Path, *, encoding: str | None = None) -> list[NaceCode]:
    """Read and check NACE Rev. 2 codes from Eurostat's classification file.

    See :func:`read_eurostat_nace2_file`, which builds the graph from them.
    """
    table = _read_table(
        path,
        lambda keys: all(name in keys for name in _NACE_REQUIRED),
        what="the columns Level, Code, Parent and Description",
        encoding=encoding,
    )
    keys = [" ".join(cell.split()).casefold() for cell in table.header]
    level_i, code_i, parent_i, label_i = (keys.index(name) for name in _NACE_REQUIRED)
    includes_i = keys.index(_NACE_INCLUDES) if _NACE_INCLUDES in keys else None
    header = table.header

    def cell(row: list[str], index: int) -> str:
        return row[index] if index < len(row) else ""

    items: dict[str, NaceCode] = {}
    rows: dict[str, int] = {}
    for number, row in table.rows:
        level_text, code = cell(row, level_i), cell(row, code_i)
        if not code:
            raise table.error("empty NACE code", row=number, column=header[code_i], value=code)
        try:
            level = int(level_text)
        except ValueError:
            level = 0
        if level not in _CODE_SHAPES:
            raise table.error(
                "NACE level must be 1, 2, 3 or 4",
                row=number,
                column=header[level_i],
                value=level_text,
            )
        if not _CODE_SHAPES[level].match(code):
            expected = {1: "a section letter", 2: "NN", 3: "NN.N", 4: "NN.NN"}[level]
            raise table.error(
                f"code does not have the shape of a level-{level} code ({expected})",
                row=number,
                column=header[code_i],
                value=code,
            )
        if code in items:
            raise table.error(
                f"NACE code given twice (first in row {rows[code]})",
                row=number,
                column=header[code_i],
                value=code,
            )
        label = cell(row, label_i)
        if not label:
            raise table.error(
                f"empty description of {code}", row=number, column=header[label_i], value=label
            )
        parent = cell(row, parent_i) or None
        includes = cell(row, includes_i) if includes_i is not None else ""
        items[code] = NaceCode(code, level, parent, label, includes or None)
        rows[code] = number

    for code, item in items.items():
        number = rows[code]
        if item.level == 1:
            if item.parent is not None:
                raise table.error(
                    f"section {code} must not have a parent",
                    row=number,
                    column=header[parent_i],
                    value=item.parent,
                )
            continue
        parent_item = items.get(item.parent or "")
        if parent_item is None:
            raise table.error(
                f"parent of {code} is missing from the file"
                if item.parent
                else f"{code} has no parent",
                row=number,
                column=header[parent_i],
                value=item.parent or "",
            )
        if parent_item.level != item.level - 1:
            raise table.error(
                f"parent of level-{item.level} code {code} is a level-{parent_item.level} code",
                row=number,
                column=header[parent_i],
                value=parent_item.code,
            )
        if item.level >= 3 and not code.startswith(parent_item.code):
            raise table.error(
                f"parent of {code} must be {code[: len(code) - 1].rstrip('.')}",
                row=number,
                column=header[parent_i],
                value=parent_item.code,
            )
    return list(items.values())


def read_eurostat_nace2_file(path: str | Path, *, encoding: str | None = None) -> GraphBuilder:
    """Build NACE Rev. 2 from Eurostat's classification file.

    The file is the RAMON export as published: CSV (``,`` or ``;`` separated, UTF-8 unless
    ``encoding`` says otherwise) or XLSX with the columns ``Order``, ``Level``, ``Code``,
    ``Parent``, ``Description``, ``This item includes``, ``This item also includes``,
    ``Rulings``, ``This item excludes``, ``Reference to ISIC Rev. 4``; ``Level``, ``Code``,
    ``Parent`` and ``Description`` are required, header names are matched
    case-insensitively and the header may be any of the first 10 rows. Concepts get
    ``http://data.europa.eu/ux2/nace2/...`` IRIs, the scheme ``NACE_SCHEME_IRIS["2"]``, and
    ``skos:scopeNote``\\@en from "This item includes".

    Raises
    ------
    ReferenceFileError
        Naming file, row, column and value when a level is not 1-4, a code does not have the
        shape of its level, a code repeats, a description is empty, or a parent is missing,
        not one level up or (groups, classes) not the code's prefix.

    Examples
    --------
    >>> graph = read_eurostat_nace2_file("tests/fixtures/eurostat/NACE_REV2_sample.csv")
    >>> len(graph) > 100
    True
    """
    return _build("2", read_eurostat_nace2_codes(path, encoding=encoding))

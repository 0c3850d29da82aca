"""Import the EU's CORDIS open data: Horizon Europe and Horizon 2020 projects, their
participants and participations (``smekg import cordis``; see ``docs/cordis.md``).

CORDIS publishes each framework programme as a zip of semicolon-separated CSV files; two
of them are read here, streaming (the zip members are never unpacked to disk nor read
whole):

* ``project.csv``: one row per project (``id;acronym;status;title;startDate;...``);
* ``organization.csv``: one row per participation of an organisation in a project
  (``projectID;...;organisationID;vatNumber;name;...;role;ecContribution;...``).

They become rows of the template kinds (:data:`smekg.loaders.entities.SCHEMAS`):
``programmes`` (Horizon Europe, Horizon 2020), ``projects``, ``organisations`` (one per
``organisationID``, the rows of all its participations merged) and ``partners``, each a
:class:`~smekg.loaders.tables.Record` that names the CSV (its name inside the zip or the
folder) and its row (the header is row 1; a row is a record, however many lines its
quoted texts span). They are mapped and validated like every table load, and written as
one source (``cordis/horizon-europe`` by default) recording the CORDIS licence
(CC BY 4.0) and the zip's or folder's name as its origin.

Every problem (a malformed row, a value beyond the limits, a missing column or file, a zip
beyond its bounds) is a :class:`~smekg.loaders.errors.LoadError` naming file, row, column
and value, and nothing is written. What CORDIS data is known to hold (codes of older NUTS
versions, ``EL``/``UK`` country codes, VAT numbers of other layouts, rows of one
organisation that disagree) is read with a :class:`Note`, never a failure.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import gc
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import IO

from smekg.core.iri import Minter
from smekg.core.stores import SourceStore
from smekg.loaders.bundled import CC_BY_4
from smekg.loaders.entities import Entity, TableMapper, parse_flag
from smekg.loaders.errors import LoadError, Problem
from smekg.loaders.limits import InputLimits, check_file_size, shown
from smekg.loaders.sources import CHUNK_ROWS, Built, Source, origin_digest, store_lookup
from smekg.loaders.tables import Record
from smekg.reference.resolve import ResolveError, Resolver

__all__ = [
    "ACTIVITY_TYPES",
    "CORDIS_LICENCE",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "PROGRAMMES",
    "ROLES",
    "CordisFilters",
    "CordisImport",
    "CordisProgramme",
    "Note",
    "cordis_amount",
    "cordis_country",
    "cordis_date",
    "import_cordis",
]

CORDIS_LICENCE = CC_BY_4
"""CORDIS data is © European Union, reused under the Commission's reuse policy, whose
standard licence is CC BY 4.0 (Commission Decision C(2019) 1655)."""

MAX_ZIP_MEMBERS = 1_000
"""Most members a CORDIS zip may hold (the published ones hold about ten)."""
MAX_ZIP_RATIO = 100
"""Most times a zip member larger than :data:`RATIO_CHECKED_ABOVE` may be compressed (CSV
text compresses five to ten times; a zip bomb thousands of times)."""
RATIO_CHECKED_ABOVE = 1024 * 1024
_MAX_PROBLEMS = 100  # problems collected before reading stops


@dataclass(frozen=True)
class CordisProgramme:
    """A framework programme as CORDIS names it (``frameworkProgramme``) and as it is loaded
    (a ``programmes`` row)."""

    code: str  # frameworkProgramme
    key: str  # the programme's id
    name: str
    start: str
    end: str
    dataset: str  # the CORDIS dataset on data.europa.eu: the rows' source
    website: str


PROGRAMMES: dict[str, CordisProgramme] = {
    "HORIZON": CordisProgramme(
        "HORIZON", "horizon-europe", "Horizon Europe", "2021", "2027",
        "https://data.europa.eu/data/datasets/cordis-eu-research-projects-under-horizon-europe"
        "-2021-2027",
        "https://research-and-innovation.ec.europa.eu/funding/funding-opportunities/"
        "funding-programmes-and-open-calls/horizon-europe_en",
    ),
    "H2020": CordisProgramme(
        "H2020", "horizon-2020", "Horizon 2020", "2014", "2020",
        "https://data.europa.eu/data/datasets/cordish2020projects",
        "https://research-and-innovation.ec.europa.eu/funding/funding-opportunities/"
        "funding-programmes-and-open-calls/horizon-2020_en",
    ),
}
"""The programmes ``--programme`` chooses from (``frameworkProgramme`` of project.csv)."""
CORDIS_DATA = "https://cordis.europa.eu/projects"
"""The source recorded for a project of another framework programme."""

ROLES = {
    "coordinator": "coordinator",
    "participant": "partner",
    "partner": "associated-partner",
    "associatedpartner": "associated-partner",
    "thirdparty": "third-party",
    "internationalpartner": "partner",
}
"""CORDIS ``role`` (any case) -> smekg:Roles notation. ``partner`` is Horizon 2020's name
for what Horizon Europe calls an associated partner (a member of the consortium that signs
no grant); an ``internationalPartner`` takes part in the work like a participant, so it is
a ``partner``."""
CORDIS_ROLES = ("coordinator", "participant", "partner", "associatedPartner", "thirdParty",
                "internationalPartner")
ACTIVITY_TYPES: dict[str, str | None] = {
    "PRC": "enterprise",
    "HES": "higher-education",
    "REC": "research-institute",
    "PUB": "government-body",
    "OTH": None,
}
"""CORDIS ``activityType`` -> smekg:OrganisationTypes notation (OTH: none)."""

PROJECT_COLUMNS = ("id", "title")
ORGANISATION_COLUMNS = ("projectID", "organisationID", "name", "role")
"""The columns a file must have (the others may be missing: their values are empty)."""

_PROJECT_ID = re.compile(r"^[0-9]{1,12}$")
_PIC = re.compile(r"^[0-9]{9}$")
_AMOUNT = re.compile(r"^[0-9]+(?:[.,][0-9]+)?(?:[eE][+-]?[0-9]{1,2})?$")
_DATE = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$")
_URL = re.compile(r"^https?://\S+$")
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")
_TOPIC_SPLIT = re.compile(r"[;,]")
_NOTE_LOCATION = re.compile(r"^(?P<file>.*), row (?P<row>[0-9]+): (?P<message>.*)$", re.S)


# -- values -------------------------------------------------------------------------------


def cordis_amount(text: str) -> str | None:
    """The canonical ``xsd:decimal`` digits of a CORDIS amount, None when empty.

    CORDIS writes ``1234567.5``, sometimes ``1234567,5``; exponent forms
    (``1.2345675E6``) are read too.

    >>> cordis_amount("1234567.50"), cordis_amount("960619,95"), cordis_amount("1.2345675E6")
    ('1234567.5', '960619.95', '1234567.5')
    >>> cordis_amount("1.234.567")
    Traceback (most recent call last):
    ...
    ValueError: not an amount: digits with at most one '.' or ',' (1234567.5)
    """
    value = text.strip().replace(" ", "")
    if not value:
        return None
    if not _AMOUNT.match(value):
        raise ValueError("not an amount: digits with at most one '.' or ',' (1234567.5)")
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits decimals only
        raise ValueError("not an amount") from error
    whole, _, cents = format(number, "f").partition(".")
    whole, cents = whole.lstrip("0") or "0", cents.rstrip("0")
    return f"{whole}.{cents}" if cents else whole


def cordis_date(text: str) -> str | None:
    """A CORDIS date (``2022-01-01``, or with a time) as ``YYYY-MM-DD``, None when empty.

    >>> cordis_date("2022-01-01"), cordis_date("2018-07-19 09:17:05"), cordis_date("")
    ('2022-01-01', '2018-07-19', None)
    """
    value = text.strip()
    if not value:
        return None
    match = _DATE.match(value)
    if match is None:
        raise ValueError("not a date: YYYY-MM-DD")
    try:
        dt.date.fromisoformat(match.group(1))
    except ValueError as error:
        raise ValueError("not a date: YYYY-MM-DD") from error
    return match.group(1)


def cordis_country(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a CORDIS country code (``EL`` -> ``GR``, ``UK`` ->
    ``GB``), None for a code that is no ISO country (``XK``, Kosovo) or empty.

    >>> cordis_country("EL"), cordis_country("uk"), cordis_country("IT"), cordis_country("XK")
    ('GR', 'GB', 'IT', None)
    """
    from smekg.reference.countries import default_resolver

    value = code.strip()
    if len(value) != 2 or not value.isalpha():
        return None
    match = default_resolver().resolve(value)
    return match.alpha2 if match.method == "code" else None


# -- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CordisFilters:
    """Which projects to import (every filter given must hold; none: every project).

    ``topics`` and ``funding_schemes`` are globs (``HORIZON-EIE-*``, any case): a project is
    kept when one of its topics (its scheme) matches one of them. ``countries`` (ISO
    3166-1 alpha-2) keeps a project with a participant in one of them, with all its
    participants. ``since`` keeps projects starting on or after it (a project without a
    start date is skipped)."""

    programme: str | None = None  # a key of PROGRAMMES
    topics: tuple[str, ...] = ()
    funding_schemes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    since: dt.date | None = None

    def __post_init__(self) -> None:
        if self.programme is not None and self.programme not in PROGRAMMES:
            raise ValueError(f"unknown programme {self.programme!r}; expected one of: "
                             f"{', '.join(PROGRAMMES)}")

    def describe(self) -> str:
        """The filters as the command line gives them (empty: none)."""
        parts = []
        if self.programme:
            parts.append(f"--programme {self.programme}")
        parts += [f"--topics {glob}" for glob in self.topics]
        parts += [f"--funding-scheme {glob}" for glob in self.funding_schemes]
        parts += [f"--country {code}" for code in self.countries]
        if self.since:
            parts.append(f"--since {self.since.isoformat()}")
        return " ".join(parts)


def _globber(globs: Sequence[str]) -> Callable[[str], bool]:
    patterns = [re.compile(fnmatch.translate(glob.strip().upper())) for glob in globs]
    return lambda value: any(p.match(value.upper()) for p in patterns)


# -- what an import gives --------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """Something read with an assumption, for the import's report."""

    topic: str  # what kind of note (e.g. "region", "merged"), to group them
    message: str
    file: str = ""
    row: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}: " if self.row is not None else (
            f"{self.file}: " if self.file else "")
        return where + self.message


@dataclass
class CordisImport:
    """An import read and checked: its source (not written yet) and what it kept."""

    source: Source
    projects_read: int = 0
    projects: int = 0
    organisations: int = 0
    participations: int = 0
    participation_rows: int = 0
    programmes: list[str] = field(default_factory=list)
    skipped_projects: dict[str, int] = field(default_factory=dict)  # reason -> count
    skipped_rows: dict[str, int] = field(default_factory=dict)  # reason -> count
    notes: list[Note] = field(default_factory=list)

    def grouped_notes(self) -> dict[str, list[tuple[str, list[str]]]]:
        """The notes by topic, each message once with the places it was made at."""
        grouped: dict[str, dict[str, list[str]]] = {}
        for note in self.notes:
            where = f"{note.file}, row {note.row}" if note.row is not None else note.file
            places = grouped.setdefault(note.topic, {}).setdefault(note.message, [])
            if where:
                places.append(where)
        return {topic: list(messages.items()) for topic, messages in grouped.items()}


# -- reading the files ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    label: str  # the file's name inside the zip or folder
    open: Callable[[], IO[bytes]]


def _find_member(names: Sequence[str], wanted: str, where: str) -> str:
    found = [n for n in names if PurePosixPath(n).name.lower() == wanted
             and not n.startswith("__MACOSX/")]
    if not found:
        raise LoadError([Problem(where, f"no {wanted} in it (a CORDIS projects download holds "
                                 "project.csv and organization.csv)")])
    if len(found) > 1:
        raise LoadError([Problem(where, f"{len(found)} files named {wanted} in it "
                                 f"({', '.join(found[:5])}); give the folder of one of them")])
    return found[0]


def check_zip(archive: zipfile.ZipFile, label: str, limits: InputLimits) -> None:
    """Refuse a zip of more than :data:`MAX_ZIP_MEMBERS` members, that uncompresses to more
    than ``limits.file_bytes`` (``SMEKG_MAX_INPUT_BYTES``) or holds a member compressed
    more than :data:`MAX_ZIP_RATIO` times, from the sizes its directory declares (Python's
    zipfile never uncompresses more than the declared size of a member)."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise LoadError([Problem(label, f"the zip holds {len(members):,} members; the limit is "
                                 f"{MAX_ZIP_MEMBERS:,}")])
    total = sum(info.file_size for info in members)
    if total > limits.file_bytes:
        raise LoadError([Problem(label, f"the zip uncompresses to {total:,} bytes; the limit is "
                                 f"{limits.file_bytes:,} (SMEKG_MAX_INPUT_BYTES)")])
    for info in members:
        if info.file_size > RATIO_CHECKED_ABOVE and (
                info.compress_size == 0 or info.file_size > MAX_ZIP_RATIO * info.compress_size):
            ratio = info.file_size / max(info.compress_size, 1)
            raise LoadError([Problem(
                label, f"member {info.filename} is compressed {ratio:,.0f} times "
                f"({info.compress_size:,} bytes to {info.file_size:,}); the limit is "
                f"{MAX_ZIP_RATIO} (a zip bomb?)")])


def _opener(file: Path) -> Callable[[], IO[bytes]]:
    return lambda: file.open("rb")


def _tables(path: Path, stack: ExitStack, limits: InputLimits) -> tuple[_Table, _Table]:
    """project.csv and organization.csv of a CORDIS zip or folder (also in a sub-folder)."""
    if not path.exists():
        raise LoadError([Problem(path.name, "no such file or directory")])
    if path.is_dir():
        candidates = [p for p in path.glob("*.csv")] + [p for p in path.glob("*/*.csv")]
        names = [p.relative_to(path).as_posix() for p in candidates]
        found = []
        for wanted in ("project.csv", "organization.csv"):
            name = _find_member(names, wanted, path.name)
            file = path / name
            check_file_size(file, limits)
            found.append(_Table(name, _opener(file)))
        return found[0], found[1]
    if path.suffix.lower() != ".zip":
        raise LoadError([Problem(path.name, "expected a CORDIS zip (…projects-csv.zip) or the "
                                 "folder it was unpacked to")])
    check_file_size(path, limits)
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except (zipfile.BadZipFile, OSError) as error:
        raise LoadError([Problem(path.name, f"not a readable zip archive: {error}")]) from error
    check_zip(archive, path.name, limits)
    names = archive.namelist()
    project = _find_member(names, "project.csv", path.name)
    organisation = _find_member(names, "organization.csv", path.name)
    return (_Table(project, lambda: archive.open(project)),
            _Table(organisation, lambda: archive.open(organisation)))


class _Reader:
    """Streams one CORDIS CSV: rows as lists of cells, with the row number and a getter by
    column name; collects the problems of malformed rows."""

    def __init__(self, table: _Table, required: Sequence[str], limits: InputLimits,
                 problems: list[Problem]) -> None:
        self.table = table
        self.required = required
        self.limits = limits
        self.problems = problems
        self.columns: dict[str, int] = {}

    def problem(self, message: str, row: int | None = None, column: str | None = None,
                value: object = None) -> None:
        self.problems.append(Problem(self.table.label, message, row, column, value))
        if len(self.problems) >= _MAX_PROBLEMS:
            raise LoadError(self.problems)

    def index(self, column: str) -> int:
        """Where ``column`` is in a row's cells (a missing column: the empty last cell)."""
        return self.columns.get(column, -1)

    def get(self, cells: list[str], column: str) -> str:
        return cells[self.columns.get(column, -1)].strip()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        label = self.table.label
        if csv.field_size_limit() <= self.limits.value_chars:
            csv.field_size_limit(self.limits.value_chars + 1)
        number = 1
        try:
            with self.table.open() as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                reader = csv.reader(text, delimiter=";", strict=True)
                try:
                    header = [h.strip() for h in next(reader)]
                except StopIteration:
                    raise LoadError([Problem(label, "the file is empty (no header row)")]
                                    ) from None
                self._header(header)
                for number, cells in enumerate(reader, start=2):
                    if not any(c.strip() for c in cells):
                        continue
                    if len(cells) != len(header):
                        self.problem(f"has {len(cells)} cells but the header has {len(header)} "
                                     "columns", number, value=shown(";".join(cells)))
                        continue
                    if self._too_long(number, header, cells):
                        continue
                    cells.append("")  # what a column the file lacks reads (see index)
                    yield number, cells
        except csv.Error as error:
            self.problem(f"malformed CSV: {error}", number + 1)
        except UnicodeDecodeError as error:
            self.problem(f"not UTF-8 text (byte {error.start} of a block near this row); "
                         "CORDIS files are UTF-8", number + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError) as error:  # CRC, encrypted member
            self.problem(f"cannot be read: {error}", number + 1)

    def _header(self, header: list[str]) -> None:
        label = self.table.label
        if len(header) > self.limits.columns:
            raise LoadError([Problem(label, f"the table has {len(header):,} columns; the limit "
                                     f"is {self.limits.columns:,} (SMEKG_MAX_COLUMNS)", 1)])
        self.columns = {name: index for index, name in enumerate(header) if name}
        missing = [name for name in self.required if name not in self.columns]
        if missing:
            raise LoadError([Problem(
                label, f"not the CORDIS layout: no column {', '.join(map(repr, missing))} "
                f"(its columns: {', '.join(header[:30])}; CORDIS CSVs are separated by ';')",
                1)])

    def _too_long(self, number: int, header: list[str], cells: list[str]) -> bool:
        limit = self.limits.value_chars
        if max(map(len, cells), default=0) <= limit:
            return False
        long = False
        for name, cell in zip(header, cells, strict=True):
            if len(cell) > limit:
                self.problem(f"the value has {len(cell):,} characters; the limit is {limit:,} "
                             "(SMEKG_MAX_VALUE_CHARS)", number, name, shown(cell))
                long = True
        return long


# -- the import -------------------------------------------------------------------------


@dataclass
class _Project:
    row: int
    values: dict[str, object]
    programme: CordisProgramme | None
    participations: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class _Organisation:
    """One organisationID: per group of single-valued facts, each distinct value with the
    rows that state it and the most recent update of those rows."""

    key: str
    first_row: int
    latest: tuple[str, int] = ("", 0)  # (contentUpdateDate, row) of its most recent row
    facts: dict[str, dict[tuple[str, ...], tuple[str, int]]] = field(default_factory=dict)

    def value(self, group: str) -> tuple[str, ...] | None:
        values = self.facts.get(group)
        if not values:
            return None
        return max(values.items(), key=lambda item: item[1])[0]


_GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "shortName": ("shortName",),
    "vatNumber": ("vatNumber",),
    "SME": ("SME",),
    "activityType": ("activityType",),
    "organizationURL": ("organizationURL",),
    "address": ("street", "postCode", "city", "country", "nutsCode"),
}
"""The single-valued facts of an organisation, each taken from one row: the address is one
group, so that its street, postcode, city, country and NUTS code come from the same row."""


def import_cordis(
    path: Path,
    minter: Minter,
    store: SourceStore,
    *,
    filters: CordisFilters | None = None,
    name: str | None = None,
    limits: InputLimits | None = None,
) -> CordisImport:
    """Read a CORDIS zip or folder into a source (not written: give it to
    :func:`~smekg.loaders.sources.load_sources`), keeping the projects ``filters`` keep.

    The source's key is ``cordis/NAME`` (default: the programme's key, e.g.
    ``cordis/horizon-europe``). Raises :class:`LoadError` for any problem, naming file,
    row, column and value.
    """
    with _collector_paused():
        return _import(path, minter, store, filters or CordisFilters(),
                       name, limits or InputLimits.from_settings())


def _import(path: Path, minter: Minter, store: SourceStore, filters: CordisFilters,
            name: str | None, limits: InputLimits) -> CordisImport:
    notes: list[Note] = []
    problems: list[Problem] = []
    with ExitStack() as stack:
        project_table, organisation_table = _tables(path, stack, limits)
        projects, read_ids, skipped, seen_programmes = _read_projects(
            _Reader(project_table, PROJECT_COLUMNS, limits, problems), filters, notes)
        organisations_reader = _Reader(organisation_table, ORGANISATION_COLUMNS, limits,
                                       problems)
        skipped_rows = _read_participations(organisations_reader, projects, read_ids, notes)
    if problems:
        raise LoadError(problems)
    if filters.countries:
        wanted = set(filters.countries)
        for key in [k for k, p in projects.items()
                    if not any(cordis_country(organisations_reader.get(cells, "country"))
                               in wanted for _, cells in p.participations)]:
            skipped["no participant in --country"] = skipped.get(
                "no participant in --country", 0) + 1
            rows = len(projects.pop(key).participations)
            skipped_rows["of skipped projects"] = skipped_rows.get("of skipped projects", 0) + rows
    resolver = Resolver(minter)
    tables = _template_tables(projects, organisations_reader, project_table.label, resolver,
                              notes, problems)
    if problems:
        raise LoadError(problems)
    participation_rows = sum(len(p.participations) for p in projects.values())
    for project in projects.values():
        project.participations = []  # read into the tables: let the cells go

    # the source is named after the programme of most of the projects kept (else read)
    kept_codes = Counter(p.programme.code for p in projects.values() if p.programme)
    programme = PROGRAMMES.get(filters.programme or "") or next(
        (PROGRAMMES[code] for code, _ in (kept_codes or seen_programmes).most_common()
         if code in PROGRAMMES), None)
    source_name = name or (programme.key if programme else _slug_of(path))
    key = f"cordis/{source_name.removeprefix('cordis/')}"
    described = filters.describe()
    datasets = sorted({p.programme.dataset for p in projects.values() if p.programme})
    source = _source(
        path, key, tables, minter, store, notes,
        title=f"CORDIS: {programme.name if programme else 'EU research'} projects"
        + (f" ({described})" if described else ""),
        description=f"Imported by `smekg import cordis` from {path.name} "
        f"({project_table.label}, {organisation_table.label})"
        + (f", keeping the projects {described}" if described else ", every project") + ".",
        derived_from=tuple(datasets),
    )
    return CordisImport(
        source=source,
        projects_read=len(read_ids),
        projects=len(tables["projects"]),
        organisations=len(tables["organisations"]),
        participations=len(tables["partners"]),
        participation_rows=participation_rows,
        programmes=[str(r.values["id"]) for r in tables["programmes"]],
        skipped_projects=skipped,
        skipped_rows=skipped_rows,
        notes=notes,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused: reading makes hundreds of thousands of lists and
    dicts (no cycles), which it would walk again and again (half the reading time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _slug_of(path: Path) -> str:
    from smekg.core.iri import slug

    return slug(path.stem if path.is_file() else path.name) or "cordis"


def _read_projects(
    reader: _Reader, filters: CordisFilters, notes: list[Note],
) -> tuple[dict[str, _Project], set[str], dict[str, int], Counter[str]]:
    """The projects the filters keep, the ids of every project, the skipped by reason, and
    the number of projects of each frameworkProgramme project.csv names."""
    topic_ok = _globber(filters.topics) if filters.topics else None
    scheme_ok = _globber(filters.funding_schemes) if filters.funding_schemes else None
    kept: dict[str, _Project] = {}
    read_ids: dict[str, int] = {}
    skipped: dict[str, int] = {}
    programmes: Counter[str] = Counter()
    label = reader.table.label

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for number, cells in reader.rows():
        project_id = reader.get(cells, "id")
        if not _PROJECT_ID.match(project_id):
            reader.problem("a CORDIS project id is a number (the grant agreement's)", number,
                           "id", project_id)
            continue
        if project_id in read_ids:
            reader.problem(f"project {project_id} appears twice (also row {read_ids[project_id]})",
                           number, "id", project_id)
            continue
        read_ids[project_id] = number
        code = reader.get(cells, "frameworkProgramme").upper()
        if code:
            programmes[code] += 1
        topics = [t.strip() for t in _TOPIC_SPLIT.split(reader.get(cells, "topics"))
                  if t.strip()]
        scheme = reader.get(cells, "fundingScheme")
        start_text = reader.get(cells, "startDate")
        if filters.programme and code != filters.programme:
            skip("other --programme")
            continue
        if topic_ok and not any(topic_ok(t) for t in topics):
            skip("no topic matching --topics")
            continue
        if scheme_ok and not scheme_ok(scheme):
            skip("funding scheme not matching --funding-scheme")
            continue
        try:
            start = cordis_date(start_text)
            end = cordis_date(reader.get(cells, "endDate"))
        except ValueError as error:
            column = "startDate" if _bad_date(start_text) else "endDate"
            reader.problem(str(error), number, column, reader.get(cells, column))
            continue
        if filters.since and (start is None or start < filters.since.isoformat()):
            skip("starting before --since" if start else "no start date (--since)")
            continue
        values = _project_values(reader, number, cells, project_id, topics, start, end)
        if values is None:
            continue
        programme = PROGRAMMES.get(code)
        if programme is None:
            notes.append(Note("programme", f"project {project_id}: frameworkProgramme "
                              f"{code or '(empty)'!r} is neither HORIZON nor H2020: the project "
                              "is loaded without a programme", label, number))
        else:
            values["programme"] = programme.key
        values["source"] = programme.dataset if programme else CORDIS_DATA
        kept[project_id] = _Project(number, values, programme)
    return kept, set(read_ids), skipped, programmes


def _bad_date(text: str) -> bool:
    try:
        cordis_date(text)
    except ValueError:
        return True
    return False


def _project_values(reader: _Reader, number: int, cells: list[str], project_id: str,
                    topics: list[str], start: str | None, end: str | None
                    ) -> dict[str, object] | None:
    title = " ".join(reader.get(cells, "title").split())
    acronym = reader.get(cells, "acronym")
    if not title and not acronym:
        reader.problem("a project needs a title (or an acronym)", number, "title", "")
        return None
    amounts: dict[str, str] = {}
    for column, target in (("totalCost", "total_budget"),
                           ("ecMaxContribution", "eu_contribution")):
        text = reader.get(cells, column)
        try:
            amount = cordis_amount(text)
        except ValueError as error:
            reader.problem(str(error), number, column, text)
            return None
        if amount is not None:
            amounts[target] = amount
    values: dict[str, object] = {
        "id": f"cordis-{project_id}",
        "name": title or acronym,
        "acronym": acronym,
        "description": reader.get(cells, "objective"),
        "funding_scheme": reader.get(cells, "fundingScheme"),
        "call": reader.get(cells, "masterCall") or reader.get(cells, "subCall"),
        "topics": topics,
        "status": reader.get(cells, "status"),
        "grant_id": project_id,
        "start": start or "",
        "end": end or "",
        **amounts,
    }
    return {k: v for k, v in values.items() if v not in ("", [])}


def _read_participations(reader: _Reader, projects: dict[str, _Project], read_ids: set[str],
                         notes: list[Note]) -> dict[str, int]:
    """Attach each participation row to its kept project; the skipped rows by reason."""
    skipped: dict[str, int] = {}
    unknown: dict[str, list[int]] = {}
    for number, cells in reader.rows():
        project_id = reader.get(cells, "projectID")
        project = projects.get(project_id)
        if project is not None:
            project.participations.append((number, cells))
        elif project_id in read_ids:
            skipped["of skipped projects"] = skipped.get("of skipped projects", 0) + 1
        else:
            skipped["of projects not in project.csv"] = skipped.get(
                "of projects not in project.csv", 0) + 1
            unknown.setdefault(project_id, []).append(number)
    for project_id, rows in unknown.items():
        shown_rows = ", ".join(map(str, rows[:5])) + (" ..." if len(rows) > 5 else "")
        notes.append(Note("unknown project", f"project {project_id!r} is not in project.csv: "
                          f"its {len(rows)} participation row(s) ({shown_rows}) are skipped",
                          reader.table.label))
    return skipped


def _template_tables(projects: dict[str, _Project], reader: _Reader, project_label: str,
                     resolver: Resolver, notes: list[Note], problems: list[Problem]
                     ) -> dict[str, list[Record]]:
    label = reader.table.label
    rows = sorted((number, project_id, cells) for project_id, project in projects.items()
                  for number, cells in project.participations)
    organisations: dict[str, _Organisation] = {}
    partners: dict[tuple[str, str, str], tuple[int, dict[str, object]]] = {}
    groups = [(group, [reader.index(c) for c in columns]) for group, columns in _GROUPS.items()]
    for number, project_id, cells in rows:
        organisation_id = reader.get(cells, "organisationID")
        if not _PIC.match(organisation_id):
            reader.problem("a CORDIS organisationID is a PIC of nine digits", number,
                           "organisationID", organisation_id)
            continue
        role_text = reader.get(cells, "role")
        role = ROLES.get(role_text.lower())
        if role is None:
            reader.problem(f"unknown CORDIS role; expected one of: {', '.join(CORDIS_ROLES)}",
                           number, "role", role_text)
            continue
        amounts: dict[str, str] = {}
        for column, target in (("ecContribution", "eu_contribution"), ("totalCost", "budget")):
            text = reader.get(cells, column)
            try:
                amount = cordis_amount(text)
            except ValueError as error:
                reader.problem(str(error), number, column, text)
                continue
            if amount is not None:
                amounts[target] = amount
        updated_text = reader.get(cells, "contentUpdateDate")
        try:
            updated = _updated(updated_text)
        except ValueError as error:
            reader.problem(str(error), number, "contentUpdateDate", updated_text)
            continue
        key = f"pic-{organisation_id}"
        organisation = organisations.get(key)
        if organisation is None:
            organisation = organisations[key] = _Organisation(key, number)
        stamp = (updated, number)
        organisation.latest = max(organisation.latest, stamp)
        for group, indexes in groups:
            value = tuple([cells[i].strip() for i in indexes])
            if any(value):
                stated = organisation.facts.setdefault(group, {})
                seen = stated.get(value)
                if seen is None or stamp > seen:
                    stated[value] = stamp
        partnership = (project_id, key, role)
        previous = partners.get(partnership)
        programme = projects[project_id].programme
        if previous is None:
            partners[partnership] = (number, {
                "project": f"cordis-{project_id}", "partner": key, "role": role, **amounts,
                "source": programme.dataset if programme else CORDIS_DATA})
        else:
            first, summed = previous
            for target, amount in amounts.items():
                summed[target] = _add(str(summed.get(target, "0")), amount)
            notes.append(Note("participation", f"organisation {organisation_id} is a {role} of "
                              f"project {project_id} in rows {first} and {number}: one "
                              "partnership with the amounts added", label, number))
    if problems:
        return {}
    kept_programmes: dict[str, tuple[CordisProgramme, int]] = {}
    for project in sorted(projects.values(), key=lambda p: p.row):
        if project.programme and project.programme.key not in kept_programmes:
            kept_programmes[project.programme.key] = (project.programme, project.row)
    datasets = {p.key: p.dataset for p, _ in kept_programmes.values()}
    default_source = next(iter(datasets.values()), CORDIS_DATA)
    regions = _RegionCheck(resolver)
    organisation_records = [
        _organisation_record(o, label, regions, notes, default_source)
        for o in sorted(organisations.values(), key=lambda o: o.first_row)]
    _shared_vat_numbers(organisation_records, notes)
    return {
        "programmes": [
            Record(project_label, row, {
                "id": p.key, "name": p.name, "alt_names": [p.code], "start": p.start,
                "end": p.end, "website": p.website, "source": p.dataset})
            for p, row in kept_programmes.values()],
        "organisations": organisation_records,
        "projects": [Record(project_label, p.row, p.values)
                     for p in sorted(projects.values(), key=lambda p: p.row)],
        "partners": [Record(label, number, values)
                     for number, values in sorted(partners.values(), key=lambda item: item[0])],
    }


def _shared_vat_numbers(records: list[Record], notes: list[Note]) -> None:
    """A VAT number several PICs give (departments of one legal entity registered apart) is
    recorded for none of them: in the graph a VAT number identifies one organisation."""
    by_vat: dict[str, list[Record]] = {}
    for record in records:
        vat = record.values.get("vat_number")
        if isinstance(vat, str):
            by_vat.setdefault(vat, []).append(record)
    for vat, sharing in by_vat.items():
        if len(sharing) < 2:
            continue
        pics = [str(r.values["pic"]) for r in sharing]
        for record, pic in zip(sharing, pics, strict=True):
            del record.values["vat_number"]
            others = ", ".join(other for other in pics if other != pic)
            notes.append(Note("VAT number", f"organisation {pic}: vatNumber {vat!r} is also "
                              f"that of {others}: not recorded (a VAT number identifies one "
                              "organisation)", record.file, record.row))


def _updated(text: str) -> str:
    """contentUpdateDate as a sortable text (``2023-12-07 16:55:20``; empty: oldest)."""
    value = text.strip()
    if value:
        cordis_date(value)  # raises for anything else
    return value.replace("T", " ")


def _add(a: str, b: str) -> str:
    total = format(Decimal(a) + Decimal(b), "f")
    return total.rstrip("0").rstrip(".") if "." in total else total


class _RegionCheck:
    """Whether a CORDIS nutsCode resolves to a region of the organisation's country
    (memoised: a code is checked once per country)."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.checked: dict[tuple[str, str | None], str | None] = {}

    def problem(self, code: str, country: str | None) -> str | None:
        """Why ``code`` cannot be the region (None: it can)."""
        key = (code, country)
        if key not in self.checked:
            self.checked[key] = self._check(code, country)
        return self.checked[key]

    def _check(self, code: str, country: str | None) -> str | None:
        from smekg.reference.regions import nuts_country_to_iso

        try:
            resolved = self.resolver.region(code, country=country)
        except ResolveError as error:
            return str(error).split("; did you mean", 1)[0]
        iri = resolved.iri
        inside: str | None = None
        for prefix in (self.resolver.minter.country(""), self.resolver.minter.subdivision("")):
            if iri.startswith(prefix):
                inside = iri[len(prefix):][:2]
        if inside is None and "/nuts/code/" in iri:
            inside = nuts_country_to_iso(iri.rsplit("/", 1)[-1][:2])
        if country is not None and inside is not None and inside != country:
            return f"it lies in {inside}, not in the organisation's country {country}"
        return None


def _organisation_record(organisation: _Organisation, label: str, regions: _RegionCheck,
                         notes: list[Note], default_source: str) -> Record:
    row = organisation.latest[1]
    pic = organisation.key.removeprefix("pic-")

    def note(topic: str, message: str) -> None:
        notes.append(Note(topic, f"organisation {pic}: {message}", label, row))

    for group, stated in organisation.facts.items():
        if len(stated) > 1:
            ordered = sorted(stated.items(), key=lambda item: item[1])
            kept = ordered[-1][0]
            said = "; ".join(
                f"{_fact_text(group, value)!r} (row {r}{f', updated {u}' if u else ''})"
                for value, (u, r) in ordered)
            note("merged", f"its rows disagree on {group}: {said}; kept "
                 f"{_fact_text(group, kept)!r}, the most recently updated")

    def fact(group: str, index: int = 0) -> str:
        value = organisation.value(group)
        return value[index] if value else ""

    name = fact("name") or fact("shortName")
    values: dict[str, object] = {"id": organisation.key, "name": name, "pic": pic}
    short = fact("shortName")
    if short and short.casefold() != name.casefold():
        values["alt_names"] = [short]
    activity = fact("activityType").upper()
    if activity:
        if activity not in ACTIVITY_TYPES:
            note("activity type", f"activityType {activity!r} is not one of "
                 f"{', '.join(ACTIVITY_TYPES)}: no organisation type recorded")
        elif ACTIVITY_TYPES[activity]:
            values["types"] = [ACTIVITY_TYPES[activity]]
    street, postcode, city, country_text, nuts = (organisation.value("address")
                                                  or ("", "", "", "", ""))
    country = cordis_country(country_text)
    if country_text and country is None:
        note("country", f"country {country_text!r} is not an ISO 3166-1 country: not recorded")
    if country:
        values["country"] = country
    nuts = nuts.upper()
    if nuts and nuts not in {country_text.upper(), country}:
        why = regions.problem(nuts, country)
        if why is None:
            values["region"] = nuts
        else:
            note("region", f"nutsCode {nuts!r} is not a region of the bundled NUTS versions "
                 f"({why}): the organisation keeps its country only")
    for column, value in (("street", street), ("postcode", postcode), ("city", city)):
        if value:
            values[column] = value
    url = fact("organizationURL")
    if url:
        if _URL.match(url):
            values["website"] = url
        else:
            note("website", f"organizationURL {url!r} is not an http(s) URL: not recorded")
    vat = fact("vatNumber")
    if vat:
        normalised = re.sub(r"[\s.\-]", "", vat).upper()
        if _VAT.match(normalised):
            values["vat_number"] = normalised
        else:
            note("VAT number", f"vatNumber {vat!r} is not a VAT number of the form the "
                 "graph records (a country prefix and 2-13 letters or digits): not recorded")
    sme = fact("SME")
    if sme:
        flag = parse_flag(sme)
        if flag is None:
            note("SME", f"SME {sme!r} is neither true nor false: not recorded")
        else:
            values["sme"] = "yes" if flag else "no"
    values["source"] = default_source
    return Record(label, row, values)


def _fact_text(group: str, value: tuple[str, ...]) -> str:
    if group == "address":
        return ", ".join(part for part in value if part)
    return value[0]


# -- the source ----------------------------------------------------------------------------


def _fingerprint(tables: dict[str, list[Record]]) -> bytes:
    """What the import loads: the same records load the same (whatever the zip's name or
    the filters that kept them)."""
    digest = hashlib.sha256(b"smekg-cordis/1\0")
    for kind, records in tables.items():
        digest.update(kind.encode() + b"\0")
        for record in records:
            digest.update(json.dumps([record.file, record.row, record.values],
                                     sort_keys=True, ensure_ascii=False).encode())
            digest.update(b"\n")
    return digest.digest()


def _source(path: Path, key: str, tables: dict[str, list[Record]], minter: Minter,
            store: SourceStore, notes: list[Note], *, title: str, description: str,
            derived_from: tuple[str, ...]) -> Source:
    """A source for the template records, mapped and validated as every table load is (see
    :func:`~smekg.loaders.sources.table_sources`)."""
    in_store = store_lookup(store)
    looked_up: dict[str, list[Entity]] = {}

    def lookup(key: str) -> list[Entity]:
        # every row names its dataset (a URL) as its source: no entity of the store has a
        # URL as its id, so the mapper's look-up of it is answered without a query
        if _URL.match(key):
            return []
        if key not in looked_up:
            looked_up[key] = in_store(key)
        return looked_up[key]

    mapper = TableMapper(minter, lookup)
    problems = mapper.prepare(tables, path.name)
    if problems:
        raise LoadError(problems)
    collected = False

    def mapped(text: str) -> Note:
        match = _NOTE_LOCATION.match(text)
        if match is None:
            return Note("mapping", text)
        return Note("mapping", match["message"], match["file"], int(match["row"]))

    def build() -> Built:
        result = mapper.map(tables)
        if result.problems:
            raise LoadError(result.problems)
        notes.extend(mapped(n) for n in result.notes)
        return Built(result.graph, [], result.rows)

    def chunks(part: int, parts: int) -> Iterator[Built]:
        # mapped here only (no worker: the notes are collected as the chunks go)
        nonlocal collected
        for result in mapper.map_chunks(tables, CHUNK_ROWS, part, parts):
            if not collected:
                notes.extend(mapped(n) for n in result.notes)
            yield Built(result.graph, [], result.rows, result.problems, result.index)
        collected = True

    return Source(
        key=key,
        title=title,
        origin=path.name,  # the zip's or folder's name, never the server's directories
        fingerprint=_fingerprint(tables),
        build=build,
        licence=CORDIS_LICENCE,
        chunks=chunks,
        classes_of=mapper.classes_of,
        origin_digest=origin_digest(path),
        given=str(path),
        description=description,
        derived_from=derived_from,
    )


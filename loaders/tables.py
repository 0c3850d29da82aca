"""Read user tables from CSV, XLSX, JSON and JSON Lines into located records.

Each record remembers the file and the row a person would point at: the spreadsheet
row number for CSV and XLSX (header = row 1), the line number for JSON Lines and
the 1-based item number for a JSON array.

Files are bounded (:mod:`smekg.loaders.limits`): their size, an XLSX workbook's
uncompressed size, the number of columns, the length of every value and the nesting of
JSON; a file beyond a limit fails with an error naming file, row, column and the start of
the value.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from smekg.loaders.errors import LoadError, Problem
from smekg.loaders.limits import (
    InputLimits,
    check_file_size,
    check_xlsx_size,
    json_depth,
    shown,
)

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".json", ".jsonl", ".ndjson"}
XLSX_MAX_ROWS = 1_048_576
"""Rows of an Excel worksheet; a sheet claiming more is refused."""
_MAX_VALUE_PROBLEMS = 100  # overlong values reported per file before reading stops


@dataclass
class Record:
    """One row of a table: its values (str, or list for JSON arrays) and where it is.

    A record a column mapping made (``smekg load-file --mapping``) has a ``translation``:
    how the user's file and mapping name each template column, e.g. ``{"region": "column
    'NUTS region' (mapping m.yaml, line 12)"}``; a problem with that column is reported in
    those words, not under the template column the user never wrote.
    """

    file: str
    row: int
    values: dict[str, object] = field(default_factory=dict)
    translation: Mapping[str, str] | None = None

    def problem(self, message: str, column: str | None = None, value: object = None) -> Problem:
        if column is not None and self.translation and column in self.translation:
            return MappedProblem(self.file, message, self.row, column, value,
                                 shown=self.translation[column])
        return Problem(self.file, message, self.row, column, value)


@dataclass(frozen=True)
class MappedProblem(Problem):
    """A problem with a column a mapping fills, named as the user knows it: ``shown`` says
    which of the user's columns (or constant) fed the template column ``column`` and where
    the mapping says so.

    >>> print(MappedProblem("p.csv", "unknown role", 7, "role", "lead",
    ...                     shown="column 'Partner status' (mapping m.yaml, line 23)"))
    p.csv, row 7, column 'Partner status' (mapping m.yaml, line 23): unknown role (value 'lead')
    """

    shown: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        where.append(self.shown or f"column {self.column!r}")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None and repr(self.value) not in self.message:
            text += f" (value {self.value!r})"
        return text


def read_tables(
    path: Path, kind: str | None, limits: InputLimits | None = None
) -> dict[str, list[Record]]:
    """Read ``path`` into ``{kind: records}``.

    A CSV, JSON Lines or JSON array holds one kind (``kind`` or the file's stem);
    an XLSX workbook holds one kind per sheet (sheet name) and a JSON object one
    kind per key. ``limits`` default to the settings (:class:`InputLimits`).
    """
    suffix = path.suffix.lower()
    label = str(path)
    limits = limits or InputLimits.from_settings()
    if suffix not in TABLE_SUFFIXES:
        raise LoadError([Problem(label, f"unsupported table format {suffix!r}")])
    check_file_size(path, limits)
    checker = _Checker(label, limits)
    with collector_paused():
        if suffix in {".csv", ".tsv"}:
            tables = {kind or path.stem: list(_read_csv(path, label, checker))}
        elif suffix == ".xlsx":
            tables = _read_xlsx(path, label, kind, checker)
        elif suffix in {".jsonl", ".ndjson"}:
            tables = {kind or path.stem: list(_read_jsonl(path, label, checker))}
        else:
            tables = _read_json(path, label, kind, checker)
    checker.raise_problems()
    return tables


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused: rows read make no reference cycles, and each
    collection would walk every row read so far (a third of the time of reading a million).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Checker:
    """Checks every header and value of one file against the limits, collecting what is
    too long (up to a hundred values, then reading stops)."""

    def __init__(self, label: str, limits: InputLimits) -> None:
        self.label = label
        self.limits = limits
        self.problems: list[Problem] = []

    def header(self, header: list[str], label: str) -> None:
        if len(header) > self.limits.columns:
            raise LoadError([Problem(
                label, f"the table has {len(header):,} columns; the limit is "
                f"{self.limits.columns:,} (SMEKG_MAX_COLUMNS)", 1)])
        _check_header(header, label)

    def values(self, label: str, row: int, values: dict[str, object]) -> dict[str, object]:
        limit = self.limits.value_chars
        for column, value in values.items():
            for text in (value if isinstance(value, list) else [value]):
                if isinstance(text, str) and len(text) > limit:
                    self.problems.append(Problem(
                        label, f"the value has {len(text):,} characters; the limit is "
                        f"{limit:,} (SMEKG_MAX_VALUE_CHARS)", row, column, shown(text)))
                    if len(self.problems) >= _MAX_VALUE_PROBLEMS:
                        self.raise_problems()
        return values

    def raise_problems(self) -> None:
        if self.problems:
            raise LoadError(self.problems)


def _clean(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):  # an XLSX date cell: its date, when it has no time
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_clean(v) for v in value if _clean(v) not in ("", None)]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(path: Path, label: str, checker: _Checker, delimiter: str | None = None,
              header_out: list[str] | None = None) -> Iterator[Record]:
    """The records of a CSV file (``delimiter``: as given, else tab for .tsv, else sniffed);
    its header is put in ``header_out`` when given."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(
            [Problem(label, f"not UTF-8 text (byte {error.start}); save the file as UTF-8")]
        ) from error
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    # the csv module refuses fields above its own limit (131,072 characters by default)
    if csv.field_size_limit() <= checker.limits.value_chars:
        csv.field_size_limit(checker.limits.value_chars + 1)
    reader = csv.reader(text.splitlines(), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise LoadError([Problem(label, "the file is empty (no header row)")]) from None
    except csv.Error as error:
        raise LoadError([Problem(label, f"malformed CSV: {error}", 1)]) from error
    checker.header(header, label)
    if header_out is not None:
        header_out.extend(header)
    problems = []
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(label, f"malformed CSV: {error}", reader.line_num))
            break
        row_number = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    label,
                    f"has {len(cells)} cells but the header has {len(header)} columns",
                    row_number,
                    value=shown(delimiter.join(cells)),
                )
            )
            continue
        values: dict[str, object] = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        if max(map(len, cells)) > checker.limits.value_chars:  # every cell is a string
            checker.values(label, row_number, values)
        yield Record(label, row_number, values)
    if problems:
        raise LoadError(problems)


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _check_header(header: list[str], label: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            raise LoadError([Problem(label, f"header cell {index} is empty", 1)])
        if name in seen:
            raise LoadError([Problem(label, f"column {name!r} appears twice in the header", 1)])
        seen.add(name)


def _read_xlsx(
    path: Path, label: str, kind: str | None, checker: _Checker, *,
    only: str | None = None, headers: dict[str, list[str]] | None = None, options: str = "",
) -> dict[str, list[Record]]:
    """Every sheet of a workbook by kind, or with ``only`` the sheet of that name (``""``:
    the first sheet); each sheet's header is put in ``headers`` when given. ``options``
    says where ``only`` comes from, for the error when the workbook lacks the sheet."""
    from openpyxl import load_workbook

    check_xlsx_size(path, label, checker.limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise LoadError([Problem(label, f"not a readable XLSX workbook: {error}")]) from error
    tables: dict[str, list[Record]] = {}
    sheets = workbook.worksheets
    if only is not None:
        chosen = [s for s in sheets if s.title.strip().casefold() == only.strip().casefold()]
        if not sheets or (only and not chosen):
            names = ", ".join(repr(s.title) for s in sheets) or "none"
            workbook.close()
            raise LoadError([Problem(label, f"the workbook has no sheet {only!r}{options}; "
                                     f"its sheets: {names}")])
        sheets = chosen[:1] if only else sheets[:1]
    for sheet in sheets:
        sheet_kind = kind if (kind and len(sheets) == 1) else sheet.title.strip().lower()
        sheet_label = f"{label} [sheet {sheet.title}]"
        # the dimensions a workbook declares may be false (A1:XFD1048576): read the rows
        # as they are, unpadded
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        try:
            header = [str(h).strip() if h is not None else "" for h in next(rows)]
        except StopIteration:
            continue
        while header and not header[-1]:
            header.pop()
        checker.header(header, sheet_label)
        if headers is not None:
            headers[sheet_kind] = header
        records = []
        for number, cells in enumerate(rows, start=2):
            if number > XLSX_MAX_ROWS:
                raise LoadError([Problem(sheet_label, f"the sheet has more than "
                                         f"{XLSX_MAX_ROWS:,} rows", number)])
            values = list(cells[: len(header)]) + [None] * (len(header) - len(cells))
            if all(v in (None, "") for v in values):
                continue
            cleaned = {h: _clean(v) for h, v in zip(header, values)}  # noqa: B905
            records.append(
                Record(sheet_label, number, checker.values(sheet_label, number, cleaned))
            )
        tables[sheet_kind] = records
    workbook.close()
    return tables


def _read_jsonl(path: Path, label: str, checker: _Checker) -> Iterator[Record]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = _parse_json(line, label, number, checker)
        yield _json_record(item, label, number, checker)


def _parse_json(text: str, label: str, row: int | None, checker: _Checker) -> object:
    """Parsed JSON, nested at most ``SMEKG_MAX_JSON_DEPTH`` deep (array within array...)."""
    limit = checker.limits.json_depth
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError(
            [Problem(label, f"invalid JSON at column {error.colno}: {error.msg}",
                     row if row is not None else error.lineno)]
        ) from error
    except RecursionError:  # nested deeper than Python's parser goes (about a thousand)
        data = None
        depth = None
    else:
        depth = json_depth(data)
    if depth is None or depth > limit:
        raise LoadError([Problem(
            label, f"the JSON is nested {'too' if depth is None else f'{depth}'} deep; the "
            f"limit is {limit} (SMEKG_MAX_JSON_DEPTH)", row)])
    return data


def _read_json(
    path: Path, label: str, kind: str | None, checker: _Checker
) -> dict[str, list[Record]]:
    data = _parse_json(path.read_text(encoding="utf-8"), label, None, checker)
    if isinstance(data, list):
        return {kind or path.stem: [_json_record(i, label, n, checker)
                                    for n, i in enumerate(data, 1)]}
    if isinstance(data, dict):
        tables = {}
        for key, items in data.items():
            if not isinstance(items, list):
                raise LoadError([Problem(label, f"key {key!r} must hold a list of objects")])
            tables[key] = [_json_record(i, f"{label} [{key}]", n, checker)
                           for n, i in enumerate(items, 1)]
        return tables
    raise LoadError([Problem(label, "the top level must be a list or an object of lists")])


def _json_record(item: object, label: str, number: int, checker: _Checker) -> Record:
    if not isinstance(item, dict):
        raise LoadError([Problem(label, "each item must be a JSON object", number,
                                 value=shown(str(item)))])
    if len(item) > checker.limits.columns:
        raise LoadError([Problem(
            label, f"the object has {len(item):,} keys; the limit is "
            f"{checker.limits.columns:,} (SMEKG_MAX_COLUMNS)", number)])
    values = {str(k): _clean(v) for k, v in item.items()}
    return Record(label, number, checker.values(label, number, values))


@dataclass
class RawTable:
    """One table as its file has it, for a column mapping: where it is (the file, with its
    sheet or JSON path), its columns (the header; for JSON every key its objects have, in
    the order they first appear) and its records."""

    label: str
    columns: list[str]
    records: list[Record]


def read_records(
    path: Path, *, sheet: str | None = None, delimiter: str | None = None,
    records: str | None = None, limits: InputLimits | None = None, options: str = "",
) -> RawTable:
    """Read one table of ``path`` (CSV, XLSX, JSON, JSON Lines) with its own columns.

    ``sheet``: the XLSX sheet (default: the first); ``delimiter``: the CSV delimiter
    (default: tab for .tsv, else sniffed); ``records``: the dot path of the JSON array of
    objects (``data.items``; default: the top level array). Nested JSON objects are
    flattened, their keys joined by dots (``{"address": {"city": ...}}`` gives the column
    ``address.city``). The limits are those of :func:`read_tables`; ``options`` says where
    the options come from (for errors about them).
    """
    suffix = path.suffix.lower()
    label = str(path)
    limits = limits or InputLimits.from_settings()
    if suffix not in TABLE_SUFFIXES:
        raise LoadError([Problem(label, f"unsupported table format {suffix!r}; a mapping "
                                 "reads CSV, TSV, XLSX, JSON or JSON Lines")])
    check_file_size(path, limits)
    checker = _Checker(label, limits)
    columns: list[str] = []
    if suffix in {".csv", ".tsv"}:
        found = list(_read_csv(path, label, checker, delimiter, columns))
    elif suffix == ".xlsx":
        headers: dict[str, list[str]] = {}
        tables = _read_xlsx(path, label, None, checker, only=sheet or "", headers=headers,
                            options=options)
        found = next(iter(tables.values()), [])
        columns = next(iter(headers.values()), [])
        label = found[0].file if found else label
    else:
        if suffix == ".json":
            data = _parse_json(path.read_text(encoding="utf-8"), label, None, checker)
            items, label = _json_items(data, label, records, options)
            numbered = list(enumerate(items, 1))
        else:
            numbered = [(number, _parse_json(line, label, number, checker)) for number, line
                        in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                        if line.strip()]
        found = [_json_record(_flatten(item), label, number, checker)
                 for number, item in numbered]
        seen: dict[str, None] = {}
        for record in found:
            seen.update(dict.fromkeys(record.values))
        columns = list(seen)
        if len(columns) > limits.columns:
            raise LoadError([Problem(
                label, f"the objects have {len(columns):,} different keys; the limit is "
                f"{limits.columns:,} (SMEKG_MAX_COLUMNS)")])
    checker.raise_problems()
    return RawTable(label, columns, found)


def _json_items(
    data: object, label: str, path: str | None, options: str
) -> tuple[list[object], str]:
    """The array of records at the dot ``path`` of ``data`` (the top level without one)."""
    if path is None:
        if isinstance(data, list):
            return data, label
        keys = ", ".join(repr(k) for k in data) if isinstance(data, dict) else "none"
        raise LoadError([Problem(
            label, "the top level is not an array of objects: name the array that holds the "
            f"records with `read: {{records: KEY.KEY}}` in the mapping (top level keys: {keys})")])
    node = data
    walked: list[str] = []
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            keys = (", ".join(repr(k) for k in node) or "none") if isinstance(node, dict) \
                else f"not an object but {type(node).__name__}"
            at = ".".join(walked) or "the top level"
            raise LoadError([Problem(label, f"records {path!r}{options}: {at} has no key "
                                     f"{part!r} (its keys: {keys})")])
        node = node[part]
        walked.append(part)
    if not isinstance(node, list):
        raise LoadError([Problem(label, f"records {path!r}{options}: holds "
                                 f"{type(node).__name__}, not an array of objects")])
    return node, f"{label} [{path}]"


def _flatten(item: object) -> object:
    """A JSON object with its nested objects' keys joined by dots (other values as they are).

    >>> _flatten({"name": "A", "address": {"city": "Rome", "geo": {"lat": 1}}, "tags": ["x"]})
    {'name': 'A', 'address.city': 'Rome', 'address.geo.lat': 1, 'tags': ['x']}
    """
    if not isinstance(item, dict):
        return item
    flat: dict[str, object] = {}

    def walk(prefix: str, node: dict[object, object]) -> None:  # as deep as the JSON limit
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and value:
                walk(name + ".", value)
            else:
                flat.setdefault(name, value)

    walk("", item)
    return flat

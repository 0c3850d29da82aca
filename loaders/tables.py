"""Read user tables from CSV, XLSX, JSON and JSON Lines into located records.

Each record remembers the file and the row a person would point at: the spreadsheet
row number for CSV and XLSX (header = row 1), the line number for JSON Lines and
the 1-based item number for a JSON array.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from smekg.loaders.errors import LoadError, Problem

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".json", ".jsonl", ".ndjson"}


@dataclass
class Record:
    """One row of a table: its values (str, or list for JSON arrays) and where it is."""

    file: str
    row: int
    values: dict[str, object] = field(default_factory=dict)

    def problem(self, message: str, column: str | None = None, value: object = None) -> Problem:
        return Problem(self.file, message, self.row, column, value)


def read_tables(path: Path, kind: str | None) -> dict[str, list[Record]]:
    """Read ``path`` into ``{kind: records}``.

    A CSV, JSON Lines or JSON array holds one kind (``kind`` or the file's stem);
    an XLSX workbook holds one kind per sheet (sheet name) and a JSON object one
    kind per key.
    """
    suffix = path.suffix.lower()
    label = str(path)
    if suffix in {".csv", ".tsv"}:
        return {kind or path.stem: list(_read_csv(path, label))}
    if suffix == ".xlsx":
        return _read_xlsx(path, label, kind)
    if suffix in {".jsonl", ".ndjson"}:
        return {kind or path.stem: list(_read_jsonl(path, label))}
    if suffix == ".json":
        return _read_json(path, label, kind)
    raise LoadError([Problem(label, f"unsupported table format {suffix!r}")])


def _clean(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_clean(v) for v in value if _clean(v) not in ("", None)]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(path: Path, label: str) -> Iterator[Record]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(
            [Problem(label, f"not UTF-8 text (byte {error.start}); save the file as UTF-8")]
        ) from error
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    reader = csv.reader(text.splitlines(), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise LoadError([Problem(label, "the file is empty (no header row)")]) from None
    except csv.Error as error:
        raise LoadError([Problem(label, f"malformed CSV: {error}", 1)]) from error
    _check_header(header, label)
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
                    value=delimiter.join(cells),
                )
            )
            continue
        yield Record(label, row_number, {h: _clean(c) for h, c in zip(header, cells, strict=True)})
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


def _read_xlsx(path: Path, label: str, kind: str | None) -> dict[str, list[Record]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise LoadError([Problem(label, f"not a readable XLSX workbook: {error}")]) from error
    tables: dict[str, list[Record]] = {}
    sheets = workbook.worksheets
    for sheet in sheets:
        sheet_kind = kind if (kind and len(sheets) == 1) else sheet.title.strip().lower()
        sheet_label = f"{label} [sheet {sheet.title}]"
        rows = sheet.iter_rows(values_only=True)
        try:
            header = [str(h).strip() if h is not None else "" for h in next(rows)]
        except StopIteration:
            continue
        while header and not header[-1]:
            header.pop()
        _check_header(header, sheet_label)
        records = []
        for number, cells in enumerate(rows, start=2):
            values = list(cells[: len(header)]) + [None] * (len(header) - len(cells))
            if all(v in (None, "") for v in values):
                continue
            records.append(
                Record(sheet_label, number, {h: _clean(v) for h, v in zip(header, values)})  # noqa: B905
            )
        tables[sheet_kind] = records
    workbook.close()
    return tables


def _read_jsonl(path: Path, label: str) -> Iterator[Record]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise LoadError(
                [Problem(label, f"invalid JSON at column {error.colno}: {error.msg}", number)]
            ) from error
        yield _json_record(item, label, number)


def _read_json(path: Path, label: str, kind: str | None) -> dict[str, list[Record]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LoadError(
            [Problem(label, f"invalid JSON at column {error.colno}: {error.msg}", error.lineno)]
        ) from error
    if isinstance(data, list):
        return {kind or path.stem: [_json_record(i, label, n) for n, i in enumerate(data, 1)]}
    if isinstance(data, dict):
        tables = {}
        for key, items in data.items():
            if not isinstance(items, list):
                raise LoadError([Problem(label, f"key {key!r} must hold a list of objects")])
            tables[key] = [_json_record(i, f"{label} [{key}]", n) for n, i in enumerate(items, 1)]
        return tables
    raise LoadError([Problem(label, "the top level must be a list or an object of lists")])


def _json_record(item: object, label: str, number: int) -> Record:
    if not isinstance(item, dict):
        raise LoadError([Problem(label, "each item must be a JSON object", number, value=item)])
    return Record(label, number, {str(k): _clean(v) for k, v in item.items()})

"""Rendering answers as rows: JSON-ready data, flat CSV rows, CSV text and JSON-LD.

One place for both the HTTP API (:mod:`smekg.graph_api.negotiation`) and the CLI. The
JSON-LD of an answer is a graph in the ontology's terms, built by
:func:`smekg.queries.jsonld.to_jsonld` (re-exported here).

Examples
--------
>>> flatten({"iri": "x", "region": {"code": "ITH55"}, "sectors": ["C", "J"]})
{'iri': 'x', 'region.code': 'ITH55', 'sectors': 'C; J'}
>>> to_csv([{"name": "ERVET"}]).splitlines()
['\ufeffname', 'ERVET']

An answer's CSV has a fixed list of columns, derived from its row model (not from the rows
present), so that it is the same for every answer; absent values are empty cells:

>>> from smekg.queries.models import Membership
>>> csv_columns(Membership)[:4]
['network.iri', 'network.label', 'network.type', 'network.code']
>>> to_csv([], model=Membership).splitlines()[0].count(",") + 1 == len(csv_columns(Membership))
True

Every CSV smekg writes (the API's ``?format=csv``, the CLI's ``--format csv``, the graph
exports ``nodes.csv`` and ``edges.csv``) goes through :func:`write_csv`, which neutralises
spreadsheet formulas (:func:`csv_cell`):

>>> print(to_csv([{"name": '=HYPERLINK("http://evil.example","x")', "lon": -3.5}]
...              ).splitlines()[1])
"'=HYPERLINK(""http://evil.example"",""x"")",-3.5
"""

from __future__ import annotations

import csv
import io
import re
import types
from collections.abc import Iterable, Mapping
from typing import Any, TextIO, Union, get_args, get_origin

from pydantic import BaseModel

from smekg.queries.jsonld import JSONLD_CONTEXT, to_jsonld

__all__ = [
    "FORMULA_TRIGGERS", "JSONLD_CONTEXT", "csv_cell", "csv_columns", "flat_row", "flatten",
    "plain", "row_model", "to_csv", "to_jsonld", "write_csv",
]


def plain(value: Any) -> Any:
    """JSON-ready data: models dumped in JSON mode, lists item by item."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """One CSV row: nested objects become ``a.b`` columns, lists are joined with ``; ``."""
    flat: dict[str, str] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            if value and all(isinstance(item, dict) for item in value):
                flat[name] = "; ".join(str(item.get("label", "")) for item in value)
                flat[f"{name}.iri"] = "; ".join(str(item.get("iri", "")) for item in value)
            else:
                flat[name] = "; ".join(str(item) for item in value)
        elif value is None:
            flat[name] = ""
        else:
            flat[name] = str(value)
    return flat


def _without_none(annotation: Any) -> Any:
    """``X`` for ``X | None`` (and ``Optional[X]``), else the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    annotation = _without_none(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _flat_into(out: dict[str, str], value: Any, annotation: Any, name: str) -> None:
    """Put the cells of ``value`` (JSON data of type ``annotation``) under column ``name``."""
    model = _model(annotation)
    if model is not None:
        data = value if isinstance(value, Mapping) else {}
        for field, info in model.model_fields.items():
            if info.exclude:
                continue
            _flat_into(out, data.get(field), info.annotation, f"{name}.{field}" if name
                       else field)
        return
    annotation = _without_none(annotation)
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        items = list(value or [])
        item = _model(get_args(annotation)[0]) if get_args(annotation) else None
        if item is not None:
            # a list of entities: their names, and their IRIs in a column of their own
            out[name] = "; ".join(str(i.get("label") or "") for i in items)
            if "iri" in item.model_fields:
                out[f"{name}.iri"] = "; ".join(str(i.get("iri") or "") for i in items)
        else:
            out[name] = "; ".join(str(i) for i in items)
    elif origin in (dict, Mapping) or annotation is dict:
        out[name] = "; ".join(f"{key}={item}" for key, item in (value or {}).items())
    else:
        out[name] = "" if value is None else str(value)


def csv_columns(model: type[BaseModel]) -> list[str]:
    """The CSV columns of rows of ``model``, the same for every answer: its fields in order,
    a nested model's fields as ``name.field``, a list of models as ``name`` (their labels)
    and ``name.iri`` (their IRIs, when they have one), anything else (a value, a list of
    values, a mapping ``key=value; ...``) as one column ``name``.

    >>> from smekg.queries.models import EntityRef
    >>> csv_columns(EntityRef)
    ['iri', 'label', 'type', 'code']
    """
    return list(flat_row({}, model))


def flat_row(row: Mapping[str, Any], model: type[BaseModel]) -> dict[str, str]:
    """The cells of one CSV row (``row``: JSON data of ``model``), by the columns of
    :func:`csv_columns` (empty where a value is absent)."""
    out: dict[str, str] = {}
    _flat_into(out, row, model, "")
    return out


def row_model(answer_type: type[BaseModel]) -> type[BaseModel] | None:
    """The model of the rows of an answer that has ``results: list[Row]`` (a page)."""
    field = answer_type.model_fields.get("results")
    if field is None or get_origin(field.annotation) is not list:
        return None
    return _model(get_args(field.annotation)[0])


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection)."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: object) -> str:
    """The text of one CSV cell, with spreadsheet formulas neutralised.

    As OWASP recommends (https://owasp.org/www-community/attacks/CSV_Injection), a cell
    beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote
    in front, so Excel, LibreOffice and Google Sheets show it as text instead of running it
    (``=HYPERLINK(...)``, ``@SUM(...)``, DDE payloads). Phone numbers such as
    ``+39 051 123`` are quoted too. The one exception is a cell that is wholly a number
    (``-3``, ``-12.5``, ``+1e3``): it cannot hold a formula, and negative coordinates and
    amounts stay numbers. A consumer reading the CSV back as data strips one leading ``'``
    from cells that begin with ``'`` followed by one of those characters.

    >>> [csv_cell(v) for v in ("=1+1", "@SUM(1)", "+39 051 123", "-3", "-12.5", None, 7)]
    ["'=1+1", "'@SUM(1)", "'+39 051 123", '-3', '-12.5', '', '7']
    >>> csv_cell(chr(9) + "=1") == "'" + chr(9) + "=1", csv_cell("-1+2"), csv_cell("ERVET")
    (True, "'-1+2", 'ERVET')
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(stream: TextIO, rows: Iterable[Iterable[object]], *,
              lineterminator: str = "\r\n") -> None:
    """Write ``rows`` (the header first) as CSV to ``stream``, every cell through
    :func:`csv_cell`: the one CSV writer of smekg."""
    writer = csv.writer(stream, lineterminator=lineterminator)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)


def to_csv(rows: list[dict[str, Any]], *, model: type[BaseModel] | None = None,
           columns: list[str] | None = None) -> str:
    """CSV text with a byte-order mark, so that Excel reads it as UTF-8.

    The columns are those of ``model`` (:func:`csv_columns`), else ``columns`` (cells by
    :func:`flatten`), else the union of the flattened rows' keys in order of appearance (for
    tables without a model, such as the CLI's).
    """
    if model is not None:
        columns = csv_columns(model)
        flat = [flat_row(row, model) for row in rows]
    else:
        flat = [flatten(row) for row in rows]
    if columns is None:
        columns = []
        for row in flat:
            for column in row:
                if column not in columns:
                    columns.append(column)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    write_csv(buffer, [columns, *([row.get(column, "") for column in columns] for row in flat)])
    return buffer.getvalue()

"""Rendering answers as rows: JSON-ready data, flat CSV rows, CSV text and JSON-LD.

One place for both the HTTP API (:mod:`smekg.graph_api.negotiation`) and the CLI.

Examples
--------
>>> flatten({"iri": "x", "region": {"code": "ITH55"}, "sectors": ["C", "J"]})
{'iri': 'x', 'region.code': 'ITH55', 'sectors': 'C; J'}
>>> to_csv([{"name": "ERVET"}]).splitlines()
['\ufeffname', 'ERVET']

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
from collections.abc import Iterable
from typing import Any, TextIO

from pydantic import BaseModel

from smekg.ontology import PREFIXES

__all__ = [
    "FORMULA_TRIGGERS", "JSONLD_CONTEXT", "csv_cell", "flatten", "plain", "to_csv", "write_csv",
]

JSONLD_CONTEXT = {
    "@vocab": "https://w3id.org/smekg/api#",
    **{prefix: namespace for prefix, namespace in PREFIXES.items() if prefix in
       {"smekg", "skos", "schema", "org", "dcterms"}},
    "iri": "@id",
    "label": "skos:prefLabel",
    "code": "skos:notation",
    "results": {"@container": "@list"},
}

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


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text with a byte-order mark, so that Excel reads it as UTF-8."""
    flat = [flatten(row) for row in rows]
    columns: list[str] = []
    for row in flat:
        for column in row:
            if column not in columns:
                columns.append(column)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    write_csv(buffer, [columns, *([row.get(column, "") for column in columns] for row in flat)])
    return buffer.getvalue()

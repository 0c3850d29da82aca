"""Rendering answers as rows: JSON-ready data, flat CSV rows, CSV text and JSON-LD.

One place for both the HTTP API (:mod:`smekg.graph_api.negotiation`) and the CLI.

Examples
--------
>>> flatten({"iri": "x", "region": {"code": "ITH55"}, "sectors": ["C", "J"]})
{'iri': 'x', 'region.code': 'ITH55', 'sectors': 'C; J'}
>>> to_csv([{"name": "ERVET"}]).splitlines()
['\ufeffname', 'ERVET']
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import BaseModel

from smekg.ontology import PREFIXES

__all__ = ["JSONLD_CONTEXT", "flatten", "plain", "to_csv"]

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
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()

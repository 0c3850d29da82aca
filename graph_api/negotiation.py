"""Content negotiation: JSON by default, CSV (for spreadsheets) and JSON-LD on request.

The format comes from ``?format=`` if given, else from the Accept header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from graph_api.sparql.formats import parse_accept, quality
from ontology import PREFIXES

JSONLD_CONTEXT = {
    "@vocab": "https://w3id.org/smekg/api#",
    **{prefix: namespace for prefix, namespace in PREFIXES.items() if prefix in
       {"smekg", "skos", "schema", "org", "dcterms"}},
    "iri": "@id",
    "label": "skos:prefLabel",
    "code": "skos:notation",
    "results": {"@container": "@list"},
}
_MEDIA = {"json": "application/json", "csv": "text/csv", "jsonld": "application/ld+json"}
_ORDER = {name: position for position, name in enumerate(_MEDIA)}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "application/ld+json": {}}},
    404: {"description": "A code or id names nothing in the graph (with suggestions)."},
    422: {"description": "A parameter is malformed."},
}


def chosen_format(request: Request, explicit: str | None) -> str:
    """``json``, ``csv`` or ``jsonld``: the explicit one, else the one Accept prefers (the
    endpoint's own Accept parser), else JSON."""
    if explicit:
        return explicit
    ranges = parse_accept(request.headers.get("accept"))
    best = max(_MEDIA, key=lambda name: (quality(ranges, _MEDIA[name])[0], -_ORDER[name]))
    return best if quality(ranges, _MEDIA[best])[0] > 0 else "json"


def render(
    request: Request,
    answer: BaseModel | dict | list,
    explicit: str | None,
    *,
    filename: str,
    rows: Iterable[BaseModel | dict] | None = None,
) -> Response:
    """Answer in the negotiated format; ``rows`` (default: ``answer.results``) make the CSV."""
    fmt = chosen_format(request, explicit)
    if fmt == "json" and isinstance(answer, BaseModel):
        # pydantic's own serializer writes the JSON bytes directly (no dict in between)
        return Response(answer.model_dump_json(), media_type="application/json")
    data = plain(answer)
    if fmt == "csv":
        if rows is None:
            rows = data["results"] if isinstance(data, dict) else data
        return Response(
            to_csv([plain(row) for row in rows]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if fmt == "jsonld":
        body = {"@context": JSONLD_CONTEXT}
        body.update(data if isinstance(data, dict) else {"results": data})
        return Response(json.dumps(body, ensure_ascii=False), media_type=_MEDIA["jsonld"])
    return JSONResponse(data)


def plain(value: Any) -> Any:
    """JSON-ready data: models dumped in JSON mode, lists item by item."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def flatten(row: dict, prefix: str = "") -> dict[str, str]:
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


def to_csv(rows: list[dict]) -> str:
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

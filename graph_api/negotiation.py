"""Content negotiation: JSON by default, CSV (for spreadsheets) and JSON-LD on request.

The rows themselves are rendered by :mod:`smekg.queries.render` (shared with the CLI); the
JSON-LD by :mod:`smekg.queries.jsonld`, with the store's statements about the entities an
answer names (read through the query service's backend).

The format comes from ``?format=`` if given, else from the Accept header.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from smekg.graph_api.sparql.formats import parse_accept, quality
from smekg.queries.jsonld import store_facts, to_jsonld
from smekg.queries.render import plain, row_model, to_csv
from smekg.queries.service import QueryService

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
    answer: BaseModel | dict[str, Any] | list[Any],
    explicit: str | None,
    *,
    filename: str,
    rows: Iterable[BaseModel | dict[str, Any]] | None = None,
    model: type[BaseModel] | None = None,
    columns: list[str] | None = None,
) -> Response:
    """Answer in the negotiated format; ``rows`` (default: ``answer.results``) make the CSV.

    The CSV columns are fixed: those of the row ``model`` (default: the model of
    ``answer.results``), or ``columns`` for a table whose columns are the answer's own
    (the gap matrix: one per sector). A CSV without either is a programming error.
    """
    fmt = chosen_format(request, explicit)
    if fmt == "json" and isinstance(answer, BaseModel):
        # pydantic's own serializer writes the JSON bytes directly (no dict in between)
        return Response(answer.model_dump_json(), media_type="application/json")
    data = plain(answer)
    if fmt == "csv":
        if rows is None:
            rows = data["results"] if isinstance(data, dict) else data
        if model is None and columns is None and isinstance(answer, BaseModel):
            model = row_model(type(answer))
        if model is None and columns is None:
            raise TypeError(f"the CSV of {filename!r} has no declared columns")
        return Response(
            to_csv([plain(row) for row in rows], model=model, columns=columns),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if fmt == "jsonld":
        service: QueryService | None = getattr(request.app.state, "query_service", None)
        facts = store_facts(service.data) if service is not None else None
        body = to_jsonld(data, url=str(request.url), facts=facts)
        return Response(json.dumps(body, ensure_ascii=False), media_type=_MEDIA["jsonld"])
    return JSONResponse(data)

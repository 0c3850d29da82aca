"""Organisations that may be one: the duplicates report, for a person to confirm."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from smekg.graph_api.deps import BoundedParams, FormatQuery, Limit, Offset, ServiceDep
from smekg.graph_api.negotiation import RESPONSES, render
from smekg.queries.duplicates import (
    DEFAULT_MIN_SCORE,
    DuplicatePair,
    DuplicatesPage,
    DuplicatesReport,
    find_duplicates,
    resolve_country,
)
from smekg.queries.service import QueryService

router = APIRouter(tags=["organisations"], dependencies=[BoundedParams])

_KEPT = 8
_reports: OrderedDict[tuple[int, str, float, str | None], DuplicatesReport] = OrderedDict()
_lock = threading.Lock()


def _report(service: QueryService, min_score: float, country: str | None) -> DuplicatesReport:
    """The report for the data the request is answered from, computed once per version of
    the data (a few seconds at 100k organisations), then kept for its pages."""
    key = (id(service), service.index.version, min_score, country)
    with _lock:
        found = _reports.get(key)
        if found is not None:
            _reports.move_to_end(key)
            return found
    report = find_duplicates(service.data, service.minter, min_score=min_score,
                             country=country)
    with _lock:
        _reports[key] = report
        while len(_reports) > _KEPT:
            _reports.popitem(last=False)
    return report


@router.get("/duplicates", response_model=DuplicatesPage, responses=RESPONSES)
def list_duplicates(
    request: Request,
    service: ServiceDep,
    min_score: Annotated[float, Query(
        ge=0, le=1, description="How alike names must be for a likely duplicate (0-1: "
        "rapidfuzz token_set_ratio of the names folded, without legal forms such as srl, "
        "gmbh, ltd).")] = DEFAULT_MIN_SCORE,
    country: Annotated[str | None, Query(
        description="Only pairs with an organisation in this country (IT, ITA, Italy).",
        examples=["IT"])] = None,
    fmt: FormatQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Pairs of organisations that may be one, for a person to confirm (nothing is merged):
    first those with the same PIC, VAT number or Wikidata entity, or linked by owl:sameAs
    (a load links organisations of two sources that share an identifier), then likely
    duplicates: names alike once folded, in the same NUTS-3 (or NUTS-2) region or, lacking
    one, the same country and city, most alike first, each with the reason in words."""
    report = _report(service, min_score, resolve_country(country))
    return render(request, report.page(offset, limit), fmt, filename="duplicates",
                  model=DuplicatePair)

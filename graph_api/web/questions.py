"""Pages: who covers a region and a sector (with the reasons), the gaps, two regions compared.

Each route is thin: it reads the parameters as people type them (the query service's
resolver reads names and codes, and a value it cannot read is a
:class:`~smekg.queries.params.ParamError`, which ``main.py`` turns into a 422 page with the
suggestions as links), asks :class:`~smekg.queries.service.QueryService` and renders a
template. Every page is bounded: coverage is paged by :data:`COVERAGE_PAGE`, the gaps by
:data:`GAPS_PAGE`, and the lists of a comparison are cut at :data:`COMPARE_SHOWN`, each
saying what was left out and linking the REST download of everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from smekg.graph_api.deps import BoundedParams, ServiceDep
from smekg.graph_api.web._paging import page_count, page_offset
from smekg.graph_api.web.snippets import snippets
from smekg.graph_api.web.templating import ENVIRONMENT, query_url, render_page
from smekg.queries.graph_index import BREADTHS, PROVIDER_KINDS
from smekg.queries.models import CoverageAnswer, CoverageItem
from smekg.queries.params import (
    REGION_LEVELS,
    SECTOR_LEVELS,
    ParamError,
    provider_kinds,
    typology_notations,
)
from smekg.queries.service import MAX_LIMIT, QueryService
from smekg.reference.resolve import concept_notations

router = APIRouter(include_in_schema=False, dependencies=[BoundedParams])

COVERAGE_PAGE = 50
"""Providers on a page of ``/app/coverage``."""
GAPS_PAGE = 100
"""Gap cells on a page of ``/app/gaps``."""
COMPARE_SHOWN = 200
"""Entities shown in each list of ``/app/compare`` (the CSV holds them all)."""
EXACT_KIND_COUNT = 1_000
"""Largest answer whose counts by kind are taken from its providers one by one (each with
its explanation: tens of µs apiece); a larger one is counted by walks of the coverage index
with the kind filter (a few ms each, see :func:`counts_by_kind`)."""
DOWNLOAD_LIMIT = MAX_LIMIT
"""The ``limit`` of the REST downloads linked from the pages (the REST API's largest)."""
MAX_PAGE = 10_000

BREADTH_WORDS = {
    "nuts3": "regional, NUTS 3 (small regions, provinces)",
    "nuts2": "regional, NUTS 2 (regions) or narrower",
    "nuts1": "regional, NUTS 1 (large regions) or narrower",
    "country": "national or regional",
    "continent": "continental, national or regional",
    "world": "any breadth, worldwide included (all coverage)",
}
"""What each ``broadest`` ceiling counts, in words (the keys: :data:`BREADTHS`)."""
REGION_LEVEL_WORDS = {"country": "countries", "nuts1": "NUTS 1 regions",
                      "nuts2": "NUTS 2 regions", "nuts3": "NUTS 3 regions"}
SECTOR_LEVEL_WORDS = {"section": "NACE sections", "division": "NACE divisions",
                      "group": "NACE groups", "class": "NACE classes"}

Text = Annotated[str | None, Query()]
Many = Annotated[list[str] | None, Query()]


@cache
def coverage_choices() -> dict[str, list[str]]:
    """The values the questions' forms offer (``<datalist>``): the provider kinds and
    organisation types, the service types and the NUTS-3 typologies of the ontology."""
    return {
        "kinds": list(provider_kinds()),
        "organisation_types": sorted(concept_notations("OrganisationTypes")),
        "services": sorted(concept_notations("ServiceTypes")),
        "typologies": list(typology_notations()),
    }


# the coverage form is included by other pages too (the first page): its choices are global
ENVIRONMENT.globals["coverage_choices"] = coverage_choices


def _given(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _joined(values: Sequence[str] | None) -> str | None:
    """Repeated or comma-separated values (``kinds=network&kinds=programme``,
    ``typology=mountain,coastal``) as one comma-separated value, each once, in order."""
    parts = [part.strip() for value in values or () for part in value.split(",")]
    return ",".join(dict.fromkeys(part for part in parts if part)) or None


def _page_number(text: str | None) -> int:
    """``page`` as a number from 1; a 422 page when it is none."""
    text = (text or "").strip()
    if not text:
        return 1
    if (len(text) > len(str(MAX_PAGE)) or not (text.isascii() and text.isdigit())
            or not 1 <= int(text) <= MAX_PAGE):
        raise ParamError("page", text, f"expected a page number from 1 to {MAX_PAGE:,}",
                         status=422, suggestions=["1"])
    return int(text)


def _check_page(page: int, pages: int) -> None:
    if page > max(pages, 1):
        raise ParamError("page", str(page), f"the answer has {pages:,} "
                         f"page{'' if pages == 1 else 's'}", status=404,
                         suggestions=[str(max(pages, 1))])


# -- coverage ------------------------------------------------------------------------------
@router.get("/app/coverage", response_class=HTMLResponse)
def coverage(
    request: Request,
    service: ServiceDep,
    region: Text = None,
    sector: Text = None,
    type: Text = None,
    provides: Annotated[str | None, Query(alias="service")] = None,
    typology: Many = None,
    page: Text = None,
) -> Response:
    """Who covers a region and a sector: each provider with its reason in words, the chain
    of members drawn for networks of networks, the counts by kind, the downloads, the map
    of the same question and the question as REST, SPARQL and Cypher."""
    form = {"region": _given(region), "sector": _given(sector), "type": _given(type),
            "service": _given(provides), "typology": _joined(typology)}
    number = _page_number(page)
    if not any(form.values()):
        return render_page(request, "coverage.html", form=form, answer=None)
    offset = page_offset(number, COVERAGE_PAGE)
    answer = service.coverage(form["region"], form["sector"], form["type"], form["service"],
                              form["typology"], offset=offset, limit=COVERAGE_PAGE)
    pages = page_count(answer.count, COVERAGE_PAGE)
    _check_page(number, pages)
    kinds = counts_by_kind(service, form, answer)
    rest = {key: form[key] for key in ("region", "sector", "type", "service", "typology")}
    return render_page(
        request, "coverage.html", form=form, answer=answer, results=answer.results,
        offset=offset, page=number, pages=pages, kinds=kinds,
        csv_url=query_url("/coverage", {**rest, "format": "csv", "limit": DOWNLOAD_LIMIT}),
        json_url=query_url("/coverage", {**rest, "limit": DOWNLOAD_LIMIT}),
        map_url=_coverage_map_url(service, answer, form),
        snippets=snippets(service, "coverage", "/coverage", rest),
    )


@dataclass(frozen=True)
class KindCounts:
    """How many providers of an answer are of each kind, and how that was counted."""

    counts: list[tuple[str, int]]
    """(kind, providers), most first; the kinds of :attr:`EntityRef.type` (``other`` for
    a provider of none), each provider counted once."""
    method: Literal["each", "filter", "first"]
    """``each``: every provider looked at; ``filter``: walks with the kind filter;
    ``first``: only the first :data:`EXACT_KIND_COUNT` providers looked at."""
    counted: int
    """The providers the counts are over (the answer's count, unless ``first``)."""


def counts_by_kind(service: QueryService, form: Mapping[str, str | None],
                   answer: CoverageAnswer, exact: int = EXACT_KIND_COUNT) -> KindCounts:
    """The providers of a coverage answer by kind, over the whole answer (not one page).

    Parameters
    ----------
    service
        The query service that gave ``answer``.
    form
        The question (``region``, ``sector``, ``type``, ``service``, ``typology``).
    answer
        One page of its answer (its ``count`` is of all pages).
    exact
        Up to this many providers, each is looked at (its kind as the answer gives it).
        Beyond, the index is walked once per provider kind with the kind filter
        (``type=network``, ...): a network is an organisation too (``smekg:Network`` is a
        subclass of ``smekg:Organisation``), so the organisations that are not networks are
        those of ``type=organisation`` less the networks, and the providers of no provider
        kind (that the data says provide a service) are what is left. When the question
        names a kind itself, that filter cannot be combined: the first ``exact`` providers
        are counted, and the counts say so.

    Returns
    -------
    KindCounts
        The counts, how they were counted and over how many providers.
    """
    def ask(kind: str | None, limit: int | None) -> CoverageAnswer:
        return service.coverage(form["region"], form["sector"], kind, form["service"],
                                form["typology"], offset=0, limit=limit)

    def each(items: list[CoverageItem]) -> KindCounts:
        by_kind = Counter(item.type or "other" for item in items)
        return KindCounts(sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0])),
                          "each" if len(items) == total else "first", len(items))

    total = answer.count
    if total <= len(answer.results) and answer.offset == 0:
        return each(answer.results)
    if total <= exact or form["type"] is not None:
        return each(ask(form["type"], min(total, exact)).results)
    found = {kind: ask(kind, 0).count for kind in PROVIDER_KINDS}
    found["organisation"] -= found["network"]
    found["other"] = total - sum(found.values())
    if min(found.values()) < 0:  # kinds that overlap otherwise: count the first ones
        return each(ask(None, exact).results)
    counts = sorted(((kind, n) for kind, n in found.items() if n > 0),
                    key=lambda kv: (-kv[1], kv[0]))
    return KindCounts(counts, "filter", total)


def _coverage_map_url(service: QueryService, answer: CoverageAnswer,
                      form: dict[str, str | None]) -> str:
    """The map of the same question: the region's country (or the region, above
    countries) at the region's NUTS level, the sector, the kind when it is a provider kind."""
    params: dict[str, str | None] = {"sector": form["sector"]}
    if answer.region is not None:
        index = service.index
        region = answer.region.iri
        country = next((iri for iri in index.ancestors(region) if index.kind(iri) == "country"),
                       None)
        scope = country or region
        params["scope"] = index.codes.get(scope) or scope
        level = index.levels.get(region)
        if index.kind(region) == "nuts-region" and level in (1, 2, 3):
            params["level"] = f"nuts{level}"
    kind = (form["type"] or "").lower().replace(" ", "-").replace("_", "-")
    if kind in provider_kinds():
        params["kinds"] = kind
    return query_url("/app/map", {key: params.get(key) for key in
                                  ("scope", "level", "sector", "kinds")})


# -- gaps ----------------------------------------------------------------------------------
@router.get("/app/gaps", response_class=HTMLResponse)
def gaps(
    request: Request,
    service: ServiceDep,
    scope: Text = None,
    region_level: Text = None,
    sector_level: Text = None,
    sector: Text = None,
    type: Text = None,
    broadest: Text = None,
    kinds: Many = None,
    typology: Many = None,
    page: Text = None,
) -> Response:
    """The region x sector cells of a scope that no provider covers (as the REST ``/gaps``,
    with its defaults), paged, with the map of the same scope and the CSV of all cells."""
    form = {"scope": _given(scope) or "world", "region_level": _given(region_level) or "nuts2",
            "sector_level": _given(sector_level) or "section", "sector": _given(sector),
            "type": _given(type), "broadest": _given(broadest) or "world",
            "kinds": _joined(kinds), "typology": _joined(typology)}
    number = _page_number(page)
    offset = page_offset(number, GAPS_PAGE)
    answer = service.gaps(form["scope"], form["region_level"], form["sector_level"],
                          form["sector"], form["type"], form["broadest"], form["kinds"],
                          form["typology"], offset=offset, limit=GAPS_PAGE)
    pages = page_count(answer.count, GAPS_PAGE)
    _check_page(number, pages)
    example_cell, example_snippets = None, None
    if answer.results:  # the coverage question of the first gap cell on this page
        example_cell = answer.results[0]
        example_snippets = snippets(service, "coverage", "/coverage", {
            "region": example_cell.region.code or example_cell.region.iri,
            "sector": example_cell.sector.code or example_cell.sector.iri,
            "type": form["type"]})
    chosen = {kind.lower() for kind in (form["kinds"] or "").split(",") if kind}
    return render_page(
        request, "gaps.html", form=form, answer=answer, page=number, pages=pages,
        offset=offset, chosen_kinds=chosen, types_chosen=bool(chosen - set(PROVIDER_KINDS)),
        region_levels=[level for level in REGION_LEVELS if level != "nuts0"],
        sector_levels=list(SECTOR_LEVELS), breadths=[(b, BREADTH_WORDS[b]) for b in BREADTHS],
        breadth_words=BREADTH_WORDS, region_level_words=REGION_LEVEL_WORDS,
        sector_level_words=SECTOR_LEVEL_WORDS, main_kinds=PROVIDER_KINDS,
        rest_url=query_url("/gaps", form),
        csv_url=query_url("/gaps", {**form, "format": "csv", "limit": DOWNLOAD_LIMIT}),
        json_url=query_url("/gaps", {**form, "limit": DOWNLOAD_LIMIT}),
        map_url=query_url("/app/map", {"scope": form["scope"], "level": form["region_level"],
                                       "sector": form["sector"],
                                       "broadest": form["broadest"], "kinds": form["kinds"]}),
        example_cell=example_cell, example_snippets=example_snippets,
    )


# -- compare -------------------------------------------------------------------------------
@router.get("/app/compare", response_class=HTMLResponse)
def compare(request: Request, service: ServiceDep, a: Text = None, b: Text = None,
            sector: Text = None) -> Response:
    """Two regions side by side: who covers each (by kind), who is located in each, and
    who covers both or only one; the form alone while a region is missing."""
    form = {"a": _given(a), "b": _given(b), "sector": _given(sector)}
    if form["a"] is None or form["b"] is None:
        return render_page(request, "compare.html", form=form, answer=None)
    answer = service.compare(form["a"], form["b"], form["sector"])
    kinds = sorted(set(answer.a.by_type) | set(answer.b.by_type))
    lists = [("shared", "Covering both", answer.shared),
             ("only-a", f"Covering only {answer.a.region.label}", answer.only_a),
             ("only-b", f"Covering only {answer.b.region.label}", answer.only_b)]
    return render_page(
        request, "compare.html", form=form, answer=answer, kinds=kinds,
        lists=[(key, title, refs[:COMPARE_SHOWN], len(refs)) for key, title, refs in lists],
        shown=COMPARE_SHOWN,
        rest_url=query_url("/regions/compare", form),
        csv_url=query_url("/regions/compare", {**form, "format": "csv"}),
        figures_url=query_url("/analytics/compare", form),
        coverage_a=query_url("/app/coverage", {"region": form["a"], "sector": form["sector"]}),
        coverage_b=query_url("/app/coverage", {"region": form["b"], "sector": form["sector"]}),
    )


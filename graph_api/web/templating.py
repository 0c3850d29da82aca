"""Rendering pages: the Jinja2 environment, links to entity pages and the security headers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from smekg import __version__
from smekg.queries.models import EntityRef
from smekg.queries.params import ParamError
from smekg.queries.service import QueryService

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
"""The pages' Content-Security-Policy: scripts, styles and data from the app only, no
inline script or style (data for scripts travels in ``<script type="application/json">``
blocks and ``data-`` attributes, which are not run)."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

PAGE_KINDS = ("organisation", "network", "project", "programme", "good-practice", "policy",
              "region", "sector", "country")
"""The kinds of entity that have a page at ``/app/{kind}/{key}``."""

KIND_NAMES = {
    "organisation": "Organisation", "network": "Network", "project": "Project",
    "programme": "Programme or project",
    "good-practice": "Good practice", "policy": "Policy", "publication": "Publication",
    "event": "Event", "world": "World", "continent": "Continent", "country": "Country",
    "nuts-region": "NUTS region", "subdivision": "Subdivision", "region": "Region",
    "sector": "Sector", "source-document": "Source document",
}
ENTITY_PAGE = "/app/entity?"
_REGION_KINDS = {"world", "continent", "nuts-region", "subdivision", "region"}


def page_kind(kind: str | None) -> str | None:
    """The kind of page an entity of ``kind`` has (regions of every sort share one)."""
    if kind in _REGION_KINDS:
        return "region"
    return kind if kind in PAGE_KINDS else None


def entity_url(ref: EntityRef | Mapping[str, Any]) -> str:
    """The web page of an entity: ``/app/{kind}/{code}`` when it has a code and a kind of
    page, else ``/app/entity?iri=...``."""
    data = ref.model_dump() if isinstance(ref, EntityRef) else ref
    kind, code = page_kind(data.get("type")), data.get("code")
    if kind is not None and code:
        return f"/app/{kind}/{quote(str(code), safe='')}"
    return "/app/entity?" + urlencode({"iri": data["iri"]})


class Links:
    """The pages of entities: ``/app/{kind}/{key}`` where ``key`` (the entity's code, or
    ``rev2:`` and the code for a NACE Rev. 2 sector whose code Rev. 2.1 shares) names that
    very entity, else ``/app/entity?iri=...``.

    A code several entities share (NACE Rev. 2 and Rev. 2.1 ``25``) names the one the
    resolver picks, so the page of the other is found by its IRI.
    """

    def __init__(self, service: QueryService) -> None:
        self.service = service
        self.index = service.index
        self._keys: dict[str, str | None] = {}

    def key(self, ref: EntityRef) -> str | None:
        """The shortest key that names ``ref`` (its code, or ``rev2:`` and its code), or
        None when none does."""
        if ref.iri in self._keys:
            return self._keys[ref.iri]
        found: str | None = None
        code = ref.code
        if code:
            if self.index.by_key.get(code.casefold(), []) == [ref.iri]:
                found = code
            else:
                for candidate in (code, f"rev2:{code}"):
                    try:
                        bound = self.service.bind("entity", {"entity": candidate})
                    except ParamError:
                        continue
                    if str(bound["entity"]) == ref.iri:
                        found = candidate
                        break
        self._keys[ref.iri] = found
        return found

    def url(self, ref: EntityRef) -> str:
        """The page of ``ref``."""
        kind, key = page_kind(ref.type), self.key(ref)
        if kind is not None and key is not None:
            return f"/app/{kind}/{quote(key, safe='')}"
        return ENTITY_PAGE + urlencode({"iri": ref.iri})

    def rest_key(self, ref: EntityRef) -> str:
        """``ref`` in a REST path: its key, else its IRI (quoted)."""
        return quote(self.key(ref) or ref.iri, safe="")

    def __call__(self, ref: EntityRef | Mapping[str, Any]) -> str:
        return self.url(ref if isinstance(ref, EntityRef) else EntityRef(**ref))


def query_url(path: str, params: Mapping[str, object | None]) -> str:
    """``path`` with the parameters that have a value (a stable, shareable URL)."""
    given = [(k, str(v)) for k, v in params.items() if v not in (None, "", [])]
    return path + ("?" + urlencode(given) if given else "")


def euros(amount: float | None) -> str:
    """An amount in euros as people read it: thousands separated, cents only when there
    are any.

    >>> euros(1999000.5), euros(250000.0), euros(None)
    ('€1,999,000.50', '€250,000', '')
    """
    if amount is None:
        return ""
    if float(amount).is_integer():
        return f"€{amount:,.0f}"
    return f"€{amount:,.2f}"


def period(start: str | None, end: str | None) -> str:
    """A period in words: ``2023-03 to 2027-02``, ``from 2023``, ``until 2027``, or empty.

    >>> period("2023-03", "2027-02"), period("2023", None), period(None, None)
    ('2023-03 to 2027-02', 'from 2023', '')
    """
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    return f"until {end}" if end else ""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(("html",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(entity_url=entity_url, query_url=query_url, kind_names=KIND_NAMES,
                       version=__version__)
    env.filters["kind_name"] = lambda kind: KIND_NAMES.get(kind or "", kind or "Entity")
    env.filters["euros"] = euros
    env.globals.update(period=period)
    return env


ENVIRONMENT = _environment()


def render_page(request: Request, template: str, status_code: int = 200,
                **context: Any) -> HTMLResponse:
    """The page ``template`` rendered with ``context``, sent with the security headers.

    Links to entities (``entity_url`` in templates) name each entity exactly
    (:class:`Links`) when the app has a query service."""
    service = getattr(request.app.state, "query_service", None)
    if isinstance(service, QueryService) and service.index_ready():
        context.setdefault("entity_url", Links(service))
    html = ENVIRONMENT.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def is_page(request: Request) -> bool:
    """Whether ``request`` asks for a page of the web app (errors are then pages too)."""
    path = request.url.path
    return path == "/" or path.startswith("/app/") or path == "/app"


def render_error(request: Request, status_code: int, title: str, message: str, *,
                 parameter: str | None = None, suggestions: list[str] | None = None,
                 headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """An error page: what went wrong in words, with the suggested values as links."""
    response = render_page(request, "error.html", status_code=status_code, title=title,
                           message=message, parameter=parameter,
                           suggestions=suggestions or [])
    response.headers.update(headers or {})
    return response

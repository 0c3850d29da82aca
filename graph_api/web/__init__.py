"""The analyst's web app: server-rendered pages over the query service the REST API uses.

One router per kind of page (search, entities, coverage and gaps, maps and graphs), each
route thin: it asks :class:`~smekg.queries.service.QueryService` and renders a Jinja2
template (:mod:`.templating`). The pages work without JavaScript for search results,
entity pages and coverage lists; small scripts under ``static/app/`` add search as you
type, the map (Leaflet) and the graph of networks (Cytoscape.js), both vendored from npm
under ``static/vendor/`` (``scripts/vendor_web.py``). Every page is sent with a strict
Content-Security-Policy: no inline script or style, nothing fetched from elsewhere.
"""

from smekg.graph_api.web.routes import routers, static_app

__all__ = ["routers", "static_app"]

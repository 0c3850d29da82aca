"""The web app's routers and its static files, as :mod:`smekg.graph_api.main` mounts them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from smekg.graph_api.web import entities, home, questions, visuals
from smekg.graph_api.web.templating import STATIC_DIR

routers: tuple[APIRouter, ...] = (home.router, entities.router, questions.router,
                                  visuals.router)
"""The page routers, in the order they are included."""

static_app = StaticFiles(directory=STATIC_DIR)
"""``/static``: the app's own scripts and styles and the vendored libraries."""

"""Pages: visuals (filled in below)."""

from __future__ import annotations

from fastapi import APIRouter

from smekg.graph_api.deps import BoundedParams

router = APIRouter(include_in_schema=False, dependencies=[BoundedParams])

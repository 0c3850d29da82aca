"""Paging of list answers."""

from __future__ import annotations

from typing import Any

from smekg.queries.models import Page


def page(items: list[dict[str, Any]], offset: int, limit: int) -> Page:
    """The ``limit`` items after ``offset``, with the total count."""
    return Page(count=len(items), offset=offset, limit=limit, results=items[offset:offset + limit])

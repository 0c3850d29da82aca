"""Paging of list answers."""

from __future__ import annotations

from smekg.queries.models import Page


def page(items: list, offset: int, limit: int) -> Page:
    """The ``limit`` items after ``offset``, with the total count."""
    return Page(count=len(items), offset=offset, limit=limit, results=items[offset:offset + limit])

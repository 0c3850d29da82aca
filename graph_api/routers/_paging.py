"""Paging of list answers: one contract for every list (docs/querying.md, "Paging")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from smekg.queries.models import Page
from smekg.queries.render import row_model

PageT = TypeVar("PageT", bound=Page[Any])


def page(items: Sequence[BaseModel | dict[str, Any]], offset: int, limit: int,
         kind: type[PageT]) -> PageT:
    """The ``limit`` items after ``offset`` of ``items`` (already in the list's stable
    order), as a ``kind`` page with the total count; only the page's rows are validated."""
    row = row_model(kind)
    if row is None:
        raise TypeError(f"{kind.__name__} is not a page")
    return kind(count=len(items), offset=offset, limit=limit,
                results=[row.model_validate(item) for item in items[offset:offset + limit]])

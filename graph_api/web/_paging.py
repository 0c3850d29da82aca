"""Paging of the pages' lists, the same on every page (``?page=`` from 1)."""

from __future__ import annotations


def page_count(count: int, size: int) -> int:
    """How many pages of ``size`` items ``count`` items fill (none for none)."""
    return -(-count // size)


def last_page(count: int, size: int) -> int:
    """The last page of ``count`` items, ``size`` a page: 1 when there are none."""
    return max(1, page_count(count, size))


def page_offset(page: int, size: int) -> int:
    """The offset of the first item of page ``page`` (from 1), ``size`` items a page."""
    return (page - 1) * size

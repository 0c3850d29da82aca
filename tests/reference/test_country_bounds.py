"""The country resolver takes time linear in what it is given: callers (the REST API's
parameters, loaded tables) pass any text."""

from __future__ import annotations

import time

import pytest

from smekg.reference.countries import MAX_NAME_CHARS, CountryResolver


@pytest.mark.parametrize("text", ["Q" * 20_000, "republic of " * 2_000, "italy " * 4_000])
def test_a_very_long_text_is_unresolved_at_once(text):
    resolver = CountryResolver()
    started = time.perf_counter()
    match = resolver.resolve(text)
    seconds = time.perf_counter() - started
    assert match.alpha2 is None and match.method is None and match.candidates == ()
    assert seconds < 2.0  # generous: 20,000 characters took 27.7 s before


def test_names_up_to_the_bound_still_resolve():
    resolver = CountryResolver()
    padded = "  Luxemborg " + " " * (MAX_NAME_CHARS - 20)
    assert resolver.resolve(padded).alpha2 == "LU"
    assert resolver.resolve("Luxemborg" + "x" * MAX_NAME_CHARS).alpha2 is None


def test_the_cache_is_bounded():
    resolver = CountryResolver()
    for number in range(12_000):
        resolver.resolve(f"nowhere {number}")
    assert len(resolver._cache) <= 10_000
    assert resolver.resolve("Italy").alpha2 == "IT"

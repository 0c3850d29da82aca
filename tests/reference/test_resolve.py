"""The one resolver of regions and sectors that loaders, REST and the CLI share: the forms
people write, and suggestions that put the plausible ones first."""

from __future__ import annotations

import time

import pytest

from smekg.core.iri import Minter, nace_sector, nuts_region
from smekg.reference.resolve import (
    MAX_SUGGEST_CHARS,
    ResolveError,
    Resolver,
    Suggestion,
)

MINTER = Minter("https://w3id.org/smekg/id/")
IT = MINTER.country("IT")


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(MINTER)


# -- regions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "iri"),
    [
        ("IT", IT), ("it", IT), ("ITA", IT), ("380", IT), ("country:Italy", IT),
        ("italy", IT), ("Italy", IT), ("ITALY", IT), (" italy ", IT), ("Italia", IT),
        ("the Netherlands", MINTER.country("NL")), ("The Netherlands", MINTER.country("NL")),
        ("Spain", MINTER.country("ES")), ("España", MINTER.country("ES")),
        ("Deutschland", MINTER.country("DE")), ("Ελλάδα", MINTER.country("GR")),
        ("EL", MINTER.country("GR")), ("UK", MINTER.country("GB")),
        ("ITH55", nuts_region("ITH55")), ("ith55", nuts_region("ITH55")),
        ("nuts:ith5", nuts_region("ITH5")), ("ITC", nuts_region("ITC")),
        ("GB-KEN", MINTER.subdivision("GB-KEN")), ("iso:gb-ken", MINTER.subdivision("GB-KEN")),
        ("Europe", MINTER.area("150")), ("world", MINTER.area("001")),
    ],
)  # fmt: skip
def test_regions_in_the_forms_people_write(resolver, value, iri):
    assert resolver.region(value).iri == iri


def test_country_names_that_look_like_nuts_codes_are_names(resolver):
    # five letters have the shape of a NUTS code; they used to be refused as one
    for name, code in (("italy", "IT"), ("Spain", "ES"), ("Malta", "MT"), ("Chile", "CL")):
        assert resolver.region(name).iri == MINTER.country(code)


def test_a_misspelt_country_suggests_it_first(resolver):
    with pytest.raises(ResolveError) as caught:
        resolver.region("itali")
    error = caught.value
    assert error.suggestions[0] == Suggestion("IT", "Italy")
    assert "unknown region 'itali'" in error.reason
    assert "did you mean IT (Italy)" in str(error)


@pytest.mark.parametrize(
    ("value", "first"),
    [("ITH5X", ["ITH5", "ITH", "IT"]), ("ITH55X", ["ITH55", "ITH5", "ITH"]),
     ("ith55x", ["ITH55", "ITH5", "ITH"]), ("ITZ99", ["IT"])],
)
def test_unknown_nuts_codes_suggest_the_regions_holding_them(resolver, value, first):
    with pytest.raises(ResolveError, match="unknown NUTS code") as caught:
        resolver.region(value)
    assert [s.value for s in caught.value.suggestions][: len(first)] == first


def test_region_names_suggest_the_subdivision_of_that_name(resolver):
    # no NUTS names are bundled: a region name is not resolved, but the ISO 3166-2
    # subdivision of that name is suggested
    with pytest.raises(ResolveError, match="no NUTS names are bundled") as caught:
        resolver.region("Emilia-Romagna")
    assert caught.value.suggestions[0] == Suggestion("IT-45", "Emilia-Romagna")


def test_extra_regio_codes_are_not_places(resolver):
    with pytest.raises(ResolveError, match="extra-regio"):
        resolver.region("ITZZZ")


def test_unknown_subdivisions_suggest_subdivisions_of_the_country(resolver):
    with pytest.raises(ResolveError, match="ISO 3166-2") as caught:
        resolver.region("GB-KEX")
    assert caught.value.suggestions[0].value == "GB-KEN"


# -- sectors -------------------------------------------------------------------------------

DIVISION_62 = nace_sector("2.1", "62")


@pytest.mark.parametrize(
    ("value", "code"),
    [("C", "C"), ("c", "C"), ("C25", "25"), ("25", "25"), ("25.1", "25.1"), ("251", "25.1"),
     ("25.11", "25.11"), ("2511", "25.11"), ("C 25.11", "25.11"), ("K62.10", "62.10"),
     ("rev2.1:62.10", "62.10"), ("63.91", "63.91")],
)
def test_nace_rev21_codes_at_any_level(resolver, value, code):
    resolved = resolver.sector(value)
    assert (resolved.iri, resolved.note) == (nace_sector("2.1", code), None)


@pytest.mark.parametrize("value", ["62.01", "6201", "62.0", "J62.01", "J 62.01", "j62.01"])
def test_nace_rev2_codes_resolve_to_their_rev21_division(resolver, value):
    resolved = resolver.sector(value)
    assert resolved.iri == DIVISION_62
    assert resolved.note is not None
    assert "NACE Rev. 2 62.0" in resolved.note and "division 62" in resolved.note
    assert "no Rev. 2 to Rev. 2.1 correspondence table" in resolved.note


def test_a_rev2_section_letter_reads_the_code_as_rev2(resolver):
    # 63.91 is "web search portal activities" in Rev. 2.1 but news agencies in Rev. 2,
    # whose section J held division 63: J63.91 is read as Rev. 2, in its division
    assert resolver.sector("J63.91").iri == nace_sector("2.1", "63")
    assert "section letter J" in (resolver.sector("J63.91").note or "")


def test_rev2_prefix_names_the_rev2_concept_with_its_rev21_stand_in(resolver):
    resolved = resolver.sector("rev2:62.01")
    assert resolved.iri == nace_sector("2", "62.01")
    assert resolved.alternatives == (DIVISION_62,)
    assert resolver.sector("rev2:J 62.01").iri == nace_sector("2", "62.01")


def test_titles_resolve_to_the_narrowest_concept_of_that_title(resolver):
    assert resolver.sector("Manufacturing").iri == nace_sector("2.1", "C")
    # 62.1 and its only class 62.10 share the title: the class
    assert resolver.sector("computer programming activities").iri == nace_sector("2.1", "62.10")
    assert resolver.sector("Education").iri == nace_sector("2.1", "85")


def test_partial_titles_suggest_codes(resolver):
    with pytest.raises(ResolveError) as caught:
        resolver.sector("computer programing")
    values = [s.value for s in caught.value.suggestions]
    assert values[:3] == ["62.1", "62.10", "62"]
    assert caught.value.suggestions[0].label == "Computer programming activities"


def test_unknown_codes_suggest_codes_with_the_same_digits_in_the_same_order(resolver):
    with pytest.raises(ResolveError) as caught:
        resolver.sector("62.019")
    values = [s.value for s in caught.value.suggestions]
    assert values[:3] == ["62", "62.1", "62.10"]
    assert "01.62" not in values
    assert all(s.label for s in caught.value.suggestions)


def test_a_division_nace_rev21_dropped_is_an_error_suggesting_neighbours(resolver):
    with pytest.raises(ResolveError, match="has no division 45") as caught:
        resolver.sector("45.11")
    assert caught.value.suggestions[0].value == "46"
    with pytest.raises(ResolveError, match=r"not a NACE Rev\. 2\.1 code"):
        resolver.sector("rev2.1:62.01")


def test_malformed_codes_stay_errors(resolver):
    for value in ("C99", "25.110", "1.1", "xx", "A25"):
        with pytest.raises(ResolveError, match="bad NACE code"):
            resolver.sector(value)


# -- bounded -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "text"),
    [("region", "Q" * 20_000), ("region", "italy " * 4_000), ("sector", "6" * 20_000),
     ("sector", "computer " * 3_000), ("region", "IT-" + "X" * 20_000)],
)
def test_long_values_fail_at_once_without_suggestions(resolver, method, text):
    started = time.perf_counter()
    with pytest.raises(ResolveError) as caught:
        getattr(resolver, method)(text)
    assert time.perf_counter() - started < 1.0
    assert caught.value.suggestions == ()


def test_suggestions_take_little_time(resolver):
    started = time.perf_counter()
    for value in ("itali", "ITH5X", "Emilia-Romagna", "x" * MAX_SUGGEST_CHARS):
        resolver.suggest_region(value)
    for value in ("62.019", "45.11", "computer programing", "z" * MAX_SUGGEST_CHARS):
        resolver.suggest_sector(value)
    assert time.perf_counter() - started < 1.0

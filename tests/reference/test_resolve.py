"""The one resolver of regions and sectors that loaders, REST and the CLI share: the forms
people write, and suggestions that put the plausible ones first."""

from __future__ import annotations

import time
import unicodedata

import pytest

from smekg.core.iri import Minter, nace_sector, nuts_region
from smekg.reference.resolve import (
    MAX_SUGGEST_CHARS,
    ResolveError,
    Resolver,
    Suggestion,
)
from smekg.reference.sectors import linked_nace2_codes, nace2_codes, nace21_codes

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


def test_a_name_only_a_subdivision_has_is_suggested_not_read(resolver):
    # ISO 3166-2 subdivision names are not read (pycountry's repeat across countries);
    # the subdivision of exactly that name is the first suggestion
    with pytest.raises(ResolveError, match="the name of a NUTS region") as caught:
        resolver.region("California")
    assert caught.value.suggestions[0] == Suggestion("US-CA", "California")


# -- NUTS region names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Bologna", "ITH55"), ("bologna", "ITH55"), ("BOLOGNA", "ITH55"),
        ("Västerbottens län", "SE331"), ("vasterbottens lan", "SE331"),
        ("Vasterbottens  Lan", "SE331"), ("Emilia-Romagna", "ITH5"), ("Emilia Romagna", "ITH5"),
        ("Gipuzkoa", "ES212"), ("Bayern", "DE2"), ("Île-de-France", "FR1"),
        ("ile de france", "FR1"), ("nuts:Bologna", "ITH55"),
        # the Latin transliteration of a Greek or Cyrillic name, and the name itself
        ("Attiki", "EL3"), ("Αττική", "EL3"), ("Yugozapaden", "BG41"), ("Югозападен", "BG41"),
        # each language of a bilingual name
        ("Brussels Hoofdstedelijk Gewest", "BE1"), ("Région de Bruxelles-Capitale", "BE1"),
        ("Fribourg", "CH022"), ("Freiburg", None), ("Bozen", "ITH1"),
        # without Prov./Arr., the (BE) suffix, the kind of district
        ("Prov. Antwerpen", "BE21"), ("Antwerpen", "BE21"), ("Arr. Leuven", "BE242"),
        ("Leuven", "BE242"), ("Limburg (BE)", "BE22"), ("Halle (Saale)", "DEE02"),
        ("Halle", "DEE02"), ("Frankfurt am Main", "DE712"),
        # the United Kingdom's NUTS 2018 regions, by name and by code
        ("Kent", "UKJ4"), ("UKJ4", "UKJ4"), ("ukj4", "UKJ4"), ("Wales", "UKL"),
        # a name a country's name pattern or a close spelling would have taken
        ("Perugia", "ITI21"), ("Granada", "ES614"),
    ],
)  # fmt: skip
def test_nuts_region_names_in_their_languages(resolver, value, code):
    if code is None:  # CH022 "Fribourg / Freiburg" and DE13 "Freiburg"
        with pytest.raises(ResolveError, match="give the country"):
            resolver.region(value)
        return
    resolved = resolver.region(value)
    assert resolved.iri == nuts_region(code)
    if not value.upper().startswith(code):
        assert resolved.note is not None and f"region {code} (" in resolved.note


def test_a_name_notes_how_it_was_read_and_the_subdivision_of_that_name(resolver):
    note = resolver.region("Bologna").note or ""
    assert note.startswith("'Bologna' read as the NUTS 3 region ITH55 (Bologna, IT) by its name")
    assert "ISO 3166-2 subdivision IT-BO (Bologna)" in note
    assert resolver.region("IT-BO").iri == MINTER.subdivision("IT-BO")  # still by its code


def test_a_name_nested_levels_share_is_the_broadest(resolver):
    # Île-de-France is FR1 and FR10, the same area: the broadest, naming the other
    resolved = resolver.region("Île-de-France")
    assert resolved.iri == nuts_region("FR1")
    assert "FR10 (NUTS 2) within it has that name too" in (resolved.note or "")
    # Leipzig is the NUTS-2 region and the district DED52 inside it
    assert resolver.region("Leipzig").iri == nuts_region("DED5")
    assert resolver.region("Berlin").iri == nuts_region("DE3")


@pytest.mark.parametrize(
    ("value", "country"),
    [("Ísland", "IS"), ("Shqipëria", "AL"), ("Luxembourg", "LU"), ("Malta", "MT"),
     ("Norge", "NO"), ("Eesti", "EE")],
)
def test_the_name_of_a_whole_country_is_the_country(resolver, value, country):
    assert resolver.region(value).iri == MINTER.country(country)


def test_ambiguous_names_need_the_country(resolver):
    with pytest.raises(ResolveError) as caught:
        resolver.region("Limburg")
    error = caught.value
    assert "BE22 (Prov. Limburg (BE), BE)" in error.reason
    assert "NL42 (Limburg (NL), NL)" in error.reason
    assert "give the country" in error.reason
    assert [s.value for s in error.suggestions] == ["BE22", "NL42"]
    for country, code in (("NL", "NL42"), ("BE", "BE22"), ("nl", "NL42")):
        resolved = resolver.region("Limburg", country=country)
        assert resolved.iri == nuts_region(code)
        assert "the country given" in (resolved.note or "")
    # a hint never excludes: a name found only elsewhere resolves there
    assert resolver.region("Bologna", country="FR").iri == nuts_region("ITH55")
    assert resolver.region("Centro", country="IT").iri == nuts_region("ITI")
    assert resolver.region("Nord-Est", country="RO").iri == nuts_region("RO21")
    # the country given wins over another country of that name
    assert resolver.region("Luxembourg", country="BE").iri == nuts_region("BE34")
    # the NUTS country code works as well as the ISO one
    assert resolver.region("Attiki", country="EL").iri == nuts_region("EL3")


def test_names_shared_within_a_country_list_the_regions(resolver):
    with pytest.raises(ResolveError, match="write the code") as caught:
        resolver.region("München", country="DE")
    assert [s.value for s in caught.value.suggestions] == ["DE212", "DE21H"]
    assert "München, Landkreis" in caught.value.reason


def test_country_codes_and_names_still_win(resolver):
    # an exact country name or code beats a NUTS region of that name
    assert resolver.region("Luxembourg").iri == MINTER.country("LU")
    assert resolver.region("Guadeloupe").iri == MINTER.country("GP")
    assert resolver.region("Ireland").iri == MINTER.country("IE")


@pytest.mark.parametrize(
    ("value", "first"),
    [("vasterbotten", "SE331"), ("Bolgna", "ITH55"), ("Bruxelles", "BE100"),
     ("Emilia-Romanga", "ITH5"), ("Gipuskoa", "ES212")],
)
def test_unknown_names_suggest_close_region_names(resolver, value, first):
    with pytest.raises(ResolveError) as caught:
        resolver.region(value)
    suggestions = caught.value.suggestions
    assert suggestions[0].value == first
    assert suggestions[0].label and len(suggestions) <= 5
    assert str(suggestions[0]) == f"{first} ({suggestions[0].label})"


# -- NUTS 2021 codes -------------------------------------------------------------------------


def test_a_nuts_2021_code_that_changed_is_read_as_its_2024_region(resolver):
    resolved = resolver.region("NL332")
    assert resolved.iri == nuts_region("NL361")
    assert resolved.note == (
        "NL332 is a NUTS 2021 code (Agglomeratie ’s-Gravenhage); in NUTS 2024 it is NL361 "
        "(Agglomeratie ’s-Gravenhage) (code change)"
    )
    assert resolver.region("pt16b").iri == nuts_region("PT1D1")


def test_a_boundary_shift_or_a_merger_is_read_as_the_region_it_became(resolver):
    resolved = resolver.region("DEG04")
    assert resolved.iri == nuts_region("DEG0S")
    assert resolved.note == (
        "DEG04 is a NUTS 2021 code (Suhl, Kreisfreie Stadt); in NUTS 2024 it is DEG0S (Suhl, "
        "Kreisfreie Stadt), whose boundary changed (municipalities moved between it and its "
        "neighbours) (boundary shift)"
    )
    # Utrecht's NUTS 3 region moved as a whole: NUTS 2 NL31 is NL35
    assert resolver.region("NL31").iri == nuts_region("NL35")
    # Eisenach was merged into the Wartburgkreis
    merged = resolver.region("DEG0N")
    assert merged.iri == nuts_region("DEG0R")
    assert "in NUTS 2024 it is part of DEG0R (Wartburgkreis) (merged)" in (merged.note or "")


@pytest.mark.parametrize(
    ("code", "regions"),
    [("PT17", ["PT1A", "PT1B"]), ("PT170", ["PT1A0", "PT1B0"]), ("NO082", ["NO083", "NO084",
     "NO085"]),
     # a NUTS 2 boundary shift whose NUTS 3 regions went to two NUTS 2024 regions
     ("PT16", ["PT19", "PT1D"]), ("PT18", ["PT1C", "PT1D"])],
)
def test_a_split_nuts_2021_region_is_an_error_listing_the_2024_regions(resolver, code, regions):
    with pytest.raises(ResolveError, match=f"{code} is a NUTS 2021 code") as caught:
        resolver.region(code)
    assert [s.value for s in caught.value.suggestions] == regions
    assert "several regions" in caught.value.reason
    assert all(f"{s.value} ({s.label})" in caught.value.reason for s in caught.value.suggestions)


def test_every_nuts_2021_code_gone_from_2024_is_known():
    # every code of regions.csv valid in NUTS 2021 only is read (successor) or explained
    import csv
    from importlib import resources

    from smekg.reference.resolve import _nuts2021

    with resources.files("smekg.data.reference.nuts").joinpath("regions.csv").open(
        encoding="utf-8"
    ) as handle:
        gone = {row["code"] for row in csv.DictReader(handle)
                if row["versions"] == "2021" and row["level"] != "0"}
    assert gone and gone == set(_nuts2021())


def test_extra_regio_codes_are_not_places(resolver):
    with pytest.raises(ResolveError, match="extra-regio"):
        resolver.region("ITZZZ")


def test_unknown_subdivisions_suggest_subdivisions_of_the_country(resolver):
    with pytest.raises(ResolveError, match="ISO 3166-2") as caught:
        resolver.region("GB-KEX")
    assert caught.value.suggestions[0].value == "GB-KEN"


# -- sectors -------------------------------------------------------------------------------


def _rev2_title(code: str, language: str) -> str:
    return dict(next(item for item in nace2_codes() if item.code == code).titles)[language]


@pytest.mark.parametrize(
    ("value", "code"),
    [("C", "C"), ("c", "C"), ("C25", "25"), ("25", "25"), ("25.1", "25.1"), ("251", "25.1"),
     ("25.11", "25.11"), ("2511", "25.11"), ("C 25.11", "25.11"), ("K62.10", "62.10"),
     ("rev2.1:62.10", "62.10"), ("63.91", "63.91")],
)
def test_nace_rev21_codes_at_any_level(resolver, value, code):
    resolved = resolver.sector(value)
    assert (resolved.iri, resolved.note) == (nace_sector("2.1", code), None)


@pytest.mark.parametrize("value", ["62.01", "6201", "J62.01", "J 62.01", "j62.01", "rev2:62.01"])
def test_a_nace_rev2_code_is_the_rev2_concept(resolver, value):
    resolved = resolver.sector(value)
    assert resolved.iri == nace_sector("2", "62.01")
    assert resolved.alternatives == ()  # Rev. 2.1 has no 62.01: nothing to stand in for it
    if value.startswith("rev2:"):
        assert resolved.note is None  # asked for by name
    else:
        assert resolved.note is not None
        assert "read as NACE Rev. 2 62.01 (Computer programming activities)" in resolved.note
        assert "no NACE Rev. 2.1 code has its code and title" in resolved.note


def test_every_rev2_code_rev21_lacks_is_read_as_rev2():
    resolver = Resolver(MINTER)
    rev21 = {item.code for item in nace21_codes()}
    only_rev2 = [item.code for item in nace2_codes() if item.code not in rev21]
    assert "45.11" in only_rev2 and "62.0" in only_rev2  # division 45 was dissolved
    for code in only_rev2:
        resolved = resolver.sector(code)
        assert resolved.iri == nace_sector("2", code) and resolved.note, code


def test_a_rev2_section_letter_reads_the_code_as_rev2(resolver):
    # 63.91 is "web search portal activities" in Rev. 2.1 but news agencies in Rev. 2,
    # whose section J held division 63: J63.91 is the Rev. 2 concept, and not linked
    resolved = resolver.sector("J63.91")
    assert resolved.iri == nace_sector("2", "63.91")
    assert resolved.note is not None and "section letter J" in resolved.note
    assert "(News agency activities)" in resolved.note and resolved.alternatives == ()
    assert resolver.sector("63.91").iri == nace_sector("2.1", "63.91")


def test_a_linked_rev2_code_names_the_rev21_code_of_the_same_code_and_title(resolver):
    # Rev. 2 section M held division 69: M69.10 is Rev. 2's 69.10, Legal activities, the
    # same code and title as Rev. 2.1 69.10
    assert "69.10" in linked_nace2_codes()
    resolved = resolver.sector("M69.10")
    assert resolved.iri == nace_sector("2", "69.10")
    assert resolved.alternatives == (nace_sector("2.1", "69.10"),)
    assert resolved.note is not None
    assert "the same code and title as NACE Rev. 2.1 69.10" in resolved.note
    assert resolver.sector("rev2:25.11").alternatives == (nace_sector("2.1", "25.11"),)
    assert resolver.sector("rev2:63.91").alternatives == ()


def test_titles_resolve_to_the_narrowest_concept_of_that_title(resolver):
    assert resolver.sector("Manufacturing").iri == nace_sector("2.1", "C")
    # 62.1 and its only class 62.10 share the title: the class
    assert resolver.sector("computer programming activities").iri == nace_sector("2.1", "62.10")
    assert resolver.sector("COMPUTER PROGRAMMING ACTIVITIES").iri == nace_sector("2.1", "62.10")
    assert resolver.sector("Education").iri == nace_sector("2.1", "85")
    note = resolver.sector("Manufacturing").note or ""
    assert "read by its title as NACE Rev. 2.1 C (Manufacturing)" in note
    assert "NACE Rev. 2 C has the same code and title" in note
    # the Rev. 2 title (news agencies moved from 63.91 to 60.31)
    note = resolver.sector("news agency activities").note or ""
    assert resolver.sector("news agency activities").iri == nace_sector("2.1", "60.31")
    assert "in NACE Rev. 2 it is 63.91 (News agency activities), written rev2:63.91" in note


@pytest.mark.parametrize("value", ["computer programming", "Computer Programming",
                                   "  COMPUTER   programming ", "computer-programming"])
def test_the_first_words_of_a_title_resolve_on_one_chain(resolver, value):
    # the titles of 62, 62.1 and 62.10 begin with "computer programming" (one chain): the
    # narrowest, 62.10; in NACE Rev. 2, 62.01
    resolved = resolver.sector(value)
    assert resolved.iri == nace_sector("2.1", "62.10")
    assert resolved.note is not None
    assert "the narrowest code whose title begins with those words" in resolved.note
    assert "in NACE Rev. 2 it is 62.01 (Computer programming activities)" in resolved.note
    assert resolver.sector(f"rev2:{value}").iri == nace_sector("2", "62.01")


@pytest.mark.parametrize("language", ["de", "fr", "it", "el", "bg", "pl", "sv", "ro"])
def test_rev2_titles_in_other_languages_resolve_accent_insensitively(resolver, language):
    title = _rev2_title("62.01", language)
    for written in (title, title.upper(), unicodedata.normalize("NFKD", title)):
        resolved = resolver.sector(written)
        assert resolved.iri == nace_sector("2", "62.01"), written
        assert resolved.note is not None and f"its title in {language}" in resolved.note
    plain = "".join(c for c in unicodedata.normalize("NFKD", title)
                    if not unicodedata.combining(c))
    assert resolver.sector(plain).iri == nace_sector("2", "62.01")


def test_words_several_titles_begin_with_are_an_error_listing_them(resolver):
    with pytest.raises(ResolveError, match="begin with those words") as caught:
        resolver.sector("computer")
    values = [s.value for s in caught.value.suggestions]
    assert {"62", "62.1", "62.10", "62.2"} <= set(values)
    assert all(s.label for s in caught.value.suggestions)


def test_partial_titles_suggest_codes(resolver):
    with pytest.raises(ResolveError) as caught:
        resolver.sector("computer programing")
    values = [s.value for s in caught.value.suggestions]
    assert values[:4] == ["62.1", "62.10", "62.01", "62"]  # Rev. 2.1 first at a tie
    assert caught.value.suggestions[0].label == "Computer programming activities"
    assert caught.value.suggestions[2].label == "Computer programming activities"


def test_unknown_codes_suggest_codes_with_the_same_digits_in_the_same_order(resolver):
    with pytest.raises(ResolveError) as caught:
        resolver.sector("62.019")  # a national fifth level of NACE Rev. 2 62.01
    values = [s.value for s in caught.value.suggestions]
    assert values[:3] == ["62.01", "62.0", "62"]
    assert "01.62" not in values
    assert all(s.label for s in caught.value.suggestions)


def test_codes_of_neither_revision_are_errors(resolver):
    with pytest.raises(ResolveError, match=r"neither a NACE Rev\. 2\.1 nor") as caught:
        resolver.sector("62.05")
    assert caught.value.suggestions[0].value == "62.0"
    with pytest.raises(ResolveError, match=r"not a NACE Rev\. 2\.1 code"):
        resolver.sector("rev2.1:62.01")
    with pytest.raises(ResolveError, match=r"not a NACE Rev\. 2 code"):
        resolver.sector("rev2:V")  # V is a section of Rev. 2.1 only
    with pytest.raises(ResolveError, match=r"NACE Rev\. 2\.1 62\.10 is in section K"):
        resolver.sector("J62.10")


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
    for value in ("itali", "ITH5X", "Emilia-Romagna", "x" * MAX_SUGGEST_CHARS, "vasterbotten",
                  "Bruxelles", "a b c d e f g h i j k l m n o p q r s t u v w x y z"):
        resolver.suggest_region(value)
    for value in ("62.019", "45.11", "computer programing", "z" * MAX_SUGGEST_CHARS):
        resolver.suggest_sector(value)
    assert time.perf_counter() - started < 1.0

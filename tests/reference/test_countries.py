"""Tests of smekg.reference.countries: the country resolver and the country graph."""

from __future__ import annotations

import dataclasses

import pycountry
import pytest
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import Minter
from smekg.core.rdf import GraphBuilder
from smekg.ontology import RDF, SKOS, SMEKG
from smekg.reference.countries import (
    ALIASES,
    CONTINENTS,
    COUNTRIES_WITHOUT_CONTINENT,
    CountryMatch,
    CountryResolver,
    UnknownCountryError,
    build_countries,
    continent_m49,
    countries_without_continent,
    country_data,
    default_resolver,
)
from tests.helpers import index_of, objects

MINTER = Minter("https://w3id.org/smekg/id/")

SEED_SPELLINGS = {
    "Chiness Taipei": "TW",
    "Luxemborg": "LU",
    "Czech republic": "CZ",
    "Republic of Korea": "KR",
    "Russia": "RU",
    "Vietnam": "VN",
    "Syria": "SY",
}
SEED_COUNTRIES = {
    "Algeria": "DZ", "Argentina": "AR", "Australia": "AU", "Austria": "AT", "Brazil": "BR",
    "Canada": "CA", "Chile": "CL", "Egypt": "EG", "Finland": "FI", "France": "FR",
    "Germany": "DE", "Greece": "GR", "Hungary": "HU", "India": "IN", "Israel": "IL",
    "Italy": "IT", "Japan": "JP", "Mexico": "MX", "Morocco": "MA", "New Zealand": "NZ",
    "Pakistan": "PK", "Poland": "PL", "Portugal": "PT", "Romania": "RO",
    "South Africa": "ZA", "Spain": "ES", "Sweden": "SE", "Switzerland": "CH",
    "Tunisia": "TN", "Turkey": "TR", "Denmark": "DK", "Mauritius": "MU", "Paraguay": "PY",
    "United Kingdom": "GB", "Uruguay": "UY", "Croatia": "HR", "Belgium": "BE", "Cyprus": "CY",
}  # fmt: skip


@pytest.fixture(scope="module")
def resolver() -> CountryResolver:
    return CountryResolver()


@pytest.fixture(scope="module")
def graph() -> GraphBuilder:
    return build_countries(MINTER)


@pytest.fixture(scope="module")
def index(graph: GraphBuilder) -> dict[tuple[str, str], list]:
    """(subject IRI, predicate IRI) -> objects."""
    return index_of(graph)


# -- resolver ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "alpha2"), sorted(SEED_SPELLINGS.items()))
def test_seed_spellings_resolve(resolver: CountryResolver, name: str, alpha2: str) -> None:
    match = resolver.resolve(name)
    assert match.alpha2 == alpha2
    assert match.resolved
    assert match.method in {"name", "alias", "regex"}
    assert match.score == 100.0
    assert match.query == name


@pytest.mark.parametrize(("name", "alpha2"), sorted(SEED_COUNTRIES.items()))
def test_seed_countries_resolve_exactly(resolver: CountryResolver, name: str, alpha2: str) -> None:
    match = resolver.resolve(name)
    assert (match.alpha2, match.method) == (alpha2, "alias" if name == "Turkey" else "name")
    assert match.name == pycountry.countries.get(alpha_2=alpha2).name


def test_misspellings_go_through_the_regex_stage(resolver: CountryResolver) -> None:
    assert resolver.resolve("Chiness Taipei").method == "regex"
    assert resolver.resolve("Luxemborg").method == "regex"


@pytest.mark.parametrize(
    ("code", "alpha2"),
    [("IT", "IT"), ("it", "IT"), ("ITA", "IT"), ("380", "IT"), ("8", "AL"), ("008", "AL"),
     ("EL", "GR"), ("UK", "GB"), ("GRC", "GR"), (" de ", "DE")],
)  # fmt: skip
def test_codes(resolver: CountryResolver, code: str, alpha2: str) -> None:
    match = resolver.resolve(code)
    assert (match.alpha2, match.method, match.candidates) == (alpha2, "code", (alpha2,))


def test_case_accent_and_punctuation_insensitive(resolver: CountryResolver) -> None:
    for name in ("CÔTE D'IVOIRE", "cote d’ivoire", "Cote-d-Ivoire"):
        assert resolver.resolve(name).alpha2 == "CI", name
    assert resolver.resolve("The Netherlands").alpha2 == "NL"
    assert resolver.resolve("St. Lucia").alpha2 == "LC"
    assert resolver.resolve("Korea, Rep.").alpha2 == "KR"


def test_every_pycountry_name_resolves_to_its_country(resolver: CountryResolver) -> None:
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                match = resolver.resolve(value)
                assert (match.alpha2, match.method) == (country.alpha_2, "name"), value
        assert resolver.resolve(country.alpha_3).alpha2 == country.alpha_2
        assert resolver.resolve(country.numeric).alpha2 == country.alpha_2


def test_aliases(resolver: CountryResolver) -> None:
    expected = {
        "Chinese Taipei": "TW", "South Korea": "KR", "Korea": "KR", "Czech Republic": "CZ",
        "Turkey": "TR", "Iran": "IR", "UK": "GB", "Great Britain": "GB", "USA": "US",
        "United States": "US", "Holland": "NL", "Ivory Coast": "CI", "Macedonia": "MK",
        "Swaziland": "SZ", "Cape Verde": "CV", "Burma": "MM",
    }  # fmt: skip
    for name, alpha2 in expected.items():
        assert resolver.resolve(name).alpha2 == alpha2, name
    known = {country.alpha_2 for country in pycountry.countries}
    for alias, alpha2 in ALIASES.items():
        if alpha2 in known:
            assert resolver.resolve(alias).alpha2 == alpha2, alias


def test_bare_korea_is_the_republic_of_korea(resolver: CountryResolver) -> None:
    match = resolver.resolve("Korea")
    assert (match.alpha2, match.method) == ("KR", "alias")
    assert resolver.resolve("North Korea").alpha2 == "KP"
    assert resolver.resolve("DPRK").alpha2 == "KP"


def test_kosovo_is_not_guessed(resolver: CountryResolver) -> None:
    assert pycountry.countries.get(alpha_2="XK") is None
    match = resolver.resolve("Kosovo")
    assert match.alpha2 is None and match.method is None
    assert resolver.resolve("XK").alpha2 is None


@pytest.mark.parametrize("name", ["Atlantis", "", "   ", "Europe", "Narnia", "Republic"])
def test_unknown_names_are_unresolved(resolver: CountryResolver, name: str) -> None:
    match = resolver.resolve(name)
    assert not match.resolved
    assert (match.alpha2, match.name, match.method) == (None, None, None)


def test_empty_name_has_no_candidates(resolver: CountryResolver) -> None:
    assert resolver.resolve("") == CountryMatch("", None, None, None, 0.0, ())


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("Korea, Democratic", {"KP", "KR"}),
        ("Democratic Korea", {"KP", "KR"}),
        ("Congo, Democratic", {"CD", "CG"}),
        ("Virgin Islands", {"VG", "VI"}),
        ("Czechoslovakia", {"CZ", "SK"}),
        ("Serbia and Montenegro", {"RS", "ME"}),
        ("Austrlia", {"AU", "AT"}),
    ],
)
def test_ambiguous_names_are_not_guessed(
    resolver: CountryResolver, name: str, candidates: set[str]
) -> None:
    match = resolver.resolve(name)
    assert match.alpha2 is None and match.method is None
    assert candidates <= set(match.candidates)


def test_fuzzy_matches_need_score_and_margin(resolver: CountryResolver) -> None:
    mauritius = resolver.resolve("Mauritus")
    assert (mauritius.alpha2, mauritius.method) == ("MU", "fuzzy")
    assert 85 <= mauritius.score < 100
    assert mauritius.candidates[0] == "MU"
    assert resolver.resolve("Swedden").alpha2 == "SE"
    # "Austrlia" is as close to Austria as to Australia: no clear margin.
    austrlia = resolver.resolve("Austrlia")
    assert austrlia.alpha2 is None and austrlia.score >= 85
    assert austrlia.candidates[:2] == ("AU", "AT")


def test_resolve_all_reports(resolver: CountryResolver) -> None:
    names = ["Italy", "Mauritus", "Atlantis", "Italy", "Korea, Democratic", "EL"]
    report = resolver.resolve_all(names)
    assert list(report.resolved) == ["Italy", "Mauritus", "EL"]
    assert report.resolved["EL"].alpha2 == "GR"
    assert [match.query for match in report.fuzzy] == ["Mauritus"]
    assert [match.query for match in report.unresolved] == ["Atlantis", "Korea, Democratic"]


def test_resolve_or_raise(resolver: CountryResolver) -> None:
    where = "data/seed/memberships.csv, row 12, column 'member'"
    assert resolver.resolve_or_raise("Chinese Taipei", where=where).alpha2 == "TW"
    with pytest.raises(UnknownCountryError) as info:
        resolver.resolve_or_raise("Korea, Democratic", where=where)
    message = str(info.value)
    assert message.startswith(where)
    assert "'Korea, Democratic'" in message
    assert "Korea, Democratic People's Republic of (KP)" in message
    assert "Korea, Republic of (KR)" in message
    assert isinstance(info.value, ValueError)
    assert info.value.where == where and info.value.match.alpha2 is None


def test_resolve_or_raise_suggests_at_most_three(resolver: CountryResolver) -> None:
    with pytest.raises(UnknownCountryError) as info:
        resolver.resolve_or_raise("Islands", where="x.csv, row 2")
    assert len(info.value.match.candidates) > 3
    assert str(info.value).count("), ") == 2  # three suggestions, two separators
    with pytest.raises(UnknownCountryError, match=r"unknown country ''$"):
        resolver.resolve_or_raise("", where="x.csv, row 3")


def test_country_match_is_frozen(resolver: CountryResolver) -> None:
    match = resolver.resolve("Italy")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.alpha2 = "FR"  # type: ignore[misc]


def test_default_resolver_is_shared() -> None:
    assert default_resolver() is default_resolver()
    assert default_resolver().resolve("Holland").alpha2 == "NL"


# -- country graph ----------------------------------------------------------------------


def test_all_249_countries(graph: GraphBuilder, index: dict) -> None:
    countries = {
        t.subject.value
        for t in graph
        if t.predicate.value == str(RDF.type) and t.object.value == str(SMEKG.Country)
    }
    assert len(pycountry.countries) == 249
    assert countries == {MINTER.country(c.alpha_2) for c in pycountry.countries}
    for iri in countries:
        types = {node.value for node in objects(index, iri, RDF.type)}
        assert types == {str(SMEKG.Country), str(SMEKG.Region), str(SKOS.Concept)}
        assert len(objects(index, iri, SKOS.broader)) == 1
        assert objects(index, iri, SMEKG.level) == [GraphBuilder.integer(0)]
        assert objects(index, iri, SKOS.inScheme) == [NamedNode(str(SMEKG.Countries))]


def test_country_properties(index: dict) -> None:
    greece = MINTER.country("GR")
    assert objects(index, greece, SKOS.prefLabel) == [Literal("Greece", language="en")]
    assert objects(index, greece, SKOS.altLabel) == [Literal("Hellenic Republic", language="en")]
    assert objects(index, greece, SKOS.notation) == [Literal("GR")]
    assert objects(index, greece, SMEKG.isoAlpha2) == [Literal("GR")]
    assert objects(index, greece, SMEKG.isoAlpha3) == [Literal("GRC")]
    assert objects(index, greece, SMEKG.isoNumeric) == [Literal("300")]
    assert objects(index, greece, SMEKG.nutsCode) == [Literal("EL")]
    assert objects(index, greece, SMEKG.m49Code) == [Literal("300")]
    assert objects(index, greece, SMEKG.unSubregion) == [Literal("Southern Europe")]
    assert objects(index, MINTER.country("AL"), SMEKG.m49Code) == [Literal("008")]


def test_nuts_codes_of_countries(index: dict) -> None:
    assert objects(index, MINTER.country("GB"), SMEKG.nutsCode) == [Literal("UK")]
    assert objects(index, MINTER.country("IT"), SMEKG.nutsCode) == [Literal("IT")]
    assert objects(index, MINTER.country("CH"), SMEKG.nutsCode) == [Literal("CH")]
    assert objects(index, MINTER.country("TR"), SMEKG.nutsCode) == [Literal("TR")]
    assert objects(index, MINTER.country("US"), SMEKG.nutsCode) == []
    assert objects(index, MINTER.country("GR"), SMEKG.nutsCode) == [Literal("EL")]


def test_common_name_is_an_alt_label(index: dict) -> None:
    labels = objects(index, MINTER.country("KR"), SKOS.altLabel)
    assert Literal("South Korea", language="en") in labels
    # Taiwan's official name equals its name: only the common name is an alt label.
    assert objects(index, MINTER.country("TW"), SKOS.altLabel) == [Literal("Taiwan", language="en")]
    # The UN does not list Taiwan, so it has no M49 code.
    assert objects(index, MINTER.country("TW"), SMEKG.m49Code) == []


def test_continents_and_world(index: dict) -> None:
    world = MINTER.area("001")
    assert {node.value for node in objects(index, world, RDF.type)} == {
        str(SMEKG.World), str(SMEKG.Region), str(SKOS.Concept)
    }  # fmt: skip
    assert objects(index, world, SKOS.prefLabel) == [Literal("World", language="en")]
    assert objects(index, world, SKOS.notation) == [Literal("001")]
    expected = {"002": "Africa", "019": "Americas", "142": "Asia", "150": "Europe",
                "009": "Oceania", "010": "Antarctica"}  # fmt: skip
    for m49, label in expected.items():
        node = MINTER.area(m49)
        assert NamedNode(str(SMEKG.Continent)) in objects(index, node, RDF.type)
        assert objects(index, node, SKOS.prefLabel) == [Literal(label, language="en")]
        assert objects(index, node, SKOS.notation) == [Literal(m49)]
        assert objects(index, node, SMEKG.m49Code) == [Literal(m49)]
        assert objects(index, node, SKOS.inScheme) == [NamedNode(str(SMEKG.ContinentsScheme))]
        assert objects(index, node, SKOS.broader) == [NamedNode(world)]


@pytest.mark.parametrize(
    ("alpha2", "m49"),
    [("IT", "150"), ("GR", "150"), ("GB", "150"), ("US", "019"), ("BR", "019"), ("JP", "142"),
     ("TW", "142"), ("EG", "002"), ("MU", "002"), ("NZ", "009"), ("AQ", "010")],
)  # fmt: skip
def test_country_broader_continent(index: dict, alpha2: str, m49: str) -> None:
    assert objects(index, MINTER.country(alpha2), SKOS.broader) == [NamedNode(MINTER.area(m49))]


def test_countries_without_continent_constant() -> None:
    assert countries_without_continent() == COUNTRIES_WITHOUT_CONTINENT
    # GB and GR have regex-valued ISO2 cells in country_converter's TSV; they are read.
    assert country_data()["GB"].continent == "Europe"
    assert country_data()["GR"].un_code == "300"


def test_unmapped_continent_fails_loudly() -> None:
    assert {continent_m49(value) for value in CONTINENTS} == {
        "002", "019", "142", "150", "009", "010"
    }  # fmt: skip
    with pytest.raises(ValueError, match="'Atlantis' is not mapped"):
        continent_m49("Atlantis")
    used = {row.continent for row in country_data().values() if row.continent}
    assert used <= CONTINENTS.keys()

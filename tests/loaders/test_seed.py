"""The seed data: every fact cites its document verbatim, and the graph holds what the seeds say."""

from __future__ import annotations

import csv
import hashlib

import pytest
from pyoxigraph import NamedNode

from smekg.core.stats import store_stats
from tests.helpers import REPO_ROOT

SEED = REPO_ROOT / "data" / "seed"
NUTS = "http://data.europa.eu/nuts/code/"


def rows(kind: str) -> list[dict[str, str]]:
    with (SEED / f"{kind}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def documents() -> dict[str, str]:
    return {
        row["id"]: (SEED / row["file"]).read_text(encoding="utf-8") for row in rows("documents")
    }


@pytest.mark.parametrize(
    "kind", ["organisations", "events", "policies", "programmes", "memberships", "relations"]
)
def test_every_seed_row_quotes_its_document_verbatim(kind):
    texts = documents()
    for number, row in enumerate(rows(kind), start=2):
        assert row["source"] in texts, f"{kind} row {number} cites an unknown document"
        assert row["source_quote"], f"{kind} row {number} has no quote"
        for part in row["source_quote"].split(" … "):
            assert part in texts[row["source"]], f"{kind} row {number}: {part!r} not in source"


def test_document_checksums_match_the_files():
    for row in rows("documents"):
        assert hashlib.sha256((SEED / row["file"]).read_bytes()).hexdigest() == row["sha256"]


def select(store, query, **bindings):
    return store.select(query, {k: NamedNode(v) for k, v in bindings.items()})


def values(store, subject, prop) -> set[str]:
    return {
        row["v"].value for row in select(store, f"SELECT ?s ?v WHERE {{ ?s {prop} ?v }}", s=subject)
    }


def test_insme_facts(seeded_store, minter):
    insme = minter.organisation("insme")
    assert values(seeded_store, insme, "skos:prefLabel") == {
        "International Network for Small and Medium-sized Enterprises"
    }
    assert values(seeded_store, insme, "skos:altLabel") == {"INSME"}
    assert values(seeded_store, insme, "schema:foundingDate") == {"2004"}
    assert values(seeded_store, insme, "schema:foundingLocation") == {NUTS + "ITI43"}
    assert values(seeded_store, insme, "smekg:motto") == {"Local strength, global reach"}
    assert values(seeded_store, insme, "rov:orgType") == {
        "legally recognized not-for-profit association"
    }
    assert values(seeded_store, insme, "smekg:statedMemberCount") == {"99"}
    assert values(seeded_store, insme, "smekg:statedCountryCount") == {"44"}
    assert values(seeded_store, insme, "smekg:statedContinentCount") == {"4"}
    assert {v.rsplit("#", 1)[1] for v in values(seeded_store, insme, "smekg:providesService")} == {
        "service-training",
        "service-technical-assistance",
        "service-capacity-building",
    }
    assert values(seeded_store, insme, "smekg:underAuspicesOf") == {minter.organisation("oecd")}
    assert values(seeded_store, insme, "smekg:originatedAt") == {
        minter.event("oecd-sme-ministerial-2000")
    }
    assert values(seeded_store, insme, "smekg:followsFrom") == {minter.policy("bologna-charter")}
    assert "mission" and values(seeded_store, insme, "smekg:mission")
    assert values(seeded_store, insme, "rdf:type") >= {
        "https://w3id.org/smekg/ontology#Network",
        "http://www.w3.org/ns/org#Organization",
    }


def test_steering_group_members(seeded_store, minter):
    group = minter.organisation("insme-steering-group")
    memberships = select(
        seeded_store,
        "SELECT ?g ?member ?role ?kind WHERE { ?m org:organization ?g ; org:member ?member ; "
        "org:role ?role . ?member a ?kind FILTER(?kind IN (smekg:Country, smekg:Organisation)) }",
        g=group,
    )
    countries = {
        r["member"].value.rsplit("/", 1)[1]
        for r in memberships
        if r["kind"].value.endswith("#Country") and r["role"].value.endswith("role-member")
    }
    assert len(countries) == 41
    assert {"TW", "LU", "CZ", "KR", "RU", "VN", "SY", "GB", "IN", "IT"} <= countries
    organisations = {
        r["member"].value.rsplit("/", 1)[1]: r["role"].value.rsplit("-", 1)[1]
        for r in memberships
        if r["kind"].value.endswith("#Organisation")
    }
    assert organisations.pop("ipi") == "secretariat"
    assert len(organisations) == 8 + 9
    chairs = [r["member"].value for r in memberships if r["role"].value.endswith("role-chair")]
    assert chairs == [minter.country("IT")]
    assert values(seeded_store, group, "schema:foundingDate") == {"2000-07"}
    assert values(seeded_store, group, "smekg:statedInternationalOrganisationCount") == {"17"}


NETWORK_COUNTRIES = {
    "cegetec": "UY",
    "cyprus-institute-of-technology": "CY",
    "fisme": "IN",
    "galicia-e-commerce-leveraging-centre": "ES",
    "medef": "FR",
    "saretek": "ES",
    "sbc": "KR",
    "umis-smea": "HR",
    "walloon-business-house-for-europe": "BE",
}


def test_networks_and_intermediaries_with_their_countries(seeded_store, minter):
    for key, country in NETWORK_COUNTRIES.items():
        assert values(seeded_store, minter.organisation(key), "smekg:country") == {
            minter.country(country)
        }, key


def test_bologna_charter_and_conferences(seeded_store, minter):
    charter = minter.policy("bologna-charter")
    first = minter.event("oecd-sme-ministerial-2000")
    second = minter.event("oecd-ministerial-2004-istanbul")
    assert values(seeded_store, charter, "smekg:adoptedAt") == {first}
    assert values(seeded_store, charter, "dcterms:issued") == {"2000-06"}
    assert values(seeded_store, first, "schema:location") == {NUTS + "ITH55"}
    assert values(seeded_store, first, "schema:organizer") == {
        minter.organisation("oecd"),
        minter.organisation("italian-government"),
    }
    assert values(seeded_store, second, "schema:startDate") == {"2004-06"}
    assert values(seeded_store, second, "schema:location") == {NUTS + "TR100"}


GOOD_PRACTICE_REGIONS = {
    "emilia-romagna-go-global": NUTS + "ITH5",
    "sme-instrument-donostia-inn": NUTS + "ES212",
    "kent-international-business": "subdivision/GB-KEN",
    "wakefield-first-bondholder-scheme": "subdivision/GB-WKF",
}


def test_good_practices_and_their_regions(seeded_store, minter):
    brief = minter.publication("interreg-internationalisation-brief")
    featured = {
        r["gp"].value.rsplit("/", 1)[1]
        for r in select(seeded_store, "SELECT ?b ?gp WHERE { ?gp smekg:featuredIn ?b }", b=brief)
    }
    assert len(featured) == 14
    for key in featured:
        located = values(seeded_store, minter.good_practice(key), "schema:location")
        expected = GOOD_PRACTICE_REGIONS.get(key)
        if expected is None:
            assert located == set(), f"{key} must have no region: the seed states none"
        else:
            iri = expected if expected.startswith("http") else minter.base + expected
            assert located == {iri}
            assert values(seeded_store, minter.good_practice(key), "schema:areaServed") == {iri}


def test_every_seed_entity_cites_a_source_document(seeded_store):
    missing = seeded_store.select(
        """SELECT ?e WHERE {
             GRAPH ?g { ?e a ?type }
             FILTER(STRSTARTS(STR(?g), "https://w3id.org/smekg/id/graph/seed/"))
             FILTER(?type IN (smekg:Organisation, smekg:Event, smekg:Policy, smekg:Publication,
                              smekg:Programme, smekg:GoodPractice, org:Membership))
             FILTER NOT EXISTS { ?e dcterms:source ?doc . ?doc a smekg:SourceDocument }
           }"""
    )
    assert missing == []


def test_stats_of_the_bundled_data(seeded_store, minter):
    from smekg.loaders.bundled import reference_sources
    from smekg.reference.sectors import NACE2_LEVEL_COUNTS, NACE21_LEVEL_COUNTS

    stats = store_stats(seeded_store)
    classes = stats["classes"]
    assert classes["smekg:Country"] == 249
    # NACE Rev. 2.1 (1,047 codes) and NACE Rev. 2 (996)
    assert classes["smekg:Sector"] == 1047 + 996 == (
        sum(NACE21_LEVEL_COUNTS.values()) + sum(NACE2_LEVEL_COUNTS.values()))
    assert classes["smekg:NutsRegion"] > 1500
    assert classes["smekg:Subdivision"] > 5000
    assert classes["smekg:GoodPractice"] == 14
    assert classes["smekg:Network"] == 2
    assert classes["smekg:Policy"] == 1 and classes["smekg:Publication"] == 1
    assert classes["smekg:Event"] == 2
    assert classes["org:Membership"] == 60
    sources = stats["sources"]
    assert sum(1 for g in sources if "/graph/reference/" in g) == len(reference_sources(minter))
    assert {"reference/nace2", "reference/nace2-nace2.1-links"} <= {
        source.key for source in reference_sources(minter)}
    assert sum(1 for g in sources if "/graph/seed/" in g) == 9

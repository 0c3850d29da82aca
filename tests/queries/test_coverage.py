"""coverage() on the seed data in a real store."""

from __future__ import annotations

from queries.coverage import coverage
from smekg.iri import nace_sector, nuts_region


def by_iri(results):
    return {r.iri: r.match for r in results}


def test_a_nuts3_region_in_emilia_romagna(seeded_store, minter):
    results = by_iri(coverage(seeded_store, nuts_region("ITH55"), nace_sector("2.1", "25.11")))
    ergo = results[minter.good_practice("emilia-romagna-go-global")]
    assert ergo.region_via == nuts_region("ITH5") and ergo.kind == "directly"
    assert ergo.sector_via is None  # names no sector: covers all
    insme = results[minter.organisation("insme")]
    assert insme.region_via == minter.area("001")
    # the steering group covers Italy through its member country
    group = results[minter.organisation("insme-steering-group")]
    assert group.kind == "through members"
    assert group.member_chain == [minter.country("IT"), minter.organisation("insme-steering-group")]
    assert minter.good_practice("kent-international-business") not in results


def test_kent_is_covered_by_its_practice_not_by_emilia_romagna(seeded_store, minter):
    results = by_iri(coverage(seeded_store, minter.subdivision("GB-KEN")))
    assert minter.good_practice("kent-international-business") in results
    assert minter.good_practice("emilia-romagna-go-global") not in results
    # the UK is a member of the steering group: GB-KEN → GB-ENG → GB
    group = results[minter.organisation("insme-steering-group")]
    assert group.region_via == minter.country("GB")


def test_a_region_nobody_covers_specifically(seeded_store, minter):
    results = by_iri(coverage(seeded_store, nuts_region("FI1B1")))
    assert minter.organisation("insme") in results  # worldwide
    assert minter.organisation("insme-steering-group") in results  # Finland is a member
    assert not any("good-practice" in iri for iri in results)

"""coverage() on the seed data and on a generated ecosystem, checked against coverage.rq."""

from __future__ import annotations

import itertools
import random

import pytest

from smekg.core.iri import nace_sector, nuts_region
from smekg.queries.params import ParamError

ID = "https://w3id.org/smekg/id/"
ERGO = f"{ID}good-practice/emilia-romagna-go-global"
KENT = f"{ID}good-practice/kent-international-business"
INSME = f"{ID}organisation/insme"
GROUP = f"{ID}organisation/insme-steering-group"


def by_iri(answer):
    return {item.iri: item for item in answer.results}


def test_a_nuts3_region_in_emilia_romagna(service):
    answer = service.coverage(region="ITH55", sector="25.11")
    results = by_iri(answer)
    assert answer.region.iri == nuts_region("ITH55")
    assert answer.sector.iri == nace_sector("2.1", "25.11")
    assert answer.count == len(answer.results) == 4
    ergo = results[ERGO].match
    assert ergo.kind == "direct" and ergo.region.code == "ITH5" and ergo.all_sectors
    assert ergo.explanation == ("serves ITH5, which contains ITH55; names no sector, "
                                "so covers all sectors")
    insme = results[INSME]
    assert insme.type == "network" and insme.match.region.iri == f"{ID}area/001"
    group = results[GROUP].match
    assert group.kind == "through_members"
    assert [ref.iri for ref in group.member_chain] == [f"{ID}country/IT", GROUP]
    assert group.explanation.startswith("through its members (IT (Italy) → INSME Steering Group)")
    assert KENT not in results


def test_direct_matches_come_first_then_member_chains(service):
    kinds = [item.match.kind for item in service.coverage(region="ITH55").results]
    assert kinds == sorted(kinds, key=lambda kind: kind != "direct")


def test_kent_is_covered_by_its_practice_not_by_emilia_romagna(service):
    results = by_iri(service.coverage(region="GB-KEN"))
    assert KENT in results and ERGO not in results
    # the UK is a member of the steering group: GB-KEN → GB-ENG → GB
    assert results[GROUP].match.region.iri == f"{ID}country/GB"


def test_a_region_nobody_covers_specifically(service):
    results = by_iri(service.coverage(region="FI1B1"))
    assert INSME in results and GROUP in results
    assert not any(item.type == "good-practice" for item in results.values())


def test_type_and_service_filters(service):
    networks = service.coverage(region="ITH55", type="network")
    assert {item.iri for item in networks.results} == {INSME, GROUP}
    trainers = service.coverage(region="ITH55", service="training")
    assert {item.iri for item in trainers.results} == {INSME}  # INSME states it trains


def test_region_and_sector_may_be_left_out(service):
    everything = service.coverage()
    assert everything.region is None and everything.sector is None
    assert {ERGO, KENT, INSME, GROUP} <= {item.iri for item in everything.results}


@pytest.mark.parametrize(
    ("param", "value", "status", "suggestion"),
    [
        ("region", "ITH55X", 404, "ITH55"),
        ("region", "ITZ99", 404, None),
        ("sector", "C99", 422, None),
        ("sector", "99.99", 404, None),
        ("type", "netwrk", 422, "network"),
        ("service", "trainig", 422, "training"),
    ],
)
def test_bad_values_name_the_value_and_suggest(service, param, value, status, suggestion):
    with pytest.raises(ParamError) as caught:
        service.coverage(**{param: value})
    error = caught.value
    assert error.status == status and error.param == param and error.value == value
    assert repr(value) in error.message
    if suggestion:
        assert suggestion in error.suggestions


CASES = [("ITH55", "C25"), ("ITH55", None), ("GB-KEN", None), (None, "C25"), (None, None),
         ("FI1B1", "25.11"), ("150", None), ("ES212", "C")]


@pytest.mark.parametrize(("region", "sector"), CASES)
def test_index_answers_as_the_straightforward_sparql_on_the_seed(service, region, sector):
    from_index = sorted(item.iri for item in service.coverage(region, sector, limit=None).results)
    assert from_index == service.coverage_sparql(region, sector)


def test_index_answers_as_the_straightforward_sparql_on_a_generated_graph(generated_service):
    index = generated_service.index
    rng = random.Random(11)
    regions = sorted(r for r in index.levels if index.kind(r) == "nuts-region")
    sectors = sorted(s for s in index.levels if index.kind(s) == "sector")
    cases = [(rng.choice(regions), rng.choice(sectors)) for _ in range(12)]
    cases += [(rng.choice(regions), None), ("DE", "C"), ("world", None)]
    through_members = 0
    for region, sector in cases:
        answer = generated_service.coverage(region, sector, limit=None)
        through_members += sum(item.match.kind == "through_members" for item in answer.results)
        assert sorted(item.iri for item in answer.results) == (
            generated_service.coverage_sparql(region, sector)), (region, sector)
    assert through_members > 0  # the generated graph exercises networks of networks
    typed = generated_service.coverage("DE", None, type="chamber", limit=None)
    assert typed.results and all(
        "https://w3id.org/smekg/ontology#type-chamber" in index.tags[item.iri]
        for item in typed.results)
    assert sorted(item.iri for item in typed.results) == generated_service.coverage_sparql(
        "DE", None, type="chamber")


def test_member_chains_are_shortest(generated_service):
    index = generated_service.index
    answer = generated_service.coverage("DE", limit=None)
    direct = {item.iri for item in answer.results if item.match.kind == "direct"}
    for item in answer.results:
        chain = [ref.iri for ref in item.match.member_chain]
        if not chain:
            continue
        assert chain[0] in direct and chain[-1] == item.iri
        for member, network in itertools.pairwise(chain):
            assert network in index.networks_of[member]
        # no shorter chain: no direct coverer is a direct member of the network
        if len(chain) > 2:
            assert not any(item.iri in index.networks_of.get(d, ()) for d in direct)


def test_chain_links_go_to_the_first_member_by_name(generated_service):
    index = generated_service.index
    answer = generated_service.coverage("DE", limit=None)
    depth = {item.iri: len(item.match.member_chain) - 1 if item.match.member_chain else 0
             for item in answer.results}

    def name_order(iri):
        return (index.label(iri).casefold(), iri)

    chains = [[ref.iri for ref in item.match.member_chain] for item in answer.results]
    deep = [chain for chain in chains if len(chain) > 2]
    assert deep  # the generated graph has chains of networks of networks
    for chain in chains:
        for member, network in itertools.pairwise(chain):
            rivals = [m for m, networks in index.networks_of.items()
                      if network in networks and depth.get(m) == depth[member]]
            assert member == min(rivals, key=name_order)


def test_pages_put_together_give_the_whole_answer(generated_service):
    whole = generated_service.coverage("DE", "C", limit=None)
    pages = [generated_service.coverage("DE", "C", offset=offset, limit=7)
             for offset in range(0, whole.count, 7)]
    assert whole.count == len(whole.results) > 7
    assert all(page.count == whole.count for page in pages)
    assert [item for page in pages for item in page.results] == whole.results
    order = [(len(i.match.member_chain), i.label.casefold(), i.iri) for i in whole.results]
    assert order == sorted(order)

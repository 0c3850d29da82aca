"""coverage() on the seed data and on a generated ecosystem, checked against coverage.rq."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from smekg.core.iri import nace_sector, nuts_region
from smekg.queries.coverage import coverage, coverage_table
from smekg.queries.graph_index import BREADTHS, KIND_CLASSES, GraphIndex
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
    assert answer.count == len(answer.results) == 3  # ERGO, INSME, the steering group
    ergo = results[ERGO].match
    assert ergo.kind == "direct" and ergo.region.code == "ITH5" and ergo.all_sectors
    # places are named by code and name (the bundled NUTS names)
    assert ergo.explanation == ("serves ITH5 (Emilia-Romagna), which contains ITH55 "
                                "(Bologna); names no sector, so covers all sectors")
    insme = results[INSME]
    assert insme.type == "network" and insme.match.region.iri == f"{ID}area/001"
    group = results[GROUP].match
    assert group.kind == "through_members"
    assert [ref.iri for ref in group.member_chain] == [f"{ID}country/IT", GROUP]
    assert group.explanation.startswith("through its members (IT (Italy) → INSME Steering Group)")
    assert KENT not in results


def test_a_question_asked_again_is_answered_and_noted_the_same(service):
    # the values a question was read as are kept per index: the second answer must carry
    # the same results and the same notes, once each
    first = service.coverage(region="Bologna", sector="25.11")
    again = service.coverage(region="Bologna", sector="25.11")
    assert first.notes and len(again.notes) == len(first.notes)
    assert again.model_dump() == first.model_dump()
    assert [n for n in again.notes if "Bologna" in n] == [n for n in first.notes
                                                          if "Bologna" in n]


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
        ("region", "ITH55X", 422, "ITH55"),
        ("region", "ITZ99", 422, "IT"),
        ("region", "itali", 422, "IT"),
        ("sector", "C99", 422, None),
        ("sector", "62.05", 422, "62.0"),  # neither NACE Rev. 2.1 nor Rev. 2
        ("sector", "62.019", 422, "62"),
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
    # across the NACE revisions (the generated providers name Rev. 2.1 codes): through a
    # link (Rev. 2 25.11, section C), and an unlinked Rev. 2 code
    cases += [("DE", "rev2:25.11"), ("FR1", "rev2:C"), ("DE", "62.01")]
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
    # the depth of everyone the walk reached, member countries (reasons, not results) too
    table = coverage_table(index)
    walk = table.walk(str(generated_service.bind("coverage", {"region": "DE"})["region"]), None)
    depths = walk.depth(np.arange(len(table.iris)))
    depth = {iri: int(depths[p]) for p, iri in enumerate(table.iris) if depths[p] >= 0}

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


def test_entities_are_the_answer_without_its_reasons(generated_service):
    table = coverage_table(generated_service.index)
    for region, sector in (("DE", None), ("DE", "C"), (None, "C25")):
        bound = generated_service.bind("coverage", {"region": region, "sector": sector})
        walk = table.walk(bound.get("region") and str(bound["region"]),
                          bound.get("sector") and str(bound["sector"]))
        answer = generated_service.coverage(region, sector, limit=None)
        assert walk.entities() == [item.iri for item in answer.results]
        assert len(walk.entities()) == answer.count > 0


def test_pages_put_together_give_the_whole_answer(generated_service):
    whole = generated_service.coverage("DE", "C", limit=None)
    pages = [generated_service.coverage("DE", "C", offset=offset, limit=7)
             for offset in range(0, whole.count, 7)]
    assert whole.count == len(whole.results) > 7
    assert all(page.count == whole.count for page in pages)
    assert [item for page in pages for item in page.results] == whole.results
    order = [(len(i.match.member_chain), i.label.casefold(), i.iri) for i in whole.results]
    assert order == sorted(order)


# -- results are support providers; a member country is a reason, in a chain (issue 17) ----

ITALY = f"{ID}country/IT"
PROVIDER_TYPES = {"organisation", "network", "programme", "good-practice"}


def test_a_member_country_is_a_reason_in_a_chain_not_a_result(service):
    answer = service.coverage(region="ITH55", limit=None)
    results = by_iri(answer)
    assert ITALY not in results  # Italy provides no service: not a support provider
    assert {item.type for item in answer.results} <= PROVIDER_TYPES
    group = results[GROUP].match  # ... but the steering group covers ITH55 through Italy
    assert group.kind == "through_members"
    assert [ref.iri for ref in group.member_chain] == [ITALY, GROUP]
    assert group.region.iri == ITALY and "IT (Italy)" in group.explanation
    assert answer.count == len(answer.results)
    assert service.coverage(region="ITH55", type="country").count == 0
    assert sorted(results) == service.coverage_sparql("ITH55")  # the reference query agrees


def test_results_are_providers_on_a_generated_graph(generated_service):
    index = generated_service.index
    served = {entity for entities in index.served_by.values() for entity in entities}
    # the generated graph has policies and publications serving regions, and member countries
    assert {"policy", "publication"} <= {index.kind(entity) for entity in served}
    assert index.member_countries
    everything = generated_service.coverage(limit=None)
    assert {item.type for item in everything.results} <= PROVIDER_TYPES
    assert not {item.iri for item in everything.results} & index.member_countries
    # networks still cover through member countries: a country starts their chain
    assert any(item.match.member_chain[0].iri == country
               for country in sorted(index.member_countries)
               for item in generated_service.coverage(region=country, limit=None).results
               if item.match.member_chain)
    assert sorted(item.iri for item in everything.results) == (
        generated_service.coverage_sparql())


def _toy_index(*, italy_provides: bool = False) -> GraphIndex:
    """ITH55 < ITH5 < IT < Europe (150) < world (001), and FR < Europe. ``n:italian`` has
    Italy as its only member country, ``n:european`` Italy and France; ``o:agency`` serves
    ITH5 and is a member of ``n:regional``."""
    index = GraphIndex()
    index.broader.update({"r:ITH55": ["r:ITH5"], "r:ITH5": ["r:IT"], "r:IT": ["r:150"],
                          "r:FR": ["r:150"], "r:150": ["r:001"]})
    index.levels.update({"r:ITH55": 3, "r:ITH5": 2, "r:IT": 0, "r:FR": 0})
    for iri, kind in [("r:ITH55", "nuts-region"), ("r:ITH5", "nuts-region"),
                      ("r:IT", "country"), ("r:FR", "country"), ("r:150", "continent"),
                      ("r:001", "world"), ("n:italian", "network"), ("n:european", "network"),
                      ("n:regional", "network"), ("o:agency", "organisation")]:
        index.tags[iri].add(KIND_CLASSES[kind])
    index.served_by["r:ITH5"].append("o:agency")
    index.regions_of["o:agency"].append("r:ITH5")
    index.networks_of.update({"r:IT": ["n:european", "n:italian"], "r:FR": ["n:european"],
                              "o:agency": ["n:regional"]})
    index.member_countries.update({"r:IT", "r:FR"})
    if italy_provides:
        index.services_of["r:IT"].add("s:training")
    return index


def test_a_member_country_that_provides_a_service_is_a_result():
    assert [hit.iri for hit in coverage(_toy_index(), "r:ITH55") if not hit.member_chain] == [
        "o:agency"]
    provided = coverage(_toy_index(italy_provides=True), "r:ITH55")
    assert [hit.iri for hit in provided if not hit.member_chain] == ["o:agency", "r:IT"]


def test_a_ceiling_counts_a_network_of_countries_at_the_span_of_its_countries():
    table = coverage_table(_toy_index())

    def covering(broadest: str) -> list[tuple[str, list[str]]]:
        walk = table.walk("r:ITH55", None, broadest=BREADTHS.index(broadest))
        return [(hit.iri, hit.member_chain) for hit in walk.page()]

    agency, regional = ("o:agency", []), ("n:regional", ["o:agency", "n:regional"])
    italian, european = ("n:italian", ["r:IT", "n:italian"]), ("n:european", ["r:IT",
                                                                             "n:european"])
    assert covering("world") == covering("continent") == [agency, european, italian,
                                                          regional]
    # Italy and France together span Europe: the European network is too broad for country
    assert covering("country") == [agency, italian, regional]
    assert covering("nuts1") == covering("nuts2") == [agency, regional]
    assert covering("nuts3") == []  # the agency serves a NUTS 2 region

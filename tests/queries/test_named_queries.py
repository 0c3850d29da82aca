"""Every named query on the seed data, in a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from smekg.queries.params import ParamError
from smekg.queries.registry import PARAM_TYPES, RegistryError, load_registry, parse_query_file
from smekg.queries.service import all_queries

ID = "https://w3id.org/smekg/id/"
GROUP = f"{ID}organisation/insme-steering-group"


def test_every_query_has_metadata_and_a_runnable_example(service):
    queries = all_queries()
    assert {"coverage", "members", "memberships", "organisations_in_region", "programmes",
            "policy_lineage", "search", "entity", "gaps", "compare"} <= set(queries)
    for query in queries.values():
        assert query.description
        assert all(p.type in PARAM_TYPES for p in query.params)
        answer = service.run(query.name, query.example)
        assert answer is not None, query.name


def test_malformed_headers_are_refused(tmp_path: Path):
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ name: bad\n#+ description: x\n#+ param x: colour\nSELECT * {}\n")
    with pytest.raises(RegistryError, match=r"bad\.rq:3"):
        parse_query_file(bad)
    wrong = tmp_path / "wrong.rq"
    wrong.write_text("#+ name: other\n#+ description: x\nSELECT * {}\n")
    with pytest.raises(RegistryError, match="must be 'wrong'"):
        parse_query_file(wrong)


def test_only_the_index_scans_read_the_whole_graph(tmp_path: Path):
    # backends give these the long whole_graph_timeout; questions keep the short one
    index = load_registry(Path(__file__).parents[2] / "queries" / "index")
    assert {name for name, q in index.items() if q.whole_graph} == {
        "types", "names", "hierarchy", "scope", "membership_links", "sector_matches",
        "nuts_versions", "typologies", "membership_terms", "locations", "project_facts"}
    assert not any(q.whole_graph for q in load_registry().values())
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ name: bad\n#+ description: x\n#+ reads: everything\nSELECT * {}\n")
    with pytest.raises(RegistryError, match=r"bad\.rq:3: .*'whole graph'"):
        parse_query_file(bad)


def test_no_query_text_has_a_placeholder_to_paste_into():
    for query in load_registry().values():
        assert "{" + "region" + "}" not in query.sparql and "%s" not in query.sparql


def test_members_of_the_steering_group(service):
    members = service.members("insme-steering-group")
    countries = {m.code for m in members if m.type == "country"}
    assert len(countries) == 41 and {"IT", "GB", "TW"} <= countries
    italy = [m for m in members if m.code == "IT"]
    assert {m.role for m in italy} == {"chair", "member"} or "chair" in {m.role for m in italy}
    assert all(m.depth == 1 and m.network.iri == GROUP for m in members)
    assert any(m.code == "ipi" and m.role == "secretariat" for m in members)


def test_memberships_of_ipi(service):
    memberships = service.memberships("ipi")
    assert [(m.network.iri, m.role) for m in memberships] == [(GROUP, "secretariat")]


def test_members_transitive_on_a_generated_graph(generated_service):
    index = generated_service.index
    def member_networks(network: str) -> int:
        return sum(network in index.networks_of.get(m, ()) for m in index.networks_of
                   if index.kind(m) == "network")

    networks = sorted(n for n in index.tags if index.kind(n) == "network")
    deepest = max(networks[:200], key=member_networks)
    direct = generated_service.members(deepest)
    everything = generated_service.members(deepest, transitive=True)
    assert len(everything) > len(direct) > 0
    assert max(m.depth for m in everything) >= 2
    for member in everything:
        assert member.network.iri in index.networks_of[member.iri]


def test_organisations_in_italy(service):
    names = {o["code"] for o in service.organisations_in_region("IT")}
    assert {"ipi", "italian-government", "italian-ministry-of-industry"} <= names
    spain = service.organisations_in_region("ES1")  # NUTS-2 ES11 is within NUTS-1 ES1
    assert [(o["code"], o["located_in"]["code"]) for o in spain] == [
        ("galicia-e-commerce-leveraging-centre", "ES11")]


def test_programmes_by_region_sector_theme_policy(service):
    assert [p["code"] for p in service.programmes(region="ITH55")] == ["emilia-romagna-go-global"]
    in_uk = {p["code"] for p in service.programmes(region="GB")}
    assert {"kent-international-business", "wakefield-first-bondholder-scheme"} <= in_uk
    themed = service.programmes(theme="internationalisation")
    assert len(themed) >= 14
    assert service.programmes(region="ITH55", type="good-practice")
    assert service.programmes(policy="bologna-charter") == []  # no programme implements it


def test_policy_lineage_of_the_bologna_charter(service):
    edges = {(e.subject.code, e.relation, e.object.code): e.depth
             for e in service.policy_lineage("bologna-charter")}
    assert edges[("bologna-charter", "adoptedAt", "oecd-sme-ministerial-2000")] == 1
    assert edges[("insme", "followsFrom", "bologna-charter")] == 1
    assert edges[("insme", "originatedAt", "oecd-sme-ministerial-2000")] == 2
    assert edges[("insme-steering-group", "secretariatHostedBy", "ipi")] == 2
    assert all(depth <= 2 for depth in edges.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("emilia", "emilia-romagna-go-global"), ("EMILIA-ROMAGNA GO", "emilia-romagna-go-global"),
     ("sao paulo", "BR-SP"), ("Wakefield", "wakefield-first-bondholder-scheme"),
     ("insme", "insme"), ("Bologna Charter", "bologna-charter")],
)
def test_search_ignores_case_and_accents(service, text, expected):
    assert expected in [hit.code for hit in service.search(text, limit=10)]


def test_search_ranks_and_filters(service):
    hits = service.search("insme")
    assert hits[0].code == "insme" and hits[0].score == 100
    assert {h.type for h in service.search("emilia", type="good-practice")} == {"good-practice"}
    fuzzy = service.search("Emlia-Romagna")
    assert fuzzy and fuzzy[0].fuzzy and "Emilia" in fuzzy[0].label


@pytest.mark.parametrize("text", ["synthetic", "network", "de"])
def test_a_search_page_is_the_slice_of_the_whole_ranking(generated_service, text):
    count, whole = generated_service.search_page(text, offset=0, limit=10_000)
    assert count == len(whole) > 30  # a word in many names
    for offset, limit in ((0, 1), (0, 7), (5, 10), (count - 3, 10)):
        page_count, page = generated_service.search_page(text, offset=offset, limit=limit)
        assert page_count == count
        assert page == whole[offset:offset + limit]


def test_a_network_without_members_has_an_empty_page(service):
    bound = service.bind("members", {"network": "insme"})
    assert service.members(str(bound["network"]), transitive=True) == []  # the seed's INSME
    summary = service.members_page("insme", transitive=True, offset=0, limit=10)
    assert (summary.count, summary.page, summary.distinct, summary.depth) == (0, [], 0, 0)


def test_a_members_page_is_the_slice_of_all_members(generated_service):
    networks = generated_service.networks()
    network = max(networks, key=lambda n: (n["members"], n["iri"]))["iri"]
    whole = generated_service.members(network, transitive=True)
    assert len(whole) > 20
    pages = [(offset, 4) for offset in range(0, len(whole), 3)]
    for offset, limit in [(0, 5), (7, 10), (len(whole) - 2, 10), *pages]:
        summary = generated_service.members_page(network, transitive=True, offset=offset,
                                                 limit=limit)
        assert summary.page == whole[offset:offset + limit]
        assert summary.count == len(whole)
    first_depth = {}
    for member in whole:
        first_depth.setdefault(member.iri, member.depth)
    assert summary.distinct == len(first_depth)
    assert summary.direct == sum(1 for d in first_depth.values() if d == 1)
    assert summary.depth == max(m.depth for m in whole)
    assert sum(summary.kinds.values()) == len(first_depth)
    assert [c.iri for c in summary.countries] == sorted(
        {m.iri for m in whole if m.type == "country"},
        key=lambda iri: generated_service.index.label(iri).casefold())


def test_entity_detail_has_every_fact_with_its_source(service):
    detail = service.entity("insme")
    assert detail.iri == f"{ID}organisation/insme" and detail.type == "network"
    founded = [f for f in detail.facts if f.predicate == "https://schema.org/foundingDate"]
    assert founded and founded[0].value == "2004"
    assert founded[0].document == f"{ID}source/doc-insme-anniversary"
    assert "INSME was established in Rome in 2004" in founded[0].evidence
    assert founded[0].graph == f"{ID}graph/seed/organisations"
    group = service.entity("insme-steering-group")
    incoming = {(f.predicate, f.value) for f in group.facts if f.direction == "in"}
    assert any(p == "http://www.w3.org/ns/org#organization" for p, _ in incoming)
    assert service.entity(f"{ID}organisation/insme") == detail
    assert service.entity("ITH5").code == "ITH5"


def test_unknown_entity_gets_suggestions(service):
    with pytest.raises(ParamError) as caught:
        service.entity("insmee")
    assert caught.value.status == 404 and "insme" in caught.value.suggestions


def test_gaps_in_italy(service):
    everything = service.gaps(scope="IT", region_level="nuts2", sector_level="section")
    assert everything.regions == 21 and everything.sectors == 22
    assert everything.gaps == 0  # INSME covers the world, all sectors
    practices = service.gaps(scope="IT", region_level="nuts2", sector_level="section",
                             type="good-practice", limit=1000)
    assert practices.cells == 462 and practices.covered == 22  # ERGO covers ITH5, all sectors
    assert all(cell.region.code != "ITH5" for cell in practices.results)
    assert practices.gaps == 440 == len(practices.results)
    nuts1 = service.gaps(scope="IT", region_level="nuts1", sector_level="section",
                         type="good-practice", limit=1000)
    partial = {cell.region.code for cell in nuts1.results if cell.partially_covered_by}
    assert partial == {"ITH"}  # ERGO serves part of ITH


def _italian_nuts2(service) -> set[str]:
    return {r["code"] for r in service.places("regions", "IT", "nuts2")}


def _served_at_most_nationally(service, region: str) -> bool:
    """Whether some provider covering ``region`` serves the region itself, a region within
    Italy containing it, or Italy: read from /coverage's answer (its direct matches)."""
    return any(item.match.kind == "direct" and item.match.region is not None
               and item.match.region.type in ("nuts-region", "country")
               for item in service.coverage(region=region, limit=None).results)


def test_gaps_no_broader_than_country_find_the_regions_without_a_regional_or_national_provider(
        service):
    everything = service.gaps(scope="IT", region_level="nuts2", sector_level="section")
    assert everything.gaps == 0 and everything.broadest == "world"  # INSME serves the world
    capped = service.gaps(scope="IT", region_level="nuts2", sector_level="section",
                          broadest="country", limit=None)
    assert capped.broadest == "country" and capped.cells == everything.cells
    gap_regions = {cell.region.code for cell in capped.results}
    provided = {code for code in _italian_nuts2(service)
                if _served_at_most_nationally(service, code)}
    # Emilia-Romagna has its good practice (ERGO serves ITH5); Lombardy, Lazio, Sicily none
    assert provided == {"ITH5"}
    assert gap_regions == _italian_nuts2(service) - provided
    assert {"ITC4", "ITI4", "ITG1"} <= gap_regions and "ITH5" not in gap_regions
    # every sector of a region with no provider is a gap; none of ITH5's (ERGO names none)
    assert capped.gaps == len(gap_regions) * capped.sectors == capped.count
    # the INSME Steering Group covers Italy only as one of 41 member countries, world-wide
    group = {item.iri: item for item in service.coverage(region="ITC4").results}[
        f"{ID}organisation/insme-steering-group"]
    assert [ref.code for ref in group.match.member_chain] == ["IT", "insme-steering-group"]
    assert service.gaps(scope="IT", broadest="world", limit=None) == service.gaps(
        scope="IT", limit=None)


def test_gaps_count_only_the_kinds_asked_for(service):
    networks = service.gaps(scope="IT", broadest="country", kinds="network", limit=None)
    assert networks.kinds == ["network"] and networks.gaps == networks.cells  # none national
    assert service.gaps(scope="IT", kinds="network").gaps == 0  # INSME, world-wide
    practices = service.gaps(scope="IT", broadest="country", kinds="good-practice,programme",
                             limit=None)
    assert practices.kinds == ["good-practice", "programme"]
    assert {cell.region.code for cell in practices.results} == _italian_nuts2(service) - {
        "ITH5"}
    regional = service.gaps(scope="IT", broadest="nuts2", limit=None)
    assert "ITH5" not in {cell.region.code for cell in regional.results}  # ERGO: NUTS 2
    local = service.gaps(scope="IT", broadest="nuts3", limit=None)
    assert local.gaps == local.cells  # nobody serves an Italian NUTS 3 region


@pytest.mark.parametrize(("param", "value", "suggestion"), [
    ("broadest", "regional", None), ("broadest", "contry", "country"),
    ("kinds", "country", None), ("kinds", "network,policy", None),
    ("kinds", "netwrk", "network"),
])
def test_bad_ceilings_and_kinds_are_422_naming_them(service, param, value, suggestion):
    with pytest.raises(ParamError) as caught:
        service.gaps(scope="IT", **{param: value})
    error = caught.value
    assert error.status == 422 and error.param == param and error.value == value
    assert repr(value) in error.message
    if suggestion:
        assert suggestion in error.suggestions


def test_compare_two_regions(service):
    answer = service.compare("ITH5", "GB-KEN")
    # providers only: Italy and the UK are reasons (member countries), not providers
    assert {r.code for r in answer.only_a} == {"emilia-romagna-go-global"}
    assert {r.code for r in answer.only_b} == {"kent-international-business"}
    assert {r.code for r in answer.shared} == {"insme", "insme-steering-group"}
    assert answer.a.by_type == {"good-practice": 1, "network": 2}


def test_lists(service):
    networks = {n["code"]: n for n in service.networks()}
    assert networks["insme-steering-group"]["member_countries"] == 41
    assert len(service.countries()) == 249
    nuts2 = service.places("regions", "ITH", "nuts2")
    assert [r["code"] for r in nuts2] == ["ITH1", "ITH2", "ITH3", "ITH4", "ITH5"]
    divisions = service.places("sectors", "C", "division")
    assert len(divisions) == 24 and divisions[0]["code"] == "10"
    assert {p["code"] for p in service.policies()} >= {"bologna-charter"}


def test_index_answers_are_the_rows_of_the_named_queries(service):
    # networks, members, memberships and organisations_in_region are answered from the
    # index: the numbers and rows are those the named queries give
    index = service.index
    counted = {str(row["network"]): (row["members"], row["networks"], row["countries"])
               for row in service.rows("networks", {})}
    assert {n["iri"]: (n["members"], n["member_networks"], n["member_countries"])
            for n in service.networks()} == counted
    for network in sorted(counted)[:20]:
        for transitive in (False, True):
            bound = service.bind("members", {"network": network, "transitive": transitive})
            rows = service.rows("members", bound)
            got = service.members(network, transitive)
            assert sorted((m.network.iri, m.iri, m.since or "", m.until or "") for m in got) \
                == sorted((str(r["via"]), str(r["member"]), str(r.get("since", "")),
                           str(r.get("until", ""))) for r in rows)
    for member in [*sorted(index.networks_of)[:20], "IT"]:
        for transitive in (False, True):
            bound = service.bind("memberships", {"organisation": member,
                                                 "transitive": transitive})
            rows = service.rows("memberships", bound)
            got = service.memberships(member, transitive)
            assert sorted((m.member.iri, m.network.iri, m.since or "") for m in got) == sorted(
                (str(r["via"]), str(r["network"]), str(r.get("since", ""))) for r in rows)
    for region, kind in [("world", None), ("IT", None), ("ES1", None),
                         ("europe", "intermediary")]:
        bound = service.bind("organisations_in_region", {"region": region, "type": kind})
        expected = {str(r["organisation"]) for r in service.rows("organisations_in_region",
                                                                  bound)}
        located = service.organisations_in_region(region, kind)
        assert {o["iri"] for o in located} == expected
        assert service.located_count(region, kind) == len(expected)
        count, page = service.organisations_in_region_page(region, kind, offset=1, limit=2)
        assert count == len(expected) and page == located[1:3]

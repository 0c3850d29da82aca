"""The REST API over real HTTP (uvicorn in a subprocess, the seed data in a real store)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

ID = "https://w3id.org/smekg/id/"
ERGO = f"{ID}good-practice/emilia-romagna-go-global"
KENT = f"{ID}good-practice/kent-international-business"


def test_coverage_of_a_nuts3_region_in_emilia_romagna(client):
    response = client.get("/coverage", params={"region": "ITH55", "sector": "C25"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"region", "sector", "count", "results"}
    assert body["region"]["code"] == "ITH55" and body["sector"]["code"] == "25"
    results = {item["iri"]: item for item in body["results"]}
    assert body["count"] == len(results) == 3  # ERGO, INSME, the steering group
    assert ERGO in results and KENT not in results
    assert {"insme", "insme-steering-group"} <= {item["code"] for item in body["results"]}
    for item in body["results"]:
        assert set(item) >= {"iri", "label", "type", "match"}
        assert item["match"]["explanation"]
    assert results[ERGO]["match"]["region"]["code"] == "ITH5"
    chain = results[f"{ID}organisation/insme-steering-group"]["match"]["member_chain"]
    assert [ref["code"] for ref in chain] == ["IT", "insme-steering-group"]


def test_coverage_lists_providers_and_keeps_a_member_country_in_its_chain(client):
    body = client.get("/coverage", params={"region": "ITH55"}).json()
    results = {item["iri"]: item for item in body["results"]}
    assert f"{ID}country/IT" not in results  # Italy is no support provider
    assert {item["type"] for item in body["results"]} <= {"organisation", "network",
                                                         "programme", "good-practice"}
    group = results[f"{ID}organisation/insme-steering-group"]["match"]
    assert group["kind"] == "through_members"
    assert [(ref["code"], ref["label"]) for ref in group["member_chain"]] == [
        ("IT", "Italy"), ("insme-steering-group", "INSME Steering Group")]
    assert group["explanation"].startswith("through its members (IT (Italy) → INSME")
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/coverage", params={"region": "ITH55", "format": "csv"}).text.lstrip("\ufeff"))))
    assert "country" not in {row["type"] for row in rows}
    assert f"{ID}country/IT" in {row["match.member_chain.iri"].split("; ")[0] for row in rows}


def _gap_regions(client, **params) -> tuple[dict, set[str]]:
    body = client.get("/gaps", params={"scope": "IT", "limit": 10_000, **params}).json()
    return body, {cell["region"]["code"] for cell in body["results"]}


def test_gaps_no_broader_than_country_list_the_regions_without_such_a_provider(client):
    everything, _ = _gap_regions(client)
    assert everything["gaps"] == 0  # INSME serves the world: it covers every cell
    capped, regions = _gap_regions(client, broadest="country")
    assert capped["broadest"] == "country" and capped["gaps"] == capped["count"] > 0
    italian = {r["code"] for r in client.get("/regions", params={
        "within": "IT", "level": "nuts2"}).json()["results"]}
    # the regions some provider serves at regional or national level, read from /coverage
    provided = {code for code in italian if any(
        item["match"]["kind"] == "direct" and item["match"]["region"]["type"] in (
            "nuts-region", "country")
        for item in client.get("/coverage", params={"region": code}).json()["results"])}
    assert provided == {"ITH5"}  # ERGO, Emilia-Romagna's good practice
    assert regions == italian - provided and {"ITC4", "ITI4"} <= regions
    # the paging contract holds: limit, offset, count, results in a stable order
    first = client.get("/gaps", params={"scope": "IT", "broadest": "country", "limit": 5})
    second = client.get("/gaps", params={"scope": "IT", "broadest": "country", "limit": 5,
                                         "offset": 5})
    assert first.json()["count"] == second.json()["count"] == capped["count"]
    assert first.json()["results"] + second.json()["results"] == capped["results"][:10]
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/gaps", params={
        "scope": "IT", "broadest": "country", "format": "csv"}).text.lstrip("\ufeff"))))
    assert len(csv_rows) == capped["count"] and "ITH5" not in {
        row["region.code"] for row in csv_rows}


def test_gaps_count_only_the_kinds_of_provider_asked_for(client):
    networks, regions = _gap_regions(client, broadest="country", kinds="network")
    assert networks["kinds"] == ["network"] and networks["gaps"] == networks["cells"]
    practices, regions = _gap_regions(client, broadest="country",
                                      kinds="good-practice,organisation")
    assert practices["kinds"] == ["good-practice", "organisation"] and "ITH5" not in regions


@pytest.mark.parametrize(("route", "param", "value", "suggested"), [
    ("/gaps", "broadest", "regional", None), ("/gaps", "broadest", "contry", "country"),
    ("/gaps", "kinds", "country", None), ("/gaps", "kinds", "network,policy", None),
    ("/gaps", "kinds", "netwrk", "network"),
    ("/analytics/gaps", "broadest", "planet", None), ("/analytics/gaps", "kinds", "region",
                                                      None),
])
def test_bad_ceilings_and_kinds_are_422_naming_them(client, route, param, value, suggested):
    response = client.get(route, params={"scope": "IT", param: value})
    assert response.status_code == 422
    body = response.json()
    assert body["parameter"] == param and body["value"] == value
    assert repr(value) in body["detail"]
    if suggested:
        assert suggested in body["suggestions"]


def test_coverage_is_paged_with_a_stable_order(client):
    everything = client.get("/coverage", params={"region": "GB-KEN"}).json()
    first = client.get("/coverage", params={"region": "GB-KEN", "limit": 2}).json()
    second = client.get("/coverage", params={"region": "GB-KEN", "limit": 2,
                                              "offset": 2}).json()
    assert first["count"] == second["count"] == everything["count"]
    assert first["results"] + second["results"] == everything["results"][:4]


@pytest.mark.parametrize(
    ("params", "status", "suggested"),
    [({"region": "ITH55X"}, 422, "ITH55"), ({"sector": "C99"}, 422, None),
     ({"region": "ITH55", "type": "netwrk"}, 422, "network"), ({"limit": "zero"}, 422, None)],
)
def test_bad_codes_get_a_message_naming_them(client, params, status, suggested):
    response = client.get("/coverage", params=params)
    assert response.status_code == status
    body = response.json()
    if "suggestions" in body:
        value = next(iter(v for k, v in params.items() if k == body["parameter"]))
        assert repr(value) in body["detail"]
        if suggested:
            assert suggested in body["suggestions"]


def test_csv_for_spreadsheets(client):
    for response in (client.get("/coverage", params={"region": "ITH55", "format": "csv"}),
                     client.get("/coverage", params={"region": "ITH55"},
                                headers={"Accept": "text/csv"})):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
        rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
        assert len(rows) == 3
        assert {"iri", "label", "match.kind", "match.explanation"} <= set(rows[0])
        assert "Emilia-Romagna Go Global (ERGO) 2016 – 2020" in {r["label"] for r in rows}


def test_json_ld(client):
    response = client.get("/coverage", params={"region": "ITH55"},
                          headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    body = response.json()
    assert body["@context"]["skos"] == "http://www.w3.org/2004/02/skos/core#"  # inline
    from rdflib import Graph

    graph = Graph().parse(data=response.text, format="json-ld")
    labels = {str(o) for o in graph.objects(predicate=graph.namespace_manager.expand_curie(
        "skos:prefLabel"))}
    assert "Emilia-Romagna Go Global (ERGO) 2016 – 2020" in labels


def test_networks_and_members(client):
    networks = client.get("/networks").json()
    group = next(n for n in networks["results"] if n["code"] == "insme-steering-group")
    assert group["member_countries"] == 41
    members = client.get("/networks/insme-steering-group/members").json()["results"]
    assert {m["code"] for m in members if m["role"] == "chair"} == {"IT"}
    assert client.get("/networks/nonexistent-network/members").status_code == 404


def test_organisations_and_memberships(client):
    italian = client.get("/organisations", params={"country": "IT"}).json()
    assert {"ipi", "italian-government"} <= {o["code"] for o in italian["results"]}
    networks = client.get("/organisations", params={"type": "network"}).json()
    assert {o["code"] for o in networks["results"]} == {"insme", "insme-steering-group"}
    memberships = client.get("/organisations/ipi/memberships").json()["results"]
    assert [(m["network"]["code"], m["role"]) for m in memberships] == [
        ("insme-steering-group", "secretariat")]


def test_countries_regions_sectors(client):
    countries = client.get("/countries", params={"limit": 300}).json()
    assert countries["count"] == 249
    italy = next(c for c in countries["results"] if c["code"] == "IT")
    assert italy["continent"]["label"] == "Europe" and italy["member_of"] == 1
    regions = client.get("/regions", params={"within": "ITH", "level": "nuts2"}).json()
    assert [r["code"] for r in regions["results"]] == ["ITH1", "ITH2", "ITH3", "ITH4", "ITH5"]
    sectors = client.get("/sectors", params={"within": "C", "level": "division",
                                             "limit": 5}).json()
    assert sectors["count"] == 24 and len(sectors["results"]) == 5
    in_spain = client.get("/regions/ES1/organisations").json()
    assert [o["code"] for o in in_spain["results"]] == ["galicia-e-commerce-leveraging-centre"]


def test_programmes_good_practices_policies(client):
    practices = client.get("/good-practices", params={"region": "GB"}).json()
    assert {"kent-international-business", "wakefield-first-bondholder-scheme"} <= {
        p["code"] for p in practices["results"]}
    assert all(p["type"] == "good-practice" for p in practices["results"])
    programmes = client.get("/programmes", params={"theme": "internationalisation"}).json()
    assert programmes["count"] >= 14
    policies = client.get("/policies").json()
    assert "bologna-charter" in {p["code"] for p in policies["results"]}
    lineage = client.get("/policies/bologna-charter/lineage").json()["results"]
    assert {"subject": "insme", "relation": "followsFrom", "object": "bologna-charter"} in [
        {"subject": e["subject"]["code"], "relation": e["relation"],
         "object": e["object"]["code"]} for e in lineage]


def test_search_entity_gaps_compare(client):
    hits = client.get("/search", params={"q": "SAO PAULO"}).json()["results"]
    assert hits[0]["label"] == "São Paulo"
    entity = client.get("/entities/insme").json()
    assert entity["type"] == "network"
    assert any(f["evidence"] and "Rome in 2004" in f["evidence"] for f in entity["facts"])
    same = client.get("/entities", params={"iri": f"{ID}organisation/insme"}).json()
    assert same == entity
    missing = client.get("/entities/insmee")
    assert missing.status_code == 404 and "insme" in missing.json()["suggestions"]
    gaps = client.get("/gaps", params={"scope": "IT", "type": "good-practice"}).json()
    assert gaps["cells"] == 462 and gaps["gaps"] == 440
    compare = client.get("/regions/compare", params={"a": "ITH5", "b": "GB-KEN"}).json()
    assert {r["code"] for r in compare["shared"]} == {"insme", "insme-steering-group"}


def test_named_queries_and_openapi(client):
    queries = {q["name"]: q for q in client.get("/queries").json()}
    assert queries["coverage"]["example"] == {"region": "ITH55", "sector": "C25"}
    spec = client.get("/openapi.json").json()
    assert "/coverage" in spec["paths"]
    operation = spec["paths"]["/coverage"]["get"]
    assert operation["summary"] and "why it matches" in operation["description"]
    region = next(p for p in operation["parameters"] if p["name"] == "region")
    assert "ITH55" in json.dumps(region) and "NUTS" in region["description"]
    docs = client.get("/docs").text
    assert "cdn.jsdelivr" not in docs and "unpkg" not in docs  # served by the app itself


def test_the_cli_prints_the_same_json(client, api):
    from_api = client.get("/coverage", params={"region": "ITH5", "sector": "C25"}).json()
    result = subprocess.run(
        [sys.executable, "-m", "smekg.cli", "query", "coverage", "--region", "ITH5",
         "--sector", "C25", "--format", "json"],
        env={**os.environ, "SMEKG_STORE": str(api.store)}, capture_output=True, text=True,
        check=True,
    )
    assert json.loads(result.stdout) == from_api

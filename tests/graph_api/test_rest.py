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
    assert body["count"] == len(results) == 4
    assert ERGO in results and KENT not in results
    assert {"insme", "insme-steering-group"} <= {item["code"] for item in body["results"]}
    for item in body["results"]:
        assert set(item) >= {"iri", "label", "type", "match"}
        assert item["match"]["explanation"]
    assert results[ERGO]["match"]["region"]["code"] == "ITH5"
    chain = results[f"{ID}organisation/insme-steering-group"]["match"]["member_chain"]
    assert [ref["code"] for ref in chain] == ["IT", "insme-steering-group"]


def test_coverage_is_paged_with_a_stable_order(client):
    everything = client.get("/coverage", params={"region": "GB-KEN"}).json()
    first = client.get("/coverage", params={"region": "GB-KEN", "limit": 2}).json()
    second = client.get("/coverage", params={"region": "GB-KEN", "limit": 2,
                                              "offset": 2}).json()
    assert first["count"] == second["count"] == everything["count"]
    assert first["results"] + second["results"] == everything["results"][:4]


@pytest.mark.parametrize(
    ("params", "status", "suggested"),
    [({"region": "ITH55X"}, 404, "ITH55"), ({"sector": "C99"}, 422, None),
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
        assert len(rows) == 4
        assert {"iri", "label", "match.kind", "match.explanation"} <= set(rows[0])
        assert "Emilia-Romagna Go Global (ERGO) 2016 – 2020" in {r["label"] for r in rows}


def test_json_ld(client):
    response = client.get("/coverage", params={"region": "ITH55"},
                          headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    body = response.json()
    assert body["@context"]["iri"] == "@id"
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

"""NUTS names, versions and typologies over real HTTP, on the seeded store (what
`smekg load` loads). Expected regions are read from the bundled tables
(``data/reference/nuts``), not restated as numbers."""

from __future__ import annotations

import csv
from functools import cache

import httpx
import pytest

from tests.helpers import REPO_ROOT

NUTS_DIR = REPO_ROOT / "data" / "reference" / "nuts"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"
ERGO = "https://w3id.org/smekg/id/good-practice/emilia-romagna-go-global"


@cache
def typology_table() -> dict[str, dict[str, str]]:
    with (NUTS_DIR / "nuts3_typologies.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def mountain_codes(prefix: str = "") -> set[str]:
    return {code for code, row in typology_table().items()
            if row["mountain"].startswith("mountain (") and code.startswith(prefix)}


def island_codes(prefix: str = "") -> set[str]:
    return {code for code, row in typology_table().items()
            if row["island"] == "Island" and code.startswith(prefix)}


def all_pages(client: httpx.Client, path: str, **params: object) -> list[dict]:
    answer = client.get(path, params={**params, "limit": 10_000})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == len(body["results"])
    return body["results"]


# -- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name", "parent"),
                         [("ITH55", "Bologna", "ITH5"), ("ES212", "Gipuzkoa", "ES21")])
def test_regions_entities_and_coverage_name_the_region(client, code, name, parent):
    regions = {r["code"]: r for r in all_pages(client, "/regions", within=parent, level="nuts3")}
    assert regions[code]["label"] == name
    assert regions[code]["versions"] == ["2021", "2024"]
    entity = client.get(f"/entities/{code}").json()
    assert entity["label"] == name and entity["code"] == code
    assert name in {fact["value"] for fact in entity["facts"] if fact["predicate"] == PREF_LABEL}
    coverage = client.get("/coverage", params={"region": code}).json()
    assert coverage["region"]["label"] == name
    assert coverage["results"]
    assert all(f"{code} ({name})" in item["match"]["explanation"]
               for item in coverage["results"] if item["match"]["region"]["code"] != code)


def test_a_greek_region_has_its_greek_and_latin_names(client):
    entity = client.get("/entities/EL30").json()
    labels = {fact["value"] for fact in entity["facts"] if fact["predicate"] == PREF_LABEL}
    assert labels == {"Aττική", "Attiki"}
    assert entity["label"] == "Attiki"  # the API's label: the name in the Latin script
    jsonld = client.get("/entities/EL30", params={"format": "jsonld"}).json()
    text = str(jsonld)
    assert "'@language': 'el'" in text and "'@language': 'el-latn'" in text.lower()


def test_the_uk_regions_of_nuts_2018_are_listed_with_their_version(client):
    regions = {r["code"]: r for r in all_pages(client, "/regions", within="GB", level="nuts2")}
    assert regions["UKJ4"]["label"] == "Kent" and regions["UKJ4"]["versions"] == ["2018"]
    assert regions["UKJ4"]["parents"][0]["code"] == "UKJ"


def test_a_nuts_2021_region_is_listed_with_its_version_and_successor(client):
    regions = {r["code"]: r for r in all_pages(client, "/regions", within="NL3", level="nuts2")}
    assert regions["NL33"]["versions"] == ["2021"] and regions["NL36"]["versions"] == ["2024"]
    assert regions["NL33"]["label"] == regions["NL36"]["label"] == "Zuid-Holland"
    facts = client.get("/entities/NL332").json()["facts"]
    assert {fact["value"] for fact in facts if fact["predicate"] == REPLACED_BY} == {
        "http://data.europa.eu/nuts/code/NL361"}


# -- typologies ---------------------------------------------------------------------------


def test_mountain_nuts3_regions(client):
    results = all_pages(client, "/regions", typology="mountain", level="3")
    codes = {r["code"] for r in results}
    assert codes == mountain_codes()
    assert {"ES212", "AT332", "ITC20", "FRK26"} <= codes  # Gipuzkoa, Innsbruck, Aosta, Savoie
    assert "ITH55" not in codes and "NL329" not in codes  # Bologna, Groot-Amsterdam
    assert all(any(t.startswith("mountain") for t in r["typologies"]) for r in results)
    assert all(r["level"] == 3 for r in results)


def test_typologies_combine_repeated_or_comma_separated(client):
    both = {r["code"] for r in all_pages(client, "/regions", typology="mountain,island")}
    assert both == mountain_codes() & island_codes() != set()
    repeated = client.get("/regions", params=[("typology", "mountain"), ("typology", "island"),
                                              ("limit", "10000")]).json()
    assert {r["code"] for r in repeated["results"]} == both
    within = {r["code"] for r in all_pages(client, "/regions", within="IT", typology="mountain")}
    assert within == mountain_codes("IT")
    assert len(all_pages(client, "/regions", typology="metropolitan")) == sum(
        row["metropolitan"] != "non-metropolitan region" for row in typology_table().values())


@pytest.mark.parametrize(("path", "params", "named"), [
    ("/regions", {"typology": "montain"}, "typology"),
    ("/regions", {"typology": "mountain", "level": "nuts2"}, "level"),
    ("/coverage", {"region": "IT", "typology": "rural"}, "typology"),
    ("/gaps", {"scope": "IT", "typology": "coastal,sea"}, "typology"),
    ("/gaps", {"scope": "IT", "typology": "mountain"}, "region_level"),  # default nuts2
    ("/analytics/gaps", {"scope": "AT", "typology": "hills", "region_level": "nuts3"},
     "typology"),
])
def test_a_bad_typology_is_a_422_naming_it(client, path, params, named):
    answer = client.get(path, params=params)
    assert answer.status_code == 422, answer.text
    text = answer.text
    assert named in text
    if named == "typology":
        assert "not a NUTS-3 typology" in text
    if params.get("typology") == "montain":
        assert "mountain" in text  # the suggestion


def test_typology_narrows_the_regions_of_coverage(client):
    everywhere = client.get("/coverage", params={"region": "IT", "limit": 1000}).json()
    islands = client.get("/coverage", params={"region": "IT", "typology": "island",
                                              "limit": 1000}).json()
    mountains = client.get("/coverage", params={"region": "IT", "typology": "mountain",
                                                "limit": 1000}).json()
    assert islands["typology"] == ["island"] and islands["count"] > 0
    # ERGO serves Emilia-Romagna, which has mountain NUTS-3 regions and no island one
    assert ERGO in {item["iri"] for item in mountains["results"]}
    assert ERGO not in {item["iri"] for item in islands["results"]}
    assert ERGO not in {item["iri"] for item in everywhere["results"]}  # it serves part of IT
    for item in islands["results"]:
        assert "a region of typology island" in item["match"]["explanation"]
    ergo = next(item for item in mountains["results"] if item["iri"] == ERGO)
    covered = ergo["match"]["explanation"].split("which contains ")[1].split(" ")[0]
    assert covered in mountain_codes("ITH5")


def test_typology_narrows_the_regions_of_gaps(client):
    params = {"scope": "IT", "region_level": "nuts3", "sector_level": "section",
              "broadest": "country"}
    plain = client.get("/gaps", params=params).json()
    typed = client.get("/gaps", params={**params, "typology": "mountain"}).json()
    assert typed["typology"] == ["mountain"]
    assert typed["regions"] == len(mountain_codes("IT")) < plain["regions"]
    assert {cell["region"]["code"] for cell in typed["results"]} <= mountain_codes("IT")
    matrix = client.get("/analytics/gaps", params={**params, "typology": "mountain"}).json()
    assert {region["code"] for region in matrix["regions"]} == mountain_codes("IT")
    assert matrix["uncovered"] == typed["gaps"]

"""Codes and names as people type them, over real HTTP and from the CLI: the resolver the
loaders use (smekg.reference.resolve) reads every region and sector parameter."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def coverage(client, **params):
    response = client.get("/coverage", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("region", ["italy", "Italy", "ITALY", "Italia", "it", "ITA", "380"])
def test_a_country_by_name_or_code_answers_as_its_iso_code(client, region):
    by_code = coverage(client, region="IT")
    assert by_code["count"] > 0
    assert coverage(client, region=region) == by_code


def test_nuts_codes_in_any_case(client):
    assert coverage(client, region="ith55") == coverage(client, region="ITH55")
    assert coverage(client, region="the Netherlands") == coverage(client, region="NL")


def _sector_answer(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "notes"}


@pytest.mark.parametrize("sector", ["62.01", "6201", "J62.01", "J 62.01", "rev2:62.01"])
def test_nace_rev2_forms_answer_as_the_rev2_concept(client, sector):
    expected = coverage(client, region="IT", sector="rev2:62.01")
    assert expected["sector"]["code"] == "62.01" and expected["count"] > 0
    assert expected["sector"]["iri"] == "http://data.europa.eu/ux2/nace2/6201"
    assert expected["sector"]["label"] == "Computer programming activities"  # English
    answer = coverage(client, region="IT", sector=sector)
    assert _sector_answer(answer) == _sector_answer(expected)
    if sector != "rev2:62.01":
        (note,) = answer["notes"]
        assert note.startswith(f"sector={sector!r}: ")
        assert "read as NACE Rev. 2 62.01 (Computer programming activities)" in note


def test_a_nace_title_answers_as_its_code(client):
    by_title = coverage(client, sector="Manufacturing")
    assert _sector_answer(by_title) == _sector_answer(coverage(client, sector="C"))
    assert "read by its title as NACE Rev. 2.1 C (Manufacturing)" in by_title["notes"][0]


def test_computer_programming_resolves_to_its_codes(client):
    answer = coverage(client, region="IT", sector="computer programming")
    assert answer["sector"]["code"] == "62.10"
    assert answer["sector"]["iri"] == "http://data.europa.eu/ux2/nace2.1/6210"
    (note,) = answer["notes"]
    assert "in NACE Rev. 2 it is 62.01 (Computer programming activities)" in note
    rev2 = coverage(client, region="IT", sector="Programmation informatique")  # fr, Rev. 2
    assert rev2["sector"]["iri"] == "http://data.europa.eu/ux2/nace2/6201"


def test_a_title_several_codes_begin_with_is_a_422_with_the_codes(client):
    response = client.get("/coverage", params={"sector": "computer"})
    assert response.status_code == 422
    body = response.json()
    assert {"62", "62.1", "62.10", "62.2"} <= set(body["suggestions"])
    assert {"value": "62.10", "label": "Computer programming activities"} in body["suggested"]
    assert "begin with those words" in body["detail"]


def test_an_unknown_sector_code_suggests_the_same_digits_first(client):
    response = client.get("/coverage", params={"region": "IT", "sector": "62.019"})
    assert response.status_code == 422
    body = response.json()
    assert (body["parameter"], body["value"]) == ("sector", "62.019")
    assert body["suggestions"][:3] == ["62.01", "62.0", "62"]  # Rev. 2 62.01 and above it
    assert "01.62" not in body["suggestions"]
    assert body["suggested"][0] == {"value": "62.01", "label": "Computer programming activities"}
    assert body["detail"].startswith("sector='62.019': bad NACE code")
    assert "did you mean 62.01 (Computer programming activities)" in body["detail"]


def test_a_misspelt_country_suggests_it_first(client):
    response = client.get("/coverage", params={"region": "itali"})
    assert response.status_code == 422
    body = response.json()
    assert (body["parameter"], body["value"]) == ("region", "itali")
    assert body["suggestions"][0] == "IT"
    assert body["suggested"][0] == {"value": "IT", "label": "Italy"}
    assert "did you mean IT (Italy)" in body["detail"]


def test_other_routes_read_regions_the_same_way(client):
    by_name = client.get("/good-practices", params={"region": "United Kingdom"})
    by_code = client.get("/good-practices", params={"region": "GB"})
    assert by_name.status_code == by_code.status_code == 200
    assert by_name.json() == by_code.json() and by_code.json()["count"] > 0


def cli(api, *args):
    return subprocess.run(
        [sys.executable, "-m", "smekg.cli", "query", "coverage", *args, "--format", "json"],
        env={**os.environ, "SMEKG_STORE": str(api.store), "COLUMNS": "500"},
        capture_output=True, text=True,
    )


def test_the_cli_reads_codes_as_rest_does(client, api):
    import json

    result = cli(api, "--region", "italy", "--sector", "62.01")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == coverage(client, region="italy", sector="62.01")
    refused = cli(api, "--region", "itali")
    assert refused.returncode == 2  # a bad parameter
    detail = client.get("/coverage", params={"region": "itali"}).json()["detail"]
    assert detail in " ".join(refused.stderr.split())


# -- NUTS region names and versions -------------------------------------------------------------


def without_notes(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "notes"}


def test_a_region_name_answers_as_its_nuts_code_with_a_note(client):
    by_code = coverage(client, region="ITH55")
    assert by_code["count"] > 0 and by_code["notes"] == []
    for name in ("Bologna", "bologna", "BOLOGNA"):
        by_name = coverage(client, region=name)
        assert without_notes(by_name) == without_notes(by_code)
        assert len(by_name["notes"]) == 1
        note = by_name["notes"][0]
        assert note.startswith(f"region={name!r}: {name!r} read as the NUTS 3 region ITH55 "
                               "(Bologna, IT) by its name")
        # the ISO 3166-2 province of that name is another region of the graph
        assert "subdivision IT-BO (Bologna)" in note
    # accents and case do not matter; a name nested levels share is the broadest
    assert coverage(client, region="vasterbottens LAN")["region"]["code"] == "SE331"
    assert coverage(client, region="Île-de-France")["region"]["code"] == "FR1"


def test_an_ambiguous_region_name_lists_the_regions_it_may_be(client):
    response = client.get("/coverage", params={"region": "Limburg"})
    assert response.status_code == 422
    body = response.json()
    assert (body["parameter"], body["value"]) == ("region", "Limburg")
    assert body["suggestions"] == ["BE22", "NL42"]
    assert all(item["label"] for item in body["suggested"])
    assert "BE22 (Prov. Limburg (BE), BE)" in body["detail"]
    assert "NL42 (Limburg (NL), NL)" in body["detail"]


def test_a_misspelt_region_name_suggests_the_region(client):
    response = client.get("/coverage", params={"region": "Bolgna"})
    assert response.status_code == 422
    assert response.json()["suggestions"][0] == "ITH55"


def test_search_ranks_a_nuts_region_above_the_subdivision_of_its_name(client):
    # with the NUTS names in the store, both are named "Bologna": the NUTS region first
    response = client.get("/search", params={"q": "Bologna"})
    assert response.status_code == 200, response.text
    codes = [hit["code"] for hit in response.json()["results"]]
    assert "ITH55" in codes and "IT-BO" in codes
    assert codes.index("ITH55") < codes.index("IT-BO")


def test_a_nuts_2021_code_answers_as_its_2024_region_with_a_note(client):
    old, new = coverage(client, region="NL332"), coverage(client, region="NL361")
    assert without_notes(old) == without_notes(new) and new["notes"] == []
    assert old["notes"] == [
        "region='NL332': NL332 is a NUTS 2021 code (Agglomeratie ’s-Gravenhage); in NUTS 2024 "
        "it is NL361 (Agglomeratie ’s-Gravenhage) (code change)"
    ]


def test_a_split_nuts_2021_code_lists_the_2024_regions(client):
    response = client.get("/coverage", params={"region": "PT17"})
    assert response.status_code == 422
    body = response.json()
    assert body["suggestions"] == ["PT1A", "PT1B"]
    assert [item["label"] for item in body["suggested"]] == ["Grande Lisboa",
                                                             "Península de Setúbal"]
    assert "PT17 is a NUTS 2021 code (Área Metropolitana de Lisboa); NUTS 2024 split it" \
        in body["detail"]


def test_the_cli_prints_how_a_name_was_read(client, api):
    import json

    as_json = cli(api, "--region", "Bologna")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == coverage(client, region="Bologna")
    table = subprocess.run(
        [sys.executable, "-m", "smekg.cli", "query", "coverage", "--region", "Bologna"],
        env={**os.environ, "SMEKG_STORE": str(api.store), "COLUMNS": "500"},
        capture_output=True, text=True,
    )
    assert table.returncode == 0, table.stderr
    assert "note: region='Bologna': 'Bologna' read as the NUTS 3 region ITH55" in " ".join(
        table.stderr.split())
    assert "note:" not in table.stdout

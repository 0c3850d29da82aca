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


@pytest.mark.parametrize("sector", ["62.01", "6201", "62.0", "J62.01", "J 62.01", "rev2:62.01"])
def test_nace_rev2_forms_answer_as_their_rev21_division(client, sector):
    expected = coverage(client, region="IT", sector="62")
    assert expected["sector"]["code"] == "62" and expected["count"] > 0
    assert coverage(client, region="IT", sector=sector) == expected


def test_a_nace_title_answers_as_its_code(client):
    assert coverage(client, sector="Manufacturing") == coverage(client, sector="C")


def test_an_unknown_sector_code_suggests_the_same_digits_first(client):
    response = client.get("/coverage", params={"region": "IT", "sector": "62.019"})
    assert response.status_code == 422
    body = response.json()
    assert (body["parameter"], body["value"]) == ("sector", "62.019")
    assert body["suggestions"][:3] == ["62", "62.1", "62.10"]
    assert "01.62" not in body["suggestions"]
    assert body["suggested"][1] == {"value": "62.1", "label": "Computer programming activities"}
    assert body["detail"].startswith("sector='62.019': bad NACE code")
    assert "did you mean 62 (Computer programming, consultancy" in body["detail"]


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
    assert json.loads(result.stdout) == coverage(client, region="IT", sector="62")
    refused = cli(api, "--region", "itali")
    assert refused.returncode == 2  # a bad parameter
    detail = client.get("/coverage", params={"region": "itali"}).json()["detail"]
    assert detail in " ".join(refused.stderr.split())

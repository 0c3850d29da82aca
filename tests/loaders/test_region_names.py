"""Region names and NUTS 2021 codes in a loaded table, into a real store: a `region` column
may hold a NUTS region's name, read in the row's country, with a note in the load report;
an ambiguous name without a country fails listing the regions it may be."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from smekg.core.iri import Minter, nuts_region
from smekg.core.stores import GraphStore
from smekg.loaders.errors import LoadError
from smekg.loaders.sources import file_sources, load_sources


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def load(store: GraphStore, minter: Minter, path: Path):
    return load_sources(store, file_sources([path], minter, store), minter)


def located(store: GraphStore, minter: Minter, key: str) -> list[str]:
    rows = store.select("SELECT ?o ?r WHERE { ?o schema:location ?r }",
                        {"o": NamedNode(minter.organisation(key))})
    return sorted(row["r"].value for row in rows)


def served(store: GraphStore, minter: Minter, key: str) -> list[str]:
    rows = store.select("SELECT ?o ?r WHERE { ?o schema:areaServed ?r }",
                        {"o": NamedNode(minter.organisation(key))})
    return sorted(row["r"].value for row in rows)


def test_a_region_name_places_the_organisation_in_its_nuts_region(
    reference_store, minter, tmp_path
):
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "umea", "name": "Umeå office", "country": "Sweden",
         "region": "Västerbottens län"},
        {"id": "bo", "name": "Bologna office", "country": "IT", "region": "bologna",
         "covers_regions": "Emilia-Romagna;Attiki"},
        {"id": "maastricht", "name": "Maastricht office", "country": "NL", "region": "Limburg"},
        {"id": "hasselt", "name": "Hasselt office", "country": "Belgium", "region": "Limburg"},
    ])
    reports = load(reference_store, minter, path)
    assert reports[0].status == "loaded"
    assert located(reference_store, minter, "umea") == [nuts_region("SE331")]
    assert located(reference_store, minter, "bo") == [nuts_region("ITH55")]
    assert served(reference_store, minter, "bo") == [nuts_region("EL3"), nuts_region("ITH5")]
    # an ambiguous name is read in the row's country
    assert located(reference_store, minter, "maastricht") == [nuts_region("NL42")]
    assert located(reference_store, minter, "hasselt") == [nuts_region("BE22")]
    # each name read is in the load report, with the row and the column
    notes = reports[0].notes
    assert any("row 2" in note and "column 'region'" in note and "SE331" in note
               and "'Västerbottens län' read as the NUTS 3 region" in note for note in notes)
    assert any("row 4" in note and "NL42" in note and "the country given" in note
               for note in notes)


def test_an_ambiguous_name_without_a_country_fails_listing_the_regions(
    reference_store, minter, tmp_path
):
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "somewhere", "name": "Somewhere", "region": "Limburg"},
    ])
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    message = str(caught.value)
    assert "row 2" in message and "'Limburg' is the name of several NUTS regions" in message
    assert "BE22 (Prov. Limburg (BE), BE)" in message
    assert "NL42 (Limburg (NL), NL)" in message


def test_nuts_2021_codes_load_as_their_2024_regions(reference_store, minter, tmp_path):
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "hague", "name": "The Hague office", "country": "NL", "region": "NL332"},
    ])
    reports = load(reference_store, minter, path)
    assert located(reference_store, minter, "hague") == [nuts_region("NL361")]
    assert any("NL332 is a NUTS 2021 code" in note and "NL361" in note
               for note in reports[0].notes)


def test_a_split_nuts_2021_region_fails_listing_its_2024_regions(
    reference_store, minter, tmp_path
):
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "lisbon", "name": "Lisbon office", "country": "PT", "region": "PT17"},
    ])
    with pytest.raises(LoadError, match=r"PT1A \(Grande Lisboa\), PT1B \(Península de Setúbal\)"):
        load(reference_store, minter, path)


def test_uk_nuts_2018_codes_and_names_load(reference_store, minter, tmp_path):
    # the UK's NUTS 2018 regions are in the reference store with their names
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "kent", "name": "Kent office", "country": "GB", "region": "UKJ4"},
        {"id": "cardiff", "name": "Cardiff office", "country": "GB", "region": "Wales"},
    ])
    reports = load(reference_store, minter, path)
    assert located(reference_store, minter, "kent") == [nuts_region("UKJ4")]
    assert located(reference_store, minter, "cardiff") == [nuts_region("UKL")]
    assert any("'Wales' read as the NUTS 1 region UKL" in note for note in reports[0].notes)

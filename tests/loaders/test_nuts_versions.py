"""NUTS versions in loaded tables, into a real store: the United Kingdom's NUTS 2018 regions
load and are covered like any region; a NUTS 2021 region is in the store with its successor.
"""

from __future__ import annotations

import csv
import gc
from pathlib import Path

from pyoxigraph import NamedNode

from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.iri import Minter, nuts_region
from smekg.core.stores import GraphStore
from smekg.loaders.sources import file_sources, load_sources
from smekg.queries.service import QueryService
from smekg.reference.regions import nuts_successors


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_uk_nuts_2018_rows_load_and_are_covered_by_a_network_serving_the_uk(
    reference_store: GraphStore, minter: Minter, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "kent-chamber", "name": "Kent chamber", "country": "GB", "region": "UKJ4",
         "covers_regions": "UKJ4"},
        {"id": "uk-network", "name": "UK support network", "types": "network",
         "country": "United Kingdom", "covers_regions": "GB"},
    ])
    reports = load_sources(reference_store, file_sources([path], minter, reference_store),
                           minter)
    assert reports[0].status == "loaded"
    located = reference_store.select(
        "SELECT ?o ?r WHERE { ?o schema:location ?r }",
        {"o": NamedNode(minter.organisation("kent-chamber"))})
    assert [row["r"].value for row in located] == [nuts_region("UKJ4")]
    path_of_store = reference_store.path
    reference_store.close()  # the writer's files settle before a reader opens them
    gc.collect()

    service = QueryService(OxigraphBackend(path_of_store), minter)
    kent = service.coverage(region="UKJ41", limit=None)  # a NUTS-3 region of Kent
    by_iri = {item.iri: item for item in kent.results}
    network, chamber = minter.organisation("uk-network"), minter.organisation("kent-chamber")
    assert network in by_iri and chamber in by_iri
    # UKJ41 -> UKJ4 -> UKJ -> the country GB, which the network serves
    assert by_iri[network].match.region.iri == minter.country("GB")
    assert by_iri[chamber].match.explanation.startswith("serves UKJ4 (Kent), which contains "
                                                        "UKJ41")
    assert kent.region.label == service.index.label(nuts_region("UKJ41")) != "UKJ41"
    assert [org["iri"] for org in service.organisations_in_region("UKJ")] == [chamber]
    regions = service.places("regions", "UKJ", "nuts2", None)
    assert {(r["code"], r["label"], tuple(r["versions"])) for r in regions} >= {
        ("UKJ4", "Kent", ("2018",))}


def test_a_nuts_2021_region_is_in_the_store_with_its_successor(
    reference_store: GraphStore, minter: Minter
) -> None:
    change, successors = nuts_successors("NL332") or ("", [])
    assert (change, successors) == ("code-change", ["NL361"])
    rows = reference_store.select(
        "SELECT ?r ?version ?next ?change WHERE { ?r smekg:nutsVersion ?version ; "
        "dcterms:isReplacedBy ?next ; smekg:nutsChange ?change }",
        {"r": NamedNode(nuts_region("NL332"))})
    assert [(row["version"].value, row["next"].value, row["change"].value) for row in rows] == [
        ("2021", nuts_region("NL361"), "code-change")]
    service = QueryService(OxigraphBackend(reference_store.path), minter)
    index = service.index
    assert index.versions[nuts_region("NL332")] == ["2021"]
    assert nuts_region("NL332") in index.superseded
    assert nuts_region("NL361") not in index.superseded
    # the gap rows are the current regions: the successor, not the NUTS 2021 region
    gaps = service.gaps(scope="NL3", region_level="nuts3", sector_level="section")
    rows_of = {cell.region.code for cell in gaps.results}
    assert "NL361" in rows_of and "NL332" not in rows_of

"""Coverage and gaps across the NACE revisions, over real HTTP: an organisation described
with a NACE Rev. 2 code counts for the Rev. 2.1 code of the same code and title (and the
explanation says so), and for no other; a Rev. 2 sector is asked as Rev. 2."""

from __future__ import annotations

import csv
import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smekg.core.iri import Minter, nace_sector
from smekg.core.stores import GraphStore
from smekg.loaders.sources import file_sources, load_sources
from smekg.reference.sectors import linked_nace2_codes
from tests.conftest import BASE
from tests.graph_api.conftest import ApiServer

# Each organisation serves ITH55 (Bologna) and names one sector, as written in its table.
NAMED = {
    "names-rev2-6201": "62.01",  # Rev. 2 only: Rev. 2.1 has no 62.01
    "names-rev2-2511": "rev2:25.11",  # the same code and title in Rev. 2.1: linked
    "names-rev2-6391": "J63.91",  # news agencies; Rev. 2.1 63.91 is web search portals
    "names-rev2-62": "rev2:62",  # linked division
    "names-rev2-j": "rev2:J",  # INFORMATION AND COMMUNICATION: no Rev. 2.1 section like it
    "names-6210": "62.10",
    "names-62": "62",
}


@pytest.fixture(scope="module")
def nace_api(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[ApiServer]:
    directory = tmp_path_factory.mktemp("nace-api")
    store_dir = directory / "store"
    shutil.copytree(seeded_store_dir, store_dir)
    table = directory / "organisations.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "name", "covers_regions", "covers_sectors"])
        writer.writeheader()
        for key, sector in NAMED.items():
            writer.writerow({"id": key, "name": key, "covers_regions": "ITH55",
                             "covers_sectors": sector})
    store = GraphStore.open(store_dir)
    minter = Minter(BASE)
    load_sources(store, file_sources([table], minter, store), minter)
    del store
    gc.collect()  # close the RocksDB handle before the server opens the store
    server = ApiServer(store_dir, {}, directory / "server.log")
    yield server
    server.stop()


@pytest.fixture
def http(nace_api: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=nace_api.url, timeout=30.0) as client:
        yield client


def ours(http: httpx.Client, **params: str) -> dict[str, dict]:
    """The organisations of :data:`NAMED` that /coverage lists, by key, with their match."""
    response = http.get("/coverage", params={"region": "ITH55", "limit": "1000", **params})
    assert response.status_code == 200, response.text
    answer = response.json()
    return {item["iri"].rsplit("/", 1)[-1]: item["match"] for item in answer["results"]
            if item["iri"].rsplit("/", 1)[-1] in NAMED}


@pytest.mark.parametrize(("named", "asked"), [("25.11", "25.11"), ("63.91", "63.91"),
                                              ("62.01", "62.10")])
def test_a_rev21_sector_counts_a_rev2_code_if_and_only_if_it_is_linked(http, named, asked):
    key = next(k for k, v in NAMED.items() if v.endswith(named))
    listed = key in ours(http, sector=asked)
    assert listed == (named == asked and named in linked_nace2_codes())
    assert listed == (named == "25.11")  # the only one of the three whose title is unchanged


def test_the_explanation_says_the_codes_are_the_same(http):
    match = ours(http, sector="25.11")["names-rev2-2511"]
    assert match["sector"]["iri"] == nace_sector("2", "25.11")
    title = "Manufacture of metal structures and parts of structures"
    assert match["explanation"].startswith("serves ITH55")
    assert match["explanation"].endswith(
        f" itself; names NACE Rev. 2 25.11 ({title}), the same as NACE Rev. 2.1 25.11 "
        f"({title}) (the same code and title)"
    )


def test_a_rev21_class_counts_the_linked_rev2_division_and_its_section(http):
    found = ours(http, sector="62.10")
    assert set(found) == {"names-6210", "names-62", "names-rev2-62", "names-rev2-j"}
    division = "Computer programming, consultancy and related activities"
    assert found["names-rev2-62"]["explanation"].endswith(
        f"names NACE Rev. 2 62 ({division}), the same as NACE Rev. 2.1 62 ({division}) (the "
        "same code and title), which contains NACE Rev. 2.1 62.10 (Computer programming "
        "activities)"
    )
    assert found["names-rev2-j"]["explanation"].endswith(
        f"names NACE Rev. 2 J (INFORMATION AND COMMUNICATION), which contains NACE Rev. 2 62 "
        f"({division}), the same as NACE Rev. 2.1 62 ({division}) (the same code and title), "
        "which contains NACE Rev. 2.1 62.10 (Computer programming activities)"
    )
    assert found["names-62"]["explanation"].endswith(
        f"names 62 ({division}), which contains 62.10 (Computer programming activities)")


def test_a_rev2_sector_is_answered_as_rev2(http):
    response = http.get("/coverage", params={"region": "ITH55", "sector": "62.01"})
    answer = response.json()
    assert answer["sector"]["iri"] == nace_sector("2", "62.01")
    assert answer["notes"] and "read as NACE Rev. 2 62.01" in answer["notes"][0]
    found = ours(http, sector="62.01")
    # itself, the Rev. 2 division and section above it, the Rev. 2.1 division linked to that
    # division; not Rev. 2.1 62.10, which no bundled link ties to 62.01
    assert set(found) == {"names-rev2-6201", "names-rev2-62", "names-rev2-j", "names-62"}
    assert found["names-rev2-6201"]["explanation"].endswith(
        "names 62.01 (Computer programming activities) itself")


def test_gaps_count_a_linked_rev2_code(http):
    params = {"scope": "ITH55", "region_level": "nuts3", "sector_level": "class",
              "sector": "25.1", "broadest": "nuts3", "kinds": "organisation"}
    response = http.get("/gaps", params=params)
    assert response.status_code == 200, response.text
    gaps = {cell["sector"]["code"] for cell in response.json()["results"]}
    assert "25.11" not in gaps  # named as NACE Rev. 2 25.11 only
    assert "25.12" in gaps
    news = http.get("/gaps", params={**params, "sector": "63.9"}).json()
    assert "63.91" in {cell["sector"]["code"] for cell in news["results"]}  # not linked

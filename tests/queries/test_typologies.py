"""NUTS-3 typologies and NUTS versions in the query service, on the seeded store: the
index's typology filter (coverage, gaps) agrees with ``regions.rq``'s, and coverage of a
typology is the coverage of its regions, together."""

from __future__ import annotations

import pytest

from smekg.core.iri import nuts_region
from smekg.queries.params import ParamError
from smekg.reference.regions import bundled_nuts_codes


@pytest.mark.parametrize("typology", ["mountain", "island,coastal", "predominantly-rural",
                                      "capital-metropolitan", "border-population"])
def test_the_index_and_the_query_text_agree(oxigraph_service, typology):
    listed = {item["iri"] for item in oxigraph_service.places("regions", None, None, typology)}
    assert listed == set(oxigraph_service.typology_regions(typology.split(",")))
    assert listed


def test_coverage_of_a_typology_is_that_of_its_regions_together(oxigraph_service):
    service = oxigraph_service
    italy = service.bind("regions", {"within": "IT"})["within"]
    regions = service.typology_regions(["mountain"], str(italy))
    assert regions and all(service.index.levels[r] == 3 for r in regions)
    together: set[str] = set()
    for region in regions:
        together |= {item.iri for item in service.coverage(region=region, limit=None).results}
    answer = service.coverage(region="IT", typology="mountain", limit=None)
    assert {item.iri for item in answer.results} == together
    assert answer.count == len(together) and answer.typology == ["mountain"]
    nowhere = service.coverage(region="ITH55", typology="island", limit=None)
    assert nowhere.count == 0 and nowhere.results == []  # Bologna is no island


def test_several_typologies_ask_for_all_of_them(oxigraph_service):
    service = oxigraph_service
    both = set(service.typology_regions(["mountain", "island"]))
    assert both == set(service.typology_regions(["mountain"])) & set(
        service.typology_regions(["island"]))
    assert service.typology_regions(["predominantly-rural", "intermediate"]) == []


def test_a_typology_needs_nuts3(oxigraph_service):
    with pytest.raises(ParamError) as error:
        oxigraph_service.gaps(scope="AT", region_level="nuts2", typology="mountain")
    assert error.value.param == "region_level" and error.value.status == 422
    with pytest.raises(ParamError) as error:
        oxigraph_service.places("regions", "AT", "nuts1", "mountain")
    assert error.value.param == "level"
    with pytest.raises(ParamError) as error:
        oxigraph_service.coverage(region="AT", typology="mountains")
    assert error.value.param == "typology" and "mountain" in error.value.suggestions


def test_gap_rows_are_the_current_regions(oxigraph_service):
    answer = oxigraph_service.gaps(scope="PT", region_level="nuts2", sector_level="section")
    # the NUTS-2 regions of NUTS 2024 (PT19, PT1A, PT1B, PT1C, PT1D, ...) ...
    assert answer.regions == len([code for code in bundled_nuts_codes("2024")
                                  if code.startswith("PT") and len(code) == 4])
    listed = {item["code"] for item in oxigraph_service.places("regions", "PT1", "nuts2")}
    assert {"PT16", "PT17", "PT18"} <= listed  # ... not the NUTS 2021 ones they replaced
    index = oxigraph_service.index
    assert nuts_region("PT17") in index.superseded
    assert index.versions[nuts_region("PT17")] == ["2021"]

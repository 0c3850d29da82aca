"""/geo over real HTTP: the bundled NUTS and world shapes, caching, gzip and SMEKG_GEO_DIR."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import matplotlib.image
import pytest

from smekg.reference.geo import NUTS_ATTRIBUTION

NUTS = "http://data.europa.eu/nuts/code/"
PLAIN = {"Accept-Encoding": "identity"}


def _features(answer: httpx.Response) -> dict[str, dict]:
    return {feature["id"]: feature for feature in answer.json()["features"] if "id" in feature}


def test_nuts_level_3_has_every_region_with_name_and_iri(client: httpx.Client) -> None:
    answer = client.get("/geo/nuts/3")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/geo+json"
    collection = answer.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["attribution"] == NUTS_ATTRIBUTION
    assert "© EuroGeographics for the administrative boundaries" in collection["attribution"]
    assert "non-commercial" in collection["terms"]
    features = _features(answer)
    assert len(features) == len(collection["features"]) >= 1100
    bologna = features["ITH55"]
    assert bologna["properties"] == {"name": "Bologna", "level": 3, "iri": NUTS + "ITH55"}
    assert bologna["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert all(f["properties"]["name"] and f["properties"]["iri"] == NUTS + code
               for code, f in features.items())


def test_nuts_levels_and_a_level_that_is_not_one(client: httpx.Client) -> None:
    sizes = {level: len(client.get(f"/geo/nuts/{level}").json()["features"])
             for level in range(4)}
    assert sizes == {0: 38, 1: 112, 2: 290, 3: 1333}
    greece = _features(client.get("/geo/nuts/0"))["EL"]
    assert greece["properties"]["iso"] == "GR" and greece["properties"]["iri"] == NUTS + "EL"

    for bad in ("7", "-1", "two"):
        refused = client.get(f"/geo/nuts/{bad}")
        assert refused.status_code == 422, bad
        assert refused.json()["detail"][0]["loc"] == ["path", "level"]


def test_countries_have_iso_numeric_ids_names_and_iris(client: httpx.Client) -> None:
    answer = client.get("/geo/countries")

    assert answer.headers["content-type"] == "application/geo+json"
    collection = answer.json()
    assert len(collection["features"]) == 177
    assert "Natural Earth" in collection["attribution"]
    features = _features(answer)
    assert len(features) == 174  # N. Cyprus, Somaliland and Kosovo have no ISO code
    assert all(code.isdigit() and len(code) == 3 for code in features)
    italy = features["380"]
    assert italy["properties"] == {"name": "Italy", "iso": "IT", "iso3": "ITA",
                                   "iri": "https://w3id.org/smekg/id/country/IT"}
    # the IRI is the one /countries answers with
    listed = client.get("/countries", params={"limit": 300}).json()["results"]
    assert italy["properties"]["iri"] in {row["iri"] for row in listed}
    ring = italy["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1] and all(6 < lon < 19 and 36 < lat < 48 for lon, lat in ring)


def test_etag_304_and_cache_control(client: httpx.Client) -> None:
    first = client.get("/geo/nuts/2", headers=PLAIN)

    assert first.headers["cache-control"] == "public, max-age=86400"
    assert first.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
    assert "content-encoding" not in first.headers
    again = client.get("/geo/nuts/2", headers={**PLAIN, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "public, max-age=86400"
    listed = client.get("/geo/nuts/2", headers={**PLAIN, "If-None-Match":
                                                f'"other", W/{first.headers["etag"]}'})
    assert listed.status_code == 304
    other = client.get("/geo/nuts/2", headers={**PLAIN, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
    # another level, another tag
    assert client.get("/geo/nuts/1", headers=PLAIN).headers["etag"] != first.headers["etag"]


def test_gzip_when_the_client_accepts_it(client: httpx.Client) -> None:
    plain = client.get("/geo/nuts/3", headers=PLAIN)
    with client.stream("GET", "/geo/nuts/3", headers={"Accept-Encoding": "gzip"}) as streamed:
        raw = b"".join(streamed.iter_raw())
        headers = streamed.headers

    assert headers["content-encoding"] == "gzip" and "accept-encoding" in headers["vary"].lower()
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 3
    assert headers["etag"] == f'"{hashlib.sha256(raw).hexdigest()}"' != plain.headers["etag"]
    refused = client.get("/geo/nuts/3", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers
    not_modified = client.get("/geo/nuts/3", headers={"Accept-Encoding": "gzip",
                                                      "If-None-Match": headers["etag"]})
    assert not_modified.status_code == 304


def test_openapi_says_the_source_and_attribution(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    nuts = paths["/geo/nuts/{level}"]["get"]
    assert "© EuroGeographics for the administrative boundaries" in nuts["description"]
    assert "application/geo+json" in nuts["responses"]["200"]["content"]
    assert "Natural Earth" in paths["/geo/countries"]["get"]["description"]


@pytest.fixture(scope="module")
def own_shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SMEKG_GEO_DIR holding one NUTS-2 file (GISCO property names) and its attribution."""
    folder = tmp_path_factory.mktemp("geo")
    square = {"type": "Polygon", "coordinates": [[[11, 44], [12, 44], [12, 45], [11, 45],
                                                  [11, 44]]]}
    (folder / "nuts2024_60m").mkdir()
    (folder / "nuts2024_60m" / "nutsrg_2.json").write_text(json.dumps({
        "type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"NUTS_ID": "ITH5", "NAME_LATN": "Emilia-Romagna"},
             "geometry": square}]}), "utf-8")
    (folder / "nuts2024_60m" / "ATTRIBUTION.txt").write_text(
        "ESPON harmonised NUTS, CC BY-SA 4.0\n", "utf-8")
    return folder


def test_smekg_geo_dir_replaces_the_bundled_shapes(start_api, own_shapes: Path) -> None:
    server = start_api(SMEKG_GEO_DIR=str(own_shapes))
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        replaced = http.get("/geo/nuts/2").json()
        kept = http.get("/geo/nuts/3").json()

    assert replaced["attribution"] == "ESPON harmonised NUTS, CC BY-SA 4.0"
    assert [(f["id"], f["properties"]["name"]) for f in replaced["features"]] == [
        ("ITH5", "Emilia-Romagna")]
    assert kept["attribution"] == NUTS_ATTRIBUTION and len(kept["features"]) == 1333


def test_the_gap_map_as_png_svg_and_pdf(client: httpx.Client) -> None:
    params = {"scope": "IT", "region_level": "nuts2", "broadest": "country", "plot_kind": "map"}
    png = client.get("/analytics/gaps", params={**params, "format": "png"})
    assert png.headers["content-type"] == "image/png"
    assert 'filename="gap-map.png"' in png.headers["content-disposition"]
    height, width, _ = matplotlib.image.imread(io.BytesIO(png.content), format="png").shape
    assert (width, height) == (1400, 1400)

    svg = client.get("/analytics/gaps", params={**params, "format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    titles = [title.text for title in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "ITH5 Emilia-Romagna: 0 of 22 sectors with no provider" in titles
    assert len(titles) == 21
    text = "".join(root.itertext())
    assert "© EuroGeographics for the administrative boundaries" in text
    assert "coverage at country level or narrower" in text

    pdf = client.get("/analytics/gaps", params={**params, "format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    heatmap = client.get("/analytics/gaps", params={**params, "format": "png",
                                                    "plot_kind": "heatmap"})
    assert heatmap.content.startswith(b"\x89PNG") and heatmap.content != png.content
    bad = client.get("/analytics/gaps", params={**params, "format": "png", "plot_kind": "pie"})
    assert bad.status_code == 422

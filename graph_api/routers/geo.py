"""Shapes for maps: NUTS 2024 regions and the world's countries, as GeoJSON.

Each answer is built once per process (in the threadpool, never on the event loop), then
served from memory as the same bytes, gzip-compressed or not, with a strong ``ETag`` (the
SHA-256 of the bytes sent) and ``Cache-Control: public, max-age=86400``; a request whose
``If-None-Match`` names the current ``ETag`` is answered ``304 Not Modified``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from smekg.core.iri import Minter
from smekg.graph_api.deps import BoundedParams, SettingsDep
from smekg.reference import geo

router = APIRouter(prefix="/geo", tags=["geo"], dependencies=[BoundedParams])

GEOJSON = "application/geo+json"
CACHE_CONTROL = "public, max-age=86400"
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A GeoJSON FeatureCollection (RFC 7946), gzip-compressed when the "
          "client accepts it.", "content": {GEOJSON: {}}},
    304: {"description": "Not modified: the If-None-Match header names the current ETag."},
}


@dataclass(frozen=True)
class _Encoded:
    """One answer's bytes, plain and gzip-compressed, each with its strong ETag."""

    plain: bytes
    plain_etag: str
    compressed: bytes
    compressed_etag: str

    @classmethod
    def of(cls, collection: dict[str, Any]) -> _Encoded:
        plain = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
        compressed = gzip.compress(plain, compresslevel=6, mtime=0)  # the same bytes each time
        return cls(plain, _etag(plain), compressed, _etag(compressed))


_ENCODED: dict[tuple[object, ...], _Encoded] = {}
_LOCK = threading.Lock()


def _etag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def _build(key: tuple[object, ...], make: Callable[[], dict[str, Any]]) -> _Encoded:
    with _LOCK:  # one build per answer, however many requests ask at once
        encoded = _ENCODED.get(key)
        if encoded is None:
            encoded = _ENCODED[key] = _Encoded.of(make())
        return encoded


async def _serve(request: Request, key: tuple[object, ...],
                 make: Callable[[], dict[str, Any]], filename: str) -> Response:
    encoded = _ENCODED.get(key)
    if encoded is None:
        encoded = await run_in_threadpool(_build, key, make)
    compressed = _accepts_gzip(request.headers.get("accept-encoding", ""))
    body, etag = ((encoded.compressed, encoded.compressed_etag) if compressed
                  else (encoded.plain, encoded.plain_etag))
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if compressed:
        headers["Content-Encoding"] = "gzip"
    headers["Content-Disposition"] = f'inline; filename="{filename}.geojson"'
    return Response(body, media_type=GEOJSON, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (``gzip`` or ``*`` with a q above 0)."""
    allowed: dict[str, bool] = {}
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            allowed[coding.lower()] = quality > 0
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", False)))


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks) or is
    ``*``."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def _geo_dir(settings_dir: FilePath | None) -> tuple[object, ...]:
    return (str(settings_dir) if settings_dir is not None else None,)


@router.get("/nuts/{level}", response_class=Response, responses=_RESPONSES)
async def nuts(
    request: Request, settings: SettingsDep,
    level: Annotated[int, Path(ge=0, le=3, description="The NUTS level: 0 (countries), 1, 2 "
                               "or 3; any other value is a 422.", examples=[3])],
) -> Response:
    """The NUTS 2024 regions of one level as a GeoJSON FeatureCollection
    (`application/geo+json`): 38 at level 0, 112 at 1, 290 at 2, 1,333 at 3.

    Each feature's `id` is the NUTS code (`ITH55`) and its properties are `name` (the
    region's name in the shapes file, in its national language: `Bologna`), `level` and
    `iri` (the official NUTS IRI, `http://data.europa.eu/nuts/code/ITH55`, as
    `/regions`, `/coverage` and `/gaps` answers name regions), so a map can join the
    shapes with any answer; at level 0 also `iso`, the ISO 3166-1 code (`EL` is `GR`).
    Coordinates are WGS 84 longitude, latitude.

    **Source and attribution**: Eurostat GISCO, NUTS 2024 at 1:60 million, through the
    Nuts2json project. "© EuroGeographics for the administrative boundaries" must be shown
    with any map drawn from them; GISCO's terms allow non-commercial use (commercial use
    needs a licence from EuroGeographics). The collection repeats this in its
    `attribution` and `terms` members. `SMEKG_GEO_DIR` serves other shapes instead (e.g.
    ESPON's CC BY-SA harmonised NUTS), with their own attribution.

    Cached for a day (`Cache-Control`), with a strong `ETag` (304 on `If-None-Match`);
    gzip-compressed when `Accept-Encoding` allows it."""
    geo_dir = settings.geo_dir
    return await _serve(request, ("nuts", level, *_geo_dir(geo_dir)),
                        lambda: geo.nuts_feature_collection(level, geo_dir), f"nuts{level}")


@router.get("/countries", response_class=Response, responses=_RESPONSES)
async def countries(request: Request, settings: SettingsDep) -> Response:
    """The world's countries as a GeoJSON FeatureCollection (`application/geo+json`),
    177 shapes.

    Each feature's `id` is the ISO 3166-1 numeric code as text (`"380"`; N. Cyprus,
    Somaliland and Kosovo have none) and its properties are `name` (the name in the file:
    `Italy`) and, for ISO 3166-1 countries, `iso` (alpha-2, `IT`), `iso3` (`ITA`) and `iri`
    (the country's IRI, as `/countries` answers). Coordinates are WGS 84 longitude,
    latitude.

    **Source and attribution**: Natural Earth Admin 0 countries at 1:110 million (public
    domain), from the npm package world-atlas 2.0.2 (TopoJSON, decoded to GeoJSON once).
    The collection says so in its `attribution` and `terms` members.

    Cached for a day (`Cache-Control`), with a strong `ETag` (304 on `If-None-Match`);
    gzip-compressed when `Accept-Encoding` allows it."""
    geo_dir, base = settings.geo_dir, settings.base_iri
    return await _serve(request, ("countries", base, *_geo_dir(geo_dir)),
                        lambda: geo.countries_feature_collection(Minter(base), geo_dir),
                        "countries")

"""Region and country shapes for maps: NUTS 2024 regions and the world's countries.

The package ships (in ``smekg.data.reference.geo``; sources, checksums and licences in its
``SOURCES.md``):

* ``nuts2024_60m/nutsrg_{0..3}.json``: NUTS 2024 regions of levels 0 to 3 at 1:60 million,
  and ``nuts2024_60m/cntrg.json``: the countries around them, from Eurostat GISCO through
  the Nuts2json project (GeoJSON, WGS 84; properties ``id``, the code, and ``na``, the
  name). Free with the attribution :data:`NUTS_ATTRIBUTION`, for non-commercial use
  (GISCO's terms).
* ``world_atlas/countries-110m.json``: the world's countries at 1:110 million from Natural
  Earth (public domain) through the npm package ``world-atlas`` 2.0.2 (TopoJSON; ids are
  ISO 3166-1 numeric codes), decoded by :func:`topojson_features`.

``SMEKG_GEO_DIR`` names a folder of the user's own shapes, laid out like the bundled folder
(or with the files directly in it): each file found there replaces the bundled one of the
same name, e.g. ESPON's harmonised NUTS (CC BY-SA) instead of GISCO's. A replaced file's
attribution is the file's own top-level ``attribution`` member, else the text of an
``ATTRIBUTION.txt`` beside it, else its file name.

Examples
--------
>>> layer = nuts_shapes(3)
>>> layer.by_code()["ITH55"].name
'Bologna'
>>> len(layer.shapes) > 1100, layer.attribution.startswith("© EuroGeographics")
(True, True)
>>> world_countries().by_code()["380"].name
'Italy'
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeAlias

import pycountry

from smekg.core.iri import Minter, nuts_region
from smekg.core.settings import get_settings

GEO_PACKAGE = "smekg.data.reference.geo"
"""The package folder holding the bundled shapes."""
NUTS_FOLDER = "nuts2024_60m"
WORLD_FOLDER = "world_atlas"
NUTS_LEVELS = (0, 1, 2, 3)
"""The NUTS levels with shapes."""

NUTS_ATTRIBUTION = ("© EuroGeographics for the administrative boundaries. Source: GISCO – "
                    "Eurostat (European Commission), NUTS 2024 at 1:60 million, via "
                    "eurostat/Nuts2json")
"""The attribution GISCO requires wherever its NUTS shapes are shown (non-commercial use)."""
NUTS_TERMS = ("GISCO's terms: free for non-commercial use with the attribution "
              "'© EuroGeographics for the administrative boundaries'; commercial use needs "
              "a licence from EuroGeographics")
WORLD_ATTRIBUTION = ("Made with Natural Earth (public domain): Admin 0 countries at "
                     "1:110 million, via the npm package world-atlas 2.0.2")
"""The attribution of the world's country shapes (Natural Earth asks for none; given anyway)."""
WORLD_TERMS = "Natural Earth: public domain; world-atlas packaging: ISC licence"

_NUTS_TO_ISO = {"EL": "GR", "UK": "GB"}  # the two NUTS country codes that are not ISO's
Position: TypeAlias = tuple[float, float]
Ring: TypeAlias = list[Position]
Polygon: TypeAlias = list[Ring]
"""A polygon: its outer ring first, then its holes (each ring closed: last = first)."""


class GeoDataError(ValueError):
    """A shape file that cannot be read as the shapes it should hold."""


@dataclass(frozen=True)
class Shape:
    """One region or country: its code, its name in the file and its GeoJSON geometry."""

    code: str | None
    name: str
    geometry: Mapping[str, Any] = field(repr=False)

    def polygons(self) -> list[Polygon]:
        """The geometry as polygons of rings of ``(lon, lat)`` (a Polygon gives one)."""
        kind, coordinates = self.geometry.get("type"), self.geometry.get("coordinates", [])
        parts = [coordinates] if kind == "Polygon" else coordinates
        return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in part]
                for part in parts]


@dataclass(frozen=True)
class ShapeLayer:
    """The shapes of one file, where they come from and how to credit them."""

    title: str
    file: str
    bundled: bool
    attribution: str
    terms: str
    shapes: tuple[Shape, ...] = field(repr=False)

    def by_code(self) -> dict[str, Shape]:
        """The shapes with a code, by code."""
        return {shape.code: shape for shape in self.shapes if shape.code is not None}


def bundled_geo_dir() -> Path:
    """The folder of the bundled shapes, wherever the package is installed (found with
    :mod:`importlib.resources`, as ``smekg.loaders.bundled.bundled_data_dir`` finds the
    seed)."""
    return Path(str(resources.files("smekg.data"))).joinpath(*GEO_PACKAGE.split(".")[2:])


def nuts_shapes(level: int, geo_dir: Path | None = None) -> ShapeLayer:
    """The NUTS 2024 regions of ``level`` (0 to 3).

    Parameters
    ----------
    level
        The NUTS level.
    geo_dir
        A folder of the user's shapes (default: ``SMEKG_GEO_DIR``, if set); a file it does
        not hold is read from the package.

    Raises
    ------
    ValueError
        If ``level`` is not one of :data:`NUTS_LEVELS`.
    GeoDataError
        If the file cannot be read as a GeoJSON FeatureCollection of coded regions.
    """
    if level not in NUTS_LEVELS:
        raise ValueError(f"no NUTS level {level!r}: the levels are 0, 1, 2 and 3")
    return _layer(f"{NUTS_FOLDER}/nutsrg_{level}.json", f"NUTS 2024 regions, level {level}",
                  NUTS_ATTRIBUTION, NUTS_TERMS, coded=True, geo_dir=geo_dir)


def nuts_background(geo_dir: Path | None = None) -> ShapeLayer:
    """The countries in and around the NUTS area (Nuts2json's ``cntrg.json``), as a map's
    background where the NUTS regions are not drawn (``geo_dir``: as :func:`nuts_shapes`)."""
    return _layer(f"{NUTS_FOLDER}/cntrg.json", "Countries around the NUTS area",
                  NUTS_ATTRIBUTION, NUTS_TERMS, coded=True, geo_dir=geo_dir)


def world_countries(geo_dir: Path | None = None) -> ShapeLayer:
    """The world's countries (Natural Earth, 1:110m), coded by ISO 3166-1 numeric code
    (``geo_dir``: as :func:`nuts_shapes`).

    Three shapes have no code in the file: N. Cyprus, Somaliland and Kosovo.
    """
    return _layer(f"{WORLD_FOLDER}/countries-110m.json", "Countries of the world",
                  WORLD_ATTRIBUTION, WORLD_TERMS, coded=False, geo_dir=geo_dir)


def nuts_feature_collection(level: int, geo_dir: Path | None = None) -> dict[str, Any]:
    """The NUTS regions of ``level`` as a GeoJSON FeatureCollection for the API.

    Each feature has the region's code as ``id`` and the properties ``name`` (the file's
    name), ``level`` and ``iri`` (the official NUTS IRI); at level 0 also ``iso`` (the ISO
    3166-1 code: ``EL`` is ``GR``). The collection's foreign members (RFC 7946, 6.1) say
    where the shapes come from: ``attribution``, ``terms``, ``source``. ``geo_dir``: as
    :func:`nuts_shapes`.
    """
    layer = nuts_shapes(level, geo_dir)
    features = []
    for shape in layer.shapes:
        code = shape.code or ""
        properties: dict[str, Any] = {"name": shape.name, "level": level,
                                      "iri": nuts_region(code)}
        if level == 0:
            properties["iso"] = _NUTS_TO_ISO.get(code, code)
        features.append(_feature(code, properties, shape.geometry))
    return _collection(layer, features)


def countries_feature_collection(minter: Minter, geo_dir: Path | None = None
                                 ) -> dict[str, Any]:
    """The world's countries as a GeoJSON FeatureCollection for the API.

    Each feature has its ISO 3166-1 numeric code as ``id`` (as in the file; three shapes
    have none) and the properties ``name`` (the file's name) and, where the numeric code is
    an ISO 3166-1 country, ``iso`` (alpha-2), ``iso3`` (alpha-3) and ``iri`` (the
    country's IRI in the graph, as ``/countries`` answers). ``geo_dir``: as
    :func:`nuts_shapes`.
    """
    layer = world_countries(geo_dir)
    features = []
    for shape in layer.shapes:
        properties: dict[str, Any] = {"name": shape.name}
        country = pycountry.countries.get(numeric=shape.code) if shape.code else None
        if country is not None:
            properties.update(iso=country.alpha_2, iso3=country.alpha_3,
                              iri=minter.country(country.alpha_2))
        features.append(_feature(shape.code, properties, shape.geometry))
    return _collection(layer, features)


def iso_to_nuts(code: str) -> str:
    """The NUTS country code of an ISO 3166-1 alpha-2 code (``GR`` -> ``EL``).

    Examples
    --------
    >>> iso_to_nuts("GR"), iso_to_nuts("GB"), iso_to_nuts("IT")
    ('EL', 'UK', 'IT')
    """
    return {iso: nuts for nuts, iso in _NUTS_TO_ISO.items()}.get(code.upper(), code.upper())


def iso_numeric(alpha2: str) -> str | None:
    """The ISO 3166-1 numeric code of an alpha-2 code, as world-atlas writes it.

    Examples
    --------
    >>> iso_numeric("IT"), iso_numeric("XX")
    ('380', None)
    """
    country = pycountry.countries.get(alpha_2=alpha2.upper())
    return None if country is None else str(country.numeric)


# --- TopoJSON ------------------------------------------------------------------------------


def topojson_features(topology: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The geometries of the object ``name`` of a TopoJSON topology, as GeoJSON features.

    Arcs are decoded as the TopoJSON specification says: with a ``transform`` each arc's
    positions are quantized and delta-encoded (the first absolute, the next as differences
    from the one before), scaled and translated; an arc index ``i < 0`` means arc ``~i``
    reversed; the arcs of a ring are joined, each next arc's first position (the previous
    arc's last) dropped. Polygons and multipolygons are decoded (points and lines too);
    a geometry collection's members become features of their own.

    Parameters
    ----------
    topology
        The parsed TopoJSON (``"type": "Topology"``).
    name
        The object to decode, e.g. ``countries``.

    Returns
    -------
    list of dict
        GeoJSON features with the geometry's ``id`` (when it has one) and ``properties``.

    Raises
    ------
    GeoDataError
        If the topology has no such object or is not a topology.

    Examples
    --------
    >>> topology = {"type": "Topology", "transform": {"scale": [0.5, 0.5],
    ...             "translate": [10, 40]},
    ...             "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2]]],
    ...             "objects": {"land": {"type": "GeometryCollection", "geometries": [
    ...                 {"type": "Polygon", "arcs": [[0, 1]], "id": "1"}]}}}
    >>> [feature] = topojson_features(topology, "land")
    >>> feature["id"], feature["geometry"]["coordinates"]
    ('1', [[[10.0, 40.0], [11.0, 40.0], [11.0, 41.0], [10.0, 41.0], [10.0, 40.0]]])
    """
    if topology.get("type") != "Topology":
        raise GeoDataError("not a TopoJSON topology (its type is not 'Topology')")
    objects = topology.get("objects") or {}
    if name not in objects:
        raise GeoDataError(f"the topology has no object {name!r} (it has: "
                           f"{', '.join(sorted(objects)) or 'none'})")
    arcs = _decode_arcs(topology)
    transform = topology.get("transform")

    def point(position: Sequence[float]) -> list[float]:
        if not transform:
            return [float(position[0]), float(position[1])]
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        return [round(position[0] * sx + tx, 6), round(position[1] * sy + ty, 6)]

    def line(indexes: Sequence[int]) -> list[list[float]]:
        points: list[list[float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        return points

    def ring(indexes: Sequence[int]) -> list[list[float]]:
        points = line(indexes)
        while len(points) < 4:  # a degenerate ring is still a closed one (RFC 7946 3.1.6)
            points.append(points[0])
        return points

    def geometry(item: Mapping[str, Any]) -> dict[str, Any] | None:
        kind = item.get("type")
        if kind == "Polygon":
            return {"type": kind, "coordinates": [ring(r) for r in item["arcs"]]}
        if kind == "MultiPolygon":
            return {"type": kind, "coordinates": [[ring(r) for r in polygon]
                                                  for polygon in item["arcs"]]}
        if kind == "LineString":
            return {"type": kind, "coordinates": line(item["arcs"])}
        if kind == "MultiLineString":
            return {"type": kind, "coordinates": [line(part) for part in item["arcs"]]}
        if kind == "Point":
            return {"type": kind, "coordinates": point(item["coordinates"])}
        if kind == "MultiPoint":
            return {"type": kind, "coordinates": [point(p) for p in item["coordinates"]]}
        return None  # a null geometry

    def features(item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        if item.get("type") == "GeometryCollection":
            for member in item.get("geometries", []):
                yield from features(member)
            return
        feature: dict[str, Any] = {"type": "Feature"}
        if "id" in item:
            feature["id"] = item["id"]
        feature["properties"] = dict(item.get("properties") or {})
        feature["geometry"] = geometry(item)
        yield feature

    return list(features(objects[name]))


def _decode_arcs(topology: Mapping[str, Any]) -> list[list[list[float]]]:
    """Every arc as absolute positions (quantized arcs delta-decoded and transformed)."""
    transform = topology.get("transform")
    decoded = []
    for arc in topology.get("arcs", []):
        if not transform:
            decoded.append([[float(p[0]), float(p[1])] for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append([round(x * sx + tx, 6), round(y * sy + ty, 6)])
        decoded.append(points)
    return decoded


# --- reading -------------------------------------------------------------------------------

_CODE_PROPERTIES = ("id", "NUTS_ID", "CNTR_ID", "ISO_N3", "iso_n3", "code")
_NAME_PROPERTIES = ("na", "name", "NAME_LATN", "NUTS_NAME", "NAME_ENGL", "NAME", "CNTR_NAME")
_LOCK = threading.Lock()
_LAYERS: dict[tuple[str, str], ShapeLayer] = {}


def _layer(file: str, title: str, attribution: str, terms: str, *, coded: bool,
           geo_dir: Path | None) -> ShapeLayer:
    """The shapes of ``file`` (under ``geo_dir`` when there, else bundled), read once."""
    path, bundled = _locate(file, geo_dir)
    key = (file, str(path))
    with _LOCK:
        layer = _LAYERS.get(key)
    if layer is not None:
        return layer
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise GeoDataError(f"cannot read the shapes in {path}: {error}") from error
    if not isinstance(data, dict):
        raise GeoDataError(f"{path}: not a GeoJSON FeatureCollection nor a TopoJSON topology")
    features = _features(data, path)
    shapes = tuple(_shape(feature, path, index, coded) for index, feature in
                   enumerate(features) if (feature.get("geometry") or {}).get("type")
                   in ("Polygon", "MultiPolygon"))
    if not shapes:
        raise GeoDataError(f"{path}: no polygons")
    if not bundled:
        attribution = _user_attribution(data, path)
        terms = "the terms of the file given in SMEKG_GEO_DIR"
    layer = ShapeLayer(title=title, file=file, bundled=bundled, attribution=attribution,
                       terms=terms, shapes=shapes)
    with _LOCK:
        return _LAYERS.setdefault(key, layer)


def _locate(file: str, geo_dir: Path | None) -> tuple[Path, bool]:
    """Where ``file`` is read from, and whether that is the bundled copy."""
    user = geo_dir if geo_dir is not None else get_settings().geo_dir
    if user is not None:
        for candidate in (user / file, user / Path(file).name):
            if candidate.is_file():
                return candidate, False
    return bundled_geo_dir() / file, True


def _features(data: Mapping[str, Any], path: Path) -> list[Mapping[str, Any]]:
    if data.get("type") == "Topology":
        objects = data.get("objects") or {}
        name = "countries" if "countries" in objects else next(iter(objects), "")
        try:
            return list(topojson_features(data, name))
        except (GeoDataError, KeyError, IndexError, TypeError) as error:
            raise GeoDataError(f"{path}: cannot decode the topology: {error}") from error
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise GeoDataError(f"{path}: not a GeoJSON FeatureCollection nor a TopoJSON topology")
    return [feature for feature in data["features"] if isinstance(feature, dict)]


def _shape(feature: Mapping[str, Any], path: Path, index: int, coded: bool) -> Shape:
    properties = feature.get("properties") or {}
    code = feature.get("id")
    if code is None:
        code = next((properties[key] for key in _CODE_PROPERTIES if properties.get(key)), None)
    name = next((str(properties[key]) for key in _NAME_PROPERTIES if properties.get(key)),
                None)
    if coded and code is None:
        raise GeoDataError(f"{path}: feature {index} has no code (an 'id', or a property "
                           f"{', '.join(_CODE_PROPERTIES)})")
    text = None if code is None else str(code).strip()
    if coded and text:
        text = text.upper()
    return Shape(code=text or None, name=name or text or "", geometry=feature["geometry"])


def _user_attribution(data: Mapping[str, Any], path: Path) -> str:
    if isinstance(data.get("attribution"), str) and data["attribution"].strip():
        return str(data["attribution"]).strip()
    note = path.parent / "ATTRIBUTION.txt"
    if note.is_file():
        return " ".join(note.read_text("utf-8").split())
    return f"Shapes from {path.name} (SMEKG_GEO_DIR)"


def _feature(code: str | None, properties: dict[str, Any], geometry: Mapping[str, Any]
             ) -> dict[str, Any]:
    feature: dict[str, Any] = {"type": "Feature"}
    if code is not None:
        feature["id"] = code
    feature["properties"] = properties
    feature["geometry"] = geometry
    return feature


def _collection(layer: ShapeLayer, features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "title": layer.title,
            "attribution": layer.attribution, "terms": layer.terms,
            "source": f"smekg/data/reference/geo/{layer.file}" if layer.bundled
            else f"SMEKG_GEO_DIR: {Path(layer.file).name}",
            "features": features}

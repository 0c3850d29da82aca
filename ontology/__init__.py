"""The smekg ontology: namespaces, term IRIs and the OWL/SHACL files.

The ontology reuses standard vocabularies wherever one fits (W3C ORG, SKOS,
schema.org, CPSV-AP / Core Vocabularies, PROV-O, DCTERMS, Core Location,
RegOrg, XKOS) and adds a small ``smekg:`` vocabulary only for what they lack.
The authoritative definitions are the Turtle files next to this module:

* ``smekg.ttl``   -- the OWL ontology and its SKOS concept schemes
                      (organisation types, service types, themes, roles).
* ``shapes.ttl``  -- SHACL shapes that loaded data must satisfy.

Examples
--------
>>> from smekg.ontology import SMEKG, load_ontology
>>> str(SMEKG.Network)
'https://w3id.org/smekg/ontology#Network'
>>> len(load_ontology()) > 100
True
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

__all__ = [
    "ADMS",
    "CPSV",
    "CV",
    "DCTERMS",
    "FOAF",
    "LOCN",
    "M49",
    "NACE2",
    "NACE21",
    "NUTS",
    "NUTS_SCHEME",
    "ONTOLOGY_IRI",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "ROV",
    "SCHEMA",
    "SH",
    "SKOS",
    "SMEKG",
    "TIME",
    "WD",
    "XKOS",
    "XSD",
    "load_ontology",
    "load_shapes",
    "ontology_path",
    "shapes_path",
]

ONTOLOGY_IRI = "https://w3id.org/smekg/ontology"
SMEKG = Namespace(ONTOLOGY_IRI + "#")

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
XKOS = Namespace("http://rdf-vocabulary.ddialliance.org/xkos#")
TIME = Namespace("http://www.w3.org/2006/time#")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

# Official EU identifiers, so that data joins with EU open data.
NUTS = Namespace("http://data.europa.eu/nuts/code/")
NUTS_SCHEME = Namespace("http://data.europa.eu/nuts/scheme/")
NACE2 = Namespace("http://data.europa.eu/ux2/nace2/")
NACE21 = Namespace("http://data.europa.eu/ux2/nace2.1/")
# UN M49 area codes (continents and the world), as published by the UN Statistics Division.
M49 = Namespace("http://unstats.un.org/unsd/methodology/m49/")

PREFIXES: dict[str, str] = {
    "smekg": str(SMEKG),
    "org": str(ORG),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "cpsv": str(CPSV),
    "cv": str(CV),
    "locn": str(LOCN),
    "rov": str(ROV),
    "adms": str(ADMS),
    "xkos": str(XKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "time": str(TIME),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "nuts": str(NUTS),
    "nace2": str(NACE2),
    "nace21": str(NACE21),
    "wd": str(WD),
}

_HERE = Path(__file__).parent


def ontology_path() -> Path:
    """Path of the OWL ontology (Turtle)."""
    return Path(str(resources.files(__name__).joinpath("smekg.ttl")))


def shapes_path() -> Path:
    """Path of the SHACL shapes (Turtle)."""
    return Path(str(resources.files(__name__).joinpath("shapes.ttl")))


@cache
def _parsed(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def load_ontology() -> Graph:
    """Return the ontology as an rdflib graph (a fresh copy each call)."""
    copy = Graph()
    for triple in _parsed(ontology_path()):
        copy.add(triple)
    return copy


def load_shapes() -> Graph:
    """Return the SHACL shapes as an rdflib graph (a fresh copy each call)."""
    copy = Graph()
    for triple in _parsed(shapes_path()):
        copy.add(triple)
    return copy

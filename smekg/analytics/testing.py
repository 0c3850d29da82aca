"""A small hand-built ecosystem, for examples and tests (IRIs shortened to ``ex:``).

A network serving Europe has three members: IPI (Italy, metal products), MEDEF (France)
and Italy itself; IPI also collaborates with MEDEF.
"""

from __future__ import annotations

from collections import defaultdict

from smekg.core.backends import Iri, Row
from smekg.queries.graph_index import KIND_CLASSES, GraphIndex

_ORG = "http://www.w3.org/ns/org#"
_SMEKG = "https://w3id.org/smekg/ontology#"
_BROADER = "http://www.w3.org/2004/02/skos/core#broader"
_GRAPH = "ex:graph/toy"

_ENTITIES = {  # iri: (kind, label, code)
    "ex:europe": ("continent", "Europe", "europe"),
    "ex:IT": ("country", "Italy", "IT"),
    "ex:FR": ("country", "France", "FR"),
    "ex:ITH5": ("nuts-region", "Emilia-Romagna", "ITH5"),
    "ex:C": ("sector", "Manufacturing", "C"),
    "ex:C25": ("sector", "Fabricated metal products", "C25"),
    "ex:ipi": ("organisation", "IPI", "ipi"),
    "ex:medef": ("organisation", "MEDEF", "medef"),
    "ex:network": ("network", "Network", "network"),
}
_LINKS = [  # subject, predicate, object
    ("ex:IT", _BROADER, "ex:europe"),
    ("ex:FR", _BROADER, "ex:europe"),
    ("ex:ITH5", _BROADER, "ex:IT"),
    ("ex:C25", _BROADER, "ex:C"),
    ("ex:ipi", f"{_SMEKG}country", "ex:IT"),
    ("ex:ipi", "http://data.europa.eu/m8g/sector", "ex:C25"),
    ("ex:medef", f"{_SMEKG}country", "ex:FR"),
    ("ex:network", "https://schema.org/areaServed", "ex:europe"),
    ("ex:ipi", f"{_SMEKG}collaboratesWith", "ex:medef"),
]
_MEMBERS = [("ex:ipi", "ex:network"), ("ex:medef", "ex:network"), ("ex:IT", "ex:network")]


def toy_index() -> GraphIndex:
    """The graph index of the toy ecosystem."""
    lists: dict[str, defaultdict[str, list[str]]] = {
        name: defaultdict(list) for name in ("by_key", "broader", "narrower", "sectors_of",
                                             "sector_users", "regions_of", "served_by",
                                             "networks_of")}
    tags: defaultdict[str, set[str]] = defaultdict(set)
    labels, codes = {}, {}
    for iri, (kind, label, code) in _ENTITIES.items():
        tags[iri].add(KIND_CLASSES[kind])
        labels[iri] = label
        codes[iri] = code
        lists["by_key"][code.casefold()].append(iri)
    for subject, predicate, obj in _LINKS:
        if predicate == _BROADER:
            lists["broader"][subject].append(obj)
            lists["narrower"][obj].append(subject)
        elif predicate.endswith("sector"):
            lists["sectors_of"][subject].append(obj)
            lists["sector_users"][obj].append(subject)
        elif predicate.endswith("areaServed"):
            lists["regions_of"][subject].append(obj)
            lists["served_by"][obj].append(subject)
    for member, network in _MEMBERS:
        lists["networks_of"][member].append(network)
    return GraphIndex(version="toy", tags=tags, labels=labels, codes=codes,
                      member_countries={"ex:IT"}, by_key=lists["by_key"],
                      broader=lists["broader"], narrower=lists["narrower"],
                      sectors_of=lists["sectors_of"], sector_users=lists["sector_users"],
                      regions_of=lists["regions_of"], served_by=lists["served_by"],
                      networks_of=lists["networks_of"])


def toy_rows() -> list[Row]:
    """The rows the edges query returns for the toy ecosystem."""
    rows: list[Row] = [{"subject": Iri(s), "relation": Iri(p), "object": Iri(o),
                        "source": Iri(_GRAPH)} for s, p, o in _LINKS]
    rows += [{"subject": Iri(m), "relation": Iri(f"{_ORG}memberOf"), "object": Iri(n),
              "source": Iri(_GRAPH), "role": Iri(f"{_ORG}member")} for m, n in _MEMBERS]
    return rows

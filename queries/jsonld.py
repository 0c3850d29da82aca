"""The JSON-LD of an answer: linked data that says what the store says, in its terms.

An answer's JSON-LD (``?format=jsonld``, ``Accept: application/ld+json``) is a graph, not
the JSON with a context on top. Every entity the answer names is a node identified by its
IRI, with the statements the answer makes about it, in the ontology's own terms:

* ``@type``: the classes it has in the store (``smekg:Network``, ``org:Organization``, ...);
* ``skos:prefLabel`` (its name), ``skos:notation`` or ``dcterms:identifier`` (its code),
  ``smekg:level``, ``smekg:policyKind``, ... as the exact literals the store holds
  (language tag and datatype included);
* links to other entities and to concepts by IRI: ``schema:areaServed`` (regions it
  serves), ``cv:sector``, ``skos:broader``, ``org:classification`` and
  ``smekg:providesService`` (the SKOS concepts of its types and services), ...;
* memberships as ``org:Membership`` nodes (``org:member``, ``org:organization``,
  ``org:role``, ``schema:startDate``, ``schema:endDate``), policy lineage as the very
  triples, and an entity's facts in the named graphs (the sources) that hold them.

Each statement about an entity is checked against the entity's statements in the store
(:class:`StoreFacts`) before it is written, so the graph holds nothing the store does not.
A membership node is as the members query found it: the member's, the network's and the
role's IRIs from the store, the dates typed by their form (``xsd:gYear``,
``xsd:gYearMonth`` or ``xsd:date``, the datatypes the SHACL shapes allow).
A page of a list is a ``hydra:Collection`` (the Hydra Core vocabulary,
http://www.w3.org/ns/hydra/core#) with ``hydra:totalItems``, ``hydra:member`` and a
``hydra:view`` (``hydra:PartialCollectionView``) linking the first, previous, next and last
pages. Fields with no ontology term (counts of members, scores, ranks, depths, the "why"
of coverage, gap counts) are left out: they describe one answer, not the entities, and
are in the JSON answer. The context is inline: nothing is fetched to read it.

Examples
--------
>>> compact("https://w3id.org/smekg/ontology#Network"), compact("http://example.org/x")
('smekg:Network', 'http://example.org/x')
>>> doc = to_jsonld({"count": 1, "offset": 0, "limit": 10, "results": [
...     {"iri": "https://w3id.org/smekg/id/organisation/insme", "label": "INSME",
...      "type": "network", "code": "insme", "members": 3}]},
...     url="http://127.0.0.1:8000/networks?format=jsonld")
>>> collection, network = doc["@graph"]
>>> collection["@id"], collection["hydra:totalItems"], collection["hydra:member"]
('http://127.0.0.1:8000/networks', 1, [{'@id': 'https://w3id.org/smekg/id/organisation/insme'}])
>>> network  # without the store's statements, only what needs no literal: id and kind
{'@id': 'https://w3id.org/smekg/id/organisation/insme', '@type': ['smekg:Network']}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from smekg.core.backends import GraphBackend, Iri, Row
from smekg.core.named_queries import NamedQuery, Param
from smekg.ontology import (
    CV,
    DCTERMS,
    ORG,
    PREFIXES,
    RDF,
    SCHEMA,
    SKOS,
    SMEKG,
    XSD,
    load_ontology,
)
from smekg.queries.graph_index import KIND_CLASSES
from smekg.queries.registry import load_registry

__all__ = [
    "HYDRA", "JSONLD_CONTEXT", "Facts", "StoreFacts", "Stored", "compact", "store_facts",
    "to_jsonld",
]

HYDRA = "http://www.w3.org/ns/hydra/core#"
"""The Hydra Core vocabulary (collections and paging)."""

_VOCABULARIES = ("smekg", "org", "skos", "schema", "cpsv", "cv", "locn", "rov", "adms",
                 "xkos", "prov", "dcterms", "foaf", "time", "owl", "rdf", "rdfs", "xsd")
JSONLD_CONTEXT: dict[str, str] = {
    **{prefix: PREFIXES[prefix] for prefix in _VOCABULARIES}, "hydra": HYDRA,
}
"""The inline ``@context`` of every answer: the prefixes of the vocabularies it uses."""

# longest namespace first, so that the most specific prefix wins
_PREFIXES = sorted(JSONLD_CONTEXT.items(), key=lambda item: -len(item[1]))
_TYPE, _STRING = str(RDF.type), str(XSD.string)


def compact(iri: str) -> str:
    """``iri`` as a compact IRI (``smekg:Network``) when a prefix of the context fits."""
    for prefix, namespace in _PREFIXES:
        if iri.startswith(namespace):
            rest = iri[len(namespace):]
            if rest and not rest.startswith("//"):
                return f"{prefix}:{rest}"
    return iri


# -- what the store says about an entity --------------------------------------------------
@dataclass(frozen=True)
class Stored:
    """One statement of the store about an entity: in ``graph``, ``predicate`` and a value,
    an IRI (``is_iri``) or a literal with its lexical form, language tag and datatype."""

    graph: str
    predicate: str
    text: str
    is_iri: bool
    language: str | None = None
    datatype: str | None = None

    def value(self) -> dict[str, str] | str:
        """The value as JSON-LD: ``{"@id": ...}``, a plain string (``xsd:string``), or a
        value object with its ``@language`` or ``@type``."""
        if self.is_iri:
            return {"@id": self.text}
        if self.language:
            return {"@value": self.text, "@language": self.language}
        if self.datatype in (None, _STRING):
            return self.text
        return {"@value": self.text, "@type": compact(self.datatype)}


class Facts(Protocol):
    """The statements of the store about one entity (its outgoing triples, every graph)."""

    def __call__(self, iri: str) -> Sequence[Stored]: ...


_FACTS = NamedQuery(
    name="jsonld_facts",
    description="The statements about an entity, each with its graph and the exact RDF form "
    "of its value (for the JSON-LD of answers).",
    params=(Param("entity", "entity", "the entity"),),
    sparql="""
SELECT ?entity ?graph ?predicate ?text ?isIri ?language ?datatype WHERE {
  GRAPH ?graph { ?entity ?predicate ?value }
  FILTER(!isBlank(?value))
  BIND(STR(?value) AS ?text)
  BIND(isIRI(?value) AS ?isIri)
  BIND(LANG(?value) AS ?language)
  BIND(DATATYPE(?value) AS ?datatype)
}""",
    path=Path(__file__),
)
SPARQL_BACKENDS = frozenset({"oxigraph", "sparql"})
"""Backends that answer SPARQL over the RDF store, so know literals' tags and datatypes (the
Neo4j projection keeps neither)."""


class StoreFacts:
    """The store's statements about entities, read from ``backend`` once per entity (one
    small query each, keyed by the entity's IRI; keep one instance per answer)."""

    def __init__(self, backend: GraphBackend) -> None:
        self._backend = backend
        self._seen: dict[str, list[Stored]] = {}

    def __call__(self, iri: str) -> list[Stored]:
        facts = self._seen.get(iri)
        if facts is None:
            facts = [_stored(row) for row in self._backend.select(_FACTS, {"entity": Iri(iri)})]
            self._seen[iri] = facts
        return facts


def _stored(row: Row) -> Stored:
    datatype = row.get("datatype")
    return Stored(graph=str(row["graph"]), predicate=str(row["predicate"]),
                  text=str(row["text"]), is_iri=bool(row["isIri"]),
                  language=str(row.get("language") or "") or None,
                  datatype=str(datatype) if datatype else None)


def store_facts(backend: GraphBackend) -> StoreFacts | None:
    """The statements of ``backend``'s store, or ``None`` when it cannot tell literals'
    language tags and datatypes (Neo4j)."""
    return StoreFacts(backend) if backend.name in SPARQL_BACKENDS else None


# -- the ontology's concepts and properties named by a code or a short name ---------------
@cache
def _scheme_codes(scheme: str) -> dict[str, str]:
    """``notation -> concept IRI`` of the SKOS scheme ``scheme`` of the ontology."""
    graph = load_ontology()
    codes: dict[str, str] = {}
    for concept in graph.subjects(SKOS.inScheme, SMEKG[scheme]):
        for notation in graph.objects(concept, SKOS.notation):
            codes[str(notation)] = str(concept)
    return codes


@cache
def _lineage_relations() -> dict[str, str]:
    """The relations of ``policy_lineage.rq`` by their short name (as answers give them)."""
    text = load_registry()["policy_lineage"].sparql
    block = re.search(r"VALUES\s+\?relation\s*\{([^}]*)\}", text)
    relations: dict[str, str] = {}
    for token in (block.group(1).split() if block else []):
        prefix, _, local = token.partition(":")
        if prefix in PREFIXES and local:
            relations[local] = PREFIXES[prefix] + local
    return relations


_IRI = re.compile(r"[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+", re.IGNORECASE)
_DATES = (  # the datatypes the shapes allow for schema:startDate and schema:endDate
    (re.compile(r"[0-9]{4}(Z|[+-][0-9]{2}:[0-9]{2})?"), "xsd:gYear"),
    (re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?"), "xsd:gYearMonth"),
    (re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                r"(Z|[+-][0-9]{2}:[0-9]{2})?"), "xsd:date"),
)


def _concept(code: str, scheme: str, *, iri: bool = True) -> str | None:
    """The concept of ``scheme`` whose notation is ``code``, else (with ``iri``) ``code``
    itself when it is an IRI (answers name a concept without a notation by its IRI)."""
    return _scheme_codes(scheme).get(code) or (code if iri and _IRI.fullmatch(code) else None)


def _date(text: str) -> dict[str, str] | None:
    for pattern, datatype in _DATES:
        if pattern.fullmatch(text):
            return {"@value": text, "@type": datatype}
    return None


# -- the fields of answers, in the ontology's terms ---------------------------------------
_LINKS: dict[str, tuple[str, ...]] = {  # an entity's field naming entities -> predicates
    "serves": (str(SCHEMA.areaServed),),
    "sectors": (str(CV.sector),),
    "parents": (str(SKOS.broader),),
    "continent": (str(SKOS.broader),),
    "located_in": (str(SCHEMA.location), str(SMEKG.country)),
    "adopted_at": (str(SMEKG.adoptedAt),),
    "publisher": (str(DCTERMS.publisher),),
}
_LITERALS: dict[str, tuple[str, ...]] = {  # an entity's field holding a literal -> predicates
    "label": (str(SKOS.prefLabel),),
    "code": (str(SKOS.notation), str(DCTERMS.identifier)),
    "level": (str(SMEKG.level),),
    "kind": (str(SMEKG.policyKind), str(SMEKG.programmeKind), str(SMEKG.eventKind)),
    "date": (str(DCTERMS.date), str(SCHEMA.datePublished)),
    "versions": (str(SMEKG.nutsVersion),),  # a list: each value
}
_CONCEPTS: dict[str, tuple[str, str]] = {  # an entity's field of concept codes
    "types": (str(ORG.classification), "OrganisationTypes"),
    "services": (str(SMEKG.providesService), "ServiceTypes"),
    "typologies": (str(SMEKG.typology), "NutsTypologies"),
}


class _Graph:
    """The JSON-LD nodes of one answer, built statement by statement."""

    def __init__(self, facts: Facts | None) -> None:
        self.facts = facts
        self.nodes: dict[str, dict[str, Any]] = {}
        self.named: dict[str, dict[str, dict[str, Any]]] = {}
        self._blank = 0

    def blank(self) -> str:
        self._blank += 1
        return f"_:b{self._blank}"

    def node(self, iri: str, graph: str | None = None) -> dict[str, Any]:
        nodes = self.nodes if graph is None else self.named.setdefault(graph, {})
        return nodes.setdefault(iri, {"@id": iri})

    @staticmethod
    def add(node: dict[str, Any], key: str, value: Any) -> None:
        values = node.setdefault(key, [])
        if value not in values:
            values.append(value)

    def stored(self, iri: str) -> Sequence[Stored]:
        return self.facts(iri) if self.facts is not None else ()

    # -- an entity and its fields --------------------------------------------------------
    def entity(self, ref: Mapping[str, Any]) -> str:
        """Describe the entity ``ref`` (an answer's ``{iri, label, type, code, ...}``)."""
        iri = str(ref["iri"])
        node = self.node(iri)
        stored = self.stored(iri)
        kind = KIND_CLASSES.get(str(ref.get("type")))
        types = sorted({fact.text for fact in stored if fact.predicate == _TYPE},
                       key=lambda cls: (cls != kind, cls))
        if self.facts is None and kind is not None:
            types = [kind]
        for cls in types:
            self.add(node, "@type", compact(cls))
        for field, predicates in _LITERALS.items():
            value = ref.get(field)
            values = value if isinstance(value, list) else [value]
            if value is None or isinstance(value, dict) or any(
                    isinstance(item, (dict, list)) for item in values):
                continue
            texts = {str(item) for item in values}
            for fact in stored:  # the literal as the store holds it, if it does
                if fact.predicate in predicates and not fact.is_iri and fact.text in texts:
                    self.add(node, compact(fact.predicate), fact.value())
        for field, predicates in _LINKS.items():
            for target in _refs(ref.get(field)):
                self.link(iri, predicates, str(target["iri"]))
        for field, (predicate, scheme) in _CONCEPTS.items():
            codes = ref.get(field)
            if isinstance(codes, list):
                for code in codes:
                    # an IRI is a concept only when the store says so (it is checked)
                    concept = _concept(str(code), scheme, iri=self.facts is not None)
                    if concept is not None:
                        self.link(iri, (predicate,), concept)
        return iri

    def link(self, subject: str, predicates: tuple[str, ...], target: str) -> None:
        """State ``subject predicate target`` for each of ``predicates`` the store states
        (without the store's statements: the one predicate, when there is one)."""
        if self.facts is None:
            holds = list(predicates) if len(predicates) == 1 else []
        else:
            holds = [fact.predicate for fact in self.stored(subject)
                     if fact.is_iri and fact.text == target and fact.predicate in predicates]
        for predicate in holds:
            key = "@type" if predicate == _TYPE else compact(predicate)
            self.add(self.node(subject), key, compact(target) if key == "@type"
                     else {"@id": target})

    # -- rows that are not entities --------------------------------------------------------
    def membership(self, row: Mapping[str, Any], member: str, network: str) -> str:
        """An ``org:Membership`` node for a member row or a membership row."""
        node = self.node(self.blank())
        node["@type"] = ["org:Membership"]
        node["org:member"] = [{"@id": member}]
        node["org:organization"] = [{"@id": network}]
        role = _concept(str(row["role"]), "Roles") if row.get("role") else None
        if role is not None:
            node["org:role"] = [{"@id": role}]
        for field, key in (("since", "schema:startDate"), ("until", "schema:endDate")):
            value = _date(str(row[field])) if row.get(field) else None
            if value is not None:
                node[key] = [value]
        return str(node["@id"])

    def lineage(self, row: Mapping[str, Any]) -> None:
        predicate = _lineage_relations().get(str(row["relation"]))
        if predicate is not None:
            self.link(str(row["subject"]["iri"]), (predicate,), str(row["object"]["iri"]))

    def fact(self, entity: str, fact: Mapping[str, Any]) -> None:
        """One fact of an entity's page, in its source's named graph: an IRI as it is, a
        literal as the store holds it (found among the entity's statements)."""
        graph, predicate, value = str(fact["graph"]), str(fact["predicate"]), str(fact["value"])
        if fact.get("direction") == "in":  # value predicate entity
            subject, target = value, entity
        elif fact.get("is_iri"):
            subject, target = entity, value
        else:
            for stored in self.stored(entity):
                if (stored.graph, stored.predicate, stored.text) == (graph, predicate, value) \
                        and not stored.is_iri:
                    self.add(self.node(entity, graph), compact(predicate), stored.value())
            return
        node = self.node(subject, graph)
        if predicate == _TYPE:
            self.add(node, "@type", compact(target))
        else:
            self.add(node, compact(predicate), {"@id": target})

    # -- the walk ------------------------------------------------------------------------
    def walk(self, data: Any, members: list[dict[str, str]] | None = None) -> None:
        """Every entity and row in ``data``; the rows of ``results`` (when ``members`` is
        given) are also the collection's members."""
        if isinstance(data, list):
            for item in data:
                self.walk(item)
            return
        if not isinstance(data, dict):
            return
        member: str | None = None
        if _is_entity(data):
            member = self.entity(data)
        if isinstance(data.get("network"), dict) and "role" in data and "depth" in data:
            who = data if _is_entity(data) else data.get("member")
            if isinstance(who, dict) and _is_entity(who):
                membership = self.membership(data, str(who["iri"]), str(data["network"]["iri"]))
                member = member or membership
        if {"subject", "relation", "object"} <= data.keys():
            self.lineage(data)
        if _is_entity(data) and isinstance(data.get("facts"), list):
            for fact in data["facts"]:
                if isinstance(fact, dict):
                    self.fact(str(data["iri"]), fact)
        if members is not None and member is not None:
            members.append({"@id": member})
        for key, value in data.items():
            if key != "facts":
                self.walk(value)

    def documents(self) -> list[dict[str, Any]]:
        nodes = [_tidy(node) for node in self.nodes.values()]
        for graph, named in self.named.items():
            nodes.append({"@id": graph, "@graph": [_tidy(node) for node in named.values()]})
        return nodes


def _is_entity(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("iri"), str) and "label" in data


def _refs(value: Any) -> Iterable[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict) and _is_entity(item)]


def _tidy(node: dict[str, Any]) -> dict[str, Any]:
    """``@id`` and ``@type`` first, then one value instead of a list of one (``@type`` stays
    a list)."""
    order = sorted(node, key=lambda key: (key != "@id", key != "@type"))
    return {key: node[key][0] if isinstance(node[key], list) and len(node[key]) == 1
            and key != "@type" else node[key] for key in order}


# -- pages -----------------------------------------------------------------------------------
def _without(url: str, names: Iterable[str]) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    drop = set(names)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop]
    return urlunsplit(parts._replace(query=urlencode(kept), fragment="")), kept


def _page_link(url: str, offset: int, limit: int) -> str:
    base, kept = _without(url, ("format", "offset", "limit"))
    query = urlencode([*kept, ("limit", str(limit)), ("offset", str(offset))])
    return urlunsplit(urlsplit(base)._replace(query=query))


def _collection(data: Mapping[str, Any], url: str | None,
                members: list[dict[str, str]]) -> dict[str, Any]:
    """The ``hydra:Collection`` of a page: its total, its members and its view."""
    count, offset, limit = int(data["count"]), int(data.get("offset") or 0), data.get("limit")
    iri = _without(url, ("format", "offset", "limit"))[0] if url else "_:answer"
    collection: dict[str, Any] = {"@id": iri, "@type": ["hydra:Collection"],
                                  "hydra:totalItems": count}
    if url and isinstance(limit, int) and limit > 0:
        view: dict[str, Any] = {"@id": _page_link(url, offset, limit),
                                "@type": ["hydra:PartialCollectionView"],
                                "hydra:first": {"@id": _page_link(url, 0, limit)}}
        if offset > 0:
            view["hydra:previous"] = {"@id": _page_link(url, max(0, offset - limit), limit)}
        if offset + limit < count:
            view["hydra:next"] = {"@id": _page_link(url, offset + limit, limit)}
        view["hydra:last"] = {"@id": _page_link(url, max(0, count - 1) // limit * limit,
                                                limit)}
        collection["hydra:view"] = view
    unique: dict[str, dict[str, str]] = {}
    for member in members:
        unique.setdefault(member["@id"], member)
    if unique:
        collection["hydra:member"] = list(unique.values())
    return collection


def to_jsonld(data: Any, *, url: str | None = None, facts: Facts | None = None) -> dict[str, Any]:
    """The JSON-LD document of an answer (``data``: its JSON data).

    ``url`` is the address the answer was asked at (the IRI of a page's collection, without
    ``format``, ``limit`` and ``offset``); ``facts`` the store's statements about an entity
    (:class:`StoreFacts`): every statement about an entity is checked against them, and
    literals (names, codes, levels) are written as the store holds them. Without ``facts``
    only what needs no literal is stated (IRIs, kinds, links with one meaning).
    """
    graph = _Graph(facts)
    if isinstance(data, dict) and isinstance(data.get("results"), list) \
            and isinstance(data.get("count"), int):
        members: list[dict[str, str]] = []
        graph.walk({key: value for key, value in data.items() if key != "results"})
        for row in data["results"]:
            graph.walk(row, members)
        nodes = [_collection(data, url, members), *graph.documents()]
    else:
        graph.walk(data)
        nodes = graph.documents()
    return {"@context": dict(JSONLD_CONTEXT), "@graph": nodes}

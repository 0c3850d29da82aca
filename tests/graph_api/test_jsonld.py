"""The JSON-LD of REST answers is linked data that means what the store means, over real HTTP.

Each answer is fetched as JSON-LD from the running API, parsed by two RDF tools (rdflib and
Oxigraph, offline: the context is inline), and every statement it makes about an entity
(types, names, codes, regions, sectors, concepts, memberships, an entity's facts in their
source graphs) is asked of the store through the API's own SPARQL endpoint. The only other
statements are the Hydra collection of a page (its total, members and links to pages).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, SKOS, XSD

from smekg.ontology import CV, DCTERMS, ORG, SCHEMA, SMEKG, load_ontology

HYDRA = "http://www.w3.org/ns/hydra/core#"
ID = "https://w3id.org/smekg/id/"
ERGO = URIRef(f"{ID}good-practice/emilia-romagna-go-global")
INSME = URIRef(f"{ID}organisation/insme")
STEERING_GROUP = URIRef(f"{ID}organisation/insme-steering-group")
NUTS = "http://data.europa.eu/nuts/code/"

# Answers of several kinds: an entity page, pages of entities, of members, of memberships,
# of places, lineage triples, search hits.
ROUTES = [
    "/entities/insme-steering-group",
    "/entities/ITH5",
    "/networks",
    "/coverage?region=ITH55",
    "/networks/insme-steering-group/members?transitive=true&limit=20",
    "/organisations/ipi/memberships?transitive=true",
    "/organisations?type=network",
    "/regions?within=ITH5&level=nuts3",
    "/countries?limit=10",
    "/policies",
    "/policies/bologna-charter/lineage",
    "/search?q=emilia",
]


def _jsonld(client: httpx.Client, route: str) -> httpx.Response:
    sep = "&" if "?" in route else "?"
    response = client.get(f"{route}{sep}format=jsonld")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    return response


def _contexts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        found = [value["@context"]] if "@context" in value else []
        return found + [c for item in value.values() for c in _contexts(item)]
    if isinstance(value, list):
        return [c for item in value for c in _contexts(item)]
    return []


def _parse(response: httpx.Response) -> Dataset:
    """The answer's quads, read by rdflib; Oxigraph's JSON-LD parser must read the same."""
    for context in _contexts(response.json()):  # nothing to fetch: every context is inline
        assert isinstance(context, dict), f"a remote context: {context!r}"
        assert "@vocab" not in context
    dataset = Dataset()
    dataset.parse(data=response.text, format="json-ld")
    ours = {_anonymous(q) for q in dataset.quads((None, None, None, None))}
    oxigraph = {_anonymous(_from_oxigraph(q)) for q in
                pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.JSON_LD)}
    assert ours == oxigraph
    return dataset


def _from_oxigraph(quad: pyoxigraph.Quad) -> tuple[Any, ...]:
    def term(t: Any) -> Any:
        if isinstance(t, pyoxigraph.NamedNode):
            return URIRef(t.value)
        if isinstance(t, pyoxigraph.BlankNode):
            return BNode(t.value)
        if isinstance(t, pyoxigraph.DefaultGraph):
            return DATASET_DEFAULT_GRAPH_ID
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=None if t.datatype.value == str(XSD.string)
                       else URIRef(t.datatype.value))
    return tuple(term(t) for t in (quad.subject, quad.predicate, quad.object, quad.graph_name))


def _anonymous(quad: tuple[Any, ...]) -> tuple[str, ...]:
    s, p, o, g = quad
    g = getattr(g, "identifier", g)
    name = (lambda t: "_" if isinstance(t, BNode) else t.n3())  # noqa: E731
    return (name(s), name(p), name(o), "" if g == DATASET_DEFAULT_GRAPH_ID else name(g))


def _select(client: httpx.Client, query: str) -> list[dict[str, Any]]:
    response = client.post("/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def _ask(client: httpx.Client, query: str) -> bool:
    response = client.post("/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def _statements(dataset: Dataset, api: str) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """(the statements about store entities, as quads; the Hydra statements' subjects)."""
    about, hydra = [], []
    for s, p, o, g in dataset.quads((None, None, None, None)):
        g = getattr(g, "identifier", g)
        if isinstance(s, URIRef) and s.startswith(api):
            assert str(p).startswith(HYDRA) or p == RDF.type, (s, p, o)
            hydra.append(s)
        else:
            about.append((s, p, o, None if g == DATASET_DEFAULT_GRAPH_ID else g))
    return about, hydra


def _missing_from_store(client: httpx.Client, quads: list[tuple[Any, ...]]) -> list[Any]:
    """The quads (blank-node free) that the store does not hold: in the default graph (the
    union of the sources), or in the named graph given."""
    missing = []
    for named in (False, True):
        rows = [q for q in quads if (q[3] is not None) == named]
        if not rows:
            continue
        values = " ".join(
            f"({i} {' '.join(t.n3() for t in (q[3], *q[:3]) if t is not None)})"
            for i, q in enumerate(rows))
        if named:
            query = (f"SELECT ?i WHERE {{ VALUES (?i ?g ?s ?p ?o) {{ {values} }} "
                     "FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }")
        else:
            query = (f"SELECT ?i WHERE {{ VALUES (?i ?s ?p ?o) {{ {values} }} "
                     "FILTER NOT EXISTS { ?s ?p ?o } }")
        missing += [rows[int(b["i"]["value"])] for b in _select(client, query)]
    return missing


@pytest.mark.parametrize("route", ROUTES)
def test_every_statement_about_an_entity_is_one_the_store_holds(client, api, route):
    response = _jsonld(client, route)
    assert "api#" not in response.text
    dataset = _parse(response)
    about, _ = _statements(dataset, api.url)
    assert about, "the answer states nothing about its entities"
    plain = [q for q in about if not isinstance(q[0], BNode)]
    assert _missing_from_store(client, plain) == []
    # blank nodes (memberships): the store holds a node with all their statements
    blanks: defaultdict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    for s, p, o, _g in about:
        if isinstance(s, BNode):
            assert not isinstance(o, BNode)
            blanks[s].append((p, o))
    for statements in blanks.values():
        pattern = " . ".join(f"?node {p.n3()} {o.n3()}" for p, o in statements)
        assert _ask(client, f"ASK {{ {pattern} }}"), statements
    # typed by IRIs of classes, never by strings; concepts, regions, sectors are IRIs
    for s, p, o, _g in about:
        if p in (RDF.type, ORG.classification, SMEKG.providesService, SCHEMA.areaServed,
                 CV.sector, ORG.role, SKOS.broader, ORG.member, ORG.organization):
            assert isinstance(o, URIRef), (s, p, o)
    # the ontology's own terms: every smekg: class and property used is defined there
    ontology = set(load_ontology().subjects())
    used = {p for _s, p, _o, _g in about} | {o for _s, p, o, _g in about if p == RDF.type}
    assert {t for t in used if str(t).startswith(str(SMEKG))} <= ontology


def _default(dataset: Dataset):
    return dataset.graph(DATASET_DEFAULT_GRAPH_ID)


def test_coverage_names_each_provider_by_its_iri_type_and_name(client, api):
    body = client.get("/coverage", params={"region": "ITH55"}).json()
    response = client.get("/coverage", params={"region": "ITH55"},
                          headers={"Accept": "application/ld+json"})
    graph = _default(_parse(response))
    ergo_label = Literal("Emilia-Romagna Go Global (ERGO) 2016 – 2020", lang="en")
    assert (ERGO, RDF.type, SMEKG.GoodPractice) in graph
    assert (ERGO, SKOS.prefLabel, ergo_label) in graph
    assert (STEERING_GROUP, RDF.type, SMEKG.Network) in graph
    assert (STEERING_GROUP, RDF.type, ORG.Organization) in graph
    region = URIRef(f"{NUTS}ITH55")  # the region asked, as the store names it
    assert (region, RDF.type, SMEKG.NutsRegion) in graph
    assert (region, SKOS.notation, Literal("ITH55")) in graph
    # the page is a Hydra collection whose members are the answer's results
    collection = URIRef(f"{api.url}/coverage?region=ITH55")
    assert (collection, RDF.type, URIRef(f"{HYDRA}Collection")) in graph
    assert graph.value(collection, URIRef(f"{HYDRA}totalItems")).toPython() == body["count"]
    members = set(graph.objects(collection, URIRef(f"{HYDRA}member")))
    assert members == {URIRef(item["iri"]) for item in body["results"]}
    # the "why" of each result has no ontology term: it is not in the graph
    explanations = {item["match"]["explanation"] for item in body["results"]}
    assert not {str(o) for o in graph.objects()} & explanations


def test_organisations_link_regions_and_concepts_by_iri(client):
    graph = _default(_parse(_jsonld(client, "/organisations?type=network")))
    assert (INSME, SMEKG.providesService, SMEKG["service-training"]) in graph
    assert (INSME, ORG.classification, SMEKG["type-network"]) in graph
    served = set(graph.objects(INSME, SCHEMA.areaServed))
    assert served and all(isinstance(region, URIRef) for region in served)
    for region in served:  # and each region is described: typed, with its code
        assert (region, RDF.type, None) in graph and (region, SKOS.notation, None) in graph


def test_members_are_org_memberships(client):
    graph = _default(_parse(_jsonld(client,
                                    "/networks/insme-steering-group/members?limit=100")))
    italy = URIRef(f"{ID}country/IT")
    chairs = [m for m in graph.subjects(ORG.member, italy)
              if (m, ORG.role, SMEKG["role-chair"]) in graph]
    assert len(chairs) == 1
    assert (chairs[0], RDF.type, ORG.Membership) in graph
    assert (chairs[0], ORG.organization, STEERING_GROUP) in graph
    assert (italy, SKOS.prefLabel, Literal("Italy", lang="en")) in graph


def test_an_entity_page_gives_its_facts_in_their_source_graphs(client):
    dataset = _parse(_jsonld(client, "/entities/insme-steering-group"))
    graphs = {getattr(g, "identifier", g) for _s, _p, _o, g in dataset.quads()} - {
        DATASET_DEFAULT_GRAPH_ID}
    assert graphs and all(str(g).startswith(f"{ID}graph/") for g in graphs)
    quads = set(dataset.quads((STEERING_GROUP, None, None, None)))
    stated = {(p, o) for _s, p, o, _g in quads}
    # literals as the store holds them: a language-tagged name, a typed number and date
    assert (SKOS.prefLabel, Literal("INSME Steering Group", lang="en")) in stated
    assert (SMEKG.statedCountryCount, Literal("41", datatype=XSD.integer)) in stated
    assert (SCHEMA.foundingDate, Literal("2000-07", datatype=XSD.gYearMonth)) in stated
    assert (DCTERMS.identifier, Literal("insme-steering-group")) in stated
    # incoming facts too: memberships of the group name it as their organisation
    assert any(True for _ in dataset.quads((None, ORG.organization, STEERING_GROUP, None)))


def test_accept_header_gives_the_same_graph(client):
    by_param = _jsonld(client, "/networks")
    by_accept = client.get("/networks", headers={"Accept": "application/ld+json"})
    assert by_accept.headers["content-type"].startswith("application/ld+json")
    assert by_accept.json() == by_param.json()

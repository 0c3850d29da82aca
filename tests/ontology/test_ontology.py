"""Tests of the OWL ontology (ontology/smekg.ttl) and the SHACL shapes (ontology/shapes.ttl).

Validation choice: every pySHACL run below passes the ontology as ``ont_graph`` with
``inference="none"``. SHACL's sh:targetClass and sh:class follow rdfs:subClassOf in the
data graph, and pySHACL mixes the ontology's class hierarchy and its SKOS concepts
(declared owl:NamedIndividual) into a copy of the data graph, so a smekg:Network is
validated as a smekg:Organisation and smekg:role-chair is an org:Role without any
inference. RDFS inference would also apply rdfs:range axioms (e.g. smekg:providesService
has range skos:Concept) and thereby silently type a wrong value so that the sh:class
check on it passes: it can only hide errors. The conforming graph is also checked under
"rdfs" to show the shapes do not depend on that choice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

import pyoxigraph
import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from smekg.ontology import (
    CPSV,
    CV,
    DCTERMS,
    FOAF,
    LOCN,
    NACE2,
    NACE21,
    NUTS,
    NUTS_SCHEME,
    ONTOLOGY_IRI,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SH,
    SKOS,
    SMEKG,
    XKOS,
    load_ontology,
    load_shapes,
    ontology_path,
    shapes_path,
)

SHAPES_NS = "https://w3id.org/smekg/shapes#"
# A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module globals.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EX = "https://example.org/id/"

# --------------------------------------------------------------------------------------
# What ontology/README.md specifies
# --------------------------------------------------------------------------------------

ORGANISATION_TYPES = [
    "government-body",
    "agency",
    "chamber",
    "international-organisation",
    "ngo",
    "technology-transfer-intermediary",
    "intermediary",
    "research-institute",
    "network",
    "association",
    "enterprise",
    "higher-education",
    "business-support-organisation",
]
SERVICE_TYPES = [
    "training",
    "technical-assistance",
    "capacity-building",
    "internationalisation",
    "innovation-technology-transfer",
    "finance",
    "partnering",
    "information",
]
THEMES = [
    "internationalisation",
    "sme-competitiveness",
    "innovation",
    "technology-transfer",
    "entrepreneurship",
    "globalisation",
    "digitalisation",
    "sme-policy",
]
ROLES = ["member", "chair", "secretariat", "founding-member", "observer", "coordinator",
         "lead-partner", "partner", "associated-partner", "third-party"]
NUTS_TYPOLOGIES = [
    "predominantly-urban", "intermediate", "predominantly-rural", "coastal", "metropolitan",
    "capital-metropolitan", "other-metropolitan", "border", "internal-border",
    "external-border", "border-population", "island", "mountain",
    "mountain-surface-and-population", "mountain-surface", "mountain-population", "capital",
]

# scheme -> (IRI prefix of its concepts, notations of its concepts)
CONCEPT_SCHEMES: dict[URIRef, tuple[str, list[str]]] = {
    SMEKG.OrganisationTypes: ("type-", ORGANISATION_TYPES),
    SMEKG.ServiceTypes: ("service-", SERVICE_TYPES),
    SMEKG.Themes: ("theme-", THEMES),
    SMEKG.Roles: ("role-", ROLES),
    SMEKG.NutsTypologies: ("typology-", NUTS_TYPOLOGIES),
}
EXPECTED_CONCEPTS = {
    SMEKG[prefix + notation]
    for prefix, notations in CONCEPT_SCHEMES.values()
    for notation in notations
}

NACE21_SCHEME = NACE21["nace2.1"]
NACE2_SCHEME = NACE2["nace2"]
NUTS_2024 = NUTS_SCHEME["2024"]
NUTS_2021 = NUTS_SCHEME["2021"]

REGION_SCHEMES = {
    SMEKG.Countries: None,
    SMEKG.ContinentsScheme: None,
    SMEKG["Iso3166-2"]: None,
    NUTS_2024: "NUTS 2024",
    NUTS_2021: "NUTS 2021",
    SMEKG.NutsUK2018: None,
    SMEKG.StatisticalRegions: None,
}
NACE_SCHEMES = {
    NACE21_SCHEME: ("NACE Rev. 2.1", "nace2.1-level-"),
    NACE2_SCHEME: ("NACE Rev. 2", "nace2-level-"),
}

# Direct super classes, as README.md states them.
SUPERCLASSES: dict[URIRef, set[URIRef]] = {
    SMEKG.Organisation: {ORG.Organization, FOAF.Agent},
    SMEKG.SupportOrganisation: {SMEKG.Organisation},
    SMEKG.Network: {SMEKG.Organisation, ORG.Organization},
    SMEKG.Region: {SKOS.Concept, DCTERMS.Location},
    SMEKG.Country: {SMEKG.Region},
    SMEKG.NutsRegion: {SMEKG.Region},
    SMEKG.StatisticalRegion: {SMEKG.NutsRegion},
    SMEKG.Subdivision: {SMEKG.Region},
    SMEKG.Continent: {SMEKG.Region},
    SMEKG.World: {SMEKG.Region},
    SMEKG.Sector: {SKOS.Concept},
    SMEKG.Policy: {PROV.Entity},
    SMEKG.Publication: {FOAF.Document, PROV.Entity},
    SMEKG.Project: {ORG.OrganizationalCollaboration},
    SMEKG.Programme: {CPSV.PublicService},
    SMEKG.GoodPractice: {PROV.Entity},
    SMEKG.Event: {SCHEMA.Event},
    SMEKG.SourceDocument: {FOAF.Document, PROV.Entity},
    SMEKG.SourceGraph: {PROV.Entity},
    SMEKG.AnalysisRun: {PROV.Activity},
    SMEKG.Community: set(),
    SMEKG.Reach: set(),
    SMEKG.CoverageCell: set(),
}

# Reused external terms the ontology must declare (typed, labelled, rdfs:isDefinedBy).
EXTERNAL_CLASSES = [
    ORG.Organization,
    ORG.Membership,
    ORG.OrganizationalCollaboration,
    ORG.Role,
    FOAF.Agent,
    FOAF.Document,
    SKOS.Concept,
    SKOS.ConceptScheme,
    XKOS.ClassificationLevel,
    DCTERMS.Location,
    PROV.Entity,
    CPSV.PublicService,
    SCHEMA.Event,
    LOCN.Address,
]
EXTERNAL_PROPERTIES = [
    ORG.member,
    ORG.organization,
    ORG.role,
    ORG.classification,
    ORG.subOrganizationOf,
    SCHEMA.areaServed,
    SCHEMA.location,
    SCHEMA.foundingLocation,
    SCHEMA.foundingDate,
    SCHEMA.startDate,
    SCHEMA.endDate,
    SCHEMA.organizer,
    CV.sector,
    CV.thematicArea,
    CV.hasCompetentAuthority,
    LOCN.address,
    LOCN.postCode,
    LOCN.postName,
    LOCN.thoroughfare,
    LOCN.adminUnitL1,
    PROV.wasInfluencedBy,
    PROV.generatedAtTime,
    PROV.startedAtTime,
    PROV.endedAtTime,
    PROV.wasGeneratedBy,
    PROV.wasDerivedFrom,
    FOAF.homepage,
    FOAF.page,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.notation,
    SKOS.broader,
    SKOS.narrower,
    SKOS.inScheme,
    SKOS.topConceptOf,
    SKOS.hasTopConcept,
    SKOS.exactMatch,
    SKOS.member,
    SKOS.scopeNote,
    XKOS.levels,
    XKOS.depth,
    XKOS.numberOfLevels,
    DCTERMS.description,
    DCTERMS.source,
    DCTERMS.publisher,
    DCTERMS.license,
    DCTERMS.title,
    DCTERMS.identifier,
    DCTERMS.issued,
    DCTERMS.bibliographicCitation,
    DCTERMS.isReplacedBy,
    URIRef("http://www.w3.org/ns/regorg#orgType"),
]

CLASS_TYPES = (OWL.Class, RDFS.Class)
PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)


# --------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onto() -> Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def _in_smekg(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(SMEKG))


def _types(graph: Graph, node: Node) -> set[Node]:
    return set(graph.objects(node, RDF.type))


def _declared_classes(graph: Graph) -> set[Node]:
    return {s for t in CLASS_TYPES for s in graph.subjects(RDF.type, t)}


def _declared_properties(graph: Graph) -> set[Node]:
    return {s for t in PROPERTY_TYPES for s in graph.subjects(RDF.type, t)}


def _english(graph: Graph, node: Node, predicate: URIRef) -> list[Literal]:
    return [
        o
        for o in graph.objects(node, predicate)
        if isinstance(o, Literal) and o.language == "en" and str(o).strip()
    ]


def _has_label(graph: Graph, node: Node) -> bool:
    return bool(_english(graph, node, RDFS.label) or _english(graph, node, SKOS.prefLabel))


def _strict_ancestors(graph: Graph, node: Node, predicate: URIRef) -> set[Node]:
    """Every node reachable from ``node`` by one or more ``predicate`` links."""
    seen: set[Node] = set()
    todo = list(graph.objects(node, predicate))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(graph.objects(current, predicate))
    return seen


def _readme_smekg_terms() -> set[URIRef]:
    """The smekg: terms named in ontology/README.md (shorthands such as `-agency` excluded)."""
    text = (ontology_path().parent / "README.md").read_text(encoding="utf-8")
    locals_ = re.findall(r"smekg:([A-Za-z][A-Za-z0-9_.-]*)", text)
    # A trailing '-' or '.' is punctuation or a prefix-only shorthand, not part of a name.
    return {SMEKG[name] for name in locals_ if not name.endswith(("-", "."))}


# --------------------------------------------------------------------------------------
# Both files parse
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path_of", [ontology_path, shapes_path], ids=["smekg.ttl", "shapes.ttl"])
def test_file_parses_with_rdflib_and_oxigraph(path_of: Callable) -> None:
    path = path_of()
    by_rdflib = Graph().parse(path, format="turtle")
    # Oxigraph's stricter Turtle parser is the one the store uses.
    by_oxigraph = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(by_rdflib) > 100
    assert len(by_oxigraph) == len(by_rdflib)


def test_loaders_return_fresh_copies() -> None:
    first = load_ontology()
    first.add((URIRef(EX + "x"), RDF.type, OWL.Thing))
    assert (URIRef(EX + "x"), RDF.type, OWL.Thing) not in load_ontology()
    assert len(load_shapes()) > 100


# --------------------------------------------------------------------------------------
# Ontology header
# --------------------------------------------------------------------------------------


def test_exactly_one_ontology_with_the_right_iri(onto: Graph) -> None:
    assert list(onto.subjects(RDF.type, OWL.Ontology)) == [URIRef(ONTOLOGY_IRI)]


def test_ontology_header(onto: Graph) -> None:
    header = URIRef(ONTOLOGY_IRI)
    assert onto.value(header, OWL.versionInfo) == Literal("0.1.0")
    assert onto.value(header, DCTERMS.license) == URIRef("https://opensource.org/licenses/MIT")
    assert _english(onto, header, DCTERMS.title)
    assert _english(onto, header, DCTERMS.description)
    assert not list(onto.triples((None, OWL.imports, None)))


# --------------------------------------------------------------------------------------
# Every smekg term is declared, labelled and commented
# --------------------------------------------------------------------------------------


def test_readme_parsing_finds_the_terms() -> None:
    terms = _readme_smekg_terms()
    # A sanity check of the README parsing itself.
    assert {SMEKG.Network, SMEKG.followsFrom, SMEKG["type-government-body"]} <= terms
    assert len(terms) > 60


def test_every_readme_term_is_declared_with_a_label(onto: Graph) -> None:
    missing = sorted(
        str(term)
        for term in _readme_smekg_terms() | EXPECTED_CONCEPTS
        if not (_types(onto, term) and _has_label(onto, term))
    )
    assert missing == []


def test_every_smekg_term_of_the_shapes_is_declared_with_a_label(
    onto: Graph, shapes: Graph
) -> None:
    used = {node for triple in shapes for node in triple if _in_smekg(node)}
    assert SMEKG.Organisation in used
    missing = sorted(str(t) for t in used if not (_types(onto, t) and _has_label(onto, t)))
    assert missing == []


def test_shape_targets_classes_and_paths_are_declared(onto: Graph, shapes: Graph) -> None:
    classes = _declared_classes(onto)
    properties = _declared_properties(onto)
    used_classes = {o for p in (SH.targetClass, SH["class"]) for o in shapes.objects(None, p)}
    used_paths = {o for p in (SH.path, SH.targetSubjectsOf) for o in shapes.objects(None, p)}
    assert sorted(str(c) for c in used_classes - classes) == []
    assert all(isinstance(p, URIRef) for p in used_paths)
    assert sorted(str(p) for p in used_paths - properties) == []


def test_every_smekg_class_and_property_has_english_label_and_comment(onto: Graph) -> None:
    terms = {t for t in _declared_classes(onto) | _declared_properties(onto) if _in_smekg(t)}
    assert len(terms) > 50
    problems = []
    for term in sorted(terms):
        if len(_english(onto, term, RDFS.label)) != 1:
            problems.append(f"{term}: needs exactly one rdfs:label@en")
        if not _english(onto, term, RDFS.comment):
            problems.append(f"{term}: needs an rdfs:comment@en")
        if onto.value(term, RDFS.isDefinedBy) != URIRef(ONTOLOGY_IRI):
            problems.append(f"{term}: needs rdfs:isDefinedBy the ontology")
    assert problems == []


def test_every_smekg_individual_has_english_pref_label(onto: Graph) -> None:
    individuals = set(onto.subjects(RDF.type, OWL.NamedIndividual))
    assert individuals >= EXPECTED_CONCEPTS
    problems = [
        str(node)
        for node in individuals
        if len(_english(onto, node, SKOS.prefLabel)) != 1
        or len(list(onto.objects(node, SKOS.prefLabel))) != 1
    ]
    assert problems == []


def test_every_smekg_subject_is_declared(onto: Graph) -> None:
    undeclared = sorted(
        str(s) for s in set(onto.subjects()) if _in_smekg(s) and not _types(onto, s)
    )
    assert undeclared == []


@pytest.mark.parametrize("term", EXTERNAL_CLASSES + EXTERNAL_PROPERTIES, ids=str)
def test_reused_external_term_is_declared(onto: Graph, term: URIRef) -> None:
    expected_types = CLASS_TYPES if term in EXTERNAL_CLASSES else PROPERTY_TYPES
    assert _types(onto, term) & set(expected_types)
    assert _english(onto, term, RDFS.label)
    defined_by = onto.value(term, RDFS.isDefinedBy)
    assert isinstance(defined_by, URIRef)
    assert not _in_smekg(defined_by)


def test_external_terms_are_not_redefined(onto: Graph) -> None:
    """No domain, range or super class/property is stated for a term of another vocabulary."""
    axioms = (RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf)
    restated = sorted(
        f"{s} {p}"
        for p in axioms
        for s in onto.subjects(p, None)
        if isinstance(s, URIRef) and not _in_smekg(s)
    )
    assert restated == []


# --------------------------------------------------------------------------------------
# Class and property axioms
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", list(SUPERCLASSES), ids=lambda c: c.fragment)
def test_class_has_the_stated_super_classes(onto: Graph, cls: URIRef) -> None:
    assert OWL.Class in _types(onto, cls)
    assert set(onto.objects(cls, RDFS.subClassOf)) == SUPERCLASSES[cls]


def test_all_smekg_classes_are_specified(onto: Graph) -> None:
    smekg_classes = {c for c in _declared_classes(onto) if _in_smekg(c)}
    assert smekg_classes == set(SUPERCLASSES)


def test_super_classes_are_declared(onto: Graph) -> None:
    classes = _declared_classes(onto)
    supers = set(onto.objects(None, RDFS.subClassOf))
    assert sorted(str(c) for c in supers - classes) == []


def test_no_class_is_its_own_ancestor(onto: Graph) -> None:
    cyclic = [
        str(c) for c in _declared_classes(onto) if c in _strict_ancestors(onto, c, RDFS.subClassOf)
    ]
    assert cyclic == []


def test_no_property_is_its_own_ancestor(onto: Graph) -> None:
    cyclic = [
        str(p)
        for p in _declared_properties(onto)
        if p in _strict_ancestors(onto, p, RDFS.subPropertyOf)
    ]
    assert cyclic == []


def test_cycle_detection_detects_cycles() -> None:
    graph = Graph()
    a, b = URIRef(EX + "A"), URIRef(EX + "B")
    graph.add((a, RDFS.subClassOf, b))
    graph.add((b, RDFS.subClassOf, a))
    assert a in _strict_ancestors(graph, a, RDFS.subClassOf)


def test_domains_and_ranges_are_single_declared_terms(onto: Graph) -> None:
    classes = _declared_classes(onto)
    for prop in _declared_properties(onto):
        domains = list(onto.objects(prop, RDFS.domain))
        assert len(domains) <= 1, prop
        assert set(domains) <= classes, prop
        ranges = list(onto.objects(prop, RDFS.range))
        assert len(ranges) <= 1, prop
        for range_ in ranges:
            is_datatype = str(range_).startswith(str(XSD))
            assert is_datatype == (OWL.DatatypeProperty in _types(onto, prop)), prop
            assert is_datatype or range_ in classes, prop


def test_collaborates_with_is_symmetric(onto: Graph) -> None:
    assert {OWL.ObjectProperty, OWL.SymmetricProperty} <= _types(onto, SMEKG.collaboratesWith)


def test_follows_from_refines_was_influenced_by(onto: Graph) -> None:
    assert (SMEKG.followsFrom, RDFS.subPropertyOf, PROV.wasInfluencedBy) in onto
    assert onto.value(SMEKG.followsFrom, RDFS.range) == SMEKG.Policy


@pytest.mark.parametrize(
    ("prop", "datatype"),
    [
        (SMEKG.level, XSD.integer),
        (SMEKG.statedMemberCount, XSD.integer),
        (SMEKG.tripleCount, XSD.integer),
        (SMEKG.sha256, XSD.string),
        (SMEKG.isoNumeric, XSD.string),
        (SMEKG.m49Code, XSD.string),
        (SMEKG.nutsVersion, XSD.string),
        (SMEKG.nutsChange, XSD.string),
    ],
    ids=lambda v: v.fragment if isinstance(v, URIRef) and v.fragment else None,
)
def test_datatype_property_ranges(onto: Graph, prop: URIRef, datatype: URIRef) -> None:
    assert OWL.DatatypeProperty in _types(onto, prop)
    assert onto.value(prop, RDFS.range) == datatype


def test_no_instance_data(onto: Graph) -> None:
    """The ontology describes no organisation, region, sector, membership, ..."""
    data_classes = [c for c in _declared_classes(onto) if _in_smekg(c)]
    data_classes += [ORG.Membership, LOCN.Address, ORG.Organization]
    instances = sorted(str(s) for c in data_classes for s in onto.subjects(RDF.type, c))
    assert instances == []
    # No region or sector either, even untyped: only the NUTS and NACE schemes themselves.
    official = (str(NUTS), str(NACE2), str(NACE21))
    official_subjects = {s for s in onto.subjects() if str(s).startswith(official)}
    assert official_subjects == {NACE21_SCHEME, NACE2_SCHEME}


def test_subjects_are_known(onto: Graph) -> None:
    """Every subject is a smekg term, a declared external term, a scheme or a list node."""
    allowed = (
        {URIRef(ONTOLOGY_IRI), NUTS_2024, NUTS_2021, NACE21_SCHEME, NACE2_SCHEME}
        | _declared_classes(onto)
        | _declared_properties(onto)
    )
    unknown = sorted(
        str(s)
        for s in set(onto.subjects())
        if not (_in_smekg(s) or s in allowed or isinstance(s, BNode))
    )
    assert unknown == []


# --------------------------------------------------------------------------------------
# SKOS concept schemes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", list(CONCEPT_SCHEMES), ids=lambda s: s.fragment)
def test_scheme_has_the_expected_concepts(onto: Graph, scheme: URIRef) -> None:
    prefix, notations = CONCEPT_SCHEMES[scheme]
    assert SKOS.ConceptScheme in _types(onto, scheme)
    assert _english(onto, scheme, SKOS.prefLabel)
    assert _english(onto, scheme, SKOS.definition)
    members = set(onto.subjects(SKOS.inScheme, scheme))
    assert members == {SMEKG[prefix + n] for n in notations}
    assert len(members) == {"type-": 13, "service-": 8, "theme-": 8, "role-": 10,
                            "typology-": 17}[prefix]
    labels = [str(onto.value(c, SKOS.prefLabel)).casefold() for c in members]
    assert len(set(labels)) == len(labels), "preferred labels must be unique in a scheme"


@pytest.mark.parametrize("concept", sorted(EXPECTED_CONCEPTS), ids=lambda c: c.fragment)
def test_concept_is_well_formed(onto: Graph, concept: URIRef) -> None:
    assert {SKOS.Concept, OWL.NamedIndividual} <= _types(onto, concept)
    pref_labels = list(onto.objects(concept, SKOS.prefLabel))
    assert len(pref_labels) == 1
    assert pref_labels[0].language == "en"
    assert len(_english(onto, concept, SKOS.definition)) == 1
    schemes = list(onto.objects(concept, SKOS.inScheme))
    assert len(schemes) == 1
    scheme = schemes[0]
    prefix, _ = CONCEPT_SCHEMES[scheme]
    assert concept.fragment.startswith(prefix)
    assert list(onto.objects(concept, SKOS.notation)) == [
        Literal(concept.fragment.removeprefix(prefix))
    ]
    # Top concept of its scheme, unless it has a broader concept there.
    broader = list(onto.objects(concept, SKOS.broader))
    top_of = list(onto.objects(concept, SKOS.topConceptOf))
    if broader:
        assert top_of == []
        assert all(onto.value(b, SKOS.inScheme) == scheme for b in broader)
    else:
        assert top_of == [scheme]
    if scheme == SMEKG.Roles:
        assert ORG.Role in _types(onto, concept)
    else:
        assert ORG.Role not in _types(onto, concept)


def test_no_unexpected_concepts(onto: Graph) -> None:
    assert set(onto.subjects(RDF.type, SKOS.Concept)) == EXPECTED_CONCEPTS


def test_technology_transfer_intermediary_is_an_intermediary(onto: Graph) -> None:
    assert list(onto.objects(SMEKG["type-technology-transfer-intermediary"], SKOS.broader)) == [
        SMEKG["type-intermediary"]
    ]


def test_no_individual_is_on_a_cycle(onto: Graph) -> None:
    """pySHACL copies owl:NamedIndividuals of ont_graph by following their links without a
    visited set: a cycle (e.g. skos:hasTopConcept + skos:topConceptOf) makes it explode."""
    individuals = set(onto.subjects(RDF.type, OWL.NamedIndividual))
    for node in individuals:
        assert node not in _reachable(onto, node), node


def _reachable(graph: Graph, node: Node) -> set[Node]:
    seen: set[Node] = set()
    todo = [o for p, o in graph.predicate_objects(node) if p != RDF.type]
    while todo:
        current = todo.pop()
        if current not in seen and not isinstance(current, Literal):
            seen.add(current)
            todo.extend(o for p, o in graph.predicate_objects(current) if p != RDF.type)
    return seen


@pytest.mark.parametrize("scheme", list(REGION_SCHEMES), ids=str)
def test_region_scheme(onto: Graph, scheme: URIRef) -> None:
    assert {SKOS.ConceptScheme, OWL.NamedIndividual} <= _types(onto, scheme)
    labels = _english(onto, scheme, SKOS.prefLabel)
    assert len(labels) == 1
    if REGION_SCHEMES[scheme]:
        assert str(labels[0]) == REGION_SCHEMES[scheme]


@pytest.mark.parametrize("scheme", list(NACE_SCHEMES), ids=str)
def test_nace_scheme_and_levels(onto: Graph, scheme: URIRef) -> None:
    label, level_prefix = NACE_SCHEMES[scheme]
    assert {SKOS.ConceptScheme, OWL.NamedIndividual} <= _types(onto, scheme)
    assert [str(lbl) for lbl in _english(onto, scheme, SKOS.prefLabel)] == [label]
    assert int(onto.value(scheme, XKOS.numberOfLevels)) == 4
    head = onto.value(scheme, XKOS.levels)
    levels = list(Collection(onto, head))
    assert levels == [SMEKG[f"{level_prefix}{depth}"] for depth in range(1, 5)]
    names = ["section", "division", "group", "class"]
    for depth, (level, name) in enumerate(zip(levels, names, strict=True), start=1):
        assert XKOS.ClassificationLevel in _types(onto, level)
        assert int(onto.value(level, XKOS.depth)) == depth
        assert [str(lbl) for lbl in _english(onto, level, SKOS.prefLabel)] == [name]


# --------------------------------------------------------------------------------------
# The shapes graph
# --------------------------------------------------------------------------------------


def _property_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.subjects(SH.path, None))


def _node_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.subjects(RDF.type, SH.NodeShape))


def test_every_shape_reads_well(shapes: Graph) -> None:
    assert len(_node_shapes(shapes)) >= 12
    assert len(_property_shapes(shapes)) >= 60
    unnamed = [
        str(shape)
        for shape in _node_shapes(shapes) | _property_shapes(shapes)
        if not (_english(shapes, shape, SH.message) or _english(shapes, shape, SH.name))
    ]
    assert unnamed == []
    # Property shapes have both: a name for the report, a message for the reader.
    for shape in _property_shapes(shapes):
        assert _english(shapes, shape, SH.name) and _english(shapes, shape, SH.message), shape


def test_every_property_value_is_a_property_shape(shapes: Graph) -> None:
    for shape in shapes.objects(None, SH.property):
        assert shapes.value(shape, SH.path) is not None, shape


def test_shapes_live_in_the_shapes_namespace(shapes: Graph) -> None:
    named = {s for s in _node_shapes(shapes) | _property_shapes(shapes) if isinstance(s, URIRef)}
    assert named
    assert all(str(s).startswith(SHAPES_NS) for s in named)


def test_only_violations(shapes: Graph) -> None:
    assert set(shapes.objects(None, SH.severity)) <= {SH.Violation}


@pytest.mark.parametrize(
    "cls",
    [
        SMEKG.Organisation,
        SMEKG.SupportOrganisation,
        SMEKG.Network,
        ORG.Membership,
        SMEKG.Region,
        SMEKG.Country,
        SMEKG.Sector,
        SMEKG.Programme,
        SMEKG.GoodPractice,
        SMEKG.Policy,
        SMEKG.Publication,
        SMEKG.Event,
        SMEKG.SourceGraph,
    ],
    ids=str,
)
def test_class_is_targeted(shapes: Graph, cls: URIRef) -> None:
    assert list(shapes.subjects(SH.targetClass, cls))


# --------------------------------------------------------------------------------------
# Validation of data
# --------------------------------------------------------------------------------------

PREFIXES = """
@prefix smekg:   <https://w3id.org/smekg/ontology#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix schema:  <https://schema.org/> .
@prefix cv:      <http://data.europa.eu/m8g/> .
@prefix locn:    <http://www.w3.org/ns/locn#> .
@prefix rov:     <http://www.w3.org/ns/regorg#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xkos:    <http://rdf-vocabulary.ddialliance.org/xkos#> .
@prefix cpsv:    <http://purl.org/vocab/cpsv#> .
@prefix nuts:    <http://data.europa.eu/nuts/code/> .
@prefix nace21:  <http://data.europa.eu/ux2/nace2.1/> .
@prefix id:      <https://example.org/id/> .
"""

# A small graph, invented for the tests, that uses every node shape.
CONFORMING = (
    PREFIXES
    + """
id:network a smekg:Network , smekg:Organisation , org:Organization , foaf:Agent ;
    dcterms:identifier "network" ;
    skos:prefLabel "Example Network of SME Agencies"@en ;
    skos:altLabel "ENSA" ;
    org:classification smekg:type-network ;
    schema:foundingDate "2004"^^xsd:gYear ;
    schema:areaServed id:area-001 ;
    schema:location id:country-XA ;
    cv:thematicArea smekg:theme-internationalisation ;
    smekg:providesService smekg:service-partnering ;
    smekg:statedMemberCount 120 ;
    smekg:statedCountryCount 0 ;
    smekg:followsFrom id:policy-charter ;
    smekg:originatedAt id:event-conference ;
    smekg:secretariatHostedBy id:agency ;
    smekg:collaboratesWith id:other-network ;
    smekg:wikidata <http://www.wikidata.org/entity/Q123456> ;
    smekg:country id:country-XA ;
    foaf:homepage <https://network.example.org/> ;
    locn:address id:address-network ;
    dcterms:description "A network invented for the tests."@en ;
    dcterms:source id:source-document , <https://network.example.org/about> ;
    smekg:evidence "The network counts 120 members."@en .

id:other-network a smekg:Network ;
    skos:prefLabel "Another Network"@en .

id:agency a smekg:SupportOrganisation ;
    skos:prefLabel "Example SME Agency"@en , "Agenzia di esempio"@it ;
    org:classification smekg:type-agency , smekg:type-technology-transfer-intermediary ;
    rov:orgType "public agency" ;
    schema:foundingDate "1999-03-01"^^xsd:date ;
    schema:foundingLocation nuts:XA11 ;
    cv:sector nace21:2511 ;
    smekg:underAuspicesOf id:ministry ;
    org:subOrganizationOf id:ministry ;
    smekg:statedMemberCount 30 ;
    smekg:mission "Help SMEs grow."@en ;
    foaf:homepage "https://agency.example.org/"^^xsd:anyURI .

id:ministry a smekg:Organisation ;
    skos:prefLabel "Example Ministry of Industry"@en ;
    org:classification smekg:type-government-body .

id:address-network a locn:Address ;
    locn:thoroughfare "Via Example 1" ;
    locn:postCode "40121" ;
    locn:postName "Example City" ;
    locn:adminUnitL1 "XA" .

id:membership-chair a org:Membership ;
    org:member id:agency ;
    org:organization id:network ;
    org:role smekg:role-chair ;
    schema:startDate "2000-07"^^xsd:gYearMonth ;
    dcterms:source id:source-document .

id:membership-country a org:Membership ;
    org:member id:country-XA ;
    org:organization id:network ;
    org:role smekg:role-member ;
    schema:startDate "2001"^^xsd:gYear ;
    schema:endDate "2010-12-31"^^xsd:date .

id:membership-network a org:Membership ;
    org:member id:other-network ;
    org:organization id:network .

id:project a smekg:Project , org:OrganizationalCollaboration ;
    dcterms:identifier "project" ;
    skos:prefLabel "Example Project on SME Growth"@en ;
    skos:altLabel "EXPRO"@en ;
    smekg:fundedUnder id:programme-export ;
    smekg:fundingScheme "Interreg Europe call 1" ;
    smekg:call "IE-2022-1" ;
    smekg:topic "HORIZON-EIE-2022-SCALEUP-02-02" ;
    smekg:policyObjective "PO1" , "RSO1.3" ;
    smekg:projectStatus "SIGNED" ;
    smekg:grantId "101000001" ;
    schema:startDate "2023-03"^^xsd:gYearMonth ;
    schema:endDate "2027-02-28"^^xsd:date ;
    smekg:totalCost "1999000.5"^^xsd:decimal ;
    smekg:euContribution "1599200"^^xsd:decimal ;
    schema:areaServed id:country-XA .

id:partnership-lead a org:Membership ;
    org:member id:agency ;
    org:organization id:project ;
    org:role smekg:role-lead-partner ;
    smekg:totalCost "250000"^^xsd:decimal ;
    smekg:euContribution "200000.25"^^xsd:decimal .

id:area-001 a smekg:World , smekg:Region , skos:Concept ;
    skos:prefLabel "World"@en ;
    skos:notation "001" ;
    skos:inScheme smekg:ContinentsScheme ;
    skos:topConceptOf smekg:ContinentsScheme ;
    smekg:m49Code "001" .

smekg:ContinentsScheme skos:hasTopConcept id:area-001 .

id:area-150 a smekg:Continent ;
    skos:prefLabel "Europe"@en ;
    skos:notation "150" ;
    skos:inScheme smekg:ContinentsScheme ;
    skos:broader id:area-001 ;
    smekg:m49Code "150" .

id:country-XA a smekg:Country ;
    skos:prefLabel "Exampleland"@en ;
    skos:notation "XA" ;
    skos:inScheme smekg:Countries , <http://data.europa.eu/nuts/scheme/2024> ;
    skos:broader id:area-150 ;
    smekg:level 0 ;
    smekg:isoAlpha2 "XA" ;
    smekg:isoAlpha3 "XAA" ;
    smekg:isoNumeric "008" ;
    smekg:m49Code "008" ;
    smekg:nutsCode "XA" ;
    smekg:unSubregion "Southern Europe" ;
    skos:exactMatch nuts:XA .

nuts:XA1 a smekg:NutsRegion ;
    skos:notation "XA1" ;
    skos:inScheme <http://data.europa.eu/nuts/scheme/2024> ;
    skos:broader id:country-XA ;
    smekg:level 1 ;
    smekg:nutsCode "XA1" .

nuts:XA11 a smekg:NutsRegion ;
    skos:prefLabel "Example Region" ;
    skos:notation "XA11" ;
    skos:inScheme <http://data.europa.eu/nuts/scheme/2024> ;
    skos:broader nuts:XA1 ;
    smekg:level 2 ;
    smekg:nutsCode "XA11" ;
    smekg:nutsVersion "2021" , "2024" ;
    smekg:typology smekg:typology-mountain-surface , smekg:typology-coastal .

nuts:XA12 a smekg:NutsRegion , smekg:StatisticalRegion ;
    skos:prefLabel "Παράδειγμα"@el , "Paradeigma"@el-Latn ;
    skos:notation "XA12" ;
    skos:inScheme smekg:StatisticalRegions ;
    skos:broader nuts:XA1 ;
    smekg:level 2 ;
    smekg:nutsCode "XA12" ;
    smekg:nutsVersion "2021" ;
    smekg:nutsChange "code-change" ;
    dcterms:isReplacedBy nuts:XA11 .

id:subdivision-XA-45 a smekg:Subdivision ;
    skos:prefLabel "Example Province"@en ;
    skos:notation "XA-45" ;
    skos:inScheme smekg:Iso3166-2 ;
    skos:broader id:country-XA ;
    smekg:isoSubdivisionCode "XA-45" ;
    smekg:subdivisionType "Province" .

nace21:251 a smekg:Sector ;
    skos:prefLabel "Manufacture of structural metal products"@en ;
    skos:notation "25.1" ;
    skos:inScheme <http://data.europa.eu/ux2/nace2.1/nace2.1> ;
    smekg:level 3 ;
    smekg:naceCode "25.1" .

nace21:2511 a smekg:Sector ;
    skos:prefLabel "Manufacture of metal structures and parts of structures"@en ;
    skos:notation "25.11" ;
    skos:inScheme <http://data.europa.eu/ux2/nace2.1/nace2.1> ;
    skos:broader nace21:251 ;
    smekg:level 4 ;
    smekg:naceCode "25.11" ;
    skos:scopeNote "This class includes ..."@en .

smekg:nace2.1-level-4 skos:member nace21:2511 .

id:programme-export a smekg:Programme , cpsv:PublicService ;
    skos:prefLabel "Example Export Programme 2016-2020"@en ;
    smekg:programmeKind "project" ;
    smekg:country id:country-XA ;
    schema:location nuts:XA11 ;
    smekg:featuredIn id:publication-brief ;
    schema:startDate "2016"^^xsd:gYear ;
    schema:endDate "2020"^^xsd:gYear ;
    cv:hasCompetentAuthority id:agency ;
    schema:areaServed nuts:XA11 ;
    cv:sector nace21:251 ;
    cv:thematicArea smekg:theme-internationalisation ;
    smekg:providesService smekg:service-internationalisation , smekg:service-training ;
    smekg:implementsPolicy id:policy-charter ;
    smekg:followsFrom id:policy-charter .

id:good-practice a smekg:GoodPractice ;
    skos:prefLabel "Example export vouchers"@en ;
    schema:location nuts:XA11 ;
    smekg:featuredIn id:publication-brief ;
    cv:hasCompetentAuthority id:agency ;
    schema:startDate "2018"^^xsd:gYear ;
    smekg:implementsPolicy id:policy-charter .

id:policy-charter a smekg:Policy ;
    skos:prefLabel "Example Charter on SME Policies"@en ;
    smekg:policyKind "charter" ;
    dcterms:issued "2000-06"^^xsd:gYearMonth ;
    smekg:adoptedAt id:event-conference ;
    smekg:proposedBy id:ministry ;
    dcterms:publisher id:network ;
    cv:thematicArea smekg:theme-sme-policy .

id:publication-brief a smekg:Publication ;
    skos:prefLabel "Example policy brief"@en ;
    dcterms:publisher id:network ;
    smekg:drawsOn id:programme-export .

id:event-conference a smekg:Event , schema:Event ;
    skos:prefLabel "Example ministerial conference"@en ;
    smekg:eventKind "ministerial_conference" ;
    smekg:city "Example City" ;
    schema:startDate "2000-06-14"^^xsd:date ;
    schema:endDate "2000-06-15"^^xsd:date ;
    schema:location nuts:XA11 ;
    schema:organizer id:ministry .

id:source-document a smekg:SourceDocument , foaf:Document , prov:Entity ;
    dcterms:identifier "annual-report" ;
    dcterms:title "Example annual report"@en ;
    skos:prefLabel "Example annual report"@en ;
    smekg:fileName "annual-report.pdf" ;
    smekg:sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    foaf:page <https://network.example.org/annual-report> ;
    dcterms:publisher "Example Network" ;
    dcterms:issued "2020"^^xsd:gYear .

# A relation with its provenance on a reified statement, as the loaders write it.
[] a rdf:Statement ;
    rdf:subject id:network ;
    rdf:predicate smekg:collaboratesWith ;
    rdf:object id:other-network ;
    dcterms:bibliographicCitation "Annual report 2020, p. 3" ;
    smekg:evidence "works closely with Another Network"@en .

<https://example.org/id/graph/example> a smekg:SourceGraph , prov:Entity ;
    dcterms:source "example.xlsx" ;
    dcterms:title "Example source"@en ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> , "reuse authorised" ;
    smekg:sha256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" ;
    smekg:loaderVersion "0.1.0" ;
    prov:generatedAtTime "2025-01-01T12:00:00Z"^^xsd:dateTime ;
    smekg:tripleCount 42 .

id:run a smekg:AnalysisRun , prov:Activity ;
    smekg:analysis "centrality" ;
    smekg:parameters "{}" ;
    prov:endedAtTime "2026-11-22T10:00:00Z"^^xsd:dateTime .
id:community a smekg:Community ; smekg:size 2 .
id:network smekg:inCommunity id:community ; smekg:pagerank "0.5"^^xsd:double .
id:reach a smekg:Reach ; smekg:reachOf id:network ; smekg:reached id:network ;
    smekg:depth 1 ; smekg:via id:network .
id:cell a smekg:CoverageCell ; smekg:cellRegion id:network ; smekg:cellSector id:network ;
    smekg:coveredBy 0 .
"""
)


def _ex(local: str) -> URIRef:
    return URIRef(EX + local)


SOURCE_GRAPH = _ex("graph/example")


def _conforming() -> Graph:
    return Graph().parse(data=CONFORMING, format="turtle")


def _validate(
    data: Graph, onto: Graph, shapes: Graph, inference: str = "none", meta_shacl: bool = False
) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=onto,
        inference=inference,
        meta_shacl=meta_shacl,
    )
    return conforms, report, text


def _results(report: Graph) -> Iterator[tuple[Node, Node, Node, Node]]:
    """(focus node, path, constraint component, severity) of each top-level result."""
    (report_node,) = report.subjects(RDF.type, SH.ValidationReport)
    for result in report.objects(report_node, SH.result):
        yield (
            report.value(result, SH.focusNode),
            report.value(result, SH.resultPath),
            report.value(result, SH.sourceConstraintComponent),
            report.value(result, SH.resultSeverity),
        )


def test_shapes_graph_is_valid_shacl(onto: Graph, shapes: Graph) -> None:
    """meta_shacl=True validates the shapes against the SHACL-for-SHACL shapes first
    (raising if they fail), then the data."""
    conforms, _, text = _validate(_conforming(), onto, shapes, meta_shacl=True)
    assert conforms, text


def test_meta_shacl_check_is_not_vacuous(onto: Graph) -> None:
    broken = load_shapes()
    broken.add((URIRef(SHAPES_NS + "prefLabel-required"), SH.minCount, Literal("one")))
    with pytest.raises(ReportableRuntimeError):
        _validate(_conforming(), onto, broken, meta_shacl=True)


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_conforming_graph_conforms(onto: Graph, shapes: Graph, inference: str) -> None:
    conforms, report, text = _validate(_conforming(), onto, shapes, inference=inference)
    assert conforms, text
    assert list(_results(report)) == []


def test_conforming_graph_exercises_every_targeted_shape(onto: Graph, shapes: Graph) -> None:
    data = _conforming()
    # The class hierarchy, as pySHACL mixes it into the data graph.
    for triple in onto.triples((None, RDFS.subClassOf, None)):
        data.add(triple)
    for shape in _node_shapes(shapes):
        targets = list(shapes.objects(shape, SH.targetClass))
        if not targets:
            continue
        instances = {
            s
            for target in targets
            for cls in data.transitive_subjects(RDFS.subClassOf, target)
            for s in data.subjects(RDF.type, cls)
        }
        assert instances, f"no instance of {targets} in the conforming graph"


def test_validation_needs_the_ontology_for_subclasses(shapes: Graph) -> None:
    """Without ont_graph a network member is not known to be an organisation: the reason
    the loaders must validate with ont_graph=load_ontology()."""
    conforms, report, _ = pyshacl.validate(_conforming(), shacl_graph=shapes, inference="none")
    assert not conforms
    focus_paths = {(focus, path) for focus, path, _, _ in _results(report)}
    assert (_ex("membership-network"), ORG.member) in focus_paths


# Each case: (id, triples removed, triples added, expected focus node, path, component).
Triple = tuple[Node, Node, Node]
INVALID_CASES: list[tuple[str, list[tuple], list[Triple], Node, URIRef, URIRef]] = [
    (
        "membership-without-organization",
        [(_ex("membership-chair"), ORG.organization, None)],
        [],
        _ex("membership-chair"),
        ORG.organization,
        SH.MinCountConstraintComponent,
    ),
    (
        "organisation-without-label",
        [(_ex("ministry"), SKOS.prefLabel, None)],
        [],
        _ex("ministry"),
        SKOS.prefLabel,
        SH.MinCountConstraintComponent,
    ),
    (
        "network-without-label",  # targeted as an organisation through rdfs:subClassOf
        [(_ex("other-network"), SKOS.prefLabel, None)],
        [],
        _ex("other-network"),
        SKOS.prefLabel,
        SH.MinCountConstraintComponent,
    ),
    (
        "area-served-is-a-sector",
        [],
        [(_ex("ministry"), SCHEMA.areaServed, NACE21["2511"])],
        _ex("ministry"),
        SCHEMA.areaServed,
        SH.ClassConstraintComponent,
    ),
    (
        "source-graph-malformed-sha256",
        [(SOURCE_GRAPH, SMEKG.sha256, None)],
        [(SOURCE_GRAPH, SMEKG.sha256, Literal("E3B0C442-not-a-checksum"))],
        SOURCE_GRAPH,
        SMEKG.sha256,
        SH.PatternConstraintComponent,
    ),
    (
        "source-graph-without-generation-time",
        [(SOURCE_GRAPH, PROV.generatedAtTime, None)],
        [],
        SOURCE_GRAPH,
        PROV.generatedAtTime,
        SH.MinCountConstraintComponent,
    ),
    (
        "source-graph-licence-is-a-number",
        [(SOURCE_GRAPH, DCTERMS.license, None)],
        [(SOURCE_GRAPH, DCTERMS.license, Literal(4))],
        SOURCE_GRAPH,
        DCTERMS.license,
        SH.OrConstraintComponent,
    ),
    (
        "sector-level-7",
        [(NACE21["2511"], SMEKG.level, None)],
        [(NACE21["2511"], SMEKG.level, Literal(7))],
        NACE21["2511"],
        SMEKG.level,
        SH.MaxInclusiveConstraintComponent,
    ),
    (
        "sector-in-two-schemes",
        [],
        [(NACE21["2511"], SKOS.inScheme, NACE2_SCHEME)],
        NACE21["2511"],
        SKOS.inScheme,
        SH.MaxCountConstraintComponent,
    ),
    (
        "sector-broader-is-a-region",
        [],
        [(NACE21["2511"], SKOS.broader, _ex("country-XA"))],
        NACE21["2511"],
        SKOS.broader,
        SH.ClassConstraintComponent,
    ),
    (
        "member-is-a-sector",
        [(_ex("membership-network"), ORG.member, None)],
        [(_ex("membership-network"), ORG.member, NACE21["251"])],
        _ex("membership-network"),
        ORG.member,
        SH.OrConstraintComponent,
    ),
    (
        "membership-organization-is-not-a-network",
        [(_ex("membership-network"), ORG.organization, None)],
        [(_ex("membership-network"), ORG.organization, _ex("ministry"))],
        _ex("membership-network"),
        ORG.organization,
        SH.OrConstraintComponent,
    ),
    (
        "partner-budget-is-not-a-decimal",
        [(_ex("partnership-lead"), SMEKG.totalCost, None)],
        [(_ex("partnership-lead"), SMEKG.totalCost, Literal("250k"))],
        _ex("partnership-lead"),
        SMEKG.totalCost,
        SH.DatatypeConstraintComponent,
    ),
    (
        "project-funded-under-an-organisation",
        [(_ex("project"), SMEKG.fundedUnder, None)],
        [(_ex("project"), SMEKG.fundedUnder, _ex("ministry"))],
        _ex("project"),
        SMEKG.fundedUnder,
        SH.ClassConstraintComponent,
    ),
    (
        "role-is-not-a-role",
        [(_ex("membership-chair"), ORG.role, None)],
        [(_ex("membership-chair"), ORG.role, SMEKG["theme-innovation"])],
        _ex("membership-chair"),
        ORG.role,
        SH.ClassConstraintComponent,
    ),
    (
        "membership-with-two-start-dates",
        [],
        [(_ex("membership-chair"), SCHEMA.startDate, Literal("2001", datatype=XSD.gYear))],
        _ex("membership-chair"),
        SCHEMA.startDate,
        SH.MaxCountConstraintComponent,
    ),
    (
        "start-date-as-plain-string",
        [(_ex("membership-country"), SCHEMA.startDate, None)],
        [(_ex("membership-country"), SCHEMA.startDate, Literal("2001"))],
        _ex("membership-country"),
        SCHEMA.startDate,
        SH.OrConstraintComponent,
    ),
    (
        "founding-date-ill-formed",
        [(_ex("network"), SCHEMA.foundingDate, None)],
        [(_ex("network"), SCHEMA.foundingDate, Literal("2000-13", datatype=XSD.gYearMonth))],
        _ex("network"),
        SCHEMA.foundingDate,
        SH.OrConstraintComponent,
    ),
    (
        "classification-outside-organisation-types",
        [],
        [(_ex("ministry"), ORG.classification, SMEKG["service-training"])],
        _ex("ministry"),
        ORG.classification,
        SH.InConstraintComponent,
    ),
    (
        "negative-stated-count",
        [(_ex("network"), SMEKG.statedMemberCount, None)],
        [(_ex("network"), SMEKG.statedMemberCount, Literal(-1))],
        _ex("network"),
        SMEKG.statedMemberCount,
        SH.MinInclusiveConstraintComponent,
    ),
    (
        "wikidata-page-instead-of-entity",
        [(_ex("network"), SMEKG.wikidata, None)],
        [(_ex("network"), SMEKG.wikidata, URIRef("https://www.wikidata.org/wiki/Q123456"))],
        _ex("network"),
        SMEKG.wikidata,
        SH.PatternConstraintComponent,
    ),
    (
        "homepage-as-plain-string",
        [(_ex("network"), FOAF.homepage, None)],
        [(_ex("network"), FOAF.homepage, Literal("https://network.example.org/"))],
        _ex("network"),
        FOAF.homepage,
        SH.OrConstraintComponent,
    ),
    (
        "region-without-notation",
        [(_ex("area-150"), SKOS.notation, None)],
        [],
        _ex("area-150"),
        SKOS.notation,
        SH.MinCountConstraintComponent,
    ),
    (
        "region-nuts-version-2019",
        [],
        [(NUTS["XA11"], SMEKG.nutsVersion, Literal("2019"))],
        NUTS["XA11"],
        SMEKG.nutsVersion,
        SH.InConstraintComponent,
    ),
    (
        "region-typology-is-a-theme",
        [],
        [(NUTS["XA11"], SMEKG.typology, SMEKG["theme-innovation"])],
        NUTS["XA11"],
        SMEKG.typology,
        SH.InConstraintComponent,
    ),
    (
        "region-replaced-by-a-sector",
        [],
        [(NUTS["XA1"], DCTERMS.isReplacedBy, NACE21["2511"])],
        NUTS["XA1"],
        DCTERMS.isReplacedBy,
        SH.ClassConstraintComponent,
    ),
    (
        "region-without-scheme",
        [(NUTS["XA11"], SKOS.inScheme, None)],
        [],
        NUTS["XA11"],
        SKOS.inScheme,
        SH.MinCountConstraintComponent,
    ),
    (
        "programme-without-label",
        [(_ex("programme-export"), SKOS.prefLabel, None)],
        [],
        _ex("programme-export"),
        SKOS.prefLabel,
        SH.MinCountConstraintComponent,
    ),
    (
        "event-theme-is-a-literal",
        [],
        [(_ex("event-conference"), CV.thematicArea, Literal("innovation"))],
        _ex("event-conference"),
        CV.thematicArea,
        SH.ClassConstraintComponent,
    ),
    (
        "good-practice-sector-is-a-region",
        [],
        [(_ex("good-practice"), CV.sector, _ex("country-XA"))],
        _ex("good-practice"),
        CV.sector,
        SH.ClassConstraintComponent,
    ),
    (
        "programme-country-is-a-region",
        [(_ex("programme-export"), SMEKG.country, None)],
        [(_ex("programme-export"), SMEKG.country, NUTS["XA11"])],
        _ex("programme-export"),
        SMEKG.country,
        SH.ClassConstraintComponent,
    ),
    (
        "source-document-upper-case-sha256",
        [(_ex("source-document"), SMEKG.sha256, None)],
        [(_ex("source-document"), SMEKG.sha256, Literal("9F86D081" * 8))],
        _ex("source-document"),
        SMEKG.sha256,
        SH.PatternConstraintComponent,
    ),
    (
        "source-is-a-literal",
        [],
        [(_ex("membership-chair"), DCTERMS.source, Literal("annual report"))],
        _ex("membership-chair"),
        DCTERMS.source,
        SH.NodeKindConstraintComponent,
    ),
    (
        "nace-code-not-as-printed",
        [(NACE21["2511"], SMEKG.naceCode, None)],
        [(NACE21["2511"], SMEKG.naceCode, Literal("2511"))],
        NACE21["2511"],
        SMEKG.naceCode,
        SH.PatternConstraintComponent,
    ),
    (
        "iso-numeric-code-as-integer",
        [(_ex("country-XA"), SMEKG.isoNumeric, None)],
        [(_ex("country-XA"), SMEKG.isoNumeric, Literal(8))],
        _ex("country-XA"),
        SMEKG.isoNumeric,
        SH.DatatypeConstraintComponent,
    ),
    (
        "policy-adopted-at-a-non-event",
        [(_ex("policy-charter"), SMEKG.adoptedAt, None)],
        [(_ex("policy-charter"), SMEKG.adoptedAt, _ex("publication-brief"))],
        _ex("policy-charter"),
        SMEKG.adoptedAt,
        SH.ClassConstraintComponent,
    ),
]


@pytest.mark.parametrize(
    ("removed", "added", "focus", "path", "component"),
    [case[1:] for case in INVALID_CASES],
    ids=[case[0] for case in INVALID_CASES],
)
def test_invalid_graph_fails_at_the_expected_node_and_path(
    onto: Graph,
    shapes: Graph,
    removed: list[tuple],
    added: list[Triple],
    focus: Node,
    path: URIRef,
    component: URIRef,
) -> None:
    data = _conforming()
    for pattern in removed:
        assert list(data.triples(pattern)), f"nothing to remove for {pattern}"
        data.remove(pattern)
    for triple in added:
        data.add(triple)

    conforms, report, text = _validate(data, onto, shapes)

    assert not conforms
    results = list(_results(report))
    # Only the expected focus node and path fail (the rest of the graph conforms), with
    # the expected constraint (a value may break two, e.g. sh:datatype and sh:pattern).
    assert {(f, p, severity) for f, p, _, severity in results} == {(focus, path, SH.Violation)}, (
        text
    )
    assert component in {c for _, _, c, _ in results}, text
    assert len(results) == len(set(results)), "no duplicate results"
    # Flat report: no nested (sh:detail) results, which the loaders would list as errors.
    assert len(set(report.subjects(RDF.type, SH.ValidationResult))) == len(results)
    messages = [str(m) for m in report.objects(None, SH.resultMessage)]
    assert len(messages) == len(results) and all(messages), "each result has a message"


def test_result_message_comes_from_the_shape(onto: Graph, shapes: Graph) -> None:
    data = _conforming()
    data.remove((_ex("membership-chair"), ORG.organization, None))
    _, report, _ = _validate(data, onto, shapes)
    assert {str(m) for m in report.objects(None, SH.resultMessage)} == {
        "A membership needs exactly one org:organization, a smekg:Network or a smekg:Project "
        "(a partnership)."
    }


def test_invalid_case_ids_are_unique() -> None:
    counts = Counter(case[0] for case in INVALID_CASES)
    assert [name for name, n in counts.items() if n > 1] == []

"""The bundled NACE Rev. 2 and its links to Rev. 2.1, loaded into a real store: what each
source holds, and how the links' source says they were made."""

from __future__ import annotations

import csv
from collections import Counter

from pyoxigraph import Literal, NamedNode

from smekg.core.iri import NACE_SCHEME_IRIS, nace_sector
from smekg.loaders.bundled import EU_REUSE_DECISION, nace2_sources
from smekg.loaders.sources import LOADER_VERSION, sha256_of
from smekg.reference.sectors import (
    NACE2_LINK_RULE,
    linked_nace2_codes,
    nace2_titles_bytes,
)
from tests.helpers import REPO_ROOT

TITLES_CSV = REPO_ROOT / "data" / "reference" / "nace2" / "titles.csv"


def _rows() -> list[dict[str, str]]:
    with TITLES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _one(store, sparql: str, g: NamedNode) -> list:
    """The rows of ``sparql`` with ``?g`` the graph ``g`` (a VALUES clause: a variable the
    engine binds must be selected)."""
    return list(store.select(sparql.replace("WHERE {", f"WHERE {{ VALUES ?g {{ <{g.value}> }}", 1)))


def test_nace2_source_holds_every_code_with_its_titles(reference_store, minter):
    graph = NamedNode(minter.graph("reference/nace2"))
    rows = _one(reference_store, """
        SELECT ?s ?label WHERE { GRAPH ?g { ?s a smekg:Sector ; skos:prefLabel ?label } }
    """, g=graph)
    per_language = Counter(row["label"].language for row in rows)
    expected = Counter(row["lang"] for row in _rows())
    assert per_language == expected
    assert len({row["s"] for row in rows}) == len({row["code"] for row in _rows()}) == 996
    (level,) = _one(reference_store, """
        SELECT (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s smekg:level 4 } }""", g=graph)
    assert int(level["n"].value) == Counter(row["level"] for row in _rows()
                                            if row["lang"] == "en")["4"]


def test_nace2_provenance_names_the_file_and_the_reuse_decision(reference_store, minter):
    (source,) = [s for s in nace2_sources(minter) if s.key == "reference/nace2"]
    assert source.fingerprint == TITLES_CSV.read_bytes() == nace2_titles_bytes()
    graph = NamedNode(minter.graph("reference/nace2"))
    (row,) = _one(reference_store, """
        SELECT ?origin ?licence ?sha WHERE {
          ?g dcterms:source ?origin ; dcterms:license ?licence ; smekg:sha256 ?sha }""",
                  g=graph)
    assert row["origin"] == Literal("smekg/data/reference/nace2/titles.csv")
    assert row["licence"] == NamedNode(EU_REUSE_DECISION)
    assert row["sha"].value == sha256_of(source.fingerprint, LOADER_VERSION, minter.base)


def test_the_links_source_says_how_it_was_derived(reference_store, minter):
    graph = NamedNode(minter.graph("reference/nace2-nace2.1-links"))
    (row,) = _one(reference_store, """
        SELECT ?description ?licence WHERE {
          ?g dcterms:description ?description ; dcterms:license ?licence }""", g=graph)
    assert row["description"] == Literal(NACE2_LINK_RULE, language="en")
    assert "only when, their English titles are the same" in NACE2_LINK_RULE
    assert row["licence"] == NamedNode(EU_REUSE_DECISION)
    derived = {r["from"] for r in _one(reference_store,
                                       "SELECT ?from WHERE { ?g prov:wasDerivedFrom ?from }",
                                       g=graph)}
    assert derived == {NamedNode(NACE_SCHEME_IRIS["2"]), NamedNode(NACE_SCHEME_IRIS["2.1"])}


def test_the_links_source_holds_each_link_both_ways_and_nothing_else(reference_store, minter):
    graph = NamedNode(minter.graph("reference/nace2-nace2.1-links"))
    links = {(r["a"].value, r["b"].value) for r in _one(reference_store, """
        SELECT ?a ?b WHERE { GRAPH ?g { ?a skos:exactMatch ?b } }""", g=graph)}
    expected = {(nace_sector("2", code), nace_sector("2.1", code))
                for code in linked_nace2_codes()}
    assert links == expected | {(b, a) for a, b in expected}
    (count,) = _one(reference_store, """
        SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }""", g=graph)
    provenance = len(_one(reference_store, "SELECT ?p ?o WHERE { GRAPH ?g { ?g ?p ?o } }",
                          g=graph))
    assert int(count["n"].value) == len(links) + provenance
    assert (nace_sector("2", "25.11"), nace_sector("2.1", "25.11")) in links
    assert not {a for a, _ in links} & {nace_sector("2", "62.01"), nace_sector("2", "63.91")}

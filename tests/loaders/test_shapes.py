"""The compiled shapes report exactly what pySHACL reports; large loads stream in chunks."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib import Graph

import smekg.loaders.sources as sources_module
from smekg.core.stores import GraphStore
from smekg.loaders.bundled import bundled_sources
from smekg.loaders.errors import LoadError
from smekg.loaders.generate import generate
from smekg.loaders.shapes import CompiledShapes, UnsupportedShape, compiled_shapes, superclasses
from smekg.loaders.sources import file_sources, load_sources, validate_triples

from .test_loading import write_csv

XSD = "http://www.w3.org/2001/XMLSchema#"


class _Types:
    """The rdf:type triples of nodes: from other graphs of the batch, then the store."""

    def __init__(self, store: GraphStore, batch: dict[str, list[Triple]] | None = None):
        self.store, self.batch = store, {}
        for triples in (batch or {}).values():
            for t in triples:
                if t.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
                    self.batch.setdefault(t.subject, []).append(t)

    def triples(self, node) -> list[Triple]:
        return self.batch.get(node) or self.store.types_of(node)

    def __call__(self, node) -> list[str]:
        return [t.object.value for t in self.triples(node)]


def _store_types(store: GraphStore, batch: dict | None = None) -> _Types:
    return _Types(store, batch)


def _pyshacl(triples: list[Triple], store: GraphStore, batch: dict | None = None) -> list:
    """The reference: pySHACL on the triples plus the types of the nodes they point at."""
    types = _Types(store, batch)
    subjects = {t.subject for t in triples}
    extra, external = [], set()
    for t in triples:
        if isinstance(t.object, NamedNode) and t.object not in subjects:
            extra.extend(types.triples(t.object))
            external.add(t.object.value)
    return [p for p in validate_triples(triples + extra, "x") if p.focus not in external]


def _normalised(problems: list) -> Counter:
    # Blank node labels differ between rdflib and pyoxigraph; everything else must match.
    def blank(text: str | None) -> str | None:
        is_blank = text is not None and (text.startswith("_:") or
                                         (text.startswith("N") and len(text) == 33))
        return "_:b" if is_blank else text

    return Counter(
        (p.message.replace(f"<{p.focus}>", f"<{blank(p.focus)}>"), p.column,
         blank(str(p.value) if p.value is not None else None), blank(p.focus))
        for p in problems
    )


def _mutate(triples: list[Triple], rng: random.Random, n: int) -> list[Triple]:
    """Break ``n`` things at random: drop, re-point, re-label, add ill-typed values."""
    out = list(triples)
    predicates = sorted({t.predicate for t in out}, key=str)
    objects = [t.object for t in out]
    integer, date = NamedNode(f"{XSD}integer"), NamedNode(f"{XSD}date")
    for _ in range(n):
        k = rng.randrange(len(out))
        t = out[k]
        r = rng.random()
        if r < 0.2:
            out.pop(k)
        elif r < 0.4:
            out[k] = Triple(t.subject, t.predicate, rng.choice(objects))
        elif r < 0.55:
            out[k] = Triple(t.subject, rng.choice(predicates), t.object)
        elif r < 0.65:
            out.append(Triple(t.subject, t.predicate, Literal("-3", datatype=integer)))
        elif r < 0.75:
            out.append(Triple(t.subject, t.predicate, Literal("2020-13-45", datatype=date)))
        elif r < 0.85:
            out.append(Triple(t.subject, t.predicate, Literal(rng.choice(["x", "2001"]))))
        else:
            out.append(Triple(t.subject, t.predicate, BlankNode()))
    return out


@pytest.fixture(scope="module")
def generated_graphs(reference_store_dir: Path, tmp_path_factory) -> tuple[GraphStore, dict]:
    root = tmp_path_factory.mktemp("shapes")
    generate(root / "data", 400, seed=3)
    store = GraphStore.open(reference_store_dir, read_only=True)
    from smekg.core.iri import Minter

    minter = Minter("https://w3id.org/smekg/id/")
    sources = file_sources(sorted((root / "data").glob("*.csv")), minter, store)
    return store, {s.key: list(s.build().graph) for s in sources}


def test_the_whole_shapes_file_compiles() -> None:
    shapes = compiled_shapes()
    assert len(shapes.rules) == 18
    organisation = next(r for r in shapes.rules
                        if "https://w3id.org/smekg/ontology#Network" in r.target_classes)
    assert any(p.min_count == 1 for p in organisation.properties)


def test_valid_generated_data_passes_both(generated_graphs) -> None:
    store, graphs = generated_graphs
    for key, triples in graphs.items():
        assert compiled_shapes().validate(triples, "x", _store_types(store, graphs)) == [], key
        assert _pyshacl(triples, store, graphs) == [], key


@pytest.mark.parametrize("seed", range(6))
def test_broken_data_gets_the_same_violations_as_pyshacl(generated_graphs, seed: int) -> None:
    store, graphs = generated_graphs
    rng = random.Random(seed)
    keys = [key for key in sorted(graphs) if len(graphs[key]) > 500]
    key = keys[seed % len(keys)]
    triples = graphs[key][:2500]
    broken = _mutate(triples, rng, 60)
    expected = _normalised(_pyshacl(broken, store, graphs))
    got = _normalised(compiled_shapes().validate(broken, "x", _store_types(store, graphs)))
    assert expected, "the mutations should break something"
    assert got == expected


def test_the_bundled_seed_data_agrees(reference_store: GraphStore, minter) -> None:
    from tests.helpers import REPO_ROOT

    for source in bundled_sources(minter, reference_store, REPO_ROOT / "data"):
        if not source.key.startswith("seed/"):
            continue
        triples = list(source.build().graph)
        if not triples:  # a seed table with no rows (partners)
            continue
        broken = _mutate(triples, random.Random(source.key), 25)
        assert _normalised(compiled_shapes().validate(
            broken, "x", _store_types(reference_store))) == _normalised(
            _pyshacl(broken, reference_store)), source.key


def test_an_unsupported_shape_feature_is_refused() -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path ( <urn:p> <urn:q> ) ; sh:minCount 1 ] .
    """, format="turtle")
    with pytest.raises(UnsupportedShape, match="predicate paths"):
        CompiledShapes.compile(shapes, superclasses())
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:closed true .
    """, format="turtle")
    with pytest.raises(UnsupportedShape, match="closed"):
        CompiledShapes.compile(shapes, superclasses())


# -- streaming loads ------------------------------------------------------------------

@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 7 rows and the bulk loader above 50 triples, to exercise both paths."""
    monkeypatch.setattr(sources_module, "CHUNK_ROWS", 7)
    monkeypatch.setattr(sources_module, "BULK_ABOVE", 50)


def _quads(store: GraphStore) -> set:
    skip = {"https://w3id.org/smekg/ontology#sha256", "http://www.w3.org/ns/prov#generatedAtTime"}
    return {(q.subject, q.predicate, q.object, q.graph_name) for q in store.oxigraph
            if q.predicate.value not in skip and not isinstance(q.subject, BlankNode)}


def test_chunked_bulk_load_gives_the_same_graph(reference_store_dir: Path, tmp_path: Path,
                                                 minter, monkeypatch) -> None:
    import shutil

    generate(tmp_path / "data", 120, seed=5)
    paths = sorted((tmp_path / "data").glob("*.csv"))
    results = []
    for name, chunk_rows, bulk_above in (("whole", 10**9, 10**9), ("chunked", 7, 50)):
        monkeypatch.setattr(sources_module, "CHUNK_ROWS", chunk_rows)
        monkeypatch.setattr(sources_module, "BULK_ABOVE", bulk_above)
        shutil.copytree(reference_store_dir, tmp_path / name)
        store = GraphStore.open(tmp_path / name)
        reports = load_sources(store, file_sources(paths, minter, store), minter)
        results.append((_quads(store), {r.key: r.triples for r in reports}))
        for report in reports:
            record = store.source_record(report.graph)
            assert record is not None and record.sha256
            # the recorded count is the data; the report adds the provenance triples
            assert record.triples == report.triples
    assert results[0] == results[1]


def test_rows_repeating_a_subject_across_chunks_are_checked_whole(
    reference_store: GraphStore, minter, tmp_path: Path, small_chunks
) -> None:
    organisations = [{"id": f"org-{i}", "name": f"Org {i}", "types": "agency",
                      "country": "IT"} for i in range(20)]
    organisations.append({"id": "net", "name": "Net", "types": "network", "country": "IT"})
    memberships = [{"network": "net", "member": f"org-{i}"} for i in range(20)]
    # the same membership again, 15 rows later (another chunk), with a second start date
    memberships[0]["since"] = "2001"
    memberships.append({"network": "net", "member": "org-0", "since": "2002"})
    paths = [write_csv(tmp_path / "organisations.csv", organisations),
             write_csv(tmp_path / "memberships.csv", memberships)]
    before = len(reference_store)
    with pytest.raises(LoadError) as error:
        load_sources(reference_store, file_sources(paths, minter, reference_store), minter)
    assert any("At most one schema:startDate" in p.message for p in error.value.problems)
    assert len(reference_store) == before


def test_a_violation_in_a_late_chunk_writes_nothing(
    reference_store: GraphStore, minter, tmp_path: Path, small_chunks
) -> None:
    organisations = [{"id": f"org-{i}", "name": f"Org {i}", "types": "agency",
                      "country": "IT"} for i in range(30)]
    organisations[-1]["region"] = "Atlantis"
    path = write_csv(tmp_path / "organisations.csv", organisations)
    before = len(reference_store)
    with pytest.raises(LoadError) as error:
        load_sources(reference_store, file_sources([path], minter, reference_store), minter)
    assert [p.row for p in error.value.problems] == [31]
    assert len(reference_store) == before

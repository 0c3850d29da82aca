"""Loading into a remote SPARQL store (a real `oxigraph serve`) with smekg's loaders: the
same graphs as the embedded store, large graphs streamed, clear errors when it cannot be
written, through SPARQL Update or the Graph Store Protocol.

The write contract every store keeps (idempotent loads, a changed source replacing exactly
its graph, a failing batch writing nothing, hostile literals kept as they are) is in
tests/core/test_source_store.py, run on this store and on the embedded one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from smekg.core.backends import BackendUnavailable
from smekg.core.iri import Minter
from smekg.core.stores import GraphStore, RemoteGraphStore, ntriples_chunks
from smekg.loaders.sources import file_sources, load_sources
from tests.conftest import BASE, free_port
from tests.loaders.test_loading import MEMBERSHIPS, ORGANISATIONS, write_csv

PROV_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"


@pytest.fixture(params=["update", "graph-store"])
def remote(request, reference_server) -> Iterator[RemoteGraphStore]:
    """The reference server, written by SPARQL Update or by the Graph Store Protocol only;
    the graphs a test adds are dropped after it."""
    endpoint = reference_server.endpoint(update=request.param == "update")
    store = RemoteGraphStore(endpoint)
    before = set(store.named_graphs())
    yield store
    for graph in set(store.named_graphs()) - before:
        store.drop_source(graph)
    endpoint.close()


@pytest.fixture
def user_files(tmp_path: Path) -> tuple[Path, Path]:
    return (write_csv(tmp_path / "organisations.csv", ORGANISATIONS),
            write_csv(tmp_path / "memberships.csv", MEMBERSHIPS))


def load(store, *paths: Path):
    minter = Minter(BASE)
    return load_sources(store, file_sources(list(paths), minter, store), minter)


def graph_quads(store: GraphStore, *graphs: str) -> set[str]:
    """The quads of ``graphs``, without the load time (which differs between two loads)."""
    return {str(q) for graph in graphs
            for q in store.oxigraph.quads_for_pattern(None, None, None, NamedNode(graph))
            if str(q.predicate) != PROV_AT}


def test_user_tables_load_as_on_the_embedded_store(remote, reference_store, user_files):
    minter = Minter(BASE)
    reports = load(remote, *user_files)
    assert [(r.key, r.status) for r in reports] == [("user/organisations", "loaded"),
                                                     ("user/memberships", "loaded")]
    assert [r.notes for r in reports] == [r.notes for r in load(reference_store, *user_files)]
    graphs = [minter.graph("user/organisations"), minter.graph("user/memberships")]
    assert graph_quads(remote.snapshot(), *graphs) == graph_quads(reference_store, *graphs)
    for graph in graphs:
        got, expected = remote.source_record(graph), reference_store.source_record(graph)
        assert (got.sha256, got.triples, got.title, got.source) == (
            expected.sha256, expected.triples, expected.title, expected.source)










def test_a_large_graph_is_streamed_in_pieces(remote):
    graph = "https://w3id.org/smekg/id/graph/user/large"
    triples = [Triple(NamedNode(f"https://ex.org/n{i}"), NamedNode("https://ex.org/p"),
                      Literal(f"value {i} " + "x" * 40)) for i in range(20_000)]
    counter = [0]
    assert sum(1 for _ in ntriples_chunks(triples, counter)) > 1 and counter == [20_000]
    assert remote.replace_source(graph, iter(triples)) == 20_000
    assert remote.count_in(graph) == 20_000
    assert remote.replace_source(graph, triples[:10]) == 10  # replaced, not added to
    assert remote.count_in(graph) == 10


def test_an_unreachable_store_is_backend_unavailable():
    from smekg.core.backends.sparql import SparqlEndpoint

    url = f"http://127.0.0.1:{free_port()}"
    store = RemoteGraphStore(SparqlEndpoint(f"{url}/query", update_url=f"{url}/update",
                                            timeout=5))
    with pytest.raises(BackendUnavailable, match="unreachable"):
        store.source_record("https://w3id.org/smekg/id/graph/ontology")
    with pytest.raises(BackendUnavailable, match="unreachable"):
        store.replace_source("https://w3id.org/smekg/id/graph/x", [])


def test_writing_needs_an_update_or_store_endpoint(reference_server):
    store = RemoteGraphStore(reference_server.endpoint(update=False, store=False))
    with pytest.raises(BackendUnavailable, match="SMEKG_SPARQL_STORE_ENDPOINT"):
        store.replace_source("https://w3id.org/smekg/id/graph/x", [])


def test_a_snapshot_holds_every_graph(remote, reference_store_dir):
    snapshot = remote.snapshot()
    assert len(snapshot) == len(remote)
    assert snapshot.named_graphs() == remote.named_graphs()
    embedded = GraphStore.open(reference_store_dir, read_only=True)
    assert snapshot.named_graphs() == embedded.named_graphs()
    graph = Minter(BASE).graph("reference/countries")
    assert graph_quads(snapshot, graph) == graph_quads(embedded, graph)

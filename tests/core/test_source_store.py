"""The write side of every store: one contract, run against each :class:`SourceStore`.

:class:`SourceStoreContract` holds the tests; it is subclassed once per store, as
pyoxigraph's tests do for its backends: the embedded Oxigraph store on disk, and a real
`oxigraph serve` written by SPARQL Update or by the Graph Store Protocol only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from smekg.core.iri import Minter
from smekg.core.stores import GraphStore, RemoteGraphStore, SourceStore
from smekg.loaders.errors import LoadError
from smekg.loaders.sources import LoadReport, file_sources, load_sources
from tests.conftest import BASE, OxigraphServer
from tests.loaders.test_loading import MEMBERSHIPS, ORGANISATIONS, write_csv
from tests.queries.test_sparql_binding import HOSTILE

PROV_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"
BLANK = re.compile(r"_:[0-9A-Za-z]+")
USER_GRAPH = "https://w3id.org/smekg/id/graph/user/contract"
S, P = NamedNode("https://ex.org/s"), NamedNode("https://ex.org/p")


def _triples(*values: str) -> list[Triple]:
    return [Triple(S, P, Literal(value)) for value in values]


class SourceStoreContract:
    """What every store of sources must do; subclasses provide the ``store`` fixture."""

    @pytest.fixture
    def store(self) -> Iterator[SourceStore]:
        raise NotImplementedError

    def snapshot(self, store: SourceStore) -> GraphStore:
        """An embedded store holding what ``store`` holds (to compare quads)."""
        raise NotImplementedError

    def load(self, store: SourceStore, *paths: Path) -> list[LoadReport]:
        minter = Minter(BASE)
        return load_sources(store, file_sources(list(paths), minter, store), minter)

    def graph_quads(self, store: SourceStore, *graphs: str) -> set[str]:
        """The quads of ``graphs`` (all graphs if none), without the load times; blank
        nodes are written ``_:`` (a remote store's copy names them anew each time)."""
        snapshot = self.snapshot(store)
        names = graphs or tuple(snapshot.named_graphs())
        return {BLANK.sub("_:", str(quad)) for graph in names
                for quad in snapshot.oxigraph.quads_for_pattern(None, None, None,
                                                                NamedNode(graph))
                if str(quad.predicate) != PROV_AT}

    @pytest.fixture
    def user_files(self, tmp_path: Path) -> tuple[Path, Path]:
        return (write_csv(tmp_path / "organisations.csv", ORGANISATIONS),
                write_csv(tmp_path / "memberships.csv", MEMBERSHIPS))

    # -- the protocol, method by method -------------------------------------------------
    def test_is_a_source_store(self, store):
        assert isinstance(store, SourceStore)

    def test_replace_source_writes_and_replaces_a_whole_graph(self, store):
        assert store.replace_source(USER_GRAPH, _triples("a", "b", "c")) == 3
        assert USER_GRAPH in store.named_graphs()
        assert store.count_in(USER_GRAPH) == 3
        assert store.replace_source(USER_GRAPH, iter(_triples("d"))) == 1  # replaced
        rows = store.select("SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                            {"g": NamedNode(USER_GRAPH)})
        assert [row["o"] for row in rows] == [Literal("d")]

    def test_bulk_replace_source_loads_a_file_then_its_closing(self, store, tmp_path):
        store.replace_source(USER_GRAPH, _triples("old"))
        path = tmp_path / "source.nt"
        path.write_text("".join(f"{t} .\n" for t in _triples("x", "y")), encoding="utf-8")
        seen: list[int] = []

        def closing(count: int) -> list[Triple]:
            seen.append(count)
            return [Triple(NamedNode(USER_GRAPH), P, Literal(str(count)))]

        assert store.bulk_replace_source(USER_GRAPH, path, closing) == 2
        assert seen == [2]
        assert store.count_in(USER_GRAPH) == 3  # the file's two and the closing one
        assert store.bulk_replace_source(USER_GRAPH, path, closing, exact_count=2) == 2
        values = {row["o"].value for row in store.select(
            "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(USER_GRAPH)})}
        assert values == {"x", "y", "2"}  # nothing of the old graph is left

    def test_drop_source_says_whether_there_was_one(self, store):
        store.replace_source(USER_GRAPH, _triples("a"))
        assert store.drop_source(USER_GRAPH)
        assert not store.drop_source(USER_GRAPH)
        assert USER_GRAPH not in store.named_graphs()

    def test_source_record_of_an_unknown_graph_is_none(self, store):
        assert store.source_record("https://w3id.org/smekg/id/graph/user/none") is None

    def test_types_of_reads_every_graph(self, store):
        reference = store.types_of(NamedNode(Minter(BASE).country("IT")))
        assert reference and all(t.predicate.value.endswith("#type") for t in reference)

    # -- loading through the store --------------------------------------------------------
    def test_a_loaded_source_has_its_record(self, store, user_files):
        reports = self.load(store, *user_files)
        assert [(r.key, r.status) for r in reports] == [("user/organisations", "loaded"),
                                                         ("user/memberships", "loaded")]
        record = store.source_record(Minter(BASE).graph("user/organisations"))
        assert record is not None and len(record.sha256 or "") == 64
        assert (record.source or "").endswith("organisations.csv")
        assert record.triples == store.count_in(record.graph)

    def test_loading_twice_changes_nothing(self, store, user_files):
        self.load(store, *user_files)
        graphs = store.named_graphs()
        records = [store.source_record(graph) for graph in graphs]
        size, before = len(store), self.graph_quads(store)
        reports = self.load(store, *user_files)
        assert {r.status for r in reports} == {"unchanged"}
        assert [store.source_record(graph) for graph in graphs] == records  # checksums, times
        assert len(store) == size
        assert self.graph_quads(store) == before

    def test_a_changed_source_replaces_exactly_its_graph(self, store, user_files):
        minter = Minter(BASE)
        organisations, memberships = user_files
        self.load(store, organisations, memberships)
        membership_graph = self.graph_quads(store, minter.graph("user/memberships"))
        write_csv(organisations,
                  [*ORGANISATIONS[:2], {**ORGANISATIONS[2], "name": "Agence C bis"}])
        assert [r.status for r in self.load(store, organisations)] == ["replaced"]
        labels = store.select("SELECT ?o ?l WHERE { ?o skos:prefLabel ?l }",
                              {"o": NamedNode(minter.organisation("agency-c"))})
        assert [row["l"].value for row in labels] == ["Agence C bis"]
        # the other source is untouched
        assert self.graph_quads(store, minter.graph("user/memberships")) == membership_graph
        # removing a row removes its facts
        write_csv(memberships, MEMBERSHIPS[:1])
        self.load(store, memberships)
        members = store.select("SELECT ?n ?m WHERE { ?ms org:organization ?n ; org:member ?m }",
                               {"n": NamedNode(minter.organisation("net-b"))})
        assert members == []

    def test_a_failing_batch_writes_nothing(self, store, user_files, tmp_path):
        organisations, _ = user_files
        bad = write_csv(tmp_path / "memberships.csv",
                        [{"network": "net-a", "member": "nobody"}])
        graphs, size, before = store.named_graphs(), len(store), self.graph_quads(store)
        with pytest.raises(LoadError) as caught:
            self.load(store, organisations, bad)
        assert "unknown id 'nobody'" in str(caught.value)
        assert "row 2" in str(caught.value) and "'member'" in str(caught.value)
        assert store.named_graphs() == graphs and len(store) == size
        assert self.graph_quads(store) == before

    def test_hostile_literals_are_stored_as_they_are(self, store):
        triples = [Triple(S, P, Literal(value)) for value in HOSTILE]
        triples.append(Triple(S, P, Literal("ciao\n'}", language="it")))
        assert store.replace_source(USER_GRAPH, triples) == len(triples)
        rows = store.select("SELECT ?g ?value WHERE { GRAPH ?g { ?s ?p ?value } }",
                            {"g": NamedNode(USER_GRAPH)})
        assert {row["value"] for row in rows} == {t.object for t in triples}
        assert store.drop_source(USER_GRAPH) and not store.drop_source(USER_GRAPH)
        assert USER_GRAPH not in store.named_graphs()

    # -- sources the user names (issue 17) -------------------------------------------------
    def test_another_file_of_the_same_name_is_refused_naming_both(self, store, tmp_path):
        minter = Minter(BASE)
        first = write_csv((tmp_path / "a1").mkdir() or tmp_path / "a1" / "organisations.csv",
                          ORGANISATIONS)
        members = write_csv(tmp_path / "memberships.csv", MEMBERSHIPS)
        self.load(store, first, members)
        second = write_csv((tmp_path / "a2").mkdir() or tmp_path / "a2" / "organisations.csv",
                           [{"id": "other", "name": "Another organisation"}])
        size, before = len(store), self.graph_quads(store)
        with pytest.raises(LoadError) as caught:
            self.load(store, second)
        message = str(caught.value)
        assert str(second) in message and "organisations.csv" in message
        assert "'user/organisations' already holds" in message and "--replace" in message
        assert len(store) == size and self.graph_quads(store) == before  # nothing written
        # The same path again is a new version of the same source: no --replace needed.
        write_csv(first, [*ORGANISATIONS, {"id": "extra", "name": "Extra"}])
        assert [r.status for r in self.load(store, first)] == ["replaced"]
        # --replace: replaced, and the memberships left pointing at nothing are named.
        reports = load_sources(store, file_sources([second], minter, store), minter,
                               replace=True)
        assert [r.status for r in reports] == ["replaced"]
        warning = " ".join(reports[0].warnings)
        assert "no longer defined by user/organisations" in warning
        assert minter.organisation("agency-c") in warning

    def test_a_named_source_loads_beside_another_file_of_the_same_name(self, store, tmp_path):
        from smekg.loaders.catalogue import list_sources

        minter = Minter(BASE)
        first = write_csv((tmp_path / "a1").mkdir() or tmp_path / "a1" / "organisations.csv",
                          ORGANISATIONS)
        second = write_csv((tmp_path / "a2").mkdir() or tmp_path / "a2" / "organisations.csv",
                           [{"id": "other", "name": "Another organisation"}])
        self.load(store, first)
        reports = load_sources(store, file_sources([second], minter, store, source="second"),
                               minter)
        assert [(r.key, r.status) for r in reports] == [("user/second", "loaded")]
        listed = dict(list_sources(store, minter))
        assert {"user/organisations", "user/second"} <= set(listed)
        record = listed["user/second"]
        assert record.source == "organisations.csv" and str(tmp_path) not in str(record)
        assert len(record.sha256 or "") == 64 and record.loader_version
        assert record.generated_at and record.triples > 0
        assert listed["reference/countries"].triples > 200

    def test_removing_a_source_others_refer_to_is_refused_unless_forced(self, store,
                                                                        user_files):
        from smekg.loaders.catalogue import SourceInUse, SourceNotFound, remove_source

        minter = Minter(BASE)
        self.load(store, *user_files)
        graph = minter.graph("user/organisations")
        with pytest.raises(SourceInUse) as caught:
            remove_source(store, minter, "organisations")
        assert "user/memberships refers to" in str(caught.value)
        assert graph in store.named_graphs()  # nothing removed
        with pytest.raises(SourceNotFound, match="no source named 'nowhere'"):
            remove_source(store, minter, "nowhere")
        name, record, referring = remove_source(store, minter, "organisations", force=True)
        assert name == "user/organisations" and record.graph == graph
        assert [r.source for r in referring] == ["user/memberships"]
        assert graph not in store.named_graphs()
        # Nothing refers to the memberships: removed without force.
        assert remove_source(store, minter, "user/memberships")[2] == []

    def test_facts_two_sources_state_differently_are_reported_with_both(self, store,
                                                                        tmp_path):
        minter = Minter(BASE)
        names = ("Network A", "Rete A", "Réseau A")
        for i, name in enumerate(names):
            (tmp_path / f"d{i}").mkdir()
            path = write_csv(tmp_path / f"d{i}" / "organisations.csv",
                             [{"id": "net-a", "name": name, "types": "network"}])
            reports = load_sources(store, file_sources([path], minter, store, source=f"s{i}"),
                                   minter)
        text = "\n".join(reports[0].warnings)
        assert "'Réseau A' in user/s2, 'Network A' in user/s0" in text
        assert "'Réseau A' in user/s2, 'Rete A' in user/s1" in text
        assert "1 fact(s) differ between user/s2 and user/s0" in text
        from smekg.loaders.catalogue import find_conflicts

        whole = find_conflicts(store, minter)  # every pair once
        assert sorted((c.source, c.other_source) for c in whole) == [
            ("user/s0", "user/s1"), ("user/s0", "user/s2"), ("user/s1", "user/s2")]


class TestEmbeddedStore(SourceStoreContract):
    """The embedded Oxigraph store on disk (a private copy of the reference store)."""

    @pytest.fixture
    def store(self, reference_store: GraphStore) -> Iterator[SourceStore]:
        yield reference_store

    def snapshot(self, store: SourceStore) -> GraphStore:
        assert isinstance(store, GraphStore)
        return store


class _RemoteStore(SourceStoreContract):
    by_update: bool

    @pytest.fixture
    def store(self, reference_server: OxigraphServer) -> Iterator[SourceStore]:
        """The shared reference server; the graphs a test adds are dropped after it."""
        endpoint = reference_server.endpoint(update=self.by_update)
        store = RemoteGraphStore(endpoint)
        before = set(store.named_graphs())
        yield store
        for graph in set(store.named_graphs()) - before:
            store.drop_source(graph)
        endpoint.close()

    def snapshot(self, store: SourceStore) -> GraphStore:
        assert isinstance(store, RemoteGraphStore)
        return store.snapshot()


@pytest.mark.oxigraph_server
class TestRemoteStoreByUpdate(_RemoteStore):
    """A real `oxigraph serve`, written by SPARQL Update."""

    by_update = True


@pytest.mark.oxigraph_server
class TestRemoteStoreByGraphStoreProtocol(_RemoteStore):
    """A real `oxigraph serve`, written by the Graph Store Protocol only."""

    by_update = False

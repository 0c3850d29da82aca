"""The mappers write N-Triples text instead of term objects: the same quads as before.

The text of a term is the one pyoxigraph prints for it (checked on random strings), a value
that is not an IRI is an error of its row, and a load of tables full of awkward values (and
of generated ones) writes exactly the quads the loader wrote when it built pyoxigraph terms
(``FROZEN``, computed with that loader, commit 213685c, before the change), in one process
or several.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

import smekg.loaders.sources as sources_module
from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders import ntriples
from smekg.loaders.errors import LoadError
from smekg.loaders.generate import generate
from smekg.loaders.sources import file_sources, load_sources

from .test_loading import write_csv

AWKWARD = {
    "documents": [
        {"id": "doc-1", "title": 'Doc "one"', "file": "a b.pdf", "sha256": "AB" * 32,
         "url": "https://example.org/doc.pdf", "publisher": "Pub\\lisher", "date": "2020-02-29",
         "description": "Multi\nline\r\nand\ttab"},
    ],
    "organisations": [
        {"id": "q-1", "name": 'Quote "Q" \\ backslash', "alt_names": "Tab\there;Line\nbreak",
         "types": "network;association", "country": "IT", "region": "ITH55", "city": "Bologna",
         "postcode": "40121", "street": 'Via "X", 1', "founded": "1999-05",
         "founding_place": "ITH5", "legal_form": "S.p.A.",
         "mission": "Μισσιον ελληνικά — ünïcödé 😀", "motto": "\u2028line sep\u0085nel",
         "description": "ctrl \x01\x02\x7f\x08\x0c del", "services": "training;finance",
         "covers_regions": "ITH5;world;Europe", "covers_sectors": "C25;62.01",
         "themes": "internationalisation", "website": "https://example.org/a?b=c&d=%20e#frag",
         "wikidata": "Q42", "pic": "123456789", "vat_number": "it 0123-4567.890",
         "sme": "yes", "stated_members": "12", "stated_countries": "3",
         "source": "https://example.org/src?x=1", "source_quote": 'He said "hi"'},
        {"id": "u-2", "name": "例え 組織", "types": "agency", "country": "Deutschland",
         "postcode": "10115", "website": "http://例え.jp/パス", "source": "doc-1"},
        {"id": "n-3", "name": "Net three", "types": "network", "country": "FR",
         "covers_regions": "FR1", "source": 'just a citation, with "quotes"'},
    ],
    "memberships": [
        {"network": "q-1", "member": "u-2", "role": "member", "since": "2001",
         "until": "2005-06"},
        {"network": "n-3", "member": "q-1", "role": "chair"},
        {"network": "n-3", "member": "Italy", "member_kind": "country"},
    ],
    "programmes": [
        {"id": "p-1", "name": 'Prog "P"', "kind": "programme", "managed_by": "q-1",
         "country": "IT", "region": "ITH5", "covers_regions": "ITH5", "services": "training",
         "start": "2019", "end": "2020-12-31", "website": "https://example.org/p",
         "source": "doc-1"},
    ],
    "policies": [
        {"id": "pol-1", "name": "Policy", "kind": "charter", "issued_by": "n-3",
         "date": "2010", "covers_regions": "Europe"},
        {"id": "pub-1", "name": "Publication", "kind": "publication"},
    ],
    "events": [
        {"id": "ev-1", "name": "Event", "kind": "conference", "start": "2011-10-10",
         "city": "Rome", "location": "ITI43", "organisers": "n-3", "themes": "innovation"},
    ],
    "projects": [
        {"id": "pr-1", "name": "Project", "acronym": "PRJ", "programme": "p-1",
         "funding_scheme": "HORIZON-CSA", "call": "CALL-1", "topics": "T1;T2",
         "objectives": "PO1;RSO1.3", "status": "SIGNED", "grant_id": "101",
         "start": "2021-01", "end": "2024", "total_budget": "1234567,50",
         "eu_contribution": "1000", "covers_regions": "ITH5", "policies": "pol-1",
         "website": "https://example.org/pr"},
    ],
    "partners": [
        {"project": "pr-1", "partner": "q-1", "role": "lead-partner", "budget": "500000",
         "eu_contribution": "400000.5"},
        {"project": "pr-1", "partner": "u-2", "role": "partner"},
    ],
    "relations": [
        {"subject": "q-1", "relation": "under_auspices_of", "object": "n-3",
         "source": "doc-1", "source_quote": "quoted"},
        {"subject": "p-1", "relation": "implements", "object": "pol-1"},
    ],
}

FROZEN = {
    "awkward": (268, "cd4eb3b7578579de9c6a2d2dfb0d718a9afb7db65e571b052341e89e52d01d1d"),
    "generated": (8419, "1cae60fd525aef900b7a7bc5c48691ef3db5e1c9f9b418055135be3aa67920c6"),
}
"""(quads, SHA-256 of :func:`fingerprint`) of the user graphs of each load, as the loader
that built pyoxigraph terms wrote them."""

_VOLATILE = re.compile(r' <(http://www\.w3\.org/ns/prov#generatedAtTime|'
                       r'https://w3id\.org/smekg/ontology#originDigest)> "[^"]*"')
_BLANK = re.compile(r"_:[A-Za-z0-9]+")


def awkward_tables(folder: Path) -> list[Path]:
    """The tables of :data:`AWKWARD`: organisations as JSON (the CSV reader splits lines at
    U+2028 and the like), the others as CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, rows in AWKWARD.items():
        if kind == "organisations":
            paths.append(folder / f"{kind}.json")
            paths[-1].write_text(json.dumps(rows), encoding="utf-8")
        else:
            paths.append(write_csv(folder / f"{kind}.csv", rows))
    return paths


def fingerprint(store: GraphStore, minter: Minter) -> tuple[int, str]:
    """The user graphs' quads as sorted N-Quads lines, with the load's time, the files'
    places (hashed) and blank node labels made alike: their number and SHA-256."""
    user = minter.graph("user/")
    lines = sorted(
        _BLANK.sub("_:b", _VOLATILE.sub(r' <\1> "x"',
                                        f"{q.subject} {q.predicate} {q.object} {q.graph_name} ."))
        for q in store.oxigraph if str(q.graph_name).startswith(f"<{user}"))
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def load_and_fingerprint(store_dir: Path, paths: list[Path], minter: Minter,
                         **options: object) -> tuple[int, str]:
    store = GraphStore.open(store_dir)
    try:
        load_sources(store, file_sources(paths, minter, store), minter,
                     **options)  # type: ignore[arg-type]
        return fingerprint(store, minter)
    finally:
        store.close()


def test_terms_are_printed_as_pyoxigraph_prints_them() -> None:
    rng = random.Random(21)
    alphabet = [chr(c) for c in range(0x80)] + ["é", "\u2028", "\ufeff", "😀", "\x80", "\u0085"]
    integer = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    for _ in range(5000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        assert ntriples.string(value) == str(Literal(value))
        assert ntriples.lang_string(value, "en") == str(Literal(value, language="en"))
        assert ntriples.typed(value, integer.value) == str(Literal(value, datatype=integer))
        for text in (ntriples.string(value), ntriples.lang_string(value, "en")):
            assert ntriples.literal_parts(text)[0] == value
            assert ntriples.term(text) == (Literal(value) if text[-1] == '"'
                                           else Literal(value, language="en"))
    assert ntriples.integer(42) == str(Literal("42", datatype=integer))
    assert ntriples.date("2004") == str(Literal("2004", datatype=NamedNode(
        "http://www.w3.org/2001/XMLSchema#gYear")))
    node = BlankNode()
    assert ntriples.term(str(node)) == node
    assert ntriples.iri("http://例え.jp/パス?q=1#f") == "<http://例え.jp/パス?q=1#f>"
    for bad in ("http://a b", "http://a<b>", 'http://a"b', "http://a{b}", "http://x/%zz", "nope"):
        with pytest.raises(ValueError):
            ntriples.iri(bad)


@pytest.mark.parametrize("processes", [1, 2])
def test_awkward_values_give_the_quads_term_objects_gave(
    reference_store_dir: Path, tmp_path: Path, minter: Minter, monkeypatch, processes: int
) -> None:
    monkeypatch.setattr(sources_module, "CHUNK_ROWS", 2)  # several chunks: workers map some
    shutil.copytree(reference_store_dir, tmp_path / "store")
    paths = awkward_tables(tmp_path / "data")
    assert load_and_fingerprint(tmp_path / "store", paths, minter,
                                processes=processes) == FROZEN["awkward"]


@pytest.mark.parametrize("processes", [1, 2])
def test_generated_tables_give_the_quads_term_objects_gave(
    reference_store_dir: Path, tmp_path: Path, minter: Minter, monkeypatch, processes: int
) -> None:
    monkeypatch.setattr(sources_module, "CHUNK_ROWS", 97)
    monkeypatch.setattr(sources_module, "BULK_ABOVE", 1000)  # the bulk path for most
    shutil.copytree(reference_store_dir, tmp_path / "store")
    generate(tmp_path / "data", 300, seed=11)
    paths = sorted((tmp_path / "data").glob("*.csv"))
    assert load_and_fingerprint(tmp_path / "store", paths, minter,
                                processes=processes) == FROZEN["generated"]


@pytest.mark.parametrize("value", ["http://a<b>.org/", "https://example.org/{x}",
                                   "https://example.org/%zz", 'https://example.org/"q"'])
def test_a_url_that_is_no_iri_is_an_error_of_its_row(
    reference_store: GraphStore, minter: Minter, tmp_path: Path, value: str
) -> None:
    path = write_csv(tmp_path / "organisations.csv", [
        {"id": "ok", "name": "OK", "website": "https://example.org/"},
        {"id": "bad", "name": "Bad", "website": value},
        {"id": "bad-source", "name": "Bad source", "source": value}])
    before = len(reference_store)
    with pytest.raises(LoadError) as error:
        load_sources(reference_store, file_sources([path], minter, reference_store), minter)
    found = [(p.row, p.column, p.value) for p in error.value.problems]
    assert found == [(3, "website", value), (4, "source", value)]
    assert all("IRI" in p.message or "URL" in p.message for p in error.value.problems)
    assert len(reference_store) == before


def test_load_file_prints_the_seconds_of_each_stage(tmp_path: Path) -> None:
    from smekg.loaders.sources import STAGES
    from tests.core.store_faults import smekg

    path = write_csv(tmp_path / "organisations.csv", [{"id": "a", "name": "A"}])
    result = smekg("load-file", str(path), "--timings", store=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    line = " ".join(result.stdout.split()).split("seconds by stage: ", 1)[1]
    assert [part.split()[0] for part in line.split(" (", 1)[0].split(", ")] == [*STAGES, "index"]

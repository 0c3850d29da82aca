"""Loading user data into a real on-disk Oxigraph store: clear errors, every format.

What every store must do when written (idempotent loads, a changed source replacing
exactly its graph, a failing batch writing nothing) is the contract of
tests/core/test_source_store.py, run on this store and on a remote one."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.errors import LoadError
from smekg.loaders.sources import file_sources, load_sources

ORGANISATIONS = [
    {
        "id": "net-a",
        "name": "Network A",
        "types": "network",
        "country": "Italy",
        "covers_regions": "ITH5",
        "covers_sectors": "C25",
        "services": "training",
    },
    {
        "id": "net-b",
        "name": "Network B",
        "types": "network",
        "country": "Luxemborg",
        "covers_regions": "world",
    },
    {
        "id": "agency-c",
        "name": "Agence C",
        "types": "agency",
        "country": "FR",
        "region": "FR101",
        "founded": "1999-05",
    },
]
MEMBERSHIPS = [
    {"network": "net-a", "member": "agency-c", "role": "member", "since": "2001"},
    {"network": "net-b", "member": "net-a", "role": "founding-member"},
    {"network": "net-b", "member": "Chiness Taipei", "member_kind": "country"},
]


def write_csv(path: Path, rows: list[dict]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def load(store: GraphStore, minter: Minter, *paths: Path, kind: str | None = None):
    return load_sources(store, file_sources(list(paths), minter, store, kind=kind), minter)


def quads(store: GraphStore) -> set[str]:
    return {str(q) for q in store.oxigraph}


def member_iris(store: GraphStore, network: str) -> set[str]:
    rows = store.select(
        "SELECT ?n ?m WHERE { ?ms org:organization ?n ; org:member ?m }",
        {"n": NamedNode(network)},
    )
    return {row["m"].value for row in rows}


@pytest.fixture
def user_files(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_csv(tmp_path / "organisations.csv", ORGANISATIONS),
        write_csv(tmp_path / "memberships.csv", MEMBERSHIPS),
    )


def test_user_tables_load_into_one_graph_each(reference_store, minter, user_files):
    reports = load(reference_store, minter, *user_files)
    assert [(r.key, r.status) for r in reports] == [
        ("user/organisations", "loaded"),
        ("user/memberships", "loaded"),
    ]
    net_b = minter.organisation("net-b")
    assert member_iris(reference_store, net_b) == {
        minter.organisation("net-a"),
        minter.country("TW"),
    }
    # the fuzzy country match is reported, not silent
    assert any("Luxemborg" in note and "LU" in note for note in reports[0].notes)
    graphs = reference_store.named_graphs()
    assert minter.graph("user/organisations") in graphs
    record = reference_store.source_record(minter.graph("user/organisations"))
    assert record is not None and len(record.sha256) == 64
    assert record.source.endswith("organisations.csv")








def test_malformed_csv_names_file_and_row(reference_store, minter, tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text('id,name\nok-1,Fine\nbad,"Too",many,cells\n', encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    message = str(caught.value)
    assert str(path) in message and "row 3" in message and "4 cells" in message


def test_unknown_country_is_an_error_with_suggestions(reference_store, minter, tmp_path):
    path = write_csv(
        tmp_path / "organisations.csv",
        [
            {"id": "x", "name": "X", "country": "Atlantis"},
            {"id": "y", "name": "Y", "country": "Frnace"},
        ],
    )
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    atlantis, frnace = caught.value.problems
    assert (atlantis.file, atlantis.row, atlantis.column, atlantis.value) == (
        str(path),
        2,
        "country",
        "Atlantis",
    )
    assert "unknown country 'Atlantis'" in str(atlantis)
    assert (frnace.row, frnace.value) == (3, "Frnace")
    assert "did you mean FR (France)" in frnace.message


def test_bad_nace_code_is_an_error(reference_store, minter, tmp_path):
    path = write_csv(
        tmp_path / "organisations.csv",
        [{"id": "x", "name": "X", "covers_sectors": "C25;C99.99"}],
    )
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "covers_sectors", "C99.99")
    assert "NACE" in problem.message


def test_bad_region_date_and_vocabulary_values(reference_store, minter, tmp_path):
    path = write_csv(
        tmp_path / "organisations.csv",
        [
            {
                "id": "x",
                "name": "X",
                "region": "ITZ99",
                "founded": "June 2000",
                "services": "juggling",
                "stated_members": "many",
            }
        ],
    )
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    columns = {p.column: p for p in caught.value.problems}
    assert set(columns) == {"region", "founded", "services", "stated_members"}
    assert "unknown NUTS code 'ITZ99'" in columns["region"].message
    assert "training" in columns["services"].message  # lists the allowed values


def test_invalid_rdf_names_the_line(reference_store, minter, tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n',
        encoding="utf-8",
    )
    before = quads(reference_store)
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    [problem] = caught.value.problems
    assert problem.file == str(path) and problem.row == 3
    assert quads(reference_store) == before


RDF_DOCS = {
    "ttl": '@prefix ex: <http://example.org/> .\nex:a ex:p "x" ; ex:q ex:b .\n',
    "nt": '<http://example.org/a> <http://example.org/p> "x" .\n'
    "<http://example.org/a> <http://example.org/q> <http://example.org/b> .\n",
    "nq": '<http://example.org/a> <http://example.org/p> "x" <http://example.org/g> .\n'
    "<http://example.org/a> <http://example.org/q> <http://example.org/b> .\n",
    "jsonld": json.dumps(
        {
            "@id": "http://example.org/a",
            "http://example.org/p": "x",
            "http://example.org/q": {"@id": "http://example.org/b"},
        }
    ),
    "rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
    '<ex:p>x</ex:p><ex:q rdf:resource="http://example.org/b"/></rdf:Description></rdf:RDF>\n',
}


@pytest.mark.parametrize("suffix", sorted(RDF_DOCS))
def test_rdf_files_load_as_they_are(reference_store, minter, tmp_path, suffix):
    path = tmp_path / f"data-{suffix}.{suffix}"
    path.write_text(RDF_DOCS[suffix], encoding="utf-8")
    load(reference_store, minter, path)
    triples = {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in reference_store.triples_in(minter.graph(f"user/data-{suffix}"))
        if t.subject.value == "http://example.org/a"
    }
    assert triples == {
        ("http://example.org/a", "http://example.org/p", "x"),
        ("http://example.org/a", "http://example.org/q", "http://example.org/b"),
    }


def test_rdf_file_violating_the_shapes_is_refused(reference_store, minter, tmp_path):
    path = tmp_path / "org.ttl"
    path.write_text(
        "@prefix smekg: <https://w3id.org/smekg/ontology#> .\n"
        "<http://example.org/nameless> a smekg:Organisation .\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        load(reference_store, minter, path)
    assert any("http://example.org/nameless" in str(p) for p in caught.value.problems)


SOURCE_ROW = "https://w3id.org/smekg/ontology#sourceRow"


def _graph_triples(store: GraphStore, graph: str) -> set[tuple[str, str, str]]:
    return {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in store.triples_in(graph)
        # provenance differs by file name, the row by format (CSV and XLSX count the header)
        if not t.subject.value.startswith(graph) and t.predicate.value != SOURCE_ROW
    }


def _source_rows(store: GraphStore, graph: str) -> dict[str, int]:
    return {t.subject.value: int(t.object.value) for t in store.triples_in(graph)
            if t.predicate.value == SOURCE_ROW}


def test_xlsx_json_and_jsonl_give_the_same_graph_as_csv(minter, tmp_path, reference_store_dir):
    import shutil

    def fresh(name: str) -> GraphStore:
        copy = tmp_path / name
        shutil.copytree(reference_store_dir, copy)
        return GraphStore.open(copy)

    csv_store = fresh("csv")
    load(csv_store, minter, write_csv(tmp_path / "organisations.csv", ORGANISATIONS))
    expected = _graph_triples(csv_store, minter.graph("user/organisations"))
    assert len(expected) > 20
    # each entity names the row it comes from: the spreadsheet row (the header is row 1)
    ids = [row["id"] for row in ORGANISATIONS]
    rows = _source_rows(csv_store, minter.graph("user/organisations"))
    assert {iri.rsplit("/", 1)[1]: row for iri, row in rows.items()} == {
        key: number for number, key in enumerate(ids, start=2)}

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "organisations"
    columns = list(dict.fromkeys(k for row in ORGANISATIONS for k in row))
    sheet.append(columns)
    for row in ORGANISATIONS:
        sheet.append([row.get(c) for c in columns])
    workbook.save(tmp_path / "organisations.xlsx")
    xlsx_store = fresh("xlsx")
    load(xlsx_store, minter, tmp_path / "organisations.xlsx")
    assert _graph_triples(xlsx_store, minter.graph("user/organisations")) == expected
    assert _source_rows(xlsx_store, minter.graph("user/organisations")) == rows

    as_json = [
        {**row, "services": [row["services"]]} if "services" in row else row
        for row in ORGANISATIONS
    ]
    (tmp_path / "organisations.json").write_text(json.dumps(as_json), encoding="utf-8")
    json_store = fresh("json")
    load(json_store, minter, tmp_path / "organisations.json")
    assert _graph_triples(json_store, minter.graph("user/organisations")) == expected

    (tmp_path / "orgs.jsonl").write_text(
        "\n".join(json.dumps(row) for row in ORGANISATIONS), encoding="utf-8"
    )
    jsonl_store = fresh("jsonl")
    load(jsonl_store, minter, tmp_path / "orgs.jsonl", kind="organisations")
    assert _graph_triples(jsonl_store, minter.graph("user/orgs")) == expected
    # JSON Lines: the line number
    assert _source_rows(jsonl_store, minter.graph("user/orgs")) == {
        iri: number - 1 for iri, number in rows.items()}


def test_postcode_resolves_the_nuts3_region(reference_store, minter, tmp_path):
    path = write_csv(
        tmp_path / "organisations.csv",
        [
            {
                "id": "bo",
                "name": "Bologna office",
                "country": "IT",
                "postcode": "40121",
                "city": "Bologna",
            }
        ],
    )
    reports = load(reference_store, minter, path)
    rows = reference_store.select(
        "SELECT ?o ?r WHERE { ?o schema:location ?r }", {"o": NamedNode(minter.organisation("bo"))}
    )
    assert [row["r"].value for row in rows] == ["http://data.europa.eu/nuts/code/ITH55"]
    assert any("ITH55" in note for note in reports[0].notes)


def test_references_resolve_against_the_store(reference_store, minter, user_files, tmp_path):
    organisations, _ = user_files
    load(reference_store, minter, organisations)
    later = write_csv(tmp_path / "later.csv", [{"network": "net-b", "member": "agency-c"}])
    load(reference_store, minter, later, kind="memberships")
    assert minter.organisation("agency-c") in member_iris(
        reference_store, minter.organisation("net-b")
    )
    typed = reference_store.select(
        "SELECT ?o ?id WHERE { ?o dcterms:identifier ?id }",
        {"o": NamedNode(minter.organisation("agency-c"))},
    )
    assert [row["id"] for row in typed] == [Literal("agency-c")]


def test_codes_as_people_write_them_resolve_as_the_api_reads_them(
    reference_store, minter, tmp_path
):
    # the same values as tests/graph_api/test_codes.py sends to the REST API and the CLI
    written = {
        "by-name": ("italy", "62.01"),
        "native": ("Italia", "J 62.01"),
        "by-code": ("IT", "62"),
        "lower-nuts": ("ith55", "6201"),
        "title": ("the Netherlands", "Manufacturing"),
    }
    path = write_csv(
        tmp_path / "organisations.csv",
        [{"id": key, "name": key, "covers_regions": region, "covers_sectors": sector}
         for key, (region, sector) in written.items()],
    )
    reports = load(reference_store, minter, path)

    def scope(key: str) -> tuple[list[str], list[str]]:
        rows = reference_store.select(
            "SELECT ?o ?p ?v WHERE { ?o ?p ?v FILTER(?p IN (schema:areaServed, cv:sector)) }",
            {"o": NamedNode(minter.organisation(key))},
        )
        found = {(row["p"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1], row["v"].value)
                 for row in rows}
        return (sorted(v for p, v in found if p == "areaServed"),
                sorted(v for p, v in found if p == "sector"))

    # 62.01 is a NACE Rev. 2 code (Rev. 2.1 has no 62.01): it is the Rev. 2 concept itself
    rev2_6201 = "http://data.europa.eu/ux2/nace2/6201"
    for key in ("by-name", "native"):
        assert scope(key) == ([minter.country("IT")], [rev2_6201]), key
    assert scope("by-code") == ([minter.country("IT")], ["http://data.europa.eu/ux2/nace2.1/62"])
    assert scope("lower-nuts") == (["http://data.europa.eu/nuts/code/ITH55"], [rev2_6201])
    assert scope("title") == ([minter.country("NL")], ["http://data.europa.eu/ux2/nace2.1/C"])
    # reading a code as NACE Rev. 2 is an assumption: the load report says so, and that it
    # has no Rev. 2.1 code of the same code and title
    notes = [note for note in reports[0].notes if "read as NACE Rev. 2 62.01" in note]
    assert len(notes) == 3, reports[0].notes
    assert all("no NACE Rev. 2.1 code has its code and title" in note for note in notes)
    assert any("read by its title as NACE Rev. 2.1 C (Manufacturing)" in note
               for note in reports[0].notes)

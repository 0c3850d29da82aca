"""Hostile and oversized files are refused with an error naming the file (row, column and
value where there is one), and nothing is written; provenance never records the server's
directories. Real files, real stores."""

from __future__ import annotations

import csv
import json
import resource
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyoxigraph import NamedNode

from smekg.loaders.errors import LoadError
from smekg.loaders.limits import InputLimits
from smekg.loaders.sources import file_sources, load_sources
from smekg.loaders.tables import read_tables

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""
LIMITS = InputLimits(value_chars=100, columns=10, file_bytes=1_000_000, json_depth=4)


def load(store, minter, *paths: Path):
    return load_sources(store, file_sources(list(paths), minter, store), minter)


def messages(error: pytest.ExceptionInfo[LoadError]) -> str:
    return "\n".join(str(problem) for problem in error.value.problems)


def test_billion_laughs_is_refused_without_expanding(reference_store, minter, tmp_path):
    path = tmp_path / "laughs.rdf"
    path.write_text(LAUGHS, encoding="utf-8")
    before = len(reference_store)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LoadError) as error:
        load(reference_store, minter, path)
    assert "laughs.rdf" in messages(error) and "entity" in messages(error)
    assert "<!ENTITY lol1" in messages(error)
    assert len(reference_store) == before
    # it took the loader past 3 GB before; a generous bound, not a timing
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 500_000  # KiB


@pytest.mark.parametrize("declaration", [
    '<!ENTITY ext SYSTEM "file:///etc/passwd">',
    '<!ENTITY % param "x">',
    '<!ENTITY big "&#x26;amp;">',
])
def test_external_parameter_and_nested_entities_are_refused(
    reference_store, minter, tmp_path, declaration
):
    path = tmp_path / "entities.rdf"
    path.write_text(LAUGHS.split("<!DOCTYPE")[0] + f"<!DOCTYPE rdf:RDF [ {declaration} ]>"
                    + LAUGHS.split("]>", 1)[1].replace("&lol9;", "x"), encoding="utf-8")
    with pytest.raises(LoadError) as error:
        load(reference_store, minter, path)
    assert "entities.rdf" in messages(error) and "refused XML entity" in messages(error)


def test_plain_entities_as_ontology_editors_write_them_still_load(
    reference_store, minter, tmp_path
):
    path = tmp_path / "onto.owl"
    path.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://example.org/"> ]>
<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="&ex;a"><ex:p>x</ex:p></rdf:Description>
</rdf:RDF>
""", encoding="utf-8")
    load(reference_store, minter, path)
    assert list(reference_store.oxigraph.quads_for_pattern(
        NamedNode("http://example.org/a"), None, None))


def test_a_plain_entity_referenced_too_often_is_refused(reference_store, minter, tmp_path):
    path = tmp_path / "wide.rdf"
    value = "x" * 5000
    path.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY big "{value}"> ]>
<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="http://example.org/a"><ex:p>{"&big;" * 2000}</ex:p>
 </rdf:Description></rdf:RDF>
""", encoding="utf-8")
    with pytest.raises(LoadError) as error:
        load(reference_store, minter, path)
    assert "wide.rdf" in messages(error) and "expand the document" in messages(error)


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "organisations"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_an_overlong_xlsx_cell_names_file_row_column_and_value(
    reference_store, minter, tmp_path, monkeypatch
):
    path = _workbook(tmp_path / "orgs.xlsx", [["id", "name", "country"],
                                              ["ok", "Fine", "IT"],
                                              ["huge", "N" * 20_000, "IT"]])
    before = len(reference_store)
    with pytest.raises(LoadError) as error:
        load(reference_store, minter, path)
    text = messages(error)
    assert "orgs.xlsx [sheet organisations], row 3, column 'name'" in text
    assert "20,000 characters; the limit is 10,000 (SMEKG_MAX_VALUE_CHARS)" in text
    assert "'NNNNNNNNNN" in text and "N" * 100 not in text
    assert len(reference_store) == before
    # the limit is a setting, for users who need long texts
    from smekg.core.settings import get_settings

    monkeypatch.setenv("SMEKG_MAX_VALUE_CHARS", "50000")
    get_settings.cache_clear()
    try:
        load(reference_store, minter, path)
    finally:
        monkeypatch.delenv("SMEKG_MAX_VALUE_CHARS")
        get_settings.cache_clear()


def test_an_xlsx_zip_bomb_is_refused_from_its_directory(tmp_path):
    path = _workbook(tmp_path / "bomb.xlsx", [["id", "name"], ["a", "A"]])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.bin", b"\0" * 2_000_000)  # 2 MB, a few KB zipped
    assert path.stat().st_size < 100_000
    with pytest.raises(LoadError) as error:
        read_tables(path, None, LIMITS)
    assert "bomb.xlsx" in messages(error) and "uncompresses to" in messages(error)


def test_an_xlsx_with_false_dimensions_reads_only_its_rows(tmp_path):
    path = _workbook(tmp_path / "dims.xlsx", [["id", "name"], ["a", "A"]])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:B2" />',
                                        b'<dimension ref="A1:XFD1048576" />')
    assert b"XFD1048576" in parts[sheet]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    tables = read_tables(path, None, LIMITS)
    assert [record.values for record in tables["organisations"]] == [{"id": "a", "name": "A"}]


def test_csv_value_and_column_limits(tmp_path):
    path = tmp_path / "orgs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "name"], ["a", "A"], ["b", "=" + "B" * 200]])
    with pytest.raises(LoadError) as error:
        read_tables(path, None, LIMITS)
    assert "orgs.csv, row 3, column 'name'" in messages(error)
    assert "201 characters; the limit is 100" in messages(error)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(11)) + "\n" + ",".join("x" * 11) + "\n",
                    encoding="utf-8")
    with pytest.raises(LoadError) as error:
        read_tables(wide, None, LIMITS)
    assert "wide.csv, row 1" in messages(error) and "11 columns; the limit is 10" in messages(
        error)


def test_a_csv_value_above_the_csv_modules_own_limit_is_read_when_allowed(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,name\na," + "L" * 200_000 + "\n", encoding="utf-8")
    limits = InputLimits(value_chars=300_000, columns=10, file_bytes=10**7, json_depth=4)
    assert len(read_tables(path, None, limits)["long"][0].values["name"]) == 200_000


def test_file_size_limit(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text('{"id": "a"}\n' * 100_000, encoding="utf-8")
    with pytest.raises(LoadError) as error:
        read_tables(path, None, LIMITS)
    assert "big.jsonl" in messages(error) and "SMEKG_MAX_INPUT_BYTES" in messages(error)


@pytest.mark.parametrize("depth", [5, 100_000])
def test_json_nesting_is_bounded(tmp_path, depth):
    for suffix in (".json", ".jsonl"):
        path = tmp_path / f"deep{suffix}"
        nested = "[" * depth + "]" * depth
        item = f'{{"id": "a", "name": {nested}}}'
        path.write_text(f"[{item}]" if suffix == ".json" else item + "\n", encoding="utf-8")
        with pytest.raises(LoadError) as error:
            read_tables(path, None, LIMITS)
        assert path.name in messages(error) and "SMEKG_MAX_JSON_DEPTH" in messages(error)


def test_json_values_are_bounded_too(tmp_path):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([{"id": "a", "names": ["ok", "V" * 500]}]), encoding="utf-8")
    with pytest.raises(LoadError) as error:
        read_tables(path, None, LIMITS)
    assert "orgs.json, row 1, column 'names'" in messages(error)


def test_provenance_records_the_file_name_not_the_directory(reference_store, minter, tmp_path):
    folder = tmp_path / "private-server-dir" / "nested"
    folder.mkdir(parents=True)
    table = folder / "organisations.csv"
    table.write_text("id,name,country\nacme,Acme,IT\n", encoding="utf-8")
    rdf = folder / "extra.ttl"
    rdf.write_text('<#thing> <http://www.w3.org/2000/01/rdf-schema#label> "thing" .\n',
                   encoding="utf-8")
    load(reference_store, minter, table, rdf)
    dumped = "\n".join(str(quad) for quad in reference_store.oxigraph)
    assert "private-server-dir" not in dumped and str(tmp_path) not in dumped
    sources = {row["o"].value for row in reference_store.select(
        "SELECT ?o WHERE { ?g dcterms:source ?o }", {})}
    assert {"organisations.csv", "extra.ttl"} <= sources
    assert "<file:///extra.ttl#thing>" in dumped

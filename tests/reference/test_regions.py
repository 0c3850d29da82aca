"""Tests of smekg.reference.regions: NUTS (names, versions, correspondence, typologies),
ISO 3166-2, Eurostat NUTS files, postcodes.

Expectations about the bundled NUTS tables are read from the tables themselves
(``data/reference/nuts/*.csv``), not restated as numbers.
"""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pycountry
import pytest
from openpyxl import Workbook
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import NUTS_SCHEME_IRI, Minter, nuts_region
from smekg.core.rdf import GraphBuilder
from smekg.ontology import DCTERMS, NUTS_SCHEME, RDF, SKOS, SMEKG, load_ontology
from smekg.reference.regions import (
    NUTS_CHANGES,
    NUTS_COUNTRY_TO_ISO,
    NUTS_LANGUAGES,
    NutsName,
    PostcodeResolver,
    ReferenceFileError,
    build_nuts,
    build_nuts_names,
    build_nuts_typologies,
    build_subdivisions,
    bundled_nuts_codes,
    bundled_nuts_countries,
    is_extra_regio,
    iso_to_nuts_country,
    nuts_changes,
    nuts_country_to_iso,
    nuts_db_path,
    nuts_label_language,
    nuts_names,
    nuts_parent,
    nuts_region_rows,
    nuts_successors,
    nuts_typology_values,
    read_eurostat_nuts_file,
)
from tests.helpers import REPO_ROOT, index_of, objects

MINTER = Minter("https://w3id.org/smekg/id/")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eurostat"
NUTS_SAMPLE = FIXTURES / "NUTS2024_sample.csv"
NUTS_DIR = REPO_ROOT / "data" / "reference" / "nuts"


def table(name: str) -> list[dict[str, str]]:
    with (NUTS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def file_rows() -> dict[str, dict[str, str]]:
    """regions.csv by code, as the file has it."""
    return {row["code"]: row for row in table("regions.csv")}


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(nuts_db_path().as_uri() + "?mode=ro", uri=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def nuts_index() -> dict:
    return index_of(build_nuts(MINTER))


@pytest.fixture(scope="module")
def typology_index() -> dict:
    return index_of(build_nuts_typologies())


@pytest.fixture(scope="module")
def postcodes() -> Iterator[PostcodeResolver]:
    with PostcodeResolver() as resolver:
        yield resolver


# -- country codes ------------------------------------------------------------------------


def test_nuts_country_codes() -> None:
    assert NUTS_COUNTRY_TO_ISO == {"EL": "GR", "UK": "GB"}
    assert [nuts_country_to_iso(c) for c in ("EL", "UK", "IT", "el")] == ["GR", "GB", "IT", "GR"]
    assert [iso_to_nuts_country(c) for c in ("GR", "GB", "IT", "gb")] == ["EL", "UK", "IT", "UK"]
    for bad in ("GRC", "", "1T"):
        with pytest.raises(ValueError):
            nuts_country_to_iso(bad)
        with pytest.raises(ValueError):
            iso_to_nuts_country(bad)


def test_extra_regio() -> None:
    assert all(is_extra_regio(code) for code in ("ITZ", "ITZZ", "ITZZZ", "ELZZZ"))
    assert not any(is_extra_regio(code) for code in ("CZ010", "ITH55", "CZ0", "IT"))


# -- the bundled NUTS regions -------------------------------------------------------------


def test_bundled_regions_are_the_files_regions_of_levels_1_to_3(file_rows: dict) -> None:
    """Every row of regions.csv of levels 1-3 is a region, except extra-regio codes and
    Kosovo's (no ISO 3166-1 country to hang them from); nothing else is."""
    expected = {code for code, row in file_rows.items()
                if row["level"] != "0" and not is_extra_regio(code) and row["country"] != "XK"}
    codes = bundled_nuts_codes()
    assert codes == sorted(expected) and len(codes) == len(set(codes))
    for row in nuts_region_rows():
        raw = file_rows[row.code]
        assert (row.level, row.country, row.name) == (int(raw["level"]), raw["country"],
                                                       raw["name"])
        assert row.versions == tuple(sorted(raw["versions"].split(";")))
        assert row.statistical == (raw["kind"] == "statistical")
        assert row.name_latin == (raw["name_latin"] or None)
    assert {"ITH55", "ITH5", "ITH", "UKJ4", "NL33", "PT17", "CH01", "UA11"} <= set(codes)


def test_bundled_codes_by_version(file_rows: dict) -> None:
    for version in ("2018", "2021", "2024"):
        assert set(bundled_nuts_codes(version)) == {
            code for code in bundled_nuts_codes() if version in file_rows[code]["versions"]}
    assert "NL33" in bundled_nuts_codes("2021") and "NL33" not in bundled_nuts_codes("2024")
    assert "NL36" in bundled_nuts_codes("2024") and "NL36" not in bundled_nuts_codes("2021")
    assert set(bundled_nuts_codes("2018")) == {c for c in bundled_nuts_codes() if c[:2] == "UK"}


def test_postcodes_lead_to_bundled_nuts_2024_regions(db: sqlite3.Connection) -> None:
    nuts3 = {code for (code,) in db.execute("SELECT DISTINCT nuts_3 FROM nuts")}
    assert nuts3 <= set(bundled_nuts_codes("2024"))
    postcode_countries = {code for (code,) in db.execute("SELECT DISTINCT alpha_2 FROM nuts")}
    assert postcode_countries <= set(bundled_nuts_countries())
    assert {"EL", "UK", "UA", "CH"} <= set(bundled_nuts_countries())
    assert "GR" not in bundled_nuts_countries() and "XK" not in bundled_nuts_countries()


def test_bundled_codes_is_a_copy() -> None:
    codes = bundled_nuts_codes()
    codes.clear()
    assert bundled_nuts_codes()


# -- NUTS graph ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chain",
    [
        ["ITH55", "ITH5", "ITH", MINTER.country("IT")],
        ["ES212", "ES21", "ES2", MINTER.country("ES")],
        ["EL303", "EL30", "EL3", MINTER.country("GR")],
        ["UKJ41", "UKJ4", "UKJ", MINTER.country("GB")],  # the UK's NUTS 2018
        ["NL332", "NL33", "NL3", MINTER.country("NL")],  # NUTS 2021 only
        ["UA111", "UA11", "UA1", MINTER.country("UA")],  # a statistical region
        ["UKN10", "UKN0", "UKN", MINTER.country("GB")],  # not nested by prefix in the file
    ],
)
def test_nuts_hierarchy(nuts_index: dict, chain: list[str]) -> None:
    *codes, country = chain
    parents = [nuts_region(code) for code in codes[1:]] + [country]
    for code, parent in zip(codes, parents, strict=True):
        assert objects(nuts_index, nuts_region(code), SKOS.broader) == [NamedNode(parent)]


def test_every_region_has_one_parent_among_the_regions_or_a_country(nuts_index: dict) -> None:
    codes = set(bundled_nuts_codes())
    for code in codes:
        parents = objects(nuts_index, nuts_region(code), SKOS.broader)
        assert len(parents) == 1, code
        parent = nuts_parent(code)
        if parent is None:
            assert len(code) == 3
            assert parents[0].value == MINTER.country(nuts_country_to_iso(code[:2]))
        else:
            assert parent in codes and len(parent) == len(code) - 1
            assert parent == code[:-1] or code.startswith("UKN")


def test_nuts_region_properties(nuts_index: dict) -> None:
    for code, level in (("ITH55", 3), ("ITH5", 2), ("ITH", 1)):
        iri = nuts_region(code)
        assert {node.value for node in objects(nuts_index, iri, RDF.type)} == {
            str(SMEKG.NutsRegion), str(SMEKG.Region), str(SKOS.Concept)
        }  # fmt: skip
        assert objects(nuts_index, iri, SKOS.notation) == [Literal(code)]
        assert objects(nuts_index, iri, SMEKG.nutsCode) == [Literal(code)]
        assert objects(nuts_index, iri, SMEKG.level) == [GraphBuilder.integer(level)]
        assert {n.value for n in objects(nuts_index, iri, SKOS.inScheme)} == {
            NUTS_SCHEME_IRI, str(NUTS_SCHEME["2021"])}
        assert sorted(v.value for v in objects(nuts_index, iri, SMEKG.nutsVersion)) == [
            "2021", "2024"]
    uk = nuts_region("UKJ4")
    assert objects(nuts_index, uk, SKOS.inScheme) == [NamedNode(str(SMEKG.NutsUK2018))]
    assert objects(nuts_index, uk, SMEKG.nutsVersion) == [Literal("2018")]
    assert objects(nuts_index, uk, SKOS.prefLabel) == [Literal("Kent", language="en")]
    swiss = nuts_region("CH01")
    assert NamedNode(str(SMEKG.StatisticalRegion)) in objects(nuts_index, swiss, RDF.type)
    assert objects(nuts_index, swiss, SKOS.inScheme) == [
        NamedNode(str(SMEKG.StatisticalRegions))]
    old = nuts_region("NL33")
    assert objects(nuts_index, old, SMEKG.nutsVersion) == [Literal("2021")]
    assert objects(nuts_index, old, SKOS.inScheme) == [NamedNode(str(NUTS_SCHEME["2021"]))]


def test_every_region_has_its_versions(nuts_index: dict, file_rows: dict) -> None:
    counts: Counter[str] = Counter()
    for code in bundled_nuts_codes():
        versions = sorted(v.value for v in objects(nuts_index, nuts_region(code),
                                                   SMEKG.nutsVersion))
        assert versions == sorted(file_rows[code]["versions"].split(";")), code
        counts.update(versions)
    assert counts == Counter(v for row in nuts_region_rows() for v in row.versions)


def test_countries_match_their_nuts0_code(nuts_index: dict) -> None:
    exact = str(SKOS.exactMatch)
    assert objects(nuts_index, MINTER.country("IT"), exact) == [
        NamedNode("http://data.europa.eu/nuts/code/IT")
    ]
    assert objects(nuts_index, MINTER.country("GR"), exact) == [
        NamedNode("http://data.europa.eu/nuts/code/EL")
    ]
    assert objects(nuts_index, MINTER.country("GB"), exact) == [
        NamedNode("http://data.europa.eu/nuts/code/UK")
    ]
    matched = {subject for (subject, predicate) in nuts_index if predicate == exact}
    assert len(matched) == len(bundled_nuts_countries())


def test_uk_nuts_is_not_linked_to_iso_subdivisions(nuts_index: dict) -> None:
    """No source says a UK NUTS region and an ISO 3166-2 subdivision are the same area."""
    for code in bundled_nuts_codes("2018"):
        for predicate in (SKOS.exactMatch, SKOS.closeMatch):
            assert objects(nuts_index, nuts_region(code), predicate) == []


# -- names ---------------------------------------------------------------------------------


def test_names_of_bologna_gipuzkoa_and_attica(nuts_index: dict) -> None:
    assert objects(nuts_index, nuts_region("ITH55"), SKOS.prefLabel) == [
        Literal("Bologna", language="it")]
    assert objects(nuts_index, nuts_region("ES212"), SKOS.prefLabel) == [
        Literal("Gipuzkoa", language="es")]
    assert objects(nuts_index, nuts_region("EL30"), SKOS.prefLabel) == [
        Literal("Aττική", language="el"), Literal("Attiki", language="el-Latn")]
    assert objects(nuts_index, nuts_region("UA11"), SKOS.prefLabel) == [
        Literal("Полтавська Область", language="uk"),
        Literal("Poltavska Oblast", language="uk-Latn")]


def test_every_region_is_named_as_the_file_names_it(nuts_index: dict, file_rows: dict) -> None:
    for code, names in nuts_names().items():
        row = file_rows[code]
        labels = objects(nuts_index, nuts_region(code), SKOS.prefLabel)
        # language tags are case-insensitive; the store keeps them lower-cased (el-latn)
        assert [(label.value, label.language) for label in labels] == [
            (name, tag.lower()) for name, tag in names]
        assert names[0][0] == row["name"]
        if row["name_latin"]:
            assert names[1] == (row["name_latin"], f"{names[0][1]}-Latn")
        else:
            assert len(names) == 1
        tags = [tag for _, tag in names]
        assert len(tags) == len(set(tags)), code  # one prefLabel per language tag (SKOS)


@pytest.mark.parametrize(
    ("code", "language"),
    [("ITH55", "it"), ("DE300", "de"), ("UKJ4", "en"), ("EL303", "el"), ("BE21", "nl"),
     ("BE32", "fr"), ("BE336", "de"), ("BE10", "mul"), ("FI200", "sv"), ("FI1B1", "fi"),
     ("CH01", "mul"), ("LU000", "mul"), ("ITH1", "mul"), ("ES211", "mul"), ("ES212", "es"),
     ("AT126", "de"), ("NL226", "nl"), ("NO072", "mul"), ("UA11", "uk"), ("ME000", "cnr")],
)
def test_label_languages(code: str, language: str) -> None:
    assert nuts_names()[code][0][1] == language


def test_the_language_rule_is_total() -> None:
    countries = {row.country for row in nuts_region_rows()}
    assert countries <= set(NUTS_LANGUAGES)
    for row in nuts_region_rows():
        language = nuts_label_language(row.code, row.name)
        assert language == "mul" or len(language) in (2, 3)


def test_names_from_a_eurostat_file() -> None:
    names = read_eurostat_nuts_file(NUTS_SAMPLE)
    index = index_of(build_nuts_names({code: name.label for code, name in names.items()}))
    assert objects(index, nuts_region("ITH55"), SKOS.prefLabel) == [
        Literal("Bologna", language="it")]
    assert objects(index, nuts_region("ITH5"), SKOS.prefLabel) == [
        Literal("Emilia-Romagna", language="it")]
    assert objects(index, nuts_region("EL303"), SKOS.prefLabel) == [
        Literal("Κεντρικός Τομέας Αθηνών", language="el")]
    # Codes outside the bundled set (level 0, extra-regio) get no name; nothing but names.
    assert (nuts_region("ITZZZ"), str(SKOS.prefLabel)) not in index
    assert (nuts_region("IT"), str(SKOS.prefLabel)) not in index
    assert {predicate for (_, predicate) in index} == {str(SKOS.prefLabel)}


def test_names_from_a_file_with_a_language_tag() -> None:
    index = index_of(build_nuts_names({"ITH55": "Bologna"}, language="en"))
    assert objects(index, nuts_region("ITH55"), SKOS.prefLabel) == [
        Literal("Bologna", language="en")]
    with pytest.raises(ValueError, match="ITH55"):
        build_nuts_names({"ITH55": "  "})


# -- NUTS 2021 -> 2024 -----------------------------------------------------------------------


def test_every_nuts_2021_region_that_left_has_its_successors(file_rows: dict) -> None:
    gone = [row.code for row in nuts_region_rows() if row.versions == ("2021",)]
    assert gone
    current = set(bundled_nuts_codes("2024"))
    for code in gone:
        found = nuts_successors(code)
        assert found is not None, code
        change, successors = found
        assert change in {"code-change", "boundary-shift", "merged", "split"}
        assert successors and set(successors) <= current, code
        assert all(s[:2] == code[:2] and len(s) == len(code) for s in successors)


def test_the_correspondence_follows_the_table() -> None:
    rows = table("changes_2021_2024.csv")
    stated = {row["code_2021"]: NUTS_CHANGES[row["change"]] for row in rows if row["code_2021"]}
    changes = nuts_changes()
    assert {code: change for code, (change, _) in changes.items()} == stated
    for row in rows:
        if row["change"] == "Code change":
            assert changes[row["code_2021"]][1] == (row["code_2024"],)
    assert changes["PT17"] == ("split", ("PT1A", "PT1B"))
    assert changes["NO082"] == ("split", ("NO083", "NO084", "NO085"))
    assert changes["DEG0N"] == ("merged", ("DEG0R",))  # into ex-DEG0P, now DEG0R
    assert changes["LV007"] == ("merged", ("LV00A",))
    assert changes["PT16"] == ("boundary-shift", ("PT19",))
    assert changes["BE31"] == ("name-change", ("BE31",))
    assert nuts_successors("pt181") == ("code-change", ["PT1C1"])
    assert nuts_successors("BE31") is None  # the region goes on under its code
    assert nuts_successors("ITH55") is None and nuts_successors("UKJ4") is None
    assert nuts_successors("XX999") is None


def test_replaced_regions_point_at_their_successors(nuts_index: dict) -> None:
    replaced = str(DCTERMS.isReplacedBy)
    assert objects(nuts_index, nuts_region("NL332"), replaced) == [
        NamedNode(nuts_region("NL361"))]
    assert objects(nuts_index, nuts_region("NL332"), SMEKG.nutsChange) == [
        Literal("code-change")]
    assert sorted(n.value for n in objects(nuts_index, nuts_region("PT17"), replaced)) == [
        nuts_region("PT1A"), nuts_region("PT1B")]
    assert objects(nuts_index, nuts_region("BE31"), replaced) == []
    assert objects(nuts_index, nuts_region("BE31"), SMEKG.nutsChange) == [
        Literal("name-change")]
    links = [(s, p) for (s, p) in nuts_index if p == replaced]
    assert len(links) == sum(1 for change, _ in nuts_changes().values()
                             if change in {"code-change", "boundary-shift", "merged", "split"})


# -- NUTS-3 typologies ---------------------------------------------------------------------


def test_every_typology_value_of_the_file_has_a_concept() -> None:
    values = nuts_typology_values()
    scheme = set(load_ontology().subjects(SKOS.inScheme, SMEKG.NutsTypologies))
    assert {str(concept) for concept in scheme} >= set(values.values())
    negatives = {"", "non-coastal", "non-metropolitan region", "non-border", "non-island",
                 "non-mountain"}
    columns = ("urban_rural", "coastal", "metropolitan", "border", "island", "mountain",
               "capital")
    for row in table("nuts3_typologies.csv"):
        for column in columns:
            assert row[column] in values or row[column].casefold() in negatives, row[column]


def test_typology_links_follow_the_file(typology_index: dict) -> None:
    values = nuts_typology_values()
    rows = table("nuts3_typologies.csv")
    expected = Counter(values[row[column]] for row in rows for column in row
                       if column not in ("code", "name", "metro_id") and row[column] in values)
    found = Counter(o.value for (s, p), objs in typology_index.items()
                    if p == str(SMEKG.typology) for o in objs)
    assert found == expected
    assert {s for (s, _) in typology_index} == {nuts_region(row["code"]) for row in rows}
    assert set(bundled_nuts_codes("2024")) >= {row["code"] for row in rows}


def test_typologies_of_known_regions(typology_index: dict) -> None:
    def classes(code: str) -> set[str]:
        return {o.value.rsplit("typology-", 1)[1]
                for o in objects(typology_index, nuts_region(code), SMEKG.typology)}

    rows = {row["code"]: row for row in table("nuts3_typologies.csv")}
    assert rows["ES212"]["mountain"].startswith("mountain (")
    assert "mountain-surface-and-population" in classes("ES212")
    assert rows["ITH55"]["mountain"] == "non-mountain"
    assert not any(c.startswith("mountain") for c in classes("ITH55"))
    assert rows["BE100"]["capital"] == "Capital region" and "capital" in classes("BE100")


# -- ISO 3166-1 countries carry their NUTS code ----------------------------------------------


def test_every_nuts_country_exists_in_iso_3166() -> None:
    for country in bundled_nuts_countries():
        assert pycountry.countries.get(alpha_2=nuts_country_to_iso(country)) is not None


# -- Eurostat NUTS files -------------------------------------------------------------------


def test_read_eurostat_nuts_csv_fixture() -> None:
    assert NUTS_SAMPLE.read_bytes().startswith(b"\xef\xbb\xbf")  # the fixture has a BOM
    names = read_eurostat_nuts_file(NUTS_SAMPLE)
    assert names["ITH55"] == NutsName("ITH55", "Bologna", 3)
    assert names["ITH"] == NutsName("ITH", "Nord-Est", 1)
    assert names["IT"] == NutsName("IT", "Italia", 0)
    assert names["ES211"].label == "Araba/Álava"
    assert names["EL"].label == "Ελλάδα"
    assert names["ITH58"].label == "Forlì-Cesena"
    # Extra-regio codes are skipped (none is among the bundled codes).
    assert not any(is_extra_regio(code) for code in names)
    assert len(names) == 22
    assert list(names)[:3] == ["IT", "ITH", "ITH5"]


def write_csv(path: Path, rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def test_read_semicolon_csv_without_bom(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "nuts.csv",
        [["Code 2024", "Label"], ["ITH55", "Bologna"], ["ITH5", "Emilia-Romagna"]],
        delimiter=";",
    )
    names = read_eurostat_nuts_file(path)
    assert names == {
        "ITH55": NutsName("ITH55", "Bologna", None),
        "ITH5": NutsName("ITH5", "Emilia-Romagna", None),
    }


def test_read_gisco_style_csv_with_title_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "NUTS_RG_2024.csv",
        [
            ["NUTS 2024 regions"],
            ["Source: Eurostat, GISCO"],
            [],
            ["nuts_id", "levl_code", "cntr_code", "name_latn", "nuts_name"],
            ["ES212", 3, "ES", "Gipuzkoa", "Gipuzkoa"],
            ["EL303", 3, "EL", "Kentrikos Tomeas Athinon", "Κεντρικός Τομέας Αθηνών"],
        ],
    )
    names = read_eurostat_nuts_file(path)
    assert names["ES212"] == NutsName("ES212", "Gipuzkoa", 3)
    assert names["EL303"].label == "Kentrikos Tomeas Athinon"  # NAME_LATN, the Latin name


def nuts2024_workbook(path: Path, rows: list[list[object]]) -> Path:
    """A workbook laid out like Eurostat's NUTS2021-NUTS2024.xlsx (label in its level's column)."""
    workbook = Workbook()
    overview = workbook.active
    overview.title = "Overview"
    overview.append(["NUTS 2024 classification"])
    overview.append(["See the next sheet"])
    sheet = workbook.create_sheet("NUTS2024")
    sheet.append(["NUTS 2024 - codes and labels"])
    sheet.append([])
    sheet.append(["Country order", "Code 2021", "Code 2024", "Country", "NUTS level 1",
                  "NUTS level 2", "NUTS level 3", "NUTS level", "Change"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_read_nuts2021_nuts2024_xlsx(tmp_path: Path) -> None:
    path = nuts2024_workbook(
        tmp_path / "NUTS2021-NUTS2024.xlsx",
        [
            [1, "IT", "IT", "Italia", None, None, None, 0, None],
            [2, "ITH", "ITH", None, "Nord-Est", None, None, 1, None],
            [3, "ITH5", "ITH5", None, None, "Emilia-Romagna", None, 2, None],
            [4, "ITH55", "ITH55", None, None, None, "Bologna", 3, None],
            [5, "ITG2A", None, None, None, None, "Ogliastra", 3, "discontinued"],
            [6, "ITZZZ", "ITZZZ", None, None, None, "Extra-Regio NUTS 3", 3, None],
        ],
    )
    names = read_eurostat_nuts_file(path)
    assert names == {
        "IT": NutsName("IT", "Italia", 0),
        "ITH": NutsName("ITH", "Nord-Est", 1),
        "ITH5": NutsName("ITH5", "Emilia-Romagna", 2),
        "ITH55": NutsName("ITH55", "Bologna", 3),
    }


def nuts_error(path: Path) -> ReferenceFileError:
    with pytest.raises(ReferenceFileError) as info:
        read_eurostat_nuts_file(path)
    return info.value


@pytest.mark.parametrize(
    ("rows", "row", "column", "value", "problem"),
    [
        ([["ITH55", "Bologna", 3], ["IT-H55", "Bologna", 3]], 3, "NUTS Code", "IT-H55",
         "unknown NUTS code format"),
        ([["ITH55", "", 3]], 2, "NUTS label", "", "empty label"),
        ([["ITH5", "Emilia-Romagna", 2], ["ITH55", "Bologna", 2]], 3, "NUTS level", "2",
         "inconsistent with code ITH55"),
        ([["ITH55", "Bologna", "three"]], 2, "NUTS level", "three", "not an integer"),
        ([["ITH55", "Bologna", 3], ["ITH55", "Bologna (BO)", 3]], 3, "NUTS Code", "ITH55",
         "twice with different labels"),
    ],
)  # fmt: skip
def test_malformed_nuts_csv(
    tmp_path: Path, rows: list, row: int, column: str, value: str, problem: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", [["NUTS Code", "NUTS label", "NUTS level"], *rows])
    error = nuts_error(path)
    assert (error.path, error.row, error.column, error.value) == (str(path), row, column, value)
    message = str(error)
    assert str(path) in message and f"row {row}" in message and repr(column) in message
    assert repr(value) in message and problem in message


def test_nuts_file_without_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "no_header.csv", [["Region", "Name"], ["ITH55", "Bologna"]])
    error = nuts_error(path)
    assert error.row is None and "no header row" in str(error) and str(path) in str(error)


def test_nuts_file_missing_or_not_utf8(tmp_path: Path) -> None:
    assert "no such file" in str(nuts_error(tmp_path / "missing.csv"))
    path = tmp_path / "latin1.csv"
    path.write_bytes("NUTS Code,NUTS label\nITH58,Forlì-Cesena\n".encode("latin-1"))
    assert "cannot decode" in str(nuts_error(path))
    assert read_eurostat_nuts_file(path, encoding="latin-1")["ITH58"].label == "Forlì-Cesena"


def test_malformed_nuts_xlsx_names_the_sheet(tmp_path: Path) -> None:
    path = nuts2024_workbook(
        tmp_path / "bad.xlsx", [[1, "ITH55", "ITH55", None, None, "Bologna", None, 3, None]]
    )
    error = nuts_error(path)
    assert (error.sheet, error.row, error.column) == ("NUTS2024", 4, "NUTS level 3")
    assert "sheet 'NUTS2024', row 4, column 'NUTS level 3'" in str(error)
    not_a_workbook = tmp_path / "broken.xlsx"
    not_a_workbook.write_text("not a zip")
    assert "not a readable XLSX" in str(nuts_error(not_a_workbook))


# -- ISO 3166-2 subdivisions ---------------------------------------------------------------


@pytest.fixture(scope="module")
def subdivisions() -> GraphBuilder:
    return build_subdivisions(MINTER)


def test_subdivision_hierarchy(subdivisions: GraphBuilder) -> None:
    index = index_of(subdivisions)
    kent, england = MINTER.subdivision("GB-KEN"), MINTER.subdivision("GB-ENG")
    assert objects(index, kent, SKOS.broader) == [NamedNode(england)]
    assert objects(index, england, SKOS.broader) == [NamedNode(MINTER.country("GB"))]
    assert objects(index, kent, SKOS.prefLabel) == [Literal("Kent")]
    assert objects(index, kent, SKOS.notation) == [Literal("GB-KEN")]
    assert objects(index, kent, SMEKG.isoSubdivisionCode) == [Literal("GB-KEN")]
    assert objects(index, kent, SMEKG.subdivisionType) == [Literal("Two-tier county")]
    assert objects(index, kent, SKOS.inScheme) == [NamedNode(str(SMEKG["Iso3166-2"]))]
    assert {node.value for node in objects(index, kent, RDF.type)} == {
        str(SMEKG.Subdivision), str(SMEKG.Region), str(SKOS.Concept)
    }  # fmt: skip
    bologna = MINTER.subdivision("IT-BO")
    assert objects(index, bologna, SKOS.broader) == [NamedNode(MINTER.subdivision("IT-45"))]


def test_all_subdivisions_are_built(subdivisions: GraphBuilder) -> None:
    index = index_of(subdivisions)
    built = {s for (s, p) in index if p == str(SMEKG.isoSubdivisionCode)}
    assert built == {MINTER.subdivision(s.code) for s in pycountry.subdivisions}
    countries = {MINTER.country(c.alpha_2) for c in pycountry.countries}
    for subject in built:
        (parent,) = objects(index, subject, SKOS.broader)
        assert parent.value in built or parent.value in countries


# -- postcodes -----------------------------------------------------------------------------


def first_postcode(db: sqlite3.Connection, country: str, nuts3: str | None = None) -> tuple:
    sql = "SELECT zip, nuts_3 FROM nuts WHERE alpha_2 = ?"
    parameters: tuple = (country,)
    if nuts3 is not None:
        sql += " AND nuts_3 = ?"
        parameters += (nuts3,)
    return db.execute(sql + " ORDER BY zip DESC LIMIT 1", parameters).fetchone()


@pytest.mark.parametrize(
    ("country", "nuts3", "write"),
    [
        ("IT", "ITH55", lambda z: z),
        ("IT", "ITH55", lambda z: f"I-{z}"),
        ("ES", "ES212", lambda z: z),
        ("DE", None, lambda z: f"D-{z}"),
        ("FR", None, lambda z: z),
        ("NL", None, lambda z: z.replace(" ", "")),
        ("NL", None, lambda z: z.lower()),
        ("PT", None, lambda z: z),
        ("PL", None, lambda z: z.replace("-", "")),
        ("CZ", None, lambda z: z.replace(" ", "")),
        ("SE", None, lambda z: z),
        ("AT", None, lambda z: f"A-{z}"),
        ("LV", None, lambda z: z.removeprefix("LV-")),
        ("EL", "EL303", lambda z: f"{z[:3]} {z[3:]}"),
        ("IE", None, lambda z: f"{z} X285"),
        ("MT", None, lambda z: f"{z} 1234"),
    ],
)
def test_postcodes_read_from_the_database(
    db: sqlite3.Connection, postcodes: PostcodeResolver, country: str, nuts3: str | None, write
) -> None:
    postcode, expected = first_postcode(db, country, nuts3)
    assert postcodes.nuts3(country, write(postcode)) == expected
    assert postcodes.lookup(country, postcode) == (expected,)


def test_known_postcodes(postcodes: PostcodeResolver) -> None:
    assert postcodes.nuts3("IT", "40121") == "ITH55"  # Bologna
    assert postcodes.nuts3("GR", "10431") == postcodes.nuts3("EL", "10431") == "EL303"  # Athens
    assert postcodes.nuts3("IE", "D02 X285") == "IE061"  # Dublin
    assert postcodes.nuts3("NL", "1012 AB") == "NL32B"  # Amsterdam
    assert postcodes.nuts3("PT", "1000-001") == "PT1A0"  # Lisbon
    assert postcodes.nuts3("DE", "1067") == "DED21"  # Dresden 01067, leading zero lost
    assert postcodes.nuts3("NO", "0150") == postcodes.nuts3("NO", "150") == "NO084"  # Oslo


def test_postcode_prefixes(db: sqlite3.Connection, postcodes: PostcodeResolver) -> None:
    assert postcodes.nuts3("PT", "1000") == "PT1A0"
    ambiguous = db.execute(
        "SELECT substr(zip, 1, 4) FROM nuts WHERE alpha_2 = 'PT' GROUP BY 1 "
        "HAVING COUNT(DISTINCT nuts_3) > 1 LIMIT 1"
    ).fetchone()[0]
    assert postcodes.nuts3("PT", ambiguous) is None
    assert len(postcodes.lookup("PT", ambiguous)) > 1
    assert postcodes.normalise("PT", "1000") == "1000-"
    assert postcodes.normalise("NL", "1012") == "1012 "


def test_postcode_normalisation(postcodes: PostcodeResolver) -> None:
    assert postcodes.normalise("CZ", "11000") == "110 00"
    assert postcodes.normalise("SK", "010 01") == "010 01"
    assert postcodes.normalise("PL", "00002") == "00-002"
    assert postcodes.normalise("LV", "lv 1001") == "LV-1001"
    assert postcodes.normalise("IT", "I-40121") == "40121"
    assert postcodes.normalise("US", "10001") is None


def test_unknown_and_malformed_postcodes(postcodes: PostcodeResolver) -> None:
    assert postcodes.nuts3("US", "10001") is None  # no data for the country
    assert postcodes.nuts3("GB", "SW1A 1AA") is None  # the UK left NUTS
    assert postcodes.nuts3("IT", "ABCDE") is None
    assert postcodes.nuts3("IT", "401210") is None  # too long
    assert postcodes.nuts3("IT", "") is None
    assert postcodes.nuts3("IE", "Z99") is None
    assert postcodes.lookup("IT", "99999") == ()
    with pytest.raises(ValueError):
        postcodes.nuts3("ITA", "40121")


def test_every_stored_postcode_has_its_countrys_format(db: sqlite3.Connection) -> None:
    """The per-country formats describe the database; Norway also stores some postcodes
    without their leading zeros (``101`` next to ``0101``), which the resolver never needs."""
    assert set(PostcodeResolver.countries()) <= set(bundled_nuts_countries())
    patterns = {
        country: PostcodeResolver.stored_format(country) for country in PostcodeResolver.countries()
    }
    mismatches: dict[str, int] = defaultdict(int)
    for country, postcode in db.execute("SELECT alpha_2, zip FROM nuts"):
        if not patterns[country].match(postcode):
            mismatches[country] += 1
    assert dict(mismatches) == {"NO": 172}


def test_resolver_reopens_after_close() -> None:
    resolver = PostcodeResolver()
    assert resolver.nuts3("IT", "40121") == "ITH55"
    resolver.close()
    resolver.close()
    assert resolver.nuts3("IT", "40121") == "ITH55"
    resolver.close()

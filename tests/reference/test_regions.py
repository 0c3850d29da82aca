"""Tests of smekg.reference.regions: NUTS, ISO 3166-2, Eurostat NUTS files, postcodes."""

from __future__ import annotations

import csv
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pycountry
import pytest
from openpyxl import Workbook
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import NUTS_SCHEME_IRI, Minter, nuts_region
from smekg.core.rdf import GraphBuilder
from smekg.ontology import RDF, SKOS, SMEKG
from smekg.reference.regions import (
    NUTS_COUNTRY_TO_ISO,
    NutsName,
    PostcodeResolver,
    ReferenceFileError,
    build_nuts,
    build_subdivisions,
    bundled_nuts_codes,
    bundled_nuts_countries,
    is_extra_regio,
    iso_to_nuts_country,
    nuts_country_to_iso,
    nuts_db_path,
    read_eurostat_nuts_file,
)
from tests.helpers import index_of, objects

MINTER = Minter("https://w3id.org/smekg/id/")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eurostat"
NUTS_SAMPLE = FIXTURES / "NUTS2024_sample.csv"


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(nuts_db_path().as_uri() + "?mode=ro", uri=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def nuts_index() -> dict:
    return index_of(build_nuts(MINTER))


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


# -- bundled NUTS codes -------------------------------------------------------------------


def test_bundled_codes_match_the_database(db: sqlite3.Connection) -> None:
    codes = bundled_nuts_codes()
    assert codes == sorted(codes) and len(codes) == len(set(codes))
    nuts3 = {code for (code,) in db.execute("SELECT DISTINCT nuts_3 FROM nuts")}
    assert [code for code in codes if len(code) == 5] == sorted(nuts3)
    assert {code for code in codes if len(code) == 4} == {code[:4] for code in nuts3}
    assert {code for code in codes if len(code) == 3} == {code[:3] for code in nuts3}
    assert {len(code) for code in codes} == {3, 4, 5}
    assert not any(is_extra_regio(code) for code in codes)
    countries = {code for (code,) in db.execute("SELECT DISTINCT alpha_2 FROM nuts")}
    assert bundled_nuts_countries() == sorted(countries)
    assert len(countries) == 34 and "EL" in countries and "GR" not in countries


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
    ],
)
def test_nuts_hierarchy(nuts_index: dict, chain: list[str]) -> None:
    *codes, country = chain
    parents = [nuts_region(code) for code in codes[1:]] + [country]
    for code, parent in zip(codes, parents, strict=True):
        assert objects(nuts_index, nuts_region(code), SKOS.broader) == [NamedNode(parent)]


def test_nuts_region_properties(nuts_index: dict) -> None:
    for code, level in (("ITH55", 3), ("ITH5", 2), ("ITH", 1)):
        iri = nuts_region(code)
        assert {node.value for node in objects(nuts_index, iri, RDF.type)} == {
            str(SMEKG.NutsRegion), str(SMEKG.Region), str(SKOS.Concept)
        }  # fmt: skip
        assert objects(nuts_index, iri, SKOS.notation) == [Literal(code)]
        assert objects(nuts_index, iri, SMEKG.nutsCode) == [Literal(code)]
        assert objects(nuts_index, iri, SMEKG.level) == [GraphBuilder.integer(level)]
        assert objects(nuts_index, iri, SKOS.inScheme) == [NamedNode(NUTS_SCHEME_IRI)]
        assert objects(nuts_index, iri, SKOS.prefLabel) == []  # no names bundled


def test_every_bundled_code_is_built(nuts_index: dict) -> None:
    for code in bundled_nuts_codes():
        assert len(objects(nuts_index, nuts_region(code), SKOS.broader)) == 1, code


def test_countries_match_their_nuts0_code(nuts_index: dict) -> None:
    exact = str(SKOS.exactMatch)
    assert objects(nuts_index, MINTER.country("IT"), exact) == [
        NamedNode("http://data.europa.eu/nuts/code/IT")
    ]
    assert objects(nuts_index, MINTER.country("GR"), exact) == [
        NamedNode("http://data.europa.eu/nuts/code/EL")
    ]
    matched = {subject for (subject, predicate) in nuts_index if predicate == exact}
    assert len(matched) == 34


def test_nuts_names_from_a_eurostat_file() -> None:
    names = read_eurostat_nuts_file(NUTS_SAMPLE)
    index = index_of(build_nuts(MINTER, {code: name.label for code, name in names.items()}))
    assert objects(index, nuts_region("ITH55"), SKOS.prefLabel) == [Literal("Bologna")]
    assert objects(index, nuts_region("ITH5"), SKOS.prefLabel) == [Literal("Emilia-Romagna")]
    assert objects(index, nuts_region("EL303"), SKOS.prefLabel) == [
        Literal("Κεντρικός Τομέας Αθηνών")
    ]
    # Codes outside the bundled set (level 0, extra-regio) never become regions.
    assert (nuts_region("ITZZZ"), str(RDF.type)) not in index
    assert (nuts_region("IT"), str(RDF.type)) not in index
    # Regions the file does not name stay without a label.
    assert objects(index, nuts_region("DE300"), SKOS.prefLabel) == []


def test_nuts_names_with_a_language_tag() -> None:
    index = index_of(build_nuts(MINTER, {"ITH55": "Bologna"}, language="it"))
    assert objects(index, nuts_region("ITH55"), SKOS.prefLabel) == [
        Literal("Bologna", language="it")
    ]
    with pytest.raises(ValueError, match="ITH55"):
        build_nuts(MINTER, {"ITH55": "  "})


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
    assert PostcodeResolver.countries() == bundled_nuts_countries()
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

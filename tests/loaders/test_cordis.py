"""`smekg import cordis`: CORDIS projects, participants and participations, imported from
the published layout (tests/fixtures/cordis: Horizon Europe with a BOM and CRLF line ends,
Horizon 2020 plain) into a copy of the seeded store, by the real command line; checked with
SPARQL on the store it wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.cordis import (
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    CordisFilters,
    cordis_amount,
    cordis_country,
    cordis_date,
    import_cordis,
)
from smekg.loaders.sources import load_sources
from tests.test_cli import SMEKG as SMEKG_COMMAND
from tests.test_cli import run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cordis"
HORIZON = FIXTURES / "horizon-europe"
H2020 = FIXTURES / "h2020"
ID = "https://w3id.org/smekg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture
def store_copy(seeded_store_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store_dir, copy)
    return copy


def select(store: Path, query: str) -> list[dict[str, NamedNode | Literal]]:
    opened = GraphStore.open(store, read_only=True)
    try:
        return opened.select(query)
    finally:
        opened.close()


def values(store: Path, query: str, name: str = "v") -> list[str]:
    return sorted(row[name].value for row in select(store, query) if name in row)


def facts(store: Path, iri: str) -> dict[str, list[NamedNode | Literal]]:
    found: dict[str, list[NamedNode | Literal]] = {}
    for row in select(store, f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"):
        found.setdefault(row["p"].value, []).append(row["o"])
    return found


def one(found: dict[str, list[NamedNode | Literal]], predicate: str) -> str:
    (term,) = found[predicate]
    return term.value


def cordis_sources(store: Path) -> list[str]:
    listed = json.loads(run("sources", "--format", "json", store=store).stdout)
    return [row["name"] for row in listed if row["name"].startswith("cordis/")]


def said(result: subprocess.CompletedProcess[str]) -> str:
    return " ".join((result.stdout + result.stderr).split())


SMEKG = "https://w3id.org/smekg/ontology#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
NUTS = "http://data.europa.eu/nuts/code/"


# -- values ---------------------------------------------------------------------------------


def test_cordis_values() -> None:
    assert [cordis_amount(v) for v in ("1234567.5", "1234567,5", "1.2345675E6", "0", "",
                                       "0100.50", "2E3")] == [
        "1234567.5", "1234567.5", "1234567.5", "0", None, "100.5", "2000"]
    for bad in ("1.234.567", "-5", "12a", "1,234,567", "1E999"):
        with pytest.raises(ValueError):
            cordis_amount(bad)
    assert cordis_date("2022-01-01") == "2022-01-01"
    assert cordis_date("2018-07-19 09:17:05") == "2018-07-19"
    for bad in ("2022-13-01", "01/06/2015", "2022-02-30"):
        with pytest.raises(ValueError):
            cordis_date(bad)
    assert [cordis_country(c) for c in ("EL", "UK", "gr", "XK", "", "ITA")] == [
        "GR", "GB", "GR", None, None, None]
    with pytest.raises(ValueError, match="unknown programme"):
        CordisFilters(programme="FP7")
    assert CordisFilters(topics=("HORIZON-EIE-*",), countries=("IT",)).describe() == \
        "--topics HORIZON-EIE-* --country IT"


# -- Horizon Europe: a folder with a BOM and CRLF line ends -------------------------------


def test_horizon_europe_folder(store_copy: Path) -> None:
    result = run("import", "cordis", str(HORIZON), store=store_copy)
    text = said(result)
    assert "5 projects read; kept 5 projects, 12 organisations, 15 participations" in text
    # the quirks, each read with a note rather than failing the import
    for note in (
        "organisation 911000002: its rows disagree on name: 'ETHNIKO KENTRO KAINOTOMIAS AE' "
        "(row 3, updated 2022-11-02 09:00:00); 'ETHNIKO KENTRO KAINOTOMIAS ANONYMI ETAIREIA' "
        "(row 6, updated 2024-05-06 12:00:00); kept 'ETHNIKO KENTRO KAINOTOMIAS ANONYMI "
        "ETAIREIA', the most recently updated",
        "nutsCode 'FR241' is not a region of the bundled NUTS versions",
        "nutsCode 'PT170' is not a region of the bundled NUTS versions",
        "NL332 is a NUTS 2021 code",
        "country 'XK' is not an ISO 3166-1 country: not recorded",
        "vatNumber 'CHE105833232MWST' is not a VAT number",
        "organizationURL 'www.scaleworks.example.es' is not an http(s) URL",
    ):
        assert note in text, note

    # an organisation: country, NUTS location, SME flag, PIC, VAT number, type, address
    agency = facts(store_copy, f"{ID}organisation/pic-911000001")
    assert one(agency, f"{SKOS}prefLabel") == "AGENZIA EMILIANA PER L'INNOVAZIONE"
    assert one(agency, f"{SKOS}altLabel") == "AEI"
    assert one(agency, f"{SMEKG}country") == f"{ID}country/IT"
    assert one(agency, f"{SCHEMA}location") == f"{NUTS}ITH55"
    assert one(agency, f"{SMEKG}pic") == "911000001"
    assert one(agency, f"{SCHEMA}vatID") == "IT01234567890"
    assert one(agency, f"{SMEKG}isSme") == "false"
    assert agency[f"{SMEKG}isSme"][0].datatype.value == f"{XSD}boolean"
    assert one(agency, f"{ORG}classification") == f"{SMEKG}type-government-body"
    assert one(agency, f"{DCT}source").startswith("https://data.europa.eu/data/datasets/cordis")
    # the rows of one organisation are one organisation: the most recent row's facts
    merged = facts(store_copy, f"{ID}organisation/pic-911000002")
    assert one(merged, f"{SKOS}prefLabel") == "ETHNIKO KENTRO KAINOTOMIAS ANONYMI ETAIREIA"
    assert one(merged, f"{SCHEMA}location") == f"{NUTS}EL30"
    assert one(merged, f"{SMEKG}country") == f"{ID}country/GR"  # EL in CORDIS
    assert one(merged, f"{SMEKG}isSme") == "true"
    assert one(merged, f"{ORG}classification") == f"{SMEKG}type-enterprise"
    assert values(store_copy, f"""SELECT ?v WHERE {{
        ?m org:member <{ID}organisation/pic-911000002> ; org:organization ?p ; org:role ?r .
        ?p dcterms:identifier ?id . ?r skos:notation ?role
        BIND(CONCAT(?id, " ", ?role) AS ?v) }}""") == [
        "cordis-101070001 partner", "cordis-101070002 coordinator"]
    university = facts(store_copy, f"{ID}organisation/pic-911000003")
    assert one(university, f"{SMEKG}country") == f"{ID}country/GB"  # UK in CORDIS
    assert one(university, f"{SCHEMA}location") == f"{NUTS}UKI31"
    assert one(university, f"{ORG}classification") == f"{SMEKG}type-higher-education"
    # an unresolvable NUTS code of an older version: the country stays
    institute = facts(store_copy, f"{ID}organisation/pic-911000008")
    assert one(institute, f"{SMEKG}country") == f"{ID}country/FR"
    assert one(institute, f"{ORG}classification") == f"{SMEKG}type-research-institute"
    assert f"{NUTS}FR241" not in [t.value for t in institute.get(f"{SCHEMA}location", [])]
    # a NUTS 2021 code is read as its NUTS 2024 region
    assert one(facts(store_copy, f"{ID}organisation/pic-911000011"),
               f"{SCHEMA}location") == f"{NUTS}NL361"
    kosovo = facts(store_copy, f"{ID}organisation/pic-911000012")
    assert f"{SMEKG}country" not in kosovo and f"{ORG}classification" not in kosovo  # OTH
    swiss = facts(store_copy, f"{ID}organisation/pic-911000006")
    assert f"{SCHEMA}vatID" not in swiss and one(swiss, f"{SCHEMA}location") == f"{NUTS}CH040"
    assert "http://xmlns.com/foaf/0.1/homepage" not in facts(
        store_copy, f"{ID}organisation/pic-911000004")
    # a participant without a NUTS code: its country (EL) only, no SME flag (empty)
    network = facts(store_copy, f"{ID}organisation/pic-911000005")
    assert one(network, f"{SMEKG}country") == f"{ID}country/GR"
    assert f"{SMEKG}isSme" not in network

    # a project: programme, scheme, call, topics, dates, budgets as xsd:decimal
    project = facts(store_copy, f"{ID}project/cordis-101070001")
    assert one(project, f"{SKOS}prefLabel") == \
        "Bridging regional innovation agencies and scale-up programmes for SMEs"
    assert one(project, f"{SKOS}altLabel") == "SCALEUP-BRIDGE"
    assert one(project, f"{SMEKG}fundedUnder") == f"{ID}programme/horizon-europe"
    assert one(project, f"{SMEKG}fundingScheme") == "HORIZON-CSA"
    assert one(project, f"{SMEKG}call") == "HORIZON-EIE-2022-SCALEUP-02"
    assert one(project, f"{SMEKG}topic") == "HORIZON-EIE-2022-SCALEUP-02-02"
    assert one(project, f"{SMEKG}grantId") == "101070001"
    assert one(project, f"{SMEKG}projectStatus") == "SIGNED"
    assert one(project, f"{SCHEMA}startDate") == "2022-10-01"
    assert project[f"{SCHEMA}startDate"][0].datatype.value == f"{XSD}date"
    assert one(project, f"{SCHEMA}endDate") == "2025-09-30"
    for prop in ("totalCost", "euContribution"):  # 1999987.5 and 1999987,5
        (amount,) = project[f"{SMEKG}{prop}"]
        assert (amount.value, amount.datatype.value) == ("1999987.5", f"{XSD}decimal")
    # a quoted objective with ';', a line break and doubled quotes
    assert one(project, f"{DCT}description") == (
        "SCALEUP-BRIDGE connects regional innovation agencies; scale-up programmes and "
        "investors.\nIt runs \"matchmaking weeks\" for SMEs; it measures their growth.")
    assert one(project, f"{SMEKG}sourceRow") == "2"
    # an exponent form (1.2345675E6)
    assert one(facts(store_copy, f"{ID}project/cordis-101070002"),
               f"{SMEKG}totalCost") == "1234567.5"
    assert one(facts(store_copy, f"{ID}programme/horizon-europe"),
               f"{SKOS}prefLabel") == "Horizon Europe"

    # partnerships: roles and EU contributions
    partnerships = {row["v"].value: row for row in select(store_copy, """
        SELECT ?v ?eu ?cost WHERE {
          ?m a org:Membership ; org:organization ?p ; org:member ?o ; org:role ?r .
          ?p dcterms:identifier ?pid . ?o dcterms:identifier ?oid . ?r skos:notation ?role
          FILTER(STRSTARTS(?pid, "cordis-"))
          OPTIONAL { ?m smekg:euContribution ?eu } OPTIONAL { ?m smekg:totalCost ?cost }
          BIND(CONCAT(?pid, " ", ?oid, " ", ?role) AS ?v) }""")}
    assert len(partnerships) == 15
    expected = {
        "cordis-101070001 pic-911000001 coordinator": "650000",
        "cordis-101070001 pic-911000002 partner": "450000.5",  # 450000,5
        "cordis-101070002 pic-911000005 third-party": "0",
        "cordis-101070002 pic-911000006 associated-partner": None,  # empty
        "cordis-101080003 pic-911000010 partner": "0",  # an internationalPartner
    }
    for key, eu in expected.items():
        row = partnerships[key]
        assert (row["eu"].value if "eu" in row else None) == eu, key
    assert partnerships["cordis-101070001 pic-911000002 partner"]["eu"].datatype.value == \
        f"{XSD}decimal"
    assert partnerships["cordis-101070002 pic-911000005 third-party"]["cost"].value == "40000"

    # provenance: the source, its licence and the folder's name (not the server's path)
    (graph,) = select(store_copy, """SELECT ?origin ?licence ?name WHERE { GRAPH ?g {
        ?g a smekg:SourceGraph ; dcterms:source ?origin ; dcterms:license ?licence ;
           smekg:sourceName ?name } FILTER(?name = "cordis/horizon-europe") }""")
    assert graph["origin"].value == "horizon-europe"
    assert graph["licence"].value == "https://creativecommons.org/licenses/by/4.0/"
    # the same import again changes nothing; the store is valid
    assert "unchanged" in run("import", "cordis", str(HORIZON), store=store_copy).stdout
    assert run("validate", store=store_copy).returncode == 0


# -- Horizon 2020: the zip as distributed, its CSVs in a sub-folder -----------------------


def test_horizon_2020_zip_in_a_sub_folder(store_copy: Path, tmp_path: Path) -> None:
    archive = tmp_path / "cordis-h2020projects-csv.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in ("project.csv", "organization.csv"):
            zipped.write(H2020 / name, f"csv/{name}")
        zipped.writestr("csv/euroSciVoc.csv", '"projectID";"euroSciVocCode"\n')
    result = run("import", "cordis", str(archive), "--source", "innosup", store=store_copy)
    text = said(result)
    assert "3 projects read; kept 3 projects, 7 organisations, 8 participations" in text
    assert "skipped 1 participation row(s) of projects not in project.csv" in text
    assert "project '999999' is not in project.csv" in text
    assert cordis_sources(store_copy) == ["cordis/innosup"]
    project = facts(store_copy, f"{ID}project/cordis-777001")
    assert one(project, f"{SMEKG}fundedUnder") == f"{ID}programme/horizon-2020"
    assert one(project, f"{SMEKG}topic") == "INNOSUP-01-2016-2017"
    assert one(project, f"{SMEKG}fundingScheme") == "IA"
    assert one(project, f"{SMEKG}totalCost") == "1499812.5"
    # topics separated by ';' in one field
    assert sorted(t.value for t in facts(store_copy, f"{ID}project/cordis-633003")[
        f"{SMEKG}topic"]) == ["EURATOM-Adhoc-2014-20", "NFRP-2014-2015"]
    # Horizon 2020's `partner` is an associated partner
    assert values(store_copy, f"""SELECT ?v WHERE {{
        ?m org:member <{ID}organisation/pic-922000005> ; org:role ?r . ?r skos:notation ?v }}
        """) == ["associated-partner"]
    # one organisation in two projects
    assert values(store_copy, f"""SELECT ?v WHERE {{
        ?m org:member <{ID}organisation/pic-922000002> ; org:organization ?p .
        ?p dcterms:identifier ?v }}""") == ["cordis-777001", "cordis-824002"]
    greek = facts(store_copy, f"{ID}organisation/pic-922000007")
    assert one(greek, f"{SMEKG}country") == f"{ID}country/GR"
    assert one(greek, f"{SCHEMA}vatID") == "EL090145420"
    # an empty SME flag is no flag
    assert f"{SMEKG}isSme" not in facts(store_copy, f"{ID}organisation/pic-922000001")
    (origin,) = values(store_copy, """SELECT ?v WHERE { GRAPH ?g { ?g smekg:sourceName
        "cordis/innosup" ; dcterms:source ?v } }""")
    assert origin == archive.name


# -- filters --------------------------------------------------------------------------------


def _both_programmes(folder: Path) -> Path:
    """One folder holding the projects of both fixtures (as a merged export would)."""
    folder.mkdir()
    for name in ("project.csv", "organization.csv"):
        horizon = (HORIZON / name).read_bytes()
        h2020_rows = (H2020 / name).read_bytes().split(b"\n", 1)[1]
        (folder / name).write_bytes(horizon + h2020_rows)
    return folder


def _kept(store: Path, name: str) -> tuple[list[str], int]:
    """The grant ids of the projects source ``cordis/NAME`` holds, and its organisations."""
    projects = values(store, f"""SELECT ?v WHERE {{ GRAPH ?g {{ ?p a smekg:Project ;
        smekg:grantId ?v }} ?g smekg:sourceName "cordis/{name}" }}""")
    organisations = values(store, f"""SELECT ?v WHERE {{ GRAPH ?g {{ ?o smekg:pic ?v }}
        ?g smekg:sourceName "cordis/{name}" }}""")
    return projects, len(organisations)


@pytest.mark.parametrize(("filters", "projects", "organisations"), [
    (CordisFilters(topics=("HORIZON-EIE-*",)), ["101070001", "101070002"], 7),
    (CordisFilters(funding_schemes=("HORIZON-RIA",)), ["101080003"], 4),
    # a project with a participant in the country, with every participant of it
    (CordisFilters(countries=("NL",)), ["101090004"], 3),
    (CordisFilters(countries=("GR",), programme="HORIZON"), ["101070001", "101070002"], 7),
    (CordisFilters(since=dt.date(2023, 1, 1)), ["101090004", "101090005"], 3),
    (CordisFilters(programme="H2020", countries=("FI",)), ["824002"], 3),
    (CordisFilters(programme="H2020"), ["633003", "777001", "824002"], 7),
], ids=["topics", "scheme", "country", "country-programme", "since", "programme-country",
        "programme"])
def test_filters(store_copy: Path, tmp_path: Path, filters: CordisFilters,
                 projects: list[str], organisations: int) -> None:
    """Each filter, through the load pipeline (in this process: no command start-up)."""
    folder = _both_programmes(tmp_path / "cordis")
    minter = Minter(ID)
    store = GraphStore.open(store_copy)
    try:
        imported = import_cordis(folder, minter, store, filters=filters, name="filtered")
        assert (imported.projects, imported.organisations) == (len(projects), organisations)
        load_sources(store, [imported.source], minter)
    finally:
        store.close()
    assert _kept(store_copy, "filtered") == (sorted(projects), organisations)


def test_filters_on_the_command_line(store_copy: Path, tmp_path: Path) -> None:
    folder = _both_programmes(tmp_path / "cordis")
    result = run("import", "cordis", str(folder), "--topics", "innosup-*", "--topics",
                 "NFRP-*", "--source", "innosup", store=store_copy)
    text = said(result)
    assert "8 projects read; kept 3 projects, 7 organisations, 8 participations" in text
    assert "skipped 5 project(s): no topic matching --topics" in text
    assert _kept(store_copy, "innosup") == (["633003", "777001", "824002"], 7)
    # combined, and EL read as GR
    result = run("import", "cordis", str(folder), "--topics", "HORIZON-*", "--funding-scheme",
                 "horizon-csa", "--country", "EL", "--country", "IT", "--since", "2022-01-01",
                 "--source", "combined", store=store_copy)
    assert "kept 2 projects, 7 organisations, 8 participations" in said(result)
    assert _kept(store_copy, "combined") == (["101070001", "101070002"], 7)
    (title,) = values(store_copy, """SELECT ?v WHERE { GRAPH ?g { ?g smekg:sourceName
        "cordis/combined" ; dcterms:title ?v } }""")
    assert title == ("CORDIS: Horizon Europe projects (--topics HORIZON-* --funding-scheme "
                     "horizon-csa --country GR --country IT --since 2022-01-01)")


# -- errors: non-zero exit, nothing written --------------------------------------------------


def test_errors_write_nothing(store_copy: Path, tmp_path: Path) -> None:
    def refused(path: Path, *arguments: str, code: int = 1, env: dict[str, str] | None = None
                ) -> str:
        result = subprocess.run(
            [SMEKG_COMMAND, "import", "cordis", str(path), *arguments], capture_output=True,
            text=True, timeout=600,
            env={**os.environ, "SMEKG_STORE": str(store_copy), "COLUMNS": "200", **(env or {})})
        assert result.returncode == code, result.stdout + result.stderr
        return said(result)

    # no project.csv
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    shutil.copy(HORIZON / "organization.csv", lonely)
    assert "lonely: no project.csv in it" in refused(lonely)
    # a malformed amount, named by file, row, column and value
    broken = tmp_path / "broken"
    shutil.copytree(HORIZON, broken)
    text = (broken / "project.csv").read_text(encoding="utf-8-sig")
    (broken / "project.csv").write_text(text.replace('"3000000";"3000000"',
                                                     '"3,000,000";"3000000"'), encoding="utf-8")
    message = refused(broken)
    assert "nothing was written" in message
    assert "project.csv, row 4, column 'totalCost': not an amount" in message
    assert "'3,000,000'" in message
    # an unknown role
    (broken / "project.csv").write_text(text, encoding="utf-8")
    rows = (broken / "organization.csv").read_text(encoding="utf-8-sig")
    (broken / "organization.csv").write_text(rows.replace('"thirdParty"', '"sponsor"'),
                                             encoding="utf-8")
    assert "organization.csv, row 7, column 'role': unknown CORDIS role" in refused(broken)
    # a zip of too many members
    crowded = tmp_path / "crowded.zip"
    with zipfile.ZipFile(crowded, "w") as zipped:
        for number in range(MAX_ZIP_MEMBERS + 1):
            zipped.writestr(f"csv/{number}.csv", "")
    assert f"the zip holds {MAX_ZIP_MEMBERS + 1:,} members; the limit is" in refused(crowded)
    # a zip bomb: a member compressed far more than CSV text is
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in ("project.csv", "organization.csv"):
            zipped.write(HORIZON / name, f"csv/{name}")
        zipped.writestr("csv/padding.csv", b"0" * (8 * 1024 * 1024))
    message = refused(bomb)
    assert "member csv/padding.csv is compressed" in message
    assert f"the limit is {MAX_ZIP_RATIO} (a zip bomb?)" in message
    # a zip that uncompresses beyond SMEKG_MAX_INPUT_BYTES
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in ("project.csv", "organization.csv"):
            zipped.write(HORIZON / name, name)
    assert "uncompresses to" in refused(plain, env={"SMEKG_MAX_INPUT_BYTES": "6000"})
    # not a zip, not a folder
    assert "expected a CORDIS zip" in refused(HORIZON / "project.csv")
    # an unknown --programme, country or date: a usage error
    assert "Invalid value" in refused(HORIZON, "--programme", "FP7", code=2)
    assert "not an ISO 3166-1" in refused(HORIZON, "--country", "Atlantis", code=2)
    assert "not a date" in refused(HORIZON, "--since", "2022-13-01", code=2)
    assert cordis_sources(store_copy) == []

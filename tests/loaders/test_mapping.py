"""`smekg load-file FILE --mapping MAPPING.yaml`: tables with their own columns.

The shipped examples (docs/examples/mappings/) are loaded by the real command into a copy
of the seeded store and checked with SPARQL; every mistake a mapping or its data can hold
is checked for its message (the mapping's line; the data file, row, the user's column and
value) and for leaving the store as it was.
"""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.errors import LoadError
from smekg.loaders.mapping import MAX_MAPPING_BYTES, MappingReader, load_mapping
from smekg.loaders.sources import LoadReport, file_sources, load_sources
from tests.helpers import REPO_ROOT
from tests.test_cli import run

BASE = "https://w3id.org/smekg/id/"
EXAMPLES = REPO_ROOT / "docs" / "examples" / "mappings"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
NUTS = "http://data.europa.eu/nuts/code/"
ROLE = "https://w3id.org/smekg/ontology#role-"
TYPE = "https://w3id.org/smekg/ontology#type-"


def org(key: str) -> str:
    return Minter(BASE).organisation(key)


def project(key: str) -> str:
    return Minter(BASE).project(key)


# -- the shipped examples, loaded by the command ------------------------------------------
@pytest.fixture(scope="module")
def examples_dir(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeded store with the three examples loaded by `smekg load-file`."""
    store = tmp_path_factory.mktemp("mapped") / "store"
    shutil.copytree(seeded_store_dir, store)
    for folder, data in (("interreg-partners", "partners.csv"),
                         ("chamber-directory", "chambers.xlsx"),
                         ("network-members-json", "members.json")):
        result = run("load-file", str(EXAMPLES / folder / data), "--mapping",
                     str(EXAMPLES / folder / "mapping.yaml"), store=store)
        assert "1 source(s) written" in result.stdout, result.stderr
    return store


@pytest.fixture(scope="module")
def examples(examples_dir: Path) -> Iterator[GraphStore]:
    store = GraphStore.open(examples_dir, read_only=True)
    yield store
    store.close()


def values(store: GraphStore, subject: str, predicate: str, graph: str) -> set[str]:
    rows = store.select(
        f"SELECT ?o WHERE {{ GRAPH <{BASE}graph/{graph}> {{ <{subject}> {predicate} ?o }} }}")
    return {row["o"].value for row in rows}


def test_interreg_partner_list_gives_organisations_projects_and_partnerships(examples):
    partners = "user/partners"
    rows = examples.select(
        f"SELECT ?o WHERE {{ GRAPH <{BASE}graph/{partners}> {{ ?o a smekg:Organisation }} }}")
    # 13 rows, 10 organisations: three take part in two projects
    assert len(rows) == 10
    agency = org("agenzia-regionale-esempio-per-le-imprese")
    assert values(examples, agency, "skos:prefLabel", partners) == {
        "Agenzia Regionale Esempio per le Imprese"}
    assert values(examples, agency, "skos:altLabel", partners) == {
        "Example Regional Enterprise Agency"}
    assert values(examples, agency, "smekg:sourceRow", partners) == {"2"}  # its first row
    # region names resolved to NUTS codes, Limburg told apart by the row's country
    for key, code in (("agenzia-regionale-esempio-per-le-imprese", "ITH5"),
                      ("provinciaal-voorbeeldbureau-limburg", "NL42"),
                      ("voorbeeld-ontwikkelingsmaatschappij-limburg", "BE22"),
                      ("camera-di-commercio-esempio-di-bologna", "ITH55"),
                      ("esimerkin-maakuntaliitto", "FI1C"),
                      ("universidad-ejemplo-de-cataluna", "ES51")):
        assert values(examples, org(key), "schema:location", partners) == {NUTS + code}, key
    # covers_regions only for the public authorities and support organisations
    assert values(examples, org("provinciaal-voorbeeldbureau-limburg"), "schema:areaServed",
                  partners) == {NUTS + "NL42"}
    assert values(examples, org("universidad-ejemplo-de-cataluna"), "schema:areaServed",
                  partners) == set()
    university_types = values(examples, org("universidad-ejemplo-de-cataluna"),
                              "org:classification", partners)
    assert university_types == {TYPE + "higher-education", TYPE + "research-institute"}
    assert values(examples, agency, "org:classification", partners) == {
        TYPE + "business-support-organisation"}
    assert values(examples, org("beispiel-maschinenbau-gmbh"), "smekg:isSme", partners) == {
        "true"}
    assert values(examples, agency, "smekg:isSme", partners) == set()
    assert values(examples, org("esimerkin-maakuntaliitto"), "smekg:country", partners) == {
        Minter(BASE).country("FI")}

    smexpand = project("smexpand")
    assert values(examples, smexpand, "skos:prefLabel", partners) == {
        "Scaling up SME export readiness through regional support ecosystems"}
    assert values(examples, smexpand, "smekg:policyObjective", partners) == {"PO1", "RSO1.3"}
    assert values(examples, smexpand, "smekg:fundedUnder", partners) == {
        Minter(BASE).programme("interreg-europe")}
    (start,) = examples.select(
        f"SELECT ?d WHERE {{ <{smexpand}> schema:startDate ?d }}")
    assert start["d"] == Literal("2023-03-01", datatype=NamedNode(XSD_DATE))
    (budget,) = examples.select(
        f"SELECT ?b WHERE {{ <{project('innoweave')}> smekg:totalCost ?b }}")
    assert budget["b"] == Literal("1450500.5", datatype=NamedNode(XSD_DECIMAL))

    memberships = examples.select(f"""
        SELECT ?project ?partner ?role ?budget WHERE {{ GRAPH <{BASE}graph/{partners}> {{
            ?m a org:Membership ; org:organization ?project ; org:member ?partner ;
               org:role ?role . OPTIONAL {{ ?m smekg:totalCost ?budget }} }} }}""")
    assert len(memberships) == 13
    by_pair = {(r["project"].value, r["partner"].value): r for r in memberships}
    lead = by_pair[(smexpand, agency)]
    assert lead["role"].value == ROLE + "lead-partner"
    assert lead["budget"] == Literal("420000", datatype=NamedNode(XSD_DECIMAL))
    again = by_pair[(project("digitrans-r"), agency)]
    assert again["role"].value == ROLE + "partner"
    assert again["budget"] == Literal("265250", datatype=NamedNode(XSD_DECIMAL))
    chamber = by_pair[(smexpand, org("camera-di-commercio-esempio-di-bologna"))]
    assert chamber["role"].value == ROLE + "associated-partner" and "budget" not in chamber
    (cents,) = [r for r in memberships if r["project"].value == project("innoweave")
                and r["partner"].value == org("camera-di-commercio-esempio-di-bologna")]
    assert cents["budget"] == Literal("210500.5", datatype=NamedNode(XSD_DECIMAL))

    # a project covers regions through the partners that serve their region
    covered = examples.select(f"""
        SELECT DISTINCT ?region WHERE {{ ?m org:organization <{smexpand}> ; org:member ?p .
                                         ?p schema:areaServed ?region }}""")
    assert {r["region"].value for r in covered} == {NUTS + "ITH5", NUTS + "NL42",
                                                    NUTS + "ITH55"}


def test_chamber_directory_workbook(examples):
    chambers = "user/chambers"
    rows = examples.select(f"""
        SELECT ?id ?row WHERE {{ GRAPH <{BASE}graph/{chambers}> {{
            ?o a smekg:Organisation ; dcterms:identifier ?id ; smekg:sourceRow ?row }} }}""")
    assert {r["id"].value: int(r["row"].value) for r in rows} == {
        "de-bkhi-m": 2, "fr-cecl": 3, "it-ccem": 4, "es-cecv": 5}
    munich = org("de-bkhi-m")
    assert values(examples, munich, "schema:foundingDate", chambers) == {"1950-04-01"}  # date cell
    assert values(examples, org("fr-cecl"), "schema:foundingDate", chambers) == {"1962-06-15"}
    assert values(examples, munich, "schema:location", chambers) == {NUTS + "DE21"}
    assert values(examples, munich, "smekg:statedMemberCount", chambers) == {"5400"}
    services = values(examples, org("fr-cecl"), "smekg:providesService", chambers)
    assert {s.rsplit("#", 1)[-1] for s in services} == {
        "service-internationalisation", "service-partnering", "service-finance"}
    (street,) = values(examples, munich, "locn:address/locn:thoroughfare", chambers)
    assert street == "Beispielstraße 1"
    assert len(values(examples, org("es-cecv"), "cv:sector", chambers)) >= 2
    assert values(examples, org("es-cecv"), "schema:foundingDate", chambers) == set()


def test_network_member_export(examples):
    members = "user/members"
    network = org("eeisn")
    assert {t.rsplit("#", 1)[-1] for t in values(examples, network, "a", members)} >= {
        "Network"}
    rows = examples.select(f"""
        SELECT ?member ?role ?until WHERE {{ GRAPH <{BASE}graph/{members}> {{
            ?m a org:Membership ; org:organization <{network}> ; org:member ?member ;
               org:role ?role . OPTIONAL {{ ?m schema:endDate ?until }} }} }}""")
    roles = {r["member"].value: r["role"].value.removeprefix(ROLE) for r in rows}
    # six items, five members: the repeated one is one organisation and one membership
    assert roles == {org("agencia-exemplo-de-inovacao-do-norte"): "founding-member",
                     org("exempelklustret-vastra-sverige"): "chair",
                     org("przykladowe-biuro-transferu-technologii"): "member",
                     org("exemple-chambre-de-metiers-de-wallonie"): "member",
                     org("univerza-primer-v-mariboru"): "observer"}
    assert [r["until"].value for r in rows if "until" in r] == ["2023-12"]
    # the repeated member's sectors are united (C, J62 and M72, each in both revisions)
    sectors = values(examples, org("agencia-exemplo-de-inovacao-do-norte"), "cv:sector", members)
    assert len(sectors) >= 3
    assert values(examples, org("exempelklustret-vastra-sverige"), "smekg:country",
                  members) == {Minter(BASE).country("SE")}


def test_a_project_covers_the_regions_of_its_partners(examples_dir):
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.queries.service import QueryService

    answer = QueryService(OxigraphBackend(examples_dir), Minter(BASE)).coverage(region="NL42")
    through = {item.code: item.match.kind for item in answer.results}
    assert through.get("smexpand") == "through_members"
    assert through.get("provinciaal-voorbeeldbureau-limburg") == "direct"
    assert "digitrans-r" not in through  # its Limburg partner is the Belgian one


def test_the_documentation_shows_each_example_in_full():
    text = (REPO_ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    for folder in ("interreg-partners", "chamber-directory", "network-members-json"):
        assert (EXAMPLES / folder / "mapping.yaml").read_text(encoding="utf-8") in text
        assert f"--mapping docs/examples/mappings/{folder}/mapping.yaml" in text
        readme = " ".join((EXAMPLES / folder / "README.md").read_text(encoding="utf-8").split())
        assert "FICTIONAL illustrations, not facts" in readme


def test_reloading_an_example_changes_nothing(examples_dir):
    folder = EXAMPLES / "network-members-json"
    result = run("load-file", str(folder / "members.json"), "--mapping",
                 str(folder / "mapping.yaml"), store=examples_dir)
    assert "0 source(s) written" in result.stdout and "unchanged" in result.stdout


# -- mistakes, each checked before anything is written ------------------------------------
PARTNERS_CSV = """\
Project acronym;Project title;Start;Partner name;Partner status;Legal status;Country;\
NUTS region;PIC;Partner budget (EUR)
ALPHA;Alpha project;01/02/2023;Agenzia Uno;Lead partner;Business support organisation;Italy;\
Emilia-Romagna;;100.000,00
ALPHA;Alpha project;01/02/2023;Ente Due;Project partner;Regional public authority;Netherlands;\
Limburg;;50.000,50
BETA;Beta project;01/03/2024;Agenzia Uno;Project partner;Business support organisation;Italy;\
Emilia-Romagna;;20.000,00
"""

MAPPING = """\
mapping: 1
tables:
  organisations:
    columns:
      id: {slug: [Partner name]}
      name: Partner name
      types: {column: Legal status, map: types}
      country: Country
      region: NUTS region
      pic: PIC
  projects:
    columns:
      id: {slug: [Project acronym]}
      name: Project title
      start: {column: Start, date: "%d/%m/%Y"}
  partners:
    columns:
      project: {slug: [Project acronym]}
      partner: {slug: [Partner name]}
      role: {column: Partner status, map: roles}
      budget: {column: Partner budget (EUR), decimal: ","}
maps:
  types:
    Business support organisation: business-support-organisation
    Regional public authority: government-body
  roles:
    Lead partner: lead-partner
    Project partner: partner
"""


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` where ``fragment`` first appears."""
    return text[: text.index(fragment)].count("\n") + 1


@pytest.fixture(scope="module")
def scratch(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[GraphStore]:
    """A writable copy of the seeded store, opened in this process."""
    copy = tmp_path_factory.mktemp("mapping-scratch") / "store"
    shutil.copytree(seeded_store_dir, copy)
    store = GraphStore.open(copy)
    yield store
    store.close()
    gc.collect()


def write(folder: Path, data: str = PARTNERS_CSV, mapping: str = MAPPING,
          name: str = "partners.csv") -> tuple[Path, Path]:
    (folder / name).write_text(data, encoding="utf-8")
    (folder / "m.yaml").write_text(mapping, encoding="utf-8")
    return folder / name, folder / "m.yaml"


def load(store: GraphStore, data: Path, mapping: Path, source: str | None = None,
         ) -> list[LoadReport]:
    minter = Minter(BASE)
    return load_sources(store, file_sources([data], minter, store, mapping=mapping,
                                            source=source), minter)


def refused(store: GraphStore, data: Path, mapping: Path, **options: object) -> str:
    """The message of the load's LoadError (the store is checked unchanged)."""
    before = len(store)
    minter = Minter(BASE)
    with pytest.raises(LoadError) as caught:
        load_sources(store, file_sources([data], minter, store, mapping=mapping,
                                         **options), minter)  # type: ignore[arg-type]
    assert len(store) == before
    assert store.source_record(minter.graph("user/partners")) is None
    return " ".join(str(caught.value).split())


def test_the_base_mapping_loads(scratch, tmp_path):
    data, mapping = write(tmp_path)
    (report,) = load(scratch, data, mapping, source="mapping-base")
    assert report.status == "loaded"
    ids = scratch.select(f"""SELECT ?id WHERE {{ GRAPH <{BASE}graph/user/mapping-base> {{
        ?o a smekg:Organisation ; dcterms:identifier ?id }} }} ORDER BY ?id""")
    assert [r["id"].value for r in ids] == ["agenzia-uno", "ente-due"]


def test_invalid_yaml_names_the_line(scratch, tmp_path):
    text = MAPPING.replace("      name: Project title\n", "      name: [Project title\n")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert f"m.yaml, line {line_of(text, '      start:')}: invalid YAML" in message


def test_unknown_top_level_key(scratch, tmp_path):
    text = MAPPING + "tabels: {}\n"
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, 'tabels')}: unknown top level key: 'tabels' (did you "
            "mean 'tables'?); expected: mapping, read, source, tables, maps") in message


def test_unsupported_version(scratch, tmp_path):
    text = MAPPING.replace("mapping: 1", "mapping: 2")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert "m.yaml, line 1: unsupported mapping version '2'; this smekg reads version 1" \
        in message


def test_unknown_table_kind(scratch, tmp_path):
    text = MAPPING.replace("  projects:", "  project:")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, '  project:')}: unknown table kind: 'project' (did "
            "you mean 'projects'?); expected one of: documents, organisations") in message


def test_unknown_template_column_lists_the_expected_ones(scratch, tmp_path):
    text = MAPPING.replace("      country: Country", "      nation: Country")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, 'nation')}: unknown organisations column: "
            "'nation'; expected:") in message
    assert "expected: id, name, alt_names, types, country, region" in message


def test_a_column_absent_from_the_header(scratch, tmp_path):
    text = MAPPING.replace("      name: Partner name", "      name: Partner nme")
    data, mapping = write(tmp_path, mapping=text)
    message = refused(scratch, data, mapping)
    assert (f"m.yaml, line {line_of(text, 'Partner nme')}: column 'Partner nme' is not in "
            f"{data} (did you mean 'Partner name'?); its columns are: 'Project acronym', "
            "'Project title', 'Start', 'Partner name'") in message


def test_a_map_not_defined(scratch, tmp_path):
    text = MAPPING.replace("map: roles}", "map: role}")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, 'map: role}')}: the map 'role' is not defined under "
            "`maps:` (did you mean 'roles'?); defined maps: types, roles") in message


def test_a_required_column_not_mapped(scratch, tmp_path):
    text = MAPPING.replace("      name: Project title\n", "")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, '  projects:')}: the table 'projects' (projects) "
            "does not map the required column name") in message


def test_bad_spec_keys(scratch, tmp_path):
    text = MAPPING.replace('date: "%d/%m/%Y"}', 'format: "%d/%m/%Y"}').replace(
        "      id: {slug: [Project acronym]}", "      id: {slug: [Project acronym], value: x}")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, 'format')}: unknown key in a column spec: 'format'; "
            "expected: column, map, default, split, date, decimal, when") in message
    assert (f"m.yaml, line {line_of(text, 'value: x')}: the spec of 'id' must have exactly "
            "one of column, value, join, template, slug (it has value, slug)") in message


def test_vocabulary_values_are_checked_with_the_mapping(scratch, tmp_path):
    text = MAPPING.replace("Lead partner: lead-partner", "Lead partner: lead-partnr")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert (f"m.yaml, line {line_of(text, 'lead-partnr')}: 'lead-partnr' is not a value of "
            "'role' (smekg:Roles); expected one of:") in message


def test_anchors_aliases_size_and_nesting_are_refused(scratch, tmp_path):
    text = MAPPING.replace("  types:\n", "  types: &t\n") + "  again: *t\n"
    assert f"m.yaml, line {line_of(text, '&t')}: anchors (&t) are not allowed" in refused(
        scratch, *write(tmp_path, mapping=text))
    deep = "mapping: 1\nread: " + "[" * 12 + "]" * 12 + "\n"
    assert "m.yaml, line 2: the mapping is nested more than 10 levels deep" in refused(
        scratch, *write(tmp_path, mapping=deep))
    big = MAPPING + "#" * MAX_MAPPING_BYTES + "\n"
    assert f"the limit is {MAX_MAPPING_BYTES:,}" in refused(
        scratch, *write(tmp_path, mapping=big))


def test_the_mapping_is_checked_before_the_data_is_read(scratch, tmp_path):
    data, mapping = write(tmp_path, mapping=MAPPING + "extra: 1\n")
    data.write_bytes(b"\xff\xfe not UTF-8 at all")
    message = refused(scratch, data, mapping)
    assert "unknown top level key: 'extra'" in message and "UTF-8" not in message


def test_read_options_that_do_not_apply(scratch, tmp_path):
    text = MAPPING.replace("mapping: 1\n", "mapping: 1\nread:\n  sheet: Partners\n")
    message = refused(scratch, *write(tmp_path, mapping=text))
    assert "m.yaml, line 3: read.sheet applies to XLSX workbooks, not to partners.csv" in message
    json_data = json.dumps({"data": {"rows": []}})
    text = "mapping: 1\nread:\n  records: data.items\n" + MAPPING.removeprefix("mapping: 1\n")
    message = refused(scratch, *write(tmp_path, json_data, text, name="partners.json"))
    assert ("records 'data.items' (read: in mapping " in message
            and "line 3): data has no key 'items' (its keys: 'rows')" in message)


def test_a_value_the_map_does_not_cover(scratch, tmp_path):
    data_text = PARTNERS_CSV.replace("Ente Due;Project partner", "Ente Due;Project Partnr")
    data, mapping = write(tmp_path, data_text)
    message = refused(scratch, data, mapping)
    assert (f"{data}, row 3, column 'Partner status' (mapping {mapping}, line "
            f"{line_of(MAPPING, 'role:')}): 'Project Partnr' is not in the map 'roles' "
            f"(mapping {mapping}, line {line_of(MAPPING, '  roles:')}), which has: "
            "'Lead partner', 'Project partner'; add it to the map") in message


def test_map_keys_ignore_case_and_spaces(scratch, tmp_path):
    data_text = PARTNERS_CSV.replace("Ente Due;Project partner", "Ente Due;PROJECT   partner")
    tables = MappingReader(load_mapping(write(tmp_path, data_text)[1]))(tmp_path /
                                                                         "partners.csv")
    assert [r.values["role"] for r in tables["partners"]] == ["lead-partner", "partner",
                                                              "partner"]


def test_an_unreadable_date_or_amount(scratch, tmp_path):
    data_text = PARTNERS_CSV.replace("BETA;Beta project;01/03/2024", "BETA;Beta project;2024/3/1")
    data_text = data_text.replace("50.000,50", "50,000.50")
    data, mapping = write(tmp_path, data_text)
    message = refused(scratch, data, mapping)
    assert (f"{data}, row 4, column 'Start' (mapping {mapping}, line "
            f"{line_of(MAPPING, 'start:')}): not a date written as '%d/%m/%Y'") in message
    assert "(value '2024/3/1')" in message
    assert (f"{data}, row 3, column 'Partner budget (EUR)' (mapping {mapping}, line "
            f"{line_of(MAPPING, 'budget:')}): not an amount written with ',' before the "
            "cents") in message and "(value '50,000.50')" in message


def test_a_conflict_names_both_rows_the_column_and_both_values(scratch, tmp_path):
    data_text = PARTNERS_CSV.replace("Beta project;01/03/2024;Agenzia Uno;Project partner;"
                                     "Business support organisation;Italy",
                                     "Beta project;01/03/2024;Agenzia Uno;Project partner;"
                                     "Business support organisation;Spain")
    data, mapping = write(tmp_path, data_text)
    message = refused(scratch, data, mapping)
    assert (f"{data}, row 4, column 'Country' (mapping {mapping}, line "
            f"{line_of(MAPPING, 'country:')}): organisation 'agenzia-uno' is in rows 2 and 4 "
            "with two values of 'country': 'Italy' (row 2) and 'Spain' (row 4)") in message
    assert "on_conflict: first" in message


def test_on_conflict_first_keeps_the_first_value_with_a_note(scratch, tmp_path):
    data_text = PARTNERS_CSV.replace("BETA;Beta project;01/03/2024;Agenzia Uno;Project partner;"
                                     "Business support organisation;Italy",
                                     "BETA;Beta project;01/03/2024;Agenzia Uno;Project partner;"
                                     "Business support organisation;Spain")
    text = MAPPING.replace("  organisations:\n", "  organisations:\n    on_conflict: first\n")
    data, mapping = write(tmp_path, data_text, text)
    (report,) = load(scratch, data, mapping, source="mapping-first")
    notes = " ".join(report.notes)
    assert (f"{data}, row 4: organisation 'agenzia-uno': column 'Country' (mapping {mapping}, "
            f"line {line_of(text, 'country:')}) is 'Spain' here but 'Italy' in row 2; kept "
            "'Italy' (on_conflict: first") in notes
    (country,) = scratch.select(f"""SELECT ?c WHERE {{ GRAPH <{BASE}graph/user/mapping-first>
        {{ <{org('agenzia-uno')}> smekg:country ?c }} }}""")
    assert country["c"].value == Minter(BASE).country("IT")


def test_template_checks_name_the_users_column(scratch, tmp_path):
    data_text = PARTNERS_CSV.replace("Netherlands;Limburg;;", "Netherlands;Limburgo;12345;")
    data, mapping = write(tmp_path, data_text)
    message = refused(scratch, data, mapping)
    assert (f"{data}, row 3, column 'NUTS region' (mapping {mapping}, line "
            f"{line_of(MAPPING, 'region:')}): unknown region 'Limburgo'") in message
    assert (f"{data}, row 3, column 'PIC' (mapping {mapping}, line {line_of(MAPPING, 'pic:')}"
            "): a PIC has nine digits (value '12345')") in message


def test_a_workbook_row_is_named_with_its_sheet(scratch, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Read me"
    notes.append(["nothing here"])
    sheet = workbook.create_sheet("Partners")
    for line in PARTNERS_CSV.replace("Ente Due;Project partner", "Ente Due;Partnr").splitlines():
        sheet.append(line.split(";"))
    data = tmp_path / "partners.xlsx"
    workbook.save(data)
    text = MAPPING.replace("mapping: 1\n", "mapping: 1\nread: {sheet: Partners}\n").replace(
        "{column: Partner status, map: roles}", "Partner status")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text, encoding="utf-8")
    message = refused(scratch, data, mapping)
    assert (f"{data} [sheet Partners], row 3, column 'Partner status' (mapping {mapping}, line "
            f"{line_of(text, 'role:')}): unknown value 'Partnr'") in message
    # a sheet the workbook lacks
    mapping.write_text(text.replace("sheet: Partners", "sheet: Partner"), encoding="utf-8")
    message = refused(scratch, data, mapping)
    assert (f"{data}: the workbook has no sheet 'Partner' (read: in mapping {mapping}, line 2); "
            "its sheets: 'Read me', 'Partners'") in message


def test_options_that_do_not_go_with_a_mapping(scratch, tmp_path):
    data, mapping = write(tmp_path)
    assert "--kind does not go with --mapping" in refused(scratch, data, mapping,
                                                          kind="organisations")
    minter = Minter(BASE)
    with pytest.raises(LoadError, match="a mapping reads one table file"):
        file_sources([data, data], minter, scratch, mapping=mapping)


def test_a_changed_mapping_reloads_the_file(scratch, tmp_path):
    data, mapping = write(tmp_path)
    assert load(scratch, data, mapping, source="mapping-reload")[0].status == "loaded"
    assert load(scratch, data, mapping, source="mapping-reload")[0].status == "unchanged"
    mapping.write_text(MAPPING + 'source: "A citation"\n', encoding="utf-8")
    assert load(scratch, data, mapping, source="mapping-reload")[0].status == "replaced"


def test_every_spec_form(tmp_path):
    data = tmp_path / "rows.csv"
    data.write_text(
        "Name|Kind|Land|VAT|Tags|Since|Note\n"
        "Uno|Agency|IT|123|a, b|2020|\n"
        "Uno|Agency|IT|123|b, c||x\n"
        "Due|Other|ES||||\n"
        "Tre|Agency|FR|9||2021|\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("""\
mapping: 1
read: {delimiter: "|"}
tables:
  organisations:
    when: {Kind: [agency, other]}
    columns:
      id: {slug: [Name]}
      name: {join: [Name, Land], separator: " / "}
      types: {column: Kind, map: kinds}
      alt_names: {template: "{Land}-{VAT}"}
      themes: {column: Tags, split: ",", map: tags, default: sme-policy}
      founded: {column: Since, date: "%Y"}
      description: {value: A constant, when: {Note: ""}}
      country: Land
  projects:
    when: {Kind: Agency, Land: FR}
    columns:
      id: {value: p1}
      name: {value: The project}
      objectives: {value: [PO1, RSO1.3]}
maps:
  kinds: {Agency: agency, Other: }
  tags: {a: innovation, b: [digitalisation, innovation], c: entrepreneurship}
""", encoding="utf-8")
    tables = MappingReader(load_mapping(mapping))(data)
    records = {r.values["id"]: r for r in tables["organisations"]}
    assert records["uno"].values == {
        "id": "uno", "name": "Uno / IT", "types": ["agency"], "alt_names": ["IT-123"],
        "themes": ["innovation", "digitalisation", "entrepreneurship"], "founded": "2020",
        "description": "A constant", "country": "IT"}
    assert records["uno"].row == 2
    assert records["due"].values["types"] == []  # the map gives Other no value
    assert records["due"].values["alt_names"] == []  # a template with an empty column
    assert records["due"].values["themes"] == ["sme-policy"]  # the default of an empty cell
    assert [r.values for r in tables["projects"]] == [
        {"id": "p1", "name": "The project", "objectives": ["PO1", "RSO1.3"]}]
    assert tables["projects"][0].row == 5


def test_repeated_links_merge_and_empty_keys_do_not(tmp_path):
    data = tmp_path / "rows.json"
    data.write_text(json.dumps([
        {"org": "A", "p": "X", "role": "lead-partner", "budget": "10"},
        {"org": "A", "p": "X", "role": "lead-partner", "budget": ""},
        {"org": "", "p": "X", "role": "partner", "budget": "1"},
        {"org": "", "p": "X", "role": "partner", "budget": "2"},
        {"org": "B", "p": "X", "role": ["partner", "third-party"], "budget": "3"}]),
        encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("""\
mapping: 1
tables:
  organisations:
    key: org
    columns: {id: {slug: [org]}, name: org}
  partners:
    columns: {project: p, partner: {slug: [org]}, role: role, budget: budget}
""", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        MappingReader(load_mapping(mapping))(data)
    # a JSON array in a column that takes one value
    assert (f"{data}, row 5, column 'role' (mapping {mapping}, line 7): gives 2 values "
            "('partner', 'third-party') but 'role' takes one") in str(caught.value)
    data.write_text(data.read_text().replace('["partner", "third-party"]', '"partner"'))
    tables = MappingReader(load_mapping(mapping))(data)
    assert [(r.row, r.values["id"]) for r in tables["organisations"]] == [
        (1, "a"), (3, ""), (4, ""), (5, "b")]
    assert [(r.row, r.values["budget"]) for r in tables["partners"]] == [
        (1, "10"), (3, "1"), (4, "2"), (5, "3")]


# -- the command: exit 1, nothing written ---------------------------------------------------
def test_the_command_fails_naming_the_mapping_line_and_writes_nothing(store_copy, tmp_path):
    text = MAPPING.replace("      country: Country", "      nation: Country")
    data, mapping = write(tmp_path, mapping=text)
    result = run("load-file", str(data), "--mapping", str(mapping), store=store_copy,
                 check=False)
    message = " ".join(result.stderr.split())
    assert result.returncode == 1
    assert "nothing was written" in message
    assert f"m.yaml, line {line_of(text, 'nation')}: unknown organisations column" in message
    store = GraphStore.open(store_copy, read_only=True)
    assert store.source_record(Minter(BASE).graph("user/partners")) is None
    store.close()


def test_the_command_prints_the_sheet_of_a_data_error(store_copy, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Partners"
    for line in PARTNERS_CSV.replace("Lead partner", "Lead").splitlines():
        sheet.append(line.split(";"))
    data = tmp_path / "partners.xlsx"
    workbook.save(data)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = run("load-file", str(data), "--mapping", str(mapping), store=store_copy,
                 check=False)
    message = " ".join(result.stderr.split())
    assert result.returncode == 1 and "nothing was written" in message
    assert (f"[sheet Partners], row 2, column 'Partner status' (mapping {mapping}, line "
            f"{line_of(MAPPING, 'role:')}): 'Lead' is not in the map 'roles'") in message


@pytest.fixture
def store_copy(seeded_store_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store_dir, copy)
    return copy

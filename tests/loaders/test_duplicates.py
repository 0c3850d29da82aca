"""The same organisation once: identifiers link sources, the duplicates report.

Real stores on disk (copies of the seeded store), organisation tables loaded with
`smekg load-file` as sources of their own, `smekg duplicates` run as a real process.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from smekg.queries.duplicates import name_key, name_score, name_words
from tests.test_cli import run, store_copy  # noqa: F401 (store_copy is a fixture)

ID = "https://w3id.org/smekg/id/organisation/"
GRAPH = "https://w3id.org/smekg/id/graph/"
HEADER = "id,name,country,region,city,pic,vat_number\n"
# A funder's list of participants (as the CORDIS importer names them: pic-<PIC>)...
HORIZON = HEADER + (
    "pic-999999999,Beta Robotics,IT,ITH55,Bologna,999999999,\n"
    "acme,ACME Innovation,IT,ITH55,Bologna,,\n"
    "gamma,Gamma Foods,IT,ITC11,Torino,,\n"
    "evil,=SUM(1+1) Labs,IT,ITH55,Bologna,,\n"
)
# ... and a network's members: some of them the same organisations.
MEMBERS = HEADER + (
    "x,Beta Robotics S.p.A.,IT,ITH55,Bologna,999999999,\n"
    "acme-srl,Acme Innovation S.r.l.,IT,ITH55,Bologna,,\n"
    "gamma-srl,Gamma Foods Srl,IT,ITH55,Bologna,,\n"  # another Gamma Foods: elsewhere
    "evil-srl,=SUM(1+1) Labs S.r.l.,IT,ITH55,,,\n"
    "art,ART-ER,IT,,Bologna,,\n"
    "art-2,ART-ER S.Cons.p.A.,IT,,Bologna,,IT 03786281208\n"
)
LINK = (f"linked <{ID}x> (Beta Robotics S.p.A.) owl:sameAs <{ID}pic-999999999> "
        "(Beta Robotics) in user/horizon-europe: same PIC 999999999")
SAME_AS = "SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s owl:sameAs ?o } } ORDER BY ?g ?s ?o"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_both(store: Path, directory: Path) -> tuple[str, str]:
    """Load the two tables as user/horizon-europe and user/members; their stderr."""
    horizon = write(directory / "horizon" / "organisations.csv", HORIZON)
    members = write(directory / "members" / "organisations.csv", MEMBERS)
    first = run("load-file", str(horizon), "--source", "horizon-europe", store=store)
    second = run("load-file", str(members), "--source", "members", store=store)
    return " ".join(first.stderr.split()), " ".join(second.stderr.split())


def sparql(store: Path, query: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(
        run("sparql", query, "--format", "json", store=store).stdout)
    return rows


def test_names_are_compared_folded_without_legal_forms():
    assert name_key("Acme Innovation S.r.l.") == name_key("ACME Innovation") == "acme innovation"
    assert name_key("ART-ER S.Cons.p.A.") == "art er"
    assert name_words("Università di Bologna") == ["universita", "bologna"]
    assert name_words("The Chamber of Commerce Ltd") == ["chamber", "commerce"]
    assert name_words("Bayern Innovativ GmbH") == name_words("Bayern Innovativ")
    assert name_score("Acme Innovation S.r.l.", "ACME Innovation") == 100
    assert name_score("Acme Innovation", "Gamma Foods") < 50


def test_the_same_pic_links_the_new_source_and_goes_with_it(store_copy, tmp_path):  # noqa: F811
    first, second = load_both(store_copy, tmp_path)
    assert "linked" not in first  # nothing to link to yet
    assert LINK in second
    # the link is in the new source's graph, one way
    assert sparql(store_copy, SAME_AS) == [
        {"g": f"{GRAPH}user/members", "s": f"{ID}x", "o": f"{ID}pic-999999999"}]
    assert run("validate", store=store_copy).returncode == 0  # the shapes allow owl:sameAs
    # loading the other source again (changed) links nothing more: the link is stated
    write(tmp_path / "horizon" / "organisations.csv", HORIZON + "delta,Delta,IT,,,,\n")
    again = run("load-file", str(tmp_path / "horizon" / "organisations.csv"),
                "--source", "horizon-europe", store=store_copy)
    assert "linked" not in again.stderr
    assert len(sparql(store_copy, SAME_AS)) == 1
    # removing the source that states the link removes the link; the other source stays
    run("sources", "remove", "members", store=store_copy)
    assert sparql(store_copy, SAME_AS) == []
    names = {row["name"] for row in json.loads(
        run("sources", "--format", "json", store=store_copy).stdout)}
    assert "user/horizon-europe" in names and "user/members" not in names


def test_sources_of_one_load_are_linked_too(store_copy, tmp_path):  # noqa: F811
    horizon = write(tmp_path / "horizon-europe.csv", HORIZON)
    members = write(tmp_path / "members.csv", MEMBERS)
    result = run("load-file", str(horizon), str(members), "--kind", "organisations",
                 store=store_copy)
    assert LINK in " ".join(result.stderr.split())
    assert sparql(store_copy, SAME_AS) == [
        {"g": f"{GRAPH}user/members", "s": f"{ID}x", "o": f"{ID}pic-999999999"}]


@pytest.mark.parametrize(("rows", "identifier"), [
    ("d1,One,IT,,,111111111,\nd2,Two,IT,,,111111111,\n", "PIC '111111111'"),
    ("d1,One,IT,,,,IT01234567890\nd2,Two,IT,,,,it 0123 4567 890\n",
     "VAT number 'IT01234567890'"),
])
def test_one_identifier_twice_in_one_source_is_an_error(store_copy, tmp_path, rows,  # noqa: F811
                                                       identifier):
    path = write(tmp_path / "organisations.csv", HEADER + rows)
    result = run("load-file", str(path), "--source", "twice", store=store_copy, check=False)
    message = " ".join(result.stderr.split())
    assert result.returncode == 1 and "nothing was written" in message
    assert f"organisations 'd1' and 'd2' have the same {identifier} in this one source" \
        in message
    assert "row 3" in message  # the second row (the header is row 1)
    names = {row["name"] for row in json.loads(
        run("sources", "--format", "json", store=store_copy).stdout)}
    assert "user/twice" not in names


def test_duplicates_lists_links_and_likely_pairs(store_copy, tmp_path):  # noqa: F811
    load_both(store_copy, tmp_path)
    answer = json.loads(run("duplicates", "--format", "json", store=store_copy).stdout)
    pairs = {(p["kind"], p["a"]["iri"], p["b"]["iri"]): p for p in answer["results"]}
    assert answer["count"] == len(answer["results"]) == len(pairs)
    # the link by the shared PIC, first; listed once (not again as a likely pair)
    linked = answer["results"][0]
    assert (linked["kind"], linked["a"]["iri"], linked["b"]["iri"]) == (
        "identifier", f"{ID}pic-999999999", f"{ID}x")
    assert linked["identifier"] == "PIC 999999999" and linked["linked_by"] == ["user/members"]
    assert linked["score"] == 1.0
    assert linked["a"]["sources"] == ["user/horizon-europe"]
    assert linked["b"]["sources"] == ["user/members"]
    assert sum(p["a"]["iri"] == f"{ID}pic-999999999" and p["b"]["iri"] == f"{ID}x"
               for p in answer["results"]) == 1
    # a likely duplicate by name and place, with its score and the reason in words
    acme = pairs[("likely", f"{ID}acme", f"{ID}acme-srl")]
    assert acme["score"] == 1.0
    assert acme["reason"] == ("names 'ACME Innovation' and 'Acme Innovation S.r.l.' are "
                              "100% alike; both in ITH55 Bologna")
    assert acme["a"]["location"] == acme["b"]["location"] == "ITH55"
    # lacking a region: the same country and city
    art = pairs[("likely", f"{ID}art", f"{ID}art-2")]
    assert art["reason"].endswith("both in Bologna (IT)")
    # alike names in different places are not a pair
    assert not any({p["a"]["iri"], p["b"]["iri"]} == {f"{ID}gamma", f"{ID}gamma-srl"}
                   for p in answer["results"])
    assert {key[0] for key in pairs} == {"identifier", "likely"}
    # the filters
    italy = json.loads(run("duplicates", "--format", "json", "--country", "Italy",
                           "--limit", "1", store=store_copy).stdout)
    assert italy["count"] == answer["count"] and len(italy["results"]) == 1
    assert italy["country"] == "IT"
    france = json.loads(run("duplicates", "--format", "json", "--country", "FR",
                            store=store_copy).stdout)
    assert france["count"] == 0
    unknown = run("duplicates", "--country", "Atlantis", store=store_copy, check=False)
    assert unknown.returncode == 2 and "unknown country" in unknown.stderr
    table = run("duplicates", store=store_copy).stdout
    assert "likely" in table and "identifier" in table and "nothing is merged" in table


def test_duplicates_csv_is_safe_for_spreadsheets(store_copy, tmp_path):  # noqa: F811
    load_both(store_copy, tmp_path)
    text = run("duplicates", "--format", "csv", "--min-score", "0.9", store=store_copy).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:6] == ["kind", "score", "reason", "identifier", "linked_by", "a.iri"]
    assert {"a.label", "a.location", "a.sources", "b.iri", "b.label", "b.city"} <= set(rows[0])
    evil = [row for row in rows if row["a.iri"] == f"{ID}evil"]
    assert len(evil) == 1
    # a name that starts with '=' is text in a spreadsheet, never a formula
    assert evil[0]["a.label"] == "'=SUM(1+1) Labs"
    assert evil[0]["b.label"] == "'=SUM(1+1) Labs S.r.l."
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row.values())


class _Rows:
    """A backend answering the report's queries from rows in memory."""

    def __init__(self, organisations: list[tuple[str, str, str]]) -> None:
        from smekg.core.backends import Iri

        nuts = "http://data.europa.eu/nuts/code/"
        self.rows: dict[str, list[dict]] = {
            "organisation_sources": [{"organisation": Iri(ID + key), "source": Iri(GRAPH + "g")}
                                     for key, _, _ in organisations],
            "organisation_facts": [
                *({"entity": Iri(ID + key), "kind": "name", "value": name}
                  for key, name, _ in organisations),
                *({"entity": Iri(ID + key), "kind": "location", "value": Iri(nuts + code)}
                  for key, _, code in organisations)],
            "organisation_places": [{"place": Iri(nuts + code), "code": code}
                                    for code in {code for _, _, code in organisations}],
            "same_as": [],
        }

    def select(self, query, params):
        return self.rows[query.name]


def test_organisations_are_compared_in_blocks_not_all_pairs():
    import random
    import time

    from smekg.core.iri import Minter
    from smekg.queries.duplicates import find_duplicates

    rng = random.Random(7)
    syllables = ["ra", "to", "mi", "ko", "ve", "lu", "sa", "pe", "no", "ga", "tri", "flo"]
    words = ["Innovation", "Foods", "Robotics", "Consulting", "Energy", "Design", "Labs"]
    regions = [f"ITH{n}{m}" for n in range(1, 6) for m in range(1, 6)]
    organisations = [(f"o{i}", "".join(rng.choice(syllables) for _ in range(4)).title()
                      + f" {rng.choice(words)}", rng.choice(regions)) for i in range(20_000)]
    planted = {frozenset((f"o{i}", f"d{i}")) for i in range(0, 20_000, 400)}
    organisations += [(f"d{i}", f"{organisations[i][1].upper()} S.r.l.", organisations[i][2])
                      for i in range(0, 20_000, 400)]
    # the same names elsewhere (another NUTS-2 region): not duplicates
    organisations += [(f"e{i}", organisations[i][1], "ITC11") for i in range(200, 20_000, 400)]
    started = time.perf_counter()
    report = find_duplicates(_Rows(organisations), Minter("https://w3id.org/smekg/id/"),
                             min_score=1.0)
    seconds = time.perf_counter() - started
    found = {frozenset((p.a.iri.rsplit("/", 1)[-1], p.b.iri.rsplit("/", 1)[-1]))
             for p in report.pairs}
    assert planted <= found
    assert not any(key.startswith("e") for pair in found for key in pair)
    assert report.organisations == 20_100
    assert seconds < 30, seconds  # all pairs (2e8) would take minutes

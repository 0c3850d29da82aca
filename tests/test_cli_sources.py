"""Sources the user names: `smekg load-file --source/--replace`, `smekg sources`, conflicts.

Run as a real process against a real store on disk (a copy of the seeded store).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.test_cli import run, store_copy  # noqa: F401 (store_copy is a fixture)

ACME = "id,name,types,country\nacme1,Acme One,network,IT\nacme2,Acme Two,,IT\n"
BETA = "id,name,country\nbeta1,Beta One,FR\nbeta2,Beta Two,FR\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _names(store: Path) -> list[str]:
    return [row["name"] for row in json.loads(run("sources", "--format", "json",
                                                  store=store).stdout)]


def test_two_files_of_the_same_name_never_collide_silently(store_copy, tmp_path):  # noqa: F811
    a1 = _write(tmp_path / "a1" / "organisations.csv", ACME)
    a2 = _write(tmp_path / "a2" / "organisations.csv", BETA)
    members = _write(tmp_path / "memberships.csv", "network,member\nacme1,acme2\n")
    run("load-file", str(a1), str(members), store=store_copy)
    refused = run("load-file", str(a2), store=store_copy, check=False)
    assert refused.returncode == 1
    message = " ".join(refused.stderr.split())
    assert "nothing was written" in message
    assert f"loading {a2} would replace it" in message
    assert "already holds organisations.csv (another file" in message
    assert "--source NAME" in message and "--replace" in message
    # The first file's organisations are all still there and valid.
    assert run("validate", store=store_copy).returncode == 0
    query = "SELECT ?id WHERE { GRAPH ?g { ?o dcterms:identifier ?id ; skos:prefLabel ?n } " \
            "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/smekg/id/graph/user/')) } ORDER BY ?id"
    ids = [r["id"] for r in json.loads(run("sparql", query, "--format", "json",
                                           store=store_copy).stdout)]
    assert ids == ["acme1", "acme2"]
    # Named, the second file is a source of its own beside the first.
    run("load-file", str(a2), "--source", "beta", store=store_copy)
    ids = [r["id"] for r in json.loads(run("sparql", query, "--format", "json",
                                           store=store_copy).stdout)]
    assert ids == ["acme1", "acme2", "beta1", "beta2"]
    assert {"user/organisations", "user/beta", "user/memberships"} <= set(_names(store_copy))


def test_replace_says_which_references_it_leaves_dangling(store_copy, tmp_path):  # noqa: F811
    a1 = _write(tmp_path / "a1" / "organisations.csv", ACME)
    a2 = _write(tmp_path / "a2" / "organisations.csv", BETA)
    members = _write(tmp_path / "memberships.csv", "network,member\nacme1,acme2\n")
    run("load-file", str(a1), str(members), store=store_copy)
    result = run("load-file", str(a2), "--replace", store=store_copy)
    warning = " ".join(result.stderr.split())
    assert "warning: user/organisations: 2 entities other sources refer to are no longer " \
           "defined by user/organisations" in warning
    assert "organisation/acme1" in warning and "organisation/acme2" in warning


def test_sources_lists_every_source_with_its_provenance(store_copy, tmp_path):  # noqa: F811
    path = _write(tmp_path / "deep" / "private" / "members.csv", ACME.replace(",network", ","))
    run("load-file", str(path), "--kind", "organisations", "--source", "my-members",
        store=store_copy)
    listed = json.loads(run("sources", "--format", "json", store=store_copy).stdout)
    by_name = {row["name"]: row for row in listed}
    assert set(by_name) >= {"ontology", "reference/countries", "seed/organisations",
                            "user/my-members"}
    mine = by_name["user/my-members"]
    assert mine["file"] == "members.csv"  # the file's name, not the server's directories
    assert len(mine["sha256"]) == 64 and mine["triples"] > 0
    assert mine["loaded_at"].startswith("20") and mine["loader_version"].startswith("smekg-")
    assert "private" not in json.dumps(listed)
    rows = list(csv.reader(io.StringIO(run("sources", "--format", "csv",
                                           store=store_copy).stdout)))
    assert rows[0] == ["name", "file", "sha256", "triples", "loaded_at", "loader_version"]
    assert len(rows) == len(listed) + 1
    table = run("sources", store=store_copy).stdout
    assert "user/my-members" in table and "seed/memberships" in table


def test_sources_remove_refuses_while_referred_to_unless_forced(store_copy, tmp_path):  # noqa: F811
    a1 = _write(tmp_path / "organisations.csv", ACME)
    members = _write(tmp_path / "memberships.csv", "network,member\nacme1,acme2\n")
    run("load-file", str(a1), str(members), store=store_copy)
    refused = run("sources", "remove", "organisations", store=store_copy, check=False)
    assert refused.returncode == 1
    message = " ".join(refused.stderr.split())
    assert "nothing was removed" in message
    assert "user/memberships refers to <https://w3id.org/smekg/id/organisation/acme1> " \
           "(Acme One) and 1 more" in message
    assert "user/organisations" in _names(store_copy)
    unknown = run("sources", "remove", "nowhere", store=store_copy, check=False)
    assert unknown.returncode == 1 and "no source named 'nowhere'" in unknown.stderr
    forced = run("sources", "remove", "organisations", "--force", store=store_copy)
    assert "removed user/organisations" in forced.stdout
    assert "left dangling" in forced.stderr
    assert "user/organisations" not in _names(store_copy)
    # A seed source the others lean on is refused the same way.
    seed = run("sources", "remove", "seed/organisations", store=store_copy, check=False)
    assert seed.returncode == 1 and "seed/memberships refers to" in " ".join(seed.stderr.split())


def test_conflicting_names_across_files_are_warned_with_both(store_copy, tmp_path):  # noqa: F811
    for i, name in enumerate(("Acme One", "Acme Uno", "Acme Eins")):
        path = _write(tmp_path / f"f{i}" / "organisations.csv",
                      f"id,name,types\nacme1,{name},network\n")
        result = run("load-file", str(path), "--source", f"f{i}", store=store_copy)
    warning = " ".join(result.stderr.split())
    assert "1 fact(s) differ between user/f2 and user/f0" in warning
    assert "skos:prefLabel: 'Acme Eins' in user/f2, 'Acme One' in user/f0" in warning
    assert "'Acme Eins' in user/f2, 'Acme Uno' in user/f1" in warning
    validated = run("validate", store=store_copy)
    assert "3 fact(s) differ" not in validated.stderr  # one line per pair of sources
    assert validated.stderr.count("fact(s) differ between") == 3


def test_contradictions_inside_one_source_are_errors(store_copy, tmp_path):  # noqa: F811
    size = json.loads(run("stats", "--format", "json", store=store_copy).stdout)["quads"]
    wrong_region = _write(tmp_path / "organisations.csv",
                          "id,name,country,region\nok,Fine,IT,ITH55\nbad,Wrong,FR,ITH55\n")
    result = run("load-file", str(wrong_region), store=store_copy, check=False)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert f"{wrong_region}, row 3, column 'region': region 'ITH55' lies in IT, not in the " \
           "row's country 'FR' (FR)" in message
    twice = _write(tmp_path / "two.ttl",
                   "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                   "<https://w3id.org/smekg/id/organisation/x> skos:prefLabel 'A'@en, 'B'@en .\n")
    result = run("load-file", str(twice), store=store_copy, check=False)
    assert result.returncode == 1
    assert "has two values of <http://www.w3.org/2004/02/skos/core#prefLabel> in this one " \
           "source: 'A' and 'B'" in " ".join(result.stderr.split())
    assert json.loads(run("stats", "--format", "json", store=store_copy).stdout)["quads"] == size


def test_source_names_are_checked(store_copy, tmp_path):  # noqa: F811
    one = _write(tmp_path / "organisations.csv", ACME)
    two = _write(tmp_path / "more" / "organisations.csv", BETA)
    bad = run("load-file", str(one), "--source", "../etc", store=store_copy, check=False)
    assert bad.returncode == 1 and "source name '../etc' must start" in bad.stderr
    many = run("load-file", str(one), str(two), "--source", "x", store=store_copy, check=False)
    assert many.returncode == 1 and "--source names one source, but 2 files" in many.stderr
    same = run("load-file", str(one), str(two), store=store_copy, check=False)
    assert same.returncode == 1
    assert "2 files of this load would be the one source 'user/organisations'" in same.stderr

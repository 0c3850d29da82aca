"""`smekg generate`: synthetic data that are deterministic, realistic in shape and loadable."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pycountry
import pytest

from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.generate import (
    EU_COUNTRIES,
    FILES,
    NETWORK_SHARE,
    NO_SECTOR_SHARE,
    GenerationSummary,
    generate,
    source_id,
)
from smekg.loaders.sources import file_sources, load_sources
from smekg.reference.regions import bundled_nuts_codes
from smekg.reference.resolve import concept_notations
from smekg.reference.sectors import nace21_codes

SMEKG = str(Path(sys.executable).with_name("smekg"))
AREAS = {"world", "Europe", "Africa", "Asia", "Americas", "Oceania"}
ROLES = {"member", "chair", "secretariat", "founding-member", "observer", "coordinator"}


def read(out: Path, name: str) -> list[dict[str, str]]:
    with (out / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


@cache
def nuts() -> frozenset[str]:
    return frozenset(bundled_nuts_codes())


@cache
def nace() -> frozenset[str]:
    return frozenset(item.code for item in nace21_codes())


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def is_region(code: str) -> bool:
    """A real region: NUTS 2024 (levels 1-3), ISO 3166-2, ISO 3166-1, a continent, world."""
    if code in AREAS or code in nuts():
        return True
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None
    return len(code) == 2 and is_country(code)


@pytest.fixture(scope="module")
def ten_k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("generated") / "10k"
    return out, generate(out, 10_000, seed=42)


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_another_seed_other_bytes(tmp_path: Path):
    first = generate(tmp_path / "a", 2_000, seed=7)
    generate(tmp_path / "b", 2_000, seed=7)
    generate(tmp_path / "c", 2_000, seed=8)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(FILES)
    for name in FILES:
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert a == b, name
        assert first.bytes[name] == len(a)
    for name in ("organisations.csv", "memberships.csv", "programmes.csv", "policies.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()


def test_too_few_organisations_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="at least 10"):
        generate(tmp_path, 9)


# -- real codes, synthetic names ---------------------------------------------------------------


def test_every_code_is_real(ten_k):
    out, _ = ten_k
    types = set(concept_notations("OrganisationTypes"))
    themes = set(concept_notations("Themes"))
    services = set(concept_notations("ServiceTypes"))
    # the roles of a network's members; the others are a project partner's
    assert set(concept_notations("Roles")) - ROLES == {
        "lead-partner", "partner", "associated-partner", "third-party"}
    levels: Counter[int] = Counter()
    for name in ("organisations.csv", "programmes.csv", "policies.csv"):
        for row in read(out, name):
            assert row["name"].startswith("Synthetic "), row
            assert row["source"] == source_id(10_000, 42)
            if row.get("country"):
                assert is_country(row["country"]), row["country"]
            if row.get("region"):
                assert is_region(row["region"]) and row["region"] not in AREAS, row["region"]
            for code in split(row["covers_regions"]):
                assert is_region(code), (name, row["id"], code)
            for code in split(row["covers_sectors"]):
                assert code in nace(), (name, row["id"], code)
                levels[len(code) if code[0].isdigit() else 1] += 1
            assert set(split(row["themes"])) <= themes
            assert set(split(row.get("services", ""))) <= services
            assert set(split(row.get("types", ""))) <= types
    # sections (C), divisions (25), groups (25.1) and classes (25.11) all occur
    assert set(levels) == {1, 2, 4, 5}
    for row in read(out, "memberships.csv"):
        assert row["role"] in ROLES
        assert row["source"] == source_id(10_000, 42)
        if row["member_kind"] == "country":
            assert is_country(row["member"]), row["member"]
        for column in ("since", "until"):
            assert not row[column] or 1850 <= int(row[column]) <= 2025
        if row["since"] and row["until"]:
            assert int(row["since"]) < int(row["until"])


# -- networks of networks ----------------------------------------------------------------------


def test_networks_of_networks_are_deep_and_acyclic(ten_k):
    out, summary = ten_k
    organisations = read(out, "organisations.csv")
    networks = {row["id"] for row in organisations if "network" in split(row["types"])}
    members: dict[str, list[str]] = {n: [] for n in networks}
    pairs = set()
    for row in read(out, "memberships.csv"):
        assert row["network"] in networks
        assert row["member"] != row["network"]
        pair = (row["network"], row["member"])
        assert pair not in pairs, pair  # one membership IRI per (network, member, role)
        pairs.add(pair)
        members[row["network"]].append(row["member"])
    assert all(len(m) >= 2 for m in members.values())

    depth: dict[str, int] = {}
    visiting: set[str] = set()

    def depth_of(network: str) -> int:
        if network in depth:
            return depth[network]
        assert network not in visiting, f"membership cycle through {network}"
        visiting.add(network)
        below = [depth_of(m) for m in members[network] if m in networks]
        visiting.discard(network)
        depth[network] = 1 + max(below, default=0)
        return depth[network]

    deepest = max(depth_of(n) for n in sorted(networks))
    assert deepest >= 4
    assert deepest == summary.network_depth == summary.tiers
    assert summary.networks == len(networks)
    # networks with networks among their members, and countries as members
    assert sum(any(m in networks for m in ms) for ms in members.values()) > 0.2 * len(networks)
    assert summary.country_memberships > 0


# -- shape -------------------------------------------------------------------------------------


def test_proportions_are_as_designed(ten_k):
    out, summary = ten_k
    organisations = read(out, "organisations.csv")
    n = len(organisations)
    assert n == 10_000 == summary.rows["organisations.csv"]
    types = Counter(split(row["types"])[0] for row in organisations)
    assert types["network"] == round(n * NETWORK_SHARE)
    assert len(types) == 10  # every organisation type of the ontology occurs
    no_sector = sum(not row["covers_sectors"] for row in organisations) / n
    assert abs(no_sector - NO_SECTOR_SHARE) < 0.03
    # EU heavy, Zipf-like: Germany first, far ahead of the median country
    countries = Counter(row["country"] for row in organisations if row["country"])
    eu = sum(count for code, count in countries.items() if code in EU_COUNTRIES)
    assert 0.6 < eu / sum(countries.values()) < 0.8
    ranked = countries.most_common()
    assert ranked[0][0] == "DE" and ranked[0][1] > 10 * ranked[len(ranked) // 2][1]
    # popular sections much more frequent than rare ones
    sectors = Counter(c for row in organisations for c in split(row["covers_sectors"]))
    assert sectors["C"] > 5 * sectors["B"] > 0
    # local bodies in NUTS-3, regional ones in NUTS-2, international ones cover areas
    region_lengths = Counter(len(row["region"]) for row in organisations if row["region"] in nuts())
    assert region_lengths[5] > 0.15 * n and region_lengths[4] > 0.15 * n
    international = [r for r in organisations if r["types"].startswith("international-org")]
    assert international and all(
        all(c in AREAS or len(c) == 2 for c in split(r["covers_regions"])) for r in international
    )
    assert sum(bool(AREAS & set(split(r["covers_regions"]))) for r in international) > 0.5 * len(
        international
    )
    # programmes ~1 per 10 organisations, all kinds, some implementing policies
    programmes = read(out, "programmes.csv")
    assert len(programmes) == 1_000
    assert {row["kind"] for row in programmes} == {"programme", "project", "good_practice"}
    assert sum(bool(row["policies"]) for row in programmes) > 0.2 * len(programmes)
    assert any(row["featured_in"] for row in programmes)
    assert len(read(out, "policies.csv")) == 100
    roles = Counter(row["role"] for row in read(out, "memberships.csv"))
    assert set(roles) == ROLES and roles.most_common(1)[0][0] == "member"
    memberships = summary.rows["memberships.csv"]
    assert 0.8 * n < memberships < 2 * n


# -- loading -----------------------------------------------------------------------------------


def count(store: GraphStore, pattern: str) -> int:
    rows = store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")
    return int(rows[0]["n"].value)


def test_generated_files_load_through_the_real_loaders(
    reference_store: GraphStore, minter: Minter, tmp_path: Path
):
    summary = generate(tmp_path / "data", 300, seed=3)
    paths = [tmp_path / "data" / name for name in FILES]
    reports = load_sources(reference_store, file_sources(paths, minter, reference_store), minter)
    assert {r.status for r in reports} == {"loaded"}
    assert count(reference_store, "?x a smekg:Organisation") == 300
    assert count(reference_store, "?x a smekg:Network") == summary.networks
    assert count(reference_store, "?x a org:Membership") == summary.rows["memberships.csv"]
    assert count(reference_store, "?x a org:Membership ; org:member/a smekg:Country") == (
        summary.country_memberships
    )
    programmes = "{ ?x a smekg:Programme } UNION { ?x a smekg:GoodPractice }"
    assert count(reference_store, programmes) == summary.rows["programmes.csv"]
    # every organisation cites the synthetic source document
    assert count(reference_store, "?x a smekg:Organisation ; dcterms:source/a smekg:SourceDocument")
    assert (
        count(reference_store, "?x a smekg:Organisation ; dcterms:source/dcterms:identifier ?id")
        == 300
    )


# -- command line ------------------------------------------------------------------------------


def test_smekg_generate_command(tmp_path: Path):
    env = {**os.environ, "COLUMNS": "200", "SMEKG_STORE": str(tmp_path / "unused")}
    out = tmp_path / "data"
    result = subprocess.run(
        [SMEKG, "generate", "--orgs", "500", "--seed", "5", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "organisations.csv" in result.stdout and "500" in result.stdout
    assert "network depth" in result.stdout
    generate(tmp_path / "again", 500, seed=5)
    for name in FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    refused = subprocess.run(
        [SMEKG, "generate", "--orgs", "3", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert refused.returncode == 2 and "at least 10" in refused.stderr

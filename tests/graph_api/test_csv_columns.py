"""Each CSV route answers with a fixed, documented list of columns, over real HTTP.

Two queries per route, one where optional values are present and one where they are
absent (or another kind of result), must give the same header, and that header must be the
one the README lists for the route (section "CSV columns").
"""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from tests.helpers import REPO_ROOT, route_url

# Two different queries of every CSV route (path parameters inline).
PAIRS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # a sector named and a member chain, or neither
    "/coverage": ({"region": "ITH55", "sector": "C25"}, {"region": "GB-KEN", "type": "network"}),
    "/organisations": ({"country": "IT"}, {"type": "network"}),
    "/organisations/{key}/memberships": ({"key": "IT"}, {"key": "ipi"}),
    "/networks": ({}, {"offset": "1"}),
    "/networks/{key}/members": ({"key": "insme-steering-group", "transitive": "true"},
                                {"key": "insme-steering-group", "limit": "1"}),
    "/countries": ({"limit": "1"}, {"offset": "100", "limit": "3"}),
    "/regions": ({"within": "ITH", "level": "nuts2"}, {"level": "country", "limit": "3"}),
    "/regions/{code}/organisations": ({"code": "IT"}, {"code": "ES1"}),
    "/regions/compare": ({"a": "ITH5", "b": "GB-KEN"}, {"a": "ITH55", "b": "FR1", "sector": "C"}),
    "/sectors": ({"within": "C", "level": "division"}, {"level": "section", "limit": "2"}),
    "/programmes": ({"region": "ITH55"}, {"theme": "internationalisation"}),
    "/projects": ({}, {"limit": "1", "programme": ""}),
    "/projects/{key}": ({"key": "senet"}, {"key": "SENET"}),
    "/organisations/{key}/projects": ({"key": "insme"}, {"key": "ipi"}),
    "/good-practices": ({"region": "GB"}, {}),
    "/policies": ({}, {"offset": "1"}),
    "/policies/{key}/lineage": ({"key": "bologna-charter"},
                                {"key": "interreg-internationalisation-brief"}),
    "/search": ({"q": "emilia"}, {"q": "Emlia-Romagna"}),  # the second: a fuzzy match
    "/entities": ({"iri": "insme"}, {"iri": "ITH55"}),
    "/entities/{key}": ({"key": "insme"}, {"key": "C25"}),
    "/gaps": ({"scope": "IT", "type": "good-practice"},
              {"scope": "ES", "type": "programme", "sector": "C"}),
    "/analytics/centrality": ({}, {"network": "insme-steering-group", "limit": "3"}),
    "/analytics/brokers": ({}, {"by": "country", "limit": "1"}),
    "/analytics/communities": ({}, {"resolution": "3", "limit": "2"}),
    "/analytics/reach": ({"network": "insme-steering-group"},
                         {"network": "insme-steering-group", "depth": "1"}),
    "/analytics/paths": ({"from": "ipi", "to": "oecd"}, {"from": "ipi", "to": "insme"}),
    "/analytics/gaps": ({"scope": "IT"}, {"scope": "FR", "type": "good-practice"}),
    "/analytics/compare": ({"a": "ITH5", "b": "FR1"}, {"a": "ITH55", "b": "GB-KEN",
                                                        "sector": "C"}),
    "/duplicates": ({}, {"country": "IT", "min_score": "0.5"}),
}
# CSV routes the seed data has no rows for, and why: their header is checked all the same.
HEADER_ONLY = {
    "/projects/{key}": "the seed's one project (SENET) has no partners; "
                       "tests/graph_api/test_projects.py reads the rows on data with some",
    "/organisations/{key}/projects": "no organisation of the seed takes part in a project",
    "/duplicates": "the seed has no two organisations alike; tests/graph_api/"
                   "test_duplicates_api.py reads the rows on data with some",
}
# CSV routes whose columns are not one fixed list, and why.
VARIABLE = {
    "/analytics/export": "graph exports for Gephi and pandas: fixed first columns, then every "
                         "node or edge attribute present (documented in analytics.md)",
}


def documented() -> dict[str, list[str]]:
    """The columns the README lists per route: ``| `/route` | `a`, `b`, ... |``."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### CSV columns", 1)[1].split("\n## ", 1)[0]
    columns = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`(/[^`]*)`[^|]*\|(.*)\|\s*$", line)
        if match:
            columns[match[1]] = re.findall(r"`([^`]+)`", match[2])
    return columns


def _header(client: httpx.Client, route: str, params: dict[str, str]) -> list[str]:
    url, query = route_url(route, params)
    response = client.get(url, params={**query, "format": "csv"})
    assert response.status_code == 200, (route, params, response.text)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # a header and at least one row
    assert len(rows) >= (1 if route in HEADER_ONLY else 2), (route, params, rows)
    assert all(len(row) == len(rows[0]) for row in rows), (route, params)
    return rows[0]


def test_every_csv_route_is_in_the_table(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    csv_routes = set()
    for path, operations in spec["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["name"] != "format" or path.startswith("/sparql"):
                continue
            schema = parameter["schema"]
            choices = schema.get("enum") or [v for option in schema.get("anyOf", [])
                                             for v in option.get("enum", [])]
            if any(choice.endswith("csv") for choice in choices):
                csv_routes.add(path)
    assert csv_routes == set(PAIRS) | set(VARIABLE)
    assert set(documented()) == set(PAIRS)


@pytest.mark.parametrize("route", sorted(PAIRS))
def test_csv_columns_are_fixed_and_documented(client: httpx.Client, route: str) -> None:
    one, other = (_header(client, route, params) for params in PAIRS[route])
    assert one == other, route
    assert one == documented()[route], route


def test_coverage_columns_do_not_depend_on_the_results(client: httpx.Client) -> None:
    # the issue: match.sector.* appeared only when a result named a sector, and
    # match.member_chain.iri only when some result had a member chain
    with_sector = _header(client, "/coverage", {"region": "ITH55", "sector": "C25"})
    without = _header(client, "/coverage", {"region": "ITH55", "type": "good-practice"})
    assert with_sector == without
    assert {"match.sector.code", "match.member_chain", "match.member_chain.iri"} <= set(without)

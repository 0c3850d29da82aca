"""Every list the REST API answers is paged the same way, route by route, over real HTTP.

The contract (docs/querying.md, "Paging"): ``limit`` (1 to MAX_LIMIT), ``offset`` (0 or
more), and the answer says ``count`` (the total in all pages), ``limit``, ``offset`` and
``results`` in a stable, documented order, so that pages never overlap nor leave gaps.
"""

from __future__ import annotations

import httpx
import pytest

from smekg.queries.service import MAX_LIMIT
from tests.helpers import route_url

# Every list route, with parameters giving at least two results (path parameters inline).
LIST_ROUTES: dict[str, dict[str, str]] = {
    "/coverage": {"region": "GB-KEN"},
    "/organisations": {"country": "IT"},
    "/organisations/{key}/memberships": {"key": "IT", "transitive": "true"},
    "/networks": {},
    "/networks/{key}/members": {"key": "insme-steering-group", "transitive": "true"},
    "/countries": {},
    "/regions": {"within": "ITH"},
    "/regions/{code}/organisations": {"code": "IT"},
    "/sectors": {"within": "C", "level": "division"},
    "/programmes": {},
    "/projects": {},
    "/organisations/{key}/projects": {"key": "insme"},
    "/good-practices": {},
    "/policies": {},
    "/policies/{key}/lineage": {"key": "bologna-charter"},
    "/search": {"q": "emilia"},
    "/gaps": {"scope": "IT", "type": "good-practice"},
    "/analytics/centrality": {},
    "/analytics/brokers": {},
    "/analytics/communities": {},
    "/duplicates": {},
}
FEWEST = {"/analytics/brokers": 1,  # the seed data has one broker between countries
          # the seed has one project (SENET), without partners: tests/graph_api/
          # test_projects.py pages both on data with more
          "/projects": 1, "/organisations/{key}/projects": 0,
          # the seed has no two organisations alike: tests/graph_api/
          # test_duplicates_api.py pages the report on data with some
          "/duplicates": 0}
# Answers holding lists that are not pages, and why.
NOT_PAGED = {
    "/queries": "the catalogue of named queries: fixed by the code, a few dozen",
    "/analytics/paths": "connection paths, shortest first, at most 100 (counting all simple "
                        "paths is exponential)",
}


def _is_list(operation: dict, schemas: dict) -> bool:
    content = operation["responses"].get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema.get("type") == "array" or "results" in schema.get("properties", {})


def test_every_list_route_is_in_the_table(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    lists = {path for path, operations in spec["paths"].items()
             if "get" in operations and not path.startswith("/sparql")
             and _is_list(operations["get"], schemas)}
    assert lists == set(LIST_ROUTES) | set(NOT_PAGED)
    for path in LIST_ROUTES:
        operation = spec["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert {"limit", "offset"} <= set(parameters), path
        assert parameters["limit"]["schema"]["maximum"] == MAX_LIMIT, path
        schema = schemas[operation["responses"]["200"]["content"]["application/json"][
            "schema"]["$ref"].rsplit("/", 1)[-1]]
        assert {"count", "offset", "limit", "results"} <= set(schema["properties"]), path


@pytest.mark.parametrize("route", sorted(LIST_ROUTES))
def test_each_list_pages_without_overlap_or_gap(client: httpx.Client, route: str) -> None:
    url, params = route_url(route, LIST_ROUTES[route])

    def get(**extra: int) -> dict:
        response = client.get(url, params={**params, **extra})
        assert response.status_code == 200, (route, extra, response.text)
        return response.json()

    everything = get(limit=MAX_LIMIT)
    total = everything["count"]
    assert total == len(everything["results"]) >= FEWEST.get(route, 2), route
    assert (everything["offset"], everything["limit"]) == (0, MAX_LIMIT), route
    assert get(limit=MAX_LIMIT) == everything, route  # the same order on every call

    first = get(limit=1)
    assert len(first["results"]) == min(1, total) and first["count"] == total, route
    assert (first["offset"], first["limit"]) == (0, 1), route

    pages = []
    for offset in range(0, total, 2):
        page = get(limit=2, offset=offset)
        assert page["count"] == total and page["offset"] == offset, route
        pages.extend(page["results"])
    assert pages == everything["results"], route  # no overlap, no gap, same order
    beyond = get(limit=2, offset=total)
    assert beyond["results"] == [] and beyond["count"] == total, route


def test_transitive_members_are_paged(client: httpx.Client) -> None:
    # the issue: limit=5 returned all 60 members
    page = client.get("/networks/insme-steering-group/members",
                      params={"transitive": "true", "limit": 5}).json()
    assert len(page["results"]) == 5 and page["count"] == 60


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": MAX_LIMIT + 1}, {"offset": -1}])
def test_out_of_range_paging_is_refused(client: httpx.Client, params: dict[str, int]) -> None:
    for route in ("/networks/{key}/members", "/organisations/{key}/memberships", "/search",
                  "/policies/{key}/lineage"):
        url, query = route_url(route, LIST_ROUTES[route])
        response = client.get(url, params={**query, **params})
        assert response.status_code == 422, (route, params)
        assert next(iter(params)) in response.text, (route, params)

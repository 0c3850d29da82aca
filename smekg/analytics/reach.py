"""How far a network of networks reaches through its members, depth by depth.

Depth 1 is the network's own members; depth 2 the members of its member networks; and
so on. Through its members a network reaches:

* **countries**: member countries, and the countries its members are located in;
* **regions**: the places (below countries) its members are located in, and the areas
  (countries included) they serve;
* **sectors**: the sectors its members name.

Each is counted at the depth it is first reached, with the member it is reached through.

Examples
--------
>>> from smekg.analytics.projection import project
>>> from smekg.analytics.testing import toy_index, toy_rows
>>> answer = reach(project(toy_index(), toy_rows()), "ex:network")
>>> [(c.code, c.how, c.via.label) for c in answer.countries]
[('FR', 'located in', 'MEDEF'), ('IT', 'member', 'Italy')]
>>> answer.levels[0].countries_total, answer.levels[0].sectors_total
(2, 1)
"""

from __future__ import annotations

from smekg.analytics.actors import ref
from smekg.analytics.models import ReachAnswer, Reached, ReachLevel
from smekg.analytics.projection import ProjectedGraph

_REGION_KINDS = frozenset({"world", "continent", "country", "nuts-region", "subdivision",
                           "region"})


def reach(graph: ProjectedGraph, network: str, max_depth: int | None = None) -> ReachAnswer:
    """What ``network`` reaches through its members, down to ``max_depth`` (all if None)."""
    if network not in graph:
        raise KeyError(f"network: {network} is not in this graph")
    depth_of = {network: 0}
    via: dict[str, str] = {}
    order: list[list[str]] = []
    frontier = [network]
    while frontier and (max_depth is None or len(order) < max_depth):
        found = []
        for parent in frontier:
            for member, _, key in sorted(graph.in_edges(parent, keys=True)):
                if key.startswith("member_of") and member not in depth_of:
                    depth_of[member] = len(order) + 1
                    via[member] = member if parent == network else via[parent]
                    found.append(member)
        if not found:
            break
        order.append(sorted(set(found), key=lambda n: _order(graph, n)))
        frontier = order[-1]

    members: list[Reached] = []
    countries: dict[str, Reached] = {}
    regions: dict[str, Reached] = {}
    sectors: dict[str, Reached] = {}
    levels = []
    for depth, found in enumerate(order, start=1):
        new = {"countries": 0, "regions": 0, "sectors": 0}
        for member in found:
            members.append(Reached(**ref(graph, member).model_dump(), depth=depth,
                                   via=ref(graph, via[member]), how="member"))
        # member countries first, so a country that is a member is reached as one
        for member in sorted(found, key=lambda m: graph.nodes[m].get("kind") != "country"):
            through = ref(graph, via[member])
            for place, how in _places(graph, member):
                # a country a member is, or is located in, is reached; what it serves
                # (countries included) counts as a region reached
                is_country = graph.nodes[place].get("kind") == "country" and how != "serves"
                target, label = (countries, "countries") if is_country else (regions, "regions")
                if place not in target:
                    target[place] = Reached(**ref(graph, place).model_dump(), depth=depth,
                                            via=through, how=how)
                    new[label] += 1
                country = _country_node(graph, place) if how != "serves" else None
                if country and country not in countries:
                    countries[country] = Reached(**ref(graph, country).model_dump(),
                                                 depth=depth, via=through, how=how)
                    new["countries"] += 1
            for _, sector, key in graph.out_edges(member, keys=True):
                if key.startswith("sector") and sector not in sectors:
                    sectors[sector] = Reached(**ref(graph, sector).model_dump(), depth=depth,
                                              via=through, how="names")
                    new["sectors"] += 1
        kinds = [graph.nodes[m].get("kind") for m in found]
        levels.append(ReachLevel(
            depth=depth, members=len(found), organisations=kinds.count("organisation"),
            networks=kinds.count("network"), countries=new["countries"],
            regions=new["regions"], sectors=new["sectors"],
            countries_total=len(countries), regions_total=len(regions),
            sectors_total=len(sectors)))

    def ordered(items: dict[str, Reached]) -> list[Reached]:
        return sorted(items.values(), key=lambda r: (r.depth, r.code or r.label, r.iri))

    return ReachAnswer(network=ref(graph, network), max_depth=max_depth, levels=levels,
                       members=members, countries=ordered(countries),
                       regions=ordered(regions), sectors=ordered(sectors))


def _order(graph: ProjectedGraph, node: str) -> tuple[str, str]:
    return (str(graph.nodes[node].get("label", node)).casefold(), node)


def _places(graph: ProjectedGraph, member: str) -> list[tuple[str, str]]:
    """The places ``member`` is (a member country), is located in, or serves."""
    places = []
    if graph.nodes[member].get("kind") == "country":
        places.append((member, "member"))
    for _, place, key in sorted(graph.out_edges(member, keys=True)):
        if key.startswith("located_in"):
            places.append((place, "located in"))
        elif key.startswith("area_served") and graph.nodes[place].get("kind") in _REGION_KINDS:
            places.append((place, "serves"))
    return places


def _country_node(graph: ProjectedGraph, place: str) -> str | None:
    """The country a place is in (following ``broader`` links in the graph)."""
    seen = {place}
    frontier = [place]
    while frontier:
        for node in frontier:
            if graph.nodes[node].get("kind") == "country":
                return node
        frontier = [parent for node in frontier
                    for _, parent, key in graph.out_edges(node, keys=True)
                    if key.startswith("broader") and parent not in seen]
        seen.update(frontier)
    return None

"""Run time of every ecosystem analysis on a store (e.g. one built by build_store.py).

    .venv/bin/python benchmarks/analytics.py --store /tmp/bench/10k/store

Each analysis runs once, as `smekg analyze` runs it (projection shared, as the API keeps
it); the table gives seconds and the process's peak RSS after each step.
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import resource
import time
from pathlib import Path

from smekg.analytics.export import write_graph
from smekg.analytics.service import AnalyticsService
from smekg.core.backends.oxigraph import OxigraphBackend
from smekg.core.iri import Minter
from smekg.queries.service import QueryService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    queries = QueryService(OxigraphBackend(args.store), Minter("https://w3id.org/smekg/id/"))
    analytics = AnalyticsService(queries)
    rows: list[tuple[str, float, str]] = []

    def timed(name: str, call):
        started = time.perf_counter()
        result = call()
        rows.append((name, time.perf_counter() - started, _note(result)))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name:<40} {rows[-1][1]:8.2f} s  peak RSS {rss:6.0f} MiB  {rows[-1][2]}",
              flush=True)
        return result

    index = timed("graph index (coverage table)", lambda: queries.index)
    graph = timed("projection (edges query + networkx)", analytics.graph)
    timed("centrality (degree, betweenness, PageRank)", lambda: analytics.centrality(limit=10))
    timed("brokers by country", lambda: analytics.brokers(limit=10))
    timed("brokers by sector", lambda: analytics.brokers(by="sector", limit=10))
    timed("communities (Louvain)", lambda: analytics.communities(limit=10))
    networks = [n for n, kind in graph.nodes(data="kind") if kind == "network"]
    biggest = max(networks, key=lambda n: (graph.in_degree(n), n))
    timed("reach of the largest network", lambda: analytics.reach(biggest))
    organisations = sorted(n for n, kind in graph.nodes(data="kind") if kind == "organisation"
                           and graph.out_degree(n))
    pick = random.Random(args.seed)
    a, b = pick.choice(organisations), pick.choice(organisations)
    timed("connection paths (5, two random orgs)", lambda: analytics.paths(a, b))
    timed("gap matrix IT nuts2 x section", lambda: analytics.gaps("IT", "nuts2", "section"))
    timed("gap matrix IT nuts3 x division", lambda: analytics.gaps("IT", "nuts3", "division"))
    timed("gap matrix world countries x section",
          lambda: analytics.gaps("world", "country", "section"))
    timed("compare ITH5 / FR10", lambda: analytics.compare("ITH5", "FR10"))
    for fmt in ("graphml", "gexf", "json", "edges.csv"):
        timed(f"export {fmt} (whole graph)", lambda fmt=fmt: write_graph(graph, fmt,
                                                                         io.BytesIO()))
    print(f"\n{args.store}: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} "
          f"edges; {len(index.labels):,} named entities; {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}")


def _note(result: object) -> str:
    for attribute in ("betweenness_sources", "count", "uncovered"):
        if hasattr(result, attribute):
            return f"{attribute}={getattr(result, attribute)}"
    if hasattr(result, "number_of_edges"):
        return f"{result.number_of_nodes():,} nodes, {result.number_of_edges():,} edges"
    if hasattr(result, "members") and hasattr(result, "levels"):
        return f"{len(result.members):,} members at depth {len(result.levels)}"
    return ""


if __name__ == "__main__":
    main()

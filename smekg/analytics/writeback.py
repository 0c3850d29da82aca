"""Analysis results written back into the store, as RDF, in a named graph of their own.

A run of ``smekg analyze NAME ... --write`` replaces the graph
``<base>graph/analytics/NAME`` (``.../NAME/<digest>`` for a run on a part of the graph or
with other parameters), atomically, like any source. The graph describes itself as the
loaders' graphs do (checksum, time, triple count) and says which
:class:`smekg:AnalysisRun` generated it, with what parameters, so that dashboards can
read results over SPARQL with their provenance::

    SELECT ?actor ?score WHERE {
      GRAPH ?g { ?actor smekg:pagerank ?score }
      ?g prov:wasGeneratedBy/smekg:parameters ?parameters .
    } ORDER BY DESC(?score)

What each analysis writes: centrality, ``smekg:degreeCentrality``, ``smekg:betweenness``
and ``smekg:pagerank`` of every actor; brokers, ``smekg:bridgedPairs``; communities, a
``smekg:Community`` (label, size) per community and ``smekg:inCommunity`` of each actor;
reach, a ``smekg:Reach`` per entity reached (``reachOf``, ``reached``, ``via``,
``depth``); gaps, a ``smekg:CoverageCell`` per cell (``cellRegion``, ``cellSector``,
``coveredBy``). Paths and comparisons are answers about two entities, not written back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel
from pyoxigraph import Literal, NamedNode

from smekg.analytics.models import (
    BrokersAnswer,
    CentralityAnswer,
    CommunitiesAnswer,
    GapMatrix,
    ReachAnswer,
)
from smekg.core.iri import Minter
from smekg.core.rdf import GraphBuilder
from smekg.core.stores import SourceStore
from smekg.loaders.sources import LOADER_VERSION
from smekg.ontology import DCTERMS, PROV, RDF, RDFS, SKOS, SMEKG, XSD

WRITABLE = ("centrality", "brokers", "communities", "reach", "gaps")


def results_graph(minter: Minter, analysis: str, parameters: Mapping[str, object]) -> str:
    """The named graph of ``analysis``'s results for ``parameters`` (defaults: no suffix)."""
    given = {k: v for k, v in sorted(parameters.items()) if v not in (None, "", False)}
    if not given:
        return minter.graph(f"analytics/{analysis}")
    digest = hashlib.sha256(json.dumps(given, sort_keys=True, default=str).encode())
    return minter.graph(f"analytics/{analysis}/{digest.hexdigest()[:12]}")


def write_back(
    store: SourceStore, minter: Minter, analysis: str, answer: BaseModel,
    parameters: Mapping[str, object], *, started: dt.datetime | None = None,
) -> tuple[str, int]:
    """Replace ``analysis``'s results graph with ``answer``; return the graph and its size."""
    if analysis not in WRITABLE:
        raise ValueError(f"{analysis} results are not written back (only: {', '.join(WRITABLE)})")
    graph = results_graph(minter, analysis, parameters)
    g = GraphBuilder()
    _write_results(g, graph, analysis, answer)
    body = sorted(str(t) for t in g)
    count = len(g)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run = f"{graph}/run"
    g.add(graph, RDF.type, SMEKG.SourceGraph)
    g.add(graph, RDF.type, PROV.Entity)
    g.add(graph, DCTERMS.title, g.text(f"smekg analyze {analysis}", "en"))
    g.add(graph, DCTERMS.source, g.text(f"smekg analyze {analysis} {_args(parameters)}".strip()))
    g.add(graph, SMEKG.sha256, g.text(hashlib.sha256("\n".join(body).encode()).hexdigest()))
    g.add(graph, SMEKG.loaderVersion, g.text(LOADER_VERSION))
    g.add(graph, PROV.generatedAtTime, g.datetime(now))
    g.add(graph, SMEKG.tripleCount, g.integer(count))
    g.add(graph, PROV.wasGeneratedBy, run)
    g.add(run, RDF.type, SMEKG.AnalysisRun)
    g.add(run, RDFS.label, g.text(f"smekg analyze {analysis}", "en"))
    g.add(run, SMEKG.analysis, g.text(analysis))
    g.add(run, SMEKG.parameters, g.text(json.dumps(dict(parameters), sort_keys=True,
                                                   default=str)))
    if started is not None:
        g.add(run, PROV.startedAtTime, g.datetime(started.replace(microsecond=0)))
    g.add(run, PROV.endedAtTime, g.datetime(now))
    store.replace_source(graph, g)
    store.flush()
    return graph, count


def _args(parameters: Mapping[str, object]) -> str:
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in sorted(parameters.items())
                    if v not in (None, "", False))


def _write_results(g: GraphBuilder, graph: str, analysis: str, answer: BaseModel) -> None:
    """Add ``answer``, the results of ``analysis``, to ``g`` (``graph``: their graph)."""
    if analysis == "centrality" and isinstance(answer, CentralityAnswer):
        _centrality(g, graph, answer)
    elif analysis == "brokers" and isinstance(answer, BrokersAnswer):
        _brokers(g, graph, answer)
    elif analysis == "communities" and isinstance(answer, CommunitiesAnswer):
        _communities(g, graph, answer)
    elif analysis == "reach" and isinstance(answer, ReachAnswer):
        _reach(g, graph, answer)
    elif analysis == "gaps" and isinstance(answer, GapMatrix):
        _gaps(g, graph, answer)
    else:
        raise TypeError(f"cannot write a {type(answer).__name__} as {analysis} results")


def _double(value: float) -> Literal:
    return Literal(repr(float(value)), datatype=NamedNode(str(XSD.double)))


def _centrality(g: GraphBuilder, graph: str, answer: CentralityAnswer) -> None:
    for actor in answer.results:
        g.add(actor.iri, SMEKG.degreeCentrality, _double(actor.degree_centrality))
        g.add(actor.iri, SMEKG.betweenness, _double(actor.betweenness))
        g.add(actor.iri, SMEKG.pagerank, _double(actor.pagerank))


def _brokers(g: GraphBuilder, graph: str, answer: BrokersAnswer) -> None:
    for broker in answer.results:
        g.add(broker.iri, SMEKG.bridgedPairs, g.integer(broker.bridged_pairs))


def _communities(g: GraphBuilder, graph: str, answer: CommunitiesAnswer) -> None:
    for number, size in sorted(Counter(answer.membership.values()).items()):
        iri = f"{graph}/community/{number}"
        g.add(iri, RDF.type, SMEKG.Community)
        g.add(iri, SKOS.prefLabel, g.text(f"Community {number}", "en"))
        g.add(iri, SMEKG.size, g.integer(size))
    for member, number in sorted(answer.membership.items()):
        g.add(member, SMEKG.inCommunity, f"{graph}/community/{number}")


def _reach(g: GraphBuilder, graph: str, answer: ReachAnswer) -> None:
    for group in (answer.members, answer.countries, answer.regions, answer.sectors):
        for reached in group:
            key = hashlib.sha256(reached.iri.encode()).hexdigest()[:16]
            iri = f"{graph}/reach/{key}"
            g.add(iri, RDF.type, SMEKG.Reach)
            g.add(iri, SMEKG.reachOf, answer.network.iri)
            g.add(iri, SMEKG.reached, reached.iri)
            g.add(iri, SMEKG.via, reached.via.iri)
            g.add(iri, SMEKG.depth, g.integer(reached.depth))


def _gaps(g: GraphBuilder, graph: str, answer: GapMatrix) -> None:
    for region, row in zip(answer.regions, answer.counts, strict=True):
        for sector, count in zip(answer.sectors, row, strict=True):
            key = hashlib.sha256(f"{region.iri} {sector.iri}".encode()).hexdigest()[:16]
            iri = f"{graph}/cell/{key}"
            g.add(iri, RDF.type, SMEKG.CoverageCell)
            g.add(iri, SMEKG.cellRegion, region.iri)
            g.add(iri, SMEKG.cellSector, sector.iri)
            g.add(iri, SMEKG.coveredBy, g.integer(count))

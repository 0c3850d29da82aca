"""Counts per class and per source graph, and the sources that may be incomplete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from smekg.core.stores import SourceStore, pending_replacements
from smekg.ontology import PREFIXES


def _compact(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def store_stats(store: SourceStore) -> dict[str, Any]:  # JSON-ready (``smekg stats``)
    """``{"quads": n, "classes": {class: instances}, "sources": {graph: triples}}``.

    Examples
    --------
    >>> from smekg.core.stores import GraphStore
    >>> store_stats(GraphStore.open(None))
    {'quads': 0, 'classes': {}, 'sources': {}}
    """
    classes = {
        _compact(row["class"].value): int(row["n"].value)
        for row in store.select(
            "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } "
            "GROUP BY ?class ORDER BY DESC(?n) ?class"
        )
    }
    sources = {
        row["g"].value: int(row["n"].value)
        for row in store.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
    }
    return {"quads": len(store), "classes": classes, "sources": sources}


def incomplete_sources(store: SourceStore, path: Path | None = None, *,
                       counts: bool = True) -> list[dict[str, str]]:
    """The sources that may be incomplete, each as ``{"graph": iri, "reason": why}``.

    * a replacement of a large source cut off (a journal entry left in the store directory
      ``path``: see :meth:`GraphStore.bulk_replace_source`), which the next writing open
      completes;
    * a graph without its checksum (``smekg:sha256``, part of the provenance that every
      write adds last);
    * with ``counts``, a graph holding fewer triples (besides its provenance) than its
      ``smekg:tripleCount`` records: a count of every graph, for ``smekg stats``; the
      other checks are cheap (one index look-up per graph), for ``/health``.

    Examples
    --------
    >>> from pyoxigraph import Literal, NamedNode, Triple
    >>> from smekg.core.stores import GraphStore
    >>> store = GraphStore.open(None)
    >>> t = Triple(NamedNode("http://ex.org/a"), NamedNode("http://ex.org/p"), Literal("x"))
    >>> _ = store.replace_source("http://ex.org/graph/cut", [t])
    >>> incomplete_sources(store)[0]["graph"]
    'http://ex.org/graph/cut'
    """
    found = {(graph, "its replacement was cut off (journal entry pending): the next "
              "`smekg load` or `smekg load-file` completes it")
             for graph in pending_replacements(path)}
    for graph in store.named_graphs():
        rows = store.select("SELECT ?g WHERE { GRAPH ?g { ?g smekg:sha256 ?sha } } LIMIT 1",
                            {"g": NamedNode(graph)})
        if not rows:
            found.add((graph, "it has no checksum (its load was cut off before the end): "
                       "load the source again"))
    if counts:
        rows = store.select(
            "SELECT ?g ?recorded (COUNT(?s) AS ?n) WHERE { GRAPH ?g { "
            "?g smekg:tripleCount ?recorded OPTIONAL { ?s ?p ?o FILTER(?s != ?g) } } } "
            "GROUP BY ?g ?recorded")
        for row in rows:
            try:
                recorded, held = int(row["recorded"].value), int(row["n"].value)
            except ValueError:
                continue
            if held < recorded:
                found.add((row["g"].value, f"it holds {held:,} triples besides its provenance, "
                           f"fewer than the {recorded:,} it records: load the source again"))
    return [{"graph": graph, "reason": reason} for graph, reason in sorted(found)]

"""Counts per class and per source graph."""

from __future__ import annotations

from typing import Any

from smekg.core.stores import SourceStore
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

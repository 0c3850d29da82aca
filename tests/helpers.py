"""Small helpers shared by the tests."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from smekg.core.rdf import GraphBuilder

#: The checkout the tests run from (its data/ folder is the source of the bundled data).
REPO_ROOT = Path(__file__).resolve().parents[1]


def index_of(graph: GraphBuilder) -> dict[tuple[str, str], list]:
    """(subject IRI, predicate IRI) -> objects, for asserting on built triples."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for triple in graph:
        out[(triple.subject.value, triple.predicate.value)].append(triple.object)
    return out


def objects(index: dict, subject: str, predicate: object) -> list:
    return index.get((subject, str(predicate)), [])

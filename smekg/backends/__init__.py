"""Graph backends: one small protocol, interchangeable implementations.

The query layer (:mod:`queries.service`) only needs to run a named query with bound
parameters and to know when the data changed. Each backend implements that for its
engine: :class:`~smekg.backends.oxigraph.OxigraphBackend` runs the ``.rq`` text on the
embedded store; the Neo4j backend runs each query's Cypher twin.

Values crossing the boundary are plain Python: :class:`Iri` for IRIs, ``str`` for
plain and language-tagged literals, ``int``/``float``/``bool`` for numeric and boolean
literals, ``str`` (lexical form) for dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from queries.registry import QUERY_DIR, NamedQuery, load_registry


class Iri(str):
    """An IRI (a ``str`` that remembers it names a resource, not a literal)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Iri({str.__repr__(self)})"


Value = Iri | str | int | float | bool
Row = dict[str, Value]


class BackendUnavailable(RuntimeError):
    """The backend cannot be reached (the message says which and how to fix it)."""


@runtime_checkable
class GraphBackend(Protocol):
    """What the query layer needs from a graph engine."""

    name: str

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        """Run ``query`` with ``params`` bound; unbound variables are left out of rows."""
        ...

    def data_version(self) -> str:
        """A token that changes whenever the data changes (for caches)."""
        ...

    def close(self) -> None:
        """Release the engine's resources."""
        ...


def sources_version(backend: GraphBackend) -> str:
    """The checksums of every loaded source, as one token (a :meth:`data_version`)."""
    rows = backend.select(load_registry(QUERY_DIR / "index")["version"], {})
    return "|".join(sorted(f"{row['graph']}={row.get('sha256', '')}" for row in rows))

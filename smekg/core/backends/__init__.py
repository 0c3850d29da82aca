"""Graph backends: one small protocol, interchangeable implementations.

The query layer (:mod:`smekg.queries.service`) only needs to run a named query with bound
parameters and to know when the data changed. Each backend implements that for its
engine: :class:`~smekg.core.backends.oxigraph.OxigraphBackend` runs the ``.rq`` text on the
embedded store; the Neo4j backend runs each query's Cypher twin.

Values crossing the boundary are plain Python: :class:`Iri` for IRIs, ``str`` for
plain and language-tagged literals, ``int``/``float``/``bool`` for numeric and boolean
literals, ``str`` (lexical form) for dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from smekg.core.named_queries import NamedQuery, parse_query_file


class Iri(str):
    """An IRI (a ``str`` that remembers it names a resource, not a literal)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Iri({str.__repr__(self)})"


Value = Iri | str | int | float | bool
Row = dict[str, Value]


class RowTypeError(TypeError):
    """A column of a named query's row does not hold the type its reader expects."""


def _column(row: Row, column: str) -> Value:
    try:
        return row[column]
    except KeyError:
        raise RowTypeError(f"the row has no column {column!r} (columns: {sorted(row)})") from None


def row_text(row: Row, column: str) -> str:
    """The text in ``column`` (a plain or language-tagged literal, a date, or an IRI).

    >>> row_text({"label": "INSME"}, "label")
    'INSME'
    """
    value = _column(row, column)
    if not isinstance(value, str):
        raise RowTypeError(f"column {column!r} holds {value!r}, not text")
    return value


def row_optional_text(row: Row, column: str) -> str | None:
    """The text in ``column``, or ``None`` where the query left it unbound.

    >>> row_optional_text({}, "acronym") is None
    True
    """
    return row_text(row, column) if column in row else None


def row_iri(row: Row, column: str) -> Iri:
    """The IRI in ``column``.

    >>> row_iri({"entity": Iri("https://ex.org/a")}, "entity")
    Iri('https://ex.org/a')
    """
    value = _column(row, column)
    if not isinstance(value, Iri):
        raise RowTypeError(f"column {column!r} holds {value!r}, not an IRI")
    return value


def row_int(row: Row, column: str) -> int:
    """The integer in ``column`` (booleans are not integers here).

    >>> row_int({"n": 3}, "n")
    3
    """
    value = _column(row, column)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowTypeError(f"column {column!r} holds {value!r}, not an integer")
    return value


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

    def snapshot(self) -> GraphBackend:
        """A backend that answers every query from the data as it is now, whatever is
        loaded later, where the engine can pin a version (the embedded store: a read-only
        handle opened now); ``self`` where it cannot (a remote SPARQL store, Neo4j)."""
        ...

    def close(self) -> None:
        """Release the engine's resources."""
        ...


#: The checksum of every loaded source graph (``version.rq`` beside this module, with its
#: Cypher twin): how every backend tells its data version.
SOURCES_VERSION: NamedQuery = parse_query_file(Path(__file__).with_name("version.rq"))


def sources_version(backend: GraphBackend) -> str:
    """The checksums of every loaded source, as one token (a :meth:`data_version`)."""
    rows = backend.select(SOURCES_VERSION, {})
    return "|".join(sorted(f"{row['graph']}={row.get('sha256', '')}" for row in rows))

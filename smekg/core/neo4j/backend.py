"""The Neo4j backend: each named query's Cypher twin, run through the official driver.

The twins (``queries/NAME.cypher``) read the property graph written by
:mod:`smekg.core.neo4j.sync` and return the same rows as the SPARQL originals: the same
column names, IRIs as strings in the columns the twin's ``//+ iris:`` header names, or,
in a column that mixes IRIs and literals, as ``{iri: ...}`` maps.
Parameters are always bound (``$name``); one left out is bound to ``null``.

When Neo4j cannot be reached, :meth:`Neo4jBackend.select` raises
:class:`~smekg.core.backends.BackendUnavailable` (the API answers 503); the driver
reconnects by itself once the server is back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from neo4j import Driver, GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from smekg.core.backends import BackendUnavailable, Iri, Row, Value, sources_version
from smekg.core.named_queries import NamedQuery


class Neo4jBackend:
    """Named queries over a Neo4j database (any: local, cluster, Aura)."""

    name = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str | None = None,
                 *, timeout: float = 30.0, whole_graph_timeout: float = 3600.0) -> None:
        self.uri, self.database, self.timeout = uri, database, timeout
        # a query that reads the whole graph (the index) is not a question: at a million
        # organisations one takes minutes, where a question gets ``timeout``
        self.whole_graph_timeout = whole_graph_timeout
        self.driver: Driver = open_driver(uri, user, password)

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        if query.cypher is None:
            raise NotImplementedError(f"named query {query.name!r} has no Cypher twin "
                                      f"({query.path.with_suffix('.cypher').name})")
        bound: dict[str, object] = {param.name: None for param in query.params}
        bound.update({name: _plain(value) for name, value in params.items()})
        with reachable(self.uri):
            records, _, _ = self.driver.execute_query(
                Query(query.cypher, timeout=self.whole_graph_timeout if query.whole_graph
                      else self.timeout), bound,
                database_=self.database, routing_=RoutingControl.READ)
        iris = query.cypher_iris
        rows: list[Row] = []
        for record in records:
            row: Row = {}
            for key, value in zip(record.keys(), record.values(), strict=True):  # typed items()
                if value is None:
                    continue
                if isinstance(value, dict) and value.keys() == {"iri"}:
                    row[key] = Iri(value["iri"])  # an IRI in a column that also holds literals
                else:
                    row[key] = Iri(value) if key in iris else value
            rows.append(row)
        return rows

    def data_version(self) -> str:
        return sources_version(self)

    def snapshot(self) -> Neo4jBackend:
        """``self``: the engine gives no version pinned across queries (each query sees
        the data as it is when it runs; a load replaces a source in one transaction)."""
        return self

    def close(self) -> None:
        self.driver.close()


@contextmanager
def reachable(uri: str) -> Iterator[None]:
    """Turn the driver's connection and credential errors into :class:`BackendUnavailable`."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired, OSError) as error:
        raise BackendUnavailable(
            f"Neo4j at {uri} is unreachable ({error}); start the project's server with "
            "`scripts/neo4j start`, or point NEO4J_URI at yours") from error
    except AuthError as error:
        raise BackendUnavailable(
            f"Neo4j at {uri} refused the credentials ({error.message}); check "
            "NEO4J_USER and NEO4J_PASSWORD") from error


def open_driver(uri: str, user: str, password: str) -> Driver:
    """A driver for ``uri`` that gives up quickly when Neo4j is away (nothing is checked yet)."""
    return GraphDatabase.driver(
        uri, auth=(user, password), connection_timeout=5.0, notifications_min_severity="OFF",
        connection_acquisition_timeout=10.0, max_transaction_retry_time=5.0)


def _plain(value: Value) -> object:
    return str(value) if isinstance(value, Iri) else value

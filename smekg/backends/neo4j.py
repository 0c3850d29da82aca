"""The Neo4j backend: each named query's Cypher twin, run through the official driver.

The twins (``queries/NAME.cypher``) read the property graph written by
:mod:`loaders.neo4j_sync` and return the same rows as the SPARQL originals: the same
column names, IRIs as strings in the columns the twin's ``//+ iris:`` header names, or,
in a column that mixes IRIs and literals, as ``{iri: ...}`` maps.
Parameters are always bound (``$name``); one left out is bound to ``null``.

When Neo4j cannot be reached, :meth:`Neo4jBackend.select` raises
:class:`~smekg.backends.BackendUnavailable` (the API answers 503); the driver
reconnects by itself once the server is back.
"""

from __future__ import annotations

from collections.abc import Mapping

from neo4j import Driver, GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from queries.registry import QUERY_DIR, NamedQuery, load_registry
from smekg.backends import BackendUnavailable, Iri, Row, Value


class Neo4jBackend:
    """Named queries over a Neo4j database (any: local, cluster, Aura)."""

    name = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str | None = None,
                 *, timeout: float = 30.0) -> None:
        self.uri, self.database, self.timeout = uri, database, timeout
        self.driver: Driver = GraphDatabase.driver(
            uri, auth=(user, password), connection_timeout=5.0, notifications_min_severity="OFF",
            connection_acquisition_timeout=10.0, max_transaction_retry_time=5.0)

    def select(self, query: NamedQuery, params: Mapping[str, Value]) -> list[Row]:
        if query.cypher is None:
            raise NotImplementedError(f"named query {query.name!r} has no Cypher twin "
                                      f"({query.path.with_suffix('.cypher').name})")
        bound: dict[str, object] = {param.name: None for param in query.params}
        bound.update({name: _plain(value) for name, value in params.items()})
        try:
            records, _, _ = self.driver.execute_query(
                Query(query.cypher, timeout=self.timeout), bound,
                database_=self.database, routing_=RoutingControl.READ)
        except (ServiceUnavailable, SessionExpired, OSError) as error:
            raise BackendUnavailable(
                f"Neo4j at {self.uri} is unreachable ({error}); start it with "
                "`scripts/neo4j start` or check NEO4J_URI") from error
        except AuthError as error:
            raise BackendUnavailable(
                f"Neo4j at {self.uri} refused the credentials ({error.message}); check "
                "NEO4J_USER and NEO4J_PASSWORD") from error
        iris = query.cypher_iris
        rows: list[Row] = []
        for record in records:
            row: Row = {}
            for key, value in record.items():
                if value is None:
                    continue
                if isinstance(value, dict) and value.keys() == {"iri"}:
                    row[key] = Iri(value["iri"])  # an IRI in a column that also holds literals
                else:
                    row[key] = Iri(value) if key in iris else value
            rows.append(row)
        return rows

    def data_version(self) -> str:
        rows = self.select(load_registry(QUERY_DIR / "index")["version"], {})
        return "|".join(sorted(f"{row['graph']}={row.get('sha256', '')}" for row in rows))

    def close(self) -> None:
        self.driver.close()


def _plain(value: Value) -> object:
    return str(value) if isinstance(value, Iri) else value

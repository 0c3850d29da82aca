"""Keep a Neo4j database in step with the RDF store, source by source.

A source graph of up to ``transaction_rows`` rows (nodes and relationships; 100,000 by
default, ``SMEKG_NEO4J_TRANSACTION_ROWS``) is written in **one Neo4j transaction**: its
old relationships are deleted, the nodes it describes are merged and rewritten whole
(labels and properties, read from every graph of the store) in batches of ``UNWIND``, its
relationships are created in batches (they are unique per source, and the source has none
left in this transaction: a relationship ``MERGE`` here would check every uncommitted
relationship of a dense network node, and was measured at over 500 s for one batch of
5,000 memberships at 100k organisations), nodes nothing refers to any more are removed,
and the source's checksum is recorded. A sync that fails or is killed midway is rolled
back by Neo4j, so such a source is either as it was or as it is now.

A bigger source does not fit one transaction: Neo4j holds a transaction's changes in its
heap, and the organisations of ``smekg generate --orgs 1000000`` (17 million triples)
stopped at ``dbms.memory.transaction.total.max`` with an 8 GiB heap. It is written in
steps instead, each chunk of the projection (``4 * batch_size`` rows) in a transaction of
its own: its checksum is removed first and recorded last, so a sync cut off midway leaves
the source without a checksum, and the next sync writes it again whole (in between, Neo4j
shows that source half written).

The client holds one chunk at a time, or ``transaction_rows`` rows while it decides
whether a source fits one transaction (:func:`smekg.core.neo4j.projection.project_in_chunks`;
the whole projection of that 17-million-triple source took 13 GB).

Every transaction is a managed one: the driver retries it on transient errors (a
deadlock with another writer, a cluster leader switch). A source whose checksum Neo4j
already holds is skipped, so running the sync twice changes nothing; a source gone from
the store is removed.

Every query is a fixed text with bound parameters. Relationship types and labels come
from the ontology's projection (:mod:`smekg.core.neo4j.projection`); where one has to be
part of the text (a relationship type in ``MERGE``) it is a checked identifier.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction, Record, Session, Transaction
from pyoxigraph import NamedNode, Store

from smekg.core.backends import BackendUnavailable
from smekg.core.neo4j.backend import open_driver, reachable
from smekg.core.neo4j.projection import MEMBER_OF, RESOURCE, SourceProjection, project_in_chunks
from smekg.core.rdf import triple_parts
from smekg.ontology import PROV, SMEKG

SYNCED = "SyncedSource"
DEFAULT_BATCH = 5000
DEFAULT_TRANSACTION_ROWS = 100_000

_T = TypeVar("_T")

Run = Callable[..., list[Record]]
"""``run(query, **parameters)``: the records of one statement, in whichever transaction."""
Step = Callable[[Callable[[Run], Any]], Any]
"""``step(work)``: ``work(run)`` as a unit: its own transaction, or part of the one open."""
_IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9_]*$")

SCHEMA = [
    f"CREATE CONSTRAINT resource_iri IF NOT EXISTS FOR (n:{RESOURCE}) REQUIRE n.iri IS UNIQUE",
    f"CREATE CONSTRAINT synced_source IF NOT EXISTS FOR (s:{SYNCED}) REQUIRE s.graph IS UNIQUE",
    "CREATE CONSTRAINT property_key IF NOT EXISTS FOR (k:PropertyKey) REQUIRE k.key IS UNIQUE",
    f"CREATE INDEX resource_code IF NOT EXISTS FOR (n:{RESOURCE}) ON (n.code)",
    f"CREATE INDEX resource_identifier IF NOT EXISTS FOR (n:{RESOURCE}) ON (n.identifier)",
]

_WRITE_NODES = f"""
UNWIND $rows AS row
MERGE (n:{RESOURCE} {{iri: row.iri}})
SET n = row.properties
WITH n, row, [label IN labels(n) WHERE NOT label IN row.labels] AS stale
REMOVE n:$(stale)
SET n:$(row.labels)
"""
_ENSURE_NODES = f"UNWIND $iris AS iri MERGE (:{RESOURCE} {{iri: iri}})"
_WRITE_MEMBERSHIPS = f"""
UNWIND $rows AS row
MATCH (member:{RESOURCE} {{iri: row.start}})
MATCH (network:{RESOURCE} {{iri: row.end}})
CREATE (member)-[r:{MEMBER_OF}]->(network)
SET r = row.properties
"""
_WRITE_RELATIONSHIPS = """
UNWIND $rows AS row
MATCH (a:Resource {{iri: row.start}})
MATCH (b:Resource {{iri: row.end}})
CREATE (a)-[r:{type}]->(b)
SET r = row.properties
"""
_DELETE_RELATIONSHIPS = """
MATCH (a)-[r:{type}]->(b) WHERE r.source = $graph
WITH r, a.iri AS start, b.iri AS end LIMIT $limit
DELETE r
RETURN count(*) AS deleted, collect(DISTINCT start) + collect(DISTINCT end) AS ends
"""
_FORGET_SOURCE = f"MATCH (s:{SYNCED} {{graph: $graph}}) DELETE s"
RECORD_PROPERTY_KEYS = (
    "UNWIND $keys AS k MERGE (p:PropertyKey {key: k.key}) SET p.predicate = k.predicate")
"""Which predicate each node property key holds (``$keys``: ``[{key, predicate}]``)."""
RECORD_SOURCE = (
    f"MERGE (s:{SYNCED} {{graph: $graph}}) SET s.version = $version, "
    "s.sha256 = split($version, '|')[0], s.syncedAt = datetime(), "
    "s.nodes = $nodes, s.relationships = $rels")
"""The checksum of a synced source and what it wrote: a later sync skips it if unchanged."""
_PRUNE = f"""
UNWIND $iris AS iri
MATCH (n:{RESOURCE} {{iri: iri}})
WHERE n.sources IS NULL AND NOT (n)--()
DELETE n
RETURN count(*) AS removed
"""


@dataclass
class _Written:
    nodes: int = 0
    relationships: int = 0


@dataclass
class SyncReport:
    """What the sync did with one source."""

    graph: str
    status: str  # written, unchanged, removed
    nodes: int = 0
    relationships: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.nodes + self.relationships

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def connect(uri: str, user: str, password: str, database: str | None = None) -> Driver:
    """A driver for ``uri``, checked to answer; :class:`BackendUnavailable` if not."""
    driver = open_driver(uri, user, password)
    try:
        with reachable(uri), driver.session(database=database) as session:
            session.run("RETURN 1").consume()
    except BackendUnavailable:
        driver.close()
        raise
    return driver


class Neo4jSync:
    """Writes the store's sources into one Neo4j database."""

    def __init__(self, driver: Driver, database: str | None = None,
                 batch_size: int = DEFAULT_BATCH,
                 transaction_rows: int = DEFAULT_TRANSACTION_ROWS) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if transaction_rows < 1:
            raise ValueError("transaction_rows must be at least 1")
        self.driver, self.database, self.batch_size = driver, database, batch_size
        self.transaction_rows = transaction_rows

    def ensure_schema(self, relationship_types: Iterable[str] = (), *,
                      wait_seconds: int = 300) -> None:
        """Constraints on IRIs, indexes on codes and on every relationship's ``source``.

        Parameters
        ----------
        relationship_types
            The relationship types to index ``source`` of (besides those already indexed).
        wait_seconds
            How long to wait for new indexes to come online (Neo4j fills them in the
            background: over a whole bulk-imported graph that takes a while).
        """
        statements = {statement.split()[2]: statement for statement in SCHEMA}
        for kind in sorted(set(relationship_types)):
            _check_identifier(kind)
            statements[f"rel_source_{kind.lower()}"] = (
                f"CREATE INDEX rel_source_{kind.lower()} IF NOT EXISTS "
                f"FOR ()-[r:{kind}]-() ON (r.source)")
        with self.driver.session(database=self.database) as session:
            # a uniqueness constraint is listed too: its index bears the constraint's name
            present = {record["name"] for record in session.run("SHOW INDEXES YIELD name")}
            missing = [statement for name, statement in statements.items()
                       if name not in present]
            for statement in missing:
                session.run(statement).consume()
            if missing:
                session.run("CALL db.awaitIndexes($seconds)", seconds=wait_seconds).consume()

    def synced(self) -> dict[str, str]:
        """The checksum Neo4j holds for every synced source."""
        records, _, _ = self.driver.execute_query(
            f"MATCH (s:{SYNCED}) RETURN s.graph AS graph, s.version AS version",
            database_=self.database)
        return {record["graph"]: record["version"] for record in records}

    def sync(self, store: Store, *, force: bool = False,
             progress: Callable[[str], None] | None = None) -> list[SyncReport]:
        """Bring every source of ``store`` into Neo4j; remove sources it no longer has."""
        wanted = store_checksums(store)
        held = self.synced()
        reports = []
        for graph in sorted(wanted):
            if not force and held.get(graph) == wanted[graph]:
                reports.append(SyncReport(graph, "unchanged"))
                continue
            reports.append(self.sync_source(store, graph, wanted[graph], progress=progress))
        for graph in sorted(set(held) - set(wanted)):
            reports.append(self.remove_source(store, graph))
        return reports

    def sync_source(self, store: Store, graph: str, version: str,
                    progress: Callable[[str], None] | None = None) -> SyncReport:
        """Replace ``graph`` in Neo4j by what the store holds (one transaction if it fits)."""
        started = time.perf_counter()
        written = self._replace(store, graph, version, progress)
        return SyncReport(graph, "written", written.nodes, written.relationships,
                          time.perf_counter() - started)

    def remove_source(self, store: Store, graph: str) -> SyncReport:
        """Take ``graph`` out of Neo4j (it is gone from the store)."""
        started = time.perf_counter()
        written = self._replace(store, graph, None, None)
        return SyncReport(graph, "removed", written.nodes, 0, time.perf_counter() - started)

    @property
    def _chunk_rows(self) -> int:
        """Rows per projected chunk: a transaction of its own when a source is written in
        steps, so a few statements of ``batch_size`` rows each, within the limit."""
        return min(self.transaction_rows, 4 * self.batch_size)

    def _replace(self, store: Store, graph: str, version: str | None,
                 progress: Callable[[str], None] | None) -> _Written:
        """Write the store's ``graph`` over what Neo4j holds of it: in one transaction when
        the old rows and the new fit ``transaction_rows``, else in steps (see the module
        notes)."""
        before = self._described_by(graph)
        chunks = project_in_chunks(store, graph, also=before, rows=self._chunk_rows)
        # the old rows are deleted in the same transaction: they count too
        rows = len(before) + self._relationships_of(graph)
        held_chunks: list[SourceProjection] = []
        while rows <= self.transaction_rows:  # read ahead, to know which it is
            chunk = next(chunks, None)
            if chunk is None:
                break
            held_chunks.append(chunk)
            rows += chunk.rows
        if rows <= self.transaction_rows:
            self.ensure_schema(r.type for chunk in held_chunks for r in chunk.relationships)
            with self.driver.session(database=self.database) as session:
                return session.execute_write(lambda tx: self._write(
                    within(tx), graph, held_chunks, version, progress))
        with self.driver.session(database=self.database) as session:
            return self._write(_each_in_own_transaction(session), graph,
                               self._with_schema(chain(held_chunks, chunks)), version,
                               progress, stepwise=True)

    def _with_schema(self, chunks: Iterable[SourceProjection]) -> Iterator[SourceProjection]:
        """``chunks``, with the index for each new relationship type made before its chunk."""
        known: set[str] = set()
        for chunk in chunks:
            kinds = {r.type for r in chunk.relationships} - known
            if kinds:
                self.ensure_schema(kinds)
                known |= kinds
            yield chunk

    def _write(self, step: Step, graph: str, chunks: Iterable[SourceProjection],
               version: str | None, progress: Callable[[str], None] | None, *,
               stepwise: bool = False) -> _Written:
        """Replace ``graph`` by the projected ``chunks``, each unit of work through ``step``
        (``version`` None: remove it). ``stepwise``: the units commit one by one, so the
        checksum goes first and comes back last."""
        if stepwise:
            step(lambda run: run(_FORGET_SOURCE, graph=graph))
        ends: set[str] = set()  # nodes that may be left with nothing: pruned at the end
        for kind in step(self._relationship_types):
            query = _DELETE_RELATIONSHIPS.format(type=_quoted(kind))

            def delete_batch(run: Run, query: str = query) -> Record:
                return run(query, graph=graph, limit=self.batch_size)[0]

            while True:  # in batches: a source's relationships may not fit one transaction
                record = step(delete_batch)
                ends.update(record["ends"])
                if record["deleted"] < self.batch_size:
                    break
        written = _Written()
        property_keys: dict[str, str] = {}
        for chunk in chunks:
            step(partial(self._write_chunk, chunk=chunk))
            written.nodes += len(chunk.nodes)
            written.relationships += len(chunk.relationships)
            ends.update(iri for iri, node in chunk.nodes.items()
                        if "sources" not in node.properties)
            for key, predicate in chunk.property_keys.items():
                property_keys.setdefault(key, predicate)
            _report(progress, graph, written.nodes + written.relationships)
        step(lambda run: run(
            RECORD_PROPERTY_KEYS,
            keys=[{"key": k, "predicate": p} for k, p in sorted(property_keys.items())]))
        for batch in _batches(sorted(ends), self.batch_size):

            def prune(run: Run, batch: list[str] = batch) -> list[Record]:
                return run(_PRUNE, iris=batch)

            step(prune)
        if version is None:
            step(lambda run: run(_FORGET_SOURCE, graph=graph))
        else:
            step(lambda run: run(
                RECORD_SOURCE, graph=graph, version=version, nodes=written.nodes,
                rels=written.relationships))
        return written

    def _write_chunk(self, run: Run, chunk: SourceProjection) -> None:
        """Nodes, then the other ends, then the relationships of one chunk."""
        nodes: list[dict[str, object]] = [
            {"iri": n.iri, "labels": n.labels, "properties": n.properties}
            for n in chunk.nodes.values()]
        for batch in _batches(nodes, self.batch_size):
            run(_WRITE_NODES, rows=batch)
        for iris in _batches(chunk.endpoints, self.batch_size):
            run(_ENSURE_NODES, iris=iris)
        by_type: dict[str, list[dict[str, object]]] = defaultdict(list)
        for rel in chunk.relationships:
            by_type[rel.type].append({"start": rel.start, "end": rel.end,
                                      "properties": rel.properties})
        for kind, rows in sorted(by_type.items()):
            _check_identifier(kind)
            query = (_WRITE_MEMBERSHIPS if kind == MEMBER_OF
                     else _WRITE_RELATIONSHIPS.format(type=kind))
            for batch in _batches(rows, self.batch_size):
                run(query, rows=batch)

    def _described_by(self, graph: str) -> list[str]:
        with self.driver.session(database=self.database) as session:
            result = session.run(
                f"MATCH (n:{RESOURCE}) WHERE $graph IN n.sources RETURN n.iri AS iri",
                graph=graph)
            return [record["iri"] for record in result]

    def _relationships_of(self, graph: str) -> int:
        """How many relationships of ``graph`` Neo4j holds (each type's ``source`` index)."""
        with self.driver.session(database=self.database) as session:
            return sum(session.run(
                f"MATCH ()-[r:{_quoted(kind)}]->() WHERE r.source = $graph RETURN count(r)",
                graph=graph).single(strict=True)[0]
                for kind in self._relationship_types(
                    lambda query, **parameters: list(session.run(query, **parameters))))

    @staticmethod
    def _relationship_types(run: Run) -> list[str]:
        query = "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType"
        return [record[0] for record in run(query)]


def in_transaction(tx: ManagedTransaction | Transaction) -> Run:
    """Run statements inside ``tx``."""
    def run(query: str, **parameters: Any) -> list[Record]:  # Cypher parameters
        return list(tx.run(query, **parameters))
    return run


def within(tx: ManagedTransaction | Transaction) -> Step:
    """Every unit of work inside ``tx``."""
    run = in_transaction(tx)
    return lambda work: work(run)


def _each_in_own_transaction(session: Session) -> Step:
    """Each unit of work in a managed transaction of its own (retried if transient)."""
    return lambda work: session.execute_write(lambda tx: work(in_transaction(tx)))


def store_checksums(store: Store) -> dict[str, str]:
    """``{graph: "sha256|generated-at"}`` of every source graph in ``store``.

    The checksum of the source file and the time it was loaded, both from the graph's own
    provenance: a source re-loaded into another store is written again (its load time is
    a fact Neo4j shows too), one the loaders skipped as unchanged is not.
    """
    checksums = {}
    for graph in store.named_graphs():
        if not isinstance(graph, NamedNode):
            continue
        token = []
        for predicate in (SMEKG.sha256, PROV.generatedAtTime):
            values = sorted(triple_parts(q.triple)[2].value for q in store.quads_for_pattern(
                graph, NamedNode(str(predicate)), None, graph))
            token.append(values[0] if values else "")
        checksums[graph.value] = "|".join(token)
    return checksums


def _batches(rows: list[_T], size: int) -> Iterable[list[_T]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _report(progress: Callable[[str], None] | None, graph: str, done: int) -> None:
    if progress is not None:
        progress(f"{graph}: {done:,} rows")


def _quoted(name: str) -> str:
    """``name`` as a Cypher identifier (backticks, doubled inside)."""
    return "`" + name.replace("`", "``") + "`"


def _check_identifier(name: str) -> None:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a relationship type: {name!r}")

"""Everything Neo4j: the query backend, the projection of the store and the sync."""

// Twin of version.rq: the checksum of every loaded source graph, as recorded by the sync
// (a graph that states no smekg:sha256 of itself is recorded with an empty one).
//+ iris: graph
MATCH (source:SyncedSource)
WHERE source.sha256 <> ''
RETURN source.graph AS graph, source.sha256 AS sha256

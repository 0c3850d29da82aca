// Twin of sectors.rq: NACE sectors within a sector, optionally at one level, with their
// parent. skos:broader from a sector is a BROADER relationship.
// A parameter left out is null here; the SPARQL projects it as smekg:any, and so does this
// twin (for $level only as a string: the `iris` header is per column, and the column
// holds an int when $level is given).
//+ iris: within sector parent
CALL () {
  MATCH (sector:Sector)
  WHERE $within IS NULL
  RETURN sector
  UNION
  MATCH (:Resource {iri: $within})<-[:BROADER*]-(sector:Sector)
  WHERE sector.iri <> $within
  RETURN sector
}
WITH sector, CASE WHEN sector.level IS :: LIST<ANY> NOT NULL THEN sector.level
                 ELSE [sector.level] END AS levels
WHERE 'https://w3id.org/smekg/ontology#Sector' IN sector.classes
  AND ($level IS NULL OR $level IN levels)
OPTIONAL MATCH (sector)-[:BROADER]->(parent:Resource)
RETURN coalesce($within, 'https://w3id.org/smekg/ontology#any') AS within,
       coalesce($level, 'https://w3id.org/smekg/ontology#any') AS level,
       sector.iri AS sector, parent.iri AS parent

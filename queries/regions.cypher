// Twin of regions.rq: regions within a region, optionally at one level and of NUTS-3
// typologies, with their parent.
// skos:broader from a region is a WITHIN relationship, between typology classes BROADER.
// A parameter left out is null here; the SPARQL projects it as smekg:any, and so does this
// twin: $level and $typology come back as given (an int, the notations asked,
// comma-separated), or as the IRI smekg:any (an {iri} map: the `iris` header is per
// column) when left out.
//+ iris: within region parent
CALL () {
  MATCH (region:Region)
  WHERE $within IS NULL
  RETURN region
  UNION
  MATCH (:Resource {iri: $within})<-[:WITHIN*]-(region:Region)
  WHERE region.iri <> $within
  RETURN region
}
WITH region, CASE WHEN region.level IS :: LIST<ANY> NOT NULL THEN region.level
                 ELSE [region.level] END AS levels
WHERE 'https://w3id.org/smekg/ontology#Region' IN region.classes
  AND ($level IS NULL OR $level IN levels)
  AND ($typology IS NULL OR all(asked IN split($typology, ',') WHERE EXISTS {
         MATCH (region)-[:TYPOLOGY]->(:Resource)-[:BROADER*0..]->(class:Resource)
               -[:IN_SCHEME]->(:Resource {iri: 'https://w3id.org/smekg/ontology#NutsTypologies'})
         WHERE class.code = asked }))
OPTIONAL MATCH (region)-[:WITHIN]->(parent:Resource)
RETURN coalesce($within, 'https://w3id.org/smekg/ontology#any') AS within,
       CASE WHEN $level IS NULL THEN {iri: 'https://w3id.org/smekg/ontology#any'}
            ELSE $level END AS level,
       CASE WHEN $typology IS NULL THEN {iri: 'https://w3id.org/smekg/ontology#any'}
            ELSE $typology END AS typology,
       region.iri AS region, parent.iri AS parent

// Twin of coverage.rq: the support providers (organisations, networks, programmes and good
// practices, and anything stated to provide a service) whose scope covers a region and a
// sector. Covering an ancestor region or sector (skos:broader*, WITHIN between regions,
// BROADER otherwise) covers it, and so does a sector stated to be the same as one of those
// (skos:exactMatch, EXACT_MATCH) or an ancestor of that; naming no sector covers all
// sectors; a network covers what its members cover, transitively, and the countries that
// are its members. A member country is not a result itself (it is the first link of the
// member chain); policies and publications are not results. A filter left out (null) comes
// back as smekg:any.
//+ iris: region sector type service entity
// What covers the region directly: whatever serves it or an ancestor of it, and the
// countries that are members of a network when the region lies in them.
CALL () {
  MATCH (direct)-[:COVERS_REGION]->(served)
  WHERE $region IS NULL
     OR EXISTS { (:Resource {iri: $region})-[:WITHIN|BROADER*0..]->(served) }
  RETURN direct
  UNION
  MATCH (direct:Country)
  WHERE EXISTS { (direct)-[:MEMBER_OF]->() }
    AND ($region IS NULL
         OR EXISTS { (:Resource {iri: $region})-[:WITHIN|BROADER*0..]->(direct) })
  RETURN direct
}
// Of those, the ones covering the sector: naming no sector, or one the asked sector lies in
// (through the links between NACE revisions too).
WITH direct
WHERE $sector IS NULL
   OR NOT EXISTS { (direct)-[:COVERS_SECTOR]->() }
   OR EXISTS { (:Resource {iri: $sector})-[:WITHIN|BROADER|EXACT_MATCH*0..]->()<-[:COVERS_SECTOR]-(direct) }
// A network covers what its members cover, at any depth; only providers are results.
MATCH (direct)-[:MEMBER_OF*0..]->(entity)
WHERE (any(c IN entity.classes
           WHERE c IN ['https://w3id.org/smekg/ontology#Organisation',
                       'https://w3id.org/smekg/ontology#Network',
                       'https://w3id.org/smekg/ontology#Programme',
                       'https://w3id.org/smekg/ontology#GoodPractice'])
       OR EXISTS { (entity)-[:PROVIDES_SERVICE]->() })
  AND ($type IS NULL OR $type IN entity.classes
       OR EXISTS { (entity)-[:CLASSIFIED_AS]->(:Resource {iri: $type}) })
  AND ($service IS NULL
       OR EXISTS { (entity)-[:PROVIDES_SERVICE]->(:Resource {iri: $service}) })
WITH DISTINCT entity, 'https://w3id.org/smekg/ontology#any' AS any
RETURN coalesce($region, any) AS region, coalesce($sector, any) AS sector,
       coalesce($type, any) AS type, coalesce($service, any) AS service,
       entity.iri AS entity

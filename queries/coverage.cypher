// Twin of coverage.rq: the organisations, networks, programmes and good practices whose
// scope covers a region and a sector. Covering an ancestor region or sector (skos:broader*,
// WITHIN between regions, BROADER otherwise) covers it; naming no sector covers all
// sectors; a network covers what its members cover, transitively; a country that is a
// member of a network covers itself. A filter left out (null) comes back as smekg:any.
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
// Of those, the ones covering the sector: naming no sector, or one the asked sector lies in.
WITH direct
WHERE $sector IS NULL
   OR NOT EXISTS { (direct)-[:COVERS_SECTOR]->() }
   OR EXISTS { (:Resource {iri: $sector})-[:WITHIN|BROADER*0..]->()<-[:COVERS_SECTOR]-(direct) }
// A network covers what its members cover, at any depth.
MATCH (direct)-[:MEMBER_OF*0..]->(entity)
WHERE ($type IS NULL OR $type IN entity.classes
       OR EXISTS { (entity)-[:CLASSIFIED_AS]->(:Resource {iri: $type}) })
  AND ($service IS NULL
       OR EXISTS { (entity)-[:PROVIDES_SERVICE]->(:Resource {iri: $service}) })
WITH DISTINCT entity, 'https://w3id.org/smekg/ontology#any' AS any
RETURN coalesce($region, any) AS region, coalesce($sector, any) AS sector,
       coalesce($type, any) AS type, coalesce($service, any) AS service,
       entity.iri AS entity

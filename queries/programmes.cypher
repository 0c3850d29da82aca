// Twin of programmes.rq: programmes and good practices, filtered by region (within it or
// covering it), sector (within it or covering it; one with no sector covers every sector),
// theme, policy (implemented or followed) and type. skos:broader is WITHIN between regions
// and BROADER otherwise, so hierarchies walk both types.
// A parameter left out is null here; the SPARQL returns it as smekg:any.
//+ iris: region sector theme policy type programme
MATCH (programme:Resource)
WHERE (programme:Programme OR programme:GoodPractice)
  AND ($type IS NULL OR $type IN programme.classes)
  AND ($region IS NULL OR EXISTS {
    MATCH (programme)-[:COVERS_REGION|LOCATED_IN]->(where:Resource),
          (region:Resource {iri: $region})
    WHERE EXISTS { (where)-[:WITHIN|BROADER]->*(region) }
       OR EXISTS { (region)-[:WITHIN|BROADER]->*(where) } })
  AND ($sector IS NULL OR NOT EXISTS { (programme)-[:COVERS_SECTOR]->() } OR EXISTS {
    MATCH (programme)-[:COVERS_SECTOR]->(what:Resource), (sector:Resource {iri: $sector})
    WHERE EXISTS { (what)-[:WITHIN|BROADER]->*(sector) }
       OR EXISTS { (sector)-[:WITHIN|BROADER]->*(what) } })
  AND ($theme IS NULL OR EXISTS {
    (programme)-[:THEMATIC_AREA]->(:Resource {iri: $theme}) })
  AND ($policy IS NULL OR EXISTS {
    (programme)-[:IMPLEMENTS_POLICY|FOLLOWS_FROM]->(:Resource {iri: $policy}) })
RETURN DISTINCT
  coalesce($region, 'https://w3id.org/smekg/ontology#any') AS region,
  coalesce($sector, 'https://w3id.org/smekg/ontology#any') AS sector,
  coalesce($theme, 'https://w3id.org/smekg/ontology#any') AS theme,
  coalesce($policy, 'https://w3id.org/smekg/ontology#any') AS policy,
  coalesce($type, 'https://w3id.org/smekg/ontology#any') AS type,
  programme.iri AS programme

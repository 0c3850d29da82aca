// Twin of organisations_in_region.rq: the organisations located in a region or in any
// region within it, with each location the data gives (schema:location or smekg:country)
// that lies in the region (skos:broader*: WITHIN between regions, BROADER otherwise; a
// region lies in itself). A type left out (null) comes back as smekg:any.
//+ iris: region type organisation located
MATCH (region:Resource {iri: $region})
MATCH (organisation:Organisation)-[:LOCATED_IN|COUNTRY]->(located)
      -[:WITHIN|BROADER*0..]->(region)
WHERE $type IS NULL OR $type IN organisation.classes
      OR EXISTS { (organisation)-[:CLASSIFIED_AS]->(:Resource {iri: $type}) }
RETURN DISTINCT region.iri AS region,
       coalesce($type, 'https://w3id.org/smekg/ontology#any') AS type,
       organisation.iri AS organisation, located.iri AS located

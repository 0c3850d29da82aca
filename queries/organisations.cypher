// Twin of organisations.rq: organisations (networks included), filtered by kind or type,
// the country they are based in, the region they are located in (or within), a service
// they provide, a theme, or a network they are a direct member of. A filter left out
// (null) keeps every organisation and comes back as smekg:any, as in the SPARQL.
//+ iris: type country region service theme network organisation
MATCH (organisation:Organisation)
WHERE ($type IS NULL OR $type IN organisation.classes
       OR EXISTS { (organisation)-[:CLASSIFIED_AS]->(:Resource {iri: $type}) })
  AND ($country IS NULL
       OR EXISTS { (organisation)-[:COUNTRY]->(:Resource {iri: $country}) })
  // skos:broader*, walked up from the organisation's places (a region is within itself)
  AND ($region IS NULL
       OR EXISTS { (organisation)-[:LOCATED_IN|COUNTRY]->()-[:WITHIN|BROADER*0..]->(place)
                   WHERE place.iri = $region })
  AND ($service IS NULL
       OR EXISTS { (organisation)-[:PROVIDES_SERVICE]->(:Resource {iri: $service}) })
  AND ($theme IS NULL
       OR EXISTS { (organisation)-[:THEMATIC_AREA]->(:Resource {iri: $theme}) })
  AND ($network IS NULL
       OR EXISTS { (organisation)-[:MEMBER_OF]->(:Resource {iri: $network}) })
WITH organisation, 'https://w3id.org/smekg/ontology#any' AS any
RETURN coalesce($type, any) AS type, coalesce($country, any) AS country,
       coalesce($region, any) AS region, coalesce($service, any) AS service,
       coalesce($theme, any) AS theme, coalesce($network, any) AS network,
       organisation.iri AS organisation

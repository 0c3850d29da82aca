// Twin of locations.rq: where each organisation is located, its schema:location
// (LOCATED_IN) and smekg:country (COUNTRY) links, as organisations_in_region.cypher reads
// them. Classes are checked on n.classes (full IRIs), as labels are only local names.
//+ iris: organisation located
MATCH (organisation:Organisation)-[:LOCATED_IN|COUNTRY]->(located)
WHERE 'https://w3id.org/smekg/ontology#Organisation' IN organisation.classes
RETURN DISTINCT organisation.iri AS organisation, located.iri AS located

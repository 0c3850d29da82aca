// Twin of typologies.rq: the NUTS-3 typology classes of each region (smekg:typology is
// TYPOLOGY), each with the broader classes it lies in (skos:broader between them is BROADER).
//+ iris: region typology broader
MATCH (region:Resource)-[:TYPOLOGY]->(typology:Resource)
OPTIONAL MATCH (typology)-[:BROADER*1..]->(broader:Resource)
RETURN DISTINCT region.iri AS region, typology.iri AS typology, broader.iri AS broader

// Twin of sector_matches.rq: sectors stated to be the same as another concept
// (skos:exactMatch is EXACT_MATCH), as stated: the NACE Rev. 2 codes and the Rev. 2.1 codes
// of the same code and title, both ways.
//+ iris: sector same
MATCH (sector:Sector)-[:EXACT_MATCH]->(same:Resource)
WHERE 'https://w3id.org/smekg/ontology#Sector' IN sector.classes
RETURN sector.iri AS sector, same.iri AS same

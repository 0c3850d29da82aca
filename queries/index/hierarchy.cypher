// Twin of hierarchy.rq: broader links and levels of regions and sectors.
// skos:broader is WITHIN from a region and BROADER otherwise; smekg:level is a property.
//+ iris: concept broader
MATCH (concept:Region|Sector)
WHERE any(class IN concept.classes WHERE class IN ['https://w3id.org/smekg/ontology#Region',
                                                  'https://w3id.org/smekg/ontology#Sector'])
OPTIONAL MATCH (concept)-[:WITHIN|BROADER]->(broader:Resource)
UNWIND CASE WHEN concept.level IS :: LIST<ANY> NOT NULL THEN concept.level
            ELSE [concept.level] END AS level
RETURN concept.iri AS concept, broader.iri AS broader, level

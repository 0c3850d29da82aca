// Twin of organisation_places.rq: the places something is LOCATED_IN (schema:location) or
// in the COUNTRY of (smekg:country), with each code and each name (node properties
// holding one value or a sorted list of several).
//+ iris: place
MATCH ()-[link:LOCATED_IN|COUNTRY]->(place:Resource)
WHERE link.predicate IN ['https://schema.org/location', 'https://w3id.org/smekg/ontology#country']
  AND place.code IS NOT NULL
WITH DISTINCT place
UNWIND CASE WHEN place.code IS :: LIST<ANY> THEN place.code ELSE [place.code] END AS code
UNWIND CASE WHEN place.name IS NULL THEN [null]
            WHEN place.name IS :: LIST<ANY> THEN place.name ELSE [place.name] END AS name
RETURN place.iri AS place, code, name

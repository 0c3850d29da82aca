// Twin of organisation_facts.rq: the names (name), PIC (pic) and VAT number (vatID) are
// node properties holding one value or a sorted list of several; Wikidata, location and
// country (of those without a location) are relationships, told apart by the predicate
// each carries (their IRIs as {iri} maps: the value column also holds literals); the city
// is the postName of the address node.
//+ iris: entity
MATCH (entity:Resource)
UNWIND [['name', entity.name], ['pic', entity.pic], ['vat', entity.vatID]] AS stated
WITH entity, stated[0] AS kind, stated[1] AS values
WHERE values IS NOT NULL
UNWIND CASE WHEN values IS :: LIST<ANY> THEN values ELSE [values] END AS value
RETURN entity.iri AS entity, kind, value
UNION ALL
MATCH (entity:Resource)-[link]->(place:Resource)
WHERE link.predicate IN ['https://w3id.org/smekg/ontology#wikidata',
                         'https://schema.org/location',
                         'https://w3id.org/smekg/ontology#country']
  AND NOT (link.predicate = 'https://w3id.org/smekg/ontology#country'
           AND EXISTS { (entity)-[located]->()
                        WHERE located.predicate = 'https://schema.org/location' })
RETURN entity.iri AS entity,
       CASE link.predicate WHEN 'https://schema.org/location' THEN 'location'
            WHEN 'https://w3id.org/smekg/ontology#country' THEN 'country'
            ELSE 'wikidata' END AS kind,
       {iri: place.iri} AS value
UNION ALL
MATCH (entity:Resource)-[link]->(address:Resource)
WHERE link.predicate = 'http://www.w3.org/ns/locn#address' AND address.postName IS NOT NULL
UNWIND CASE WHEN address.postName IS :: LIST<ANY> THEN address.postName
            ELSE [address.postName] END AS value
RETURN entity.iri AS entity, 'city' AS kind, value

// Twin of search.rq: every name, other name, code and identifier of every entity, with
// the predicate it comes from; matching and ranking run over them in Python. A key holds
// one value, or a list when the entity has several.
//+ iris: entity property
UNWIND [['http://www.w3.org/2004/02/skos/core#prefLabel', 'name'],
        ['http://www.w3.org/2004/02/skos/core#altLabel', 'altNames'],
        ['http://www.w3.org/2004/02/skos/core#notation', 'code'],
        ['http://purl.org/dc/terms/identifier', 'identifier']] AS keyed
WITH keyed[0] AS property, keyed[1] AS key
MATCH (entity:Resource)
WHERE entity[key] IS NOT NULL
WITH entity, property, entity[key] AS values
UNWIND CASE WHEN values IS :: LIST<ANY> THEN values ELSE [values] END AS name
RETURN entity.iri AS entity, name, property

// Twin of search.rq: every name, other name, code and identifier of every entity, with
// the predicate it is stated with; matching and ranking run over them in Python. Each
// key holds one value, or a sorted list when the entity has several.
//+ iris: entity property
MATCH (entity:Resource)
UNWIND [['http://www.w3.org/2004/02/skos/core#prefLabel', entity.name],
        ['http://www.w3.org/2004/02/skos/core#altLabel', entity.altNames],
        ['http://www.w3.org/2004/02/skos/core#notation', entity.code],
        ['http://purl.org/dc/terms/identifier', entity.identifier]] AS stated
WITH entity, stated[0] AS property, stated[1] AS values
WHERE values IS NOT NULL
UNWIND CASE WHEN values IS :: LIST<ANY> THEN values ELSE [values] END AS name
RETURN entity.iri AS entity, name, property

// Twin of names.rq: preferred and other names, codes and identifiers of every entity.
// Each is a node property (name, altNames, code, identifier) holding one value or a
// sorted list of several; the row names the RDF predicate it came from.
//+ iris: entity property
MATCH (entity:Resource)
UNWIND [['http://www.w3.org/2004/02/skos/core#prefLabel', entity.name],
        ['http://www.w3.org/2004/02/skos/core#altLabel', entity.altNames],
        ['http://www.w3.org/2004/02/skos/core#notation', entity.code],
        ['http://purl.org/dc/terms/identifier', entity.identifier]] AS stated
WITH entity, stated[0] AS property, stated[1] AS names
WHERE names IS NOT NULL
UNWIND CASE WHEN names IS :: LIST<ANY> THEN names ELSE [names] END AS name
RETURN entity.iri AS entity, property, name

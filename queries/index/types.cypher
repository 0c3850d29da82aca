// Twin of types.rq: the ontology classes and organisation types of every typed entity.
// Classes come from n.classes (full rdf:type IRIs; labels are only local names), the
// organisation types from org:classification links.
//+ iris: entity tag
MATCH (entity:Resource)
UNWIND entity.classes AS tag
WITH entity, tag
WHERE tag STARTS WITH 'https://w3id.org/smekg/ontology#'
RETURN entity.iri AS entity, tag
UNION
MATCH (entity:Resource)-[:CLASSIFIED_AS]->(type:Resource)
RETURN entity.iri AS entity, type.iri AS tag

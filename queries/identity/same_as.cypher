// Twin of same_as.rq: owl:sameAs links are SAME_AS relationships, each carrying the
// source graph that states it.
//+ iris: entity same source
MATCH (entity:Resource)-[link:SAME_AS]->(same:Resource)
WHERE link.predicate = 'http://www.w3.org/2002/07/owl#sameAs'
RETURN entity.iri AS entity, same.iri AS same, link.source AS source

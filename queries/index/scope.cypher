// Twin of scope.rq: geographic and sectoral scope and services of every entity that
// states them (schema:areaServed, cv:sector, smekg:providesService links).
//+ iris: entity property value
MATCH (entity:Resource)-[scope:COVERS_REGION|COVERS_SECTOR|PROVIDES_SERVICE]->(value:Resource)
RETURN entity.iri AS entity, scope.predicate AS property, value.iri AS value

// Twin of entity_in_count.rq: the number of incoming facts of an entity, each a
// (predicate, value, graph) as the incoming branches of entity.cypher state them.
//+ iris: entity
MATCH (entity:Resource {iri: $entity})
CALL (entity) {
  MATCH (subject)-[r]->(entity)
  WHERE NOT r:MEMBER_OF
  RETURN 'in' AS direction, r.predicate AS predicate, {iri: subject.iri} AS value,
         r.source AS graph, subject, null AS membership
UNION ALL
  // the label of a class: its IRI's local name, as loaders.neo4j_projection.local_name
  WITH entity, last([part IN split(replace(entity.iri, '#', '/'), '/') WHERE part <> ''])
               AS localName
  WITH entity, reduce(name = '', c IN split(coalesce(localName, ''), '')
                      | name + CASE WHEN c =~ '[A-Za-z0-9_]' THEN c ELSE '_' END) AS name
  WITH entity, CASE WHEN name = '' THEN 'thing' WHEN name =~ '[A-Za-z].*' THEN name
                    ELSE '_' + name END AS label
  MATCH (subject:$(label))
  WHERE entity.iri IN subject.classes
  UNWIND [subject.describedIn] + [entry IN coalesce(subject.alsoDescribedIn, [])
                                  WHERE entry STARTS WITH 'classes '
                                  | substring(entry, size('classes '))] AS graph
  RETURN 'in' AS direction, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type' AS predicate,
         {iri: subject.iri} AS value, graph, subject, null AS membership
UNION ALL
  MATCH (entity)-[membership:MEMBER_OF]->()
  RETURN 'in' AS direction, 'http://www.w3.org/ns/org#member' AS predicate,
         {iri: membership.iri} AS value, membership.source AS graph, null AS subject,
         membership
UNION ALL
  MATCH ()-[membership:MEMBER_OF]->(entity)
  RETURN 'in' AS direction, 'http://www.w3.org/ns/org#organization' AS predicate,
         {iri: membership.iri} AS value, membership.source AS graph, null AS subject,
         membership
UNION ALL
  MATCH ()-[membership:MEMBER_OF]->()
  UNWIND [['http://www.w3.org/ns/org#role', membership.role],
          ['http://purl.org/dc/terms/source', membership.document],
          ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
           'http://www.w3.org/ns/org#Membership']] AS fact
  WITH entity, membership, fact
  WHERE fact[1] = entity.iri
  RETURN 'in' AS direction, fact[0] AS predicate, {iri: membership.iri} AS value,
         membership.source AS graph, null AS subject, membership
}
WITH count(DISTINCT [predicate, value.iri, graph]) AS incoming
WHERE incoming > 0  // as the GROUP BY of the SPARQL: no row when there is none
RETURN $entity AS entity, incoming

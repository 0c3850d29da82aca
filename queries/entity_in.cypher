// Twin of entity_in.rq: at most 200 rows of the incoming facts of an entity, as the
// incoming branches of entity.cypher state them (see there), with the document and evidence
// of each. Which rows when there are more: the first the engine finds (no ORDER BY).
//+ iris: entity predicate graph
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
WITH direction, predicate, value, graph,
     CASE WHEN membership IS NOT NULL
       THEN [document IN [membership.document] WHERE document IS NOT NULL | {iri: document}]
       ELSE [(subject)-[stated:STATED_IN]->(document) WHERE stated.source = graph
             | {iri: document.iri}]
            + [text IN coalesce([] + subject.sourceText, [])
               WHERE graph = subject.describedIn
                  OR 'sourceText ' + graph IN coalesce(subject.alsoDescribedIn, [])]
     END AS documents,
     CASE WHEN membership IS NOT NULL
       THEN [evidence IN [membership.evidence] WHERE evidence IS NOT NULL]
       ELSE [evidence IN coalesce([] + subject.evidence, [])
             WHERE graph = subject.describedIn
                OR 'evidence ' + graph IN coalesce(subject.alsoDescribedIn, [])]
     END AS evidences
UNWIND CASE documents WHEN [] THEN [null] ELSE documents END AS document
UNWIND CASE evidences WHEN [] THEN [null] ELSE evidences END AS evidence
RETURN $entity AS entity, direction, predicate, value, graph, document, evidence
LIMIT 200

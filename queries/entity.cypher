// Twin of entity.rq: every fact about an entity, outgoing and incoming, with the graph that
// states it and the document (dcterms:source) and evidence (smekg:evidence) that this graph
// gives for the fact's subject.
// * IRI-valued facts are relationships (r.predicate, r.source).
// * rdf:type and literal facts are node properties: `classes` is rdf:type; a renamed key
//   (skos:prefLabel is `name`, ...) has its predicate below; any other key is the local name
//   of a property the ontology declares. A key is stated by the graph `describedIn` and by
//   the graphs of its "key graph" entries in `alsoDescribedIn`. The instances of a class
//   carry the class's local name as a label.
// * An org:Membership is a MEMBER_OF relationship (its IRI in `iri`), not a node: the
//   entity can be its member, organisation, role, document or class.
// * `value` and `document` hold IRIs and literals alike, so an IRI comes back as {iri: ...}.
//+ iris: entity predicate graph
MATCH (entity:Resource {iri: $entity})
CALL (entity) {
  MATCH (entity)-[r]->(object)
  WHERE NOT r:MEMBER_OF
  RETURN 'out' AS direction, r.predicate AS predicate, {iri: object.iri} AS value,
         r.source AS graph, entity AS subject, null AS membership
UNION ALL
  WITH entity, {
    classes: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
    name: 'http://www.w3.org/2004/02/skos/core#prefLabel',
    altNames: 'http://www.w3.org/2004/02/skos/core#altLabel',
    code: 'http://www.w3.org/2004/02/skos/core#notation',
    definition: 'http://www.w3.org/2004/02/skos/core#definition',
    identifier: 'http://purl.org/dc/terms/identifier',
    title: 'http://purl.org/dc/terms/title',
    description: 'http://purl.org/dc/terms/description',
    sourceText: 'http://purl.org/dc/terms/source',
    label: 'http://www.w3.org/2000/01/rdf-schema#label',
    comment: 'http://www.w3.org/2000/01/rdf-schema#comment',
    evidence: 'https://w3id.org/smekg/ontology#evidence',
    startDate: 'https://schema.org/startDate',
    endDate: 'https://schema.org/endDate'} AS renamed
  UNWIND [key IN keys(entity)
          WHERE NOT key IN ['iri', 'sources', 'describedIn', 'alsoDescribedIn']] AS key
  CALL (key, renamed) {
    OPTIONAL MATCH (property:DatatypeProperty|AnnotationProperty|Property)
    WHERE renamed[key] IS NULL
      AND (property.iri ENDS WITH '#' + key OR property.iri ENDS WITH '/' + key)
    RETURN coalesce(renamed[key], property.iri) AS predicate
  }
  UNWIND [] + entity[key] AS value  // one value or a list of them
  UNWIND [entity.describedIn] + [entry IN coalesce(entity.alsoDescribedIn, [])
                                 WHERE entry STARTS WITH key + ' '
                                 | substring(entry, size(key) + 1)] AS graph
  RETURN 'out' AS direction, predicate,
         CASE key WHEN 'classes' THEN {iri: value} ELSE value END AS value,
         graph, entity AS subject, null AS membership
UNION ALL
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

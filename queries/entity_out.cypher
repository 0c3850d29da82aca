// Twin of entity_out.rq: the outgoing facts of an entity, as the outgoing branches of
// entity.cypher state them (see there), with the document and evidence of each.
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

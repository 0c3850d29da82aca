// Twin of organisation_sources.rq: a node's sources are the graphs in which it is a
// subject (the projection's `sources`; '' would be the default graph, which holds none).
//+ iris: organisation source
MATCH (organisation:Organisation)
WHERE 'https://w3id.org/smekg/ontology#Organisation' IN organisation.classes
UNWIND organisation.sources AS source
WITH organisation, source
WHERE source <> ''
RETURN DISTINCT organisation.iri AS organisation, source

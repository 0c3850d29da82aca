// Twin of project_facts.rq: the programme (FUNDED_UNDER) and the other names, funding
// scheme, topics, period, total cost and EU contribution of every project. Literal facts
// are node properties holding one value or a sorted list of several; the row names the
// RDF predicate each came from.
//+ iris: project programme property
MATCH (project:Project)-[:FUNDED_UNDER]->(programme:Resource)
WHERE 'https://w3id.org/smekg/ontology#Project' IN project.classes
RETURN project.iri AS project, programme.iri AS programme, null AS property, null AS value
UNION
MATCH (project:Project)
WHERE 'https://w3id.org/smekg/ontology#Project' IN project.classes
UNWIND [['http://www.w3.org/2004/02/skos/core#altLabel', project.altNames],
        ['https://w3id.org/smekg/ontology#fundingScheme', project.fundingScheme],
        ['https://w3id.org/smekg/ontology#topic', project.topic],
        ['https://schema.org/startDate', project.startDate],
        ['https://schema.org/endDate', project.endDate],
        ['https://w3id.org/smekg/ontology#totalCost', project.totalCost],
        ['https://w3id.org/smekg/ontology#euContribution', project.euContribution]] AS stated
WITH project, stated[0] AS property, stated[1] AS values
WHERE values IS NOT NULL
UNWIND CASE WHEN values IS :: LIST<ANY> THEN values ELSE [values] END AS value
RETURN project.iri AS project, null AS programme, property, value

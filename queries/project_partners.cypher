// Twin of project_partners.rq: the partners of a project with their role, budget, EU
// contribution and period (on the MEMBER_OF relationship of each partnership: role, since,
// until, totalCost, euContribution) and where they are (COUNTRY, LOCATED_IN); a project
// without partners gives one row without a partner.
//+ iris: project partnership partner role country location
MATCH (project:Resource {iri: $project})
WHERE 'https://w3id.org/smekg/ontology#Project' IN project.classes
OPTIONAL MATCH (partner:Resource)-[partnership:MEMBER_OF]->(project)
OPTIONAL MATCH (partner)-[:COUNTRY]->(country:Resource)
OPTIONAL MATCH (partner)-[:LOCATED_IN]->(location:Resource)
RETURN project.iri AS project, partnership.iri AS partnership, partner.iri AS partner,
       partnership.role AS role, partnership.totalCost AS totalCost,
       partnership.euContribution AS euContribution, partnership.since AS since,
       partnership.until AS until, country.iri AS country, location.iri AS location

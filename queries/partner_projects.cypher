// Twin of partner_projects.rq: the projects an organisation takes part in, with its role,
// budget, EU contribution and period (on the MEMBER_OF relationship of each partnership)
// and each project's programme (FUNDED_UNDER) and period; an organisation in no project
// gives one row without a project. Classes are checked on n.classes (full IRIs), as labels
// are only local names.
//+ iris: organisation partnership project role fundedUnder
MATCH (organisation:Resource {iri: $organisation})
OPTIONAL MATCH (organisation)-[partnership:MEMBER_OF]->(project:Project)
WHERE 'https://w3id.org/smekg/ontology#Project' IN project.classes
OPTIONAL MATCH (project)-[:FUNDED_UNDER]->(programme:Resource)
WITH organisation, partnership, project, collect(DISTINCT programme.iri) AS programmes
UNWIND CASE programmes WHEN [] THEN [null] ELSE programmes END AS fundedUnder
UNWIND CASE WHEN project.startDate IS :: LIST<ANY> NOT NULL THEN project.startDate
            ELSE [project.startDate] END AS start
UNWIND CASE WHEN project.endDate IS :: LIST<ANY> NOT NULL THEN project.endDate
            ELSE [project.endDate] END AS finish
RETURN organisation.iri AS organisation, partnership.iri AS partnership,
       project.iri AS project, partnership.role AS role,
       partnership.totalCost AS totalCost, partnership.euContribution AS euContribution,
       partnership.since AS since, partnership.until AS until, fundedUnder, start,
       finish AS `end`

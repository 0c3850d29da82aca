// Twin of projects.rq: projects with their name, acronym (an other name), programme,
// funding scheme, period, total cost, EU contribution and number of partners (the members
// of their MEMBER_OF partnerships), filtered by programme, topic (exact, or a prefix with a
// trailing *; case ignored) and a place one of their partners is located in (or within).
// A filter left out is null here and comes back as smekg:any, as in the SPARQL (the topic,
// text when given, as an {iri: ...} map then). Literal facts are properties holding one value or a sorted
// list of several; each value makes a row, as each binding of an OPTIONAL does in SPARQL.
//+ iris: programme country project fundedUnder
MATCH (project:Project)
WHERE 'https://w3id.org/smekg/ontology#Project' IN project.classes
  AND ($programme IS NULL
       OR EXISTS { (project)-[:FUNDED_UNDER]->(:Resource {iri: $programme}) })
  AND ($topic IS NULL
       OR any(code IN CASE WHEN project.topic IS :: LIST<ANY> NOT NULL THEN project.topic
                           ELSE [project.topic] END
              WHERE code IS NOT NULL
                AND CASE WHEN $topic ENDS WITH '*'
                         THEN toLower(code) STARTS WITH toLower(left($topic, size($topic) - 1))
                         ELSE toLower(code) = toLower($topic) END))
  // skos:broader*, walked up from the partners' places (a region is within itself)
  AND ($country IS NULL
       OR EXISTS { MATCH (partner:Resource)-[:MEMBER_OF]->(project),
                         (partner)-[:LOCATED_IN|COUNTRY]->()-[:WITHIN|BROADER*0..]->(place)
                   WHERE place.iri = $country })
OPTIONAL MATCH (member:Resource)-[:MEMBER_OF]->(project)
WITH project, count(DISTINCT member) AS partners
OPTIONAL MATCH (project)-[:FUNDED_UNDER]->(programme:Resource)
WITH project, partners, collect(DISTINCT programme.iri) AS programmes
UNWIND CASE programmes WHEN [] THEN [null] ELSE programmes END AS fundedUnder
UNWIND CASE WHEN project.name IS :: LIST<ANY> NOT NULL THEN project.name
            ELSE [project.name] END AS name
UNWIND CASE WHEN project.altNames IS :: LIST<ANY> NOT NULL THEN project.altNames
            ELSE [project.altNames] END AS acronym
UNWIND CASE WHEN project.fundingScheme IS :: LIST<ANY> NOT NULL THEN project.fundingScheme
            ELSE [project.fundingScheme] END AS scheme
UNWIND CASE WHEN project.startDate IS :: LIST<ANY> NOT NULL THEN project.startDate
            ELSE [project.startDate] END AS start
UNWIND CASE WHEN project.endDate IS :: LIST<ANY> NOT NULL THEN project.endDate
            ELSE [project.endDate] END AS finish
UNWIND CASE WHEN project.totalCost IS :: LIST<ANY> NOT NULL THEN project.totalCost
            ELSE [project.totalCost] END AS totalCost
UNWIND CASE WHEN project.euContribution IS :: LIST<ANY> NOT NULL THEN project.euContribution
            ELSE [project.euContribution] END AS euContribution
WITH project, partners, fundedUnder, name, acronym, scheme, start, finish, totalCost,
     euContribution, 'https://w3id.org/smekg/ontology#any' AS any
RETURN coalesce($programme, any) AS programme,
       CASE WHEN $topic IS NULL THEN {iri: any} ELSE $topic END AS topic,
       coalesce($country, any) AS country, project.iri AS project, name, acronym,
       fundedUnder, scheme, start, finish AS `end`, totalCost, euContribution, partners

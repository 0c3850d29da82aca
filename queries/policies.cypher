// Twin of policies.rq: policies, charters and publications, with when and where they were
// adopted and who published them. Literal facts are properties holding one value or a
// sorted list of several (dcterms:date is `date`, schema:datePublished `datePublished`);
// each value makes a row, as each binding of an OPTIONAL does in SPARQL.
//+ iris: policy adoptedAt publisher
MATCH (policy:Policy|Publication)
WHERE any(class IN policy.classes WHERE class IN ['https://w3id.org/smekg/ontology#Policy',
                                                 'https://w3id.org/smekg/ontology#Publication'])
WITH policy,
     CASE WHEN policy.policyKind IS :: LIST<ANY> NOT NULL THEN policy.policyKind
          ELSE [policy.policyKind] END AS kinds,
     [date IN [policy.date, policy.datePublished] WHERE date IS NOT NULL] AS dated
WITH policy, kinds,
     reduce(dates = [], date IN dated |
            dates + CASE WHEN date IS :: LIST<ANY> THEN date ELSE [date] END) AS dates
UNWIND kinds AS kind
UNWIND CASE WHEN dates = [] THEN [null] ELSE dates END AS date
OPTIONAL MATCH (policy)-[:ADOPTED_AT]->(adoptedAt:Resource)
OPTIONAL MATCH (policy)-[:PUBLISHER]->(publisher:Resource)
RETURN policy.iri AS policy, kind, date, adoptedAt.iri AS adoptedAt, publisher.iri AS publisher

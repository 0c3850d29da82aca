// Twin of networks.rq: every network with its number of direct members, of member
// networks and of member countries. Classes are checked on n.classes (full IRIs), as
// labels are only local names.
//+ iris: network
MATCH (network:Network)
WHERE 'https://w3id.org/smekg/ontology#Network' IN network.classes
OPTIONAL MATCH (member:Resource)-[:MEMBER_OF]->(network)
RETURN network.iri AS network,
       count(DISTINCT member) AS members,
       count(DISTINCT CASE WHEN 'https://w3id.org/smekg/ontology#Network' IN member.classes
                           THEN member END) AS networks,
       count(DISTINCT CASE WHEN 'https://w3id.org/smekg/ontology#Country' IN member.classes
                           THEN member END) AS countries

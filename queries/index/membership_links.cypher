// Twin of membership_links.rq: every member -> network link (each org:Membership is a
// MEMBER_OF relationship).
//+ iris: member network
MATCH (member:Resource)-[:MEMBER_OF]->(network:Resource)
RETURN DISTINCT member.iri AS member, network.iri AS network

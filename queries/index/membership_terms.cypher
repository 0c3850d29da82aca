// Twin of membership_terms.rq: every membership with its member, network, role and period.
// A membership is a MEMBER_OF relationship carrying its role, since and until (read as
// members.cypher and memberships.cypher read them).
//+ iris: member network role
MATCH (member)-[membership:MEMBER_OF]->(network)
RETURN member.iri AS member, network.iri AS network, membership.role AS role,
       membership.since AS since, membership.until AS until

// Twin of memberships.rq: the networks an organisation (or a country) is a member of,
// with role and period; with $transitive also the networks those networks belong to. A
// membership is a MEMBER_OF relationship carrying its role, since and until.
//+ iris: organisation via network role
MATCH (organisation:Resource {iri: $organisation})
// The members whose memberships are listed: the organisation itself, and with
// $transitive every network above it.
CALL (organisation) {
  RETURN organisation AS via
  UNION
  MATCH (organisation)-[:MEMBER_OF*]->(via)
  WHERE $transitive
  RETURN via
}
MATCH (via)-[membership:MEMBER_OF]->(network)
RETURN organisation.iri AS organisation, $transitive AS transitive, via.iri AS via,
       network.iri AS network, membership.role AS role,
       membership.since AS since, membership.until AS until

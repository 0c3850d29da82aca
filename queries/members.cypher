// Twin of members.rq: the members of a network with their role and period; with
// $transitive also the members of its member networks, at any depth. A membership is a
// MEMBER_OF relationship carrying its role, since and until.
//+ iris: network via member role
MATCH (network:Resource {iri: $network})
// The networks whose members are listed: the network itself, and with $transitive every
// network below it (networks of networks).
CALL (network) {
  RETURN network AS via
  UNION
  MATCH (network)<-[:MEMBER_OF*]-(via)
  WHERE $transitive
  RETURN via
}
MATCH (member)-[membership:MEMBER_OF]->(via)
RETURN network.iri AS network, $transitive AS transitive, via.iri AS via,
       member.iri AS member, membership.role AS role,
       membership.since AS since, membership.until AS until

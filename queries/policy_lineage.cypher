// Twin of policy_lineage.rq: the lineage edges of a policy (what follows from it,
// implements it, adopted it, proposed, promoted or published it, ...) and, one step
// further, the same kinds of edges at the nodes next to it. As in the SPARQL, an edge that
// starts or ends at the policy itself leaves that end out (null).
//+ iris: policy subject relation object
WITH ['https://w3id.org/smekg/ontology#followsFrom',
      'https://w3id.org/smekg/ontology#implementsPolicy',
      'https://w3id.org/smekg/ontology#adoptedAt',
      'https://w3id.org/smekg/ontology#proposedBy',
      'https://w3id.org/smekg/ontology#promotedBy',
      'https://w3id.org/smekg/ontology#supportedBy',
      'https://w3id.org/smekg/ontology#originatedAt',
      'https://w3id.org/smekg/ontology#featuredIn',
      'https://w3id.org/smekg/ontology#drawsOn',
      'http://purl.org/dc/terms/publisher',
      'https://schema.org/organizer',
      'https://w3id.org/smekg/ontology#underAuspicesOf',
      'http://data.europa.eu/m8g/hasCompetentAuthority',
      'https://w3id.org/smekg/ontology#secretariatHostedBy'] AS relations
MATCH (policy:Resource {iri: $policy})
CALL (policy, relations) {
  MATCH (policy)-[r]->(object)
  WHERE r.predicate IN relations
  RETURN null AS subject, r.predicate AS relation, object.iri AS object
UNION
  MATCH (subject)-[r]->(policy)
  WHERE r.predicate IN relations
  RETURN subject.iri AS subject, r.predicate AS relation, null AS object
UNION
  // the nodes one step away: where it was adopted, who proposed, promoted, supported or
  // published it, what it follows from; what follows from, implements or draws on it
  CALL (policy) {
    MATCH (policy)-[out]->(node)
    WHERE out.predicate IN ['https://w3id.org/smekg/ontology#adoptedAt',
                            'https://w3id.org/smekg/ontology#proposedBy',
                            'https://w3id.org/smekg/ontology#promotedBy',
                            'https://w3id.org/smekg/ontology#supportedBy',
                            'http://purl.org/dc/terms/publisher',
                            'https://w3id.org/smekg/ontology#followsFrom']
    RETURN node
  UNION
    MATCH (node)-[in]->(policy)
    WHERE in.predicate IN ['https://w3id.org/smekg/ontology#followsFrom',
                           'https://w3id.org/smekg/ontology#implementsPolicy',
                           'https://w3id.org/smekg/ontology#adoptedAt',
                           'https://w3id.org/smekg/ontology#drawsOn']
    RETURN node
  }
  MATCH (node)-[r]-()
  WHERE r.predicate IN relations
  RETURN startNode(r).iri AS subject, r.predicate AS relation, endNode(r).iri AS object
}
RETURN DISTINCT policy.iri AS policy, subject, relation, object

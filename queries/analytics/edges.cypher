// Twin of edges.rq: memberships (MEMBER_OF, with role and period) and the links that
// ecosystem analyses follow, told apart by the predicate each relationship carries.
//+ iris: subject relation object source role
CALL () {
  MATCH (member:Resource)-[membership:MEMBER_OF]->(network:Resource)
  RETURN member.iri AS subject, 'http://www.w3.org/ns/org#memberOf' AS relation,
         network.iri AS object, membership.source AS source, membership.role AS role,
         membership.since AS since, membership.until AS until
  UNION ALL
  MATCH (subject:Resource)-[link]->(object:Resource)
  WHERE link.predicate IN [
    'https://schema.org/areaServed', 'http://data.europa.eu/m8g/sector',
    'https://w3id.org/smekg/ontology#providesService', 'http://data.europa.eu/m8g/thematicArea',
    'https://w3id.org/smekg/ontology#country', 'https://schema.org/location',
    'https://schema.org/foundingLocation', 'http://www.w3.org/2004/02/skos/core#broader',
    'http://www.w3.org/ns/org#subOrganizationOf', 'https://schema.org/organizer',
    'http://data.europa.eu/m8g/hasCompetentAuthority',
    'https://w3id.org/smekg/ontology#underAuspicesOf',
    'https://w3id.org/smekg/ontology#originatedAt', 'https://w3id.org/smekg/ontology#followsFrom',
    'https://w3id.org/smekg/ontology#proposedBy', 'https://w3id.org/smekg/ontology#promotedBy',
    'https://w3id.org/smekg/ontology#supportedBy',
    'https://w3id.org/smekg/ontology#secretariatHostedBy',
    'https://w3id.org/smekg/ontology#collaboratesWith',
    'https://w3id.org/smekg/ontology#adoptedAt', 'https://w3id.org/smekg/ontology#featuredIn',
    'https://w3id.org/smekg/ontology#drawsOn', 'https://w3id.org/smekg/ontology#implementsPolicy']
  RETURN subject.iri AS subject, link.predicate AS relation, object.iri AS object,
         link.source AS source, null AS role, null AS since, null AS until
}
RETURN subject, relation, object, source, role, since, until

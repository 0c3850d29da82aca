"""Named SPARQL and Cypher queries."""

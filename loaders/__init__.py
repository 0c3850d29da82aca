"""Loaders: read sources, map them to the ontology, validate, and write one named graph each."""

"""The core: settings, IRIs, RDF building, the stores and the graph backends.

Everything above (reference data, loaders, queries, analytics, the API and the CLI)
builds on this layer; it imports only :mod:`smekg.ontology` below it.
"""

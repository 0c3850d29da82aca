"""REST API (FastAPI) over the knowledge graph."""

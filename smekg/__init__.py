"""smekg: a knowledge graph of SME support ecosystems."""

__version__ = "0.1.0"

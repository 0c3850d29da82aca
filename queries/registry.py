"""The project's named queries: the ``.rq`` files (and Cypher twins) in this folder.

The file format, :class:`NamedQuery` and the parser live in the core
(:mod:`smekg.core.named_queries`), because the backends run named queries; this module
says where the project's own queries are.

Examples
--------
>>> registry = load_registry()
>>> registry["members"].param("network").type
'entity'
>>> sorted(registry)[:3]
['coverage', 'entity', 'entity_in']
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from smekg.core.named_queries import (
    PARAM_TYPES,
    NamedQuery,
    Param,
    RegistryError,
    parse_query_file,
)
from smekg.core.named_queries import load_registry as _load_registry

__all__ = [
    "PARAM_TYPES",
    "QUERY_DIR",
    "NamedQuery",
    "Param",
    "RegistryError",
    "load_registry",
    "parse_query_file",
]

QUERY_DIR = Path(__file__).parent


@cache
def load_registry(directory: Path = QUERY_DIR) -> dict[str, NamedQuery]:
    """Every named query in ``directory`` (default: the project's queries), by name."""
    return _load_registry(directory)

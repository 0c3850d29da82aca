"""Stores of sources: one named graph per source, written whole or not at all.

The loaders write through the :class:`SourceStore` protocol, which two stores implement:

* :class:`GraphStore` -- the embedded Oxigraph store on disk (the system of record);
* :class:`RemoteGraphStore` -- a remote SPARQL 1.1 store, written by SPARQL Update or by
  the Graph Store Protocol.

Examples
--------
>>> import tempfile
>>> store = GraphStore.open(tempfile.mkdtemp())
>>> isinstance(store, SourceStore)
True
"""

from smekg.core.stores._embedded import (
    EXPORT_FORMATS,
    JOURNAL_DIR,
    LOCK_FILE,
    SPARQL_PREFIXES,
    GraphStore,
    ntriples,
    pending_replacements,
)
from smekg.core.stores._protocol import (
    SOURCE_RECORD_QUERY,
    SOURCE_RECORDS_QUERY,
    SourceRecord,
    SourceStore,
    StoreError,
    source_record_from_row,
)
from smekg.core.stores._remote import CHUNK_BYTES, RemoteGraphStore, ntriples_chunks

__all__ = [
    "CHUNK_BYTES",
    "EXPORT_FORMATS",
    "JOURNAL_DIR",
    "LOCK_FILE",
    "SOURCE_RECORDS_QUERY",
    "SOURCE_RECORD_QUERY",
    "SPARQL_PREFIXES",
    "GraphStore",
    "RemoteGraphStore",
    "SourceRecord",
    "SourceStore",
    "StoreError",
    "ntriples",
    "ntriples_chunks",
    "pending_replacements",
    "source_record_from_row",
]

"""Configuration, shared by the CLI and the API (environment variables ``SMEKG_*``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_store() -> Path:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "smekg" / "store"


class Settings(BaseSettings):
    """smekg settings; each field reads the environment variable ``SMEKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SMEKG_", extra="ignore")

    store: Path = Field(default_factory=_default_store, description="Oxigraph store directory.")
    base_iri: str = Field(
        default="https://w3id.org/smekg/id/",
        description="Base under which instance IRIs are minted (must end with / or #).",
    )
    data_dir: Path | None = Field(
        default=None,
        description="Directory holding a `seed/` folder of tables to load instead of the "
        "seed data shipped inside the package (the default).",
    )
    geo_dir: Path | None = Field(
        default=None,
        description="Directory of region and country shapes (GeoJSON, WGS 84) to use instead "
        "of the bundled ones, laid out like them: nuts2024_60m/nutsrg_{0..3}.json, "
        "nuts2024_60m/cntrg.json, world_atlas/countries-110m.json (or those files directly "
        "in it). A file it lacks is taken from the package. Serves /geo and the maps.",
    )
    host: str = Field(default="127.0.0.1", description="Address `smekg serve` listens on.")
    port: int = Field(default=8000, description="Port `smekg serve` listens on.")
    workers: int | None = Field(
        default=None, ge=1, le=64,
        description="Worker processes of `smekg serve` (default: the number of cores). Each "
        "answers requests from its own copy of the index, read from the one kept beside the "
        "store (SMEKG_INDEX_CACHE), and has its own /sparql query workers.",
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description="Origins allowed to call the API from a browser (the API is read-only).",
    )
    sparql_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a /sparql query may run before it is stopped."
    )
    sparql_max_result_bytes: int = Field(
        default=64 * 1024 * 1024,
        gt=0,
        description="Largest /sparql response, in bytes, before the query is stopped.",
    )
    sparql_workers: int = Field(
        default=3, ge=1,
        description="Worker processes answering /sparql queries, the fast lane's included "
        "(SMEKG_SPARQL_FAST_LANE_WORKERS of them).",
    )
    sparql_fast_lane_workers: int = Field(
        default=1, ge=0,
        description="How many of the /sparql workers are kept for the fast lane: a query that "
        "finds every other worker busy runs there, stopped after "
        "SMEKG_SPARQL_FAST_LANE_TIMEOUT (503), so long queries cannot make a cheap one wait. "
        "At most SMEKG_SPARQL_WORKERS - 1 (with one worker there is no fast lane).",
    )
    sparql_fast_lane_timeout: float = Field(
        default=2.0, gt=0,
        description="Seconds a /sparql query may run on the fast lane before it is stopped "
        "(503 with Retry-After).",
    )
    sparql_client_concurrency: int = Field(
        default=16, ge=1,
        description="/sparql queries one client may have running or waiting at once; one "
        "more is answered 429 with Retry-After (as the Wikidata Query Service does). It "
        "bounds one client's share of the queue; the fast lane keeps cheap queries moving.",
    )
    sparql_client_header: str | None = Field(
        default=None,
        description="Request header naming the client for SMEKG_SPARQL_CLIENT_CONCURRENCY "
        "(e.g. X-Forwarded-For behind a trusted reverse proxy: its last address counts); "
        "by default the connection's remote address. Set it only behind a proxy that sets "
        "the header, or clients can pick their own name.",
    )
    sparql_max_query_bytes: int = Field(
        default=256 * 1024, gt=0,
        description="Largest /sparql query, in bytes of the POST body or of the GET query "
        "string; a bigger request is refused (413 for a body, 414 for a URL) unread.",
    )
    sparql_max_nesting: int = Field(
        default=100, ge=1,
        description="Deepest nesting of brackets ({ }, ( ), [ ]) in a SPARQL query, for "
        "/sparql (400) and `smekg sparql` (exit 1); deeper queries are refused unrun.",
    )
    sparql_worker_isolation: Literal["auto", "netns", "userns", "seccomp", "off"] = Field(
        default="auto",
        description="How /sparql worker processes are cut off from the network (Linux): "
        "'netns' an empty network namespace (needs CAP_SYS_ADMIN), 'userns' the same "
        "through an unprivileged user namespace, 'seccomp' a filter refusing IPv4/IPv6 "
        "sockets; 'auto' tries them in that order and logs which holds; 'off' none. A "
        "named method that is not available stops the worker (503).",
    )
    sparql_refresh_interval: float = Field(
        default=0.5, ge=0,
        description="Seconds between two looks of a /sparql worker at the store for a new "
        "load (a few stat calls, between queries; 0: before every query). A worker that sees "
        "one opens the store again before its next query, so /sparql answers from a load at "
        "most this long after it ends; each query runs on one snapshot.",
    )
    index_refresh_interval: float = Field(
        default=1.0, gt=0,
        description="Seconds between two checks of the data version (the sources' checksums) "
        "by the API's background refresher. After a load it rebuilds the in-memory index in "
        "a background thread, answering from the old one until the new one is swapped in.",
    )

    index_cache: bool = Field(
        default=True,
        description="Keep the REST index beside the embedded store (a folder <store>.index) "
        "once built, so that the next server or `smekg query` at the same data version "
        "reads it in seconds instead of the whole graph. A stale one is rebuilt.",
    )

    index_on_load: bool = Field(
        default=True,
        description="After a load that changes the embedded store, build the index of the "
        "new data and keep it beside the store (with index_cache on), so that servers, "
        "running ones included, open it instead of reading the whole graph.",
    )

    backend: Literal["oxigraph", "neo4j", "sparql"] = Field(
        default="oxigraph", description="The graph backend the REST API serves from: the "
        "embedded store, Neo4j, or a remote SPARQL 1.1 store (SMEKG_SPARQL_ENDPOINT), which "
        "`smekg load` then loads into."
    )
    sparql_endpoint: str | None = Field(
        default=None,
        description="Query URL of the remote SPARQL store (SMEKG_BACKEND=sparql), e.g. "
        "http://127.0.0.1:7878/query (Oxigraph server) or http://host:3030/ds/query (Fuseki). "
        "Its default graph must be the union of its named graphs.",
    )
    sparql_update_endpoint: str | None = Field(
        default=None,
        description="SPARQL Update URL of the remote store, for `smekg load` (Oxigraph "
        "/update, Fuseki /ds/update); each source is replaced in one update request.",
    )
    sparql_store_endpoint: str | None = Field(
        default=None,
        description="Graph Store Protocol URL of the remote store (Oxigraph /store, Fuseki "
        "/ds/data); `smekg load` PUTs each source there when no update URL is set.",
    )
    sparql_user: str | None = Field(
        default=None, description="User for HTTP Basic authentication to the remote store."
    )
    sparql_password: SecretStr | None = Field(
        default=None, description="Password for HTTP Basic authentication to the remote store."
    )
    sparql_request_timeout: float = Field(
        default=60.0, gt=0,
        description="Seconds to wait for the remote SPARQL store to connect or send data.",
    )
    max_param_chars: int = Field(
        default=1000, ge=1,
        description="Longest value of any REST API parameter (query or path), in characters; "
        "a longer one is refused with 422 naming the parameter, the limit and the value's start "
        "(the /sparql query text has its own limits).",
    )
    max_value_chars: int = Field(
        default=10_000, ge=1,
        description="Longest cell or value in a loaded table (CSV, TSV, XLSX, JSON, JSON Lines), "
        "in characters; a longer one fails the load with an error naming file, row, column and "
        "the value's start. Raise it for long texts.",
    )
    max_columns: int = Field(
        default=500, ge=1,
        description="Most columns a loaded table may have; more fails the load.",
    )
    max_input_bytes: int = Field(
        default=2 * 1024**3, ge=1,
        description="Largest file `smekg load-file` reads (tables and RDF), in bytes, and the "
        "largest total uncompressed size of an XLSX workbook's parts (zip bombs); more fails "
        "the load naming the file.",
    )
    max_json_depth: int = Field(
        default=32, ge=2,
        description="Deepest nesting of arrays and objects in a loaded JSON or JSON Lines "
        "table; deeper fails the load naming the file and row.",
    )
    neo4j_uri: str = Field(
        default="bolt://127.0.0.1:7687",
        validation_alias=AliasChoices("NEO4J_URI", "SMEKG_NEO4J_URI"),
        description="Neo4j to sync to and query (bolt://, neo4j:// for a cluster, "
        "neo4j+s:// for Aura). Env NEO4J_URI.",
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "SMEKG_NEO4J_USER"),
        description="Neo4j user. Env NEO4J_USER.",
    )
    neo4j_password: str = Field(
        default="smekg-dev-password",
        validation_alias=AliasChoices("NEO4J_PASSWORD", "SMEKG_NEO4J_PASSWORD"),
        description="Neo4j password (the default is the one `scripts/neo4j` sets for the "
        "project's local server). Env NEO4J_PASSWORD.",
    )
    neo4j_database: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_DATABASE", "SMEKG_NEO4J_DATABASE"),
        description="Neo4j database (default: the server's default database). "
        "Env NEO4J_DATABASE.",
    )
    neo4j_batch_size: int = Field(
        default=5000, ge=1, description="Rows per UNWIND batch when syncing to Neo4j."
    )
    neo4j_transaction_rows: int = Field(
        default=100_000, ge=1,
        description="Largest source (nodes and relationships) synced to Neo4j in one "
        "transaction; a bigger one is written batch by batch, its checksum last.",
    )

    bulk_threshold: int = Field(
        default=100_000, ge=1,
        description="Sources with more triples than this are written by Oxigraph's bulk "
        "loader (fast, not atomic): their N-Triples are first copied into the store's "
        "journal folder (STORE/smekg-journal/), so a load killed or short of disk is "
        "completed by the next writing open; smaller sources are written in one transaction.",
    )
    load_processes: int = Field(
        default=0, ge=0,
        description="Processes that map and validate a large table (more than 20,000 rows) "
        "a chunk of rows each: the loading one and forked workers, which never write the "
        "store. 0: one per core, at most 4; 1: the loading process alone.",
    )
    bulk_free_disk_factor: float = Field(
        default=10.0, ge=0,
        description="Free disk needed on the store's disk before a large source's old graph "
        "is dropped, as a multiple of the size of its N-Triples (the new graph's files plus "
        "the old graph's tombstones until compaction); with less, the load fails and the "
        "source is left unchanged. 0 turns the check off.",
    )

    def index_cache_dir(self) -> Path | None:
        """Where the REST index is kept: beside the embedded store (``<store>.index``), or
        for Neo4j in ``<store>.index-neo4j`` (the index read from Neo4j, under the version
        of the sources synced there). None: not kept, for a remote SPARQL store (whose
        data others may change) or with ``index_cache`` off."""
        if not self.index_cache or self.backend == "sparql":
            return None
        suffix = ".index" if self.backend == "oxigraph" else ".index-neo4j"
        return self.store.with_name(self.store.name + suffix)

    def model_post_init(self, __context: object) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"SMEKG_BASE_IRI must end with '/' or '#': {self.base_iri!r}")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()

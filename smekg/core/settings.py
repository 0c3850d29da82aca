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
    host: str = Field(default="127.0.0.1", description="Address `smekg serve` listens on.")
    port: int = Field(default=8000, description="Port `smekg serve` listens on.")
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
        default=2, ge=1, description="Worker processes answering /sparql queries."
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

    def model_post_init(self, __context: object) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"SMEKG_BASE_IRI must end with '/' or '#': {self.base_iri!r}")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()

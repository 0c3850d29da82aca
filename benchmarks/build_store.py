"""Build a benchmark store: reference data + ``smekg generate --orgs N`` data.

Run: ``.venv/bin/python benchmarks/build_store.py --orgs 100000 --seed 42 --out /tmp/smekg-100k``.
Writes ``OUT/data`` (the generated CSV tables) and ``OUT/store``. The generated tables go
through the real loaders, mapping and row checks included; SHACL is skipped here
(``--shacl`` turns it on) because pyshacl over ~1M triples takes many minutes; the
generator's output is SHACL-validated by the test suite at small sizes.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from smekg.core.iri import Minter
from smekg.core.stores import GraphStore
from smekg.loaders.bundled import ontology_source, reference_sources
from smekg.loaders.generate import generate
from smekg.loaders.sources import file_sources, load_sources

BASE = "https://w3id.org/smekg/id/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shacl", action="store_true")
    args = parser.parse_args()
    data, store_dir = args.out / "data", args.out / "store"
    started = time.perf_counter()
    generate(data, args.orgs, args.seed)
    print(f"generated {args.orgs:,} organisations in {time.perf_counter() - started:.1f} s")
    minter = Minter(BASE)
    store = GraphStore.open(store_dir)
    started = time.perf_counter()
    load_sources(store, [ontology_source(), *reference_sources(minter)], minter)
    sources = file_sources(sorted(data.glob("*.csv")), minter, store)
    for source in sources:
        source.shacl = args.shacl
    load_sources(store, sources, minter)
    print(f"loaded into {store_dir} in {time.perf_counter() - started:.1f} s "
          f"({len(store):,} quads)")
    store.compact()
    del store
    gc.collect()


if __name__ == "__main__":
    main()

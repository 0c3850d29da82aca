"""Reproduce the bundled region and country shapes and check their checksums.

    python scripts/fetch_geo.py [--nuts-from DIR] [--tarball FILE]   # copy, then check
    python scripts/fetch_geo.py --check                              # check only

Writes ``data/reference/geo/`` (see its ``SOURCES.md``):

* ``nuts2024_60m/``: ``nutsrg_0.json`` ... ``nutsrg_3.json`` and ``cntrg.json``, NUTS 2024
  at 1:60 million in WGS 84, copied byte for byte from a folder holding the files of
  eurostat/Nuts2json's ``pub/v2/2024/4326/60M/`` at commit
  ``26f94eddc04b9340d2914c3a5014858f20553647`` (default: the project's shared copy,
  ``../shared/data/geo/nuts2json-2024/60M``; a clone of Nuts2json at that commit does as
  well), with Nuts2json's ``LICENSE`` from the folder above it.
* ``world_atlas/``: ``countries-110m.json`` and ``LICENSE`` from the npm package
  ``world-atlas`` 2.0.2 (``npm pack world-atlas@2.0.2``, or ``--tarball`` a tarball already
  fetched), after checking the tarball's SHA-512 against the registry's integrity string.

Every file is checked against the SHA-256 in :data:`FILES`; a mismatch stops the script
with exit code 1 and leaves the bundled file as it was.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "reference" / "geo"
NUTS_FROM = ROOT.parent / "shared" / "data" / "geo" / "nuts2json-2024" / "60M"

WORLD_ATLAS = "world-atlas@2.0.2"
WORLD_ATLAS_INTEGRITY = ("sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8"
                         "IkcPBoXnyTU5lFHcYa5ChG0LQ==")

FILES: dict[str, tuple[int, str]] = {
    # bundled file: (bytes, SHA-256)
    "nuts2024_60m/nutsrg_0.json":
        (59159, "6b4c7f05b22b534e485c23831ac85d16cb4b5bdba627a4a907e16f6760be1638"),
    "nuts2024_60m/nutsrg_1.json":
        (96288, "3e44b4341da844b22383f4d7c632728abe656399db877f0a4024b0747f91f3b2"),
    "nuts2024_60m/nutsrg_2.json":
        (153755, "b13817992166397877f2940a5bd61290ebfb1542e5215001de4f5da30407b8f5"),
    "nuts2024_60m/nutsrg_3.json":
        (400761, "fcbb8a223a158741b3835acbe1dba002cfb2fa681206d00fce6342f4b092f353"),
    "nuts2024_60m/cntrg.json":
        (91677, "b40ebe533a63f386886756ae72802403a25627616d23741bf6162daea8854b3c"),
    "nuts2024_60m/LICENSE":
        (13122, "5a0922fecb363db23fe34af4bc0d43314802216e2826183e68a02429680dcd10"),
    "world_atlas/countries-110m.json":
        (107761, "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8"),
    "world_atlas/LICENSE":
        (734, "8048290dfdb6e83fbed17e8985c8cfc4ce9da9b842642f3d3e497280790cfa31"),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(name: str, data: bytes) -> None:
    """Stop (exit 1) unless ``data`` has the size and SHA-256 recorded for ``name``."""
    size, digest = FILES[name]
    if len(data) != size or sha256(data) != digest:
        sys.exit(f"{name}: {len(data):,} bytes, SHA-256 {sha256(data)}; expected "
                 f"{size:,} bytes, SHA-256 {digest}")


def nuts_files(source: Path) -> dict[str, bytes]:
    files = {f"nuts2024_60m/{name}": (source / name).read_bytes()
             for name in ("nutsrg_0.json", "nutsrg_1.json", "nutsrg_2.json", "nutsrg_3.json",
                          "cntrg.json")}
    licence = next((p for p in (source / "LICENSE", source.parent / "LICENSE") if p.is_file()),
                   None)
    if licence is None:
        sys.exit(f"no Nuts2json LICENSE in {source} or {source.parent}")
    files["nuts2024_60m/LICENSE"] = licence.read_bytes()
    return files


def world_atlas_files(tarball: Path | None) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as directory:
        if tarball is None:
            subprocess.run(["npm", "pack", WORLD_ATLAS, "--silent"], cwd=directory,
                           check=True, stdout=subprocess.DEVNULL)
            [tarball] = Path(directory).glob("world-atlas-*.tgz")
        data = tarball.read_bytes()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if integrity != WORLD_ATLAS_INTEGRITY:
            sys.exit(f"{tarball.name}: integrity {integrity}, expected {WORLD_ATLAS_INTEGRITY}")
        with tarfile.open(tarball) as archive:
            def member(name: str) -> bytes:
                extracted = archive.extractfile(f"package/{name}")
                if extracted is None:
                    sys.exit(f"{tarball.name} has no package/{name}")
                return extracted.read()

            return {"world_atlas/countries-110m.json": member("countries-110m.json"),
                    "world_atlas/LICENSE": member("LICENSE")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only check the bundled files' sizes and checksums")
    parser.add_argument("--nuts-from", type=Path, default=NUTS_FROM,
                        help="folder of Nuts2json's 2024/4326/60M files (default: %(default)s)")
    parser.add_argument("--tarball", type=Path, default=None,
                        help=f"the {WORLD_ATLAS} tarball (default: npm pack it)")
    arguments = parser.parse_args()
    if not arguments.check:
        fetched = {**nuts_files(arguments.nuts_from), **world_atlas_files(arguments.tarball)}
        for name, data in fetched.items():
            check(name, data)  # all checked before any is written
        for name, data in fetched.items():
            path = OUT / name
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(data)
            shutil.move(partial, path)
    for name in FILES:
        check(name, (OUT / name).read_bytes())
        print(f"ok  {name}  {FILES[name][0]:>8,} bytes  {FILES[name][1]}")


if __name__ == "__main__":
    main()

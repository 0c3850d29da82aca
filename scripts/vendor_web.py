"""Re-vendor the web app's JavaScript libraries from the npm registry (no Node needed).

Each library is pinned by version and by the SHA-512 the registry publishes for its
tarball (``dist.integrity``); a tarball whose digest differs is refused. The files the app
serves are copied with the package's licence into ``graph_api/static/vendor/<name>/``
(axe-core, used by the browser tests only, into ``tests/graph_api/web/vendor/axe-core/``), and
``VENDORED.md`` beside them lists name, version, licence, tarball and digest.

    python scripts/vendor_web.py            # fetch, check and copy every library
    python scripts/vendor_web.py --check    # only check the copies against the tarballs
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity of the tarball
    licence: str
    files: tuple[str, ...]  # paths inside the tarball's package/ folder
    target: Path

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"


STATIC = ROOT / "graph_api" / "static" / "vendor"
AXE = ROOT / "tests" / "graph_api" / "web" / "vendor" / "axe-core"  # for the browser tests
LIBRARIES = (
    Library("leaflet", "1.9.4",
            "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
            "BSD-2-Clause",
            ("dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png",
             "dist/images/layers-2x.png", "dist/images/marker-icon.png",
             "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png", "LICENSE"),
            STATIC / "leaflet"),
    Library("cytoscape", "3.35.0",
            "sha512-sMvBIXiGMnhkCaWz2R06FwF/27MNlS+Tqvi17foO9UhnUg3XGZccKjxsvEqQFAQYMSSZmN5SxYzUYlQ0DOJJ3g==",
            "MIT", ("dist/cytoscape.min.js", "LICENSE"), STATIC / "cytoscape"),
    Library("axe-core", "4.14.1",
            "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
            "MPL-2.0", ("axe.min.js", "LICENSE"), AXE),
)


def _fetch(library: Library) -> bytes:
    with urllib.request.urlopen(library.tarball, timeout=60) as response:
        data: bytes = response.read()
    algorithm, _, expected = library.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{library.tarball}: {algorithm} is {digest}, expected {expected}")
    return data


def _members(library: Library, data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for path in library.files:
            member = tar.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{library.tarball} has no file package/{path}")
            out[Path(path).name if path.startswith("dist/") and "/images/" not in path
                else path.removeprefix("dist/")] = member.read()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the vendored copies with the tarballs, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for library in LIBRARIES:
        files = _members(library, _fetch(library))
        for relative, content in files.items():
            path = library.target / relative
            if args.check:
                if not path.is_file() or path.read_bytes() != content:
                    stale.append(str(path.relative_to(ROOT)))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        manifest = (f"# {library.name} {library.version}\n\nVendored by `scripts/vendor_web.py` "
                    f"from the npm registry; licence {library.licence} (`LICENSE`).\n\n"
                    f"- tarball: {library.tarball}\n- integrity: `{library.integrity}`\n"
                    f"- files: {', '.join(sorted(files))}\n")
        if args.check:
            if (library.target / "VENDORED.md").read_text() != manifest:
                stale.append(str((library.target / "VENDORED.md").relative_to(ROOT)))
        else:
            (library.target / "VENDORED.md").write_text(manifest)
            print(f"{library.name} {library.version}: {len(files)} files -> "
                  f"{library.target.relative_to(ROOT)}")
    if stale:
        print("differs from the pinned tarballs: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

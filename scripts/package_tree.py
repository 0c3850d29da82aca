"""Build the installed layout of the `smekg` package as a tree of links, for static tools.

The top-level folders (ontology/, loaders/, queries/, graph_api/, data/) install as
subpackages of `smekg` (pyproject's [tool.setuptools.package-dir]). Python finds them
through setuptools' editable finder, but static tools (import-linter's grimp, mypy) walk
folders and need the package as it will be installed. This writes that tree under
DEST (default build/package-tree): real folders, one symbolic link per source file.

    python scripts/package_tree.py [DEST]
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = {".py", ".pyi", ".typed"}


def main(dest: Path) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    if dest.exists():
        shutil.rmtree(dest)
    # Shorter package names first, so that a mapped subpackage replaces what its parent had.
    for package, folder in sorted(mapping.items(), key=lambda item: item[0].count(".")):
        source = ROOT / folder
        target = dest.joinpath(*package.split("."))
        mapped_below = {
            (ROOT / other).resolve() for name, other in mapping.items()
            if name != package and name.startswith(package + ".")
        }
        for directory, subdirs, files in os.walk(source):
            here = Path(directory)
            subdirs[:] = [
                d for d in subdirs
                if (here / d).resolve() not in mapped_below and not d.startswith((".", "__"))
            ]
            out = target / here.relative_to(source)
            out.mkdir(parents=True, exist_ok=True)
            for name in files:
                if Path(name).suffix in SUFFIXES:
                    link = out / name
                    link.unlink(missing_ok=True)
                    link.symlink_to(here / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "package-tree")

"""The package as users get it: a wheel built from the checkout, installed into a fresh
virtualenv, loads exactly what the development install loads.

Slow (it builds the wheel and installs every dependency into a new virtualenv, from pip's
cache when warm): select it with ``-m packaging``, leave it out with ``-m "not packaging"``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.packaging

OLD_TOP_LEVEL_NAMES = ("loaders", "queries", "graph_api", "ontology")
GENERATED_AT = NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
BLANK = re.compile(r"_:[0-9A-Za-z]+")


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 900) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel built from the checkout by `python -m build`, and what the build printed."""
    out = tmp_path_factory.mktemp("dist")
    result = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out),
                   str(REPO_ROOT)], cwd=out)
    [wheel] = out.glob("smekg-*.whl")
    return wheel, result.stdout + result.stderr


@pytest.fixture(scope="module")
def installed(built: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, str]:
    """A fresh virtualenv with the wheel installed (its dependencies from the index)."""
    wheel, _ = built
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True, clear=True)
    python = env_dir / "bin" / "python"
    result = _run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                   str(wheel)], cwd=env_dir)
    return env_dir, result.stdout + result.stderr


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points back into the checkout."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "SMEKG_", "VIRTUAL_ENV"))}
    return {**env, **extra}


def test_the_wheel_holds_one_top_level_package(built: tuple[Path, str]):
    wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/", 1)[0] for name in names}
    dist_info = {name for name in top if name.endswith(".dist-info")}
    assert top - dist_info == {"smekg"}
    [info] = dist_info
    assert (f"{info}/top_level.txt" not in names
            or zipfile.ZipFile(wheel).read(f"{info}/top_level.txt").split() == [b"smekg"])
    # the data files the package reads with importlib.resources are inside it
    for path in ("smekg/py.typed", "smekg/ontology/smekg.ttl", "smekg/ontology/shapes.ttl",
                 "smekg/data/seed/organisations.csv", "smekg/data/templates/organisations.csv",
                 "smekg/queries/coverage.rq", "smekg/queries/coverage.cypher",
                 "smekg/queries/index/names.rq", "smekg/core/backends/version.rq",
                 "smekg/graph_api/static/yasgui/yasgui.min.js",
                 "smekg/graph_api/web/templates/base.html",
                 "smekg/graph_api/static/app/app.js", "smekg/graph_api/static/app/app.css",
                 "smekg/graph_api/static/vendor/leaflet/leaflet.js",
                 "smekg/graph_api/static/vendor/leaflet/LICENSE",
                 "smekg/graph_api/static/vendor/cytoscape/cytoscape.min.js",
                 "smekg/graph_api/static/vendor/cytoscape/LICENSE",
                 "smekg/data/reference/geo/SOURCES.md",
                 "smekg/data/reference/geo/nuts2024_60m/nutsrg_3.json",
                 "smekg/data/reference/geo/nuts2024_60m/cntrg.json",
                 "smekg/data/reference/geo/nuts2024_60m/LICENSE",
                 "smekg/data/reference/geo/world_atlas/countries-110m.json",
                 "smekg/data/reference/geo/world_atlas/LICENSE"):
        assert path in names, path
    assert not any(name.startswith(f"smekg/{old}/") for name in names
                   for old in ("tests", "benchmarks", "scripts"))


def test_the_build_prints_no_setuptools_warning(built: tuple[Path, str]):
    _, log = built
    assert "would be ignored" not in log
    assert "Warning" not in log, [line for line in log.splitlines() if "Warning" in line]


def test_installed_package_has_one_import_root(installed: tuple[Path, str], tmp_path: Path):
    env_dir, log = installed
    assert "Warning" not in log
    probe = (
        "import importlib.util, json, smekg, smekg.loaders, smekg.queries, smekg.graph_api, "
        "smekg.ontology\n"
        f"print(json.dumps({{name: importlib.util.find_spec(name) is not None "
        f"for name in {list(OLD_TOP_LEVEL_NAMES)!r}}}))\n"
        "print(smekg.__file__)\n"
    )
    result = _run([str(env_dir / "bin" / "python"), "-c", probe], cwd=tmp_path,
                  env=_clean_env())
    found, location = result.stdout.splitlines()
    assert json.loads(found) == dict.fromkeys(OLD_TOP_LEVEL_NAMES, False)
    assert Path(location).is_relative_to(env_dir)
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    for old in OLD_TOP_LEVEL_NAMES:
        assert not (site / old).exists()


def test_installed_package_reads_its_shapes(installed: tuple[Path, str], tmp_path: Path):
    env_dir, _ = installed
    probe = ("from smekg.reference.geo import nuts_shapes, world_countries\n"
             "print(nuts_shapes(3).by_code()['ITH55'].name, len(world_countries().shapes))\n")
    result = _run([str(env_dir / "bin" / "python"), "-c", probe], cwd=tmp_path,
                  env=_clean_env())
    assert result.stdout.split() == ["Bologna", "177"]


def _quads(store_dir: Path) -> Counter[str]:
    """The store's quads without load times; blank nodes are written ``_:`` (each load
    names them anew), so the quads are counted, not just collected."""
    store = Store.read_only(str(store_dir))
    return Counter(BLANK.sub("_:", str(quad)) for quad in store
                   if quad.predicate != GENERATED_AT)


def test_installed_load_loads_what_the_checkout_loads(
    installed: tuple[Path, str], tmp_path: Path,
):
    env_dir, _ = installed
    wheel_store, dev_store = tmp_path / "wheel-store", tmp_path / "dev-store"
    smekg = str(env_dir / "bin" / "smekg")
    _run([smekg, "load"], cwd=tmp_path, env=_clean_env(SMEKG_STORE=str(wheel_store)))
    stats = _run([smekg, "stats", "--format", "json"], cwd=tmp_path,
                 env=_clean_env(SMEKG_STORE=str(wheel_store)))
    counts = json.loads(stats.stdout)
    assert counts["sources"]["https://w3id.org/smekg/id/graph/seed/organisations"] > 0
    assert counts["classes"]["org:Organization"] > 0
    # the development install, as `bash scripts/run` loads
    _run([sys.executable, "-m", "smekg.cli", "load"], cwd=REPO_ROOT,
         env={**os.environ, "SMEKG_STORE": str(dev_store)})
    from_wheel, from_checkout = _quads(wheel_store), _quads(dev_store)
    assert from_wheel.total() == from_checkout.total() > 0
    assert from_wheel == from_checkout

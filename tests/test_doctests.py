"""The docstring examples of every module of the installed package, run as tests.

They are collected by import name (``smekg.loaders.sources``), the name users import, rather
than by pytest's ``--doctest-modules``, which would import the top-level folders under their
folder names.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

# In a development install the top-level folders are found through setuptools' editable
# finder, not inside smekg/'s own folder, so each one is walked from where it is.
_ROOTS = ["smekg", "smekg.ontology", "smekg.loaders", "smekg.queries", "smekg.graph_api"]


def _modules() -> list[str]:
    names: set[str] = set()
    for root in _ROOTS:
        package = importlib.import_module(root)
        names.add(root)
        for info in pkgutil.walk_packages(package.__path__, prefix=root + ".",
                                          onerror=_raise):
            if not info.name.endswith(".__main__"):  # runs the CLI when imported
                names.add(info.name)
    return sorted(names)


def _raise(name: str) -> None:
    raise ImportError(f"cannot import {name} while collecting doctests")


MODULES = _modules()


def test_every_layer_is_walked():
    for package in ("smekg.ontology", "smekg.core.stores", "smekg.reference", "smekg.loaders",
                    "smekg.queries", "smekg.analytics", "smekg.graph_api", "smekg.cli"):
        assert package in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"

"""The graph index kept on disk beside an embedded store, so that a server starts from it.

Building the index reads the whole graph (minutes at a million organisations). The index
and its coverage and project tables are written to a file beside the store once built,
under the data version they were read from; the next process that opens the store at that
version reads the file (seconds) instead of the graph. A file of another version, of
another build of smekg (its format is a digest of the modules that define the index and of
the versions of Python and numpy), or unreadable, is ignored, and the index is built from
the graph.

The file is a pickle: reading one runs code it names, so only a file this user wrote and
nobody else can write is read (its owner is this process's user, and neither its group
nor others may write it or the folder). The folder is as trusted as the store beside it:
whoever can write there can change the data too.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import platform
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from smekg import __version__
from smekg.queries import coverage, graph_index, projects
from smekg.queries.coverage import CoverageTable, coverage_table, keep_coverage_table
from smekg.queries.graph_index import GraphIndex
from smekg.queries.projects import ProjectTable, keep_project_table, project_table
from smekg.queries.registry import QUERY_DIR

logger = logging.getLogger(__name__)

FILE_NAME = "index.pickle"


@functools.cache
def cache_format() -> str:
    """A digest of what the file's contents depend on besides the data: the modules that
    define the index and the coverage table, the index queries, and the versions of smekg,
    Python and numpy (read once: they do not change while a process runs)."""
    digest = hashlib.sha256(f"{__version__} {platform.python_version()} "
                            f"{np.__version__}".encode())
    sources = [Path(module.__file__ or "") for module in (graph_index, coverage, projects)]
    for path in [*sources, *sorted((QUERY_DIR / "index").iterdir())]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _trusted(path: Path) -> bool:
    """Whether ``path`` and its folder are this user's and writable by nobody else."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    for item in (path, path.parent):
        info = item.stat()
        if uid is not None and info.st_uid != uid:
            return False
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


_READ_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                TypeError, ValueError)


def _header(version: str) -> dict[str, str]:
    return {"format": cache_format(), "version": version}


def _open_kept(folder: Path, version: str) -> BinaryIO | None:
    """The kept file, open after its header, when it is trusted and its header names
    ``version`` in this format; else None. Raises what reading the header may raise."""
    path = folder / FILE_NAME
    if not path.is_file() or not _trusted(path):
        return None
    file = path.open("rb")
    try:
        if pickle.load(file) == _header(version):
            return file
    except BaseException:
        file.close()
        raise
    file.close()
    return None


def is_kept(folder: Path, version: str) -> bool:
    """Whether ``folder`` keeps an index of the data ``version`` in this format (read from
    the file's header only: the index itself is not read)."""
    try:
        file = _open_kept(folder, version)
    except _READ_ERRORS:
        return False
    if file is None:
        return False
    file.close()
    return True


def load_index(folder: Path, version: str) -> GraphIndex | None:
    """The index kept in ``folder`` for the data ``version`` (its coverage and project
    tables kept with it), or None when there is none of that version and format, or it
    cannot be read."""
    try:
        file = _open_kept(folder, version)
        if file is None:
            return None
        with file:
            index, coverage, projects = pickle.load(file)
    except _READ_ERRORS as error:
        logger.warning("the index kept beside the store could not be read (%s); building "
                       "it from the graph", type(error).__name__)
        return None
    if not (isinstance(index, GraphIndex) and isinstance(coverage, CoverageTable)
            and isinstance(projects, ProjectTable)):
        return None
    keep_coverage_table(index, coverage)
    keep_project_table(index, projects)
    return index


def save_index(folder: Path, index: GraphIndex) -> Path | None:
    """Write ``index`` and its coverage and project tables to ``folder`` (atomically: a
    reader sees the previous file or this one); the path, or None when it could not be
    written (said in the log: the server goes on without it)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        header = _header(index.version)
        with tempfile.NamedTemporaryFile("wb", dir=folder, prefix=".index-",
                                         delete=False) as file:
            try:
                pickle.dump(header, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump((index, coverage_table(index), project_table(index)), file,
                            protocol=pickle.HIGHEST_PROTOCOL)
                file.flush()
                os.fsync(file.fileno())
            except BaseException:
                Path(file.name).unlink(missing_ok=True)
                raise
        os.chmod(file.name, 0o600)
        path = folder / FILE_NAME
        os.replace(file.name, path)
        return path
    except (OSError, pickle.PicklingError) as error:
        logger.warning("the index could not be kept beside the store: %s", error)
        return None

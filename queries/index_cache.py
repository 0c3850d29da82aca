"""The graph index kept on disk beside an embedded store, so that a server starts from it.

Building the index reads the whole graph (minutes at a million organisations). Once
built, the index, its coverage table and its project table are written beside the store
under the data version they were read from; the next process that opens the store at that
version opens the kept index instead of reading the graph.

The kept index is a folder of arrays (``.npy``, read with ``numpy.load(mmap_mode="r")``)
over one pool of strings (see :mod:`smekg.queries.mapped`): opening it reads headers only,
whatever the size of the graph, and the worker processes of a server share its pages
through the page cache. Only the project table (a few thousand rows) is JSON, read on the
first question about projects. Nothing kept is pickled: reading it runs no code.

Layout of ``<store>.index/``: ``CURRENT`` (JSON: the folder in use, its format and data
version) and that folder. A new index is written to a fresh folder, then ``CURRENT`` is
replaced atomically: a reader sees the old index or the new one, never a mix; folders no
longer current are removed (a server still reading one keeps its open files).

A kept index of another version, of another build of smekg (its format is a digest of the
modules that define the index and of the versions of Python and numpy), unreadable, or not
this user's alone, is ignored, and the index is built from the graph.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import platform
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from smekg import __version__
from smekg.queries import coverage, graph_index, mapped, projects
from smekg.queries.coverage import CoverageTable, Reach, coverage_table, keep_coverage_table
from smekg.queries.graph_index import GraphIndex, MembershipTerms, Name
from smekg.queries.mapped import (
    ArrayMap,
    IntMap,
    PairMap,
    PoolWriter,
    StrColumn,
    StringPool,
    load_array,
    opener,
    save_array,
    save_array_map,
    save_int_map,
    save_list_map,
    save_pair_map,
    save_set,
    save_set_map,
    save_str_column,
    save_str_map,
)
from smekg.queries.projects import ProjectTable, keep_project_table, project_table
from smekg.queries.registry import QUERY_DIR

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"

INDEX_MAPS: dict[str, str] = {
    "labels": "str", "codes": "str", "tags": "set", "broader": "list", "narrower": "list",
    "levels": "int", "versions": "list", "superseded": "strset", "typologies": "list",
    "typology_classes": "set", "matches": "list", "matched_by": "list", "served_by": "list",
    "regions_of": "list", "sectors_of": "list", "sector_users": "list", "services_of": "set",
    "networks_of": "list", "member_countries": "strset", "located_at": "list",
    "by_key": "list",
}
"""The maps of :class:`GraphIndex` and how each is kept (see :func:`mapped.opener`)."""

TABLE_ARRAYS = ("scoped", "providers", "member_country", "sector_free", "up_start", "up",
                "down_start", "down", "networks", "network_number", "country_span",
                "up_breadth", "down_breadth", "scoped_positions")
"""The arrays of a :class:`CoverageTable` kept as they are."""

NAME_PROPERTIES = ("name", "other name", "code", "id")


@functools.cache
def cache_format() -> str:
    """A digest of what the kept files depend on besides the data: the modules that define
    the index, its tables and this layout, the index queries, and the versions of smekg,
    Python and numpy (read once: they do not change while a process runs)."""
    digest = hashlib.sha256(f"{__version__} {platform.python_version()} "
                            f"{np.__version__}".encode())
    modules = (graph_index, coverage, projects, mapped)
    sources = [Path(module.__file__ or "") for module in modules] + [Path(__file__)]
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


_READ_ERRORS = (OSError, ValueError, KeyError, TypeError, IndexError)


def _kept_folder(folder: Path, version: str) -> Path | None:
    """The folder of the index kept in ``folder`` for ``version`` in this format, or None.
    Raises what reading ``CURRENT`` may raise."""
    current = folder / CURRENT
    if not current.is_file() or not _trusted(current):
        return None
    header = json.loads(current.read_text(encoding="utf-8"))
    if header.get("format") != cache_format() or header.get("version") != version:
        return None
    kept = folder / str(header["folder"])
    if kept.parent != folder or not kept.is_dir() or not _trusted(kept / "manifest.json"):
        return None
    return kept


def is_kept(folder: Path, version: str) -> bool:
    """Whether ``folder`` keeps an index of the data ``version`` in this format (read from
    ``CURRENT`` only: the index itself is not opened)."""
    try:
        return _kept_folder(folder, version) is not None
    except _READ_ERRORS:
        return False


# -- reading ----------------------------------------------------------------------


class KeptNames(Sequence[Name]):
    """The index's names as columns of string ids (a :class:`Name` made per item read)."""

    def __init__(self, pool: StringPool, entity: np.ndarray, text: np.ndarray,
                 prop: np.ndarray, folded: np.ndarray) -> None:
        self._pool, self._entity, self._text = pool, entity, text
        self._prop, self._folded = prop, folded

    def __len__(self) -> int:
        return len(self._entity)

    @overload
    def __getitem__(self, at: int) -> Name: ...

    @overload
    def __getitem__(self, at: slice) -> list[Name]: ...

    def __getitem__(self, at: int | slice) -> Name | list[Name]:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(len(self)))]
        text = self._pool.text
        return Name(text(self._entity.item(at)), text(self._text.item(at)),
                    NAME_PROPERTIES[self._prop.item(at)], text(self._folded.item(at)))

    def __iter__(self) -> Iterator[Name]:
        texts = self._pool.texts
        return map(Name, texts(self._entity.tolist()), texts(self._text.tolist()),
                   [NAME_PROPERTIES[p] for p in self._prop.tolist()],
                   texts(self._folded.tolist()))

    def entities(self, positions: Sequence[int]) -> list[str]:
        """The entity of each name at ``positions`` (decoded at once)."""
        return self._column(self._entity, positions)

    def texts(self, positions: Sequence[int]) -> list[str]:
        """The text of each name at ``positions``."""
        return self._column(self._text, positions)

    def properties(self, positions: Sequence[int]) -> list[str]:
        """The property of each name at ``positions`` (``name``, ``code``, ...)."""
        chosen = self._prop[np.asarray(positions, dtype=np.int64)].tolist()
        return [NAME_PROPERTIES[p] for p in chosen]

    def _column(self, column: np.ndarray, positions: Sequence[int]) -> list[str]:
        return self._pool.texts(column[np.asarray(positions, dtype=np.int64)].tolist())

    def folded(self) -> list[str]:
        """Every name's folded text, in order (one column: what a search scans)."""
        return self._pool.texts(self._folded.tolist())


def _one(columns: tuple[np.ndarray, ...]) -> np.ndarray:
    return columns[0]


def _reach(columns: tuple[np.ndarray, ...]) -> Reach:
    return Reach(*columns)


def _open(kept: Path, version: str) -> GraphIndex:
    manifest = json.loads((kept / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != cache_format() or manifest.get("version") != version:
        raise ValueError("the manifest does not match CURRENT")
    for name, size in manifest["sizes"].items():  # each file whole (not cut short)
        if (kept / name).stat().st_size != size:
            raise ValueError(f"{name} is not of the size it was written with")
    pool = StringPool.open(kept)
    maps: dict[str, Any] = {name: opener(kind)(kept, name, pool)
                            for name, kind in INDEX_MAPS.items()}
    for name, length in manifest["lengths"].items():
        if len(maps[name]) != length:
            raise ValueError(f"{name} holds {len(maps[name])} entries, not {length}")
    names = KeptNames(pool, *(load_array(kept, f"names.{part}")
                              for part in ("entity", "text", "property", "folded")))
    terms = MembershipTerms(
        members=StrColumn.open(kept, "terms.members", pool),  # type: ignore[arg-type]
        roles=StrColumn.open(kept, "terms.roles", pool),
        since=StrColumn.open(kept, "terms.since", pool),
        until=StrColumn.open(kept, "terms.until", pool),
        blocks=PairMap.open(kept, "terms.blocks", pool))
    index = GraphIndex(version=version, names=names, terms=terms, **maps)
    table = CoverageTable.kept(
        index,
        iris=StrColumn.open(kept, "table.iris", pool),  # type: ignore[arg-type]
        position=IntMap.open(kept, "table.position", pool),
        served=ArrayMap.open(kept, "table.served", pool, 1, _one),
        users=ArrayMap.open(kept, "table.users", pool, 1, _one),
        reach=ArrayMap.open(kept, "table.reach", pool, 3, _reach),
        reach_all=Reach(*(load_array(kept, f"table.reach_all{i}") for i in range(3))),
        arrays={name: load_array(kept, f"table.{name}") for name in TABLE_ARRAYS})
    keep_coverage_table(index, table)
    projects_file = kept / "projects.json"
    keep_project_table(index, lambda: ProjectTable.from_json(
        index, projects_file.read_text(encoding="utf-8")))
    return index


def load_index(folder: Path, version: str) -> GraphIndex | None:
    """The index kept in ``folder`` for the data ``version`` (its coverage and project
    tables kept with it), opened over its mapped files; None when there is none of that
    version and format, or it cannot be read."""
    try:
        kept = _kept_folder(folder, version)
        if kept is None:
            return None
        return _open(kept, version)
    except (*_READ_ERRORS, json.JSONDecodeError) as error:
        logger.warning("the index kept beside the store could not be read (%s); building "
                       "it from the graph", type(error).__name__)
        return None


# -- writing ----------------------------------------------------------------------


def _strings(index: GraphIndex, table: CoverageTable) -> Iterator[str]:
    for field in INDEX_MAPS:
        kept: Any = getattr(index, field)
        if isinstance(kept, Mapping):
            for key, value in kept.items():
                yield key
                if isinstance(value, str):
                    yield value
                elif not isinstance(value, int):
                    yield from value
        else:
            yield from kept
    for name in index.names:
        yield name.entity
        yield name.text
        yield name.folded
    terms = index.terms
    yield from terms.blocks
    for column in (terms.members, terms.roles, terms.since, terms.until):
        yield from (value for value in column if value is not None)
    yield from table.iris
    yield from table.served
    yield from table.users


def _write(kept: Path, index: GraphIndex) -> None:
    table = coverage_table(index)
    writer = PoolWriter(_strings(index, table))
    writer.save(kept)
    ids = writer.ids
    savers: dict[str, Callable[[Path, str, Any, Mapping[str, int]], None]] = {
        "str": save_str_map, "int": save_int_map, "list": save_list_map, "set": save_set_map,
        "strset": save_set}
    for name, kind in INDEX_MAPS.items():
        savers[kind](kept, name, getattr(index, name), ids)
    names = list(index.names)
    save_str_column(kept, "names.entity", (n.entity for n in names), ids)
    save_str_column(kept, "names.text", (n.text for n in names), ids)
    save_str_column(kept, "names.folded", (n.folded for n in names), ids)
    save_array(kept, "names.property",
               np.array([NAME_PROPERTIES.index(n.property) for n in names], dtype=np.int8))
    terms = index.terms
    for column in ("members", "roles", "since", "until"):
        save_str_column(kept, f"terms.{column}", getattr(terms, column), ids)
    save_pair_map(kept, "terms.blocks", terms.blocks, ids)
    save_str_column(kept, "table.iris", table.iris, ids)
    save_int_map(kept, "table.position", table.position, ids)
    position = np.int32
    save_array_map(kept, "table.served", {k: (v,) for k, v in table.served.items()}, ids,
                   [position])
    save_array_map(kept, "table.users", {k: (v,) for k, v in table.users.items()}, ids,
                   [position])
    save_array_map(kept, "table.reach", table.reach, ids, [position, position, np.int8])
    for number, values in enumerate(table.reach_all):
        save_array(kept, f"table.reach_all{number}", values)
    for name in TABLE_ARRAYS:
        save_array(kept, f"table.{name}", getattr(table, name))
    (kept / "projects.json").write_text(project_table(index).to_json(), encoding="utf-8")
    lengths = {name: len(getattr(index, name)) for name in INDEX_MAPS}
    sizes = {path.name: path.stat().st_size for path in sorted(kept.iterdir())}
    manifest = {"format": cache_format(), "version": index.version, "lengths": lengths,
                "sizes": sizes}
    (kept / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for path in kept.iterdir():
        with path.open("rb") as file:
            os.fsync(file.fileno())


def save_index(folder: Path, index: GraphIndex) -> Path | None:
    """Write ``index`` and its coverage and project tables to ``folder`` (atomically: a
    reader sees the previous index or this one); the kept folder, or None when it could not
    be written (said in the log: the server goes on without it)."""
    kept: Path | None = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        kept = Path(tempfile.mkdtemp(dir=folder, prefix="index-"))
        _write(kept, index)
        header = {"folder": kept.name, "format": cache_format(), "version": index.version}
        with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".current-", delete=False,
                                         encoding="utf-8") as file:
            json.dump(header, file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(file.name, 0o600)
        # one writer at a time swaps CURRENT and clears what it replaced (the workers of a
        # server may each rebuild the index after a load)
        with (folder / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.replace(file.name, folder / CURRENT)
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            _clear(folder, kept)
    except (OSError, ValueError) as error:
        logger.warning("the index could not be kept beside the store: %s", error)
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
        return None
    return kept


def _clear(folder: Path, current: Path) -> None:
    """Remove what no reader will open again: whole index folders other than ``current``,
    a day-old unfinished one (a writer killed), and the files of earlier formats. A folder
    another writer is still filling (no manifest yet) is left to it. A server that has
    opened a removed folder keeps reading it: its files stay until it closes them."""
    day_ago = time.time() - 86_400
    for old in folder.iterdir():
        if old == current or old.name in (CURRENT, ".lock"):
            continue
        if old.name.startswith("index-") and old.is_dir():
            if (old / "manifest.json").is_file() or old.stat().st_mtime < day_ago:
                shutil.rmtree(old, ignore_errors=True)
        elif old.name == "index.pickle" or (old.name.startswith(".current-")
                                            and old.stat().st_mtime < day_ago):
            old.unlink(missing_ok=True)

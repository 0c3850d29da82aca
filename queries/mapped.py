"""Read-only containers over memory-mapped arrays: what the kept index is opened as.

The graph index at a million organisations is a few million strings in a few dozen maps.
Kept as Python objects, reading it back means making each object again (tens of
seconds); kept as arrays, it opens by mapping files (``numpy.load(mmap_mode="r")`` reads
only each file's header), and the worker processes of one server share the pages through
the page cache instead of holding a copy each.

Every string is stored once, in a :class:`StringPool`: one UTF-8 blob, ids in sorted
order of the strings (so ids compare as their strings do), and a table of 64-bit digests
to find a string's id. The maps below hold ids:

- :class:`StrMap`, :class:`IntMap`: one value per key;
- :class:`ListMap`, :class:`SetMap`: compressed rows (``starts``, ``values``) per key;
- :class:`ArrayMap`: compressed rows of integers, answered as array views (no copy);
- :class:`StrSet`, :class:`StrColumn`: a set of strings and a column of optional strings.

A look-up hashes the key, finds its id by binary search in the digests, then its row by
binary search in the map's sorted keys: a few microseconds, no Python object per entry
until asked. A whole-map scan (``items()``, iteration) decodes every entry once and keeps
the decoded map in the process that asked (scans are for tables derived once).

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> writer = PoolWriter(["o:b", "o:a", "n:x"])
>>> writer.save(folder)
>>> save_list_map(folder, "networks_of", {"o:a": ["n:x"], "o:b": []}, writer.ids)
>>> pool = StringPool.open(folder)
>>> networks_of = ListMap.open(folder, "networks_of", pool)
>>> networks_of["o:a"], networks_of.get("o:b"), "o:c" in networks_of, len(networks_of)
(['n:x'], [], False, 2)
"""

from __future__ import annotations

import hashlib
import mmap
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    Sequence,
    Set,
)
from pathlib import Path
from typing import Any, Self, TypeVar, overload

import numpy as np

__all__ = [
    "ArrayMap",
    "IntMap",
    "ListMap",
    "PairMap",
    "PoolWriter",
    "SetMap",
    "StrColumn",
    "StrMap",
    "StrSet",
    "StringPool",
    "digest",
    "load_array",
    "save_array",
    "save_array_map",
    "save_int_map",
    "save_list_map",
    "save_pair_map",
    "save_set",
    "save_set_map",
    "save_str_column",
    "save_str_map",
]

_ID = np.int32
_V = TypeVar("_V")


def digest(text: str) -> int:
    """A stable 64-bit digest of ``text`` (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little", signed=True)


def save_array(folder: Path, name: str, array: np.ndarray) -> None:
    np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def load_array(folder: Path, name: str) -> np.ndarray:
    """The array ``name`` of ``folder``, memory-mapped read-only (a plain array view of the
    mapped pages: numpy's ``memmap`` subclass adds a cost to every operation)."""
    path = folder / f"{name}.npy"
    array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
    return array


# -- strings ----------------------------------------------------------------------


class PoolWriter:
    """The distinct strings of an index, numbered in sorted order (``ids``), for writing."""

    def __init__(self, strings: Iterable[str]) -> None:
        self.strings = sorted(set(strings))
        self.ids = {text: number for number, text in enumerate(self.strings)}

    def save(self, folder: Path) -> None:
        encoded = [text.encode("utf-8", "surrogatepass") for text in self.strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(item) for item in encoded], out=offsets[1:])
        (folder / "strings.bin").write_bytes(b"".join(encoded) or b"\0")
        save_array(folder, "strings.offsets", offsets)
        digests = np.array([digest(text) for text in self.strings], dtype=np.int64)
        order = np.argsort(digests, kind="stable").astype(_ID)
        save_array(folder, "strings.digests", digests[order])
        save_array(folder, "strings.by_digest", order)


class StringPool:
    """Every string of a kept index: ``text(id)`` and ``id(text)`` (-1 when absent)."""

    def __init__(self, blob: mmap.mmap | bytes, offsets: np.ndarray, digests: np.ndarray,
                 by_digest: np.ndarray) -> None:
        self._blob = blob
        self._offsets = offsets
        self._digests = digests
        self._by_digest = by_digest

    @classmethod
    def open(cls, folder: Path) -> StringPool:
        with (folder / "strings.bin").open("rb") as file:
            blob = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(blob, load_array(folder, "strings.offsets"),
                   load_array(folder, "strings.digests"), load_array(folder, "strings.by_digest"))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def text(self, number: int) -> str:
        offsets = self._offsets
        return str(self._blob[offsets.item(number):offsets.item(number + 1)], "utf-8",
                   "surrogatepass")

    def texts(self, numbers: Iterable[int]) -> list[str]:
        text = self.text
        return [text(number) for number in numbers]

    def id(self, text: str) -> int:
        """The id of ``text``, or -1 when the pool does not hold it."""
        key = digest(text)
        digests = self._digests
        at = int(digests.searchsorted(np.int64(key)))
        while at < len(digests) and digests.item(at) == key:
            number = self._by_digest.item(at)
            if self.text(number) == text:
                return int(number)
            at += 1
        return -1


# -- maps ---------------------------------------------------------------------------


_MISSING: Any = object()
_CACHED = 100_000
"""How many looked-up keys a map keeps with their values (then it starts again): questions
ask of the same regions, sectors and networks over and over."""


class _KeyedMap(Mapping[str, _V]):
    """A map over sorted key ids; subclasses say what a row's value is (:meth:`_value`)."""

    def __init__(self, pool: StringPool, keys: np.ndarray) -> None:
        self._pool = pool
        self._keys = keys
        self._thawed: dict[str, _V] | None = None
        self._cache: dict[object, Any] = {}

    def _lookup(self, key: object) -> Any:
        """The value of ``key``, or ``_MISSING`` (kept for the next look-up)."""
        cache = self._cache
        found = cache.get(key, cache)
        if found is cache:
            row = self._row(key)
            found = _MISSING if row < 0 else self._value(row)
            if len(cache) >= _CACHED:
                cache.clear()
            cache[key] = found
        return found

    def _row(self, key: object) -> int:
        if not isinstance(key, str):  # a look-up of another type finds nothing, as in a dict
            return -1
        number = self._pool.id(key)
        if number < 0:
            return -1
        keys = self._keys
        # a numpy scalar of the array's type: a Python int would make numpy cast the
        # whole array to a common type first (milliseconds at a million keys)
        at = int(keys.searchsorted(_ID(number)))
        return at if at < len(keys) and keys.item(at) == number else -1

    def _value(self, row: int) -> _V:
        raise NotImplementedError

    def __getitem__(self, key: str) -> _V:
        if self._thawed is not None:
            return self._thawed[key]
        found = self._lookup(key)
        if found is _MISSING:
            raise KeyError(key)
        value: _V = found
        return value

    def get(self, key: str, default: Any = None) -> Any:
        if self._thawed is not None:
            return self._thawed.get(key, default)
        found = self._lookup(key)
        return default if found is _MISSING else found

    def __contains__(self, key: object) -> bool:
        if self._thawed is not None:
            return key in self._thawed
        return self._lookup(key) is not _MISSING

    def __len__(self) -> int:
        return len(self._keys)

    def thaw(self) -> dict[str, _V]:
        """The whole map as a dict (decoded on the first call, then kept)."""
        if self._thawed is None:
            keys = self._pool.texts(self._keys.tolist())
            self._thawed = {key: self._value(row) for row, key in enumerate(keys)}
        return self._thawed

    def __iter__(self) -> Iterator[str]:
        return iter(self.thaw())

    def keys(self) -> KeysView[str]:
        return self.thaw().keys()

    def items(self) -> Any:
        return self.thaw().items()

    def values(self) -> Any:
        return self.thaw().values()


class _OneValueMap(_KeyedMap[_V]):
    """One row of ``values`` per key; subclasses say what the row is (:meth:`_value`)."""

    def __init__(self, pool: StringPool, keys: np.ndarray, values: np.ndarray) -> None:
        super().__init__(pool, keys)
        self._values = values

    @classmethod
    def open(cls, folder: Path, name: str, pool: StringPool) -> Self:
        return cls(pool, load_array(folder, f"{name}.keys"), load_array(folder, f"{name}.values"))


class StrMap(_OneValueMap[str]):
    """A map from strings to strings."""

    def _value(self, row: int) -> str:
        return self._pool.text(self._values.item(row))


class IntMap(_OneValueMap[int]):
    """A map from strings to integers."""

    def _value(self, row: int) -> int:
        return int(self._values.item(row))


class _RowsMap(_KeyedMap[_V]):
    """Compressed rows: the values of key row ``r`` are ``values[starts[r]:starts[r + 1]]``."""

    def __init__(self, pool: StringPool, keys: np.ndarray, starts: np.ndarray,
                 values: np.ndarray) -> None:
        super().__init__(pool, keys)
        self._starts = starts
        self._values_array = values

    def _ids(self, row: int) -> list[int]:
        starts = self._starts
        ids: list[int] = self._values_array[starts.item(row):starts.item(row + 1)].tolist()
        return ids


class ListMap(_RowsMap[list[str]]):
    """A map from strings to lists of strings (a fresh list per look-up)."""

    @classmethod
    def open(cls, folder: Path, name: str, pool: StringPool) -> ListMap:
        return cls(pool, load_array(folder, f"{name}.keys"), load_array(folder, f"{name}.starts"),
                   load_array(folder, f"{name}.values"))

    def _value(self, row: int) -> list[str]:
        return self._pool.texts(self._ids(row))


class SetMap(_RowsMap[frozenset[str]]):
    """A map from strings to sets of strings. Rows name distinct sets (entities share a
    few sets of classes), each decoded once."""

    def __init__(self, pool: StringPool, keys: np.ndarray, starts: np.ndarray,
                 values: np.ndarray, rows: np.ndarray) -> None:
        super().__init__(pool, keys, starts, values)
        self._set_of = rows
        self._sets: dict[int, frozenset[str]] = {}

    @classmethod
    def open(cls, folder: Path, name: str, pool: StringPool) -> SetMap:
        return cls(pool, load_array(folder, f"{name}.keys"), load_array(folder, f"{name}.starts"),
                   load_array(folder, f"{name}.values"), load_array(folder, f"{name}.sets"))

    def _value(self, row: int) -> frozenset[str]:
        number = self._set_of.item(row)
        found = self._sets.get(number)
        if found is None:
            if len(self._sets) > 100_000:  # bounded when sets are mostly distinct
                self._sets.clear()
            found = self._sets[number] = frozenset(self._pool.texts(self._ids(number)))
        return found


class ArrayMap(_KeyedMap[_V]):
    """A map from strings to rows of one or more parallel integer arrays, answered as
    read-only views of the mapped arrays, made into a value by ``wrap`` (e.g. the one
    array, or a named tuple of them)."""

    def __init__(self, pool: StringPool, keys: np.ndarray, starts: np.ndarray,
                 columns: Sequence[np.ndarray],
                 wrap: Callable[[tuple[np.ndarray, ...]], _V]) -> None:
        super().__init__(pool, keys)
        self._starts = starts
        self._columns = columns
        self._wrap = wrap

    @classmethod
    def open(cls, folder: Path, name: str, pool: StringPool, columns: int,
             wrap: Callable[[tuple[np.ndarray, ...]], _V]) -> ArrayMap[_V]:
        return cls(pool, load_array(folder, f"{name}.keys"), load_array(folder, f"{name}.starts"),
                   [load_array(folder, f"{name}.values{i}") for i in range(columns)], wrap)

    def _value(self, row: int) -> _V:
        start, stop = self._starts.item(row), self._starts.item(row + 1)
        return self._wrap(tuple(column[start:stop] for column in self._columns))


class PairMap(_OneValueMap[tuple[int, int]]):
    """A map from strings to pairs of integers (e.g. the start and stop of a block)."""

    def _value(self, row: int) -> tuple[int, int]:
        return int(self._values[row, 0]), int(self._values[row, 1])


class StrSet(Set[str]):
    """A set of strings."""

    def __init__(self, pool: StringPool, members: np.ndarray) -> None:
        self._pool = pool
        self._members = members
        self._thawed: frozenset[str] | None = None
        self._cache: dict[object, bool] = {}

    @classmethod
    def open(cls, folder: Path, name: str, pool: StringPool) -> StrSet:
        return cls(pool, load_array(folder, f"{name}.keys"))

    @classmethod
    def _from_iterable(cls, iterable: Iterable[str]) -> frozenset[str]:  # type: ignore[override]
        return frozenset(iterable)

    def __contains__(self, item: object) -> bool:
        found = self._cache.get(item)
        if found is None:
            found = isinstance(item, str) and self._holds(item)
            if len(self._cache) >= _CACHED:
                self._cache.clear()
            self._cache[item] = found
        return found

    def _holds(self, item: str) -> bool:
        number = self._pool.id(item)
        members = self._members
        at = int(members.searchsorted(_ID(number)))
        return number >= 0 and at < len(members) and members.item(at) == number

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[str]:
        if self._thawed is None:
            self._thawed = frozenset(self._pool.texts(self._members.tolist()))
        return iter(sorted(self._thawed))

    def intersection(self, other: Iterable[str]) -> frozenset[str]:
        return frozenset(item for item in other if item in self)


class StrColumn(Sequence[str | None]):
    """A column of optional strings (None where the id is -1)."""

    def __init__(self, pool: StringPool, ids: np.ndarray) -> None:
        self._pool = pool
        self._ids = ids

    @classmethod
    def open(cls, folder: Path, name: str, pool: StringPool) -> StrColumn:
        return cls(pool, load_array(folder, name))

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, at: int) -> str | None: ...

    @overload
    def __getitem__(self, at: slice) -> list[str | None]: ...

    def __getitem__(self, at: int | slice) -> str | list[str | None] | None:
        if isinstance(at, slice):
            return [None if number < 0 else self._pool.text(number)
                    for number in self._ids[at].tolist()]
        number = self._ids.item(at)
        return None if number < 0 else self._pool.text(number)

    def ids(self) -> np.ndarray:
        """The column's string ids (-1: None)."""
        return self._ids


# -- writing ------------------------------------------------------------------------


def _sorted_keys(mapping: Mapping[str, Any], ids: Mapping[str, int]
                 ) -> tuple[np.ndarray, list[str]]:
    order = sorted(mapping, key=ids.__getitem__)
    return np.array([ids[key] for key in order], dtype=_ID), order


def save_str_map(folder: Path, name: str, mapping: Mapping[str, str],
                 ids: Mapping[str, int]) -> None:
    keys, order = _sorted_keys(mapping, ids)
    save_array(folder, f"{name}.keys", keys)
    save_array(folder, f"{name}.values", np.array([ids[mapping[k]] for k in order], dtype=_ID))


def save_int_map(folder: Path, name: str, mapping: Mapping[str, int],
                 ids: Mapping[str, int]) -> None:
    keys, order = _sorted_keys(mapping, ids)
    save_array(folder, f"{name}.keys", keys)
    save_array(folder, f"{name}.values", np.array([mapping[k] for k in order], dtype=np.int64))


def _rows(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=starts[1:])
    values = np.fromiter((v for row in rows for v in row), dtype=np.int64, count=int(starts[-1]))
    return starts, values


def save_pair_map(folder: Path, name: str, mapping: Mapping[str, tuple[int, int]],
                  ids: Mapping[str, int]) -> None:
    keys, order = _sorted_keys(mapping, ids)
    save_array(folder, f"{name}.keys", keys)
    save_array(folder, f"{name}.values",
               np.array([mapping[k] for k in order], dtype=np.int64).reshape(-1, 2))


def save_list_map(folder: Path, name: str, mapping: Mapping[str, Iterable[str]],
                  ids: Mapping[str, int]) -> None:
    keys, order = _sorted_keys(mapping, ids)
    starts, values = _rows([[ids[v] for v in mapping[k]] for k in order])
    save_array(folder, f"{name}.keys", keys)
    save_array(folder, f"{name}.starts", starts)
    save_array(folder, f"{name}.values", values.astype(_ID))


def save_set_map(folder: Path, name: str, mapping: Mapping[str, Iterable[str]],
                 ids: Mapping[str, int]) -> None:
    keys, order = _sorted_keys(mapping, ids)
    distinct: dict[tuple[int, ...], int] = {}
    rows = np.array([distinct.setdefault(tuple(sorted(ids[v] for v in mapping[k])), len(distinct))
                     for k in order], dtype=_ID)
    starts, values = _rows(list(distinct))
    save_array(folder, f"{name}.keys", keys)
    save_array(folder, f"{name}.starts", starts)
    save_array(folder, f"{name}.values", values.astype(_ID))
    save_array(folder, f"{name}.sets", rows)


def save_array_map(folder: Path, name: str, mapping: Mapping[str, Sequence[np.ndarray]],
                   ids: Mapping[str, int], dtypes: Sequence[Any]) -> None:
    keys, order = _sorted_keys(mapping, ids)
    starts = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum([len(mapping[k][0]) for k in order], out=starts[1:])
    save_array(folder, f"{name}.keys", keys)
    save_array(folder, f"{name}.starts", starts)
    for column, dtype in enumerate(dtypes):
        parts = [np.asarray(mapping[k][column], dtype=dtype) for k in order]
        save_array(folder, f"{name}.values{column}",
                   np.concatenate(parts) if parts else np.empty(0, dtype=dtype))


def save_set(folder: Path, name: str, members: Iterable[str], ids: Mapping[str, int]) -> None:
    save_array(folder, f"{name}.keys", np.array(sorted(ids[m] for m in members), dtype=_ID))


def save_str_column(folder: Path, name: str, column: Iterable[str | None],
                    ids: Mapping[str, int]) -> None:
    save_array(folder, name, np.array([-1 if v is None else ids[v] for v in column], dtype=_ID))


def opener(kind: str) -> Callable[..., Any]:
    """The class that opens a kept container of ``kind`` (what the manifest names)."""
    return {"str": StrMap.open, "int": IntMap.open, "list": ListMap.open, "set": SetMap.open,
            "strset": StrSet.open, "pair": PairMap.open}[kind]

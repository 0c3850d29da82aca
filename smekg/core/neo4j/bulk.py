"""Fill an empty Neo4j database in one go: the projection as CSV, imported by
``neo4j-admin database import full``.

The incremental sync (:mod:`smekg.core.neo4j.sync`) writes through Bolt, source by source,
in batches of ``UNWIND``: right for keeping a database in step, slow for filling one
(8.7k rows/s at a million organisations). Into an empty database -- a first sync, or a
rebuild -- Neo4j's own offline importer writes the store files directly. It needs the
server of that database stopped, so the bulk path is for a **Neo4j home on this machine**
(``scripts/neo4j``'s ``.neo4j/``, or another made with ``NEO4J_HOME_DIR``):

1. **Refuse** if the directory is no Neo4j home (``conf/neo4j.conf`` and the Neo4j jars)
   or its server runs (its pid file names a live process, or its ``store_lock`` is held).
2. **Write the projection as CSV** into a private temporary directory (0700, removed
   after): every source's rows from :func:`~smekg.core.neo4j.projection.project_in_chunks`,
   the same rows the incremental sync writes, each node once (a node described by several
   sources is the same complete row from each), plus a bare ``(:Resource {iri})`` for each
   relationship end that no source describes (the incremental sync's ``MERGE`` of it).
   One file per set of typed columns (Neo4j's header format: ``iri:ID``, ``:LABEL``,
   ``name:string``, ``altNames:string[]``, ``level:long``, ``:START_ID``, ``:END_ID``,
   ``:TYPE``), so every property keeps the type the driver gives it in the incremental
   sync: ``str`` a string, ``int`` a long, ``float`` a double, ``bool`` a boolean, a list
   an array of its one type. Every field is quoted (RFC 4180: quotes doubled, so commas,
   quotes and line breaks need nothing more; rows holding a line break go to files of
   their own, the only ones Neo4j reads in its slower multi-line mode). Array elements are
   joined by a control character that none of them contains (see
   :data:`ARRAY_DELIMITERS`).
3. **Import** with ``neo4j-admin database import full`` into a staging database
   (:data:`STAGING_DATABASE`): the database being replaced is not touched while it runs.
   If the import fails, the staging files are removed and nothing else changed
   (``--overwrite-destination`` straight into the live database would delete it first,
   and a failed import leaves "store files ... likely in an unusable state", in Neo4j's
   words). On success the staging directories take the place of the home's default
   database (``data/databases/neo4j`` and ``data/transactions/neo4j``): four renames
   under the home's ``store_lock``, so no server can start in between. A process killed
   between those renames leaves the previous database under
   ``<name>-replaced`` (see :func:`replace_database`).
4. **Start** the server (the caller says how: ``smekg sync neo4j --bulk`` runs
   ``scripts/neo4j start`` on that home) and, over Bolt, create the constraints and
   indexes (:meth:`Neo4jSync.ensure_schema <smekg.core.neo4j.sync.Neo4jSync.ensure_schema>`)
   and the sync's records (``PropertyKey`` nodes and one ``SyncedSource`` per source, with
   the same statements as the incremental sync): a later incremental sync finds every
   source up to date and rewrites only those that change.

The graph is the incremental sync's, node for node and property for property (a test
compares the two).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from neo4j import Driver
from pyoxigraph import Store

from smekg.core.neo4j.projection import RESOURCE, project_in_chunks
from smekg.core.neo4j.sync import (
    RECORD_PROPERTY_KEYS,
    RECORD_SOURCE,
    Neo4jSync,
    SyncReport,
    connect,
    store_checksums,
)

STAGING_DATABASE = "smekg-bulk-import"
"""The database name the import writes to before it replaces the home's database."""

ARRAY_DELIMITERS = "\x1f\x1e\x1d\x1c" + "".join(chr(c) for c in range(0xE000, 0xE100))
"""Array delimiters, in order of preference: the ASCII unit, record, group and file
separators, then private-use characters. Neo4j's importer has no escape for the array
delimiter, so the first one that no array element contains is used (an element holding
it is found while the files are written; they are then written again with another)."""

ADMIN_TOOL = "org.neo4j.cli.AdminTool"
"""neo4j-admin's entry point in the Neo4j jars (``neo4j-command-line``)."""

_CANDIDATES = re.compile("[" + re.escape(ARRAY_DELIMITERS) + "]")
_PROPERTY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LONG = 1 << 63
_MAX_OPEN_FILES = 64
_CHUNK_ROWS = 20_000


class BulkImportError(Exception):
    """The bulk import cannot run here, or failed (the message says what was changed)."""


# -- the Neo4j home ------------------------------------------------------------------------


@dataclass(frozen=True)
class Neo4jHome:
    """A Neo4j installation directory on this machine and what its ``neo4j.conf`` says."""

    path: Path
    settings: dict[str, str]

    @classmethod
    def open(cls, path: Path) -> Neo4jHome:
        """The home at ``path``; :class:`BulkImportError` if it is no Neo4j home."""
        path = Path(path).resolve()
        conf = path / "conf" / "neo4j.conf"
        if not conf.is_file():
            raise BulkImportError(
                f"{path} is not a Neo4j home: it has no conf/neo4j.conf (make one with "
                f"`NEO4J_HOME_DIR={path} scripts/neo4j init`)")
        settings: dict[str, str] = {}
        for line in conf.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                settings[key.strip()] = value.strip()  # the last one counts, as in Neo4j
        home = cls(path, settings)
        if not any(home.lib_dir.glob("neo4j-kernel-*.jar")):
            raise BulkImportError(
                f"{path} is not a Neo4j home: no Neo4j jars in {home.lib_dir}")
        return home

    def _directory(self, key: str, default: str, base: Path | None = None) -> Path:
        value = Path(self.settings.get(key) or default)
        return value if value.is_absolute() else (base or self.path) / value

    @property
    def conf_dir(self) -> Path:
        return self.path / "conf"

    @property
    def lib_dir(self) -> Path:
        return self._directory("server.directories.lib", "lib")

    @property
    def data_dir(self) -> Path:
        return self._directory("server.directories.data", "data")

    @property
    def databases_dir(self) -> Path:
        return self.data_dir / "databases"

    @property
    def transactions_dir(self) -> Path:
        return self._directory("server.directories.transaction.logs.root", "transactions",
                               self.data_dir)

    @property
    def run_dir(self) -> Path:
        return self._directory("server.directories.run", "run")

    @property
    def database(self) -> str:
        """The default database: the one the import replaces (Community has no other)."""
        return self.settings.get("initial.dbms.default_database") or "neo4j"

    def port(self, connector: str) -> int | None:
        """The port the ``bolt`` or ``http`` connector listens on, if the conf says."""
        address = self.settings.get(f"server.{connector}.listen_address", "")
        port = address.rpartition(":")[2]
        return int(port) if port.isdigit() else None

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port('bolt') or 7687}"

    def running(self) -> str | None:
        """Why the server of this home is taken to be running, or None if it is stopped."""
        pid_file = self.run_dir / "neo4j.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"org.neo4j" in command:
                return f"its server is running (pid {pid}, {pid_file})"
        try:
            with self.locked():
                return None
        except BulkImportError as error:
            return str(error)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the home's ``store_lock`` (what a Neo4j server holds while it runs)."""
        lock_file = self.databases_dir / "store_lock"
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise BulkImportError(
                    f"its store is in use by a running Neo4j ({lock_file} is locked)"
                ) from error
            yield
        finally:
            os.close(fd)  # releases the lock


# -- the CSV files -------------------------------------------------------------------------


@dataclass
class SourceRows:
    """What one source contributed: counted as the incremental sync counts it."""

    graph: str
    version: str
    nodes: int = 0
    relationships: int = 0
    seconds: float = 0.0  # projecting it and writing its rows
    property_keys: dict[str, str] = field(default_factory=dict)  # key -> predicate IRI


@dataclass
class ImportFiles:
    """The CSV files of one import, in ``directory``, and what they hold."""

    directory: Path
    array_delimiter: str
    nodes: list[str] = field(default_factory=list)  # file names in directory
    relationships: list[str] = field(default_factory=list)
    multiline: list[str] = field(default_factory=list)  # those with line breaks in fields
    sources: list[SourceRows] = field(default_factory=list)
    relationship_types: set[str] = field(default_factory=set)
    node_count: int = 0  # nodes in the files: each once, bare relationship ends included
    relationship_count: int = 0
    delimiters_in_data: set[str] = field(default_factory=set)  # of ARRAY_DELIMITERS


Signature = tuple[tuple[str, str], ...]
"""The typed property columns of a file: ``(("name", "string"), ("level", "long"))``."""


class _Tables:
    """The CSV files of one kind (nodes or relationships), one per signature and for rows
    with line breaks a second one; at most ``_MAX_OPEN_FILES`` open at a time."""

    def __init__(self, files: ImportFiles, kind: str, leading: list[str],
                 names: list[str]) -> None:
        self.files, self.kind, self.leading, self.names = files, kind, leading, names
        self.paths: dict[tuple[Signature, bool], Path] = {}
        self.open: OrderedDict[tuple[Signature, bool], tuple[IO[str], Any]] = OrderedDict()

    def write(self, signature: Signature, multiline: bool, row: list[str]) -> None:
        key = (signature, multiline)
        entry = self.open.get(key)
        if entry is None:
            path = self.paths.get(key)
            if path is None:
                file_name = f"{self.kind}-{len(self.paths) + 1:04d}.csv"
                path = self.paths[key] = self.files.directory / file_name
                self.names.append(file_name)
                if multiline:
                    self.files.multiline.append(file_name)
                handle = path.open("w", encoding="utf-8", newline="")
                header = self.leading + [f"{name}:{kind}" for name, kind in signature]
                handle.write(",".join(header) + "\n")
            else:
                handle = path.open("a", encoding="utf-8", newline="")
            entry = (handle, csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n"))
            self.open[key] = entry
            if len(self.open) > _MAX_OPEN_FILES:
                self.open.popitem(last=False)[1][0].close()
        else:
            self.open.move_to_end(key)
        entry[1].writerow(row)

    def close(self) -> None:
        for handle, _ in self.open.values():
            handle.close()
        self.open.clear()


class _Cells:
    """Property values as CSV fields of Neo4j's import types."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.seen: set[str] = set()  # delimiter candidates found in array elements
        self.multiline = False  # set when a field of the current row holds a line break
        self.keys: set[str] = set()  # property keys checked to be plain names

    def typed(self, owner: str, key: str, value: object) -> tuple[str, str]:
        """``(type, field)`` of one property value."""
        if key not in self.keys:
            if not _PROPERTY_KEY.match(key):
                raise BulkImportError(f"property {key!r} of {owner}: not a plain name")
            self.keys.add(key)
        if type(value) is str:  # most values: the fast way
            if "\n" in value or "\r" in value:
                self.multiline = True
            return "string", value
        if isinstance(value, list):
            if not value:
                raise BulkImportError(f"property {key} of {owner}: an empty list (the "
                                      "import cannot write one)")
            typed = [self.scalar(owner, key, item) for item in value]
            kinds = {kind for kind, _ in typed}
            if len(kinds) > 1:
                raise BulkImportError(f"property {key} of {owner}: a list of several types")
            kind = typed[0][0]
            texts = [text for _, text in typed]
            if kind == "string":
                if texts == [""]:
                    raise BulkImportError(f"property {key} of {owner}: a list of one empty "
                                          "string (the import reads it as no value)")
                for text in texts:
                    if _CANDIDATES.search(text):
                        self.seen.update(_CANDIDATES.findall(text))
            return f"{kind}[]", self.delimiter.join(texts)
        return self.scalar(owner, key, value)

    def scalar(self, owner: str, key: str, value: object) -> tuple[str, str]:
        if isinstance(value, bool):
            return "boolean", "true" if value else "false"
        if isinstance(value, int):
            if not -_LONG <= value < _LONG:
                raise BulkImportError(f"property {key} of {owner}: {value} does not fit "
                                      "Neo4j's 64-bit integers")
            return "long", str(value)
        if isinstance(value, float):
            if value != value:
                return "double", "NaN"
            if value in (float("inf"), float("-inf")):
                return "double", "Infinity" if value > 0 else "-Infinity"
            return "double", repr(value)
        if isinstance(value, str):
            if "\n" in value or "\r" in value:
                self.multiline = True
            return "string", value
        raise BulkImportError(f"property {key} of {owner}: a {type(value).__name__}, "
                              "which the projection does not make")

    def row(self, owner: str, properties: dict[str, object],
            skip: str | None = None) -> tuple[Signature, list[str]]:
        signature: list[tuple[str, str]] = []
        fields: list[str] = []
        for key, value in properties.items():
            if key == skip:
                continue
            kind, text = self.typed(owner, key, value)
            signature.append((key, kind))
            fields.append(text)
        return tuple(signature), fields


def write_import_files(store: Store, directory: Path, *,
                       progress: Callable[[str], None] | None = None) -> ImportFiles:
    """Write the projection of every source of ``store`` as CSV files into ``directory``.

    Parameters
    ----------
    store
        The RDF store (every named graph with its provenance is a source).
    directory
        An empty directory (its files are replaced if the array delimiter has to change).
    progress
        Called with a line of progress now and then.

    Returns
    -------
    ImportFiles
        The files and what they hold, for :func:`import_database` and :func:`finish`.
    """
    files = _write(store, directory, ARRAY_DELIMITERS[0], progress)
    if files.array_delimiter in files.delimiters_in_data:
        free = next((c for c in ARRAY_DELIMITERS if c not in files.delimiters_in_data), None)
        if free is None:
            raise BulkImportError("every array delimiter candidate occurs in the data")
        for path in directory.iterdir():
            path.unlink()
        files = _write(store, directory, free, progress)
    return files


def _write(store: Store, directory: Path, delimiter: str,
           progress: Callable[[str], None] | None) -> ImportFiles:
    files = ImportFiles(directory, delimiter)
    cells = _Cells(delimiter)
    nodes = _Tables(files, "nodes", ["iri:ID", ":LABEL"], files.nodes)
    relationships = _Tables(files, "relationships", [":START_ID", ":END_ID", ":TYPE"],
                            files.relationships)
    written: set[str] = set()
    ends: set[str] = set()
    try:
        for graph, version in sorted(store_checksums(store).items()):
            source = SourceRows(graph, version)
            started = time.perf_counter()
            for chunk in project_in_chunks(store, graph, rows=_CHUNK_ROWS):
                for iri, node in chunk.nodes.items():
                    source.nodes += 1
                    if iri in written:
                        continue  # the same complete row, from an earlier source
                    written.add(iri)
                    cells.multiline = False
                    signature, fields = cells.row(iri, node.properties, skip="iri")
                    nodes.write(signature, cells.multiline,
                                [iri, delimiter.join(node.labels), *fields])
                for rel in chunk.relationships:
                    cells.multiline = False
                    owner = f"{rel.type} {rel.start} -> {rel.end}"
                    signature, fields = cells.row(owner, rel.properties)
                    relationships.write(signature, cells.multiline,
                                        [rel.start, rel.end, rel.type, *fields])
                    files.relationship_types.add(rel.type)
                source.relationships += len(chunk.relationships)
                ends.update(chunk.endpoints)
                for key, predicate in chunk.property_keys.items():
                    source.property_keys.setdefault(key, predicate)
                if progress is not None:
                    progress(f"CSV: {graph}: {source.nodes + source.relationships:,} rows")
            source.seconds = time.perf_counter() - started
            files.sources.append(source)
            files.relationship_count += source.relationships
        bare = sorted(ends - written)  # relationship ends no source describes
        for iri in bare:
            nodes.write((), False, [iri, RESOURCE])
        files.node_count = len(written) + len(bare)
    finally:
        nodes.close()
        relationships.close()
    files.delimiters_in_data = cells.seen
    return files


# -- neo4j-admin ---------------------------------------------------------------------------


def java_executable() -> str:
    """``$JAVA_HOME/bin/java``, else ``java`` on the ``PATH``."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise BulkImportError("java not found (neo4j-admin runs on Java 17 or 21): set "
                              "JAVA_HOME or put java on the PATH")
    return found


def import_command(home: Neo4jHome, files: ImportFiles, java: str) -> list[str]:
    """``neo4j-admin database import full`` of ``files`` into :data:`STAGING_DATABASE`.

    File names are relative (the command runs in ``files.directory``): neo4j-admin reads
    them as regular expressions, which a temporary directory's path need not be safe as.
    """
    command = [
        java, "-cp", f"{home.lib_dir}/*", ADMIN_TOOL, "database", "import", "full",
        STAGING_DATABASE,  # before the options: --nodes takes every argument after it
        "--overwrite-destination=true", f"--report-file={files.directory / 'import.report'}",
        "--input-encoding=UTF-8", "--delimiter=,", "--quote=\"",
        f"--array-delimiter=U+{ord(files.array_delimiter):04X}",
        "--id-type=string", "--strict=true", "--bad-tolerance=0",
        "--skip-bad-relationships=false", "--skip-duplicate-nodes=false",
        "--ignore-empty-strings=false", "--trim-strings=false",
        "--legacy-style-quoting=false", "--normalize-types=true",
    ]
    if files.multiline:
        command += ["--multiline-fields-format=v2",
                    "--multiline-fields=" + ",".join(files.multiline)]
    command += [f"--nodes={name}" for name in files.nodes]
    command += [f"--relationships={name}" for name in files.relationships]
    return command


def import_database(home: Neo4jHome, files: ImportFiles, *, java: str | None = None) -> None:
    """Import ``files`` into the staging database of the stopped ``home``, then put it in
    place of the home's database (:func:`replace_database`).

    Raises
    ------
    BulkImportError
        The server runs, or neo4j-admin failed (the staging files are removed; the home's
        database was not touched).
    """
    reason = home.running()
    if reason is not None:
        raise BulkImportError(f"Neo4j home {home.path}: {reason}; stop it first "
                              f"(NEO4J_HOME_DIR={home.path} scripts/neo4j stop)")
    _remove_staging(home)
    log = files.directory / "neo4j-admin.log"
    command = import_command(home, files, java or java_executable())
    with log.open("wb") as output:
        returncode = subprocess.run(
            command, cwd=files.directory, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, check=False,
            env={**os.environ, "NEO4J_HOME": str(home.path),
                 "NEO4J_CONF": str(home.conf_dir)}).returncode
    if returncode != 0:
        _remove_staging(home)
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        detail = "\n".join(line for line in lines[-25:] if line.strip())
        raise BulkImportError(
            f"neo4j-admin database import failed (exit {returncode}); the database "
            f"{home.database!r} of {home.path} was not touched. Its output:\n{detail}")
    try:
        replace_database(home)
    except BulkImportError:
        _remove_staging(home)
        raise


def replace_database(home: Neo4jHome) -> None:
    """Put the staging database in place of the home's database, under its store lock.

    The previous database's directories are first renamed to ``<name>-replaced``, then the
    staging ones to ``<name>``, then the previous ones removed. A rename that fails undoes
    those done before it. A process killed between these renames leaves the previous
    database whole under ``<name>-replaced`` (``data/databases`` and
    ``data/transactions``): renaming those back restores it.

    Raises
    ------
    BulkImportError
        A server holds the home's store lock, a ``<name>-replaced`` is left from before, or
        a rename failed (the previous database is back in place).
    """
    pairs = [(parent / STAGING_DATABASE, parent / home.database, parent /
              f"{home.database}-replaced")
             for parent in (home.databases_dir, home.transactions_dir)]
    with home.locked():  # no server starts on the home meanwhile
        for _, _, aside in pairs:
            if aside.exists():
                raise BulkImportError(
                    f"{aside} exists: a database an earlier bulk import replaced and did "
                    "not remove (rename it back to restore it, or remove it)")
        for staging, _, _ in pairs:
            if not staging.is_dir():
                raise BulkImportError(f"the import wrote no {staging}")
        done: list[tuple[Path, Path]] = []
        try:
            for _, live, aside in pairs:
                if live.exists():
                    live.rename(aside)
                    done.append((live, aside))
            for staging, live, _ in pairs:
                staging.rename(live)
                done.append((staging, live))
        except OSError as error:
            for source, target in reversed(done):
                target.rename(source)
            raise BulkImportError(f"replacing the database failed ({error}); the previous "
                                  "one is in place") from error
    for _, _, aside in pairs:
        shutil.rmtree(aside, ignore_errors=True)


def _remove_staging(home: Neo4jHome) -> None:
    for parent in (home.databases_dir, home.transactions_dir):
        shutil.rmtree(parent / STAGING_DATABASE, ignore_errors=True)


# -- after the start: schema and the sync's records ----------------------------------------


def finish(driver: Driver, files: ImportFiles, *, database: str | None = None,
           wait_seconds: int = 3600) -> tuple[float, float]:
    """Create the constraints and indexes, then record every source as synced.

    The records are those :class:`~smekg.core.neo4j.sync.Neo4jSync` writes (the same
    statements, source by source in the same order), so a later incremental sync finds
    every source up to date.

    Returns
    -------
    tuple of float
        Seconds for the schema (filling the indexes included) and for the records.
    """
    started = time.perf_counter()
    Neo4jSync(driver, database).ensure_schema(files.relationship_types,
                                              wait_seconds=wait_seconds)
    schema_done = time.perf_counter()

    def record(tx: Any) -> None:  # a ManagedTransaction
        for source in files.sources:
            tx.run(RECORD_PROPERTY_KEYS,
                   keys=[{"key": k, "predicate": p}
                         for k, p in sorted(source.property_keys.items())]).consume()
            tx.run(RECORD_SOURCE, graph=source.graph, version=source.version,
                   nodes=source.nodes, rels=source.relationships).consume()

    with driver.session(database=database) as session:
        session.execute_write(record)
    return schema_done - started, time.perf_counter() - schema_done


# -- the whole of it -----------------------------------------------------------------------


@dataclass
class BulkReport:
    """What a bulk import did: per source as the incremental sync reports it, the nodes and
    relationships in the database, and the seconds of each phase."""

    sources: list[SyncReport]
    nodes: int  # in the database: each once, bare relationship ends included
    relationships: int
    phases: dict[str, float]  # csv, import, start, schema, records: seconds

    @property
    def rows(self) -> int:
        """Nodes and relationships summed over the sources (as the incremental sync counts
        them: a node described by two sources is a row of each)."""
        return sum(report.rows for report in self.sources)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def bulk_import(store: Store, home: Neo4jHome, start: Callable[[], Driver], *,
                work_dir: Path | None = None, database: str | None = None,
                java: str | None = None, wait_seconds: int = 3600,
                progress: Callable[[str], None] | None = None) -> BulkReport:
    """Replace the database of the stopped ``home`` by the projection of ``store``.

    Parameters
    ----------
    store
        The RDF store to project.
    home
        A Neo4j home whose server is stopped.
    start
        Starts the home's server and returns a driver connected to it (closed here).
    work_dir
        Where the private temporary directory of the CSV files goes (default: the
        system's, ``TMPDIR``); it is removed at the end, whatever happens.
    database
        The database the driver writes the schema and records to (None: the default).
    java
        The ``java`` to run neo4j-admin with (default: :func:`java_executable`).
    wait_seconds
        How long the new indexes may take to fill.
    progress
        Called with a line of progress now and then.

    Raises
    ------
    BulkImportError
        Nothing can be imported (the message says why) or the import failed (the previous
        database is kept); or the server did not start or finish afterwards (the database
        is imported; the message says so).
    """
    reason = home.running()
    if reason is not None:
        raise BulkImportError(f"Neo4j home {home.path}: {reason}; the bulk import needs it "
                              f"stopped (NEO4J_HOME_DIR={home.path} scripts/neo4j stop)")
    java = java or java_executable()
    phases: dict[str, float] = {}
    directory = Path(tempfile.mkdtemp(prefix="smekg-neo4j-import-", dir=work_dir))  # 0700
    try:
        began = time.perf_counter()
        files = write_import_files(store, directory, progress=progress)
        phases["csv"] = time.perf_counter() - began
        _say(progress, f"neo4j-admin database import: {files.node_count:,} nodes, "
                       f"{files.relationship_count:,} relationships")
        began = time.perf_counter()
        import_database(home, files, java=java)
        phases["import"] = time.perf_counter() - began
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    _say(progress, "starting Neo4j")
    began = time.perf_counter()
    try:
        driver = start()
    except Exception as error:
        raise BulkImportError(
            f"the database was imported, but its server did not start ({error}); the "
            "constraints and sync records are missing: run the bulk import again") from error
    phases["start"] = time.perf_counter() - began
    try:
        _say(progress, "constraints and indexes")
        phases["schema"], phases["records"] = finish(driver, files, database=database,
                                                     wait_seconds=wait_seconds)
    except Exception as error:
        raise BulkImportError(
            f"the database was imported and its server started, but the constraints or sync "
            f"records failed ({type(error).__name__}: {error}): stop the server and run the "
            "bulk import again") from error
    finally:
        driver.close()
    reports = [SyncReport(source.graph, "imported", source.nodes, source.relationships,
                          source.seconds) for source in files.sources]
    return BulkReport(reports, files.node_count, files.relationship_count, phases)


def script_start(home: Neo4jHome, script: Path, user: str, password: str, *,
                 environ: Mapping[str, str] | None = None) -> Callable[[], Driver]:
    """Start the server of ``home`` with the project's ``scripts/neo4j start``.

    The ports, heap and page cache are those of the home's last start unless ``environ``
    (default: this process's environment) sets them (``NEO4J_BOLT_PORT``,
    ``NEO4J_HTTP_PORT``, ``NEO4J_HEAP``, ``NEO4J_HEAP_INITIAL``, ``NEO4J_PAGECACHE``); the
    password is ``password``.
    """
    given = os.environ if environ is None else environ

    def start() -> Driver:
        env = {**given, "NEO4J_HOME_DIR": str(home.path),
               "NEO4J_LIB_DIR": str(home.lib_dir), "NEO4J_PASSWORD": password}
        for variable, connector in (("NEO4J_BOLT_PORT", "bolt"), ("NEO4J_HTTP_PORT", "http")):
            port = home.port(connector)
            if variable not in given and port is not None:
                env[variable] = str(port)
        for variable, key in (("NEO4J_HEAP", "server.memory.heap.max_size"),
                              ("NEO4J_HEAP_INITIAL", "server.memory.heap.initial_size"),
                              ("NEO4J_PAGECACHE", "server.memory.pagecache.size")):
            if variable not in given and home.settings.get(key):
                env[variable] = home.settings[key]
        result = subprocess.run([str(script), "start"], env=env, capture_output=True,
                                text=True, stdin=subprocess.DEVNULL, check=False)
        if result.returncode != 0:
            raise BulkImportError(f"{script} start failed:\n"
                                  f"{(result.stdout + result.stderr).strip()}")
        started = Neo4jHome.open(home.path)  # its conf as this start wrote it
        return connect(started.bolt_uri, user, password)

    return start


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)

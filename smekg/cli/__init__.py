"""The ``smekg`` command line: load, validate, inspect, export and query the graph."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, overload

import typer
from pyoxigraph import BlankNode, NamedNode, QueryBoolean, QuerySolutions, QueryTriples
from pyoxigraph import Literal as RdfLiteral
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smekg.cli.options import OutputFormat, StoreOption
from smekg.core.iri import Minter
from smekg.core.settings import Settings, get_settings
from smekg.core.stores import (
    EXPORT_FORMATS,
    GraphStore,
    RemoteGraphStore,
    SourceStore,
    StoreError,
    ntriples,
)
from smekg.loaders.errors import LoadError

if TYPE_CHECKING:
    from smekg.loaders.sources import Source

app = typer.Typer(
    help="smekg: a knowledge graph of SME support ecosystems.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()


class Kind(StrEnum):
    organisations = "organisations"
    memberships = "memberships"
    programmes = "programmes"
    policies = "policies"
    events = "events"
    relations = "relations"
    documents = "documents"
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    trig = "trig"
    jsonld = "jsonld"
    rdfxml = "rdfxml"


class Target(StrEnum):
    store = "store"
    neo4j = "neo4j"


TargetOption = Annotated[
    Target,
    typer.Option("--target", help="Where to load: the store, or the store and then Neo4j "
                 "(the changed sources synced; see `smekg sync neo4j`)."),
]

def _settings(store: Path | None) -> Settings:
    settings = get_settings()
    if store is not None:
        settings = settings.model_copy(update={"store": store})
    return settings


@overload
def _open(settings: Settings, read_only: bool = False, *,
          embedded: Literal[True]) -> GraphStore: ...
@overload
def _open(settings: Settings, read_only: bool = False, *,
          embedded: bool = False) -> GraphStore | RemoteGraphStore: ...
def _open(settings: Settings, read_only: bool = False, *,
          embedded: bool = False) -> GraphStore | RemoteGraphStore:
    """The store the settings name. With ``SMEKG_BACKEND=sparql`` that is the remote
    SPARQL store, or for a command that needs the embedded store's API (``embedded``:
    validate, export, sync) an in-memory copy of it."""
    if settings.backend == "sparql":
        from smekg.core.backends import BackendUnavailable
        from smekg.core.connect import open_sparql_endpoint

        try:
            remote = RemoteGraphStore(open_sparql_endpoint(settings))
            return remote.snapshot() if embedded else remote
        except BackendUnavailable as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error
    try:
        opened = GraphStore.open(settings.store, read_only=read_only,
                                 free_disk_factor=settings.bulk_free_disk_factor)
    except StoreError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    for graph in opened.completed:
        console.print(f"[yellow]note:[/yellow] completed the replacement of <{graph}> that an "
                      "earlier load left cut off")
    return opened


def _fail(error: LoadError) -> None:
    # escaped: the places a problem names hold brackets ("members.xlsx [sheet Members]")
    console.print(f"[red]nothing was written:[/red] {escape(str(error))}", highlight=False,
                  soft_wrap=True)
    raise typer.Exit(1)


def _run_load(store: SourceStore, settings: Settings,
              make_sources: Callable[[Minter, SourceStore], Sequence[Source]], *,
              force: bool, replace: bool = False, timings: bool = False) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from smekg.core.backends import BackendUnavailable
    from smekg.core.iri import Minter
    from smekg.loaders.sources import STAGES, load_sources
    from smekg.loaders.stream import available_processes

    minter = Minter(settings.base_iri)
    started = time.perf_counter()
    processes = settings.load_processes or available_processes()
    stages: dict[str, float] = {}
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("reading sources")
            sources = make_sources(minter, store)

            def step(message: str) -> None:
                progress.update(task, description=message)

            reports = load_sources(store, sources, minter, force=force, progress=step,
                                   bulk_above=settings.bulk_threshold, replace=replace,
                                   processes=processes, timings=stages)
    except LoadError as error:
        _fail(error)
    except (BackendUnavailable, StoreError) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    location = store.location if isinstance(store, RemoteGraphStore) else settings.store
    table = Table(title=f"store: {location}")
    for column in ("source", "status", "triples", "seconds"):
        table.add_column(column, justify="right" if column in {"triples", "seconds"} else "left")
    for report in reports:
        table.add_row(report.key, report.status, f"{report.triples:,}", f"{report.seconds:.2f}")
    out.print(table)
    for report in reports:
        for note in report.notes:
            console.print(f"[yellow]note:[/yellow] {escape(note)}")
        for warning in report.warnings:
            console.print(f"[yellow]warning:[/yellow] {report.key}: {escape(warning)}",
                          highlight=False, soft_wrap=True)
    out.print(
        f"{sum(r.status != 'unchanged' for r in reports)} source(s) written, "
        f"{len(store):,} quads in the store, {time.perf_counter() - started:.1f} s"
    )
    if any(r.status != "unchanged" for r in reports):
        keeping = time.perf_counter()
        _keep_index_of_new_data(settings, store)
        stages["index"] = time.perf_counter() - keeping
    if timings:
        out.print("seconds by stage: " + ", ".join(
            f"{stage} {stages.get(stage, 0.0):.1f}" for stage in [*STAGES, "index"])
            + f" (map, validate and spool summed over up to {processes} process(es); "
            "index: keeping the index of the new data, after the load)")


@app.command()
def load(
    store: StoreOption = None,
    force: Annotated[bool, typer.Option(help="Reload even unchanged sources.")] = False,
    reference_only: Annotated[
        bool, typer.Option("--reference-only", help="Only the ontology and reference data.")
    ] = False,
    target: TargetOption = Target.store,
) -> None:
    """Load every bundled dataset: ontology, countries, regions, sectors and the seed data."""
    from smekg.loaders.bundled import bundled_sources, ontology_source, reference_sources

    settings = _settings(store)
    graph_store = _open(settings)

    def make(minter: Minter, st: SourceStore) -> list[Source]:
        if reference_only:
            return [ontology_source(), *reference_sources(minter)]
        return bundled_sources(minter, st, settings.data_dir)

    _run_load(graph_store, settings, make, force=force)
    if target is Target.neo4j:
        _sync_neo4j(graph_store, settings, force=False)


def _sync_neo4j(graph_store: GraphStore | RemoteGraphStore, settings: Settings, *,
                force: bool, batch_size: int | None = None) -> None:
    from smekg.core.backends import BackendUnavailable
    from smekg.core.neo4j.sync import Neo4jSync, connect

    started = time.perf_counter()
    try:
        driver = connect(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password,
                         settings.neo4j_database)
    except BackendUnavailable as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    sync = Neo4jSync(driver, settings.neo4j_database,
                     batch_size=batch_size or settings.neo4j_batch_size,
                     transaction_rows=settings.neo4j_transaction_rows)
    if isinstance(graph_store, RemoteGraphStore):  # synced from a copy of the remote store
        graph_store = graph_store.snapshot()
    try:
        with console.status("syncing Neo4j") as status:
            reports = sync.sync(graph_store.oxigraph, force=force,
                                progress=lambda message: status.update(message))
    except Exception as error:  # the source being written was rolled back by Neo4j
        console.print(f"[red]Neo4j sync failed[/red] ({type(error).__name__}: {error}); the "
                      "source being written was rolled back, the others are kept")
        raise typer.Exit(1) from error
    finally:
        driver.close()
    table = Table(title=f"Neo4j: {settings.neo4j_uri}")
    for column in ("source", "status", "nodes", "relationships", "rows/s", "seconds"):
        table.add_column(column, justify="left" if column in {"source", "status"} else "right")
    for report in reports:
        table.add_row(report.graph.rsplit("/graph/", 1)[-1], report.status, f"{report.nodes:,}",
                      f"{report.relationships:,}", f"{report.rows_per_second:,.0f}",
                      f"{report.seconds:.2f}")
    out.print(table)
    out.print(f"{sum(r.status != 'unchanged' for r in reports)} source(s) synced to Neo4j, "
              f"{time.perf_counter() - started:.1f} s")


def _bulk_sync_neo4j(settings: Settings, neo4j_home: Path) -> None:
    """``sync neo4j --bulk``: the projection as CSV through neo4j-admin into the stopped
    server of ``neo4j_home``, which is then started and given its schema and records."""
    from smekg.core.neo4j.bulk import BulkImportError, Neo4jHome, bulk_import, script_start

    started = time.perf_counter()
    try:
        home = Neo4jHome.open(neo4j_home)
        reason = home.running()
        if reason is not None:
            raise BulkImportError(
                f"Neo4j home {home.path}: {reason}. The bulk import replaces the database "
                f"of a stopped server: stop it (NEO4J_HOME_DIR={home.path} scripts/neo4j "
                "stop), or sync it incrementally (without --bulk)")
        if settings.neo4j_database not in (None, home.database):
            raise BulkImportError(
                f"NEO4J_DATABASE is {settings.neo4j_database!r}: the bulk import replaces the "
                f"default database of {home.path}, {home.database!r}")
    except BulkImportError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1) from error
    script = Path(__file__).resolve().parents[2] / "scripts" / "neo4j"
    if not script.is_file():
        console.print(f"[red]error:[/red] --bulk starts the server with scripts/neo4j of the "
                      f"smekg source tree, which is not at {script}")
        raise typer.Exit(1)
    graph_store = _open(settings, read_only=True, embedded=True)
    try:
        with console.status("bulk import into Neo4j") as status:
            report = bulk_import(
                graph_store.oxigraph, home,
                script_start(home, script, settings.neo4j_user, settings.neo4j_password),
                progress=lambda message: status.update(escape(message)))
    except BulkImportError as error:
        console.print(f"[red]Neo4j bulk import failed:[/red] {escape(str(error))}",
                      soft_wrap=True)
        raise typer.Exit(1) from error
    table = Table(title=f"Neo4j bulk import: {home.path} ({home.bolt_uri})")
    for column in ("source", "status", "nodes", "relationships", "rows/s (CSV)", "seconds"):
        table.add_column(column, justify="left" if column in {"source", "status"} else "right")
    for source in report.sources:
        table.add_row(source.graph.rsplit("/graph/", 1)[-1], source.status,
                      f"{source.nodes:,}", f"{source.relationships:,}",
                      f"{source.rows_per_second:,.0f}", f"{source.seconds:.2f}")
    out.print(table)
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.phases.items())
    out.print(f"{len(report.sources)} source(s) imported into Neo4j: {report.nodes:,} nodes and "
              f"{report.relationships:,} relationships; {report.rows:,} rows in "
              f"{report.seconds:.1f} s = {report.rows_per_second:,.0f} rows/s ({phases}); "
              f"{time.perf_counter() - started:.1f} s in all. The server is running.")


@app.command()
def sync(
    target: Annotated[Target, typer.Argument(help="What to sync the store to: neo4j.")],
    store: StoreOption = None,
    force: Annotated[bool, typer.Option(help="Rewrite even sources Neo4j already holds.")] = False,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Rows per UNWIND batch (default: "
                                 "$SMEKG_NEO4J_BATCH_SIZE, 5000).")] = None,
    bulk: Annotated[bool, typer.Option(
        "--bulk", help="Replace the whole database of the stopped Neo4j server of "
        "--neo4j-home (a first sync, or a rebuild): the projection written as CSV and "
        "imported by `neo4j-admin database import` instead of transactions, then the server "
        "started and given its constraints and sync records.")] = False,
    neo4j_home: Annotated[Path | None, typer.Option(
        "--neo4j-home", help="The Neo4j home of --bulk (.neo4j for the project's own "
        "server; another made by `NEO4J_HOME_DIR=DIR scripts/neo4j init`).",
        show_default=False)] = None,
) -> None:
    """Bring Neo4j in step with the store: changed sources replaced, removed ones dropped.

    With --bulk --neo4j-home DIR, the database of that (stopped) server is rebuilt from the
    store in one go and the server started; later syncs go on incrementally.
    """
    if target is not Target.neo4j:
        console.print("[red]error:[/red] the store is the source of truth; sync neo4j")
        raise typer.Exit(2)
    problem = None
    if bulk and neo4j_home is None:
        problem = "--bulk needs --neo4j-home DIR (the Neo4j home whose database it replaces)"
    elif neo4j_home is not None and not bulk:
        problem = "--neo4j-home is for --bulk"
    elif bulk and (force or batch_size is not None):
        problem = "--force and --batch-size are for the incremental sync, not --bulk"
    if problem is not None:
        console.print(f"[red]error:[/red] {problem}")
        raise typer.Exit(2)
    settings = _settings(store)
    if neo4j_home is not None:
        _bulk_sync_neo4j(settings, neo4j_home)
        return
    _sync_neo4j(_open(settings, read_only=True, embedded=True), settings, force=force,
                batch_size=batch_size)


@app.command("load-file")
def load_file(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to load.")],
    kind: Annotated[
        Kind | None,
        typer.Option(help="Table kind or RDF syntax (default: from the file name / extension)."),
    ] = None,
    store: StoreOption = None,
    force: Annotated[bool, typer.Option(help="Reload even unchanged files.")] = False,
    target: TargetOption = Target.store,
    source: Annotated[str | None, typer.Option(
        "--source", help="Name the source (one file): loaded as user/NAME. Default: the "
        "file's name without its extension.", show_default=False)] = None,
    replace: Annotated[bool, typer.Option(
        help="Let a file replace a source of the same name loaded from another file "
        "(without it such a load stops, naming both files).")] = False,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="A YAML column mapping (docs/mappings.md): read one table file "
        "with its own columns into the template kinds.", show_default=False)] = None,
    timings: Annotated[bool, typer.Option(
        "--timings", help="Print the seconds of each stage: read (files and row checks), "
        "map, validate, spool, link, write, check (against the other sources), compact.")
    ] = False,
) -> None:
    """Load your own tables (CSV, XLSX, JSON, JSONL) or RDF files, each into its own graph.

    Each file is a source named user/<file name without extension>, or user/NAME with
    --source NAME. Reloading the same file replaces its source; a different file under a
    name already taken needs --replace. `smekg sources` lists the sources.

    With --mapping MAPPING.yaml, one table file with columns of its own (a partner list, a
    database export, a spreadsheet) is loaded into the template kinds the mapping names;
    the mapping is checked whole before the file is read, and any mistake in it or in the
    data names the line of the mapping, and the row, column and value of the file.
    """
    from smekg.loaders.sources import file_sources

    settings = _settings(store)
    graph_store = _open(settings)
    _run_load(
        graph_store,
        settings,
        lambda minter, st: file_sources(paths, minter, st, kind=kind.value if kind else None,
                                        source=source, mapping=mapping),
        force=force,
        replace=replace,
        timings=timings,
    )
    if target is Target.neo4j:
        _sync_neo4j(graph_store, settings, force=False)


@app.command("load-reference")
def load_reference(
    path: Annotated[Path, typer.Argument(help="An official Eurostat classification file.")],
    classification: Annotated[
        str, typer.Option("--classification", help="nuts (region names) or nace2.")
    ],
    store: StoreOption = None,
) -> None:
    """Load an official Eurostat file: NUTS names (CSV/XLSX) or NACE Rev. 2 (CSV/XLSX).

    Neither is needed: the bundled reference data has every NUTS region with its names and
    NACE Rev. 2 with its titles. A file adds what it says as a source of its own.
    """
    from smekg.loaders.sources import Built, Source
    from smekg.reference.regions import build_nuts_names, read_eurostat_nuts_file
    from smekg.reference.sectors import read_eurostat_nace2_file

    settings = _settings(store)
    graph_store = _open(settings)
    if classification not in {"nuts", "nace2"}:
        console.print("[red]error:[/red] --classification must be nuts or nace2")
        raise typer.Exit(2)

    def make(minter: Minter, _st: SourceStore) -> list[Source]:
        if classification == "nuts":
            names = read_eurostat_nuts_file(path)
            labels = {code: entry.label for code, entry in names.items()}
            # A source of its own beside the bundled reference/nuts (which has the names
            # already): the names of the file, for the regions of the bundled ones.
            return [
                Source(
                    key="reference/nuts-names",
                    title="Names of NUTS regions from an official Eurostat file",
                    origin=path.name,  # the file name, not the server's folders
                    fingerprint=path.read_bytes(),
                    build=lambda: Built(build_nuts_names(labels)),
                    shacl=False,
                )
            ]
        # A source of its own: the bundled reference/nace2 (titles in every language) stays,
        # and the next `smekg load` does not replace what this file adds (its notes).
        return [
            Source(
                key="reference/nace2-eurostat-file",
                title="NACE Rev. 2 (official Eurostat file)",
                origin=path.name,  # the file name, not the server's folders
                fingerprint=path.read_bytes(),
                build=lambda: Built(read_eurostat_nace2_file(path)),
                shacl=False,
            )
        ]

    try:
        _run_load(graph_store, settings, make, force=False)
    except ValueError as error:  # ReferenceFileError
        console.print(f"[red]nothing was written:[/red] {error}")
        raise typer.Exit(1) from error


@app.command()
def validate(
    store: StoreOption = None,
    engine: Annotated[str, typer.Option(
        help="compiled (the shapes as Python checks, what loads use) or pyshacl (the "
        "reference implementation, much slower).")] = "compiled",
) -> None:
    """Validate the whole store against the SHACL shapes; warn of the facts two sources
    state differently (exit 1 only on violations)."""
    from smekg.loaders.shapes import compiled_shapes
    from smekg.loaders.sources import validate_triples

    if engine not in {"compiled", "pyshacl"}:
        console.print(f"[red]error:[/red] --engine must be compiled or pyshacl, not {engine!r}")
        raise typer.Exit(2)
    settings = _settings(store)
    graph_store = _open(settings, read_only=True, embedded=True)
    started = time.perf_counter()
    triples = list({q.triple for q in graph_store.oxigraph})
    if engine == "pyshacl":
        problems = validate_triples(triples, str(settings.store))
    else:
        problems = compiled_shapes().validate(triples, str(settings.store), lambda node: ())
    for problem in problems[:200]:
        console.print(f"[red]-[/red] {problem}")
    from smekg.loaders.catalogue import conflict_summary, find_conflicts

    conflicts = find_conflicts(graph_store, Minter(settings.base_iri))
    for line in conflict_summary(conflicts, shown=200):
        console.print(f"[yellow]warning:[/yellow] {line}", highlight=False, soft_wrap=True)
    seconds = time.perf_counter() - started
    if problems:
        out.print(f"{len(problems)} violation(s) in {len(triples):,} triples ({seconds:.1f} s)")
        raise typer.Exit(1)
    out.print(f"valid: {len(triples):,} triples conform to the shapes ({seconds:.1f} s)")


@app.command()
def stats(
    store: StoreOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Counts per class and per source; exits 1 when a source may be incomplete (a load
    cut off), naming it and why."""
    from smekg.core.stats import incomplete_sources, store_stats

    settings = _settings(store)
    graph_store = _open(settings, read_only=True)
    # store_stats only uses what every SourceStore has (select, len), though it is
    # annotated GraphStore (smekg.core.stats): the remote store is read the same way.
    result = store_stats(graph_store)
    incomplete = incomplete_sources(
        graph_store, graph_store.path if isinstance(graph_store, GraphStore) else None)
    _print_stats(result, incomplete, fmt, settings)
    for entry in incomplete:
        console.print(f"[red]incomplete source:[/red] <{entry['graph']}>: {entry['reason']}")
    if incomplete:
        raise typer.Exit(1)


def _print_stats(result: dict[str, Any], incomplete: list[dict[str, str]], fmt: OutputFormat,
                 settings: Settings) -> None:
    if fmt is OutputFormat.json:
        out.print_json(json.dumps({**result, "incomplete": incomplete}))
        return
    if fmt is OutputFormat.csv:
        from smekg.queries.render import write_csv

        write_csv(sys.stdout, [["section", "name", "count"], *(
            [section, name, count]
            for section in ("classes", "sources") for name, count in result[section].items())])
        return
    for section, title in (("classes", "class"), ("sources", "source graph")):
        table = Table(title=f"{section} ({settings.store})")
        table.add_column(title)
        table.add_column("count", justify="right")
        for name, count in result[section].items():
            table.add_row(name, f"{count:,}")
        out.print(table)
    out.print(f"{result['quads']:,} quads in {len(result['sources'])} source graph(s)")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="ttl, nt, nq, trig, rdf or jsonld.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    graph: Annotated[str | None, typer.Option(help="Only this source graph IRI.")] = None,
    store: StoreOption = None,
) -> None:
    """Export the store: nq/trig/jsonld keep the source graphs; ttl/nt/rdf write the union."""
    if fmt not in EXPORT_FORMATS:
        console.print(f"[red]error:[/red] --format must be one of {', '.join(EXPORT_FORMATS)}")
        raise typer.Exit(2)
    settings = _settings(store)
    graph_store = _open(settings, read_only=True, embedded=True)
    data = graph_store.dump(output, fmt, graph)
    if data is not None:
        sys.stdout.buffer.write(data)


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or @file.rq to read one.")],
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    store: StoreOption = None,
) -> None:
    """Run a read-only SPARQL query (project prefixes predeclared; default graph = union).

    Brackets nested deeper than SMEKG_SPARQL_MAX_NESTING are refused before the query runs
    (exit 1); the query runs in a thread with a deep stack, so a long one cannot crash.
    """
    from smekg.graph_api.sparql.analysis import nesting, nesting_message, unescape
    from smekg.graph_api.sparql.sandbox import run_deep

    text = Path(query[1:]).read_text(encoding="utf-8") if query.startswith("@") else query
    settings = _settings(store)
    depth = nesting(unescape(text))
    if depth > settings.sparql_max_nesting:
        message = nesting_message(depth, settings.sparql_max_nesting)
        console.print(f"[red]query refused:[/red] {message}")
        raise typer.Exit(1)
    graph_store = _open(settings, read_only=True)

    def evaluate() -> tuple[bool | None, str | None, list[str], list[list[str | None]]]:
        result = graph_store.query(text)
        if isinstance(result, QueryBoolean):
            return bool(result), None, [], []
        if isinstance(result, QueryTriples):
            return None, ntriples(result), [], []
        assert isinstance(result, QuerySolutions)
        names = [v.value for v in result.variables]
        return None, None, names, [
            [_term_text(solution[name]) for name in names] for solution in result]

    try:
        boolean, triples, names, rows = run_deep(evaluate)
    except SyntaxError as error:
        console.print(f"[red]invalid query:[/red] {error}")
        raise typer.Exit(1) from error
    if boolean is not None:
        out.print(
            json.dumps({"boolean": boolean}) if fmt is not OutputFormat.table else boolean
        )
        return
    if triples is not None:
        sys.stdout.write(triples + "\n" if triples else "")
        return
    if fmt is OutputFormat.json:
        out.print_json(json.dumps([dict(zip(names, row, strict=True)) for row in rows]))
    elif fmt is OutputFormat.csv:
        from smekg.queries.render import write_csv

        buffer = io.StringIO()
        write_csv(buffer, [names, *rows])  # formulas neutralised, as in every smekg CSV
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(*names)
        for row in rows:
            table.add_row(*(cell or "" for cell in row))
        out.print(table)
        out.print(f"{len(rows)} row(s)")


def _term_text(term: NamedNode | BlankNode | RdfLiteral | None) -> str | None:
    if term is None:
        return None
    return term.value



@app.command()
def generate(
    orgs: Annotated[int, typer.Option("--orgs", help="Number of organisations (>= 10).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory for the CSV files.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 42,
) -> None:
    """Write a synthetic SME support ecosystem as CSV tables (load with `smekg load-file`)."""
    from smekg.loaders.generate import generate as generate_tables

    try:
        summary = generate_tables(out_dir, orgs, seed)
    except ValueError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    table = Table(title=f"synthetic data: {out_dir} (seed {seed})")
    for column in ("file", "rows", "bytes"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}", f"{summary.bytes[name]:,}")
    out.print(table)
    out.print(
        f"{summary.networks:,} networks in {summary.tiers} tiers, network depth "
        f"{summary.network_depth}, {summary.country_memberships:,} country memberships, "
        f"{summary.seconds:.1f} s"
    )


@app.command(
    "query",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def query(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Named query (see --list).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries.")] = False,
    store: StoreOption = None,
) -> None:
    """Run a named query: `smekg query coverage --region ITH55 --sector C25 --format json`.

    Parameters are given as `--name value` (see `smekg query --list`); the JSON printed is
    the same as the REST API's.
    """
    from smekg.core.backends import BackendUnavailable
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.connect import open_backend
    from smekg.queries.params import ParamError
    from smekg.queries.render import plain, to_csv
    from smekg.queries.service import QueryService, all_queries

    if list_queries or name is None:
        for named in all_queries().values():
            usage = " ".join(
                f"--{p.name.replace('_', '-')} {p.type.upper()}" if p.required
                else f"[--{p.name.replace('_', '-')} {p.type.upper()}]"
                for p in named.params
            )
            out.print(f"[bold]{named.name}[/bold] {usage}\n    {named.description}")
        return
    params = _named_params(ctx.args)
    settings = _settings(store)
    try:
        # the store of record: the embedded one, or the remote one with SMEKG_BACKEND=sparql
        backend = (open_backend(settings) if settings.backend == "sparql"
                   else OxigraphBackend(settings.store))
        service = QueryService(backend, Minter(settings.base_iri),
                               index_cache=settings.index_cache_dir())
        answer = service.run(name, params)
    except (FileNotFoundError, BackendUnavailable) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    except ParamError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2 if error.status == 422 else 1) from error
    data = plain(answer)
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    # how a value was read (a region's name, a NACE Rev. 2 code): the JSON carries it as
    # "notes"; with a table or CSV it goes to stderr, out of the data
    for note in data.get("notes", []) if isinstance(data, dict) else []:
        console.print(f"note: {note}", markup=False, highlight=False)
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    if isinstance(rows, dict):
        rows = rows.get("facts", [rows])
    if fmt is OutputFormat.csv:
        sys.stdout.write(to_csv(rows).lstrip("\ufeff"))
        return
    _print_rows(rows)


def _named_params(args: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    while position < len(args):
        flag = args[position]
        if not flag.startswith("--"):
            console.print(f"[red]error:[/red] expected --name value, got {flag!r}")
            raise typer.Exit(2)
        key, sep, value = flag[2:].partition("=")
        if not sep:
            if position + 1 >= len(args) or args[position + 1].startswith("--"):
                value = "true"  # a bare flag, e.g. --transitive
            else:
                position += 1
                value = args[position]
        params[key.replace("-", "_")] = value
        position += 1
    return params


def _print_rows(rows: list[dict[str, object]]) -> None:
    from smekg.queries.render import flatten

    flat = [flatten(row) for row in rows]
    wanted = [c for c in ("label", "type", "code", "match.explanation", "network.label", "role",
                          "depth", "relation", "object.label", "region.code", "sector.code",
                          "predicate", "value", "matched", "members")
              if any(c in row for row in flat)]
    table = Table(*wanted)
    for row in flat:
        table.add_row(*(row.get(column, "") for column in wanted))
    out.print(table)
    out.print(f"{len(flat)} result(s)")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default $SMEKG_HOST, 127.0.0.1).")
                    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default $SMEKG_PORT, 8000).")] = None,
    store: StoreOption = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Worker processes (default $SMEKG_WORKERS, else the number of "
        "cores).")] = None,
) -> None:
    """Serve the web app (/), the REST API, the SPARQL endpoint (/sparql) and the docs
    (/docs) with uvicorn, in one worker process per core (``--workers``)."""
    import uvicorn

    from smekg.graph_api.main import create_app

    settings = _settings(store)
    updates = {key: value for key, value in (("host", host), ("port", port),
                                             ("workers", workers)) if value is not None}
    settings = settings.model_copy(update=updates)
    if settings.backend != "sparql" and not (settings.store / "CURRENT").exists():
        console.print(f"[red]error:[/red] no store at {settings.store} (run `smekg load` first)")
        raise typer.Exit(1)
    count = settings.workers or os.cpu_count() or 1
    served = settings.sparql_endpoint if settings.backend == "sparql" else settings.store
    console.print(f"serving {served}: the web app at http://{settings.host}:{settings.port}/ "
                  f"(API docs at /docs, SPARQL at /sparql; {count} worker"
                  f"{'s' if count > 1 else ''})")
    if count == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="info")
        return
    if settings.index_cache_dir() is not None:
        _keep_index(settings)  # built once here, read by every worker
    # the workers build their app from the environment (a uvicorn factory in a new process)
    os.environ.update(SMEKG_STORE=str(settings.store), SMEKG_HOST=settings.host,
                      SMEKG_PORT=str(settings.port))
    uvicorn.run("smekg.graph_api.main:create_app", factory=True, workers=count,
                host=settings.host, port=settings.port, log_level="info")


def _keep_index_of_new_data(settings: Settings, store: object) -> None:
    """After a command changed the embedded store: build the index of the new data and keep
    it beside the store (``index_on_load``), so that servers open it, running ones too (their
    refresher looks for it before reading the graph)."""
    if not (settings.index_on_load and isinstance(store, GraphStore)
            and settings.index_cache_dir() is not None):
        return
    started = time.perf_counter()
    if _keep_index(settings):
        out.print(f"kept the index of the new data beside the store "
                  f"({time.perf_counter() - started:.1f} s)")


def _index_is_kept(settings: Settings) -> bool:
    """Whether an index of the data's current version is kept (read from its ``CURRENT``
    file: no child process, no index opened)."""
    from smekg.core.backends import BackendUnavailable
    from smekg.core.connect import open_backend
    from smekg.queries.index_cache import is_kept

    folder = settings.index_cache_dir()
    if folder is None or not (folder / "CURRENT").is_file():
        return False
    try:
        backend = open_backend(settings)
    except (BackendUnavailable, OSError):
        return False
    try:
        return is_kept(folder, backend.data_version())
    except BackendUnavailable:
        return False
    finally:
        backend.close()


def _keep_index(settings: Settings) -> bool:
    """Build the index of the store and keep it beside it (unless the one kept is of the
    data's version), in a child process (its memory is returned when it ends; a server's
    parent only supervises the workers); whether it was kept."""
    import multiprocessing

    if _index_is_kept(settings):
        return True

    child = multiprocessing.get_context("spawn").Process(
        target=_build_kept_index, args=(settings,), name="smekg-index")
    child.start()
    child.join()
    if child.exitcode != 0:
        console.print("[yellow]warning:[/yellow] the index could not be built and kept "
                      "beside the store (a server builds its own)")
    return child.exitcode == 0


def _build_kept_index(settings: Settings) -> None:
    from smekg.core.connect import open_backend
    from smekg.queries.index_cache import is_kept
    from smekg.queries.service import QueryService

    folder = settings.index_cache_dir()
    backend = open_backend(settings)
    if folder is None or is_kept(folder, backend.data_version()):
        return
    index = QueryService(backend, Minter(settings.base_iri), index_cache=folder).index
    if not is_kept(folder, index.version):  # said in the log; the parent warns
        raise SystemExit(1)


sources_app = typer.Typer(
    help="The sources in the store: list them, remove one.", invoke_without_command=True)
app.add_typer(sources_app, name="sources")


@sources_app.callback()
def sources(
    ctx: typer.Context,
    store: StoreOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """List every source: name, file name, checksum, triples, loaded at, loader version."""
    if ctx.invoked_subcommand is not None:
        return
    from smekg.loaders.catalogue import list_sources

    settings = _settings(store)
    found = list_sources(_open(settings, read_only=True), Minter(settings.base_iri))
    columns = ["name", "file", "sha256", "triples", "loaded_at", "loader_version"]
    rows: list[list[str | int | None]] = [
        [name, record.source, record.sha256, record.triples, record.generated_at,
         record.loader_version] for name, record in found]
    if fmt is OutputFormat.json:
        out.print_json(json.dumps([dict(zip(columns, row, strict=True)) for row in rows]))
        return
    if fmt is OutputFormat.csv:
        from smekg.queries.render import write_csv

        write_csv(sys.stdout, [columns, *rows])
        return
    table = Table(title=f"sources ({len(found)})")
    for column in columns:
        table.add_column(column, justify="right" if column == "triples" else "left",
                         no_wrap=column in {"name", "loaded_at"})
    for row in rows:
        table.add_row(*[
            f"{cell:,}" if isinstance(cell, int) else (cell or "")[:12] if i == 2 else cell or ""
            for i, cell in enumerate(row)])
    out.print(table)


@sources_app.command("remove")
def sources_remove(
    name: Annotated[str, typer.Argument(
        help="The source: its name (user/members, or members for your own), or graph IRI.")],
    store: StoreOption = None,
    force: Annotated[bool, typer.Option(
        help="Remove it even though other sources refer to its entities.")] = False,
) -> None:
    """Remove one source; refused while other sources refer to entities only it defines
    (it names them), unless --force."""
    from smekg.loaders.catalogue import SourceInUse, SourceNotFound, remove_source

    settings = _settings(store)
    opened = _open(settings)
    try:
        removed, record, referring = remove_source(
            opened, Minter(settings.base_iri), name, force=force)
    except SourceNotFound as error:
        console.print(f"[red]error:[/red] {error.args[0]}", highlight=False)
        raise typer.Exit(1) from error
    except SourceInUse as error:
        console.print(f"[red]nothing was removed:[/red] {error}", highlight=False)
        raise typer.Exit(1) from error
    for reference in referring:
        console.print(f"[yellow]warning:[/yellow] {reference} (left dangling)", highlight=False)
    out.print(f"removed {removed} ({record.source or record.title}, {record.triples:,} triples)")
    _keep_index_of_new_data(settings, opened)


from smekg.cli.analyze import app as analyze_app  # noqa: E402 (after the commands above)
from smekg.cli.imports import app as import_app  # noqa: E402 (after the commands above)

app.add_typer(analyze_app, name="analyze")
app.add_typer(import_app, name="import")

from smekg.cli.duplicates import duplicates as duplicates_command  # noqa: E402

app.command("duplicates")(duplicates_command)

"""``smekg analyze``: ecosystem analyses from the command line.

Every analysis prints a table (or ``--format json|csv``, the JSON being the REST API's),
can draw a figure (``--plot FILE.png|svg|pdf``; for gaps a heat map, or a map with
``--plot-kind map``) and, for centrality, brokers, communities,
reach and gaps, write its results back into the store (``--write``). Long computations
show progress on standard error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from smekg.cli.options import OutputFormat, StoreOption

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from smekg.analytics.projection import Scope
    from smekg.analytics.service import AnalyticsService

app = typer.Typer(help="Ecosystem analyses: centrality, brokers, reach, communities, paths, "
                  "gaps, comparisons, exports.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


class Backend(StrEnum):
    oxigraph = "oxigraph"
    neo4j = "neo4j"
    sparql = "sparql"


class PlotKind(StrEnum):
    heatmap = "heatmap"
    map = "map"


BackendOption = Annotated[Backend | None, typer.Option(
    "--backend", help="Graph to analyse (default: $SMEKG_BACKEND, oxigraph).",
    show_default=False)]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
PlotOption = Annotated[Path | None, typer.Option(
    "--plot", help="Also draw a figure to this file (.png, .svg or .pdf).", show_default=False)]
WriteOption = Annotated[bool, typer.Option(
    "--write", help="Write the results back into the store, in their own named graph.")]
NetworkOption = Annotated[str | None, typer.Option(
    help="Only this network and its members, at any depth.", show_default=False)]
RegionOption = Annotated[str | None, typer.Option(
    help="Only actors located in or serving this region.", show_default=False)]
SectorOption = Annotated[str | None, typer.Option(
    help="Only actors naming this sector (or one within or containing it).",
    show_default=False)]
SourceOption = Annotated[str | None, typer.Option(
    help="Only actors this source describes (key such as seed/organisations, or graph IRI).",
    show_default=False)]
LimitOption = Annotated[int, typer.Option(help="Rows shown.", min=1)]
SeedOption = Annotated[int, typer.Option(help="Random seed (sampling, Louvain).")]
SamplesOption = Annotated[int, typer.Option(
    help="Betweenness sources sampled above --sample-above actors.", min=2)]
SampleAboveOption = Annotated[int, typer.Option(
    help="Exact betweenness up to this many actors; sampled above.", min=2)]


class Run:
    """One command's services, progress display and error handling."""

    def __init__(self, store: Path | None, backend: Backend | None, *,
                 write: bool = False) -> None:
        from smekg.core.settings import get_settings

        settings = get_settings()
        updates: dict[str, object] = {}
        if store is not None:
            updates["store"] = store
        if backend is not None:
            updates["backend"] = backend.value
        self.settings = settings.model_copy(update=updates)
        self.started = dt.datetime.now(dt.UTC)
        self._analytics: AnalyticsService | None = None
        if write and self.settings.backend == "neo4j":  # said before any work is done
            console.print("[red]error:[/red] --write writes into the RDF store, the system of "
                          "record; run it with --backend oxigraph (then `smekg sync neo4j`) "
                          "or --backend sparql")
            raise typer.Exit(1)

    @property
    def analytics(self) -> AnalyticsService:
        if self._analytics is None:
            from smekg.analytics.service import AnalyticsService
            from smekg.core.connect import open_backend
            from smekg.core.iri import Minter
            from smekg.queries.service import QueryService

            self._analytics = AnalyticsService(
                QueryService(open_backend(self.settings), Minter(self.settings.base_iri)))
        return self._analytics

    @contextmanager
    def progress(self) -> Iterator[Callable[[str, int, int | None], None]]:
        """A ``progress(step, done, total)`` callback drawing a bar on standard error."""
        tasks: dict[str, TaskID] = {}
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            def report(step: str, done: int, total: int | None) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.update(tasks[step], completed=done, total=total)
            yield report

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Clear messages and exit codes: 2 for a bad parameter, 1 for anything else."""
        from smekg.core.backends import BackendUnavailable
        from smekg.core.stores import StoreError
        from smekg.queries.params import ParamError

        try:
            yield
        except ParamError as error:
            hint = f" (did you mean: {', '.join(error.suggestions[:5])}?)" if (
                error.suggestions) else ""
            console.print(f"[red]error:[/red] --{error.param.replace('_', '-')} "
                          f"{error.value!r}: {error.message}{hint}")
            raise typer.Exit(2) from error
        except (FileNotFoundError, BackendUnavailable, StoreError, ValueError) as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error

    def scope(self, network: str | None, region: str | None, sector: str | None,
              source: str | None) -> Scope:
        return self.analytics.scope(network, region, sector, source)

    def write(self, analysis: str, answer: BaseModel, parameters: Mapping[str, object]
              ) -> None:
        from smekg.analytics.writeback import write_back
        from smekg.core.iri import Minter
        from smekg.core.stores import GraphStore, SourceStore

        # (a Neo4j backend was refused when the Run was made with write=True)
        if self.settings.backend == "sparql":
            from smekg.core.connect import open_sparql_endpoint
            from smekg.core.stores import RemoteGraphStore

            store: SourceStore = RemoteGraphStore(
                open_sparql_endpoint(self.settings))
        else:
            self.analytics.queries.backend.close()
            store = GraphStore.open(self.settings.store)
        graph, count = write_back(store, Minter(self.settings.base_iri), analysis, answer,
                                  parameters, started=self.started)
        console.print(f"wrote {count:,} triples to <{graph}>")

    def plot(self, figure_of: Callable[[], Figure], path: Path | None) -> None:
        if path is None:
            return
        from smekg.analytics.plots import figure_format, save

        fmt = figure_format(path)
        save(figure_of(), path, fmt)
        console.print(f"figure written to {path}")


def _emit(answer: BaseModel, fmt: OutputFormat, rows: list[dict[str, object]],
          columns: list[str], summary: str) -> None:
    from smekg.queries.render import flatten, to_csv

    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False,
                                    indent=2) + "\n")
        return
    if fmt is OutputFormat.csv:
        sys.stdout.write(to_csv(rows).lstrip("\ufeff"))
        return
    flat = [flatten({key: f"{value:.4g}" if isinstance(value, float) else value
                     for key, value in row.items()}) for row in rows]
    table = Table(*columns)
    for row in flat:
        table.add_row(*(row.get(column, "") for column in columns))
    out.print(table)
    out.print(summary)


def _rows(items: Sequence[BaseModel]) -> list[dict[str, object]]:
    return [item.model_dump(mode="json") for item in items]


@app.command()
def centrality(
    network: NetworkOption = None, region: RegionOption = None, sector: SectorOption = None,
    source: SourceOption = None,
    by: Annotated[str, typer.Option(help="pagerank, betweenness or degree.")] = "pagerank",
    limit: LimitOption = 20, sample_above: SampleAboveOption = 10_000,
    samples: SamplesOption = 2_000, seed: SeedOption = 42, fmt: FormatOption = OutputFormat.table,
    write: WriteOption = False, store: StoreOption = None, backend: BackendOption = None,
) -> None:
    """Degree, betweenness and PageRank of organisations and networks."""
    run = Run(store, backend, write=write)
    started = time.perf_counter()
    with run.errors(), run.progress() as progress:
        scope = run.scope(network, region, sector, source)
        answer = run.analytics.centrality(scope, by=by, limit=None, sample_above=sample_above,
                                          samples=samples, seed=seed, progress=progress)
    shown = answer.model_copy(update={"results": answer.results[:limit]})
    sampled = (f"betweenness sampled from {answer.betweenness_sources:,} sources"
               if answer.betweenness_sources else "exact betweenness")
    _emit(shown, fmt, _rows(shown.results),
          ["label", "type", "country", "degree", "members", "betweenness", "pagerank"],
          f"{answer.actors:,} actors, {sampled}, {time.perf_counter() - started:.1f} s")
    if write:
        with run.errors():
            run.write("centrality", answer, {**asdict(scope), "samples": samples,
                                             "sample_above": sample_above, "seed": seed})


@app.command()
def brokers(
    network: NetworkOption = None, region: RegionOption = None, sector: SectorOption = None,
    source: SourceOption = None,
    by: Annotated[str, typer.Option(help="country or sector.")] = "country",
    limit: LimitOption = 20, sample_above: SampleAboveOption = 10_000,
    samples: SamplesOption = 2_000, seed: SeedOption = 42, fmt: FormatOption = OutputFormat.table,
    plot: PlotOption = None, write: WriteOption = False, store: StoreOption = None,
    backend: BackendOption = None,
) -> None:
    """Actors that connect ecosystems of different countries (or sectors)."""
    from smekg.analytics.plots import broker_bars

    run = Run(store, backend, write=write)
    started = time.perf_counter()
    with run.errors(), run.progress() as progress:
        scope = run.scope(network, region, sector, source)
        answer = run.analytics.brokers(scope, by=by, limit=None, sample_above=sample_above,
                                       samples=samples, seed=seed, progress=progress)
    shown = answer.model_copy(update={"results": answer.results[:limit]})
    _emit(shown, fmt, _rows(shown.results),
          ["label", "type", "country", "groups", "bridged_pairs", "share", "betweenness"],
          f"{answer.count:,} brokers by {by}, {time.perf_counter() - started:.1f} s")
    with run.errors():
        run.plot(lambda: broker_bars(shown, top=limit), plot)
        if write:
            run.write("brokers", answer, {**asdict(scope), "by": by})


@app.command()
def communities(
    network: NetworkOption = None, region: RegionOption = None, sector: SectorOption = None,
    source: SourceOption = None,
    resolution: Annotated[float, typer.Option(help="Louvain resolution (>1: smaller "
                                              "communities).")] = 1.0,
    limit: LimitOption = 20, seed: SeedOption = 42, fmt: FormatOption = OutputFormat.table,
    write: WriteOption = False, store: StoreOption = None, backend: BackendOption = None,
) -> None:
    """Communities of linked actors (Louvain), with their dominant countries and sectors."""
    run = Run(store, backend, write=write)
    started = time.perf_counter()
    with run.errors(), run.progress() as progress:
        scope = run.scope(network, region, sector, source)
        answer = run.analytics.communities(scope, resolution=resolution, seed=seed, limit=None,
                                           progress=progress)
    shown = answer.model_copy(update={"results": answer.results[:limit]})
    rows = [{"id": c.id, "size": c.size,
             "networks": "; ".join(n.label for n in c.networks[:3]),
             "countries": "; ".join(f"{s.code} {s.share:.0%}" for s in c.countries[:3]),
             "sectors": "; ".join(f"{s.code} {s.share:.0%}" for s in c.sectors[:3])}
            for c in shown.results]
    _emit(shown, fmt, rows if fmt is OutputFormat.table else _rows(shown.results),
          ["id", "size", "networks", "countries", "sectors"],
          f"{answer.count:,} communities, modularity {answer.modularity:.3f}, "
          f"{answer.isolated:,} actors without links, {time.perf_counter() - started:.1f} s")
    if write:
        with run.errors():
            run.write("communities", answer, {**asdict(scope),
                                              "resolution": resolution, "seed": seed})


@app.command()
def reach(
    network: Annotated[str, typer.Argument(help="The network (id, code or IRI).")],
    depth: Annotated[int | None, typer.Option(help="Deepest level (all when left out).",
                                              min=1)] = None,
    fmt: FormatOption = OutputFormat.table, plot: PlotOption = None, write: WriteOption = False,
    store: StoreOption = None, backend: BackendOption = None,
) -> None:
    """What a network of networks reaches through its members, depth by depth."""
    from smekg.analytics.plots import network_diagram

    run = Run(store, backend, write=write)
    with run.errors(), run.progress() as progress:
        answer = run.analytics.reach(network, depth, progress=progress)
    rows = [level.model_dump() for level in answer.levels]
    if fmt is OutputFormat.csv:
        rows = answer.rows()
    _emit(answer, fmt, rows, ["depth", "members", "organisations", "networks", "countries",
                              "regions", "sectors", "countries_total", "regions_total",
                              "sectors_total"],
          f"{answer.network.label} reaches {len(answer.members):,} members in "
          f"{len(answer.countries):,} countries: "
          + ", ".join(c.code or c.label for c in answer.countries))
    with run.errors():
        run.plot(lambda: network_diagram(run.analytics.graph(), answer.network.iri,
                                         max_depth=depth or 3), plot)
        if write:
            run.write("reach", answer, {"network": answer.network.iri, "depth": depth})


@app.command()
def paths(
    source: Annotated[str, typer.Argument(help="From this actor (id, code or IRI).")],
    target: Annotated[str, typer.Argument(help="To this actor.")],
    limit: Annotated[int, typer.Option(help="Paths to list.", min=1)] = 5,
    max_length: Annotated[int, typer.Option(help="Most links on a path.", min=1)] = 6,
    fmt: FormatOption = OutputFormat.table, store: StoreOption = None,
    backend: BackendOption = None,
) -> None:
    """Who can introduce whom: connection paths between two actors, shortest first."""
    run = Run(store, backend)
    with run.errors(), run.progress() as progress:
        answer = run.analytics.paths(source, target, limit=limit, max_length=max_length,
                                     progress=progress)
    _emit(answer, fmt, answer.rows(), ["path", "length", "actors", "relations"],
          f"{len(answer.results)} path(s) from {answer.source.label} to {answer.target.label}"
          if answer.connected else f"{answer.source.label} and {answer.target.label} are not "
          "connected (within the length asked)")


@app.command()
def gaps(
    scope: Annotated[str, typer.Option(help="The area to look in.")] = "world",
    region_level: Annotated[str, typer.Option(help="country, nuts1, nuts2 or nuts3.")
                            ] = "nuts2",
    sector_level: Annotated[str, typer.Option(help="section, division, group or class.")
                            ] = "section",
    sector: Annotated[str | None, typer.Option(help="Only sectors within this one.",
                                               show_default=False)] = None,
    type: Annotated[str | None, typer.Option(help="Count only entities of this kind or type.",
                                             show_default=False)] = None,
    broadest: Annotated[str, typer.Option(
        help="Count only coverage no broader than this level: nuts3, nuts2, nuts1, country, "
        "continent or world (country: providers at regional or national level).")] = "world",
    kinds: Annotated[str | None, typer.Option(
        help="Count only these kinds of provider, comma-separated (organisation, network, "
        "programme, good-practice, or organisation types such as agency, chamber).",
        show_default=False)] = None,
    typology: Annotated[list[str] | None, typer.Option(
        help="Only the NUTS-3 regions of all these typologies, comma-separated or repeated "
        "(mountain, coastal, island, border, predominantly-rural, capital, ...; with "
        "--region-level nuts3).", show_default=False)] = None,
    fmt: FormatOption = OutputFormat.table, plot: PlotOption = None,
    plot_kind: Annotated[PlotKind, typer.Option(
        "--plot-kind", help="The figure --plot draws: a heat map of regions x sectors, or a "
        "map of the regions coloured by their gaps (the number of sectors with no provider; "
        "with one sector, the providers covering it).")] = PlotKind.heatmap,
    write: WriteOption = False, store: StoreOption = None, backend: BackendOption = None,
) -> None:
    """The coverage gap matrix: how many providers cover each region x sector cell."""
    from smekg.analytics.plots import gap_heatmap, gap_map
    from smekg.queries.params import join_typologies

    run = Run(store, backend, write=write)
    with run.errors(), run.progress() as progress:
        answer = run.analytics.gaps(scope, region_level, sector_level, sector, type, progress,
                                    broadest=broadest, kinds=kinds,
                                    typology=join_typologies(typology))
    columns = ["region", *(s.code or s.label for s in answer.sectors)]
    _emit(answer, fmt, answer.rows(), columns,
          f"{len(answer.regions)} regions x {len(answer.sectors)} sectors: "
          f"{answer.uncovered:,} of {answer.cells:,} cells covered by no provider"
          + ("" if answer.broadest == "world" else f" at {answer.broadest} level or below")
          + (f" of kinds {', '.join(answer.kinds)}" if answer.kinds else "")
          + (f" (typology: {', '.join(answer.typology)})" if answer.typology else ""))
    with run.errors():
        run.plot(lambda: gap_map(answer) if plot_kind is PlotKind.map
                 else gap_heatmap(answer), plot)
        if write:
            run.write("gaps", answer, {"scope": answer.scope.iri, "region_level": region_level,
                                       "sector_level": sector_level, "sector": sector,
                                       "type": type, "kinds": ",".join(answer.kinds or ())
                                       or None, "broadest": None if answer.broadest == "world"
                                       else answer.broadest,  # default: the graph as before
                                       "typology": ",".join(answer.typology or ()) or None})


@app.command()
def compare(
    a: Annotated[str, typer.Argument(help="The first region.")],
    b: Annotated[str, typer.Argument(help="The second region.")],
    sector: Annotated[str | None, typer.Option(help="Coverage for this sector only.",
                                               show_default=False)] = None,
    fmt: FormatOption = OutputFormat.table, store: StoreOption = None,
    backend: BackendOption = None,
) -> None:
    """Two regions' ecosystems side by side: counts, density, shared networks."""
    run = Run(store, backend)
    with run.errors(), run.progress() as progress:
        answer = run.analytics.compare(a, b, sector, progress)
    rows = [side.model_dump(mode="json") | {"region": side.region.code or side.region.label}
            for side in (answer.a, answer.b)]
    _emit(answer, fmt, rows, ["region", "covered_by", "located_here", "actors", "links",
                              "density", "networks"],
          f"{len(answer.shared_networks)} shared networks, {answer.shared_actors} shared "
          f"actors (Jaccard {answer.jaccard:.3f})")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="graphml, gexf, json (node-link), "
                                     "nodes.csv or edges.csv.")],
    output: Annotated[Path, typer.Option("--out", help="File to write.")],
    network: NetworkOption = None, region: RegionOption = None, sector: SectorOption = None,
    source: SourceOption = None, store: StoreOption = None, backend: BackendOption = None,
) -> None:
    """Export the graph, or a part of it, for Gephi (GraphML, GEXF), D3 or pandas (CSV)."""
    from smekg.analytics.export import EXPORT_FORMATS, write_graph

    run = Run(store, backend)
    if fmt not in EXPORT_FORMATS:
        console.print(f"[red]error:[/red] --format {fmt!r}: expected one of "
                      f"{', '.join(EXPORT_FORMATS)}")
        raise typer.Exit(2)
    with run.errors(), run.progress() as progress:
        graph = run.analytics.graph(run.scope(network, region, sector, source), progress)
        partial = output.with_name(output.name + ".partial")
        write_graph(graph, fmt, partial)
        partial.replace(output)  # never a half-written file under the asked name
    console.print(f"{graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges "
                  f"written to {output}")

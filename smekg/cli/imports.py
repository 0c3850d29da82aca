"""``smekg import``: import public datasets as sources of their own.

``smekg import cordis DIR-or-ZIP``: the EU's CORDIS projects of Horizon Europe or Horizon
2020 (the zip CORDIS publishes, or the folder it was unpacked to), filtered by programme,
topic, funding scheme, participant country and start date (see ``docs/cordis.md``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from smekg.cli.options import StoreOption

if TYPE_CHECKING:
    from smekg.core.iri import Minter
    from smekg.core.stores import SourceStore
    from smekg.loaders.cordis import CordisImport
    from smekg.loaders.sources import Source

app = typer.Typer(help="Import public datasets (CORDIS) as sources of their own.",
                  no_args_is_help=True)
console = Console(stderr=True)
out = Console()

NOTES_SHOWN = 5
"""Notes shown per kind of note (all of them with --verbose)."""


class Programme(StrEnum):
    HORIZON = "HORIZON"
    H2020 = "H2020"


@app.command("cordis")
def cordis(
    path: Annotated[Path, typer.Argument(
        help="A CORDIS projects zip (e.g. cordis-HORIZONprojects-csv.zip) or the folder it "
        "was unpacked to: project.csv and organization.csv are read, also in a sub-folder.",
        show_default=False)],
    programme: Annotated[Programme | None, typer.Option(
        "--programme", case_sensitive=False,
        help="Only projects of this framework programme (frameworkProgramme): HORIZON "
        "(Horizon Europe) or H2020 (Horizon 2020).", show_default=False)] = None,
    topics: Annotated[list[str] | None, typer.Option(
        "--topics", help="Only projects with a topic matching this glob, e.g. "
        "'HORIZON-EIE-*' (any case; repeat for several: any may match).",
        show_default=False)] = None,
    funding_scheme: Annotated[list[str] | None, typer.Option(
        "--funding-scheme", help="Only projects whose funding scheme (type of action) "
        "matches this glob, e.g. 'HORIZON-CSA' (repeatable).", show_default=False)] = None,
    country: Annotated[list[str] | None, typer.Option(
        "--country", help="Only projects with a participant in this country (ISO code; EL "
        "and UK are read as GR and GB; repeatable), with all their participants.",
        show_default=False)] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only projects starting on or after this date (YYYY-MM-DD).",
        show_default=False)] = None,
    source: Annotated[str | None, typer.Option(
        "--source", help="Name of the source: cordis/NAME (default: the programme of most "
        "projects kept, cordis/horizon-europe or cordis/horizon-2020).",
        show_default=False)] = None,
    replace: Annotated[bool, typer.Option(
        help="Replace the source even though it was imported from another zip or folder.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Import even when nothing changed.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", help=f"Print every note (default: {NOTES_SHOWN} of each kind).")] = False,
    store: StoreOption = None,
) -> None:
    """Import CORDIS projects, their participants and participations (see docs/cordis.md).

    Participants become organisations (pic-<organisationID>; the rows of one organisation
    merged), projects become projects (cordis-<id>) of the programme Horizon Europe or
    Horizon 2020, participations become partnerships with their role and EU contribution.
    Only the organisations of the projects kept are imported. The source records the
    CORDIS licence (CC BY 4.0) and the zip's or folder's name."""
    from smekg.cli import _open, _run_load, _settings
    from smekg.loaders.catalogue import SOURCE_NAME_RE
    from smekg.loaders.cordis import CordisFilters, cordis_country, import_cordis

    countries: list[str] = []
    for code in country or []:
        iso = cordis_country(code)
        if iso is None:
            _usage(f"--country {code!r} is not an ISO 3166-1 alpha-2 country code (IT, FR, ...)")
        countries.append(iso)
    start: dt.date | None = None
    if since is not None:
        try:
            start = dt.date.fromisoformat(since.strip())
        except ValueError:
            _usage(f"--since {since!r} is not a date: use YYYY-MM-DD")
    name = source.removeprefix("cordis/") if source is not None else None
    if name is not None and not SOURCE_NAME_RE.match(name):
        _usage(f"--source {source!r} must start with a letter or digit and use only letters, "
               "digits, '.', '_' and '-'")
    filters = CordisFilters(
        programme=programme.value if programme else None,
        topics=tuple(topics or ()), funding_schemes=tuple(funding_scheme or ()),
        countries=tuple(countries), since=start)
    settings = _settings(store)
    graph_store = _open(settings)
    imported: list[CordisImport] = []

    def make(minter: Minter, st: SourceStore) -> list[Source]:
        result = import_cordis(path, minter, st, filters=filters, name=name)
        imported.append(result)
        return [result.source]

    _run_load(graph_store, settings, make, force=force, replace=replace)
    _report(imported[0], verbose)


def _usage(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(2)


def _report(result: CordisImport, verbose: bool) -> None:
    """What was kept and skipped, and the notes (grouped by kind)."""
    table = Table(title=f"CORDIS import: {result.source.key}")
    table.add_column("")
    table.add_column("kept", justify="right")
    table.add_column("skipped", justify="right")
    table.add_row("projects", f"{result.projects:,}",
                  f"{sum(result.skipped_projects.values()):,}")
    table.add_row("participation rows", f"{result.participation_rows:,}",
                  f"{sum(result.skipped_rows.values()):,}")
    table.add_row("partnerships", f"{result.participations:,}", "")
    table.add_row("organisations", f"{result.organisations:,}", "")
    table.add_row("programmes", ", ".join(result.programmes) or "-", "")
    out.print(table)
    out.print(f"{result.projects_read:,} projects read; kept {result.projects:,} projects, "
              f"{result.organisations:,} organisations, {result.participations:,} "
              "participations", highlight=False)
    for reason, count in sorted(result.skipped_projects.items()):
        out.print(f"skipped {count:,} project(s): {reason}", highlight=False)
    for reason, count in sorted(result.skipped_rows.items()):
        out.print(f"skipped {count:,} participation row(s) {reason}", highlight=False)
    for topic, messages in sorted(result.grouped_notes().items()):
        console.print(f"[yellow]notes ({topic}):[/yellow] {len(messages):,}", highlight=False)
        for message, places in messages if verbose else messages[:NOTES_SHOWN]:
            where = ""
            if places:
                where = ", ".join(places[:3]) + (
                    f" and {len(places) - 3:,} more" if len(places) > 3 else "") + ": "
            console.print(f"  {where}{message}", highlight=False, markup=False,
                          soft_wrap=True)
        if not verbose and len(messages) > NOTES_SHOWN:
            console.print(f"  ... {len(messages) - NOTES_SHOWN:,} more (--verbose shows them)",
                          highlight=False)

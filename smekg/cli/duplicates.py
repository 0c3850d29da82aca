"""``smekg duplicates``: organisations that may be one, for a person to confirm.

Lists the organisations linked by a shared identifier (PIC, VAT number, Wikidata entity)
or by ``owl:sameAs``, then the likely duplicates: alike names in the same place, with a
score and the reason in words (see :mod:`smekg.queries.duplicates`). Nothing is merged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from smekg.cli.options import OutputFormat, StoreOption

if TYPE_CHECKING:
    from smekg.queries.duplicates import DuplicateSide

console = Console(stderr=True)
out = Console()


def duplicates(
    store: StoreOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table),
    min_score: Annotated[float, typer.Option(
        "--min-score", min=0.0, max=1.0,
        help="How alike names must be for a likely duplicate (0-1, rapidfuzz "
        "token_set_ratio of the folded names without legal forms).")] = 0.85,
    country: Annotated[str | None, typer.Option(
        help="Only pairs with an organisation in this country (IT, ITA, Italy).",
        show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="Pairs shown (default: all).", show_default=False)] = None,
) -> None:
    """List the organisations that may be one: first those sharing a PIC, VAT number or
    Wikidata entity (or linked by owl:sameAs), then likely duplicates, alike names in the
    same NUTS region (or, lacking one, the same country and city), most alike first."""
    from smekg.core.backends import BackendUnavailable
    from smekg.core.backends.oxigraph import OxigraphBackend
    from smekg.core.connect import open_backend
    from smekg.core.iri import Minter
    from smekg.core.settings import get_settings
    from smekg.queries.duplicates import find_duplicates, resolve_country
    from smekg.queries.params import ParamError

    settings = get_settings()
    if store is not None:
        settings = settings.model_copy(update={"store": store})
    try:
        wanted = resolve_country(country)
        # the store of record: the embedded one, or the remote one with SMEKG_BACKEND=sparql
        backend = (open_backend(settings) if settings.backend == "sparql"
                   else OxigraphBackend(Path(settings.store)))
        with console.status("comparing organisations"):
            report = find_duplicates(backend, Minter(settings.base_iri), min_score=min_score,
                                     country=wanted)
    except ParamError as error:
        console.print(f"[red]error:[/red] {error.message}", highlight=False)
        raise typer.Exit(2) from error
    except (FileNotFoundError, BackendUnavailable) as error:
        console.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(1) from error
    page = report.page(0, limit)
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(page.model_dump(mode="json"), ensure_ascii=False,
                                    indent=2) + "\n")
        return
    if fmt is OutputFormat.csv:
        from smekg.queries.duplicates import DuplicatePair
        from smekg.queries.render import to_csv

        # every cell through the one CSV writer: formulas neutralised for spreadsheets
        sys.stdout.write(to_csv([pair.model_dump(mode="json") for pair in page.results],
                                model=DuplicatePair).lstrip("\ufeff"))
        return
    table = Table("kind", "score", "a", "b", "why", title="organisations that may be one")
    for pair in page.results:
        table.add_row(pair.kind, f"{pair.score:.2f}", _side(pair.a), _side(pair.b),
                      Text(pair.reason))  # Text: names are never read as markup
    out.print(table, highlight=False)
    shown = f"{len(page.results)} of {page.count}" if len(page.results) < page.count else (
        f"{page.count}")
    out.print(f"{shown} pair(s) among {report.organisations:,} organisations, "
              f"{report.seconds:.1f} s; nothing is merged: confirm each pair yourself",
              highlight=False)


def _side(side: DuplicateSide) -> Text:
    return Text(f"{side.label}\n{side.iri}\n{', '.join(side.sources)}")

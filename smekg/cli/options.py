"""Command-line options shared by ``smekg`` and ``smekg analyze``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store directory (default: $SMEKG_STORE).", show_default=False),
]

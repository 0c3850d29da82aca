"""The committed table templates match the column schemas they document."""

from __future__ import annotations

import csv

from smekg.loaders.entities import SCHEMAS
from smekg.loaders.templates import reference_markdown, template_csv
from tests.helpers import REPO_ROOT

TEMPLATES = REPO_ROOT / "data" / "templates"


def test_templates_are_up_to_date():
    for kind in SCHEMAS:
        assert (TEMPLATES / f"{kind}.csv").read_text(encoding="utf-8") == template_csv(kind), (
            f"run: python -m smekg.loaders.templates data/templates ({kind})"
        )
    assert (TEMPLATES / "README.md").read_text(encoding="utf-8") == reference_markdown()


def test_seed_tables_use_the_template_columns():
    for kind in SCHEMAS:
        with (REPO_ROOT / "data" / "seed" / f"{kind}.csv").open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [c.name for c in SCHEMAS[kind]]

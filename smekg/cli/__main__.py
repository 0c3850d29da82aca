"""``python -m smekg.cli``: the same as the ``smekg`` command."""

from smekg.cli import app

app()

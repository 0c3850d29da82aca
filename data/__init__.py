"""The datasets bundled with smekg: the curated seed tables and the empty templates.

Read them with :func:`importlib.resources.files` (``files("smekg.data") / "seed"``);
see ``data/seed/README`` sections in the project README for their sources.
"""

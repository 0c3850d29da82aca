"""The query editor served at ``GET /sparql`` to browsers: YASGUI, served by the app itself.

The page loads YASGUI from ``graph_api/static/yasgui/`` (no CDN), points it at this
endpoint, pre-fills the project's prefixes and offers example queries, each of which runs
on the bundled data (the tests check that each returns results).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "yasgui"
"""The vendored YASGUI build (see its README.md)."""


@dataclass(frozen=True)
class Example:
    """An example query offered on the page (``query`` relies on the predefined prefixes)."""

    name: str
    description: str
    query: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        "Networks",
        "Every network with its number of direct members.",
        """SELECT ?network ?name (COUNT(DISTINCT ?member) AS ?members) WHERE {
  ?network a smekg:Network .
  OPTIONAL { ?network skos:prefLabel ?name }
  OPTIONAL { ?membership org:organization ?network ; org:member ?member }
}
GROUP BY ?network ?name
ORDER BY DESC(?members)""",
    ),
    Example(
        "Who covers ITH55",
        "Who serves the NUTS 3 region ITH55 (Bologna): anything whose schema:areaServed is "
        "ITH55 or a region it lies in (walking skos:broader* up to the world).",
        """SELECT ?who ?name (GROUP_CONCAT(DISTINCT STRAFTER(STR(?kind), "#"); separator=", ")
       AS ?kinds) ?served ?servedName WHERE {
  nuts:ITH55 skos:broader* ?served .
  ?who schema:areaServed ?served .
  OPTIONAL { ?who skos:prefLabel ?name }
  OPTIONAL { ?who a ?kind FILTER(STRSTARTS(STR(?kind), STR(smekg:))) }
  OPTIONAL { ?served skos:prefLabel ?servedName }
}
GROUP BY ?who ?name ?served ?servedName
ORDER BY ?served ?who""",
    ),
    Example(
        "Good practices",
        "The good practices with the region they are located in or serve.",
        """SELECT ?practice ?name ?region ?regionName WHERE {
  ?practice a smekg:GoodPractice ; skos:prefLabel ?name .
  OPTIONAL {
    ?practice schema:location|schema:areaServed ?region .
    OPTIONAL { ?region skos:prefLabel ?regionName }
  }
}
ORDER BY ?name""",
    ),
    Example(
        "Sources",
        "The provenance of each source graph: what was loaded, from where, when, how big.",
        """SELECT ?graph ?title ?source ?loaded ?triples WHERE {
  GRAPH ?graph {
    ?graph a smekg:SourceGraph .
    OPTIONAL { ?graph dcterms:title ?title }
    OPTIONAL { ?graph dcterms:source ?source }
    OPTIONAL { ?graph prov:generatedAtTime ?loaded }
    OPTIONAL { ?graph smekg:tripleCount ?triples }
  }
}
ORDER BY ?graph""",
    ),
    Example(
        "INSME, described",
        "Everything the graph says about INSME (a DESCRIBE: the answer is RDF).",
        "DESCRIBE <https://w3id.org/smekg/id/organisation/insme>",
    ),
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smekg · SPARQL endpoint</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
<style>
  body {{ margin: 0; font-family: system-ui, sans-serif; color: #222; }}
  header {{ padding: 0.6rem 1rem; border-bottom: 1px solid #ddd; background: #f7f7f9; }}
  header h1 {{ font-size: 1.15rem; margin: 0 0 0.2rem; }}
  header p {{ margin: 0.2rem 0; font-size: 0.9rem; }}
  #examples button {{ margin: 0.2rem 0.3rem 0 0; padding: 0.2rem 0.6rem; cursor: pointer; }}
  main {{ padding: 0 0.5rem; }}
  code {{ font-size: 0.85rem; }}
</style>
</head>
<body>
<header>
  <h1>smekg SPARQL endpoint</h1>
  <p>A read-only SPARQL 1.1 endpoint over the knowledge graph of SME support ecosystems,
  at <code>{endpoint}</code>. The default graph is the union of all source graphs
  (unless the query or the request names a dataset). The project's prefixes
  (<code>smekg:</code>, <code>org:</code>, <code>skos:</code>, <code>schema:</code>,
  <code>nuts:</code>, …) are predefined, so queries may leave out their
  <code>PREFIX</code> lines. Each query may run {timeout} and return {cap}.</p>
  <p id="examples">Examples: {buttons}</p>
</header>
<main id="yasgui"></main>
<script type="application/json" id="smekg-config">{config}</script>
<script src="{js}"></script>
<script>
(function () {{
  "use strict";
  var config = JSON.parse(document.getElementById("smekg-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var prologue = Object.keys(config.prefixes).map(function (p) {{
    return "PREFIX " + p + ": <" + config.prefixes[p] + ">";
  }}).join("\\n");
  // Only the offline autocompleters: "class" and "property" would ask a web service.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasgui.defaults.yasqe.autocompleters = ["prefixes", "variables"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {{
    requestConfig: {{ endpoint: endpoint, method: "POST" }},
    copyEndpointOnNewTab: true,
    persistenceId: "smekg-sparql",
    endpointCatalogueOptions: {{ getData: function () {{ return [{{ endpoint: endpoint }}]; }} }},
    yasqe: {{ value: prologue + "\\n\\n" + config.examples[0].query,
              collapsePrefixesOnLoad: true }},
    yasr: {{ prefixes: config.prefixes }}
  }});
  window.smekgYasgui = yasgui;
  function open(example) {{
    var tabs = yasgui._tabs;
    for (var id in tabs) {{
      if (tabs[id].getName() === example.name) {{ yasgui.selectTabId(id); return; }}
    }}
    yasgui.addTab(true, {{
      name: example.name,
      yasqe: {{ value: prologue + "\\n\\n" + example.query }},
      requestConfig: {{ endpoint: endpoint }}
    }});
  }}
  document.querySelectorAll("#examples button").forEach(function (button) {{
    button.addEventListener("click", function () {{
      open(config.examples[Number(button.dataset.example)]);
    }});
  }});
}})();
</script>
</body>
</html>
"""


def _json_for_script(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _plural_seconds(seconds: float) -> str:
    return f"{seconds:g} second" + ("" if seconds == 1 else "s")


def human_bytes(size: int) -> str:
    """``size`` in bytes, with a binary unit for humans: ``67108864 bytes (64 MiB)``."""
    text = f"{size} bytes"
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{text} ({size / factor:g} {unit})"
    return text


def render_page(
    *,
    endpoint: str,
    js: str,
    css: str,
    prefixes: dict[str, str],
    timeout: float,
    max_result_bytes: int,
) -> str:
    """The HTML of the query editor page.

    Parameters
    ----------
    endpoint
        The endpoint's path (YASGUI resolves it against the page's address).
    js, css
        Paths of the vendored YASGUI script and style sheet.
    prefixes
        The predefined prefixes, written as ``PREFIX`` lines into new queries.
    timeout, max_result_bytes
        The endpoint's limits, shown on the page.
    """
    config = {
        "endpoint": endpoint,
        "prefixes": prefixes,
        "examples": [
            {"name": e.name, "description": e.description, "query": e.query} for e in EXAMPLES
        ],
    }
    buttons = " ".join(
        f'<button type="button" data-example="{i}" title="{html.escape(e.description)}">'
        f"{html.escape(e.name)}</button>"
        for i, e in enumerate(EXAMPLES)
    )
    return _PAGE.format(
        css=html.escape(css),
        js=html.escape(js),
        endpoint=html.escape(endpoint),
        timeout=f"up to {_plural_seconds(timeout)}",
        cap=f"at most {html.escape(human_bytes(max_result_bytes))}",
        buttons=buttons,
        config=_json_for_script(config),
    )

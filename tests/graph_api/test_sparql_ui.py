"""The query editor at GET /sparql (browsers): YASGUI served by the app, no CDN, examples
that run on the seed data."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import httpx
import pytest
from pyoxigraph import RdfFormat, parse

from smekg.graph_api.sparql.ui import EXAMPLES, STATIC_DIR, Example
from smekg.ontology import PREFIXES
from tests.graph_api.conftest import ApiServer
from tests.graph_api.test_sparql_helpers import INSME, NETWORK, RDF_TYPE, STEERING_GROUP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


class _Page(HTMLParser):
    """Collects the resources a page loads and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.other: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            if attributes.get("src"):
                self.scripts.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            (self.styles if attributes.get("rel") == "stylesheet" else self.other).append(
                attributes["href"]
            )
        elif tag in ("img", "iframe", "source", "embed") and attributes.get("src"):
            self.other.append(attributes["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


@pytest.fixture(scope="module")
def page(api: ApiServer) -> tuple[httpx.Response, _Page]:
    response = httpx.get(f"{api.url}/sparql", headers={"accept": BROWSER})
    parser = _Page()
    parser.feed(response.text)
    return response, parser


def _config(parser: _Page) -> dict:
    [config] = [s for s in parser.inline if s.strip().startswith("{")]
    return json.loads(config)


def test_browser_gets_the_editor(page: tuple[httpx.Response, _Page]) -> None:
    response, parser = page
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>smekg · SPARQL endpoint</title>" in response.text
    assert parser.scripts == ["/sparql/yasgui/yasgui.min.js"]
    assert parser.styles == ["/sparql/yasgui/yasgui.min.css"]
    assert "new Yasgui(" in "".join(parser.inline)


def test_page_loads_nothing_from_elsewhere(page: tuple[httpx.Response, _Page]) -> None:
    response, parser = page
    for url in parser.scripts + parser.styles + parser.other:
        assert not re.match(r"^(https?:)?//", url), url
    # no @import or url(...) to another host in inline styles, no dynamic script loading
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", response.text)
    assert "createElement(\"script\")" not in response.text
    # the LOV autocompleters (which call a web service) are switched off
    assert 'autocompleters = ["prefixes", "variables"]' in response.text


def test_vendored_assets_are_served(api: ApiServer) -> None:
    for name, media_type in (("yasgui.min.js", "text/javascript"),
                             ("yasgui.min.css", "text/css")):
        response = httpx.get(f"{api.url}/sparql/yasgui/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        vendored = (STATIC_DIR / name).read_bytes()
        assert hashlib.sha256(response.content).digest() == hashlib.sha256(vendored).digest()
    css = (STATIC_DIR / "yasgui.min.css").read_text()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css
    assert (STATIC_DIR / "LICENSE").read_text().startswith("The MIT License")
    assert "4.6.2" in (STATIC_DIR / "README.md").read_text()
    assert httpx.get(f"{api.url}/sparql/yasgui/nothing.js").status_code == 404


def test_page_points_at_this_endpoint_with_the_prefixes(
    page: tuple[httpx.Response, _Page],
) -> None:
    _, parser = page
    config = _config(parser)
    assert config["endpoint"] == "/sparql"  # relative: resolved against the page's address
    assert config["prefixes"] == dict(PREFIXES)
    assert [e["name"] for e in config["examples"]] == [e.name for e in EXAMPLES]
    assert len(EXAMPLES) >= 4


def test_non_browser_without_query_gets_400(client: httpx.Client) -> None:
    for accept in ("*/*", "application/sparql-results+json"):
        response = client.get("/sparql", headers={"accept": accept})
        assert response.status_code == 400
    # a browser following a link with a query gets results
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+xml"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs_on_the_seed_data(client: httpx.Client, example: Example) -> None:
    # as the page sends it: the prefixes written out, then the query, as a form POST
    prologue = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items())
    response = client.post("/sparql", data={"query": f"{prologue}\n\n{example.query}"},
                           headers={"accept": "application/sparql-results+json,*/*;q=0.9"})
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/sparql-results+json"):
        rows = response.json()["results"]["bindings"]
        assert rows, example.name
        values = {v["value"] for row in rows for v in row.values()}
    else:
        triples = list(parse(response.content, RdfFormat.TURTLE))
        assert triples, example.name
        values = {t.subject.value for t in triples} | {t.object.value for t in triples}
    expected = {
        "Networks": {INSME, STEERING_GROUP, "INSME Steering Group"},
        "Who covers ITH55": {"https://w3id.org/smekg/id/good-practice/emilia-romagna-go-global",
                             "http://data.europa.eu/nuts/code/ITH5"},
        "Good practices": {"http://data.europa.eu/nuts/code/ITH5"},
        "Sources": {"https://w3id.org/smekg/id/graph/seed/organisations"},
        "INSME, described": {INSME, NETWORK},
    }[example.name]
    assert expected <= values, (example.name, values)
    # the example also runs without the prologue: the prefixes are predefined
    response = client.post("/sparql", data={"query": example.query})
    assert response.status_code == 200


def test_describe_example_is_about_insme(client: httpx.Client) -> None:
    [describe] = [e for e in EXAMPLES if e.query.startswith("DESCRIBE")]
    response = client.post("/sparql", data={"query": describe.query},
                           headers={"accept": "text/turtle"})
    triples = {(t.subject.value, t.predicate.value, t.object.value)
               for t in parse(response.content, RdfFormat.TURTLE)}
    assert (INSME, RDF_TYPE, NETWORK) in triples

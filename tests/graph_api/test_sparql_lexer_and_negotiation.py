"""The pure parts of the /sparql endpoint: the SPARQL lexer, content negotiation, request
parsing (no server needed)."""

from __future__ import annotations

import pytest

from smekg.graph_api.sparql.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    accepts_html,
    negotiate,
    parse_accept,
)
from smekg.graph_api.sparql.lexer import scan
from smekg.graph_api.sparql.protocol import ProtocolError, operation_from_post, parse_content_type


@pytest.mark.parametrize(
    ("text", "form", "dataset", "service"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT", False, False),
        ("select * from <http://ex.org/g> where { ?s ?p ?o }", "SELECT", True, False),
        ("ASK FROM NAMED <http://ex.org/g> { GRAPH ?g {} }", "ASK", True, False),
        ("PREFIX from: <http://ex.org/> CONSTRUCT WHERE { ?s from:p ?o }", "CONSTRUCT", False,
         False),
        ("BASE <http://ex.org/> PREFIX : <x#> DESCRIBE :insme", "DESCRIBE", False, False),
        ('SELECT ?from WHERE { ?s <http://ex.org/from> "FROM" }', "SELECT", False, False),
        ("SELECT * WHERE { ?s ?p 'service' } # FROM SERVICE", "SELECT", False, False),
        ('SELECT * WHERE { ?s ?p """multi\nFROM line""" }', "SELECT", False, False),
        ('SELECT * WHERE { ?s ?p "x"@from }', "SELECT", False, False),
        ("SELECT * WHERE { ?s ex:service ?o ; ex:from _:from }", "SELECT", False, False),
        ("SELECT * { SERVICE <http://ex.org/sparql> { ?s ?p ?o } }", "SELECT", False, True),
        ("# only a comment", None, False, False),
        ("INSERT DATA { <a> <b> <c> }", "INSERT", False, False),
        ("PREFIX ex: <http://ex.org/>\nDELETE WHERE { ?s ex:p ?o }", "DELETE", False, False),
        ("WITH <http://ex.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH", False, False),
    ],
)
def test_scan(text: str, form: str | None, dataset: bool, service: bool) -> None:
    shape = scan(text)
    assert (shape.form, shape.has_dataset, shape.uses_service) == (form, dataset, service)
    assert shape.is_update == (form in ("INSERT", "DELETE", "WITH"))


def test_returns_graph() -> None:
    assert scan("CONSTRUCT WHERE { ?s ?p ?o }").returns_graph is True
    assert scan("ASK {}").returns_graph is False
    assert scan("garbage").returns_graph is None


@pytest.mark.parametrize(
    ("accept", "results", "graph"),
    [
        (None, "json", "turtle"),
        ("", "json", "turtle"),
        ("*/*", "json", "turtle"),
        ("application/json", "json", "jsonld"),
        ("application/xml", "xml", "rdfxml"),
        ("text/*", "csv", "turtle"),
        ("text/plain", None, "ntriples"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.1", "csv", None),
        ("application/sparql-results+json;q=0, */*;q=0.1", "xml", "turtle"),
        ("text/turtle;q=0.5, application/rdf+xml", None, "rdfxml"),
        ("application/n-triples, text/turtle", None, "ntriples"),
        ("text/turtle;q=abc, application/trig", None, "trig"),
        ("image/png", None, None),
        ("garbage", None, None),
    ],
)
def test_negotiate(accept: str | None, results: str | None, graph: str | None) -> None:
    chosen = negotiate(accept, RESULT_FORMATS)
    assert (chosen.name if chosen else None) == results
    chosen = negotiate(accept, GRAPH_FORMATS)
    assert (chosen.name if chosen else None) == graph


def test_parse_accept() -> None:
    ranges = parse_accept("text/html;level=1;q=0.7, */*;q=0.1")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "html", 0.7), ("*", "*", 0.1)]


def test_accepts_html() -> None:
    assert accepts_html("text/html,application/xhtml+xml,*/*;q=0.8")
    assert not accepts_html("*/*")
    assert not accepts_html(None)
    assert not accepts_html("text/html;q=0, */*")


def test_parse_content_type() -> None:
    assert parse_content_type('Application/SPARQL-Query; Charset="UTF-8"') == (
        "application/sparql-query", {"charset": "UTF-8"})
    assert parse_content_type(None) == ("", {})


def test_operation_from_post() -> None:
    operation = operation_from_post(
        "application/x-www-form-urlencoded",
        b"query=ASK%20%7B%7D&named-graph-uri=http%3A%2F%2Fex.org%2Fn",
        [("default-graph-uri", "http://ex.org/d")],
    )
    assert operation.query == "ASK {}"
    assert operation.default_graphs == ("http://ex.org/d",)
    assert operation.named_graphs == ("http://ex.org/n",)
    assert operation.has_protocol_dataset
    with pytest.raises(ProtocolError) as error:
        operation_from_post("application/x-www-form-urlencoded", b"query=%FF", [])
    assert error.value.status == 400
    with pytest.raises(ProtocolError) as error:
        operation_from_post("application/sparql-query; charset=latin-1", b"ASK {}", [])
    assert error.value.status == 415

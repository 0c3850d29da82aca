"""Binding parameters into SPARQL text (for remote stores) means what pyoxigraph's
``substitutions`` mean: every named query gives the same rows both ways, on the same store,
and no value, however hostile, changes the query."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Variable

from smekg.core.backends import SOURCES_VERSION
from smekg.core.backends.oxigraph import ANY, OxigraphBackend, to_python, to_term
from smekg.core.backends.sparql_text import BindingError, bind, query_form, term_text, tokens
from smekg.ontology import PREFIXES
from smekg.queries.registry import QUERY_DIR, NamedQuery, load_registry

REGISTRY = {**load_registry(), **load_registry(QUERY_DIR / "index"), "version": SOURCES_VERSION,
            **load_registry(QUERY_DIR / "analytics")}

# Raw parameter values (bound by the query service, as the API does), per named query.
CASES: list[tuple[str, dict[str, str]]] = [
    ("coverage", {}), ("coverage", {"region": "ITH55", "sector": "25.11"}),
    ("coverage", {"region": "GB-KEN", "type": "network"}),
    ("coverage", {"service": "internationalisation"}),
    ("entity", {"entity": "insme"}), ("entity", {"entity": "ITH5"}),
    ("entity_out", {"entity": "ITH5"}), ("entity_in", {"entity": "ITH5"}),
    ("entity_in_count", {"entity": "ITH5"}),
    ("members", {"network": "insme-steering-group", "transitive": "false"}),
    ("members", {"network": "insme-steering-group", "transitive": "true"}),
    ("memberships", {"organisation": "ipi", "transitive": "true"}),
    ("organisations", {}), ("organisations", {"type": "network"}),
    ("organisations", {"country": "IT", "region": "ITH"}),
    ("organisations_in_region", {"region": "IT"}),
    ("policy_lineage", {"policy": "bologna-charter"}),
    ("programmes", {}), ("programmes", {"region": "ITH55", "sector": "C25"}),
    ("regions", {"within": "ITH", "level": "nuts3"}), ("regions", {}),
    ("regions", {"typology": "mountain,coastal", "level": "nuts3"}),
    ("sectors", {"within": "C25"}), ("sectors", {"level": "section"}),
    ("networks", {}), ("policies", {}), ("search", {"q": "emilia"}),
    ("projects", {}), ("projects", {"topic": "SENET"}),
    ("projects", {"programme": "interreg-europe", "topic": "horizon-*", "country": "ITH"}),
    ("project_partners", {"project": "senet"}), ("partner_projects", {"organisation": "insme"}),
    ("hierarchy", {}), ("membership_links", {}), ("names", {}), ("scope", {}), ("types", {}),
    ("sector_matches", {}), ("nuts_versions", {}), ("typologies", {}),
    ("membership_terms", {}), ("locations", {}), ("project_facts", {}), ("version", {}),
    ("edges", {}),
]


def _rows(solutions: QuerySolutions) -> list[tuple]:
    names = [variable.value for variable in solutions.variables]
    return sorted(
        tuple(sorted((name, repr(to_python(solution[name]))) for name in names
                     if solution[name] is not None))
        for solution in solutions)


def _text_rows(store, query: str, bindings: dict) -> list[tuple]:
    return _rows(store.oxigraph.query(bind(query, bindings), prefixes=PREFIXES,
                             use_default_graph_as_union=True))


def test_every_named_query_has_a_case():
    assert {name for name, _ in CASES} == set(REGISTRY)


@pytest.mark.parametrize(("name", "raw"), CASES, ids=[f"{n}-{'-'.join(r.values())}"
                                                       for n, r in CASES])
def test_bound_text_gives_the_rows_of_substitutions(oxigraph_service, seeded_store, name, raw):
    query = REGISTRY[name]
    params = oxigraph_service.bind_spec(query, raw)
    bindings = {param.name: ANY for param in query.params}
    bindings.update({key: to_term(value) for key, value in params.items()})
    # search's q/limit are matched in Python, not in the text: nothing to bind there
    bindings = {key: term for key, term in bindings.items() if f"?{key}" in query.sparql}
    expected = _rows(seeded_store.oxigraph.query(
        query.sparql, prefixes=PREFIXES, use_default_graph_as_union=True,
        substitutions={Variable(key): term for key, term in bindings.items()} or None))
    assert _text_rows(seeded_store, query.sparql, bindings) == expected


HOSTILE = [
    'a "quoted" value', "it's", "'''", '"""', "line\nbreak\r\n", "tab\tend", "back\\slash",
    "trailing\\", "\\u0022 escaped quote", "\\\\u0022", "\\U0001F600", "} UNION { ?s ?p ?o }",
    '" } UNION { ?entity ?p ?text } #', "> <http://ex.org/x", "# not a comment", "?text",
    "$text", "é∑😀", "", "\x00\x01\x7f",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_literals_are_values_not_text(seeded_store, value):
    query = ("SELECT ?text ?length ?entity WHERE { BIND(STRLEN(?text) AS ?length) "
             "OPTIONAL { ?entity dcterms:identifier ?text } }")
    bindings = {"text": Literal(value)}
    rows = _text_rows(seeded_store, query, bindings)
    assert rows == [(("length", repr(len(value))), ("text", repr(value)))]
    expected = _rows(seeded_store.oxigraph.query(
        query, prefixes=PREFIXES, use_default_graph_as_union=True,
        substitutions={Variable("text"): Literal(value)}))
    assert rows == expected


@pytest.mark.parametrize("iri", ["http://ex.org/a>b", "http://ex.org/a b", "http://ex.org/}",
                                 'http://ex.org/"', "http://ex.org/\\u003E", "no-scheme",
                                 "http://ex.org/a\nb"])
def test_invalid_iris_cannot_be_made(iri):
    with pytest.raises(ValueError):
        NamedNode(iri)
    from smekg.core.backends import Iri

    with pytest.raises(ValueError):
        to_term(Iri(iri))


def test_strings_iris_and_comments_are_not_variables():
    text = 'SELECT ?x WHERE { ?x <http://ex.org/?x> "?x" . # ?x\n ?x ex:p $x }'
    bound = bind(text, {"x": NamedNode("http://ex.org/v")})
    assert '<http://ex.org/?x> "?x" . # ?x' in bound
    assert bound.count("<http://ex.org/v>") == 4  # three in the pattern, one in VALUES
    assert [t.text for t in tokens("?a=?b&&$c") if t.kind == "var"] == ["?a", "?b", "$c"]
    # a language tag is not a keyword: "x"@as (Assamese) is no AS before a variable
    assert bind('SELECT ?x WHERE { ?s ?p "x"@as , ?x }', {"x": Literal(1)}).count(
        '"1"^^') == 2


def test_projection_group_order_bound_and_values_keep_the_variable():
    text = ("SELECT ?x (COUNT(?x) AS ?n) WHERE { VALUES ?x { <http://ex.org/v> } ?s ?p ?x "
            "FILTER(BOUND(?x)) } GROUP BY ?x ORDER BY ?x DESC(?x)")
    bound = bind(text, {"x": NamedNode("http://ex.org/v")})
    assert bound.startswith("SELECT ?x (COUNT( <http://ex.org/v> ) AS ?n) WHERE { VALUES ?x {")
    assert "FILTER(BOUND(?x))" in bound
    assert "GROUP BY ?x ORDER BY ?x DESC( <http://ex.org/v> )" in bound
    assert bound.endswith("VALUES (?x) { (<http://ex.org/v>) }")


def test_a_sub_select_that_does_not_project_the_variable_keeps_its_own():
    text = "SELECT ?x ?y WHERE { { SELECT ?y WHERE { ?x ?p ?y } } ?y ?q ?x }"
    bound = bind(text, {"x": NamedNode("http://ex.org/v")})
    assert "{ SELECT ?y WHERE { ?x ?p ?y } }" in bound
    assert "?y ?q  <http://ex.org/v>  }" in bound


def test_unbindable_queries_are_refused():
    with pytest.raises(BindingError, match="assigned"):
        bind("SELECT ?x WHERE { BIND(1 AS ?x) }", {"x": Literal(1)})
    with pytest.raises(BindingError, match="VALUES"):
        bind("SELECT ?x WHERE { ?x ?p ?o } VALUES ?o { 1 }", {"x": Literal(1)})
    with pytest.raises(BindingError, match="blank node"):
        term_text(BlankNode())


def test_query_form():
    assert query_form("PREFIX a: <http://a/> # CONSTRUCT\nselect * {}") == "SELECT"
    assert query_form("BASE <http://a/> DESCRIBE <http://a/b>") == "DESCRIBE"


def test_the_embedded_backend_agrees_on_a_named_query_with_hostile_text(seeded_store_dir):
    query = NamedQuery(name="probe", description="", params=(), path=QUERY_DIR / "probe.rq",
                       sparql="SELECT ?text ?entity WHERE { ?entity dcterms:identifier ?text }")
    assert OxigraphBackend(seeded_store_dir).select(query, {"text": HOSTILE[6]}) == []

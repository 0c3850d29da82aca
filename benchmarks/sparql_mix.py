"""The fixed SPARQL query mix of the endpoint benchmark, with parameters drawn from a store.

    .venv/bin/python benchmarks/sparql_mix.py --store /tmp/smekg-bench/10k/store

prints the mix as JSON. Every query declares its prefixes (``oxigraph serve`` and
rdflib-endpoint do not predefine smekg's) and reads the default graph, which each endpoint
serves as the union of the source graphs, as smekg's ``/sparql`` does.

* **simple** (the dashboard mix, run with many connections): one organisation by its
  identifier; the number of entities of a type; a label search (LIMIT 20); the members of a
  network (LIMIT 50); organisations in a country (LIMIT 50). Each comes in a few variants
  (different organisations, types, words, networks, countries) drawn with a fixed seed.
* **heavy** (run one at a time, one connection): organisations counted by country and
  type; the 20 networks with the most members; organisations counted by the country above
  their region (a join through ``skos:broader*``, last: the slowest on rdflib).

A query is ``exact`` when every endpoint must return the same rows (no LIMIT without a total
order); for the others only the number of rows is compared.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from pyoxigraph import Store

PREFIXES = """PREFIX smekg: <https://w3id.org/smekg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

VARIANTS = 4  # variants of each simple query
LABEL_WORDS = ["Association", "Chamber", "Agency", "Research Institute", "Government Body",
               "Intermediary"]
TYPES = ["Network", "Programme", "Policy", "GoodPractice", "Country", "NutsRegion"]


def _select(store: Store, query: str) -> list[list[str | None]]:
    return [[term.value if term is not None else None for term in solution]
            for solution in store.query(PREFIXES + query, use_default_graph_as_union=True)]


def _literal(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid SPARQL string literal here


def build_mix(store_path: Path, seed: int = 42) -> dict:
    """The simple and heavy queries, with parameters drawn from the store at ``store_path``."""
    store = Store.read_only(str(store_path))
    rng = random.Random(seed)
    identifiers = [row[0] for row in _select(
        store, "SELECT ?id WHERE { ?o a smekg:Organisation ; dcterms:identifier ?id } "
        "ORDER BY ?id")]
    networks = [row[0] for row in _select(
        store, "SELECT DISTINCT ?n WHERE { ?m org:organization ?n ; org:member ?x } ORDER BY ?n")]
    countries = [row[0] for row in _select(
        store, "SELECT DISTINCT ?c WHERE { ?o a smekg:Organisation ; smekg:country ?c } "
        "ORDER BY ?c")]
    simple: list[dict] = []
    for i, identifier in enumerate(rng.sample(identifiers, min(VARIANTS, len(identifiers)))):
        simple.append({"name": f"organisation by identifier #{i + 1}", "kind": "lookup",
                       "exact": True, "query": PREFIXES + (
                           "SELECT ?organisation ?p ?o WHERE { ?organisation "
                           f"dcterms:identifier {_literal(identifier)} ; ?p ?o }}")})
    for kind in rng.sample(TYPES, VARIANTS):
        simple.append({"name": f"count of smekg:{kind}", "kind": "count", "exact": True,
                       "query": PREFIXES + "SELECT (COUNT(?entity) AS ?n) WHERE "
                       f"{{ ?entity a smekg:{kind} }}"})
    for word in rng.sample(LABEL_WORDS, VARIANTS):
        simple.append({"name": f"label search {word!r}", "kind": "search", "exact": False,
                       "query": PREFIXES + "SELECT ?organisation ?label WHERE { ?organisation "
                       "a smekg:Organisation ; skos:prefLabel ?label . "
                       f"FILTER(CONTAINS(?label, {_literal(word)})) }} LIMIT 20"})
    for i, network in enumerate(rng.sample(networks, min(VARIANTS, len(networks)))):
        simple.append({"name": f"members of a network #{i + 1}", "kind": "members",
                       "exact": False, "query": PREFIXES + (
                           f"SELECT ?member ?label WHERE {{ ?membership org:organization "
                           f"<{network}> ; org:member ?member . ?member skos:prefLabel ?label "
                           "} LIMIT 50")})
    for country in rng.sample(countries, min(VARIANTS, len(countries))):
        simple.append({"name": f"organisations in {country.rsplit('/', 1)[-1]}",
                       "kind": "country", "exact": False, "query": PREFIXES + (
                           "SELECT ?organisation ?label WHERE { ?organisation a "
                           f"smekg:Organisation ; smekg:country <{country}> ; "
                           "skos:prefLabel ?label } LIMIT 50")})
    heavy = [
        {"name": "organisations by country and type", "kind": "group-by", "exact": True,
         "query": PREFIXES + "SELECT ?country ?type (COUNT(?organisation) AS ?n) WHERE { "
         "?organisation a smekg:Organisation ; smekg:country ?country ; "
         "org:classification ?type } GROUP BY ?country ?type"},
        {"name": "the 20 networks with the most members", "kind": "top", "exact": True,
         "query": PREFIXES + "SELECT ?network (COUNT(?member) AS ?n) WHERE { ?membership "
         "org:organization ?network ; org:member ?member } GROUP BY ?network "
         "ORDER BY DESC(?n) ?network LIMIT 20"},
        {"name": "organisations by the country above their region", "kind": "join",
         "exact": True,
         "query": PREFIXES + "SELECT ?country (COUNT(DISTINCT ?organisation) AS ?n) WHERE { "
         "?organisation a smekg:Organisation ; schema:location ?region . "
         "?region skos:broader* ?country . ?country a smekg:Country } GROUP BY ?country"},
    ]
    return {"seed": seed, "simple": simple, "heavy": heavy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    args = parser.parse_args()
    text = json.dumps(build_mix(args.store, args.seed), indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()

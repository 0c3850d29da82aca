"""The question a view asks, as REST, SPARQL and Cypher, for people to take elsewhere.

Each view of the web app answers a named query (``queries/NAME.rq`` and its Cypher twin).
:func:`snippets` gives the same question in the three forms a colleague can run: the REST
URL, the SPARQL text with the parameters bound as the remote backend binds them
(:func:`smekg.core.backends.sparql_text.bind`: the terms serialised by pyoxigraph, never
pasted user text, and a trailing ``VALUES`` clause), and the Cypher twin with its
parameters as a ``:params`` line for Neo4j Browser. The tests run all three and compare
their rows with the view's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from smekg.core.backends import Iri, Value
from smekg.core.backends.oxigraph import ANY, to_term
from smekg.core.backends.sparql import SPARQL_PREFIXES
from smekg.core.backends.sparql_text import bind
from smekg.graph_api.web.templating import query_url
from smekg.queries.service import QueryService


@dataclass(frozen=True)
class Snippets:
    """One question as REST, SPARQL and Cypher."""

    rest: str
    sparql: str
    cypher: str | None
    cypher_params: str | None
    """The parameters of ``cypher`` as JSON (Neo4j Browser: ``:params {...}``)."""

    @property
    def cypher_browser(self) -> str | None:
        """``:params`` and the query, as pasted into Neo4j Browser."""
        if self.cypher is None:
            return None
        return f":params {self.cypher_params}\n\n{self.cypher}"


def snippets(service: QueryService, name: str, rest_path: str,
             raw: Mapping[str, str | None]) -> Snippets:
    """The named query ``name`` with the parameters ``raw`` (as a user gave them) as REST
    (``rest_path`` with them), SPARQL and Cypher (with them resolved and bound)."""
    query = service.queries[name]
    bound = service.bind(name, raw)
    # parameters answered from the index (typology) are not in the query text
    own = {param.name for param in query.params
           if re.search(rf"[?$]{param.name}\b", query.sparql)}
    terms = {param: to_term(bound[param]) if param in bound else ANY for param in own}
    sparql = SPARQL_PREFIXES + bind(query.sparql, terms)
    cypher_params = None
    if query.cypher is not None:
        cypher_params = json.dumps({param: _plain(bound.get(param)) for param in sorted(own)},
                                   ensure_ascii=False)
    return Snippets(rest=query_url(rest_path, raw), sparql=sparql.strip() + "\n",
                    cypher=query.cypher, cypher_params=cypher_params)


def _plain(value: Value | None) -> object:
    return str(value) if isinstance(value, Iri) else value

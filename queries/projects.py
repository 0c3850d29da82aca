"""The projects of the graph as a table, for the list of projects and its filters.

``projects.rq`` answers the same question in one query, and SPARQL and Cypher users run it
as it is. At the scale of CORDIS (20,000 projects, 100,000 partnerships) an engine takes
seconds over it (the partner counts are a join over every partnership; a partner-country
filter walks the region hierarchy from every partner's place). Here the partners come
from the index's memberships, the places from its locations and hierarchy, and the other
facts from one scan (``index/project_facts.rq``) read once per version of the data: a
filtered list is then a pass over the table.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from weakref import WeakKeyDictionary

from smekg.core.backends import Value, row_iri
from smekg.ontology import SCHEMA, SKOS, SMEKG
from smekg.queries.graph_index import KIND_CLASSES, GraphIndex
from smekg.queries.models import ProjectRow
from smekg.queries.registry import QUERY_DIR, load_registry

_COLUMNS = {
    str(SKOS.altLabel): "acronym", str(SMEKG.fundingScheme): "scheme",
    str(SMEKG.topic): "topic", str(SCHEMA.startDate): "start", str(SCHEMA.endDate): "end",
    str(SMEKG.totalCost): "totalCost", str(SMEKG.euContribution): "euContribution",
}
"""The literal facts ``index/project_facts.rq`` reads, by predicate: the columns of
``projects.rq`` they answer (and ``topic``, which it filters on)."""


def project_row(index: GraphIndex, iri: str, values: Mapping[str, Sequence[Value]],
                partners: int) -> ProjectRow:
    """A project's row from the values of its facts, by the columns of ``projects.rq``.

    Of several values, the acronym is the shortest other name, the start the earliest,
    the end the latest, the others the first in order.

    >>> index = GraphIndex(labels={"p:1": "Scale-up Europe"})
    >>> row = project_row(index, "p:1", {"acronym": ["SCALE", "SUE"], "end": ["2025", "2026"],
    ...                                  "totalCost": ["1500000.50"]}, partners=3)
    >>> row.label, row.acronym, row.end, row.total_cost, row.partner_count
    ('Scale-up Europe', 'SUE', '2026', 1500000.5, 3)
    """
    def first(column: str) -> Value | None:
        return min(values.get(column, ()), key=str, default=None)

    acronyms = sorted(values.get("acronym", ()), key=lambda name: (len(str(name)), str(name)))
    programme = first("fundedUnder")
    end = max(values.get("end", ()), key=str, default=None)
    return ProjectRow(**index.ref(iri).model_dump(),
                      acronym=str(acronyms[0]) if acronyms else None,
                      programme=index.ref(str(programme)) if programme else None,
                      funding_scheme=as_text(first("scheme")),
                      start=as_text(first("start")), end=as_text(end),
                      total_cost=amount(first("totalCost")),
                      eu_contribution=amount(first("euContribution")),
                      partner_count=partners)


_TABLES: WeakKeyDictionary[GraphIndex, ProjectTable] = WeakKeyDictionary()
_KEPT: WeakKeyDictionary[GraphIndex, Callable[[], ProjectTable]] = WeakKeyDictionary()


def keep_project_table(index: GraphIndex,
                       table: ProjectTable | Callable[[], ProjectTable]) -> None:
    """Keep ``table`` as the project table of ``index``: the table, or what reads it (from
    disk, with the index) on first use."""
    if isinstance(table, ProjectTable):
        _TABLES[index] = table
    else:
        _KEPT[index] = table


def project_table(index: GraphIndex) -> ProjectTable:
    """The projects of ``index`` as a table (read from where it was kept, else built on
    first use from the index's backend; kept while the index lives)."""
    table = _TABLES.get(index)
    if table is None:
        read = _KEPT.get(index)
        table = _TABLES.setdefault(index, read() if read is not None else ProjectTable(index))
    return table


class ProjectTable:
    """Every project's row (by name), with what the filters of ``projects.rq`` read: its
    programmes, its topics (lower case) and its partners."""

    def __init__(self, index: GraphIndex) -> None:
        self.index = index
        project = KIND_CLASSES["project"]
        facts: dict[str, dict[str, list[Value]]] = {
            iri: defaultdict(list) for iri, tags in index.tags.items() if project in tags}
        if facts and index.backend is not None:
            query = load_registry(QUERY_DIR / "index")["project_facts"]
            for row in index.backend.select(query, {}):
                values = facts.get(row_iri(row, "project"))
                if values is None:
                    continue
                if "programme" in row:
                    column, value = "fundedUnder", row["programme"]
                else:
                    column, value = _COLUMNS[row_iri(row, "property")], row["value"]
                if value not in values[column]:
                    values[column].append(value)
        terms = index.terms
        self.partners: list[frozenset[str]] = []
        self.programmes: list[frozenset[str]] = []
        self.topics: list[tuple[str, ...]] = []
        self.rows: list[ProjectRow] = []
        for iri in sorted(facts, key=lambda iri: (index.label(iri).casefold(), iri)):
            values = facts[iri]
            partners = frozenset(terms.members[i] for i in terms.of_network(iri))
            self.partners.append(partners)
            self.programmes.append(frozenset(str(p) for p in values.get("fundedUnder", ())))
            self.topics.append(tuple(str(t).lower() for t in values.get("topic", ())))
            self.rows.append(project_row(index, iri, values, len(partners)))

    def to_json(self) -> str:
        """The table as JSON (what :meth:`from_json` reads back)."""
        return json.dumps({"rows": [row.model_dump(mode="json") for row in self.rows],
                           "partners": [sorted(p) for p in self.partners],
                           "programmes": [sorted(p) for p in self.programmes],
                           "topics": self.topics})

    @classmethod
    def from_json(cls, index: GraphIndex, text: str) -> ProjectTable:
        """The table of ``index`` kept as ``text`` (see :meth:`to_json`)."""
        kept = json.loads(text)
        table = cls.__new__(cls)
        table.index = index
        table.rows = [ProjectRow.model_validate(row) for row in kept["rows"]]
        table.partners = [frozenset(p) for p in kept["partners"]]
        table.programmes = [frozenset(p) for p in kept["programmes"]]
        table.topics = [tuple(t) for t in kept["topics"]]
        return table

    def select(self, programme: str | None = None, topic: str | None = None,
               country: str | None = None) -> list[ProjectRow]:
        """The projects funded under ``programme`` (an IRI), answering ``topic`` (a code,
        or its start followed by ``*``; case ignored) and with a partner located in
        ``country`` (an IRI of a country or any region: a partner located within it), by
        name."""
        located: Mapping[str, str] | None = None
        if country is not None:
            located = self.index.located_in(country)
        wanted = topic.lower() if topic is not None else None
        start = wanted[:-1] if wanted is not None and wanted.endswith("*") else None
        found = []
        for position, row in enumerate(self.rows):
            if programme is not None and programme not in self.programmes[position]:
                continue
            if wanted is not None and not any(
                    code.startswith(start) if start is not None else code == wanted
                    for code in self.topics[position]):
                continue
            if located is not None and located.keys().isdisjoint(self.partners[position]):
                continue
            found.append(row)
        return found


def amount(value: Value | None) -> float | None:
    """An amount in euros (an ``xsd:decimal``: a number, or its text) as a number.

    >>> amount("1250.75"), amount(None), amount("n/a")
    (1250.75, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def as_text(value: Value | None) -> str | None:
    """``value`` as text, or None."""
    return None if value is None else str(value)

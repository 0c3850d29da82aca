"""The named queries: one ``.rq`` file each, with its metadata in ``#+`` header lines.

A header looks like this::

    #+ name: members
    #+ description: The members of a network, with their role and period.
    #+ param network: entity -- the network (id, IRI)
    #+ param transitive: bool = false -- also members of member networks
    #+ example: network=insme-steering-group

Parameter types are listed in :data:`PARAM_TYPES`. A parameter with a default (``=``)
or marked ``optional`` may be left out. Values are checked and turned into RDF terms
by :mod:`smekg.queries.params` and bound by the engine; nothing is pasted into query text.

The project's own queries are in the ``queries/`` folder (:mod:`smekg.queries.registry`);
the backends only need :class:`NamedQuery`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PARAM_TYPES = {
    "region": "a region: NUTS (ITH55), ISO 3166-2 (GB-KEN) or ISO 3166-1 code (IT, ITA), "
    "country name (italy, Italia), continent, world, or IRI",
    "sector": "a NACE Rev. 2.1 code at any level (C, C25, 25.1, 25.11) or title; a NACE Rev. 2 "
    "code (62.01, J 62.01) is read as its Rev. 2.1 division (rev2: prefix for the Rev. 2 "
    "concept), or IRI",
    "entity": "an id (insme), a code (ITH5, IT, C25) or an IRI",
    "kind": "an entity kind or organisation type (network, organisation, programme, "
    "good-practice, policy, country, agency, chamber, ...)",
    "service": "a service type (smekg:ServiceTypes notation, e.g. internationalisation)",
    "theme": "a theme (smekg:Themes notation, e.g. internationalisation)",
    "level": "a level: region levels are country, nuts1, nuts2, nuts3; sector levels are "
    "section, division, group, class; or its number (3: nuts3 or group)",
    "breadth": "a region level, as a ceiling: nuts3, nuts2, nuts1, country, continent or world",
    "providers": "kinds of provider, comma-separated: organisation, network, programme, "
    "good-practice, or organisation types (agency, chamber, ...)",
    "typology": "NUTS-3 typologies, comma-separated (smekg:NutsTypologies notations: "
    "predominantly-urban, intermediate, predominantly-rural, coastal, metropolitan, "
    "capital-metropolitan, border, island, mountain, capital, ...): regions in all of them",
    "text": "free text",
    "int": "an integer",
    "bool": "true or false",
}

_HEADER = re.compile(r"^#\+\s*(?P<key>[a-z_]+)(?:\s+(?P<arg>[a-z_]+))?\s*:\s*(?P<value>.*)$")
_PARAM = re.compile(
    r"^(?P<type>[a-z]+)(?:\s*=\s*(?P<default>[^\s-][^ ]*))?(?P<optional>\s+optional)?"
    r"\s*(?:--\s*(?P<doc>.*))?$"
)


class RegistryError(ValueError):
    """A query file's header is malformed."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    required: bool = True
    default: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    """A named query: its SPARQL text (and later its Cypher twin) and metadata."""

    name: str
    description: str
    params: tuple[Param, ...]
    sparql: str
    path: Path
    example: dict[str, str] = field(default_factory=dict)
    cypher: str | None = None  # the Cypher twin (``NAME.cypher`` beside the ``.rq``)
    cypher_iris: frozenset[str] = frozenset()  # twin columns that hold IRIs (``//+ iris:``)
    whole_graph: bool = False  # ``#+ reads: whole graph``: not a question, a scan (index)

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(f"query {self.name!r} has no parameter {name!r}")


def parse_query_file(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its ``#+`` header."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Param] = []
    example: dict[str, str] = {}
    last_key: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#+"):
            continue
        if line.startswith("#+  ") and last_key == "description":
            meta["description"] += " " + line[2:].strip()
            continue
        match = _HEADER.match(line)
        if match is None:
            raise RegistryError(f"{path}:{number}: malformed header line {line!r}")
        key, arg, value = match["key"], match["arg"], match["value"].strip()
        last_key = key
        if key == "param":
            params.append(_parse_param(path, number, arg, value))
        elif key == "example":
            for pair in value.split():
                name, _, val = pair.partition("=")
                example[name] = val
        elif key in {"name", "description"}:
            meta[key] = value
        elif key == "reads":
            if value != "whole graph":
                raise RegistryError(f"{path}:{number}: '#+ reads:' can only be 'whole graph', "
                                    f"found {value!r}")
            meta[key] = value
        else:
            raise RegistryError(f"{path}:{number}: unknown header key {key!r}")
    if meta.get("name") != path.stem:
        raise RegistryError(f"{path}: '#+ name:' must be {path.stem!r}, found {meta.get('name')!r}")
    if "description" not in meta:
        raise RegistryError(f"{path}: missing '#+ description:'")
    cypher, iris = _parse_twin(path.with_suffix(".cypher"))
    return NamedQuery(
        name=meta["name"],
        description=meta["description"],
        params=tuple(params),
        sparql=text,
        path=path,
        example=example,
        cypher=cypher,
        cypher_iris=iris,
        whole_graph=meta.get("reads") == "whole graph",
    )


def _parse_twin(path: Path) -> tuple[str | None, frozenset[str]]:
    """The Cypher twin's text and the columns its ``//+ iris:`` header names."""
    if not path.exists():
        return None, frozenset()
    text = path.read_text(encoding="utf-8")
    iris: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("//+"):
            key, _, value = line[3:].partition(":")
            if key.strip() != "iris":
                raise RegistryError(f"{path}:{number}: unknown header {line!r}; "
                                    "expected '//+ iris: COLUMN ...'")
            iris.update(value.split())
    return text, frozenset(iris)


def _parse_param(path: Path, number: int, name: str | None, value: str) -> Param:
    match = _PARAM.match(value)
    if name is None or match is None or match["type"] not in PARAM_TYPES:
        raise RegistryError(
            f"{path}:{number}: bad parameter declaration {value!r}; expected "
            f"'#+ param NAME: TYPE [= DEFAULT] [optional] -- description' with TYPE one of "
            f"{', '.join(PARAM_TYPES)}"
        )
    default = match["default"]
    return Param(
        name=name,
        type=match["type"],
        description=(match["doc"] or "").strip(),
        required=default is None and not match["optional"],
        default=default,
    )


def load_registry(directory: Path) -> dict[str, NamedQuery]:
    """Every named query in ``directory``, by name."""
    return {path.stem: parse_query_file(path) for path in sorted(directory.glob("*.rq"))}

"""Column mappings: load a table with its own columns into the template kinds.

A mapping (``smekg load-file FILE --mapping MAPPING.yaml``, documented in
``docs/mappings.md``) says, for each template kind a file feeds (organisations, projects,
partners, ...), which of the file's columns, constants or combinations of them give each
template column, and how to read the file (XLSX sheet, CSV delimiter, JSON path). One row
of the file may feed several kinds; rows that describe the same entity (the same ``id``,
or the same values of the table's ``key`` columns) become one entity.

Everything in the mapping is checked before anything is read or written, and every
mistake names the mapping file and line; a problem with the data names the data file, row,
the user's column and value (a :class:`~smekg.loaders.tables.Record` made by a mapping
carries a ``translation`` from template columns to the user's columns, so that the
template checks report them in the user's words too).

>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "people.csv").write_text("Org,Land\\nAcme,Italy\\n", encoding="utf-8")
>>> _ = (folder / "m.yaml").write_text(
...     "mapping: 1\\ntables:\\n  organisations:\\n    columns:\\n"
...     "      id: {slug: [Org]}\\n      name: Org\\n      country: Land\\n", encoding="utf-8")
>>> reader = MappingReader(load_mapping(folder / "m.yaml"))
>>> [(r.row, r.values) for r in reader(folder / "people.csv")["organisations"]]
[(2, {'id': 'acme', 'name': 'Acme', 'country': 'Italy'})]
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from smekg.core.iri import slug as slug_of
from smekg.loaders.entities import MULTI_SEPARATOR, SCHEMAS, Column
from smekg.loaders.errors import LoadError, Problem
from smekg.loaders.tables import MappedProblem, Record, read_records

__all__ = [
    "MAPPING_VERSION",
    "MAX_MAPPING_BYTES",
    "MAX_MAPPING_DEPTH",
    "ColumnMapping",
    "MappingReader",
    "load_mapping",
]

MAPPING_VERSION = 1
"""The version of the mapping format (``mapping: 1``)."""
MAX_MAPPING_BYTES = 1_048_576
"""Largest mapping file read."""
MAX_MAPPING_DEPTH = 10
"""Deepest nesting of mappings and lists in a mapping file."""
_MAX_DATA_PROBLEMS = 500  # problems with the data collected before reading stops

_TOP_KEYS = ("mapping", "read", "source", "tables", "maps")
_READ_KEYS = ("sheet", "delimiter", "records")
_TABLE_KEYS = ("kind", "key", "on_conflict", "when", "columns")
_FORMS = ("column", "value", "join", "template", "slug")
_OPTIONS: dict[str, tuple[str, ...]] = {
    "column": ("map", "default", "split", "date", "decimal", "when"),
    "value": ("when",),
    "join": ("separator", "when"),
    "template": ("when",),
    "slug": ("when",),
}
_CONFLICTS = ("error", "first")
_WITH_SOURCE = {kind for kind, columns in SCHEMAS.items() if any(c.name == "source"
                                                                 for c in columns)}
# The kinds whose rows are entities with an id; the other kinds link entities, and their
# rows are the same link when these columns are (with these defaults for empty cells).
_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "partners": (("project", ""), ("partner", ""), ("role", "partner")),
    "memberships": (("network", ""), ("member", ""), ("member_kind", "organisation"),
                    ("role", "member")),
    "relations": (("subject", ""), ("relation", ""), ("object", "")),
}
# Template columns whose values are notations of the ontology's SKOS schemes: constants
# and map values for them are checked with the mapping.
_SCHEMES = {"types": "OrganisationTypes", "services": "ServiceTypes", "themes": "Themes",
            "role": "Roles"}
_ISO_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NULL = "tag:yaml.org,2002:null"
# Letters that Unicode does not decompose into a base letter and an accent
_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                          "ð": "d", "Ð": "D", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
                          "Œ": "OE", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H"})


# -- the mapping ------------------------------------------------------------------------
@dataclass(frozen=True)
class Where:
    """A line of a mapping file."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"mapping {self.file}, line {self.line}"


@dataclass(frozen=True)
class Condition:
    """``when:``: each named column holds one of its values (compared case- and
    space-insensitively; ``""`` stands for an empty cell)."""

    tests: tuple[tuple[str, frozenset[str]], ...]
    where: Where

    def holds(self, values: Mapping[str, object]) -> bool:
        return all(
            (set(_normalised(v) for v in _parts(values.get(column))) or {""}) & allowed
            for column, allowed in self.tests
        )


@dataclass
class ValueMap:
    """A named value map (``maps:``): the user's words -> template values."""

    name: str
    where: Where
    entries: dict[str, tuple[str, ...]]  # normalised key -> values (none: no value)
    lines: dict[str, int]  # normalised key -> its line
    keys: list[str]  # as written

    def lookup(self, value: str) -> tuple[str, ...] | None:
        return self.entries.get(_normalised(value))


@dataclass
class Spec:
    """How one template column is filled."""

    target: str
    form: str  # one of _FORMS
    where: Where
    shown: str  # the user's words for it, in messages
    kind: str = ""  # the template kind of the table
    multi: bool = False  # the template column takes several values
    columns: tuple[str, ...] = ()  # the source columns it reads
    constant: tuple[str, ...] = ()
    separator: str = " "
    pieces: tuple[tuple[str, str | None], ...] = ()  # a template: (text, column or None)
    value_map: ValueMap | None = None
    default: tuple[str, ...] = ()
    split: str | None = None
    date: str | None = None
    decimal: str | None = None
    when: Condition | None = None


@dataclass
class TableSpec:
    """One entry of ``tables:``: the rows of one template kind the file's rows give."""

    name: str
    kind: str
    where: Where
    columns: dict[str, Spec]
    key: tuple[str, ...] | None = None
    on_conflict: str = "error"
    when: Condition | None = None
    translation: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadOptions:
    sheet: str | None = None
    delimiter: str | None = None
    records: str | None = None
    lines: dict[str, Where] = field(default_factory=dict)


@dataclass
class ColumnMapping:
    """A checked mapping file (see :func:`load_mapping`)."""

    file: str
    content: bytes
    read: ReadOptions
    tables: list[TableSpec]
    maps: dict[str, ValueMap]
    source: str | None = None
    source_where: Where | None = None
    # every source column the mapping names, with the line naming it
    uses: list[tuple[str, Where]] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(t.kind for t in self.tables))


def load_mapping(path: Path) -> ColumnMapping:
    """Read and check the mapping file ``path``; :class:`LoadError` lists every mistake,
    each with its line. Nothing of the data file is needed (its columns are checked when
    it is read, see :class:`MappingReader`)."""
    label = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise LoadError([Problem(f"mapping {label}", f"cannot read it: {error.strerror}")]
                        ) from None
    if size > MAX_MAPPING_BYTES:
        raise LoadError([Problem(f"mapping {label}", f"the mapping has {size:,} bytes; the "
                                 f"limit is {MAX_MAPPING_BYTES:,}")])
    content = path.read_bytes()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError([Problem(f"mapping {label}", f"not UTF-8 text (byte {error.start}); "
                                 "save the mapping as UTF-8")]) from None
    _check_events(text, label)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise LoadError([_yaml_problem(error, label)]) from None
    parser = _Parser(label)
    mapping = parser.parse(root, content)
    if parser.problems:
        raise LoadError(parser.problems)
    assert mapping is not None
    return mapping


def _yaml_problem(error: yaml.YAMLError, label: str) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        what = " ".join(p for p in (error.context, error.problem) if p)
        return Problem(f"mapping {label}, line {error.problem_mark.line + 1}",
                       f"invalid YAML: {what}")
    return Problem(f"mapping {label}", f"invalid YAML: {error}")


def _check_events(text: str, label: str) -> None:
    """Refuse anchors, aliases and tags, and nesting deeper than MAX_MAPPING_DEPTH, before
    the file is composed (aliases can make a small file expand without bound)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            mark = event.start_mark
            line = f"mapping {label}, line {mark.line + 1 if mark is not None else 1}"
            if isinstance(event, yaml.AliasEvent):
                raise LoadError([Problem(line, f"aliases (*{event.anchor}) are not allowed in "
                                         "a mapping: write the value out")])
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                raise LoadError([Problem(line, f"anchors (&{event.anchor}) are not allowed in "
                                         "a mapping: write the value out")])
            if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent) \
                    and event.tag is not None:
                raise LoadError([Problem(line, f"tags ({event.tag}) are not allowed in a "
                                         "mapping: quote the value instead")])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_MAPPING_DEPTH:
                    raise LoadError([Problem(line, f"the mapping is nested more than "
                                             f"{MAX_MAPPING_DEPTH} levels deep")])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        raise LoadError([_yaml_problem(error, label)]) from None


class _Parser:
    """Turns the composed YAML into a :class:`ColumnMapping`, collecting problems."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []
        self.uses: list[tuple[str, Where]] = []

    # -- helpers ------------------------------------------------------------------------
    def where(self, node: yaml.Node) -> Where:
        return Where(self.label, node.start_mark.line + 1)

    def error(self, node: yaml.Node | Where, message: str) -> None:
        where = node if isinstance(node, Where) else self.where(node)
        self.problems.append(Problem(str(where), message))

    def pairs(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """The entries of a YAML mapping (key text, key node, value node); duplicates and
        keys that are not text are reported."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of `key: value` entries")
            return []
        seen: dict[str, int] = {}
        out: list[tuple[str, yaml.Node, yaml.Node]] = []
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _NULL:
                self.error(key, f"a key of {what} must be text")
                continue
            if key.value in seen:
                self.error(key, f"{key.value!r} appears twice in {what} (first on line "
                           f"{seen[key.value]})")
                continue
            seen[key.value] = key.start_mark.line + 1
            out.append((key.value, key, value))
        return out

    def text(self, node: yaml.Node, what: str, *, empty: bool = False) -> str | None:
        """A scalar's text as written (``Yes`` stays ``Yes``); None when it is not one."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{what} must be a single value, not a "
                       f"{'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
            return None
        value = "" if node.tag == _NULL else node.value
        if not value and not empty:
            self.error(node, f"{what} is empty")
            return None
        return value

    def texts(self, node: yaml.Node, what: str) -> list[str] | None:
        """A list of scalars, or one scalar as a list of one."""
        if isinstance(node, yaml.SequenceNode):
            found = [self.text(item, f"an item of {what}") for item in node.value]
            if not node.value:
                self.error(node, f"{what} is an empty list")
            return None if None in found or not found else [t for t in found if t is not None]
        one = self.text(node, what)
        return None if one is None else [one]

    def unknown(self, key: yaml.Node, name: str, expected: Sequence[str], what: str) -> None:
        close = difflib.get_close_matches(name, expected, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.error(key, f"unknown {what}: {name!r}{hint}; expected: {', '.join(expected)}")

    def use(self, column: str, where: Where) -> None:
        self.uses.append((column, where))

    # -- the document ---------------------------------------------------------------------
    def parse(self, root: yaml.Node | None, content: bytes) -> ColumnMapping | None:
        if root is None:
            self.error(Where(self.label, 1), "the mapping is empty; it starts with "
                       f"`mapping: {MAPPING_VERSION}` and has `tables:`")
            return None
        entries = {name: (key, value) for name, key, value in self.pairs(root, "the mapping")}
        for name, (key, _) in entries.items():
            if name not in _TOP_KEYS:
                self.unknown(key, name, _TOP_KEYS, "top level key")
        if "mapping" not in entries:
            self.error(root, f"`mapping: {MAPPING_VERSION}` (the format version) is missing")
        else:
            version = self.text(entries["mapping"][1], "mapping")
            if version is not None and version != str(MAPPING_VERSION):
                self.error(entries["mapping"][1], f"unsupported mapping version {version!r}; "
                           f"this smekg reads version {MAPPING_VERSION}")
        read = self.read(entries["read"][1]) if "read" in entries else ReadOptions()
        source, source_where = None, None
        if "source" in entries:
            source = self.text(entries["source"][1], "source")
            source_where = self.where(entries["source"][0])
        maps = self.maps(entries["maps"][1]) if "maps" in entries else {}
        tables: list[TableSpec] = []
        if "tables" not in entries:
            self.error(root, "`tables:` is missing: it names the template kinds the file "
                       f"feeds ({', '.join(SCHEMAS)})")
        else:
            for name, key, value in self.pairs(entries["tables"][1], "tables"):
                table = self.table(name, key, value, maps)
                if table is not None:
                    tables.append(table)
            if not tables and not self.problems:
                self.error(entries["tables"][1], "`tables:` maps no table")
        return ColumnMapping(self.label, content, read, tables, maps, source, source_where,
                             self.uses)

    def read(self, node: yaml.Node) -> ReadOptions:
        options = ReadOptions()
        for name, key, value in self.pairs(node, "read"):
            if name not in _READ_KEYS:
                self.unknown(key, name, _READ_KEYS, "read option")
                continue
            text = self.text(value, f"read.{name}")
            if text is None:
                continue
            if name == "delimiter" and len(text) != 1:
                self.error(value, f"read.delimiter must be one character, not {text!r}")
                continue
            setattr(options, name, text)
            options.lines[name] = self.where(key)
        return options

    def maps(self, node: yaml.Node) -> dict[str, ValueMap]:
        maps: dict[str, ValueMap] = {}
        for name, key, value in self.pairs(node, "maps"):
            where = self.where(key)
            entries: dict[str, tuple[str, ...]] = {}
            lines: dict[str, int] = {}
            written: list[str] = []
            for word, word_key, target in self.pairs(value, f"the map {name!r}"):
                normal = _normalised(word)
                if normal in entries:
                    self.error(word_key, f"{word!r} is in the map {name!r} twice (compared "
                               f"without case and spaces; first on line {lines[normal]})")
                    continue
                if isinstance(target, yaml.ScalarNode) and (target.tag == _NULL
                                                            or not target.value):
                    values: list[str] | None = []  # the word gives no value
                else:
                    values = self.texts(target, f"the map {name!r}'s value for {word!r}")
                if values is None:
                    continue
                entries[normal] = tuple(values)
                lines[normal] = word_key.start_mark.line + 1
                written.append(word)
            if isinstance(value, yaml.MappingNode) and not value.value:
                self.error(key, f"the map {name!r} is empty")
            maps[name] = ValueMap(name, where, entries, lines, written)
        return maps

    def condition(self, node: yaml.Node) -> Condition | None:
        tests = []
        for column, key, value in self.pairs(node, "when"):
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            found = [self.text(item, f"a value of when: {column!r}", empty=True)
                     for item in items]
            allowed = [a for a in found if a is not None]
            if len(allowed) != len(found) or not allowed:
                if not items:
                    self.error(value, f"when: {column!r} is an empty list")
                return None
            self.use(column, self.where(key))
            tests.append((column, frozenset(_normalised(a) for a in allowed)))
        if not tests:
            return None
        return Condition(tuple(tests), self.where(node))

    def table(self, name: str, key: yaml.Node, node: yaml.Node,
              maps: dict[str, ValueMap]) -> TableSpec | None:
        entries = {n: (k, v) for n, k, v in self.pairs(node, f"the table {name!r}")}
        for entry, (entry_key, _) in entries.items():
            if entry not in _TABLE_KEYS:
                self.unknown(entry_key, entry, _TABLE_KEYS, f"key in the table {name!r}")
        kind = name
        if "kind" in entries:
            kind = self.text(entries["kind"][1], "kind") or ""
            if kind and kind not in SCHEMAS:
                self.unknown(entries["kind"][1], kind, list(SCHEMAS), "table kind")
                return None
            if name in SCHEMAS and kind != name:
                self.error(entries["kind"][1], f"the table {name!r} is named after a kind "
                           f"but says kind: {kind}; name it otherwise")
                return None
        elif name not in SCHEMAS:
            close = difflib.get_close_matches(name, list(SCHEMAS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.error(key, f"unknown table kind: {name!r}{hint}; expected one of: "
                       f"{', '.join(SCHEMAS)} (a table of another name says its `kind:`)")
            return None
        if not kind:
            return None
        table = TableSpec(name, kind, self.where(key), {})
        if "on_conflict" in entries:
            choice = self.text(entries["on_conflict"][1], "on_conflict")
            if choice is not None and choice not in _CONFLICTS:
                self.error(entries["on_conflict"][1],
                           f"on_conflict must be error or first, not {choice!r}")
            elif choice is not None:
                table.on_conflict = choice
        if "key" in entries:
            columns = self.texts(entries["key"][1], "key")
            if columns is not None:
                table.key = tuple(columns)
                for column in columns:
                    self.use(column, self.where(entries["key"][1]))
        if "when" in entries:
            table.when = self.condition(entries["when"][1])
        if "columns" not in entries:
            self.error(key, f"the table {name!r} has no `columns:`")
            return table
        schema = {c.name: c for c in SCHEMAS[kind]}
        for target, target_key, spec_node in self.pairs(entries["columns"][1],
                                                        f"the columns of {name!r}"):
            if target not in schema:
                self.unknown(target_key, target, list(schema), f"{kind} column")
                continue
            spec = self.spec(schema[target], kind, target_key, spec_node, maps)
            if spec is not None:
                table.columns[target] = spec
                table.translation[target] = spec.shown
        missing = [c.name for c in SCHEMAS[kind] if c.required and c.name not in table.columns]
        if missing and isinstance(entries["columns"][1], yaml.MappingNode):
            self.error(key, f"the table {name!r} ({kind}) does not map the required "
                       f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        return table

    def spec(self, column: Column, kind: str, key: yaml.Node, node: yaml.Node,
             maps: dict[str, ValueMap]) -> Spec | None:
        where = self.where(key)
        target = column.name
        if isinstance(node, yaml.ScalarNode):
            source = self.text(node, f"the spec of {target!r}")
            if source is None:
                return None
            self.use(source, where)
            return Spec(target, "column", where, f"column {source!r} ({where})", kind,
                        column.multi, (source,))
        entries = {n: (k, v) for n, k, v in self.pairs(node, f"the spec of {target!r}")}
        if not entries and isinstance(node, yaml.MappingNode):
            self.error(node, f"the spec of {target!r} is empty")
            return None
        forms = [f for f in _FORMS if f in entries]
        if len(forms) != 1:
            given = ", ".join(forms) if forms else "none"
            self.error(key, f"the spec of {target!r} must have exactly one of "
                       f"{', '.join(_FORMS)} (it has {given})")
            return None
        form = forms[0]
        allowed = (form, *_OPTIONS[form])
        bad = [n for n in entries if n not in allowed]
        for name in bad:
            self.unknown(entries[name][0], name, allowed, f"key in a {form} spec")
        if bad:
            return None
        value_node = entries[form][1]
        spec = Spec(target, form, where, "", kind, column.multi)
        if "when" in entries:
            spec.when = self.condition(entries["when"][1])
        if form == "column":
            source = self.text(value_node, "column")
            if source is None:
                return None
            self.use(source, where)
            spec.columns = (source,)
            spec.shown = f"column {source!r} ({where})"
            if not self.column_options(spec, column, entries, maps):
                return None
        elif form == "value":
            values = self.texts(value_node, "value")
            if values is None:
                return None
            spec.constant = tuple(values)
            shown = MULTI_SEPARATOR.join(values)
            spec.shown = f"the value {shown!r} of {target!r} ({where})"
            if len(values) > 1 and not column.multi:
                self.error(value_node, f"{target!r} takes one value, not a list")
                return None
            self.check_notations(kind, target, values, entries[form][1])
        elif form in {"join", "slug"}:
            columns = self.texts(value_node, form)
            if columns is None:
                return None
            spec.columns = tuple(columns)
            for source in columns:
                self.use(source, where)
            names = ", ".join(repr(c) for c in columns)
            spec.shown = f"column{'s' if len(columns) > 1 else ''} {names} ({where})"
            if "separator" in entries:
                separator = self.text(entries["separator"][1], "separator", empty=True)
                if separator is None:
                    return None
                spec.separator = separator
        else:
            template = self.text(value_node, "template")
            if template is None:
                return None
            pieces = self.template(template, value_node)
            if pieces is None:
                return None
            spec.pieces = pieces
            spec.columns = tuple(c for _, c in pieces if c is not None)
            for source in spec.columns:
                self.use(source, where)
            spec.shown = f"template {template!r} ({where})"
        return spec

    def column_options(self, spec: Spec, column: Column, entries: dict[str, tuple[
            yaml.Node, yaml.Node]], maps: dict[str, ValueMap]) -> bool:
        target = spec.target
        ok = True
        if "map" in entries:
            name = self.text(entries["map"][1], "map")
            if name is not None and name not in maps:
                defined = ", ".join(maps) or "none"
                close = difflib.get_close_matches(name, list(maps), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(entries["map"][1], f"the map {name!r} is not defined under "
                           f"`maps:`{hint}; defined maps: {defined}")
                ok = False
            elif name is not None:
                spec.value_map = maps[name]
                several = [w for w, values in spec.value_map.entries.items() if len(values) > 1]
                if several and not column.multi:
                    line = spec.value_map.lines[several[0]]
                    self.error(entries["map"][1], f"the map {name!r} gives several values "
                               f"(line {line}) but {target!r} takes one")
                    ok = False
                for normal, values in spec.value_map.entries.items():
                    self.check_notations(spec.kind, target, list(values),
                                         Where(self.label, spec.value_map.lines[normal]))
        if "default" in entries:
            default = self.texts(entries["default"][1], "default")
            if default is None:
                ok = False
            elif len(default) > 1 and not column.multi:
                self.error(entries["default"][1], f"{target!r} takes one value, not a list")
                ok = False
            else:
                spec.default = tuple(default)
                self.check_notations(spec.kind, target, default, entries["default"][1])
        if "split" in entries:
            split = self.text(entries["split"][1], "split", empty=True)
            if not split:
                self.error(entries["split"][1], "split: names the text between the values "
                           "of a cell, e.g. \",\"")
                ok = False
            elif not column.multi:
                self.error(entries["split"][0], f"split: gives several values but {target!r} "
                           "takes one")
                ok = False
            else:
                spec.split = split
        if "date" in entries:
            fmt = self.text(entries["date"][1], "date")
            if fmt is not None and not _date_format_ok(fmt):
                self.error(entries["date"][1], f"date: {fmt!r} is not a date format: write it "
                           "with strptime's directives, including the year (%Y or %y), e.g. "
                           "\"%d/%m/%Y\"")
                ok = False
            spec.date = fmt
        if "decimal" in entries:
            mark = self.text(entries["decimal"][1], "decimal")
            if mark is not None and mark not in {",", "."}:
                self.error(entries["decimal"][1], f"decimal: must be \",\" or \".\" (the mark "
                           f"before the cents), not {mark!r}")
                ok = False
            spec.decimal = mark
        if spec.value_map is not None and (spec.date or spec.decimal):
            self.error(entries["map"][0], "a map gives template values as they are: it does "
                       "not go with date: or decimal:")
            ok = False
        if spec.date and spec.decimal:
            self.error(entries["date"][0], "date: and decimal: do not go together")
            ok = False
        return ok

    def template(self, text: str, node: yaml.Node) -> tuple[tuple[str, str | None], ...] | None:
        pieces: list[tuple[str, str | None]] = []
        position = 0
        for match in _FIELD.finditer(text):
            pieces.append((text[position:match.start()], None))
            position = match.end()
            token = match.group(0)
            if token in {"{{", "}}"}:
                pieces.append((token[0], None))
            elif match.group(1) is None or not match.group(1).strip():
                self.error(node, f"template {text!r}: a lone {token!r} (write {{{{ or }}}} for "
                           "a brace) or an empty {}")
                return None
            else:
                pieces.append(("", match.group(1).strip()))
        pieces.append((text[position:], None))
        if not any(column for _, column in pieces):
            self.error(node, f"template {text!r} names no column (write them in braces: "
                       "{Country}-{VAT})")
            return None
        return tuple((t, c) for t, c in pieces if t or c)

    def check_notations(self, kind: str, target: str, values: list[str],
                        node: yaml.Node | Where) -> None:
        """Values of a vocabulary column (types, services, themes, role) must be notations
        of its SKOS scheme: checked with the mapping, not row after row."""
        scheme = _SCHEMES.get(target)
        if scheme is None or (target == "role" and kind not in {"partners", "memberships"}):
            return
        from smekg.reference.resolve import concept_notations

        notations = concept_notations(scheme)
        for value in values:
            if value.strip().lower().replace(" ", "-").replace("_", "-") not in notations:
                self.error(node, f"{value!r} is not a value of {target!r} (smekg:{scheme}); "
                           f"expected one of: {', '.join(sorted(notations))}")


def _date_format_ok(fmt: str) -> bool:
    if not re.search(r"%[Yy]", fmt):
        return False
    sample = dt.datetime(2001, 2, 3)
    try:
        return dt.datetime.strptime(sample.strftime(fmt), fmt).year == 2001
    except ValueError:
        return False


def _normalised(value: object) -> str:
    """A word as maps and conditions compare it: without case and runs of spaces."""
    return " ".join(str(value).split()).casefold()


def _parts(value: object) -> list[str]:
    """A cell's non-empty values: the items of a JSON array, or the text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    return [text] if text else []


# -- reading a file with a mapping --------------------------------------------------------
class _CellError(Exception):
    def __init__(self, message: str, column: str | None, value: object) -> None:
        super().__init__(message)
        self.message, self.column, self.value = message, column, value


@dataclass
class _Group:
    """The rows that are one entity (or one link) of a kind, merged."""

    kind: str
    name: str  # how messages name it
    row: int
    values: dict[str, object]
    rows: dict[str, int]  # template column -> the row its single value came from
    translation: Mapping[str, str]


class MappingReader:
    """Reads data files with a :class:`ColumnMapping` into ``{kind: [Record]}``, for
    ``table_sources(read=...)``. What the mapping resolved with a warning (conflicts it
    kept the first value of) is in :attr:`notes`, by the file's path."""

    def __init__(self, mapping: ColumnMapping) -> None:
        self.mapping = mapping
        self.notes: dict[Path, list[str]] = {}

    def __call__(self, path: Path) -> dict[str, list[Record]]:
        mapping = self.mapping
        self._check_options(path)
        read = mapping.read
        used = read.lines.get("sheet") or read.lines.get("records")
        options = f" (read: in {used})" if used is not None else ""
        raw = read_records(path, sheet=read.sheet, delimiter=read.delimiter,
                           records=read.records, options=options)
        self._check_columns(raw.label, raw.columns)
        notes = self.notes.setdefault(path, [])
        problems: list[Problem] = []
        groups: dict[tuple[object, ...], _Group] = {}
        for record in raw.records:
            for table in mapping.tables:
                if table.when is not None and not table.when.holds(record.values):
                    continue
                try:
                    values = self._row(table, record)
                except _CellError as error:
                    problems.append(MappedProblem(
                        record.file, error.message, record.row, error.column, error.value,
                        shown=table.translation.get(error.column or "", "")))
                    if len(problems) >= _MAX_DATA_PROBLEMS:
                        raise LoadError(problems) from None
                    continue
                identity, name = self._identity(table, record, values)
                group = groups.get(identity)
                if group is None:
                    groups[identity] = _Group(table.kind, name, record.row, values,
                                              dict.fromkeys(values, record.row),
                                              table.translation)
                else:
                    problems.extend(self._merge(group, table, record, values, notes))
        if problems:
            raise LoadError(problems)
        tables: dict[str, list[Record]] = {kind: [] for kind in mapping.kinds}
        for group in groups.values():
            tables[group.kind].append(Record(raw.label, group.row, group.values,
                                             group.translation))
        return tables

    # -- checks against the file ----------------------------------------------------------
    def _check_options(self, path: Path) -> None:
        read = self.mapping.read
        suffix = path.suffix.lower()
        applies = {"sheet": (".xlsx",), "delimiter": (".csv", ".tsv"),
                   "records": (".json",)}
        what = {"sheet": "XLSX workbooks", "delimiter": "CSV files", "records": "JSON files "
                "(an array of objects at a path)"}
        problems = [
            Problem(str(where), f"read.{name} applies to {what[name]}, not to {path.name}")
            for name, where in read.lines.items() if suffix not in applies[name]
        ]
        if problems:
            raise LoadError(problems)

    def _check_columns(self, label: str, columns: list[str]) -> None:
        present = set(columns)
        listed = ", ".join(repr(c) for c in columns[:60]) + (" ..." if len(columns) > 60
                                                             else "")
        problems = []
        for column, where in self.mapping.uses:
            if column in present:
                continue
            close = difflib.get_close_matches(column, columns, n=1)
            if not close:
                folded = {c.casefold().replace(" ", ""): c for c in columns}
                match = folded.get(column.casefold().replace(" ", ""))
                close = [match] if match else []
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(str(where), f"column {column!r} is not in {label}{hint}; "
                                    f"its columns are: {listed or 'none (no header)'}"))
        if problems:
            raise LoadError(problems)

    # -- one row ----------------------------------------------------------------------------
    def _row(self, table: TableSpec, record: Record) -> dict[str, object]:
        values: dict[str, object] = {}
        for target, spec in table.columns.items():
            found = _apply(spec, record.values)
            if spec.multi:
                values[target] = list(dict.fromkeys(found))  # each value once
            elif len(found) > 1:
                raise _CellError(f"gives {len(found)} values ({', '.join(map(repr, found))}) "
                                 f"but {target!r} takes one", target, None)
            else:
                values[target] = found[0] if found else ""
        if (self.mapping.source is not None and table.kind in _WITH_SOURCE
                and "source" not in table.columns):
            values["source"] = self.mapping.source
            if "source" not in table.translation:
                table.translation["source"] = f"source ({self.mapping.source_where})"
        return values

    def _identity(self, table: TableSpec, record: Record,
                  values: dict[str, object]) -> tuple[tuple[object, ...], str]:
        """Which entity (or link) the row's values are, and how messages name it."""
        if table.key is not None:
            cells = tuple(_normalised(";".join(_parts(record.values.get(c))))
                          for c in table.key)
            shown = ", ".join(";".join(_parts(record.values.get(c))) for c in table.key)
            if any(cells):
                return (table.kind, "key", table.key, cells), f"{table.kind} key {shown!r}"
            return (table.kind, "row", record.row, table.name), f"{table.kind} row"
        if table.kind in _LINKS:
            parts = tuple(_normalised(_text(values.get(c)) or default)
                          for c, default in _LINKS[table.kind])
            if not all(parts[:2]):
                return (table.kind, "row", record.row, table.name), f"{table.kind} row"
            name = " / ".join(_text(values.get(c)) or d for c, d in _LINKS[table.kind])
            return (table.kind, "link", parts), f"{table.kind[:-1]} {name!r}"
        key = _text(values.get("id"))
        if not key:
            return (table.kind, "row", record.row, table.name), f"{table.kind} row"
        return (table.kind, "id", key), f"{_singular(table.kind)} {key!r}"

    def _merge(self, group: _Group, table: TableSpec, record: Record,
               values: dict[str, object], notes: list[str]) -> list[Problem]:
        problems: list[Problem] = []
        if group.translation is not table.translation and not (
                table.translation.keys() <= group.translation.keys()):
            group.translation = {**table.translation, **group.translation}
        for target, value in values.items():
            if isinstance(value, list):
                current = group.values.get(target)
                merged = list(current) if isinstance(current, list) else []
                merged.extend(v for v in value if v not in merged)
                group.values[target] = merged
                continue
            current_text = _text(group.values.get(target))
            if not value or value == current_text:
                continue
            if not current_text:
                group.values[target] = value
                group.rows[target] = record.row
                continue
            first_row = group.rows.get(target, group.row)
            shown = table.translation.get(target, f"column {target!r}")
            if table.on_conflict == "first":
                notes.append(
                    f"{record.file}, row {record.row}: {group.name}: {shown} is {value!r} "
                    f"here but {current_text!r} in row {first_row}; kept {current_text!r} "
                    f"(on_conflict: first, {table.where})")
                continue
            problems.append(MappedProblem(
                record.file,
                f"{group.name} is in rows {first_row} and {record.row} with two values of "
                f"{target!r}: {current_text!r} (row {first_row}) and {value!r} (row "
                f"{record.row}); rows of one {_singular(group.kind)} must agree, or the "
                f"table says `on_conflict: first` ({table.where}) to keep the first",
                record.row, target, value, shown=shown))
        return problems


def slug(text: str) -> str:
    """The ``slug:`` of a value: lower-case ASCII, accents removed, letters such as ``ł``,
    ``ø`` and ``ß`` written ``l``, ``o``, ``ss``, runs of other characters ``-``.

    >>> slug("Przykładowe Narzędzia Sp. z o.o."), slug("Øresund Straße")
    ('przykladowe-narzedzia-sp-z-o-o', 'oresund-strasse')
    """
    return slug_of(text.translate(_LETTERS))


def _singular(kind: str) -> str:
    return {"policies": "policy", "partners": "partnership",
            "memberships": "membership"}.get(kind, kind.removesuffix("s"))


def _text(value: object) -> str:
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else str(value)


def _apply(spec: Spec, cells: Mapping[str, object]) -> list[str]:
    """The template values ``spec`` gives for a row's ``cells``."""
    if spec.when is not None and not spec.when.holds(cells):
        return []
    if spec.form == "value":
        return list(spec.constant)
    if spec.form == "join":
        found = [text for c in spec.columns for text in [";".join(_parts(cells.get(c)))]
                 if text]
        return [spec.separator.join(found)] if found else []
    if spec.form == "slug":
        slugs = [slug(text) for c in spec.columns for text in _parts(cells.get(c))]
        joined = "-".join(s for s in slugs if s)
        return [joined] if joined else []
    if spec.form == "template":
        out = []
        for text, column in spec.pieces:
            if column is None:
                out.append(text)
                continue
            value = ";".join(_parts(cells.get(column)))
            if not value:
                return []
            out.append(value)
        return ["".join(out)]
    return list(_column_values(spec, cells))


def _column_values(spec: Spec, cells: Mapping[str, object]) -> Iterator[str]:
    source = spec.columns[0]
    raw = cells.get(source)
    if isinstance(raw, list):
        parts = _parts(raw)
    else:
        text = str(raw or "").strip()
        separator = spec.split or (MULTI_SEPARATOR if spec.multi else None)
        parts = [p.strip() for p in (text.split(separator) if separator else [text])]
        parts = [p for p in parts if p]
    if not parts:
        yield from spec.default
        return
    for part in parts:
        if spec.value_map is not None:
            found = spec.value_map.lookup(part)
            if found is None:
                words = ", ".join(repr(w) for w in spec.value_map.keys[:30])
                more = " ..." if len(spec.value_map.keys) > 30 else ""
                raise _CellError(
                    f"{part!r} is not in the map {spec.value_map.name!r} "
                    f"({spec.value_map.where}), which has: {words}{more}; add it to the map",
                    spec.target, part)
            yield from found
        elif spec.date is not None:
            yield _date(part, spec.date, spec)
        elif spec.decimal is not None:
            yield _amount(part, spec.decimal, spec)
        else:
            yield part


def _date(text: str, fmt: str, spec: Spec) -> str:
    """``text`` read with the strptime format ``fmt``, as YYYY-MM-DD (YYYY-MM, YYYY when
    the format has no day, no month); a cell already in that form is kept (an XLSX date).

    >>> spec = Spec("start", "column", Where("m.yaml", 3), "")
    >>> _date("03/02/2021", "%d/%m/%Y", spec), _date("02/2021", "%m/%Y", spec)
    ('2021-02-03', '2021-02')
    """
    try:
        parsed = dt.datetime.strptime(text, fmt)
    except ValueError:
        if _ISO_DATE.match(text):
            return text
        raise _CellError(f"not a date written as {fmt!r} (date: in {spec.where})",
                         spec.target, text) from None
    if re.search(r"%[dj]", fmt):
        return parsed.date().isoformat()
    if re.search(r"%[mbB]", fmt):
        return f"{parsed.year:04d}-{parsed.month:02d}"
    return f"{parsed.year:04d}"


def _amount(text: str, mark: str, spec: Spec) -> str:
    """An amount written with ``mark`` before the cents (and the other mark, or spaces,
    between thousands), as digits with '.' before the cents; a euro sign or EUR is dropped.

    >>> spec = Spec("budget", "column", Where("m.yaml", 3), "")
    >>> _amount("1.250.000,50", ",", spec), _amount("€ 980 000", ",", spec)
    ('1250000.50', '980000')
    >>> _amount("1,250,000.5", ".", spec), _amount("2500", ".", spec)
    ('1250000.5', '2500')
    """
    other = "." if mark == "," else ","
    cleaned = re.sub(r"(?i)^(eur|€)|(eur|€)$", "", text.replace("\u00a0", " ").strip())
    cleaned = cleaned.strip().replace(" ", "")
    grouped = rf"[0-9]{{1,3}}(?:\{other}[0-9]{{3}})+"
    match = re.fullmatch(rf"({grouped}|[0-9]+)(?:\{mark}([0-9]+))?", cleaned)
    if match is None:
        raise _CellError(
            f"not an amount written with {mark!r} before the cents and {other!r} (or spaces) "
            f"between thousands (decimal: in {spec.where})", spec.target, text)
    whole = match.group(1).replace(other, "")
    return f"{whole}.{match.group(2)}" if match.group(2) else whole

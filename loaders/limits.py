"""Limits on what a loaded file may hold, so that a small hostile file cannot exhaust the
loader: file size, uncompressed size of an XLSX workbook, columns, value length, JSON
nesting, and XML entity expansion (billion laughs).

The limits are settings (``SMEKG_MAX_INPUT_BYTES``, ``SMEKG_MAX_COLUMNS``,
``SMEKG_MAX_VALUE_CHARS``, ``SMEKG_MAX_JSON_DEPTH``); exceeding one is a :class:`LoadError`
naming the file (and the row, column and start of the value where there is one), and
nothing is written.

Examples
--------
>>> check_xml_entities(b'<!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><r/>', "laughs.rdf")
Traceback (most recent call last):
...
smekg.loaders.errors.LoadError: 1 problem(s):
  - laughs.rdf: refused XML entity declaration <!ENTITY b "&a;&a;"> ...
>>> check_xml_entities(b'<!DOCTYPE r [<!ENTITY owl "http://www.w3.org/2002/07/owl#">]><r/>',
...                    "onto.owl")
>>> file_base_iri(Path("/srv/private/data/my file.ttl"))
'file:///my%20file.ttl'
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from smekg.core.settings import Settings, get_settings
from smekg.loaders.errors import LoadError, Problem

__all__ = [
    "MAX_ENTITY_DECLARATIONS",
    "MAX_ENTITY_EXPANSION",
    "SHOWN_CHARS",
    "InputLimits",
    "check_file_size",
    "check_xlsx_size",
    "check_xml_entities",
    "file_base_iri",
    "json_depth",
    "shown",
]

SHOWN_CHARS = 40
"""How much of an overlong value an error shows."""
MAX_ENTITY_DECLARATIONS = 1000
"""Most entity declarations an RDF/XML file may make."""
MAX_ENTITY_EXPANSION = 16
"""Entity references may make an RDF/XML document at most this many times its size."""

# A plain internal general entity: a name and a quoted text holding no reference ("&"),
# no parameter entity ("%") and no markup. Parameter, external (SYSTEM, PUBLIC) and nested
# entities are refused: nesting is what makes "billion laughs" expand exponentially.
_PLAIN_ENTITY = re.compile(
    rb"<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:\"([^\"&%<]*)\"|'([^'&%<]*)')\s*>"
)


@dataclass(frozen=True)
class InputLimits:
    """The limits one load applies (default: from the settings)."""

    value_chars: int
    columns: int
    file_bytes: int
    json_depth: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> InputLimits:
        settings = settings or get_settings()
        return cls(settings.max_value_chars, settings.max_columns, settings.max_input_bytes,
                   settings.max_json_depth)


def shown(value: str) -> str:
    """The start of an overlong value, for an error message."""
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "..."


def check_file_size(path: Path, limits: InputLimits) -> None:
    """Refuse a file larger than ``limits.file_bytes`` before reading it."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise LoadError([Problem(
            str(path), f"the file has {size:,} bytes; the limit is {limits.file_bytes:,} "
            "(SMEKG_MAX_INPUT_BYTES)")])


def check_xlsx_size(path: Path, label: str, limits: InputLimits) -> None:
    """Refuse an XLSX workbook whose parts uncompress to more than ``limits.file_bytes``
    (a zip bomb), from the sizes its zip directory declares (Python's zipfile never
    uncompresses more than the declared size of a part)."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise LoadError([Problem(label, f"not a readable XLSX workbook: {error}")]) from error
    if total > limits.file_bytes:
        raise LoadError([Problem(
            label, f"the workbook uncompresses to {total:,} bytes; the limit is "
            f"{limits.file_bytes:,} (SMEKG_MAX_INPUT_BYTES)")])


def check_xml_entities(data: bytes, label: str, limit_bytes: int | None = None) -> None:
    """Refuse XML whose entity declarations could expand without bound.

    Plain text entities (``<!ENTITY owl "http://www.w3.org/2002/07/owl#">``, as ontology
    editors write) are allowed as long as their references expand the document to at most
    :data:`MAX_ENTITY_EXPANSION` times its size (and ``limit_bytes``); parameter, external
    and nested entities are refused, as are more than :data:`MAX_ENTITY_DECLARATIONS`.
    """
    if b"<!ENTITY" not in data:
        return
    budget = MAX_ENTITY_EXPANSION * len(data)
    if limit_bytes is not None:
        budget = min(budget, limit_bytes)
    declarations = 0
    expanded = len(data)
    start = data.find(b"<!ENTITY")
    while start != -1:
        declarations += 1
        match = _PLAIN_ENTITY.match(data, start)
        if match is None:
            end = data.find(b">", start)
            text = data[start:end + 1 if end != -1 else start + 80][:80].decode("utf-8",
                                                                               "replace")
            raise LoadError([Problem(
                label, f"refused XML entity declaration {text} (only plain text entities are "
                "allowed: parameter, external and nested entities can expand without bound)")])
        if declarations > MAX_ENTITY_DECLARATIONS:
            raise LoadError([Problem(
                label, f"refused: more than {MAX_ENTITY_DECLARATIONS} XML entity declarations")])
        name, value = match.group(1), match.group(2) or match.group(3) or b""
        expanded += data.count(b"&" + name + b";") * len(value)
        if expanded > budget:
            raise LoadError([Problem(
                label, f"refused: XML entity references expand the document past "
                f"{budget:,} bytes")])
        start = data.find(b"<!ENTITY", match.end())


def file_base_iri(path: Path) -> str:
    """The base IRI relative IRIs in an RDF file resolve against: its name only, so that
    the loaded IRIs never tell where the file lay on this machine."""
    return "file:///" + quote(path.name)


def json_depth(value: object) -> int:
    """Nesting depth of parsed JSON (a scalar: 0, ``[]``: 1, ``[{}]``: 2), iteratively.

    >>> json_depth([{"a": [1, 2]}]), json_depth("x")
    (3, 0)
    """
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest

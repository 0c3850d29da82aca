"""Stable IRIs, minted from official codes and source keys.

Reloading a source mints the same IRIs, so loads never duplicate entities.
NUTS and NACE use the official EU IRIs so that the graph joins with EU open data.

Examples
--------
>>> iris = Minter("https://w3id.org/smekg/id/")
>>> iris.country("IT")
'https://w3id.org/smekg/id/country/IT'
>>> nuts_region("ITH5")
'http://data.europa.eu/nuts/code/ITH5'
>>> nace_sector("2.1", "25.11")
'http://data.europa.eu/ux2/nace2.1/2511'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from smekg.ontology import NACE2, NACE21, NUTS, NUTS_SCHEME

NUTS_VERSION = "2024"
NUTS_SCHEME_IRI = str(NUTS_SCHEME[NUTS_VERSION])
NACE_SCHEME_IRIS = {
    "2": str(NACE2["nace2"]),
    "2.1": str(NACE21["nace2.1"]),
}
WORLD_M49 = "001"

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


def slug(text: str) -> str:
    """Lower-case ASCII slug of ``text`` (accents removed, runs of other characters -> '-').

    >>> slug("Emilia-Romagna Go Global (ERGO) 2016 – 2020")
    'emilia-romagna-go-global-ergo-2016-2020'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` can be used as it is in an IRI path segment."""
    return bool(_KEY_RE.match(key))


def nuts_region(code: str) -> str:
    """Official EU IRI of a NUTS region."""
    return str(NUTS[code])


def nace_sector(version: str, code: str) -> str:
    """Official EU Vocabularies IRI of a NACE code (dots stripped: ``25.11`` -> ``2511``)."""
    namespace = {"2": NACE2, "2.1": NACE21}[version]
    return str(namespace[code.replace(".", "")])


@dataclass(frozen=True)
class Minter:
    """Mints instance IRIs under a base IRI."""

    base: str

    def _under(self, *parts: str) -> str:
        return self.base + "/".join(parts)

    def country(self, alpha2: str) -> str:
        return self._under("country", alpha2.upper())

    def area(self, m49_code: str) -> str:
        """A UN M49 area: the world (``001``) or a continent (``002`` Africa, ...)."""
        return self._under("area", m49_code)

    def subdivision(self, code: str) -> str:
        return self._under("subdivision", code.upper())

    def organisation(self, key: str) -> str:
        return self._under("organisation", key)

    def membership(self, network_key: str, member_key: str, role: str) -> str:
        return self._under("membership", network_key, member_key, role)

    def project(self, key: str) -> str:
        return self._under("project", key)

    def partnership(self, project_key: str, partner_key: str, role: str) -> str:
        return self._under("partnership", project_key, partner_key, role)

    def programme(self, key: str) -> str:
        return self._under("programme", key)

    def good_practice(self, key: str) -> str:
        return self._under("good-practice", key)

    def policy(self, key: str) -> str:
        return self._under("policy", key)

    def publication(self, key: str) -> str:
        return self._under("publication", key)

    def event(self, key: str) -> str:
        return self._under("event", key)

    def address(self, owner_key: str) -> str:
        return self._under("address", owner_key)

    def source_document(self, key: str) -> str:
        return self._under("source", key)

    def graph(self, source_id: str) -> str:
        return self._under("graph", source_id)

    def scheme(self, key: str) -> str:
        return self._under("scheme", key)

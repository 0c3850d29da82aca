"""Synthetic SME support ecosystems, written in the loaders' own table formats.

:func:`generate` writes ``documents.csv``, ``organisations.csv``, ``memberships.csv``,
``policies.csv`` and ``programmes.csv`` (the column schemas of
:data:`smekg.loaders.entities.SCHEMAS`) so that ``smekg load-file DIR/*.csv`` loads them
into a store holding the reference data.
The data are invented and say so: every name starts with "Synthetic", every row cites the
one synthetic source document of ``documents.csv``, and websites are under ``example.org``.

The shape imitates the real thing:

* **codes are real**: NUTS 2024 codes (levels 1-3) of the bundled NUTS regions of the 34
  countries with postcode data (EU-27, EFTA, MK, RS, TR; as in earlier versions), ISO
  3166-2 subdivisions (pycountry) outside them, ISO 3166-1 countries,
  continents and ``world``; NACE Rev. 2.1 codes of all four levels in canonical spelling
  (``C``, ``25``, ``25.1``, ``25.11``); themes, services, roles and organisation types of
  the ontology's SKOS schemes;
* **geography is skewed** (Zipf): countries ranked EU first (:data:`COUNTRY_RANKING`), then
  the rest of Europe, then the world; inside a country the regions are ranked in a
  seed-dependent order, so each dataset has its own hot spots. Local bodies sit in a NUTS-3
  region (or an ISO 3166-2 subdivision), regional ones in a NUTS-2 region, national ones in a
  country, international ones cover continents or the world;
* **sectors are skewed**: :data:`NO_SECTOR_SHARE` of the organisations name none (all
  sectors), the others 1-3 codes at mixed levels (:data:`SECTOR_LEVEL_WEIGHTS`), popular
  sections (:data:`SECTION_RANKING`) and their first divisions far more often;
* **networks of networks**: :data:`NETWORK_SHARE` of the organisations are networks, in
  tiers (1 + floor(log3 of the network count), at most :data:`MAX_TIERS`) whose sizes shrink
  threefold: tier-0 networks are regional, the middle tiers national and continental, the
  top tiers worldwide. A network joins one or two networks of higher tiers (same country or
  continent preferred), and every network above tier 0 has a member network of the tier just
  below, so the membership chains are exactly as deep as the tiers (see
  :attr:`GenerationSummary.network_depth`). Memberships only point upwards in tier, so the
  membership graph has **no cycles**: the loader would accept them (it refuses only
  self-membership) and the coverage walk tolerates them, but a network being a member of its
  own member is not what "network of networks" means;
* memberships have roles (chair, secretariat, founding-member, observer, coordinator,
  member) and periods (``since``, sometimes ``until``); some continental and worldwide
  networks have countries as members (``member_kind=country``). Each (network, member) pair
  occurs once: the loader mints a membership's IRI from network, member and role;
* policies (~1 per 100 organisations; strategies, charters and publications among them) and
  programmes, projects and good practices (~1 per 10 organisations) with managers, regions,
  sectors, themes, services, implemented policies and the publications featuring them.

Output is deterministic: the same ``orgs`` and ``seed`` give byte-identical files (one
:class:`random.Random`, no iteration over sets), another seed gives other files. Rows are
written as they are made; only a small skeleton per organisation is kept in memory.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as out:
...     summary = generate(Path(out), orgs=200, seed=1)
>>> summary.rows["organisations.csv"], summary.rows["programmes.csv"]
(200, 20)
"""

from __future__ import annotations

import bisect
import csv
import random
import re
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Generic, TextIO, TypeVar

import pycountry

from smekg.loaders.entities import SCHEMAS
from smekg.reference.countries import country_data
from smekg.reference.regions import PostcodeResolver, bundled_nuts_codes, iso_to_nuts_country
from smekg.reference.sectors import nace21_codes

__all__ = [
    "COUNTRY_RANKING",
    "FILES",
    "MAX_TIERS",
    "NETWORK_SHARE",
    "NO_SECTOR_SHARE",
    "ORGANISATION_TYPE_WEIGHTS",
    "PROGRAMME_SHARE",
    "GenerationSummary",
    "generate",
    "source_id",
]

# -- shape parameters --------------------------------------------------------------------------

CURRENT_YEAR = 2025
"""Latest year written (memberships' ``since``/``until``, founding years)."""

NETWORK_SHARE = 0.04
"""Share of the organisations that are networks."""

MAX_TIERS = 7
"""Most network tiers (levels of networks of networks)."""

PROGRAMME_SHARE = 0.10
"""Programmes, projects and good practices per organisation."""

POLICY_SHARE = 0.01
"""Policies and publications per organisation (at least :data:`MIN_POLICIES`)."""

MIN_POLICIES = 3

NO_SECTOR_SHARE = 0.45
"""Share of organisations naming no sector (= all sectors)."""

PROGRAMME_NO_SECTOR_SHARE = 0.5
"""Share of programmes naming no sector."""

SECTOR_COUNT_WEIGHTS = {1: 0.55, 2: 0.30, 3: 0.15}
"""How many NACE codes an organisation that names sectors names."""

SECTOR_LEVEL_WEIGHTS = {1: 0.35, 2: 0.35, 3: 0.18, 4: 0.12}
"""NACE level of each code named: section, division, group, class."""

SECTION_RANKING = (
    "C", "K", "N", "G", "A", "F", "I", "R", "H", "Q", "J",
    "D", "E", "L", "M", "O", "S", "B", "T", "P", "U", "V",
)  # fmt: skip
"""NACE Rev. 2.1 sections, most popular first (Zipf weights by rank)."""

ORGANISATION_TYPE_WEIGHTS = {
    "agency": 0.16,
    "association": 0.16,
    "chamber": 0.14,
    "research-institute": 0.12,
    "intermediary": 0.12,
    "government-body": 0.10,
    "technology-transfer-intermediary": 0.10,
    "ngo": 0.08,
    "international-organisation": 0.02,
}
"""Primary type of the organisations that are not networks."""

SECOND_TYPES = {
    "agency": ("technology-transfer-intermediary", "government-body"),
    "association": ("intermediary", "ngo"),
    "chamber": ("association", "intermediary"),
    "research-institute": ("technology-transfer-intermediary",),
    "intermediary": ("technology-transfer-intermediary", "association"),
    "government-body": ("agency",),
    "technology-transfer-intermediary": ("research-institute", "intermediary"),
    "ngo": ("association",),
    "international-organisation": ("association",),
}
SECOND_TYPE_SHARE = 0.15
"""Share of organisations with a second type (networks: ``association`` at 40 %)."""

SCOPE_WEIGHTS = {
    "agency": {"local": 0.30, "regional": 0.35, "national": 0.30, "continental": 0.05},
    "association": {"local": 0.25, "regional": 0.30, "national": 0.35, "continental": 0.10},
    "chamber": {"local": 0.55, "regional": 0.25, "national": 0.17, "continental": 0.03},
    "research-institute": {"local": 0.30, "regional": 0.35, "national": 0.30, "world": 0.05},
    "intermediary": {"local": 0.40, "regional": 0.35, "national": 0.20, "continental": 0.05},
    "government-body": {"local": 0.25, "regional": 0.35, "national": 0.38, "continental": 0.02},
    "technology-transfer-intermediary": {
        "local": 0.35,
        "regional": 0.40,
        "national": 0.20,
        "continental": 0.05,
    },
    "ngo": {"local": 0.30, "regional": 0.25, "national": 0.30, "continental": 0.10, "world": 0.05},
    "international-organisation": {"national": 0.05, "continental": 0.45, "world": 0.50},
}
"""Geographic scope by primary type: where a body sits and what it covers."""

MEMBERSHIP_COUNT_WEIGHTS = {0: 0.30, 1: 0.38, 2: 0.18, 3: 0.09, 4: 0.05}
"""How many networks an organisation (not a network) joins."""

COUNTRY_MEMBER_SHARE = 0.3
"""Share of continental and worldwide networks with countries as members."""

THEMES = (
    "innovation", "internationalisation", "entrepreneurship", "sme-competitiveness",
    "digitalisation", "technology-transfer", "sme-policy", "globalisation",
)  # fmt: skip
"""smekg:Themes notations, most popular first."""

SERVICES = (
    "information", "partnering", "training", "internationalisation",
    "innovation-technology-transfer", "finance", "technical-assistance", "capacity-building",
)  # fmt: skip
"""smekg:ServiceTypes notations, most popular first."""

TYPE_LABELS = {
    "agency": "Agency",
    "association": "Association",
    "chamber": "Chamber",
    "research-institute": "Research Institute",
    "intermediary": "Intermediary",
    "government-body": "Government Body",
    "technology-transfer-intermediary": "Technology Transfer Intermediary",
    "ngo": "NGO",
    "international-organisation": "International Organisation",
    "network": "Network",
}

COUNTRY_RANKING = (
    # EU
    "DE", "IT", "FR", "ES", "PL", "NL", "BE", "AT", "SE", "PT", "CZ", "RO", "GR", "HU",
    "FI", "DK", "IE", "SK", "BG", "HR", "SI", "LT", "LV", "EE", "CY", "LU", "MT",
    # rest of Europe
    "CH", "NO", "TR", "GB", "RS", "UA", "MK", "IS", "AL", "BA", "ME", "MD", "LI",
    # the world
    "US", "CN", "JP", "IN", "BR", "CA", "KR", "AU", "MX", "ZA", "IL", "SG", "AR", "CL",
    "CO", "EG", "NG", "KE", "MA", "TN", "TH", "MY", "ID", "VN", "PH", "NZ", "SA", "AE",
)  # fmt: skip
"""Countries most likely first (Zipf weights by rank); every other ISO 3166-1 country
follows in code order (those of country_converter's "Antarctica" continent are left out)."""

COUNTRY_ZIPF_EXPONENT = 1.1
"""Zipf exponent over :data:`COUNTRY_RANKING`: about 70 % of the organisations are in the
EU, 16 % in countries ranked below 70."""

EU_COUNTRIES = frozenset(COUNTRY_RANKING[:27])

CONTINENT_NAMES = {
    "Africa": "Africa",
    "America": "Americas",
    "Asia": "Asia",
    "Europe": "Europe",
    "Oceania": "Oceania",
}
"""country_converter continent -> the name written in ``covers_regions``."""

PROGRAMME_KIND_WEIGHTS = {"programme": 0.55, "good_practice": 0.30, "project": 0.15}
POLICY_KIND_WEIGHTS = {"policy": 0.45, "strategy": 0.25, "publication": 0.25, "charter": 0.05}
MANAGER_TYPES = frozenset(
    {"agency", "government-body", "chamber", "technology-transfer-intermediary", "intermediary"}
)
ISSUER_TYPES = frozenset({"government-body", "international-organisation", "agency"})

FILES = (
    "documents.csv",
    "organisations.csv",
    "policies.csv",
    "programmes.csv",
    "memberships.csv",
)
"""The files written, in the order they are written."""

_SUBDIVISION_CODE = re.compile(r"^[A-Z]{2}-[0-9A-Z]{1,3}$")


def source_id(orgs: int, seed: int) -> str:
    """The id of the synthetic source document that every generated row cites.

    Examples
    --------
    >>> source_id(10_000, 42)
    'synthetic-smekg-10000-s42'
    """
    return f"synthetic-smekg-{orgs}-s{seed}"


# -- result ------------------------------------------------------------------------------------


@dataclass
class GenerationSummary:
    """What :func:`generate` wrote.

    Attributes
    ----------
    out
        The output directory.
    orgs, seed
        The parameters.
    rows
        Data rows per file name.
    bytes
        Size per file name.
    networks
        Organisations that are networks.
    tiers
        Network tiers made.
    network_depth
        Longest chain of networks in networks, counting the networks (a network with no
        network among its members has depth 1).
    country_memberships
        Membership rows whose member is a country.
    seconds
        Wall time.
    """

    out: Path
    orgs: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    networks: int = 0
    tiers: int = 0
    network_depth: int = 0
    country_memberships: int = 0
    seconds: float = 0.0


# -- reference data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geo:
    """The reference codes the generator draws from (the same for every seed)."""

    countries: tuple[str, ...]  # ranked, most likely first
    continent: dict[str, str]  # alpha-2 -> continent name as written
    nuts3: dict[str, tuple[str, ...]]  # alpha-2 -> NUTS-3 codes, sorted
    subdivisions: dict[str, tuple[str, ...]]  # alpha-2 -> ISO 3166-2 codes, sorted
    top_subdivisions: dict[str, tuple[str, ...]]  # alpha-2 -> top-level ISO 3166-2 codes


@cache
def _geo() -> _Geo:
    data = country_data()
    continent = {
        code: CONTINENT_NAMES[row.continent]
        for code, row in data.items()
        if row.continent in CONTINENT_NAMES
    }
    ranked = [code for code in COUNTRY_RANKING if code in continent]
    ranked_set = set(ranked)
    ranked += sorted(code for code in continent if code not in ranked_set)
    nuts3: dict[str, list[str]] = {}
    nuts_countries = {iso_to_nuts_country(code): code for code in ranked}
    with_postcodes = set(PostcodeResolver.countries())
    for code in bundled_nuts_codes("2024"):  # the current regions, not those of 2021
        if len(code) == 5 and code[:2] in nuts_countries and code[:2] in with_postcodes:
            nuts3.setdefault(nuts_countries[code[:2]], []).append(code)
    subdivisions: dict[str, list[str]] = {}
    top: dict[str, list[str]] = {}
    for sub in pycountry.subdivisions:
        code = sub.code
        if sub.country_code in nuts3 or not _SUBDIVISION_CODE.match(code):
            continue
        subdivisions.setdefault(sub.country_code, []).append(code)
        if sub.parent_code is None:
            top.setdefault(sub.country_code, []).append(code)
    return _Geo(
        countries=tuple(ranked),
        continent=continent,
        nuts3={k: tuple(sorted(v)) for k, v in sorted(nuts3.items())},
        subdivisions={k: tuple(sorted(v)) for k, v in sorted(subdivisions.items())},
        top_subdivisions={k: tuple(sorted(v)) for k, v in sorted(top.items())},
    )


@dataclass(frozen=True)
class _Nace:
    sections: tuple[str, ...]  # ranked
    children: dict[str, tuple[str, ...]]  # code -> child codes, sorted


@cache
def _nace() -> _Nace:
    children: dict[str, list[str]] = {}
    for item in nace21_codes():
        if item.parent is not None:
            children.setdefault(item.parent, []).append(item.code)
    return _Nace(SECTION_RANKING, {k: tuple(sorted(v)) for k, v in sorted(children.items())})


# -- sampling ----------------------------------------------------------------------------------


_T = TypeVar("_T")


class _Zipf(Generic[_T]):
    """Draws items with weights ``1 / rank**exponent`` (rank 1 = the first item)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items: Sequence[_T], exponent: float = 1.0) -> None:
        self.items = tuple(items)
        if not self.items:
            raise ValueError("nothing to draw from")
        cum: list[float] = []
        total = 0.0
        for rank in range(1, len(self.items) + 1):
            total += rank**-exponent
            cum.append(total)
        self.cum = cum
        self.total = total

    def pick(self, rng: random.Random) -> _T:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]

    def distinct(self, rng: random.Random, k: int) -> list[_T]:
        """Up to ``k`` distinct items (fewer if the draws keep repeating)."""
        k = min(k, len(self.items))
        out: list[_T] = []
        for _ in range(k * 20):
            item = self.pick(rng)
            if item not in out:
                out.append(item)
                if len(out) == k:
                    break
        return out


class _Weighted(_Zipf[_T]):
    """Draws the keys of ``weights`` (in their order) by their weights."""

    def __init__(self, weights: dict[_T, float]) -> None:
        self.items = tuple(weights)
        cum: list[float] = []
        total = 0.0
        for value in weights.values():
            total += value
            cum.append(total)
        self.cum = cum
        self.total = total


# -- the generator -----------------------------------------------------------------------------


class _Generator:
    def __init__(self, orgs: int, seed: int) -> None:
        self.n = orgs
        self.seed = seed
        self.rng = random.Random(seed)
        self.width = max(5, len(str(orgs)))
        self.source = source_id(orgs, seed)
        self.geo = _geo()
        self.country_zipf = _Zipf(self.geo.countries, COUNTRY_ZIPF_EXPONENT)
        self._pools: dict[Hashable, _Zipf[int] | None] = {}  # networks
        self._country_pools: dict[str, _Zipf[str]] = {}  # by continent
        self._region_zipf: dict[str, _Zipf[str] | None] = {}
        # per organisation (index 0 .. n-1)
        self.type: list[str] = []
        self.second_type: list[str] = []
        self.scope: list[str] = []
        self.country: list[str] = []  # home (HQ) country, always set
        self.region: list[str] = []  # NUTS-3/NUTS-2/ISO 3166-2 code or ""
        self.founded: list[int] = []
        self.tier: list[int] = []  # -1: not a network
        # networks
        self.tiers: list[list[int]] = []
        self.members: dict[int, list[int]] = {}  # network -> organisation members
        self.country_members: dict[int, list[str]] = {}
        self._pairs: set[int] = set()

    # -- pools of networks, drawn Zipf-wise in a fixed order -----------------------------------
    def _pool(self, key: Hashable, make: Callable[[], list[int]]) -> _Zipf[int] | None:
        if key not in self._pools:
            items = make()
            self._pools[key] = _Zipf(items) if items else None
        return self._pools[key]

    def _tier_pool(
        self, tier: int, country: str = "", continent: str = ""
    ) -> _Zipf[int] | None:
        def make() -> list[int]:
            return [
                n
                for n in self.tiers[tier]
                if (not country or self.country[n] == country)
                and (not continent or self.geo.continent[self.country[n]] == continent)
            ]

        return self._pool(("tier", tier, country, continent), make)

    def _network_pool(
        self, country: str = "", continent: str = "", top: bool = False
    ) -> _Zipf[int] | None:
        """Networks (low tiers first; ``top``: continental and worldwide ones, top first)."""

        def make() -> list[int]:
            order = reversed(self.tiers) if top else self.tiers
            return [
                n
                for tier in order
                for n in tier
                if (not country or self.country[n] == country)
                and (not continent or self.geo.continent[self.country[n]] == continent)
                and (not top or self.scope[n] in {"continental", "world"})
            ]

        return self._pool(("net", country, continent, top), make)

    def _add_member(self, network: int, member: int) -> bool:
        key = network * self.n + member
        if network == member or key in self._pairs:
            return False
        self._pairs.add(key)
        self.members[network].append(member)
        return True

    # -- phase 1: skeleton ---------------------------------------------------------------------
    def skeleton(self) -> None:
        rng = self.rng
        n_networks = min(max(3, round(self.n * NETWORK_SHARE)), self.n // 3)
        tiers = 1
        while 3**tiers <= n_networks and tiers < MAX_TIERS:
            tiers += 1
        raw = [3 ** (tiers - 1 - t) for t in range(tiers)]
        sizes = [max(1, round(n_networks * r / sum(raw))) for r in raw]
        sizes[0] = n_networks - sum(sizes[1:])
        network_ids = rng.sample(range(self.n), n_networks)
        tier_of: dict[int, int] = {}
        start = 0
        for t, size in enumerate(sizes):
            chosen = network_ids[start : start + size]
            start += size
            self.tiers.append(sorted(chosen))
            for n in chosen:
                tier_of[n] = t
        type_draw = _Weighted(ORGANISATION_TYPE_WEIGHTS)
        scope_draws = {kind: _Weighted(w) for kind, w in SCOPE_WEIGHTS.items()}
        for i in range(self.n):
            tier = tier_of.get(i, -1)
            if tier >= 0:
                kind = "network"
                position = tier / (tiers - 1) if tiers > 1 else 0.0
                scope = (
                    "regional"
                    if position < 0.2
                    else "national"
                    if position < 0.5
                    else "continental"
                    if position < 0.8
                    else "world"
                )
                second = "association" if rng.random() < 0.4 else ""
                founded = CURRENT_YEAR - 1 - min(60, int(rng.expovariate(1 / 18)))
            else:
                kind = type_draw.pick(rng)
                scope = scope_draws[kind].pick(rng)
                second = rng.choice(SECOND_TYPES[kind]) if rng.random() < SECOND_TYPE_SHARE else ""
                founded = CURRENT_YEAR - 1 - min(150, int(rng.expovariate(1 / 30)))
            country = self.country_zipf.pick(rng)
            region = self._home_region(country, scope)
            if scope in {"local", "regional"} and not region:
                scope = "national"
            self.type.append(kind)
            self.second_type.append(second)
            self.scope.append(scope)
            self.country.append(country)
            self.region.append(region)
            self.founded.append(founded)
            self.tier.append(tier)
        for networks in self.tiers:
            for n in networks:
                self.members[n] = []
                self.country_members[n] = []

    def _regions_of(self, country: str) -> _Zipf[str] | None:
        """NUTS-3 regions (or ISO 3166-2 subdivisions) of a country, in a seed-dependent
        Zipf order."""
        if country not in self._region_zipf:
            codes = list(self.geo.nuts3.get(country) or self.geo.subdivisions.get(country, ()))
            if not codes:
                self._region_zipf[country] = None
            else:
                random.Random(f"{self.seed}:{country}").shuffle(codes)
                self._region_zipf[country] = _Zipf(codes, 0.9)
        return self._region_zipf[country]

    def _home_region(self, country: str, scope: str) -> str:
        if scope not in {"local", "regional"}:
            return ""
        regions = self._regions_of(country)
        if regions is None:
            return ""
        code = regions.pick(self.rng)
        if scope == "local":
            return code
        if country in self.geo.nuts3:
            return code[:4]
        top = self.geo.top_subdivisions.get(country, ())
        if code in top or not top:
            return code
        return self.rng.choice(top)

    # -- phase 2: memberships ------------------------------------------------------------------
    def memberships(self) -> None:
        rng = self.rng
        last = len(self.tiers) - 1
        # networks in networks: always upwards in tier, so there are no cycles
        for t in range(last):
            for n in self.tiers[t]:
                self._add_member(self._parent(n, t + 1), n)
                if rng.random() < 0.3:
                    self._add_member(self._parent(n, rng.randint(t + 1, last)), n)
            # every network of tier t+1 has a member network of tier t
            for parent in self.tiers[t + 1]:
                if not any(self.tier[m] == t for m in self.members[parent]):
                    for _ in range(10):
                        if self._add_member(parent, self._child(parent, t)):
                            break
        # organisations in networks
        count_draw = _Weighted(MEMBERSHIP_COUNT_WEIGHTS)
        for i in range(self.n):
            if self.tier[i] >= 0:
                continue
            count = count_draw.pick(rng) + (self.type[i] == "international-organisation")
            for _ in range(count):
                pool = self._membership_pool(i)
                if pool is not None:
                    self._add_member(pool.pick(rng), i)
        # at least two members each
        for tier in self.tiers:
            for n in tier:
                for _ in range(20):
                    if len(self.members[n]) >= 2:
                        break
                    self._add_member(n, self._some_organisation(self.country[n]))
        # countries as members of some continental and worldwide networks
        for tier in self.tiers:
            for n in tier:
                if self.scope[n] in {"continental", "world"} and rng.random() < (
                    COUNTRY_MEMBER_SHARE
                ):
                    continent = self.geo.continent[self.country[n]]
                    countries = (
                        self._countries_of(continent)
                        if self.scope[n] == "continental"
                        else self.country_zipf
                    )
                    self.country_members[n] = countries.distinct(rng, rng.randint(5, 40))

    def _parent(self, network: int, tier: int) -> int:
        country = self.country[network]
        continent = self.geo.continent[country]
        r = self.rng.random()
        for pool, threshold in (
            (self._tier_pool(tier, country=country), 0.75),
            (self._tier_pool(tier, continent=continent), 0.9),
        ):
            if pool is not None and r < threshold:
                return pool.pick(self.rng)
        pool = self._tier_pool(tier)
        assert pool is not None
        return pool.pick(self.rng)

    def _child(self, parent: int, tier: int) -> int:
        country = self.country[parent]
        continent = self.geo.continent[country]
        for pool in (
            self._tier_pool(tier, country=country) if self.scope[parent] != "world" else None,
            self._tier_pool(tier, continent=continent) if self.scope[parent] != "world" else None,
            self._tier_pool(tier),
        ):
            if pool is not None:
                return pool.pick(self.rng)
        raise AssertionError("empty tier")

    def _membership_pool(self, i: int) -> _Zipf[int] | None:
        country = self.country[i]
        continent = self.geo.continent[country]
        if self.scope[i] in {"continental", "world"}:
            return self._network_pool(top=True) or self._network_pool()
        r = self.rng.random()
        if r < 0.65:
            pool = self._network_pool(country=country)
            if pool is not None:
                return pool
        if r < 0.85:
            pool = self._network_pool(continent=continent)
            if pool is not None:
                return pool
        return self._network_pool()

    def _some_organisation(self, country: str) -> int:
        """An organisation that is not a network (so adding it as a member cannot make a
        cycle), preferably of ``country``."""
        for attempt in range(200):
            i = self.rng.randrange(self.n)
            if self.tier[i] >= 0:
                continue
            if self.country[i] == country or attempt >= 50 or self.rng.random() < 0.05:
                return i
        return next(i for i in range(self.n) if self.tier[i] < 0)

    def _countries_of(self, continent: str) -> _Zipf[str]:
        """The countries of a continent, ranked as :data:`COUNTRY_RANKING`."""
        pool = self._country_pools.get(continent)
        if pool is None:
            pool = self._country_pools[continent] = _Zipf(
                [c for c in self.geo.countries if self.geo.continent[c] == continent]
            )
        return pool

    def depth(self) -> int:
        """Longest chain of networks in networks (counting networks)."""
        depth: dict[int, int] = {}
        for tier in self.tiers:
            for n in tier:
                below = [depth[m] for m in self.members[n] if m in depth]
                depth[n] = 1 + max(below, default=0)
        return max(depth.values(), default=0)

    # -- phase 3: rows -------------------------------------------------------------------------
    def org_id(self, i: int) -> str:
        return f"syn-org-{i:0{self.width}d}"

    def _place(self, i: int) -> str:
        scope = self.scope[i]
        if self.region[i]:
            return self.region[i]
        if scope == "national":
            return self.country[i]
        if scope == "continental":
            return self.geo.continent[self.country[i]]
        return "World"

    def covers_regions(self, i: int) -> list[str]:
        rng = self.rng
        scope, country, region = self.scope[i], self.country[i], self.region[i]
        in_nuts = country in self.geo.nuts3
        if scope == "local":
            if in_nuts and rng.random() < 0.3:
                return [region[:4]]
            return [region]
        if scope == "regional":
            r = rng.random()
            if in_nuts and r < 0.25:
                return [region[:3]]
            if r < 0.4:
                regions = self._regions_of(country)
                assert regions is not None
                other = regions.pick(rng)
                other = other[:4] if in_nuts else other
                return [region] if other == region else [region, other]
            return [region]
        continent = self.geo.continent[country]
        if scope == "national":
            if rng.random() < 0.1:
                return [country, *self._countries_of(continent).distinct(rng, rng.randint(1, 2))]
            return [country]
        if scope == "continental":
            if rng.random() < 0.6:
                return [continent]
            return self._countries_of(continent).distinct(rng, rng.randint(3, 10))
        if rng.random() < 0.7:
            return ["world"]
        names = sorted(set(CONTINENT_NAMES.values()))
        return rng.sample(names, rng.randint(2, 3))

    def sectors(self, none_share: float) -> list[str]:
        rng = self.rng
        if rng.random() < none_share:
            return []
        out: list[str] = []
        for _ in range(_SECTOR_COUNTS.pick(rng)):
            code = _SECTIONS.pick(rng)
            for _ in range(_SECTOR_LEVELS.pick(rng) - 1):
                code = _child_zipf(code).pick(rng)
            if code not in out:
                out.append(code)
        return out

    def organisation_rows(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        services = _Zipf(SERVICES)
        for i in range(self.n):
            kind = self.type[i]
            types = [kind, self.second_type[i]] if self.second_type[i] else [kind]
            row = {
                "id": self.org_id(i),
                "name": f"Synthetic {TYPE_LABELS[kind]} {i:0{self.width}d} ({self._place(i)})",
                "types": ";".join(types),
                "region": self.region[i],
                "founded": str(self.founded[i]),
                "description": f"Synthetic {self.scope[i]} {kind} generated by smekg generate; "
                "not a real organisation.",
                "services": ";".join(services.distinct(rng, rng.randint(0, 3))),
                "covers_regions": ";".join(self.covers_regions(i)),
                "covers_sectors": ";".join(self.sectors(NO_SECTOR_SHARE)),
                "themes": ";".join(_THEMES.distinct(rng, rng.randint(1, 3))),
                "source": self.source,
            }
            if not (self.scope[i] in {"continental", "world"} and rng.random() < 0.5):
                row["country"] = self.country[i]
            if rng.random() < 0.5:
                row["website"] = f"https://example.org/smekg-synthetic/{row['id']}"
            if kind == "network":
                members = self.members[i]
                countries = {self.country[m] for m in members}
                countries.update(self.country_members[i])
                row["stated_members"] = str(len(members) + len(self.country_members[i]))
                row["stated_countries"] = str(len(countries))
                row["stated_continents"] = str(len({self.geo.continent[c] for c in countries}))
                row["stated_networks"] = str(sum(self.tier[m] >= 0 for m in members))
            yield row

    def membership_rows(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        roles = _Weighted(
            {"member": 0.80, "founding-member": 0.10, "observer": 0.07, "coordinator": 0.03}
        )
        for tier in self.tiers:
            for n in tier:
                members = self.members[n]
                chair = rng.randrange(len(members)) if members and rng.random() < 0.7 else -1
                secretariat = rng.randrange(len(members)) if rng.random() < 0.5 else -1
                for position, m in enumerate(members):
                    if position == chair:
                        role = "chair"
                    elif position == secretariat:
                        role = "secretariat"
                    else:
                        role = roles.pick(rng)
                    yield self._membership(n, self.org_id(m), "", role, self.founded[m])
                for code in self.country_members[n]:
                    role = "observer" if rng.random() < 0.1 else "member"
                    yield self._membership(n, code, "country", role, 0)

    def _membership(
        self, network: int, member: str, kind: str, role: str, member_founded: int
    ) -> dict[str, str]:
        rng = self.rng
        start = max(self.founded[network], member_founded)
        if role == "founding-member":
            since = start
        else:
            since = min(CURRENT_YEAR, start + int(rng.expovariate(1 / 6)))
        row = {
            "network": self.org_id(network),
            "member": member,
            "member_kind": kind,
            "role": role,
            "source": self.source,
        }
        if role == "founding-member" or rng.random() < 0.85:
            row["since"] = str(since)
            if role in {"member", "observer"} and rng.random() < 0.12:
                until = since + rng.randint(1, 12)
                if until <= CURRENT_YEAR:
                    row["until"] = str(until)
        return row

    def policy_rows(
        self, count: int
    ) -> tuple[list[dict[str, str]], list[str], dict[str, list[str]]]:
        """The policy rows, the publication ids and ``{country: policy ids}``."""
        rng = self.rng
        issuers = [i for i in range(self.n) if self.type[i] in ISSUER_TYPES] or list(range(self.n))
        issuer_zipf = _Zipf(issuers, 0.5)
        kinds = _Weighted(POLICY_KIND_WEIGHTS)
        rows: list[dict[str, str]] = []
        publications: list[str] = []
        by_country: dict[str, list[str]] = {}
        for j in range(count):
            kind = "publication" if j == 0 else kinds.pick(rng)
            issuer = issuer_zipf.pick(rng)
            policy_id = f"syn-pol-{j:0{self.width}d}"
            label = kind.capitalize()
            row = {
                "id": policy_id,
                "name": f"Synthetic {label} {j:0{self.width}d} ({self._place(issuer)})",
                "kind": kind,
                "description": f"Synthetic {kind} generated by smekg generate; not a real one.",
                "issued_by": self.org_id(issuer),
                "date": str(CURRENT_YEAR - (int(rng.expovariate(1 / 8)) % 40)),
                "covers_regions": ";".join(self.covers_regions(issuer)),
                "covers_sectors": ";".join(self.sectors(0.7)),
                "themes": ";".join(_THEMES.distinct(rng, rng.randint(1, 2))),
                "source": self.source,
            }
            rows.append(row)
            if kind == "publication":
                publications.append(policy_id)
            else:
                by_country.setdefault(self.country[issuer], []).append(policy_id)
        return rows, publications, by_country

    def programme_rows(
        self, count: int, publications: list[str], policies: dict[str, list[str]]
    ) -> Iterator[dict[str, str]]:
        rng = self.rng
        managers = [i for i in range(self.n) if self.type[i] in MANAGER_TYPES]
        kinds = _Weighted(PROGRAMME_KIND_WEIGHTS)
        labels = {"programme": "Programme", "good_practice": "Good Practice", "project": "Project"}
        publication_zipf = _Zipf(publications) if publications else None
        all_policies = [p for ids in policies.values() for p in ids]
        services = _Zipf(SERVICES)
        for j in range(count):
            kind = kinds.pick(rng)
            if managers and rng.random() < 0.8:
                manager = rng.choice(managers)
            else:
                manager = rng.randrange(self.n)
            managed_by = [self.org_id(manager)]
            if rng.random() < 0.2:
                other = self._some_organisation(self.country[manager])
                if other != manager:
                    managed_by.append(self.org_id(other))
            start = CURRENT_YEAR - min(30, int(rng.expovariate(1 / 7)))
            row = {
                "id": f"syn-prg-{j:0{self.width}d}",
                "name": f"Synthetic {labels[kind]} {j:0{self.width}d} ({self._place(manager)})",
                "kind": kind,
                "description": f"Synthetic {labels[kind].lower()} generated by smekg generate; "
                "not a real one.",
                "managed_by": ";".join(managed_by),
                "region": self.region[manager],
                "covers_regions": ";".join(self.covers_regions(manager)),
                "covers_sectors": ";".join(self.sectors(PROGRAMME_NO_SECTOR_SHARE)),
                "themes": ";".join(_THEMES.distinct(rng, rng.randint(1, 2))),
                "services": ";".join(services.distinct(rng, rng.randint(1, 2))),
                "start": str(start),
                "source": self.source,
            }
            if self.scope[manager] not in {"continental", "world"}:
                row["country"] = self.country[manager]
            if all_policies and rng.random() < 0.3:
                local = policies.get(self.country[manager])
                row["policies"] = rng.choice(
                    local if local and rng.random() < 0.7 else all_policies
                )
            if kind == "good_practice" and publication_zipf and rng.random() < 0.5:
                row["featured_in"] = publication_zipf.pick(rng)
            if rng.random() < 0.6:
                row["end"] = str(start + rng.randint(2, 8))
            if rng.random() < 0.3:
                row["website"] = f"https://example.org/smekg-synthetic/{row['id']}"
            yield row


_SECTIONS = _Zipf(SECTION_RANKING, 1.1)
_SECTOR_COUNTS = _Weighted(SECTOR_COUNT_WEIGHTS)
_SECTOR_LEVELS = _Weighted(SECTOR_LEVEL_WEIGHTS)
_THEMES = _Zipf(THEMES, 0.8)


@cache
def _child_zipf(code: str) -> _Zipf[str]:
    return _Zipf(_nace().children[code], 0.8)


# -- writing -----------------------------------------------------------------------------------


def _writer(handle: TextIO, kind: str) -> Callable[[dict[str, str]], None]:
    columns = [column.name for column in SCHEMAS[kind]]
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)

    def write(row: dict[str, str]) -> None:
        writer.writerow([row.get(column, "") for column in columns])

    return write


def generate(out: Path, orgs: int, seed: int = 42) -> GenerationSummary:
    """Write a synthetic SME support ecosystem as CSV tables into ``out``.

    Parameters
    ----------
    out
        Output directory (created if missing); the files of :data:`FILES` are overwritten.
    orgs
        Number of organisations, networks included (at least 10).
    seed
        Random seed: the same ``orgs`` and ``seed`` give byte-identical files.

    Returns
    -------
    GenerationSummary
        Rows and bytes per file, the number of networks, tiers and the network depth.

    Raises
    ------
    ValueError
        If ``orgs`` is below 10.
    """
    if orgs < 10:
        raise ValueError(f"--orgs must be at least 10, not {orgs}")
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    gen = _Generator(orgs, seed)
    gen.skeleton()
    gen.memberships()
    summary = GenerationSummary(out, orgs, seed)
    summary.networks = sum(len(tier) for tier in gen.tiers)
    summary.tiers = len(gen.tiers)
    summary.network_depth = gen.depth()

    def write(name: str, rows: Iterable[dict[str, str]]) -> None:
        count = 0
        with (out / name).open("w", encoding="utf-8", newline="") as handle:
            emit = _writer(handle, name.removesuffix(".csv"))
            for row in rows:
                emit(row)
                count += 1
        summary.rows[name] = count
        summary.bytes[name] = (out / name).stat().st_size

    write(
        "documents.csv",
        [
            {
                "id": gen.source,
                "title": f"Synthetic SME support ecosystem ({orgs} organisations, seed {seed})",
                "publisher": "smekg generate",
                "description": "Invented data for tests and benchmarks, made by `smekg generate "
                f"--orgs {orgs} --seed {seed}`: no row describes a real organisation, "
                "membership, policy or programme.",
            }
        ],
    )
    write("organisations.csv", gen.organisation_rows())
    policies, publications, by_country = gen.policy_rows(
        max(MIN_POLICIES, round(orgs * POLICY_SHARE))
    )
    write("policies.csv", policies)
    write(
        "programmes.csv",
        gen.programme_rows(max(1, round(orgs * PROGRAMME_SHARE)), publications, by_country),
    )
    memberships = gen.membership_rows()
    country_rows = 0

    def counted() -> Iterator[dict[str, str]]:
        nonlocal country_rows
        for row in memberships:
            country_rows += row["member_kind"] == "country"
            yield row

    write("memberships.csv", counted())
    summary.country_memberships = country_rows
    summary.seconds = time.perf_counter() - started
    return summary

"""Check query parameters against the graph and turn them into bound values.

Every value a user gives is resolved to an IRI or a typed literal here, checked to
exist in the graph, and handed to the engine as a binding; nothing is pasted into
query text. A value that cannot be resolved raises :class:`ParamError`, which names
the parameter and the value and suggests close matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rapidfuzz import fuzz, process, utils

from smekg.core.backends import Iri, Value
from smekg.core.iri import Minter
from smekg.core.settings import get_settings
from smekg.queries.graph_index import BREADTHS, KIND_CLASSES, PROVIDER_KINDS, GraphIndex
from smekg.queries.registry import NamedQuery, Param
from smekg.reference.resolve import Resolved, ResolveError, Resolver, concept_notations

REGION_LEVELS = {"country": 0, "nuts0": 0, "nuts1": 1, "nuts2": 2, "nuts3": 3}
SECTOR_LEVELS = {"section": 1, "division": 2, "group": 3, "class": 4}
MAX_TEXT = 200
MAX_INT = 10_000
SHOWN_CHARS = 40
"""How much of an overlong value an error message shows."""
MAX_SUGGEST_CHARS = 64
"""Longest value close matches are looked for (codes and ids are short; fuzzy matching
takes time proportional to the value's length times every code's)."""


class ParamError(ValueError):
    """A parameter value is malformed or unknown (422) or names nothing in the graph (404).

    ``suggestions`` are values to try instead, best first, as one would type them;
    ``labels`` names what some of them stand for (``{"IT": "Italy"}``), shown in the
    message ("did you mean IT (Italy)?").
    """

    def __init__(
        self, param: str, value: str, message: str, *, status: int = 404,
        suggestions: list[str] | None = None, labels: Mapping[str, str] | None = None,
    ) -> None:
        self.param = param
        self.value = value
        self.status = status
        self.suggestions = suggestions or []
        self.labels = dict(labels or {})
        shown = [f"{value} ({self.labels[value]})" if value in self.labels else value
                 for value in self.suggestions]
        hint = f"; did you mean {', '.join(shown)}?" if shown else ""
        self.message = f"{param}={value!r}: {message}{hint}"
        super().__init__(self.message)

    @property
    def suggested(self) -> list[dict[str, str | None]]:
        """The suggestions with their labels, for an answer: ``[{"value", "label"}]``."""
        return [{"value": value, "label": self.labels.get(value)} for value in self.suggestions]


def check_length(name: str, value: str, limit: int) -> None:
    """Refuse (422) a parameter value longer than ``limit`` characters, before any work is
    done with it; the error names the parameter and the limit and shows the value's start.

    >>> check_length("region", "Q" * 5000, 1000)
    Traceback (most recent call last):
    ...
    smekg.queries.params.ParamError: region='QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ...': \
is 5,000 characters long; the limit is 1,000 (SMEKG_MAX_PARAM_CHARS)
    """
    if len(value) > limit:
        raise ParamError(
            name, value[:SHOWN_CHARS] + "...",
            f"is {len(value):,} characters long; the limit is {limit:,} (SMEKG_MAX_PARAM_CHARS)",
            status=422,
        )


def _kinds() -> dict[str, str]:
    kinds = dict(KIND_CLASSES)
    kinds.update(concept_notations("OrganisationTypes"))
    return kinds


def provider_kinds() -> dict[str, str]:
    """The kinds a gap count may be limited to (``kinds``), each with the class or
    organisation type it stands for: the provider kinds and every organisation type."""
    kinds = _kinds()
    return {kind: kinds[kind] for kind in PROVIDER_KINDS} | concept_notations("OrganisationTypes")


def typology_notations() -> dict[str, str]:
    """The NUTS-3 typology classes a ``typology`` parameter may name, by notation
    (``mountain``, ``predominantly-rural``, ...), each with its concept's IRI: the
    ontology's ``smekg:NutsTypologies`` scheme, sorted.

    >>> typology_notations()["mountain"]
    'https://w3id.org/smekg/ontology#typology-mountain'
    """
    return dict(sorted(concept_notations("NutsTypologies").items()))


def join_typologies(values: str | Sequence[str] | None) -> str | None:
    """One ``typology`` value of several given (a repeated parameter), comma-separated;
    None when none is given.

    >>> join_typologies(["mountain", "coastal,island"]), join_typologies([]), join_typologies("x")
    ('mountain,coastal,island', None, 'x')
    """
    if values is None or isinstance(values, str):
        return values
    return ",".join(value for value in values if value) or None


_BOUND_KEPT = 4096
"""How many questions' bound values a binder keeps."""


class Binder:
    """Resolves raw parameter values (strings) for a named query."""

    def __init__(self, index: GraphIndex, minter: Minter, max_chars: int | None = None) -> None:
        self.index = index
        self.resolver = Resolver(minter)
        # every value is checked against this before it is resolved (SMEKG_MAX_PARAM_CHARS)
        self.max_chars = max_chars if max_chars is not None else get_settings().max_param_chars
        # the same questions come again and again (a dashboard, a map): what their values
        # were read as is kept while the index lives (a new index makes a new binder)
        self._bound: dict[tuple[object, ...], tuple[dict[str, Value], list[str]]] = {}

    def bind(
        self, query: NamedQuery, raw: Mapping[str, object | None],
        notes: list[str] | None = None,
    ) -> dict[str, Value]:
        """Bound values for ``query``: every required parameter, defaults filled in.

        ``notes``, when given, receives how values were read by an assumption or by name
        (``region='Bologna': 'Bologna' read as the NUTS 3 region ITH55 ...``), for the
        answer to carry.
        """
        key: tuple[object, ...] | None = None
        if all(given is None or isinstance(given, str | bool | int) for given in raw.values()):
            key = (query.name, *raw.items())
            kept = self._bound.get(key)
            if kept is not None:
                if notes is not None:
                    notes.extend(kept[1])
                return dict(kept[0])
        read: list[str] = []
        bound = self._bind(query, raw, read)
        if notes is not None:
            notes.extend(read)
        if key is not None:
            if len(self._bound) >= _BOUND_KEPT:
                self._bound.clear()
            self._bound[key] = (dict(bound), read)
        return bound

    def _bind(self, query: NamedQuery, raw: Mapping[str, object | None],
              notes: list[str]) -> dict[str, Value]:
        for name, given in raw.items():
            if isinstance(given, str):
                check_length(name, given, self.max_chars)
        unknown = sorted(set(raw) - {p.name for p in query.params})
        if unknown:
            names = ", ".join(p.name for p in query.params) or "none"
            raise ParamError(unknown[0], str(raw[unknown[0]]),
                             f"{query.name} has no such parameter (parameters: {names})",
                             status=422)
        bound: dict[str, Value] = {}
        for param in query.params:
            value = raw.get(param.name)
            if value is None or value == "":
                if param.default is not None:
                    value = param.default
                elif param.required:
                    raise ParamError(param.name, "", "is required", status=422)
                else:
                    continue
            bound[param.name] = self.value(param, value, notes)
        return bound

    def value(self, param: Param, value: object, notes: list[str] | None = None) -> Value:
        """Resolve one value of ``param``'s type (a region's or sector's note, if any, is
        appended to ``notes``)."""
        if isinstance(value, bool | int) and param.type in {"bool", "int"}:
            return value
        text = str(value).strip()
        if param.type in {"region", "sector"}:
            return self._read(param.type, param.name, text, notes)
        method: Callable[[str, str], Value] = getattr(self, f"_{param.type}")
        return method(param.name, text)

    # -- one method per parameter type ---------------------------------------------
    # Regions and sectors are read by the resolver the loaders use (smekg.reference.resolve),
    # so a value means the same in a table, a REST parameter and a CLI option. A value it
    # cannot read is a 422 with its suggestions (those the graph holds, labelled from it);
    # a value it reads to a concept the graph does not hold is a 404.
    def _region(self, name: str, text: str) -> Iri:
        return self._read("region", name, text, None)

    def _sector(self, name: str, text: str) -> Iri:
        return self._read("sector", name, text, None)

    def _read(self, kind: str, name: str, text: str, notes: list[str] | None) -> Iri:
        """A region or sector, read by the resolver; its note goes to ``notes``."""
        if text.startswith(("http://", "https://")):
            return self._existing(name, text, kind)
        resolve = self.resolver.region if kind == "region" else self.resolver.sector
        try:
            resolved = resolve(text)
        except ResolveError as error:
            raise self._unresolved(name, text, error, kind) from None
        iri = self._existing(name, self._held(resolved), kind, shown=text)
        if resolved.note and notes is not None:
            notes.append(f"{name}={text!r}: {resolved.note}")
        return iri

    def _held(self, resolved: Resolved) -> str:
        """The resolved IRI, or the first of its alternatives the graph holds when it does
        not (``rev2:25.11`` on a store without NACE Rev. 2: Rev. 2.1 25.11, the same code and
        title)."""
        if self.index.has(resolved.iri):
            return resolved.iri
        return next((iri for iri in resolved.alternatives if self.index.has(iri)), resolved.iri)

    def _unresolved(self, name: str, text: str, error: ResolveError, kind: str) -> ParamError:
        resolve = self.resolver.region if kind == "region" else self.resolver.sector
        values: list[str] = []
        labels: dict[str, str] = {}
        for suggestion in error.suggestions:
            try:
                iri = self._held(resolve(suggestion.value))
            except ResolveError:
                continue
            if self.index.has(iri) and suggestion.value not in values:
                values.append(suggestion.value)
                label = self.index.labels.get(iri)
                if not label or label == suggestion.value:  # a region labelled by its code
                    label = suggestion.label
                if label and label != suggestion.value:
                    labels[suggestion.value] = label
        if not values:
            values = self._suggest(text, kind)
        return ParamError(name, text, error.reason, status=422, suggestions=values,
                          labels=labels)

    def _entity(self, name: str, text: str) -> Iri:
        if text.startswith(("http://", "https://")):
            return self._existing(name, text, "entity")
        matches = self.index.by_key.get(text.casefold(), [])
        if not matches:
            for resolve in (self.resolver.region, self.resolver.sector):
                try:
                    iri = self._held(resolve(text))
                except (ResolveError, ValueError):
                    continue
                if self.index.has(iri):
                    return Iri(iri)
            raise ParamError(name, text, "no entity has this id or code",
                             suggestions=self._suggest(text, None))
        return Iri(min(matches, key=self._priority))

    def _priority(self, iri: str) -> tuple[int, str]:
        # An id shared by several entities: organisations before places before sectors.
        kind = self.index.kind(iri) or ""
        order = ["network", "organisation", "programme", "good-practice", "policy", "country"]
        return (order.index(kind) if kind in order else len(order), iri)

    def _kind(self, name: str, text: str) -> Iri:
        kinds = _kinds()
        key = text.lower().replace("_", "-").replace(" ", "-")
        if key not in kinds:
            raise ParamError(name, text, f"unknown kind; expected one of: {', '.join(kinds)}",
                             status=422, suggestions=_close(key, list(kinds)))
        return Iri(kinds[key])

    def _concept(self, name: str, text: str, scheme: str) -> Iri:
        notations = concept_notations(scheme)
        key = text.lower().replace("_", "-").replace(" ", "-")
        if key not in notations:
            raise ParamError(name, text, f"unknown value; expected one of: "
                             f"{', '.join(sorted(notations))}", status=422,
                             suggestions=_close(key, list(notations)))
        return Iri(notations[key])

    def _service(self, name: str, text: str) -> Iri:
        return self._concept(name, text, "ServiceTypes")

    def _theme(self, name: str, text: str) -> Iri:
        return self._concept(name, text, "Themes")

    def _level(self, name: str, text: str) -> int:
        levels = {**REGION_LEVELS, **SECTOR_LEVELS}
        key = text.lower().replace("-", "")
        if key in {"0", "1", "2", "3", "4"}:  # a level by its number: 3 is NUTS 3 or group
            return int(key)
        if key not in levels:
            raise ParamError(name, text, f"unknown level; expected one of: {', '.join(levels)}",
                             status=422, suggestions=_close(key, list(levels)))
        return levels[key]

    def _breadth(self, name: str, text: str) -> int:
        key = text.lower().replace("-", "").replace(" ", "")
        key = "country" if key == "nuts0" else key
        if key not in BREADTHS:
            raise ParamError(name, text, f"unknown level; expected one of: {', '.join(BREADTHS)}",
                             status=422, suggestions=_close(key, list(BREADTHS)))
        return BREADTHS.index(key)

    def _providers(self, name: str, text: str) -> str:
        # the kinds, canonical and comma-separated (each checked), in the order given
        return _chosen(name, text, provider_kinds(), "a kind of provider", "kinds")

    def _typology(self, name: str, text: str) -> str:
        # NUTS-3 typology classes, canonical and comma-separated (each checked), in the
        # order given: a region must be in all of them (see typology_notations)
        return _chosen(name, text, typology_notations(), "a NUTS-3 typology", "typologies")

    def _text(self, name: str, text: str) -> str:
        if not text:
            raise ParamError(name, text, "must not be empty", status=422)
        if len(text) > MAX_TEXT:
            raise ParamError(name, text[:40] + "...", f"is longer than {MAX_TEXT} characters",
                             status=422)
        return text

    def _int(self, name: str, text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise ParamError(name, text, "is not an integer", status=422) from None
        if not 0 <= number <= MAX_INT:
            raise ParamError(name, text, f"must be between 0 and {MAX_INT}", status=422)
        return number

    def _bool(self, name: str, text: str) -> bool:
        key = text.lower()
        if key in {"true", "1", "yes", "on"}:
            return True
        if key in {"false", "0", "no", "off"}:
            return False
        raise ParamError(name, text, "is not a boolean (true or false)", status=422)

    # -- helpers ----------------------------------------------------------------------
    def _existing(self, name: str, iri: str, what: str, shown: str | None = None) -> Iri:
        if not self.index.has(iri):
            raise ParamError(name, shown or iri, f"no {what} {iri} in the graph",
                             suggestions=self._suggest(shown or iri, None))
        return Iri(iri)

    def _suggest(self, text: str, kind: str | None) -> list[str]:
        """Close codes and ids (for a typo) from the graph."""
        if len(text) > MAX_SUGGEST_CHARS:
            return []
        keys = self._keys(kind)
        return [match for match, _, _ in process.extract(
            text, keys, scorer=fuzz.WRatio, processor=utils.default_process, limit=3,
            score_cutoff=60)]

    def _keys(self, kind: str | None) -> list[str]:
        cache: dict[str | None, list[str]] = self.__dict__.setdefault("_key_cache", {})
        if kind not in cache:
            sectors = {"sector"}
            regions = {"world", "continent", "country", "nuts-region", "subdivision", "region"}
            wanted = {"region": regions, "sector": sectors}.get(kind or "")
            keys = sorted({
                code for iri, code in self.index.codes.items()
                if wanted is None or self.index.kind(iri) in wanted
            })
            cache[kind] = keys
        return cache[kind]


def _chosen(name: str, text: str, allowed: Mapping[str, str], what: str, plural: str) -> str:
    """The comma-separated values of ``text``, each a key of ``allowed`` once made canonical
    (lower case, ``-`` for ``_`` and spaces), without repeats, in the order given; a value
    that is none raises a :class:`ParamError` saying it is not ``what`` and listing the
    ``plural``."""
    chosen: list[str] = []
    for part in text.split(","):
        key = part.strip().lower().replace("_", "-").replace(" ", "-")
        if key not in allowed:
            raise ParamError(name, text, f"{part.strip()!r} is not {what}; "
                             f"expected {plural} among: {', '.join(allowed)}", status=422,
                             suggestions=_close(key, list(allowed)))
        if key not in chosen:
            chosen.append(key)
    return ",".join(chosen)


def _close(text: str, choices: list[str]) -> list[str]:
    if len(text) > MAX_SUGGEST_CHARS:
        return []
    return [m for m, _, _ in process.extract(text, choices, limit=3, score_cutoff=50)]

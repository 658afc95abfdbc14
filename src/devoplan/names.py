"""Finding districts and areas by code or by name, forgiving case, with a suggestion when nothing matches.

Users type names (``"West Lancashire"``, ``"greater manchester"``) as often as codes
(``E07000127``). One resolver serves every place a user names something: ``devoplan whatif``'s
``DISTRICT=AREA`` moves, ``design``'s together/apart/lock codes and the session layer. An unknown
name gets the closest match from :mod:`difflib`::

    unknown district 'West Lancs'; did you mean 'West Lancashire' (E07000127)?
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.plan import Plan

SUGGESTION_CUTOFF = 0.6  # difflib similarity below which no suggestion is offered
SUGGESTIONS = 3  # names holding a partial name, offered at most
MIN_PARTIAL = 4  # shortest partial name looked for inside names


class UnknownNameError(DevoplanError):
    """A code or name that matches nothing; ``suggestions`` are the closest ``(name, code)`` pairs
    (names holding the text first, then the most similar by :mod:`difflib`), ``suggestion`` the first."""

    def __init__(self, kind: str, value: str, suggestions: Sequence[tuple[str, str]] = (),
                 field: str | None = None) -> None:
        self.kind, self.value, self.field = kind, value, field
        self.suggestions = tuple(suggestions)
        self.suggestion = self.suggestions[0] if self.suggestions else None
        hint = f"; did you mean {_either(self.suggestions)}?" if self.suggestions else ""
        where = f"`{field}`: " if field else ""
        super().__init__(f"{where}unknown {kind} '{value}'{hint}")


class AmbiguousNameError(DevoplanError):
    """A name that fits several things (``labels``: ``Name (CODE)`` of each); a code is needed."""

    def __init__(self, kind: str, value: str, labels: Sequence[str], field: str | None = None) -> None:
        self.kind, self.value, self.labels, self.field = kind, value, tuple(labels), field
        where = f"`{field}`: " if field else ""
        super().__init__(f"{where}'{value}' names {len(self.labels)} different {kind}s: {'; '.join(self.labels)}; "
                         "give the code of the one you mean")


def _either(pairs: Sequence[tuple[str, str]]) -> str:
    """``'A' (X)``, ``'A' (X) or 'B' (Y)``, ``'A' (X), 'B' (Y) or 'C' (Z)``."""
    words = [f"'{name}' ({code})" for name, code in pairs]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _holding(text: str, pool: Sequence[str], most: int = SUGGESTIONS) -> list[str]:
    """Names of ``pool`` (casefolded keys) holding ``text`` as a word start, shortest first: a partial
    name such as 'newcastle' finds 'newcastle upon tyne' and 'newcastle-under-lyme'."""
    if len(text) < MIN_PARTIAL:
        return []
    hits = [k for k in pool if k.startswith(text) or f" {text}" in k or f"-{text}" in k]
    return sorted(hits, key=lambda k: (len(k), k))[:most]


@dataclass(frozen=True, eq=False)
class NameIndex:
    """Things of one kind (``district``, ``area``) found by code or name, case-insensitively."""

    kind: str
    codes: tuple[str, ...]
    names: tuple[str, ...]

    @cached_property
    def _lookup(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, name in enumerate(self.names):  # names first, so that a code always wins a clash
            out.setdefault(name.strip().casefold(), i)
        for i, code in enumerate(self.codes):
            out[code.strip().casefold()] = i
        return out

    @cached_property
    def _shared(self) -> dict[str, tuple[int, ...]]:
        """Names (casefolded) that several things carry, with their positions (codes excepted)."""
        by_name: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            by_name.setdefault(name.strip().casefold(), []).append(i)
        codes = {c.strip().casefold() for c in self.codes}
        return {k: tuple(v) for k, v in by_name.items() if len(v) > 1 and k not in codes}

    def find(self, text: str) -> int | None:
        """Position of the thing whose code or name is ``text`` (any case), or None;
        :class:`AmbiguousNameError` when several things carry that name."""
        key = str(text).strip().casefold()
        if key in self._shared:
            raise AmbiguousNameError(self.kind, str(text).strip(), [self.label(i) for i in self._shared[key]])
        return self._lookup.get(key)

    def position(self, text: str) -> int:
        """Position of ``text``; :class:`UnknownNameError` with the closest names when nothing matches."""
        found = self.find(text)
        if found is None:
            err = UnknownNameError(self.kind, str(text).strip(), self.suggest(text))
            if err.suggestion is None and self.codes:  # nothing close: show what a valid one looks like
                article = "an" if self.kind[:1] in "aeiou" else "a"
                err.args = (f"{err} (give {article} {self.kind} code or name, e.g. {self.label(0)})",)
            raise err
        return found

    def suggest(self, text: str) -> list[tuple[str, str]]:
        """The closest ``(name, code)`` pairs to ``text``: names holding it, else the most similar."""
        return _closest(str(text), {k: (self.names[i], self.codes[i]) for k, i in self._lookup.items()})

    def label(self, i: int) -> str:
        """``Name (CODE)``, or the code alone when the name is the code."""
        return self.codes[i] if self.names[i] == self.codes[i] else f"{self.names[i]} ({self.codes[i]})"


def _closest(text: str, pool: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """Suggestions from ``pool`` (casefolded name or code -> (name, code)) for the unknown ``text``."""
    key = text.strip().casefold()
    keys = _holding(key, list(pool)) or difflib.get_close_matches(key, list(pool), n=1, cutoff=SUGGESTION_CUTOFF)
    return list(dict.fromkeys(pool[k] for k in keys))


def districts(geography: Geography) -> NameIndex:
    """The geography's units (districts in the England bundle) by code or name."""
    return NameIndex("district", geography.units.codes, geography.units.names)


def plan_areas(plan: Plan) -> NameIndex:
    """A plan's areas by code or name."""
    return NameIndex("area", plan.area_codes, plan.area_names)


def place_units(geography: Geography, text: str, field: str | None = None) -> np.ndarray:
    """Units named by ``text``: a district (code or name) or an area of any layer (code or name), any case.

    A district wins over a layer area of the same name. A name carried by areas of several layers
    with different districts ('Kent': the county, and the police and fire areas that include Medway)
    is refused with each one's code and layer; areas with the same districts are one place.
    ``field`` names the parameter in the error (``together``, ``apart``, ``locks``).
    """
    unit = districts(geography).find(text)
    if unit is not None:
        return np.array([unit], dtype=np.int64)
    found: dict[tuple[int, ...], str] = {}
    for key, layer in geography.layers.items():
        try:
            i = NameIndex("area", layer.area_codes, layer.area_names).find(text)
        except AmbiguousNameError as err:
            raise AmbiguousNameError("area", err.value, [f"{x}, {key}" for x in err.labels], field) from None
        if i is not None:
            members = tuple(np.flatnonzero(layer.membership[:, [i]].toarray().ravel() > 0).tolist())
            found.setdefault(members, f"{layer.area_names[i]} ({layer.area_codes[i]}, {key}: {len(members)} "
                                      f"district{'s' if len(members) != 1 else ''})")
    if len(found) > 1:
        raise AmbiguousNameError("area", str(text).strip(), list(found.values()), field)
    if found:
        return np.array(next(iter(found)), dtype=np.int64)
    raise _unknown_place(geography, text, field)


def _unknown_place(geography: Geography, text: str, field: str | None) -> UnknownNameError:
    """The error for a place that is neither a district nor a layer area, suggesting the closest of either."""
    indexes: Sequence[NameIndex] = [districts(geography)] + [
        NameIndex("area", layer.area_codes, layer.area_names) for layer in geography.layers.values()]
    pool: dict[str, tuple[str, str]] = {}
    for ix in indexes:
        for code, name in zip(ix.codes, ix.names, strict=True):
            pool.setdefault(name.casefold(), (name, code))
            pool.setdefault(code.casefold(), (name, code))
    return UnknownNameError("district or area", str(text).strip(), _closest(text, pool), field)

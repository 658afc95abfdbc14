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


class UnknownNameError(DevoplanError):
    """A code or name that matches nothing; ``suggestion`` is the closest ``(name, code)``, if any."""

    def __init__(self, kind: str, value: str, suggestion: tuple[str, str] | None, field: str | None = None) -> None:
        self.kind, self.value, self.suggestion, self.field = kind, value, suggestion, field
        hint = f"; did you mean '{suggestion[0]}' ({suggestion[1]})?" if suggestion else ""
        where = f"`{field}`: " if field else ""
        super().__init__(f"{where}unknown {kind} '{value}'{hint}")


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

    def find(self, text: str) -> int | None:
        """Position of the thing whose code or name is ``text`` (any case), or None."""
        return self._lookup.get(str(text).strip().casefold())

    def position(self, text: str) -> int:
        """Position of ``text``; :class:`UnknownNameError` with the closest name when nothing matches."""
        found = self.find(text)
        if found is None:
            err = UnknownNameError(self.kind, str(text).strip(), self.suggest(text))
            if err.suggestion is None and self.codes:  # nothing close: show what a valid one looks like
                article = "an" if self.kind[:1] in "aeiou" else "a"
                err.args = (f"{err} (give {article} {self.kind} code or name, e.g. {self.label(0)})",)
            raise err
        return found

    def suggest(self, text: str) -> tuple[str, str] | None:
        """The closest ``(name, code)`` to ``text`` by difflib similarity of names and codes."""
        key = str(text).strip().casefold()
        close = difflib.get_close_matches(key, list(self._lookup), n=1, cutoff=SUGGESTION_CUTOFF)
        if not close:
            return None
        i = self._lookup[close[0]]
        return self.names[i], self.codes[i]

    def label(self, i: int) -> str:
        """``Name (CODE)``, or the code alone when the name is the code."""
        return self.codes[i] if self.names[i] == self.codes[i] else f"{self.names[i]} ({self.codes[i]})"


def districts(geography: Geography) -> NameIndex:
    """The geography's units (districts in the England bundle) by code or name."""
    return NameIndex("district", geography.units.codes, geography.units.names)


def plan_areas(plan: Plan) -> NameIndex:
    """A plan's areas by code or name."""
    return NameIndex("area", plan.area_codes, plan.area_names)


def place_units(geography: Geography, text: str, field: str | None = None) -> np.ndarray:
    """Units named by ``text``: a district (code or name) or an area of any layer (code or name), any case.

    ``field`` names the parameter in the error (``together``, ``apart``, ``locks``).
    """
    unit = districts(geography).find(text)
    if unit is not None:
        return np.array([unit], dtype=np.int64)
    for layer in geography.layers.values():
        found = NameIndex("area", layer.area_codes, layer.area_names).find(text)
        if found is not None:
            col = layer.membership[:, [found]].toarray().ravel()
            return np.flatnonzero(col > 0)
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
    close = difflib.get_close_matches(str(text).strip().casefold(), list(pool), n=1, cutoff=SUGGESTION_CUTOFF)
    return UnknownNameError("district or area", str(text).strip(), pool[close[0]] if close else None, field)

"""Typed answers of the session layer: what a set of moves changes, before and after.

Every number is a :class:`Quantity` (before, after, delta). :meth:`Preview.to_dict` gives the JSON
an API serves and ``devoplan whatif --json`` prints: ``before``, ``after`` and ``delta`` share one
shape (objective terms, alignment with every layer, touched areas, plan-wide counts), and
``details`` holds what is not a number (bounds, pieces of broken areas, kept-whole areas split).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Number = float | int


@dataclass(frozen=True)
class Quantity:
    """One figure before and after the moves."""

    before: Number
    after: Number

    @property
    def delta(self) -> Number:
        return self.after - self.before

    def pick(self, side: str) -> Number | None:
        """``before``, ``after`` or ``delta``; NaN (a measure with no population) becomes None for JSON."""
        value = self.delta if side == "delta" else getattr(self, side)
        return None if isinstance(value, float) and math.isnan(value) else value


@dataclass(frozen=True)
class Money(Quantity):
    """An amount in pounds (whole pence); its change is rounded to the penny, free of float noise."""

    @property
    def delta(self) -> Number:
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class Move:
    """A district moved from one area to another (codes and names)."""

    district: str
    district_name: str
    from_area: str
    to_area: str

    def to_dict(self) -> dict[str, str]:
        return {"district": self.district, "district_name": self.district_name,
                "from": self.from_area, "to": self.to_area}


@dataclass(frozen=True)
class Alignment:
    """A layer against the plan: coterminosity and both containments (shares of the population it covers)."""

    key: str
    name: str
    coterminosity: Quantity
    layer_in_plan: Quantity  # share whose layer area lies mostly within one plan area
    plan_in_layer: Quantity  # share whose plan area lies mostly within one layer area


@dataclass(frozen=True)
class AreaChange:
    """A touched area: population against its bounds, contiguity, and first-year funding."""

    code: str
    name: str
    districts: Quantity
    population: Quantity
    min_pop: int
    max_pop: int
    pieces: Quantity
    pieces_after: tuple[tuple[str, ...], ...]  # district names of each piece after the moves (one piece: whole)
    allocation: Money | None  # pounds, all lines, first settlement year (None: a session without funding)
    per_head: Quantity | None  # pounds per resident
    need_index: Quantity | None  # target per head / England's (1 = average)

    def within_bounds(self, side: str = "after") -> bool:
        pop = self.population.before if side == "before" else self.population.after
        return self.min_pop <= pop <= self.max_pop


@dataclass(frozen=True)
class Splits:
    """Areas of a kept-whole layer split between plan areas, before and after."""

    key: str
    hard: bool  # a constraint of the design (otherwise a soft objective term)
    before: tuple[str, ...]
    after: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)  # code -> name of the areas listed

    def label(self, code: str) -> str:
        """``Name (CODE)`` of a listed layer area."""
        name = self.names.get(code, code)
        return code if name == code else f"{name} ({code})"

    def count(self, side: str) -> int:
        """How many layer areas are split ``before`` or ``after``, or the change (``delta``)."""
        return {"before": len(self.before), "after": len(self.after), "delta": len(self.after) - len(self.before)}[side]

    @property
    def newly_split(self) -> tuple[str, ...]:
        return tuple(a for a in self.after if a not in self.before)

    @property
    def rejoined(self) -> tuple[str, ...]:
        return tuple(a for a in self.before if a not in self.after)


@dataclass(frozen=True)
class Preview:
    """What ``moves`` change (applied by :meth:`Session.move`, or only previewed)."""

    moves: tuple[Move, ...]
    year: str | None  # the settlement year funded (None: a session without funding)
    objective: Quantity
    terms: dict[str, Quantity]
    alignment: tuple[Alignment, ...]
    areas: tuple[AreaChange, ...]
    noncontiguous_areas: Quantity
    splits: tuple[Splits, ...]

    @property
    def problems(self) -> tuple[str, ...]:
        """Plain-language reasons the plan after the moves breaks a design rule (empty when none)."""
        out = []
        for a in self.areas:
            if not a.within_bounds():
                out.append(f"{a.name} ({a.code}) has {int(a.population.after):,} residents, outside "
                           f"{a.min_pop:,}..{a.max_pop:,}")
            if a.pieces.after > 1:
                out.append(f"{a.name} ({a.code}) is in {int(a.pieces.after)} pieces")
        for s in self.splits:
            if s.hard and s.newly_split:
                out.append(f"{s.key} area(s) {', '.join(s.label(c) for c in s.newly_split)} split "
                           "(kept whole in the design)")
        return tuple(out)

    def side(self, side: str) -> dict[str, Any]:
        """The ``before``, ``after`` or ``delta`` figures, one JSON-ready shape for all three."""
        def q(x: Quantity) -> Number | None:
            return x.pick(side)

        return {
            "objective": {"value": q(self.objective), "terms": {k: q(v) for k, v in self.terms.items()}},
            "alignment": {a.key: {"coterminosity": q(a.coterminosity), "layer_in_plan": q(a.layer_in_plan),
                                  "plan_in_layer": q(a.plan_in_layer)} for a in self.alignment},
            "areas": {a.code: _area_side(a, q) for a in self.areas},
            "noncontiguous_areas": q(self.noncontiguous_areas),
            "split_areas": {s.key: s.count(side) for s in self.splits},
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``moves``, ``year``, ``before``, ``after``, ``delta``, ``details`` and ``problems``."""
        return {
            "moves": [m.to_dict() for m in self.moves],
            "year": self.year,
            "before": self.side("before"),
            "after": self.side("after"),
            "delta": self.side("delta"),
            "details": {
                "areas": {a.code: {"name": a.name, "min_pop": a.min_pop, "max_pop": a.max_pop,
                                   "within_bounds_before": a.within_bounds("before"),
                                   "within_bounds_after": a.within_bounds("after"),
                                   "pieces_after": [list(p) for p in a.pieces_after]} for a in self.areas},
                "splits": {s.key: {"hard": s.hard, "before": list(s.before), "after": list(s.after),
                                   "newly_split": list(s.newly_split), "rejoined": list(s.rejoined),
                                   "names": {c: s.names.get(c, c) for c in dict.fromkeys(s.before + s.after)}}
                           for s in self.splits},
            },
            "problems": list(self.problems),
        }


def _area_side(a: AreaChange, q: Callable[[Quantity], Number | None]) -> dict[str, Number | None]:
    def money(x: Quantity | None) -> Number | None:
        return None if x is None else q(x)

    return {"districts": q(a.districts), "population": q(a.population), "pieces": q(a.pieces),
            "allocation": money(a.allocation), "per_head": money(a.per_head), "need_index": money(a.need_index)}

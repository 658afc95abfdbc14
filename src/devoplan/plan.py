"""A plan: an immutable assignment of every unit to exactly one area.

``plan.move(unit, area)`` returns a new plan and leaves the old one untouched, so optimisers,
metrics and negotiation tools can hold many plans at once without defensive copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from devoplan.errors import DevoplanError, reject_unknown
from devoplan.geography.model import Geography
from devoplan.zoning import Zoning


@dataclass(frozen=True, eq=False)
class Plan:
    """Units (by position, codes in ``unit_codes``) assigned to areas ``0..k-1``.

    ``assignment[u]`` is the area index of unit ``u``; areas carry codes and readable names.
    Every area index in ``0..k-1`` must hold at least one unit.
    """

    unit_codes: tuple[str, ...]
    assignment: np.ndarray
    area_codes: tuple[str, ...]
    area_names: tuple[str, ...]

    def __post_init__(self) -> None:
        a = np.array(self.assignment, dtype=np.int64, copy=True)
        a.setflags(write=False)
        object.__setattr__(self, "assignment", a)
        if len(a) != len(self.unit_codes):
            raise DevoplanError(f"plan assigns {len(a)} units but names {len(self.unit_codes)}")
        if len(self.area_codes) != len(self.area_names):
            raise DevoplanError("plan area codes and names differ in length")
        if len(set(self.area_codes)) != len(self.area_codes):
            raise DevoplanError("plan area codes are not unique")
        if len(a) and (a.min() < 0 or a.max() >= len(self.area_codes)):
            raise DevoplanError("plan assigns a unit to an area index outside 0..k-1")

    def __repr__(self) -> str:
        """A one-line summary (the full dataclass repr lists every unit code and the whole array)."""
        shown = ", ".join(self.area_codes[:5]) + (", ..." if self.n_areas > 5 else "")
        return f"Plan({self.n_units} units in {self.n_areas} areas: {shown})"

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_labels(
        cls,
        unit_codes: Sequence[str],
        labels: Sequence[str],
        names: dict[str, str] | None = None,
    ) -> Plan:
        """Build a plan from one area code per unit; areas are ordered by first appearance."""
        order: dict[str, int] = {}
        assignment = np.empty(len(labels), dtype=np.int64)
        for i, lab in enumerate(labels):
            assignment[i] = order.setdefault(lab, len(order))
        codes = tuple(order)
        area_names = tuple((names or {}).get(c, c) for c in codes)
        return cls(tuple(unit_codes), assignment, codes, area_names)

    @classmethod
    def from_layer(cls, geography: Geography, key: str) -> Plan:
        """Turn a layer into a plan: split units go to their main area (largest weight).

        Units outside a partial layer (e.g. districts in no combined authority) each become
        their own single-unit area, coded by the unit, so the plan still covers every unit.
        """
        zoning = geography.layer(key).complete(geography)
        labels = [zoning.area_codes[m] for m in zoning.main_area]
        names = dict(zip(zoning.area_codes, zoning.area_names, strict=True))
        return cls.from_labels(geography.units.codes, labels, names)

    # -- the plan as a zoning ------------------------------------------------------------------
    @cached_property
    def zoning(self) -> Zoning:
        """The plan's one-hot :class:`~devoplan.zoning.Zoning` (built once per plan value)."""
        return Zoning.one_hot(self.assignment, self.area_codes, self.area_names)

    def check(self, geography: Geography) -> None:
        """Refuse a plan that is not over ``geography``'s units (same codes in the same order).

        Every consumer of a plan and a geography (metrics, funding, design, output) calls this one
        check, so the message is the same wherever a mismatched plan is caught.
        """
        if self.unit_codes is geography.units.codes or self.unit_codes == geography.units.codes:
            return
        theirs = set(geography.units.codes)
        extra = [c for c in self.unit_codes if c not in theirs]
        ours = set(self.unit_codes)
        missing = [c for c in geography.units.codes if c not in ours]
        detail = (f"unit {extra[0]} is not in the geography" if extra else
                  f"unit {missing[0]} is missing" if missing else "the units are in a different order")
        raise DevoplanError(
            f"the plan's {self.n_units} units do not match the {geography.n_units} units of geography "
            f"'{geography.name}' ({detail}; the same codes in the same order are required)"
        )

    # -- queries ------------------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        return len(self.unit_codes)

    @property
    def n_areas(self) -> int:
        return len(self.area_codes)

    @cached_property
    def unit_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.unit_codes)}

    @cached_property
    def area_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.area_codes)}

    def unit_position(self, unit: str | int) -> int:
        if isinstance(unit, str):
            if unit not in self.unit_index:
                raise DevoplanError(f"unknown unit '{unit}' in plan")
            return self.unit_index[unit]
        if not 0 <= int(unit) < self.n_units:
            raise DevoplanError(f"unit position {unit} outside 0..{self.n_units - 1}")
        return int(unit)

    def area_position(self, area: str | int) -> int:
        if isinstance(area, str):
            if area not in self.area_index:
                raise reject_unknown("area", area, self.area_codes)
            return self.area_index[area]
        if not 0 <= int(area) < self.n_areas:
            raise DevoplanError(f"area index {area} outside 0..{self.n_areas - 1}")
        return int(area)

    def members(self, area: str | int) -> np.ndarray:
        """Unit positions in an area."""
        return np.flatnonzero(self.assignment == self.area_position(area))

    def area_of(self, unit: str | int) -> int:
        return int(self.assignment[self.unit_position(unit)])

    def sizes(self) -> np.ndarray:
        """Number of units per area."""
        return np.bincount(self.assignment, minlength=self.n_areas)

    def area_totals(self, values: np.ndarray) -> np.ndarray:
        """Sum a per-unit array (e.g. population) over each area (:meth:`Zoning.aggregate` for one-hot)."""
        return np.bincount(self.assignment, weights=values, minlength=self.n_areas)

    def labels(self) -> list[str]:
        """Area code of every unit, in unit order."""
        return [self.area_codes[a] for a in self.assignment]

    # -- change -------------------------------------------------------------------------------
    def move(self, unit: str | int, area: str | int) -> Plan:
        """A new plan with ``unit`` in ``area``. Emptying an area is refused (k stays fixed)."""
        u = self.unit_position(unit)
        a = self.area_position(area)
        old = int(self.assignment[u])
        if old == a:
            return self
        if np.count_nonzero(self.assignment == old) == 1:
            raise DevoplanError(
                f"moving {self.unit_codes[u]} would empty area {self.area_codes[old]}"
            )
        new = self.assignment.copy()
        new[u] = a
        return Plan(self.unit_codes, new, self.area_codes, self.area_names)

    def renamed(self, area_codes: Sequence[str], area_names: Sequence[str]) -> Plan:
        return Plan(self.unit_codes, self.assignment, tuple(area_codes), tuple(area_names))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Plan)
            and self.unit_codes == other.unit_codes
            and self.area_codes == other.area_codes
            and self.area_names == other.area_names
            and bool(np.array_equal(self.assignment, other.assignment))
        )

    def __hash__(self) -> int:
        return hash((self.unit_codes, self.area_codes, self.assignment.tobytes()))

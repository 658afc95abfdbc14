"""Between stored versions and library plans: labels <-> :class:`~devoplan.plan.Plan`, moves, locks.

A version stores one area code per district in geography order plus ``{code: name}``; a move is
``{"district": code or name, "area": area code or name}`` and is checked here (unknown district or
area, an area emptied, a locked district) with the request field named, before any library call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devoplan.api.errors import ApiError
from devoplan.geography.model import Geography
from devoplan.plan import Plan


def digest(labels: Sequence[str], names: Mapping[str, str]) -> str:
    """SHA-256 of a version's content, stored beside it so a torn or edited row is detected."""
    text = json.dumps([list(labels), dict(sorted(names.items()))], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def to_plan(geography: Geography, labels: Sequence[str], names: Mapping[str, str]) -> Plan:
    return Plan.from_labels(geography.units.codes, list(labels), dict(names))


def from_plan(plan: Plan) -> tuple[list[str], dict[str, str]]:
    return plan.labels(), dict(zip(plan.area_codes, plan.area_names, strict=True))


@dataclass(frozen=True)
class Move:
    """One resolved move: unit position and target area position in the plan it applies to."""

    unit: int
    area: int

    def describe(self, geography: Geography, plan: Plan) -> dict[str, str]:
        return {"district": geography.units.codes[self.unit], "district_name": geography.units.names[self.unit],
                "from": plan.area_codes[int(plan.assignment[self.unit])], "to": plan.area_codes[self.area]}


def _lookup(text: str, codes: Sequence[str], names: Sequence[str]) -> int | None:
    key = text.strip().casefold()
    for i, code in enumerate(codes):
        if code.casefold() == key:
            return i
    hits = [i for i, name in enumerate(names) if name.casefold() == key]
    return hits[0] if len(hits) == 1 else None


def district_position(geography: Geography, text: str, field: str) -> int:
    units = geography.units
    found = _lookup(text, units.codes, units.names)
    if found is None:
        raise ApiError(422, f"unknown district '{text}' (give a district code such as {units.codes[0]} or its "
                            f"name such as '{units.names[0]}')", field)
    return found


def resolve_moves(geography: Geography, plan: Plan, moves: Sequence[Mapping[str, Any]],
                  locks: Mapping[str, str], field: str = "moves") -> list[Move]:
    """Check and resolve moves against ``plan``; applying them in order must not empty an area."""
    if not moves:
        raise ApiError(422, "give at least one move", field)
    resolved: list[Move] = []
    assignment = np.array(plan.assignment)
    for i, move in enumerate(moves):
        unit = district_position(geography, str(move.get("district", "")), f"{field}[{i}].district")
        area = _lookup(str(move.get("area", "")), plan.area_codes, plan.area_names)
        if area is None:
            raise ApiError(422, f"unknown area '{move.get('area')}' (the scenario's areas are "
                                f"{', '.join(plan.area_codes[:6])}{', ...' if plan.n_areas > 6 else ''})",
                           f"{field}[{i}].area")
        code = geography.units.codes[unit]
        if code in locks and locks[code] != plan.area_codes[area]:
            raise ApiError(409, f"district {code} ({geography.units.names[unit]}) is locked to area "
                                f"{locks[code]}", f"{field}[{i}].district")
        old = int(assignment[unit])
        if old != area and np.count_nonzero(assignment == old) == 1:
            raise ApiError(409, f"moving {code} would empty area {plan.area_codes[old]}", f"{field}[{i}].district")
        assignment[unit] = area
        resolved.append(Move(unit, area))
    return resolved


def apply_moves(plan: Plan, moves: Sequence[Move]) -> Plan:
    assignment = np.array(plan.assignment)
    for move in moves:
        assignment[move.unit] = move.area
    return Plan(plan.unit_codes, assignment, plan.area_codes, plan.area_names)


def area_districts(geography: Geography, code: str) -> frozenset[int]:
    """Districts of an account's area: a district code, or an area of any layer (council, ICB, CA)."""
    if code in geography.units.index:
        return frozenset({geography.units.index[code]})
    for key in geography.layers:
        layer = geography.layer(key)
        if code in layer.area_index:
            column = layer.membership[:, [layer.area_index[code]]].toarray().ravel()
            return frozenset(int(u) for u in np.flatnonzero(column > 0))
    return frozenset()


def check_area_code(geography: Geography, code: str, field: str = "area") -> str:
    if not area_districts(geography, code):
        raise ApiError(422, f"unknown area '{code}': give a district code or the code of an area of a layer "
                            f"({', '.join(geography.layers)})", field)
    return code


def check_locks(geography: Geography, plan: Plan, locks: Mapping[str, str], field: str = "locks") -> dict[str, str]:
    """Locks are district -> area code of the plan; a lock must hold in the plan it is set on."""
    out: dict[str, str] = {}
    for district, area in locks.items():
        unit = district_position(geography, district, f"{field}.{district}")
        if area not in plan.area_index:
            raise ApiError(422, f"unknown area '{area}'", f"{field}.{district}")
        code = geography.units.codes[unit]
        if plan.area_codes[int(plan.assignment[unit])] != area:
            raise ApiError(409, f"district {code} is in {plan.area_codes[int(plan.assignment[unit])]}, not {area}: "
                                "a lock must hold in the current version", f"{field}.{district}")
        out[code] = area
    return out

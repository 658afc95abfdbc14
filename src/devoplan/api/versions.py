"""Scenario history: every change is a new version; undo/redo move along two stacks of version numbers.

``commit_version`` checks the caller's ``base_version`` against the scenario's current version (a
stale base is 409, so two editors cannot silently overwrite each other), appends the version, and
moves the head, all in the caller's transaction (the row lock on the scenario serialises writers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from devoplan.api.context import user_ref
from devoplan.api.errors import ApiError
from devoplan.api.plans import digest, from_plan
from devoplan.plan import Plan
from devoplan.store.models import Scenario, User, Version


def check_base(scenario: Scenario, base_version: int | None, field: str = "base_version") -> None:
    if base_version is not None and base_version != scenario.head:
        raise ApiError(409, f"scenario {scenario.id} is at version {scenario.head}, not {base_version}: "
                            "reload it and apply your change again", field)


def moved(before: Plan, after: Plan) -> list[list[str]]:
    changed = np.flatnonzero(before.assignment != after.assignment) if before.area_codes == after.area_codes \
        else np.flatnonzero(np.array(before.labels()) != np.array(after.labels()))
    return [[before.unit_codes[u], before.area_codes[before.assignment[u]], after.area_codes[after.assignment[u]]]
            for u in changed]


def commit_version(db: Session, scenario: Scenario, plan: Plan, *, kind: str, user: User, message: str = "",
                   previous: Plan | None = None, stack: str = "edit") -> Version:
    """Add ``plan`` as the scenario's next version. ``stack``: edit (clears redo), undo, redo or none."""
    labels, names = from_plan(plan)
    number = scenario.head + 1
    if stack == "edit" and scenario.head:
        scenario.undo_stack = [*scenario.undo_stack, scenario.head]
        scenario.redo_stack = []
    version = Version(scenario_id=scenario.id, number=number, kind=kind, message=message, labels=labels,
                      names=names, moves=moved(previous, plan) if previous is not None else [],
                      digest=digest(labels, names), created_by=user.id)
    db.add(version)
    scenario.head = number
    return version


def version_summary(db: Session, version: Version, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A version without its assignment; ``author`` is ``{id, name}`` so a history reads who made it."""
    return {"number": version.number, "kind": version.kind, "message": version.message,
            "moves": [{"district": d, "from": a, "to": b} for d, a, b in version.moves],
            "areas": len(version.names), "created_by": version.created_by, "author": user_ref(db, version.created_by),
            "created_at": version.created_at.isoformat(), **(extra or {})}

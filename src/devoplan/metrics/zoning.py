"""A zoning: any division of the units into areas, as a sparse membership matrix.

Layers (ICB, LEP, ...) and plans are both zonings; every overlap metric takes two of them. A plan
is a one-hot matrix; a layer keeps its weights (shares for split districts, ``1/k`` for a district
in ``k`` areas of a cover, empty rows for districts outside a partial layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography, Layer
from devoplan.plan import Plan


@dataclass(frozen=True, eq=False)
class Zoning:
    """Areas of a layer or plan: ``weights`` is ``(n_units, n_areas)``, each row summing to 1 or 0."""

    key: str
    name: str
    kind: str
    area_codes: tuple[str, ...]
    area_names: tuple[str, ...]
    weights: sparse.csr_array

    @property
    def n_areas(self) -> int:
        return len(self.area_codes)

    @cached_property
    def area_index(self) -> dict[str, int]:
        """Area code -> column."""
        return {c: i for i, c in enumerate(self.area_codes)}

    def covered(self) -> np.ndarray:
        """Boolean mask of units that belong to some area."""
        return np.diff(self.weights.indptr) > 0


def plan_weights(plan: Plan) -> sparse.csr_array:
    """One-hot ``(n_units, n_areas)`` membership matrix of a plan."""
    n = plan.n_units
    data = np.ones(n, dtype=np.float64)
    return sparse.csr_array((data, (np.arange(n), plan.assignment)), shape=(n, plan.n_areas))


def from_layer(layer: Layer) -> Zoning:
    return Zoning(layer.key, layer.name, layer.kind, layer.area_codes, layer.area_names, layer.membership)


def from_plan(plan: Plan, key: str = "PLAN", name: str = "plan") -> Zoning:
    return Zoning(key, name, "plan", plan.area_codes, plan.area_names, plan_weights(plan))


def as_zoning(geography: Geography, item: str | Layer | Plan | Zoning) -> Zoning:
    """Accept a layer key, a Layer, a Plan or a Zoning; unknown layer keys are rejected."""
    if isinstance(item, Zoning):
        return item
    if isinstance(item, Plan):
        check_plan(geography, item)
        return from_plan(item)
    if isinstance(item, Layer):
        return from_layer(item)
    return from_layer(geography.layer(item))


def check_plan(geography: Geography, plan: Plan) -> None:
    """A plan must list exactly the geography's units, in the geography's order."""
    if plan.unit_codes != geography.units.codes:
        raise DevoplanError(
            f"the plan's {plan.n_units} units do not match the {geography.n_units} units of "
            f"geography '{geography.name}' (same codes in the same order are required)"
        )

"""The areas money is allocated to, as a membership matrix from units to areas.

A plan is a one-hot matrix (each unit wholly in one area). A layer keeps its weights, so a district
split between two of today's ICBs contributes its need to each in proportion to its share, and a
district in two LEPs counts half in each. Units outside a partial layer become single-unit areas
(as :meth:`devoplan.plan.Plan.from_layer` does) so the whole national pot is still allocated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from devoplan.geography.model import Geography
from devoplan.plan import Plan


@dataclass(frozen=True, eq=False)
class Areas:
    """Area codes and names plus the ``(n_units, n_areas)`` membership weights."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    membership: sparse.csr_array
    label: str

    @property
    def n_areas(self) -> int:
        return len(self.codes)

    def aggregate(self, per_unit: np.ndarray) -> np.ndarray:
        """Sum per-unit values (last axis = units) into areas (last axis = areas)."""
        return np.asarray(self.membership.T @ np.asarray(per_unit, dtype=np.float64).T).T


def areas_from_plan(plan: Plan, label: str = "plan") -> Areas:
    n = plan.n_units
    m = sparse.csr_array((np.ones(n), (np.arange(n), plan.assignment)), shape=(n, plan.n_areas))
    return Areas(plan.area_codes, plan.area_names, m, label)


def areas_from_layer(geography: Geography, key: str) -> Areas:
    """Areas of a layer with its membership weights; uncovered units become their own areas."""
    layer = geography.layer(key)
    m = sparse.csr_array(layer.membership)
    codes, names = list(layer.area_codes), list(layer.area_names)
    outside = np.flatnonzero(layer.areas_per_unit == 0)
    if len(outside):
        extra = sparse.csr_array((np.ones(len(outside)), (outside, np.arange(len(outside)))),
                                 shape=(geography.n_units, len(outside)))
        m = sparse.csr_array(sparse.hstack([m, extra]))
        codes += [geography.units.codes[u] for u in outside]
        names += [geography.units.names[u] for u in outside]
    return Areas(tuple(codes), tuple(names), m, f"layer {layer.key}")

"""One model of areas: a zoning divides units into areas through a sparse, weighted membership.

Today's service maps (:class:`~devoplan.geography.model.Layer`) and plans
(:attr:`devoplan.plan.Plan.zoning`) are both zonings, so every metric, the funding formula, the
optimiser and the report aggregate over areas the same way: ``zoning.aggregate(per_unit)``.

``membership`` is a ``(n_units, n_areas)`` matrix of weights:

* ``partition``: every unit's weights sum to 1; a unit split between areas carries its shares
  (ICB 2024: share of the district's LSOA21s in each ICB). A plan is a one-hot partition.
* ``cover``: every unit belongs wholly to one or more areas; weights are ``1/k`` for a unit in
  ``k`` areas so that population is not double counted (LEP 2021).
* ``partial``: a unit belongs to at most one area or to none (combined authorities 2024);
  :meth:`Zoning.complete` turns the units outside into single-unit areas where a use needs every
  unit in some area (funding the whole national pot, a plan from a layer).

A zoning is immutable: its arrays are read-only, so one value can be shared between threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import sparse

from devoplan.errors import DevoplanError, reject_unknown

if TYPE_CHECKING:
    from devoplan.geography.model import Geography

ZoningKind = Literal["partition", "cover", "partial"]
ZONING_KINDS: tuple[str, ...] = ("partition", "cover", "partial")
PLAN_KEY = "PLAN"


def frozen_array(a: np.ndarray) -> np.ndarray:
    """The array, made read-only (a view when it was writeable elsewhere is not copied)."""
    a = np.asarray(a)
    a.setflags(write=False)
    return a


def one_hot_matrix(assignment: Sequence[int] | np.ndarray, n_areas: int) -> sparse.csr_array:
    """The ``(n_units, n_areas)`` 0/1 matrix with a single 1 per row, at ``assignment[u]``."""
    a = np.asarray(assignment, dtype=np.int64)
    n = len(a)
    return sparse.csr_array((np.ones(n), (np.arange(n), a)), shape=(n, n_areas))


def _frozen_csr(matrix: sparse.csr_array | np.ndarray) -> sparse.csr_array:
    m = sparse.csr_array(matrix, dtype=np.float64, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    for part in (m.data, m.indices, m.indptr):
        part.setflags(write=False)
    return m


@dataclass(frozen=True, eq=False)
class Zoning:
    """Areas (codes, readable names) and the ``(n_units, n_areas)`` membership weights of units in them."""

    key: str
    name: str
    kind: ZoningKind
    area_codes: tuple[str, ...]
    area_names: tuple[str, ...]
    membership: sparse.csr_array

    def __post_init__(self) -> None:
        if self.kind not in ZONING_KINDS:
            raise reject_unknown("layer kind", self.kind, ZONING_KINDS)
        object.__setattr__(self, "area_codes", tuple(self.area_codes))
        object.__setattr__(self, "area_names", tuple(self.area_names))
        object.__setattr__(self, "membership", _frozen_csr(self.membership))
        if len(self.area_codes) != len(self.area_names):
            raise DevoplanError(f"{self.key}: {len(self.area_codes)} area codes but {len(self.area_names)} names")
        if self.membership.shape[1] != len(self.area_codes):
            raise DevoplanError(f"{self.key}: membership has {self.membership.shape[1]} columns for "
                                f"{len(self.area_codes)} areas")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def one_hot(cls, assignment: np.ndarray, area_codes: Sequence[str], area_names: Sequence[str],
                *, key: str = PLAN_KEY, name: str = "plan") -> Zoning:
        """The partition putting unit ``u`` wholly in area ``assignment[u]`` (how a plan is a zoning)."""
        m = one_hot_matrix(assignment, len(area_codes))
        return cls(key, name, "partition", tuple(area_codes), tuple(area_names), m)

    # -- queries --------------------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        return int(self.membership.shape[0])

    @property
    def n_areas(self) -> int:
        return len(self.area_codes)

    @property
    def title(self) -> str:
        """How outputs name where the areas come from: the plan's name, or ``layer KEY``."""
        return self.name if self.key == PLAN_KEY else f"layer {self.key}"

    @cached_property
    def area_index(self) -> Mapping[str, int]:
        """Area code -> column."""
        return {c: i for i, c in enumerate(self.area_codes)}

    @cached_property
    def areas_per_unit(self) -> np.ndarray:
        """Number of areas each unit has a positive weight in (0 for units outside a partial layer)."""
        return frozen_array(np.diff(self.membership.indptr).astype(np.int64))

    @cached_property
    def main_area(self) -> np.ndarray:
        """For each unit, the area holding its largest weight (ties: lowest area index); -1 if none."""
        dense = self.membership.toarray()
        if dense.shape[1] == 0:
            return frozen_array(np.full(self.n_units, -1, dtype=np.int64))
        return frozen_array(np.where(dense.max(axis=1) > 0, dense.argmax(axis=1), -1).astype(np.int64))

    def covered(self) -> np.ndarray:
        """Boolean mask of units that belong to some area."""
        return self.areas_per_unit > 0

    def covered_units(self) -> np.ndarray:
        """Positions of units that belong to some area (all units unless the zoning is partial)."""
        return np.flatnonzero(self.areas_per_unit > 0)

    def multi_member_units(self) -> np.ndarray:
        """Positions of units split between (partition) or shared by (cover) several areas."""
        return np.flatnonzero(self.areas_per_unit > 1)

    def aggregate(self, values: np.ndarray) -> np.ndarray:
        """Weighted sums of per-unit values over areas: ``W^T v``.

        ``values`` has units on its last axis (shape ``(n_units,)`` or ``(..., n_units)``); the
        result has areas on its last axis. A unit split 30/70 adds 30% of its value to one area and
        70% to the other; a unit outside a partial zoning adds nothing.
        """
        v = np.asarray(values, dtype=np.float64)
        if v.shape[-1] != self.n_units:
            raise DevoplanError(f"{self.key}: {v.shape[-1]} values for {self.n_units} units")
        flat = v.reshape(-1, self.n_units)
        out = np.asarray(self.membership.T @ flat.T, dtype=np.float64).T
        return out.reshape(*v.shape[:-1], self.n_areas)

    def complete(self, geography: Geography) -> Zoning:
        """This zoning with every uncovered unit as its own area (coded and named by the unit).

        A partition or cover is returned unchanged; so is a partial zoning that covers every unit.
        """
        outside = np.flatnonzero(self.areas_per_unit == 0)
        if len(outside) == 0:
            return self
        units = geography.units
        extra = sparse.csr_array((np.ones(len(outside)), (outside, np.arange(len(outside)))),
                                 shape=(self.n_units, len(outside)))
        return Zoning(
            self.key, self.name, "partition" if self.kind == "partial" else self.kind,
            self.area_codes + tuple(units.codes[u] for u in outside),
            self.area_names + tuple(units.names[u] for u in outside),
            sparse.hstack([self.membership, extra], format="csr"),
        )

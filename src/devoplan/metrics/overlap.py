"""Overlap of two zonings and the alignment measures built on it.

For zonings A and B with membership weights ``w_A(u, a)``, ``w_B(u, b)`` and unit population
``p_u`` the overlap matrix is ``M = W_A^T diag(p) W_B``: ``M[a, b]`` is the population of A-area
``a`` that lies in B-area ``b``. Every measure here is a function of ``M`` alone, so the same code
serves the audit, plan scoring and the incremental scorer. ``M`` only counts units covered by
both zonings, so for a partial layer (combined authorities) every measure is restricted to the
population covered by both (``docs/metrics.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from devoplan.geography.model import Geography, Layer
from devoplan.plan import Plan
from devoplan.zoning import Zoning

SPLIT_THRESHOLD = 0.99
INTERFACE_THRESHOLD = 0.01
# thresholds are applied 1e-9 (relative) on the generous side, so that a share of exactly 99% or 1%
# gives the same answer whether computed from scratch or by running sums (no flip on rounding).
TOLERANCE = 1e-9
# populations below this (a millionth of a person) are rounding residue of running sums, i.e. zero
ZERO_POPULATION = 1e-6

ZoningLike = str | Layer | Plan | Zoning


# -- the matrix ---------------------------------------------------------------------------------
def as_zoning(geography: Geography, item: ZoningLike) -> Zoning:
    """Accept a layer key, a Layer, a Plan (checked against the geography) or a Zoning."""
    if isinstance(item, Zoning):
        return item
    if isinstance(item, Plan):
        item.check(geography)
        return item.zoning
    return geography.layer(item)


def overlap_from_weights(population: np.ndarray, wa: sparse.csr_array, wb: sparse.csr_array) -> np.ndarray:
    """Dense ``(a, b)`` overlap ``W_A^T diag(p) W_B``; a zoning against itself gives ``diag(W^T p)``.

    The product ``w_A(u, a) w_B(u, b)`` treats the two memberships of a split or shared district
    as independent. For the *same* zoning they are the same people, so a district split 50/50
    between H1 and H2 puts half its population in ``M[H1, H1]`` and half in ``M[H2, H2]``, not a
    quarter in ``M[H1, H2]``: identical maps are then coterminous (1.0) as the definition demands.
    """
    pop = np.asarray(population, dtype=np.float64)
    if same_weights(wa, wb):
        return np.diag(np.asarray(wa.T @ pop, dtype=np.float64))
    p = sparse.dia_array((pop, 0), shape=(wa.shape[0], wa.shape[0]))
    return np.asarray((wa.T @ p @ wb).toarray(), dtype=np.float64)


def same_weights(wa: sparse.csr_array, wb: sparse.csr_array) -> bool:
    """True when two membership matrices are the same zoning (same shape and entries)."""
    if wa is wb:
        return True
    return wa.shape == wb.shape and abs(wa - wb).sum() == 0


def overlap_matrix(geography: Geography, a: ZoningLike, b: ZoningLike) -> np.ndarray:
    """Population of each A-area lying in each B-area (rows A, columns B)."""
    za, zb = as_zoning(geography, a), as_zoning(geography, b)
    return overlap_from_weights(geography.units.population, za.membership, zb.membership)


# -- measures of a matrix -----------------------------------------------------------------------
def containment_of(m: np.ndarray) -> float:
    """``sum_a max_b M[a,b] / sum M``: share of the common population whose A-area lies in its best B-area."""
    total = float(m.sum())
    if total <= 0:
        return float("nan")
    return float(m.max(axis=1).sum()) / total if m.shape[1] else float("nan")


def coterminosity_of(m: np.ndarray) -> float:
    """Mean of containment(A in B) and containment(B in A); 1.0 only when the maps agree."""
    return 0.5 * (containment_of(m) + containment_of(m.T))


def alignment_of(m: np.ndarray, split_weight: float = 0.5) -> float:
    """``s * containment(A in B) + (1 - s) * containment(B in A)`` for ``M`` with layer A as rows.

    With ``s > 0.5`` an A-area split between B-areas costs more than whole A-areas nested in one
    B-area (the design objective's alignment terms, docs/design.md); ``s = 0.5`` is coterminosity."""
    return split_weight * containment_of(m) + (1.0 - split_weight) * containment_of(m.T)


def split_mask_of(m: np.ndarray, threshold: float = SPLIT_THRESHOLD) -> np.ndarray:
    """A-areas whose best B-area holds less than ``threshold`` of their (common) population."""
    rows = m.sum(axis=1)
    best = m.max(axis=1) if m.shape[1] else np.zeros(m.shape[0])
    return (rows > ZERO_POPULATION) & (best < (threshold - TOLERANCE) * rows)


def interfaces_of(m: np.ndarray, threshold: float = INTERFACE_THRESHOLD) -> np.ndarray:
    """For each A-area, the number of B-areas holding at least ``threshold`` of its population (0 if empty)."""
    rows = m.sum(axis=1)
    counts = (m >= (threshold - TOLERANCE) * rows[:, None]) & (m > ZERO_POPULATION)
    return counts.sum(axis=1).astype(np.int64)


def _pairs(x: np.ndarray | float) -> np.ndarray | float:
    return x * (x - 1.0) / 2.0


def adjusted_rand_of(m: np.ndarray) -> float:
    """Adjusted Rand index over people: the contingency table is ``M`` (population, not unit counts).

    ``(I - E) / (0.5 (R + C) - E)`` with ``I = sum C2(M_ab)``, ``R = sum C2(row_a)``,
    ``C = sum C2(col_b)``, ``E = R C / C2(N)`` and ``C2(x) = x (x - 1) / 2``. Identical zonings
    (and the degenerate case where both have one area) give 1.
    """
    n = float(m.sum())
    index = float(np.sum(_pairs(m)))
    rows = float(np.sum(_pairs(m.sum(axis=1))))
    cols = float(np.sum(_pairs(m.sum(axis=0))))
    total = float(_pairs(n))
    if total <= 0:
        return float("nan")
    expected = rows * cols / total
    denominator = 0.5 * (rows + cols) - expected
    if denominator == 0:
        return 1.0
    return (index - expected) / denominator


# -- one comparison, everything at once ---------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Comparison:
    """All alignment measures of A against B, with the overlap matrix they come from."""

    a: Zoning
    b: Zoning
    matrix: np.ndarray
    covered_population: float
    total_population: float

    @property
    def containment_ab(self) -> float:
        """Containment of A in B."""
        return containment_of(self.matrix)

    @property
    def containment_ba(self) -> float:
        """Containment of B in A."""
        return containment_of(self.matrix.T)

    @property
    def coterminosity(self) -> float:
        return coterminosity_of(self.matrix)

    @property
    def adjusted_rand(self) -> float:
        return adjusted_rand_of(self.matrix)

    def split_a(self, threshold: float = SPLIT_THRESHOLD) -> list[int]:
        """A-areas split by B (best B-area holds < threshold of the A-area)."""
        return [int(i) for i in np.flatnonzero(split_mask_of(self.matrix, threshold))]

    def split_b(self, threshold: float = SPLIT_THRESHOLD) -> list[int]:
        return [int(i) for i in np.flatnonzero(split_mask_of(self.matrix.T, threshold))]

    def interfaces_a(self, threshold: float = INTERFACE_THRESHOLD) -> np.ndarray:
        return interfaces_of(self.matrix, threshold)

    def interfaces_b(self, threshold: float = INTERFACE_THRESHOLD) -> np.ndarray:
        return interfaces_of(self.matrix.T, threshold)

    def summary(self) -> dict[str, float | int]:
        """Scalar measures, JSON-ready."""
        ia, ib = self._active(self.interfaces_a(), 1), self._active(self.interfaces_b(), 0)
        return {
            "containment_ab": self.containment_ab,
            "containment_ba": self.containment_ba,
            "coterminosity": self.coterminosity,
            "adjusted_rand": self.adjusted_rand,
            "split_a": len(self.split_a()),
            "split_b": len(self.split_b()),
            "interfaces_a_mean": float(ia.mean()) if ia.size else 0.0,
            "interfaces_a_max": int(ia.max()) if ia.size else 0,
            "interfaces_b_mean": float(ib.mean()) if ib.size else 0.0,
            "interfaces_b_max": int(ib.max()) if ib.size else 0,
            "covered_share": self.covered_population / self.total_population if self.total_population else 0.0,
        }

    def _active(self, counts: np.ndarray, axis: int) -> np.ndarray:
        """Interface counts of areas with population in the common coverage only."""
        return counts[self.matrix.sum(axis=axis) > ZERO_POPULATION]

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable: codes, the matrix and the summary."""
        return {
            "a": self.a.key,
            "b": self.b.key,
            "a_codes": list(self.a.area_codes),
            "b_codes": list(self.b.area_codes),
            "matrix": self.matrix.tolist(),
            **self.summary(),
            "split_a_codes": [self.a.area_codes[i] for i in self.split_a()],
            "split_b_codes": [self.b.area_codes[i] for i in self.split_b()],
        }


def compare(geography: Geography, a: ZoningLike, b: ZoningLike) -> Comparison:
    """Compare two zonings (layer keys, layers or plans) over the geography's population."""
    za, zb = as_zoning(geography, a), as_zoning(geography, b)
    m = overlap_from_weights(geography.units.population, za.membership, zb.membership)
    return Comparison(za, zb, m, float(m.sum()), float(geography.units.total_population))


# -- the named measures as plain functions ------------------------------------------------------
def containment(geography: Geography, a: ZoningLike, b: ZoningLike) -> float:
    """Containment of A in B (see :func:`containment_of`)."""
    return containment_of(overlap_matrix(geography, a, b))


def coterminosity(geography: Geography, a: ZoningLike, b: ZoningLike) -> float:
    return coterminosity_of(overlap_matrix(geography, a, b))


def alignment(geography: Geography, layer: ZoningLike, plan: ZoningLike, split_weight: float = 0.5) -> float:
    """Alignment of ``plan`` with ``layer`` (see :func:`alignment_of`)."""
    return alignment_of(overlap_matrix(geography, layer, plan), split_weight)


def split_areas(
    geography: Geography, a: ZoningLike, b: ZoningLike, threshold: float = SPLIT_THRESHOLD
) -> list[str]:
    """Codes of A-areas split by B."""
    za = as_zoning(geography, a)
    mask = split_mask_of(overlap_matrix(geography, za, b), threshold)
    return [za.area_codes[i] for i in np.flatnonzero(mask)]


def interfaces(
    geography: Geography, a: ZoningLike, b: ZoningLike, threshold: float = INTERFACE_THRESHOLD
) -> dict[str, int]:
    """For each A-area (by code) with common population, the number of B-areas it deals with."""
    za = as_zoning(geography, a)
    m = overlap_matrix(geography, za, b)
    counts = interfaces_of(m, threshold)
    return {za.area_codes[i]: int(counts[i]) for i in np.flatnonzero(m.sum(axis=1) > ZERO_POPULATION)}


def adjusted_rand(geography: Geography, a: ZoningLike, b: ZoningLike) -> float:
    return adjusted_rand_of(overlap_matrix(geography, a, b))

"""Needs homogeneity: how alike the units inside each area are on the needs indicators.

Each indicator is standardised to population-weighted mean 0 and variance 1 over the units that
have a value (missing values are left out of that indicator only). The within-area variance is
``W_k = sum_a sum_{u in a} v_u (z_uk - zbar_ak)^2`` with ``v_u = p_u / sum p`` over observed units;
since the total variance is 1, the share of variance explained by the areas is ``1 - W_k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.plan import Plan


@dataclass(frozen=True)
class Standardised:
    """Standardised indicators ``z`` (0 where missing) and normalised weights ``v`` (0 where missing)."""

    keys: tuple[str, ...]
    z: np.ndarray
    v: np.ndarray


def standardise(geography: Geography, keys: Sequence[str] | None = None) -> Standardised:
    """Population-weighted standardisation of the chosen indicators (default: all non-constant ones)."""
    ind = geography.indicators
    chosen = tuple(keys) if keys is not None else ind.keys
    for k in chosen:
        ind.column(k)  # rejects unknown keys, listing the allowed ones
    pop = geography.units.population.astype(np.float64)
    zs, vs, kept = [], [], []
    for k in chosen:
        x = ind.column(k)
        seen = ~np.isnan(x)
        w = np.where(seen, pop, 0.0)
        if w.sum() <= 0:
            continue
        w = w / w.sum()
        mean = float(np.sum(w * np.where(seen, x, 0.0)))
        sd = float(np.sqrt(np.sum(w * np.where(seen, x - mean, 0.0) ** 2)))
        if sd == 0:
            continue
        zs.append(np.where(seen, (x - mean) / sd, 0.0))
        vs.append(w)
        kept.append(k)
    if keys is not None and len(kept) < len(chosen):
        dropped = sorted(set(chosen) - set(kept))
        raise DevoplanError(f"indicator(s) {', '.join(dropped)} have no variation or no values")
    n = geography.n_units
    z = np.stack(zs, axis=1) if zs else np.zeros((n, 0))
    v = np.stack(vs, axis=1) if vs else np.zeros((n, 0))
    return Standardised(tuple(kept), z, v)


@dataclass(frozen=True)
class HomogeneityResult:
    """Within-area variance of each standardised indicator."""

    keys: tuple[str, ...]
    within: np.ndarray

    def scalars(self) -> dict[str, float]:
        """Means over indicators; empty when the geography has no usable indicator."""
        if not self.within.size:
            return {}
        w = float(self.within.mean())
        return {"within_variance": w, "between_share": 1.0 - w}

    def to_dict(self) -> dict[str, object]:
        return {**self.scalars(), "by_indicator": {
            k: {"within_variance": float(w), "between_share": 1.0 - float(w)}
            for k, w in zip(self.keys, self.within, strict=True)}}


def within_variance(std: Standardised, assignment: np.ndarray, n_areas: int) -> np.ndarray:
    """``W_k`` for every indicator, from per-area weighted means (two-pass, not the running sums)."""
    out = np.zeros(len(std.keys))
    for j in range(len(std.keys)):
        v, z = std.v[:, j], std.z[:, j]
        s0 = np.bincount(assignment, weights=v, minlength=n_areas)
        s1 = np.bincount(assignment, weights=v * z, minlength=n_areas)
        mean = np.divide(s1, s0, out=np.zeros(n_areas), where=s0 > 0)
        out[j] = float(np.sum(v * (z - mean[assignment]) ** 2))
    return out


def homogeneity(geography: Geography, plan: Plan, *, indicators: Sequence[str] | None = None) -> HomogeneityResult:
    """Within-area variance and between-area share of the standardised needs indicators."""
    plan.check(geography)
    std = standardise(geography, indicators)
    return HomogeneityResult(std.keys, within_variance(std, plan.assignment, plan.n_areas))

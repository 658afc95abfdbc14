"""Formula components, each a per-unit factor computed from arrays (no I/O, no pandas).

* age-sex cost curve: a cost-weighted population (residents weighted by relative cost per head);
* need adjustment: ``exp(strength * composite z)`` from weighted, standardised indicators;
* unmet need / inequalities and sparsity: one-sided uplifts ``1 + strength * max(z, 0)``;
* area cost adjustment: a given per-unit factor (read by :mod:`devoplan.funding.inputs`).

Factors are combined multiplicatively (``prod f``) or additively (``1 + sum (f - 1)``). Functions
taking ``strength`` / ``weights`` broadcast over leading axes, so the Monte Carlo in
:mod:`devoplan.funding.sensitivity` evaluates a thousand draws in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.funding.spec import AgeSexCurve


def band_curve(curve: AgeSexCurve, n_ages: int) -> np.ndarray:
    """Expand band costs to single years of age: ``(2, n_ages)``, sex order F, M."""
    out = np.zeros((2, n_ages))
    for (lo, hi), f, m in zip(curve.bands, curve.female, curve.male, strict=True):
        if lo >= n_ages:
            continue
        out[0, lo:min(hi, n_ages - 1) + 1] = f
        out[1, lo:min(hi, n_ages - 1) + 1] = m
    return out


def cost_weighted_population(age_sex: np.ndarray, curve_by_age: np.ndarray) -> np.ndarray:
    """Residents weighted by relative cost, scaled so the total equals the total population.

    ``age_sex`` is ``(n, 2, n_ages)``; the result divided by a unit's population is its age-sex
    cost index (1 = national average cost per head).
    """
    raw = np.einsum("usa,sa->u", age_sex.astype(np.float64), curve_by_age)
    total = raw.sum()
    if total <= 0:
        raise DevoplanError("the age-sex cost curve gives zero cost for the whole population; "
                            "check that its non-zero bands hold residents")
    return raw * (age_sex.sum() / total)


@dataclass(frozen=True)
class Standardised:
    """Population-weighted z-scores oriented so that higher always means more need."""

    z: np.ndarray  # (n, k)
    filled: np.ndarray  # (n, k) bool: value was missing and set to the national mean (z = 0)
    constant: np.ndarray  # (k,) bool: indicator does not vary, so z = 0 everywhere


def standardise(values: np.ndarray, population: np.ndarray, higher_is_worse: Sequence[bool]) -> Standardised:
    """z-scores of each indicator column, weighted by population, direction-aware.

    Mean and standard deviation are population-weighted over the units with a value; a missing
    value is filled with the population-weighted mean (so its z-score is 0) and flagged. Scaling
    every population by the same factor leaves z unchanged.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    observed = ~np.isnan(x)
    w = np.where(observed, np.asarray(population, dtype=np.float64)[:, None], 0.0)
    wsum = w.sum(axis=0)
    safe = np.where(wsum > 0, wsum, 1.0)
    xz = np.where(observed, x, 0.0)
    mean = (w * xz).sum(axis=0) / safe
    sd = np.sqrt((w * (xz - mean) ** 2).sum(axis=0) / safe)
    constant = ~(sd > 0) | (wsum <= 0)
    sign = np.where(np.asarray(higher_is_worse, dtype=bool), 1.0, -1.0)
    z = np.where(observed & ~constant, (xz - mean) / np.where(constant, 1.0, sd), 0.0) * sign
    return Standardised(z=z, filled=~observed, constant=constant)


def composite(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of z-scores: ``z`` is ``(n, k)``, ``weights`` ``(..., k)`` -> ``(..., n)``."""
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise DevoplanError("need adjustment weights must not all be zero")
    return (w / total) @ z.T


def need_multiplier(z: np.ndarray, weights: np.ndarray, strength: np.ndarray | float) -> np.ndarray:
    """``exp(strength * composite z)``: 1 at the national mean, strictly increasing in need."""
    s = np.asarray(strength, dtype=np.float64)
    return np.exp(s[..., None] * composite(z, weights))


def uplift(z: np.ndarray, strength: np.ndarray | float) -> np.ndarray:
    """One-sided uplift ``1 + strength * max(z, 0)``: only above-average need attracts money.

    Used for unmet need / health inequalities (e.g. avoidable mortality) and for sparsity, where
    the policy aim is to add to the worst-placed areas rather than to take from the best-placed.
    """
    s = np.asarray(strength, dtype=np.float64)
    return 1.0 + s[..., None] * np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def combine(factors: Sequence[np.ndarray], mode: str) -> np.ndarray:
    """Combine per-head factors: ``multiplicative`` -> product; ``additive`` -> ``1 + sum(f - 1)``.

    The additive index is floored at 0 (a unit cannot attract negative money).
    """
    if not factors:
        return np.ones(1)
    if mode == "multiplicative":
        out = np.ones(1)
        for f in factors:
            out = out * f
        return out
    if mode == "additive":
        out = np.ones(1)
        for f in factors:
            out = out + (f - 1.0)
        return np.maximum(out, 0.0)
    raise DevoplanError(f"unknown combine mode '{mode}'; allowed: multiplicative, additive")

"""Population balance: how equal the areas of a plan are in population."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.plan import Plan


@dataclass(frozen=True)
class BalanceResult:
    """Area populations and the optional bounds ``[lower, upper]`` they are checked against."""

    area_codes: tuple[str, ...]
    populations: np.ndarray
    lower: float | None = None
    upper: float | None = None

    def outside(self) -> np.ndarray:
        """Indices of areas below ``lower`` or above ``upper``."""
        return np.flatnonzero(outside_mask(self.populations, self.lower, self.upper))

    def scalars(self) -> dict[str, float]:
        return balance_scalars(self.populations, self.lower, self.upper)

    def to_dict(self) -> dict[str, object]:
        return {**self.scalars(), "lower": self.lower, "upper": self.upper,
                "outside_bounds": [self.area_codes[i] for i in self.outside()],
                "populations": {c: float(p) for c, p in zip(self.area_codes, self.populations, strict=True)}}


def outside_mask(populations: np.ndarray, lower: float | None, upper: float | None) -> np.ndarray:
    mask = np.zeros(len(populations), dtype=bool)
    if lower is not None:
        mask |= populations < lower
    if upper is not None:
        mask |= populations > upper
    return mask


def balance_scalars(populations: np.ndarray, lower: float | None, upper: float | None) -> dict[str, float]:
    """min, max, max/min, largest relative deviation from the mean, and areas outside the bounds."""
    low, high = float(populations.min()), float(populations.max())
    mean = float(populations.mean())
    return {
        "min_population": low,
        "max_population": high,
        "max_min_ratio": high / low if low > 0 else float("inf"),
        "max_deviation": float(np.abs(populations / mean - 1.0).max()) if mean > 0 else 0.0,
        "outside_bounds": float(np.count_nonzero(outside_mask(populations, lower, upper))),
    }


def check_bounds(lower: float | None, upper: float | None) -> None:
    if lower is not None and upper is not None and lower > upper:
        raise DevoplanError(f"population bounds are reversed: lower {lower:g} > upper {upper:g}")


def balance(
    geography: Geography, plan: Plan, *, lower: float | None = None, upper: float | None = None
) -> BalanceResult:
    """Area populations of the plan, checked against optional bounds."""
    plan.check(geography)
    check_bounds(lower, upper)
    pops = plan.area_totals(geography.units.population.astype(np.float64))
    return BalanceResult(plan.area_codes, pops, lower, upper)

"""Score ensemble plans with the project's scorers, and place one plan in the ensemble's distribution.

Every plan, ensemble member or the plan compared with them, is scored by the same two functions:
the design objective and its unweighted terms (:class:`devoplan.design.objective.Scorer`, from scratch,
at district level so a plan that splits a kept-whole area is scored the same way), and every scalar of
:func:`devoplan.metrics.scalars.plan_scalars` (coterminosity and containment with every layer,
population balance, compactness, homogeneity, identity...). Nothing is scored twice: consecutive
ensemble plans are often the same (a step that redrew the same split), so scores are cached by plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.design.blocks import build_blocks
from devoplan.design.objective import TERMS, Objective, build_objective, score_assignment
from devoplan.design.options import DesignOptions
from devoplan.geography.model import Geography
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan

OBJECTIVE = "objective"
TERM_PREFIX = "term."
# Percentiles outside this band mark a plan as unusual for that metric (the middle 95% of the ensemble).
UNUSUAL_BELOW, UNUSUAL_ABOVE = 2.5, 97.5


def canonical(assignment: np.ndarray) -> np.ndarray:
    """Area labels renumbered in order of first unit, so the same partition is the same array."""
    _, first, inverse = np.unique(assignment, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


class PlanScorer:
    """The objective (its value and every term) and every scalar metric of a unit-level plan."""

    def __init__(self, geography: Geography, options: DesignOptions, min_pop: int, max_pop: int) -> None:
        self.geography = geography
        self.options = options
        self.score_options = ScoreOptions(indicators=options.needs_indicators, lower=min_pop, upper=max_pop)
        self._singles = build_blocks(geography, options.with_(
            keep_whole=(), together=(), apart=(), locks={}, start=None, frozen_areas=(), do_not_cross=()))
        self._objectives: dict[int, Objective] = {}
        self._cache: dict[bytes, dict[str, float]] = {}
        self._codes = tuple(f"A{i + 1:02d}" for i in range(geography.n_units))

    def _objective(self, k: int) -> Objective:
        """The design objective over single districts for ``k`` areas (built once per k)."""
        if k not in self._objectives:
            self._objectives[k] = build_objective(self.geography, self._singles, self.options.with_(areas=k))
        return self._objectives[k]

    def score(self, assignment: np.ndarray) -> dict[str, float]:
        """``objective``, ``term.<name>`` for every term, then every plan scalar by its stable name."""
        labels = canonical(assignment)
        key = labels.astype(np.int32).tobytes()
        if key not in self._cache:
            k = int(labels.max()) + 1
            value, terms = score_assignment(self._objective(k), labels)
            plan = Plan(self.geography.units.codes, labels, self._codes[:k], self._codes[:k])
            out = {OBJECTIVE: value} | {f"{TERM_PREFIX}{t}": float(terms[t]) for t in TERMS}
            self._cache[key] = out | plan_scalars(self.geography, plan, self.score_options)
        return self._cache[key]


@dataclass(frozen=True)
class MetricSummary:
    """One metric over the ensemble, and where the compared plan falls (``None`` without one)."""

    metric: str
    count: int  # ensemble plans with a finite value
    mean: float
    sd: float
    minimum: float
    p05: float
    median: float
    p95: float
    maximum: float
    plan_value: float | None = None
    percentile: float | None = None

    @property
    def varies(self) -> bool:
        return self.maximum > self.minimum

    @property
    def unusual(self) -> bool:
        """The compared plan lies outside the middle 95% of the ensemble for this metric."""
        return self.percentile is not None and not UNUSUAL_BELOW <= self.percentile <= UNUSUAL_ABOVE


def percentile_of(values: np.ndarray, value: float) -> float | None:
    """Mid-rank percentile of ``value`` among ``values``: 100 x (#below + #equal / 2) / #values.

    A plan equal to every ensemble value sits at 50; NaNs are left out; ``None`` when nothing is left.
    """
    v = values[np.isfinite(values)]
    if len(v) == 0 or not np.isfinite(value):
        return None
    below = np.count_nonzero(v < value)
    equal = np.count_nonzero(v == value)
    return float(100.0 * (below + 0.5 * equal) / len(v))


def summarise(names: tuple[str, ...], values: np.ndarray, plan: dict[str, float] | None) -> tuple[MetricSummary, ...]:
    """A :class:`MetricSummary` per column of ``values`` (plans x metrics)."""
    out = []
    for j, name in enumerate(names):
        col = values[:, j]
        v = col[np.isfinite(col)]
        given = None if plan is None else plan.get(name)
        pct = None if given is None else percentile_of(col, given)
        if len(v) == 0:
            nan = float("nan")
            out.append(MetricSummary(name, 0, nan, nan, nan, nan, nan, nan, nan, given, pct))
            continue
        q = np.quantile(v, [0.05, 0.5, 0.95])
        out.append(MetricSummary(name, len(v), float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                                 float(v.min()), float(q[0]), float(q[1]), float(q[2]), float(v.max()), given, pct))
    return tuple(out)

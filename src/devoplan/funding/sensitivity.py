"""Monte Carlo sensitivity of allocations to the formula's judgement calls.

Each draw picks, for every service line, indicator weights uniformly within their
``weight_range``, whether each indicator is used at all (``include_probability``; at least one is
always kept), and the strengths of the need, unmet-need and sparsity components within their
``strength_range``. The whole settlement (targets, then pace of change year by year) is evaluated
for all draws at once as ``(draws, areas)`` arrays. Results are not rounded to the penny: they
describe spread, not payments. Reported per area and year: the 5th, 50th and 95th percentiles of
allocation per head (all lines together) and the share of draws in which the area is a *winner*
(cash growth on its baseline above the national growth).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.funding.pace import pace_step
from devoplan.funding.spec import PaceSpec
from devoplan.funding.targets import LineInputs, area_shares, unit_need, year_need
from devoplan.zoning import Zoning


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Percentiles of allocation per head and winner frequency, each ``(years, areas)``."""

    draws: int
    seed: int | None
    per_head_p5: np.ndarray
    per_head_p50: np.ndarray
    per_head_p95: np.ndarray
    winner_frequency: np.ndarray


def _uniform(rng: np.random.Generator, bounds: tuple[float, float], draws: int) -> np.ndarray:
    return rng.uniform(bounds[0], bounds[1], size=draws)


def draw_need(inputs: LineInputs, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``(draws, n_units)`` weighted need for one line under randomly drawn formula choices."""
    line = inputs.line
    kwargs: dict[str, np.ndarray] = {}
    if line.need is not None:
        lo = np.array([i.weight_range[0] for i in line.need.indicators])
        hi = np.array([i.weight_range[1] for i in line.need.indicators])
        prob = np.array([i.include_probability for i in line.need.indicators])
        weights = rng.uniform(lo, hi, size=(draws, len(lo)))
        keep = rng.random((draws, len(lo))) < prob
        keep[~keep.any(axis=1), int(np.argmax(inputs.need_weights))] = True
        weights = np.where(keep, weights, 0.0)
        empty = weights.sum(axis=1) <= 0
        weights[empty] = inputs.need_weights
        kwargs["need_weights"] = weights
        kwargs["need_strength"] = _uniform(rng, line.need.strength_range, draws)
    if line.unmet_need is not None:
        kwargs["unmet_strength"] = _uniform(rng, line.unmet_need.strength_range, draws)
    if line.sparsity is not None:
        kwargs["sparsity_strength"] = _uniform(rng, line.sparsity.strength_range, draws)
    need = unit_need(inputs, **kwargs)
    return np.broadcast_to(need, (draws, need.shape[-1]))


def simulate(inputs: Sequence[LineInputs], areas: Zoning, baseline: np.ndarray, control: np.ndarray,
             pace: PaceSpec, draws: int, seed: int | None) -> SensitivityResult:
    """Run ``draws`` settlements. ``baseline`` is ``(lines, areas)``, ``control`` ``(lines, years)``."""
    rng = np.random.default_rng(seed)
    n_years = control.shape[1]
    total = np.zeros((draws, n_years, areas.n_areas))
    for li, line_inputs in enumerate(inputs):
        if line_inputs.nhs_need is not None:  # NHS England's weights: no judgement to vary, but year by year
            by_year = [area_shares(year_need(line_inputs, y + 1), areas) for y in range(n_years)]
        else:
            by_year = [area_shares(draw_need(line_inputs, draws, rng), areas)] * n_years
        prev = np.broadcast_to(baseline[li], (draws, areas.n_areas))
        for y in range(n_years):
            shares = by_year[y]
            prev = pace_step(prev, shares * control[li, y], control[li, y], pace.convergence, pace.floor, pace.cap)
            total[:, y, :] += prev
    population = areas.aggregate(inputs[0].population)
    per_head = total / population
    base_total = baseline.sum(axis=0)
    national = total.sum(axis=-1, keepdims=True) / base_total.sum()
    winner = total / base_total > national * (1 + 1e-12)
    p5, p50, p95 = np.percentile(per_head, [5, 50, 95], axis=0)
    return SensitivityResult(draws, seed, p5, p50, p95, winner.mean(axis=0))

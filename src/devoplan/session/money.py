"""First-settlement-year funding of a plan's areas from per-area sums, for what-if answers in milliseconds.

:func:`devoplan.funding.fund` prepares every line's formula for the whole country and then runs the
settlement year by year. A what-if needs only the first settlement year, and a move of a district
changes nothing but the sums of the two areas it leaves and joins. So :class:`FirstYearMoney` does
the expensive part once per geography and spec — each line's per-district need for the year,
baseline money (or the spec's assumed-baseline weights) and residents — and
:meth:`FirstYearMoney.evaluate` turns per-area sums of those columns into the year's targets, the
pace-of-change step (one common growth shift solved for all lines at once, vectorised) and the
allocations rounded to the penny. It follows ``fund`` step for step, so the pence agree exactly
(tests/test_session.py checks that against ``fund`` for random moves).

Columns of :attr:`FirstYearMoney.unit_values`: 0 is residents; line ``l`` has need at
``1 + 3l``, assumed-baseline weight at ``2 + 3l`` and today's money from the data at ``3 + 3l``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.funding.allocate import control_totals
from devoplan.funding.pace import check_feasible, pace_step
from devoplan.funding.rounding import largest_remainder
from devoplan.funding.spec import FundingSpec
from devoplan.funding.targets import prepare_line, year_need
from devoplan.funding.years import format_year, parse_year
from devoplan.geography.model import Geography
from devoplan.zoning import frozen_array

COLUMNS_PER_LINE = 3


@dataclass(frozen=True)
class AreaMoney:
    """One year's money per area (all lines): allocation and target in pence, residents, need index."""

    allocation_pence: np.ndarray  # (k,) int64
    target_pence: np.ndarray  # (k,) int64
    population: np.ndarray  # (k,) residents
    need_index: np.ndarray  # (k,) target per head / England's target per head

    def per_head(self) -> np.ndarray:
        """Allocation per resident, pounds."""
        return self.allocation_pence / 100.0 / self.population


@dataclass(frozen=True, eq=False)
class FirstYearMoney:
    """Everything about the first settlement year that does not depend on the plan (read-only, shareable)."""

    year: str
    line_keys: tuple[str, ...]
    unit_values: np.ndarray  # (n_units, 1 + 3 lines)
    from_data: np.ndarray  # (lines,) bool: today's money comes from the data (else the assumed rule)
    totals: np.ndarray  # (lines,) int64 pence to areas in the year
    base_controls: np.ndarray  # (lines,) float pence to areas in the base year
    spec: FundingSpec

    @classmethod
    def build(cls, geography: Geography, spec: FundingSpec) -> FirstYearMoney:
        """Prepare every line of ``spec`` for its first settlement year (what ``fund`` does first)."""
        year = spec.years[0]
        years = (format_year(parse_year(year) - 1), year)
        cols = [geography.units.population.astype(np.float64)]
        from_data, totals, base = [], [], []
        for line in spec.lines:
            inputs = prepare_line(geography, spec, line, years)
            gross, slices = control_totals(line, years)
            to_areas = gross - sum(slices.values(), np.zeros_like(gross))
            weights = inputs.population if spec.baseline.method == "equal_per_head" else inputs.cost_population
            today = inputs.baseline_units
            cols += [np.asarray(year_need(inputs, 1), dtype=np.float64), np.asarray(weights, dtype=np.float64),
                     np.zeros(geography.n_units) if today is None else np.asarray(today, dtype=np.float64)]
            from_data.append(today is not None)
            totals.append(int(to_areas[1]))
            base.append(float(to_areas[0]))
        return cls(year, tuple(ln.key for ln in spec.lines), frozen_array(np.ascontiguousarray(np.stack(cols, 1))),
                   frozen_array(np.array(from_data)), frozen_array(np.array(totals, dtype=np.int64)),
                   frozen_array(np.array(base)), spec)

    @property
    def n_lines(self) -> int:
        return len(self.line_keys)

    def evaluate(self, sums: np.ndarray, area_codes: tuple[str, ...] | None = None) -> AreaMoney:
        """The year's money for areas whose column sums of :attr:`unit_values` are ``sums`` ``(k, columns)``."""
        k = sums.shape[0]
        # (lines, k), each row contiguous so that its sums add in the same order as fund's 1-D arrays
        need = np.ascontiguousarray(sums[:, 1::COLUMNS_PER_LINE].T)
        weight = np.ascontiguousarray(sums[:, 2::COLUMNS_PER_LINE].T)
        today = np.ascontiguousarray(sums[:, 3::COLUMNS_PER_LINE].T) * 100.0
        shares = need / need.sum(axis=-1, keepdims=True)
        if np.any(need.sum(axis=-1) <= 0):
            raise DevoplanError("the formula gives zero need everywhere; nothing to share out")
        totals = self.totals
        targets = largest_remainder(shares, totals)
        prev = self._baseline(weight, today)
        for i, key in enumerate(self.line_keys):
            if (prev[i] <= 0).any():
                code = area_codes[int(np.argmin(prev[i]))] if area_codes else str(int(np.argmin(prev[i])))
                raise DevoplanError(f"line {key}: area {code} has a zero baseline; pace of change needs a "
                                    "positive starting allocation")
            check_feasible(float(prev[i].sum()), float(totals[i]), self.spec.pace.floor, self.spec.pace.cap,
                           f"line {key}, {self.year}", slack=float(k))
        pace = self.spec.pace
        step = pace_step(prev, shares * totals[:, None], totals.astype(np.float64), pace.convergence,
                         pace.floor, pace.cap)
        alloc = largest_remainder(step, totals)
        population = sums[:, 0]
        target = targets.sum(axis=0)
        index = (target / population) / (target.sum() / population.sum())
        return AreaMoney(alloc.sum(axis=0), target, population, index)

    def _baseline(self, weight: np.ndarray, today: np.ndarray) -> np.ndarray:
        """Base-year money per line and area (pence): the data scaled to the base control, else the rule."""
        control = self.base_controls[:, None]
        assumed = weight / weight.sum(axis=-1, keepdims=True) * control
        out = assumed.copy()
        for i in np.flatnonzero(self.from_data):
            t = today[i] * (control[i, 0] / float(today[i].sum()))
            empty = t <= 0  # an area with no spending in the data starts from the assumed rule
            if empty.any():
                t[empty] = assumed[i][empty]
                t *= control[i, 0] / float(t.sum())
            out[i] = t
        return out

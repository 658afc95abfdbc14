"""Price design: per-group outcome prices that buy the most outcomes for a budget without parking anyone.

The provider's response to a group's price is a step (or, when costs vary within the group, a ramp):
the served share ``s`` rises with the price, and the cheapest price that buys share ``s`` is
``(1 + margin) * (c_lo + s * (c_hi - c_lo)) / (p_with - p_without)``. So choosing a price for a
group is choosing a service level. Each group gets a menu of levels (served shares ``0, 1/steps,
..., 1``; just ``0`` and ``1`` when costs do not vary), each with its price (rounded up to
``round_to``), outcomes and spend, computed by the model itself. Levels leaving more than
``max_parking`` of a group unserved are struck off. Picking one level per group is a
multiple-choice knapsack, solved exactly as a small mixed-integer programme with HiGHS:

- budget mode: maximise expected outcomes subject to spend <= budget (ties go to the cheaper design);
- target mode: minimise spend subject to expected outcomes >= target.

Attachment fees are paid for everyone, so they never change whom the provider serves: the design
either keeps the spec's fees (``attachment = "keep"``) or drops them (``"drop"``) so that the money
can go into outcome prices. Feasibility is checked before solving (the cheapest unparked design
against the budget, the best design against the target) and the solver status after.

The designed prices are compared with **flat** prices (one price per outcome for every group, the
same attachment fees as the design): the best flat price within the same spend, and the cheapest flat price that
reaches the designed outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from devoplan.errors import InfeasibleError
from devoplan.markets.pbr import PbrResult, evaluate, evaluate_group, price_for_share, with_outcome_prices
from devoplan.markets.pbr_spec import CohortGroup, PbrSpec, PriceTable
from devoplan.solver import quiet_highs

SHARE_TOLERANCE = 1e-9
TIE_WEIGHT = 1e-7  # weight of spend (relative) against outcomes in budget mode: only breaks ties
BISECTION_STEPS = 200


@dataclass(frozen=True)
class Level:
    """One choice for one group: the price and what the model says follows from it."""

    share: float
    price: float
    outcomes: float
    spend: float


@dataclass(frozen=True)
class DesignResult:
    """Designed prices, the spec's own prices and flat prices, side by side."""

    mode: str  # "budget" or "target"
    budget: float | None
    target_outcomes: float | None
    max_parking: float
    solver_status: str
    current: PbrResult
    designed: PbrResult
    flat_same_budget: PbrResult
    flat_same_outcomes: PbrResult | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "budget": self.budget,
            "target_outcomes": self.target_outcomes,
            "max_parking": self.max_parking,
            "solver_status": self.solver_status,
            "current": self.current.as_dict(),
            "designed": self.designed.as_dict(),
            "flat_same_budget": self.flat_same_budget.as_dict(),
            "flat_same_outcomes": None if self.flat_same_outcomes is None else self.flat_same_outcomes.as_dict(),
        }


def round_up(value: float, step: float) -> float:
    """``value`` rounded up to a multiple of ``step`` (unchanged when ``step`` is 0)."""
    if step <= 0 or not math.isfinite(value):
        return value
    return math.ceil(value / step - 1e-9) * step


def levels(spec: PbrSpec, group: CohortGroup) -> list[Level]:
    """The service levels open to ``group`` under the spec's parking limit, cheapest first."""
    steps = 1 if group.cost_spread == 0 else spec.design.steps
    floor = 1.0 - spec.design.max_parking - SHARE_TOLERANCE
    attach = attachment_table(spec).attachment_fee(group.key)
    out: list[Level] = []
    for j in range(steps + 1):
        share = j / steps
        if group.size > 0 and share < floor:
            continue
        price = round_up(price_for_share(group, share, spec.margin), spec.design.round_to)
        if not math.isfinite(price):
            continue
        r = evaluate_group(group, price, attach, spec.margin)
        out.append(Level(r.served_share, price, r.outcomes, r.spend))
    if not out:
        raise InfeasibleError(
            f"group '{group.key}' cannot be served at any price (p_with {group.p_with:g} equals p_without "
            f"{group.p_without:g}), so no design leaves at most {spec.design.max_parking:.0%} of it unserved")
    return out


def design_prices(spec: PbrSpec) -> DesignResult:
    """Design outcome prices for ``spec`` (see the module docstring) and compare with flat prices."""
    current = evaluate(spec)
    menus = [levels(spec, g) for g in spec.groups]
    target = spec.design.target_outcomes
    budget = None if target is not None else (spec.design.budget if spec.design.budget is not None
                                              else current.spend)
    _check_feasible(spec, menus, budget, target)
    picks, status = _solve(menus, budget, target)
    prices = {g.key: menus[i][picks[i]].price for i, g in enumerate(spec.groups)}
    designed = evaluate(spec, with_outcome_prices(attachment_table(spec), prices), "designed prices")
    spend_cap = budget if budget is not None else designed.spend
    return DesignResult(
        mode="target" if target is not None else "budget", budget=budget, target_outcomes=target,
        max_parking=spec.design.max_parking, solver_status=status, current=current, designed=designed,
        flat_same_budget=flat_within(spec, spend_cap), flat_same_outcomes=flat_reaching(spec, designed.outcomes),
    )


def _check_feasible(spec: PbrSpec, menus: list[list[Level]], budget: float | None, target: float | None) -> None:
    cheapest = sum(min(lv.spend for lv in menu) for menu in menus)
    best = sum(max(lv.outcomes for lv in menu) for menu in menus)
    limit = f"{spec.design.max_parking:.0%}"
    if budget is not None and cheapest > budget * (1 + 1e-9):
        raise InfeasibleError(f"a budget of £{budget:,.0f} cannot buy a design leaving at most {limit} of each "
                              f"group unserved: the cheapest such design costs £{cheapest:,.0f}")
    if target is not None and best < target * (1 - 1e-9):
        raise InfeasibleError(f"the outcome target {target:,.1f} is out of reach: serving every group as fully as "
                              f"possible gives {best:,.1f} expected outcomes")


def _solve(menus: list[list[Level]], budget: float | None, target: float | None) -> tuple[list[int], str]:
    """One level per group: the multiple-choice knapsack as a MIP (binary x per level)."""
    sizes = [len(m) for m in menus]
    n = sum(sizes)
    outcomes = np.array([lv.outcomes for m in menus for lv in m])
    spend = np.array([lv.spend for m in menus for lv in m])
    o_scale, s_scale = max(float(outcomes.max()), 1.0), max(float(spend.max()), 1.0)
    if budget is not None:
        cost = -outcomes / o_scale + TIE_WEIGHT * spend / s_scale
        extra_row, lo, hi = spend / s_scale, -highspy.kHighsInf, budget / s_scale * (1 + 1e-9)
    else:
        assert target is not None
        cost = spend / s_scale
        extra_row, lo, hi = outcomes / o_scale, target / o_scale * (1 - 1e-9), highspy.kHighsInf
    h = quiet_highs()
    for option, value in (("output_flag", False), ("threads", 1), ("mip_rel_gap", 0.0)):
        h.setOptionValue(option, value)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    start = 0
    for size in sizes:
        idx = np.arange(start, start + size, dtype=np.int32)
        h.addRow(1.0, 1.0, size, idx, np.ones(size))
        start += size
    h.addRow(lo, hi, n, np.arange(n, dtype=np.int32), extra_row)
    h.run()
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    if status != highspy.HighsModelStatus.kOptimal:
        raise InfeasibleError(f"the price design has no optimal solution (HiGHS: {name})")
    x = np.asarray(h.getSolution().col_value)
    picks, start = [], 0
    for size in sizes:
        picks.append(int(np.argmax(x[start : start + size])))
        start += size
    return picks, name


def attachment_table(spec: PbrSpec) -> PriceTable:
    """The price table whose attachment fees designed (and flat) prices pay."""
    if spec.design.attachment == "drop":
        return PriceTable(outcome=dict(spec.prices.outcome), attachment={})
    return spec.prices


# -- flat prices ------------------------------------------------------------------------------------
def flat_result(spec: PbrSpec, price: float, label: str) -> PbrResult:
    """The model with one outcome price for every group (the design's attachment fees)."""
    return evaluate(spec, with_outcome_prices(attachment_table(spec), {g.key: price for g in spec.groups}), label)


def _top_price(spec: PbrSpec) -> float:
    """A flat price at which every servable group is fully served."""
    prices = [price_for_share(g, 1.0, spec.margin) for g in spec.groups if g.uplift > 0]
    return max([1.0, *[p for p in prices if math.isfinite(p)]]) * 1.01


def _boundary(ok: Callable[[float], bool], lo: float, hi: float) -> tuple[float, float]:
    """For a test true at ``lo``, false at ``hi`` and switching once: the last true and first false price."""
    for _ in range(BISECTION_STEPS):
        if hi - lo <= 1e-9 * max(hi, 1.0):
            break
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo, hi


def flat_within(spec: PbrSpec, budget: float) -> PbrResult:
    """The flat price buying the most outcomes for at most ``budget`` (the cheapest such price).

    Spend and outcomes both rise with the price, so the best price within the budget is the
    highest affordable one, lowered to the cheapest price giving the same outcomes.
    """
    label = "flat price, within the same spend"
    top = _top_price(spec)
    affordable = lambda p: flat_result(spec, p, label).spend <= budget  # noqa: E731
    highest = top if affordable(top) else (_boundary(affordable, 0.0, top)[0] if affordable(0.0) else 0.0)
    best = flat_result(spec, highest, label).outcomes
    short = lambda p: flat_result(spec, p, label).outcomes < best - 1e-9 * max(best, 1.0)  # noqa: E731
    price = 0.0 if not short(0.0) else _boundary(short, 0.0, highest)[1]
    tidy = round_up(price, spec.design.round_to)  # a whole-pound price when it changes nothing that matters
    return flat_result(spec, tidy if affordable(tidy) and not short(tidy) else price, label)


def flat_reaching(spec: PbrSpec, outcomes: float) -> PbrResult | None:
    """The cheapest flat price whose expected outcomes reach ``outcomes`` (None if none does)."""
    label = "flat price, same outcomes"
    top = _top_price(spec)
    short = lambda p: flat_result(spec, p, label).outcomes < outcomes * (1 - 1e-9)  # noqa: E731
    if short(top):
        return None
    price = 0.0 if not short(0.0) else _boundary(short, 0.0, top)[1]
    return flat_result(spec, round_up(price, spec.design.round_to), label)

"""Column generation without a listing: the pricing MIP, the Lagrangian bound and price-and-branch.

Oracles: the full listing of ``design/columns.py`` (every feasible area, priced by ``column_costs``)
for the least reduced cost, and brute force over every feasible plan for the optimum.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from devoplan.design import prove as prove_mod
from devoplan.design.api import design
from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.colgen import ColumnPool, _Duals, _ExactPricing, _smooth, generate, side_counts, worst_total
from devoplan.design.column_costs import column_costs
from devoplan.design.columns import enumerate_columns
from devoplan.design.objective import Objective, build_objective, score_assignment
from devoplan.design.options import DesignOptions
from devoplan.design.pricing import PricingModel, _pieces, _separator, sides
from devoplan.errors import InfeasibleError
from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.testing import grid_geography, grid_plan_labels
from devoplan.testing.bruteforce import ALL_TERMS, feasible_plans

NO_NEEDS = ALL_TERMS | {"needs": 0.0}


def _opts(geo: Geography, k: int, weights: dict[str, float], **extra: object) -> DesignOptions:
    mean = geo.units.total_population / k
    base: dict[str, object] = {
        "areas": k, "health": ("SPLIT",), "economic": ("COVER",), "keep_whole": (), "keep_whole_soft": ("BLOCK",),
        "weights": weights, "min_pop": int(0.5 * mean), "max_pop": int(1.6 * mean), "time_limit": 0.05,
    }
    return DesignOptions(**(base | extra))  # type: ignore[arg-type]


@pytest.mark.parametrize("flow", [True, False])
@pytest.mark.parametrize(("seed", "weights"), [(0, NO_NEEDS), (1, NO_NEEDS), (2, ALL_TERMS)])
def test_pricing_mip_finds_the_least_reduced_cost_of_the_listing(seed: int, weights: dict[str, float],
                                                                 flow: bool) -> None:
    """With needs weight 0 the MIP is exact; with it, its bound never exceeds the true least cost. Both
    contiguity models: the flow rows, and separator rows added while the MIP's set is disconnected."""
    geo = grid_geography(3, 4, seed=seed)
    opts = _opts(geo, 3, weights)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    lo, hi = opts.min_pop or 0, opts.max_pop or 0
    columns = enumerate_columns(blocks, lo, hi)
    assert columns is not None
    costs = column_costs(obj, columns)
    model = PricingModel(obj, blocks, lo, hi, flow=flow)
    rng = np.random.default_rng(seed)
    for _ in range(4):
        pi = rng.normal(0.1, 0.1, size=blocks.n_blocks)
        mu = float(rng.normal(0, 0.05))
        rho = tuple(rng.uniform(0, 1e-6, size=s) for s in costs.layer_sizes)
        rc = costs.reduced_costs(pi, mu, rho)
        out = model.solve(pi, mu, rho)
        assert out.lower <= rc.min() + 1e-7
        assert out.blocks is not None
        found = columns.find([np.array(out.blocks)])[0]
        assert found >= 0  # the MIP's area is a feasible area
        if weights["needs"] == 0:
            assert out.lower == pytest.approx(rc.min(), abs=1e-6)
            assert rc[found] == pytest.approx(rc.min(), abs=1e-6)
        for other in out.others:  # the improving solutions met on the way: feasible areas, negative at these duals
            at = columns.find([np.array(other)])[0]
            assert at >= 0
            if weights["needs"] == 0:
                assert rc[at] < 0


def _brute_force(geo: Geography, opts: DesignOptions, k: int) -> tuple[Blocks, Objective, int, int, list[np.ndarray],
                                                                        float, np.ndarray]:
    """Blocks, objective and population bounds of ``opts``, every feasible plan, the optimum and the
    worst plan (the start column generation must improve on), by enumeration."""
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    lo, hi = opts.min_pop or 0, opts.max_pop or 0
    plans = feasible_plans(geo, blocks, k, lo, hi)
    values = [score_assignment(obj, a)[0] for a in plans]
    return blocks, obj, lo, hi, plans, min(values), plans[int(np.argmax(values))]


@pytest.mark.parametrize(("seed", "shape", "weights"), [
    (0, (3, 3, 3), NO_NEEDS), (1, (2, 5, 3), NO_NEEDS), (2, (3, 3, 2), ALL_TERMS), (3, (2, 4, 3), NO_NEEDS),
])
def test_bound_never_exceeds_the_optimum_and_the_plan_reaches_it(
    seed: int, shape: tuple[int, int, int], weights: dict[str, float]
) -> None:
    rows, cols, k = shape
    geo = grid_geography(rows, cols, seed=seed)
    opts = _opts(geo, k, weights)
    blocks, obj, lo, hi, _, optimum, worst = _brute_force(geo, opts, k)
    res = generate(obj, blocks, lo, hi, [np.flatnonzero(worst == a) for a in range(k)])
    assert res.lower_bound <= optimum + 1e-9
    assert res.best_value == pytest.approx(optimum, abs=1e-9)
    if weights["needs"] == 0:
        assert res.converged
        assert res.lower_bound == pytest.approx(optimum, rel=0.05)


def test_generated_plans_keep_locks_apart_and_frozen_areas() -> None:
    geo = grid_geography(3, 4, seed=4)
    start = Plan.from_labels(geo.units.codes, grid_plan_labels(geo, 2, 4))
    frozen_code = start.area_codes[0]
    opts = _opts(geo, start.n_areas, NO_NEEDS, locks={"U00003": "east", "U00011": "east", "U00008": "west"},
                 apart=(("U00005", "U00006"),), start=start, frozen_areas=(frozen_code,), min_pop=1, max_pop=10**9)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    plans = feasible_plans(geo, blocks, obj.k, 1, 10**9)
    optimum = min(score_assignment(obj, a)[0] for a in plans)
    first = plans[0]
    res = generate(obj, blocks, 1, 10**9, [np.flatnonzero(first == a) for a in range(obj.k)])
    assert res.lower_bound <= optimum + 1e-9
    assert res.best_value == pytest.approx(optimum, abs=1e-9)
    chosen = {frozenset(res.pool_areas.blocks_of(c).tolist()) for c in res.best_columns}
    b = blocks.unit_block
    assert any({int(b[3]), int(b[11])} <= s and int(b[8]) not in s for s in chosen)
    assert not any({int(b[5]), int(b[6])} <= s for s in chosen)
    assert frozenset({int(b[start.members(frozen_code)[0]])}) in chosen


def test_design_uses_generated_areas_when_listing_is_too_big(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prove_mod, "MAX_SETS", 5)
    geo = grid_geography(3, 3, seed=7)
    opts = _opts(geo, 3, NO_NEEDS)
    first = design(geo, opts, seed=3)
    again = design(geo, opts, seed=3)
    assert first.bound is not None and again.bound is not None
    assert "column generation without listing" in first.bound.method
    assert first.bound.value <= first.objective + 1e-12
    assert first.checks["ok"]
    assert (first.plan.assignment == again.plan.assignment).all()
    assert first.bound.value == again.bound.value
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    optimum = min(score_assignment(obj, a)[0]
                  for a in feasible_plans(geo, blocks, 3, opts.min_pop or 0, opts.max_pop or 0))
    assert first.objective == pytest.approx(optimum, abs=1e-9)
    assert first.bound.value <= optimum + 1e-9


def test_bound_seconds_is_column_generations_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """``DesignOptions.bound_seconds`` reaches column generation and the bound's details record it."""
    monkeypatch.setattr(prove_mod, "MAX_SETS", 5)
    budgets: list[float] = []
    real = prove_mod.generate

    def spy(*args: object, **kwargs: object) -> object:
        budgets.append(float(kwargs["seconds"]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(prove_mod, "generate", spy)
    geo = grid_geography(3, 3, seed=7)
    result = design(geo, _opts(geo, 3, NO_NEEDS, bound_seconds=17.5), seed=3)
    assert budgets == [17.5]
    assert result.bound is not None and result.bound.details["column_generation_budget_seconds"] == 17.5


def test_no_exact_pricing_starts_without_the_time_to_finish_it() -> None:
    """With less than ``FINISH_SHARE`` of the last exact pricing's time left, none starts (its MIPs, cut by the
    time limit, would prove a weaker bound than the last): no area, no bound, nothing counted."""
    geo = grid_geography(3, 3, seed=7)
    opts = _opts(geo, 3, NO_NEEDS)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    pool = ColumnPool(obj, blocks.n_blocks)
    step = _ExactPricing(obj, blocks, opts.min_pop or 0, opts.max_pop or 0, pool, 1e-9)
    step.last_seconds = 100.0
    duals = _Duals(np.zeros(blocks.n_blocks), 0.0, tuple(np.zeros(s) for s in pool.layer_sizes))
    assert step.run(duals, time.perf_counter() + 10.0) == ([], -np.inf)
    assert step.skipped and step.count == 0 and step.center.bound == -np.inf
    step.last_seconds = 1.0
    step.run(duals, time.perf_counter() + 10.0)
    assert not step.skipped and step.count >= 1


def test_pricing_reports_when_no_area_fits_the_bounds() -> None:
    geo = grid_geography(2, 3, seed=1)
    opts = _opts(geo, 2, NO_NEEDS)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    model = PricingModel(obj, blocks, 10**12, 2 * 10**12)
    with pytest.raises(InfeasibleError, match="no contiguous area"):
        model.solve(np.zeros(blocks.n_blocks), 0.0, tuple(np.zeros(p.stop - p.start) for p in obj.layers))


def _fenced(seed: int, k: int) -> tuple[Geography, DesignOptions]:
    """A 2 x 5 grid whose ``BLOCK`` layer (3 x 3 squares: columns 0-2 and 3-4) is a do-not-cross layer."""
    geo = grid_geography(2, 5, seed=seed)
    return geo, _opts(geo, k, NO_NEEDS, do_not_cross=("BLOCK",), min_pop=1, max_pop=10**9)


@pytest.mark.parametrize(("seed", "flow"), [(0, True), (3, False)])
def test_each_side_is_priced_on_its_own_and_the_mip_finds_its_least_reduced_cost(seed: int, flow: bool) -> None:
    geo, opts = _fenced(seed, 3)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    regions = sides(blocks)
    assert len(regions) == 2 and blocks.fences
    columns = enumerate_columns(blocks, 1, 10**9)
    assert columns is not None
    costs = column_costs(obj, columns)
    member = columns.membership()
    rng = np.random.default_rng(seed)
    pi = rng.normal(0.1, 0.1, size=blocks.n_blocks)
    rho = tuple(rng.uniform(0, 1e-6, size=s) for s in costs.layer_sizes)
    rc = costs.reduced_costs(pi, 0.01, rho)
    for region in regions:
        inside = ~(member[:, ~region].any(axis=1))
        out = PricingModel(obj, blocks, 1, 10**9, region, flow=flow).solve(pi, 0.01, rho)
        assert out.blocks is not None and region[list(out.blocks)].all()
        assert out.lower == pytest.approx(rc[inside].min(), abs=1e-6)


@pytest.mark.parametrize(("seed", "k"), [(0, 3), (3, 3), (5, 4)])
def test_with_a_fence_the_bound_counts_areas_per_side_and_never_exceeds_the_optimum(seed: int, k: int) -> None:
    geo, opts = _fenced(seed, k)
    mean = geo.units.total_population / k
    opts = replace(opts, min_pop=int(0.4 * mean), max_pop=int(2.0 * mean))
    blocks, obj, lo, hi, plans, optimum, worst = _brute_force(geo, opts, k)
    counts = side_counts(blocks, sides(blocks), lo, hi, k)
    assert counts is not None
    for plan in plans:  # every plan's areas per side lie within the counts
        for (fewest, most), region in zip(counts, sides(blocks), strict=True):
            assert fewest <= len(set(plan[region].tolist())) <= most
    res = generate(obj, blocks, lo, hi, [np.flatnonzero(worst == a) for a in range(k)])
    assert res.lower_bound <= optimum + 1e-9
    assert res.best_value == pytest.approx(optimum, abs=1e-9)
    assert res.converged
    assert res.lower_bound == pytest.approx(optimum, rel=0.05)


def test_the_least_total_puts_the_most_areas_where_reduced_costs_are_lowest() -> None:
    assert worst_total([-1.0, -3.0], [(1, 2), (1, 3)], 4) == pytest.approx(-1.0 - 3.0 * 3)
    assert worst_total([-1.0, -3.0], None, 4) == pytest.approx(-12.0)
    assert worst_total([0.5, -2.0], [(2, 2), (1, 5)], 4) == pytest.approx(-4.0)  # a positive bound counts as 0


def test_smoothed_duals_mix_the_center_and_the_lp_and_keep_rho_non_negative() -> None:
    center = _Duals(np.array([1.0, -1.0]), 0.5, (np.array([0.0, 2.0]),))
    lp = _Duals(np.array([3.0, 1.0]), -0.5, (np.array([4.0, 0.0]),))
    mixed = _smooth(center, lp, 0.75)
    assert mixed.pi.tolist() == [1.5, -0.5] and mixed.mu == pytest.approx(0.25)
    assert mixed.rho[0].tolist() == [1.0, 1.5]
    assert mixed.value(0.1, 3) == pytest.approx(1.0 + 0.75 - 2.5 + 0.1)


def test_separator_rows_cut_off_a_disconnected_set_and_no_contiguous_area() -> None:
    """On a path 0-1-2-3-4 the blocks next to {0} that separate it from 3 are {1}; within a region
    that leaves block 1 out, nothing separates them."""
    path = ((1,), (0, 2), (1, 3), (2, 4), (3,))
    assert _separator(path, np.ones(5, dtype=bool), [0], 3) == [1]
    assert _pieces(path, (0, 1, 3)) == [[0, 1], [3]]
    assert _separator(path, np.array([True, False, True, True, True]), [0], 3) == []

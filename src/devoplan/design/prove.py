"""Evidence of quality for a designed plan: the exact model's lower bound, and its better plan if any.

After the local search, ``prove`` lists every feasible area (``columns``), prices them
(``column_costs``) and runs the exact model (``exact``) from the search's plan. Three outcomes:

* the bound meets the plan: the plan is proven optimal (gap 0);
* the closing MIP finds a better plan: it replaces the search's plan (areas keep the labels of the
  search areas they overlap most, so starting-plan codes and frozen areas stay put), and is optimal
  if the MIP finished;
* the geography has too many candidate areas to list (``MAX_SETS``): column generation with a
  pricing MIP (``colgen.py``, ``pricing.py``) bounds every plan without listing and a MIP over the
  generated areas may find a better plan; the bound is the higher of its Lagrangian bound and the
  term-wise relaxation of ``bound.py``, and the result says which.

With bridged blocks (a kept-whole area or together group joined along one chosen path) the model
covers only plans keeping that path, so the result is never called proven. ``rescue`` is the same
machinery used earlier, when construction or repair found no plan at all: where the candidate
areas are few it solves the problem outright, or proves that no plan exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from devoplan.design.blocks import Blocks
from devoplan.design.bound import BoundResult, lower_bound
from devoplan.design.colgen import generate
from devoplan.design.column_costs import column_costs
from devoplan.design.columns import MAX_SETS, enumerate_columns, listing_cap
from devoplan.design.exact import MAX_MIP_COLUMNS, TOL, PricedAreas, run_mip, solve_exact
from devoplan.design.objective import Objective
from devoplan.design.options import DEFAULT_BOUND_SECONDS
from devoplan.errors import InfeasibleError

METHOD = "exact set-partitioning model over every contiguous area: column generation, exact pricing, closing MIP"
RELAXATION = (
    "none beyond the model itself: the bound is the Lagrangian (LP) bound of the exact model over every plan of "
    "contiguous areas within the population bounds that honours kept-whole blocks, locks, apart pairs and frozen "
    "areas, raised to the optimum when the closing MIP finishes (docs/design.md)"
)

METHOD_GENERATED = ("column generation without listing (a pricing MIP over the blocks of each do-not-cross side, "
                    "contiguity by flow or separator rows), price-and-branch MIP over the generated areas")
RELAXATION_GENERATED = (
    "the Lagrangian bound of the exact set-partitioning model over every plan of contiguous areas within the "
    "population bounds that honours kept-whole blocks, locks, apart pairs and frozen areas: the restricted LP's duals "
    "with the pricing MIPs' proven bounds on the least reduced cost in each do-not-cross side, times the most areas "
    "each side can hold (docs/design.md)"
)


def prove(
    obj: Objective,
    blocks: Blocks,
    min_pop: float,
    max_pop: float,
    assign: np.ndarray,
    tick: Callable[[str], None] | None = None,
    bound_seconds: float = DEFAULT_BOUND_SECONDS,
) -> tuple[BoundResult, np.ndarray]:
    """The best bound available for ``assign`` and the plan to report (``assign`` or a better one).
    ``bound_seconds`` is the wall-clock budget of column generation, used when the areas are too many to list."""
    population = blocks.population.astype(np.float64)
    t0 = time.perf_counter()
    if tick is not None:
        tick("listing every feasible area")
    columns = enumerate_columns(blocks, min_pop, max_pop, MAX_SETS)
    if columns is None:
        return _generated(obj, blocks, min_pop, max_pop, assign, tick, bound_seconds)
    t_list = time.perf_counter()
    if tick is not None:
        tick(f"pricing {columns.n_columns:,} feasible areas")
    costs = column_costs(obj, columns)
    incumbent = columns.find([np.flatnonzero(assign == a) for a in range(obj.k)])
    if min(incumbent) < 0:  # every area of a valid plan is a feasible area: a bug if not listed
        raise RuntimeError("exact model: an area of the searched plan is missing from the listed areas")
    t_cost = time.perf_counter()
    res = solve_exact(costs, blocks.n_blocks, obj.k, incumbent, tick)
    best = assign
    if res.best_value < res.incumbent - TOL:
        best = _relabel(costs, res.best_columns, assign, population)
    relaxed = lower_bound(obj, population)  # per-term figures for the record (cheap, no enumeration)
    details: dict[str, object] = {
        "feasible_areas": columns.n_columns,
        "connected_sets_listed": columns.visited,
        "lp_bound": res.lp_bound,
        "column_generation_rounds": res.iterations,
        "columns_in_lp": res.pool,
        "areas_within_gap": res.gap_columns,
        "closing_mip": res.mip_status,
        "search_objective": res.incumbent,
        "improved_by_mip": max(res.incumbent - res.best_value, 0.0),
    }
    value = max(res.lower_bound, relaxed.value)
    proven = res.proven_optimal
    if blocks.bridges:  # the blocks hold one chosen joining path: the model covers only plans that keep it
        proven = False
        details["bridges_assumed"] = list(blocks.bridges)
        details["bound_scope"] = ("plans that keep each bridge's districts with the area it joins; a plan joining "
                                  "it another way is not covered, so this is not a proof of optimality")
    seconds = {"list": t_list - t0, "price": t_cost - t_list, **res.seconds}
    return BoundResult(value, relaxed.terms, RELAXATION, METHOD, proven, details, seconds), best


def rescue(obj: Objective, blocks: Blocks, min_pop: float, max_pop: float, failure: InfeasibleError) -> np.ndarray:
    """When construction or repair found no plan within the bounds, settle it exactly where the
    candidate areas are few: the best plan (as a block assignment) if one exists, else a proof that
    none does. Re-raises ``failure`` when the geography has too many candidate areas to decide."""
    columns = enumerate_columns(blocks, min_pop, max_pop, 4 * MAX_MIP_COLUMNS)  # give up early when too many
    if columns is None or columns.n_columns > MAX_MIP_COLUMNS:
        raise failure
    if columns.n_columns == 0:
        raise InfeasibleError(f"{failure}; the exact model confirms that no plan exists: no set of districts "
                              "can form even one such area")
    costs = column_costs(obj, columns)
    out = run_mip(costs, blocks.n_blocks, obj.k, np.arange(columns.n_columns), 1.0)
    if out.infeasible:
        raise InfeasibleError(f"{failure}; the exact model confirms that no plan exists: no {obj.k} of all "
                              f"{columns.n_columns:,} possible areas cover every district once")
    if out.chosen is None:
        raise failure
    assign = np.empty(blocks.n_blocks, dtype=np.int64)
    for label, c in enumerate(out.chosen):
        assign[costs.blocks_of(c)] = label
    return assign


def _generated(
    obj: Objective, blocks: Blocks, min_pop: float, max_pop: float, assign: np.ndarray,
    tick: Callable[[str], None] | None, seconds: float,
) -> tuple[BoundResult, np.ndarray]:
    """Too many areas to list: column generation with a pricing MIP (``design/colgen.py``) bounds
    every plan and finds a plan among the generated areas; the term-wise bound is kept if higher."""
    population = blocks.population.astype(np.float64)
    if tick is not None:
        tick(f"more than {listing_cap(blocks.n_blocks):,} connected sets: generating areas instead")
    res = generate(obj, blocks, min_pop, max_pop, [np.flatnonzero(assign == a) for a in range(obj.k)],
                   seconds=seconds, tick=tick)
    best = assign
    if res.best_value < res.incumbent - TOL * max(res.incumbent, 1.0):
        best = _relabel(res.pool_areas, res.best_columns, assign, population)
    fallback = lower_bound(obj, population, (min_pop, max_pop))
    details: dict[str, object] = {
        "exact_model": (f"listing skipped: more than {listing_cap(blocks.n_blocks):,} connected sets of blocks (the "
                        "cap on sets and on memory); areas generated by column generation with a pricing MIP instead"),
        "lagrangian_bound": res.lower_bound,
        "termwise_bound": fallback.value,
        "lp_value": res.lp_value,
        "column_generation_rounds": res.rounds,
        "exact_pricings": res.exact_pricings,
        "pricing_converged": res.converged,
        "column_generation_stopped_by": res.stopped_by,
        "column_generation_budget_seconds": seconds,
        "areas_generated": res.pool,
        "price_and_branch_mip": res.mip_status,
        "search_objective": res.incumbent,
        "improved_by_mip": max(res.incumbent - res.best_value, 0.0),
    }
    value = max(res.lower_bound, fallback.value)
    proven = res.best_value - value <= TOL * max(res.best_value, 1.0) and not blocks.bridges
    relaxation = RELAXATION_GENERATED if value == res.lower_bound else fallback.relaxation
    return BoundResult(value, fallback.terms, relaxation, METHOD_GENERATED, proven, details, res.seconds), best


def _relabel(costs: PricedAreas, chosen: list[int], old: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Block assignment of the chosen areas, labelled like the old areas they share most people with."""
    k = len(chosen)
    overlap = np.zeros((k, k))
    new = np.empty(len(old), dtype=np.int64)
    for i, c in enumerate(chosen):
        members = costs.blocks_of(c)
        new[members] = i
        np.add.at(overlap[i], old[members], population[members])
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    label = np.empty(k, dtype=np.int64)
    label[rows] = cols
    return label[new]

"""``design()``: draw k coterminous commissioning areas out of a geography's units.

validate -> contract blocks -> check feasibility -> build objective -> construct (or take ``start``)
-> repair population bounds -> anneal -> name, code, verify, score, bound. Deterministic for a seed:
the search runs on a fixed budget of evaluations derived from ``time_limit`` (``EVALS_PER_SECOND``),
and the wall clock only guards against very slow machines (``DesignResult.stats.stopped_by``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.bound import BoundResult
from devoplan.design.construct import construct, from_start
from devoplan.design.feasibility import check_feasible
from devoplan.design.naming import area_names
from devoplan.design.objective import Objective, build_objective, score_assignment
from devoplan.design.options import DesignOptions, full_weights, resolved_bounds, resolved_do_not_cross
from devoplan.design.plausibility import Plausibility, plausibility
from devoplan.design.prove import prove
from devoplan.design.search import (
    Progress,
    ProgressCallback,
    SearchStats,
    anneal_rounds,
    exact_stage,
)
from devoplan.design.start import start_state
from devoplan.design.verify import verify
from devoplan.errors import DevoplanError, InfeasibleError
from devoplan.geography.model import Geography
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan

if TYPE_CHECKING:  # governance reads design's naming helpers: imported where used, not at import time
    from devoplan.governance.classify import AreaGovernance

# Work units (objective evaluations + a quarter per proposal) granted per second of --time-limit.
# Measured ~7,000 units/s on England blocks on one core of the development machine; the budget is
# set below that so a run normally ends on budget (deterministic) inside the limit. docs/design.md.
EVALS_PER_SECOND = 4000


@dataclass(frozen=True, eq=False)
class DesignResult:
    """A designed plan with its objective, evidence (bound, checks) and the figures around it."""

    plan: Plan
    objective: float
    terms: dict[str, float]
    weights: dict[str, float]
    start_objective: float
    bound: BoundResult | None
    governance: tuple[AreaGovernance, ...]
    checks: dict[str, object]
    metrics: dict[str, float]
    min_pop: int
    max_pop: int
    n_blocks: int
    seed: int
    stats: SearchStats
    elapsed: float
    bridges: tuple[str, ...] = ()
    indicators: tuple[str, ...] | None = None
    search_seconds: float = 0.0  # setup, construction and search, without the bound and the metrics
    plausibility: Plausibility = field(default_factory=Plausibility)  # what a reader checks first

    @property
    def gap(self) -> float | None:
        return None if self.bound is None else self.bound.gap(self.objective)

    def populations(self, geography: Geography) -> np.ndarray:
        return self.plan.area_totals(geography.units.population.astype(np.float64))


def design(
    geography: Geography,
    options: DesignOptions | None = None,
    *,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> DesignResult:
    """Design ``options.areas`` contiguous areas within population bounds, minimising the objective."""
    opts = options or DesignOptions()
    t0 = time.perf_counter()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DevoplanError(f"`seed` must be a non-negative integer, got {seed}")
    validate_against(geography, opts)
    blocks = build_blocks(geography, opts)
    hard_largest = int(blocks.population.max()) if opts.keep_whole else 0
    min_pop, max_pop = resolved_bounds(opts, geography.units.total_population, hard_largest)
    cap = check_feasible(blocks, opts.areas, min_pop, max_pop)
    obj = build_objective(geography, blocks, opts)
    rng = np.random.default_rng(seed)
    if progress is not None:
        progress(Progress("repair", 0.0, None, 0))
    state = start_state(blocks, obj, lambda: _start_assignment(geography, blocks, obj, opts, min_pop, max_pop),
                        min_pop, max_pop, rng, cap, fallback=opts.start is None)
    start_value = state.scorer.value
    budget = max(int(opts.time_limit * EVALS_PER_SECOND), 50)
    best_assign, best_value, stats = anneal_rounds(state, rng, budget, opts.time_limit * opts.wall_guard, progress)
    search_seconds = time.perf_counter() - t0
    bound = None
    if opts.compute_bound:

        def tick(phase: str) -> None:
            if progress is not None:
                progress(Progress(f"exact model: {phase}", 1.0, best_value, stats.evaluations, exact_stage(phase)))

        bound, best_assign = prove(obj, blocks, min_pop, max_pop, best_assign, tick, opts.bound_seconds)
    value, terms = score_assignment(obj, best_assign)
    plan = _to_plan(geography, blocks, best_assign, opts)
    checks = verify(geography, plan, opts, min_pop, max_pop)
    if not checks["ok"]:  # an invariant of the search failed: a bug, never the user's fault
        raise RuntimeError(f"designed plan breaks a hard constraint: {checks}")
    score_opts = ScoreOptions(indicators=opts.needs_indicators, lower=min_pop, upper=max_pop)
    metrics = plan_scalars(geography, plan, score_opts)
    from devoplan.governance.classify import governance

    if progress is not None:
        progress(Progress("done", 1.0, value, stats.evaluations))
    return DesignResult(
        plan=plan, objective=value, terms=terms, weights=full_weights(opts), start_objective=start_value,
        bound=bound, governance=tuple(governance(geography, plan)), checks=checks, metrics=metrics,
        min_pop=min_pop, max_pop=max_pop, n_blocks=blocks.n_blocks, seed=int(seed), stats=stats,
        elapsed=time.perf_counter() - t0, bridges=blocks.bridges, indicators=opts.needs_indicators,
        search_seconds=search_seconds, plausibility=plausibility(geography, plan),
    )


def validate_against(geography: Geography, opts: DesignOptions) -> None:
    """Layer keys and indicators must exist; the start plan must be over this geography."""
    layers = (*opts.health, *opts.economic, *opts.police, *(opts.do_not_cross or ()), *opts.keep_whole,
              *opts.keep_whole_soft)
    for key in layers:
        geography.layer(key)
    if opts.needs_indicators is not None:
        for key in opts.needs_indicators:
            geography.indicators.column(key)
    if opts.start is not None:
        if opts.start.unit_codes != geography.units.codes:
            raise DevoplanError(
                f"`start` plan has {opts.start.n_units} units that do not match the geography's {geography.n_units}"
            )
        if opts.start.n_areas != opts.areas:
            raise DevoplanError(
                f"`start` plan has {opts.start.n_areas} areas but `areas` is {opts.areas}; they must agree"
            )


def _start_assignment(
    geography: Geography, blocks: Blocks, obj: Objective, opts: DesignOptions, min_pop: int, max_pop: int
) -> np.ndarray:
    if opts.start is None:
        return construct(blocks, obj, opts.areas, max_pop, min_pop)
    assign = from_start(blocks, opts.start.assignment, opts.areas, geography.units.population)
    by_name: dict[str, set[int]] = {}
    for b in range(blocks.n_blocks):
        name = blocks.lock_of(b)
        if name is not None:
            by_name.setdefault(name, set()).add(int(assign[b]))
    used: dict[int, str] = {}
    for name, areas in sorted(by_name.items()):
        if len(areas) > 1:
            raise InfeasibleError(f"the starting plan puts districts locked to '{name}' into {len(areas)} areas")
        area = next(iter(areas))
        if area in used:
            raise InfeasibleError(f"the starting plan puts areas locked as '{used[area]}' and '{name}' together")
        used[area] = name
    for i, j in blocks.apart:
        if assign[i] == assign[j] and (i, j) in blocks.fences:
            raise InfeasibleError(
                f"the starting plan puts {blocks.origin[i]} and {blocks.origin[j]} in one area across the boundary of "
                f"{', '.join(resolved_do_not_cross(opts, geography.layers))}, which no area may cross; "
                "move one of them in the plan or let areas cross it (`do_not_cross`)"
            )
        if assign[i] == assign[j]:
            raise InfeasibleError(
                f"the starting plan puts {blocks.origin[i]} and {blocks.origin[j]} in one area, but `apart` keeps "
                "them in different areas; move one of them in the plan or drop the `apart` pair"
            )
    return assign


def _to_plan(geography: Geography, blocks: Blocks, block_assign: np.ndarray, opts: DesignOptions) -> Plan:
    """Unit-level plan with stable codes: starting-plan codes, or A01.. in order of first district."""
    units = block_assign[blocks.unit_block]
    k = opts.areas
    if opts.start is not None:
        codes = list(opts.start.area_codes)
        order = list(range(k))
    else:
        first: dict[int, int] = {}
        for a in units:
            first.setdefault(int(a), len(first))
        order = sorted(range(k), key=lambda a: first[a])
        codes = [f"A{i + 1:02d}" for i in range(k)]
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    assignment = remap[units]
    fixed: dict[int, str] = {}
    for b in range(blocks.n_blocks):
        name = blocks.lock_of(b)
        if name is not None:
            fixed[int(remap[block_assign[b]])] = name
    if opts.start is not None:
        for code in opts.frozen_areas:
            fixed[opts.start.area_index[code]] = opts.start.area_names[opts.start.area_index[code]]
    names = area_names(geography, assignment, k, fixed)
    return Plan(geography.units.codes, assignment, tuple(codes), tuple(names))

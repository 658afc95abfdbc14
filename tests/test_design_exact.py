"""The exact model: listing every feasible area, pricing them, the bound and the closing MIP.

Oracles are brute force on small grids (every subset of units, every partition into k areas) and
the incremental scorer of ``design/objective.py`` for plan values.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoplan.design import exact as exact_mod
from devoplan.design import prove as prove_mod
from devoplan.design.api import design
from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.column_costs import CHUNK, column_costs
from devoplan.design.columns import Columns, enumerate_columns
from devoplan.design.exact import solve_exact
from devoplan.design.objective import Objective, build_objective, score_assignment
from devoplan.design.options import DesignOptions
from devoplan.design.prove import prove
from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.testing import grid_geography, grid_plan_labels
from devoplan.testing.bruteforce import ALL_TERMS, feasible_plans


def _opts(geo: Geography, k: int, **extra: object) -> DesignOptions:
    """Grid options exercising every term: a fractional health layer, a cover, a soft keep-whole layer."""
    mean = geo.units.total_population / k
    base: dict[str, object] = {
        "areas": k, "health": ("SPLIT",), "economic": ("COVER",), "police": ("CAUTH",), "keep_whole": (),
        "keep_whole_soft": ("BLOCK",),
        "weights": ALL_TERMS, "min_pop": int(0.5 * mean), "max_pop": int(1.6 * mean), "time_limit": 0.05,
    }
    return DesignOptions(**(base | extra))  # type: ignore[arg-type]


def _graph(geo: Geography) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(geo.n_units))
    g.add_edges_from(map(tuple, geo.adjacency.edges.tolist()))
    return g


def _column_sets(columns: Columns) -> set[frozenset[int]]:
    return {frozenset(columns.blocks_of(c).tolist()) for c in range(columns.n_columns)}


def _brute_sets(geo: Geography, blocks: Blocks, lo: float, hi: float) -> set[frozenset[int]]:
    """Every connected block set within the bounds, by trying every subset."""
    g = nx.Graph()
    g.add_nodes_from(range(blocks.n_blocks))
    g.add_edges_from((i, j) for i, nbrs in enumerate(blocks.neighbours) for j in nbrs)
    out = set()
    for r in range(1, blocks.n_blocks + 1):
        for subset in itertools.combinations(range(blocks.n_blocks), r):
            p = blocks.population[list(subset)].sum()
            if lo <= p <= hi and nx.is_connected(g.subgraph(subset)):
                out.add(frozenset(subset))
    return out


@pytest.mark.parametrize(("rows", "cols", "seed", "lo", "hi"), [
    (3, 4, 0, 0, 10**9), (3, 4, 1, 200_000, 700_000), (2, 6, 2, 300_000, 900_000), (4, 3, 3, 1, 400_000),
])
def test_every_connected_set_within_bounds_is_listed_once(rows: int, cols: int, seed: int, lo: int, hi: int) -> None:
    geo = grid_geography(rows, cols, seed=seed)
    blocks = build_blocks(geo, _opts(geo, 3, min_pop=None, max_pop=None))
    columns = enumerate_columns(blocks, lo, hi)
    assert columns is not None
    assert columns.n_columns == len(_column_sets(columns))  # no set twice
    assert _column_sets(columns) == _brute_sets(geo, blocks, lo, hi)


def test_listing_gives_up_past_its_budget() -> None:
    geo = grid_geography(4, 4, seed=0)
    blocks = build_blocks(geo, _opts(geo, 3))
    assert enumerate_columns(blocks, 0, 10**9, max_sets=100) is None
    assert enumerate_columns(blocks, 0, 10**9, max_sets=10**6) is not None


def test_columns_respect_locks_apart_and_frozen_areas() -> None:
    geo = grid_geography(3, 4, seed=4)
    start = Plan.from_labels(geo.units.codes, grid_plan_labels(geo, 2, 4))
    frozen_code = start.area_codes[0]
    opts = _opts(geo, start.n_areas, locks={"U00003": "east", "U00011": "east", "U00008": "west"},
                 apart=(("U00005", "U00006"),), start=start, frozen_areas=(frozen_code,), min_pop=1, max_pop=10**9)
    blocks = build_blocks(geo, opts)
    columns = enumerate_columns(blocks, 1, 10**9)
    assert columns is not None
    b = blocks.unit_block
    east, west = {int(b[3]), int(b[11])}, int(b[8])
    apart = (int(b[5]), int(b[6]))
    frozen = int(b[start.members(frozen_code)[0]])
    sets = _column_sets(columns)
    assert all(not (s & east) or east <= s for s in sets)
    assert all(not (s & east and west in s) for s in sets)
    assert all(not {*apart} <= s for s in sets)
    assert all(s == {frozen} for s in sets if frozen in s)
    allowed = {s for s in _brute_sets(geo, blocks, 1, 10**9)
               if (not (s & east) or east <= s) and not (s & east and west in s) and not {*apart} <= s
               and (frozen not in s or s == {frozen})}
    assert sets == allowed


def _setup(rows: int, cols: int, k: int, seed: int, **extra: object) -> tuple[Geography, DesignOptions, Blocks,
                                                                                 Objective, Columns]:
    geo = grid_geography(rows, cols, seed=seed)
    opts = _opts(geo, k, **extra)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    assert opts.min_pop is not None and opts.max_pop is not None
    columns = enumerate_columns(blocks, opts.min_pop, opts.max_pop)
    assert columns is not None
    return geo, opts, blocks, obj, columns


def test_column_costs_reproduce_the_scorer_on_every_feasible_plan() -> None:
    geo, opts, blocks, obj, columns = _setup(3, 3, 3, seed=5)
    costs = column_costs(obj, columns)
    plans = feasible_plans(geo, blocks, obj.k, opts.min_pop or 0, opts.max_pop or 0)
    assert len(plans) > 20
    for a in plans:
        ids = columns.find([np.flatnonzero(a == i) for i in range(obj.k)])
        assert min(ids) >= 0
        assert costs.plan_value(ids) == pytest.approx(score_assignment(obj, a)[0], abs=1e-12)


def test_chunks_do_not_change_the_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing and pricing in chunks (several of them here) gives what one chunk gives (to rounding:
    BLAS may sum in another order for another matrix shape)."""
    from devoplan.design import column_costs as cc_mod

    _, _, blocks, obj, columns = _setup(3, 4, 3, seed=6)
    whole = column_costs(obj, columns)
    monkeypatch.setattr(cc_mod, "CHUNK", 7)
    pieces = cc_mod.column_costs(obj, columns)
    assert len(pieces.chunks) > 3 and columns.n_columns < CHUNK
    np.testing.assert_allclose(whole.cost, pieces.cost, rtol=0, atol=1e-13)
    rng = np.random.default_rng(0)
    pi, rho = rng.normal(size=blocks.n_blocks), tuple(rng.random(s) * 1e-6 for s in whole.layer_sizes)
    np.testing.assert_allclose(whole.reduced_costs(pi, 0.3, rho), pieces.reduced_costs(pi, 0.3, rho), atol=1e-12)
    for c in range(columns.n_columns):
        np.testing.assert_array_equal(whole.blocks_of(c), pieces.blocks_of(c))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), shape=st.sampled_from([(3, 3, 3), (2, 4, 2), (2, 5, 2), (3, 3, 2)]))
def test_exact_model_finds_the_brute_force_optimum_from_the_worst_plan(seed: int, shape: tuple[int, int, int]) -> None:
    rows, cols, k = shape
    geo, opts, blocks, obj, columns = _setup(rows, cols, k, seed=seed)
    plans = feasible_plans(geo, blocks, obj.k, opts.min_pop or 0, opts.max_pop or 0)
    if not plans:
        return
    values = [score_assignment(obj, a)[0] for a in plans]
    best, worst = min(values), plans[int(np.argmax(values))]
    costs = column_costs(obj, columns)
    start = columns.find([np.flatnonzero(worst == i) for i in range(k)])
    res = solve_exact(costs, blocks.n_blocks, k, start)
    assert res.lower_bound <= best + 1e-9  # valid whatever happens
    assert res.proven_optimal
    assert res.best_value == pytest.approx(best, abs=1e-9)
    assert res.lower_bound == pytest.approx(best, abs=1e-9)
    assert costs.plan_value(res.best_columns) == pytest.approx(best, abs=1e-9)


def _worst_start(seed: int) -> tuple[list[float], np.ndarray, Blocks, Objective, Columns]:
    geo, opts, blocks, obj, columns = _setup(3, 3, 3, seed=seed)
    plans = feasible_plans(geo, blocks, obj.k, opts.min_pop or 0, opts.max_pop or 0)
    values = [score_assignment(obj, a)[0] for a in plans]
    return values, plans[int(np.argmax(values))], blocks, obj, columns


def test_a_weak_plan_gets_a_heuristic_mip_before_the_closing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too many areas within the gap of a weak plan: a MIP over the most promising areas finds a
    better plan, the gap shrinks, and the closing MIP proves the optimum."""
    values, worst, blocks, obj, columns = _worst_start(8)
    costs = column_costs(obj, columns)
    start = columns.find([np.flatnonzero(worst == i) for i in range(3)])
    calls: list[tuple[int, bool]] = []
    real_close = exact_mod._close

    def spy(*args: object, complete: bool) -> None:
        calls.append((len(args[3]), complete))  # type: ignore[arg-type]
        real_close(*args, complete=complete)  # type: ignore[arg-type]

    monkeypatch.setattr(exact_mod, "_close", spy)
    monkeypatch.setattr(exact_mod, "HEURISTIC_COLUMNS", 10)
    full = len(solve_exact(costs, blocks.n_blocks, 3, start).best_columns)  # runs with the default limit
    assert full == 3
    calls.clear()
    monkeypatch.setattr(exact_mod, "MAX_MIP_COLUMNS", 12)
    res = solve_exact(costs, blocks.n_blocks, 3, start)
    assert calls and calls[0][1] is False  # the heuristic MIP came first
    assert res.best_value == pytest.approx(min(values), abs=1e-9)
    assert res.lower_bound <= min(values) + 1e-9


def test_skipped_mip_still_gives_a_valid_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """If neither MIP can run or help, the result says so and keeps the Lagrangian bound."""
    values, worst, blocks, obj, columns = _worst_start(8)
    monkeypatch.setattr(exact_mod, "MAX_MIP_COLUMNS", 0)
    monkeypatch.setattr(exact_mod, "_close", lambda *args, complete: None)
    costs = column_costs(obj, columns)
    res = solve_exact(costs, blocks.n_blocks, 3, columns.find([np.flatnonzero(worst == i) for i in range(3)]))
    assert res.mip_status.startswith("skipped")
    assert not res.proven_optimal and res.best_value == pytest.approx(max(values))
    assert res.lower_bound <= min(values) + 1e-9


def test_prove_falls_back_to_the_relaxation_when_there_are_too_many_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    geo, opts, *_ = _setup(3, 3, 3, seed=9)
    monkeypatch.setattr(prove_mod, "MAX_SETS", 5)
    res = design(geo, opts, seed=0)
    assert res.bound is not None and not res.bound.proven_optimal
    assert "skipped" in str(res.bound.details["exact_model"])
    assert res.bound.value <= res.objective + 1e-12


def test_design_adopts_the_exact_plan_and_keeps_start_codes_and_frozen_areas() -> None:
    """From a starting plan with a frozen area and no search budget, the closing MIP reaches the
    brute-force optimum; the result keeps the starting plan's codes, the frozen area and its name."""
    geo = grid_geography(3, 4, seed=11)
    start = Plan.from_labels(geo.units.codes, grid_plan_labels(geo, 2, 4))
    k = start.n_areas
    frozen = start.area_codes[1]
    opts = _opts(geo, k, start=start, frozen_areas=(frozen,), min_pop=1, max_pop=10**9)
    res = design(geo, opts.with_(time_limit=0.0001), seed=0)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    plans = feasible_plans(geo, blocks, k, 0, np.inf)
    best = min(score_assignment(obj, a)[0] for a in plans)
    assert res.bound is not None and res.bound.proven_optimal
    assert res.objective == pytest.approx(best, abs=1e-9)
    assert res.plan.area_codes == start.area_codes
    np.testing.assert_array_equal(np.sort(res.plan.members(frozen)), np.sort(start.members(frozen)))
    assert res.plan.area_names[res.plan.area_index[frozen]] == start.area_names[start.area_index[frozen]]
    assert res.checks["ok"]


def test_prove_returns_the_searched_plan_when_it_is_optimal() -> None:
    geo, opts, blocks, obj, _ = _setup(3, 3, 3, seed=12)
    plans = feasible_plans(geo, blocks, obj.k, opts.min_pop or 0, opts.max_pop or 0)
    values = [score_assignment(obj, a)[0] for a in plans]
    best = plans[int(np.argmin(values))]
    bound, assign = prove(obj, blocks, opts.min_pop or 0, opts.max_pop or 0, best)
    assert assign is best and bound.proven_optimal
    assert bound.value == pytest.approx(min(values), abs=1e-9)
    assert bound.details["improved_by_mip"] == 0.0


def test_a_bridged_group_is_never_called_proven() -> None:
    """Opposite corners kept together are joined along one chosen path; other joins exist, so the
    exact model's result only covers plans keeping that path and must not claim optimality."""
    geo = grid_geography(3, 3, seed=0)
    opts = _opts(geo, 3, together=(("U00000", "U00008"),), min_pop=1, max_pop=10**9)
    res = design(geo, opts, seed=0)
    assert res.bridges and res.bound is not None
    assert not res.bound.proven_optimal
    assert res.bound.details["bridges_assumed"] == list(res.bridges)


def test_when_repair_fails_the_exact_model_finds_the_only_plan() -> None:
    """Found in review: construction and repair give up on these bounds ("infeasible") for every
    seed, yet one feasible plan exists; the exact model finds it (and proves it optimal)."""
    geo = grid_geography(2, 5, seed=1)
    opts = DesignOptions(areas=4, health=("SPLIT",), economic=("COVER",), keep_whole=(), min_pop=313_097,
                         max_pop=1_174_113, time_limit=0.2)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    plans = feasible_plans(geo, blocks, obj.k, 313_097, 1_174_113)
    assert len(plans) == 1
    res = design(geo, opts, seed=0)
    assert res.checks["ok"] and res.bound is not None and res.bound.proven_optimal
    assert res.objective == pytest.approx(score_assignment(obj, plans[0])[0], abs=1e-12)


def test_an_impossible_request_is_proven_impossible() -> None:
    """Five districts of 100 in a row, two areas of 200..270: the totals allow it (400 <= 500 <= 540), and
    so does the capacity count (two disjoint pairs reach 200), but no contiguous split does (200 | 300 at
    best), and the exact model says so in one line."""
    from devoplan.errors import InfeasibleError
    from devoplan.testing.tiny import rook_grid

    geo = rook_grid(1, 5, [100] * 5, {"H": [0, 0, 0, 1, 1]}, np.zeros((5, 1)))
    opts = DesignOptions(areas=2, health=("H",), economic=(), keep_whole=(), min_pop=200, max_pop=270,
                         time_limit=0.1)
    with pytest.raises(InfeasibleError, match=r"could not bring every area.*confirms that no plan exists") as err:
        design(geo, opts, seed=0)
    assert "\n" not in str(err.value)

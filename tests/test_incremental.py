"""Oracle tests: the incremental scorer agrees with scoring from scratch after every move (to 1e-9)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoplan import DevoplanError
from devoplan.geography.model import Adjacency, Geography, Units
from devoplan.metrics import IncrementalScorer, ScoreOptions, plan_scalars
from devoplan.plan import Plan
from devoplan.testing import grid_geography, grid_plan_labels, grid_shapes
from tests.test_metrics_overlap import tiny_geography, tiny_plan
from tests.test_metrics_plan import unit_squares

TOL = 1e-9
ROWS, COLS = 7, 9
GRID = grid_geography(ROWS, COLS, seed=3)
GRID_OPTIONS = ScoreOptions(lower=400_000, upper=2_000_000, shapes=grid_shapes(GRID))


def with_diagonals(geo: Geography) -> Geography:
    """The grid with one diagonal link per cell, so neighbours of a unit also neighbour each other.

    On the plain grid no two neighbours of a unit touch; with diagonals they do, which drives the
    scorer's shortcut for contiguity (neighbours left behind linked directly) as well as its walk.
    """
    cells = [u for u in range(geo.n_units) if u % COLS < COLS - 1 and u // COLS < ROWS - 1]
    diagonal = np.array([[u, u + COLS + 1] for u in cells])
    edges = np.concatenate([geo.adjacency.edges, diagonal])
    m = len(edges)
    adjacency = Adjacency(geo.n_units, edges, np.full(m, 1000.0), ("border",) * m, ("",) * m)
    return Geography("grid with diagonals", geo.units, geo.layers, adjacency, geo.indicators)


def with_empty_units(geo: Geography, every: int = 4) -> Geography:
    """The grid with every ``every``-th unit unpopulated (overlap entries and interfaces at zero)."""
    pop = geo.units.population.copy()
    pop[::every] = 0
    units = Units(geo.units.codes, geo.units.names, pop)
    return Geography("grid with empty units", units, geo.layers, geo.adjacency, geo.indicators)


TRI = with_diagonals(GRID)
# boundary shared along the diagonals too, which on the plain grid are not links: shapes are then
# not confined to the adjacency, as the scorer must allow
TRI_SHAPES = grid_shapes(TRI)


def grid_plan() -> Plan:
    return Plan.from_labels(GRID.units.codes, grid_plan_labels(GRID, 3, COLS))


def assert_agrees(scorer: IncrementalScorer, geography: Geography, options: ScoreOptions) -> None:
    expected = plan_scalars(geography, scorer.plan, options)
    assert list(expected) == list(scorer.keys)
    got = scorer.values()
    # equal (also both infinite, e.g. max/min of a plan with an empty area), both NaN, or within TOL
    bad = {k: (got[k], v) for k, v in expected.items()
           if not (got[k] == v or (np.isnan(got[k]) and np.isnan(v)) or abs(got[k] - v) <= TOL)}
    assert not bad, bad


def assert_delta(before: np.ndarray, after: np.ndarray, delta: np.ndarray) -> None:
    """The predicted change is the change made (an unchanged value, even infinite, changes by 0)."""
    with np.errstate(invalid="ignore"):
        made = np.where(after == before, 0.0, after - before)
    assert np.allclose(made, delta, rtol=0, atol=TOL, equal_nan=True)


def run_moves(geography: Geography, plan: Plan, options: ScoreOptions, moves: list[tuple[int, int]]) -> int:
    """Apply the allowed moves one by one, checking delta and values against scratch; count applied."""
    scorer = IncrementalScorer(geography, plan, options)
    assert_agrees(scorer, geography, options)
    applied = 0
    for unit, area in moves:
        if not scorer.can_move(unit, area):
            with pytest.raises(DevoplanError, match="would empty"):
                scorer.delta(unit, area)
            continue
        before = scorer.vector()
        delta = scorer.delta_vector(unit, area)
        assert np.array_equal(scorer.vector(), before)  # delta leaves the state alone
        scorer.apply(unit, area)
        assert_delta(before, scorer.vector(), delta)
        assert_agrees(scorer, geography, options)
        applied += 1
    return applied


GEOGRAPHIES = {
    "grid": (GRID, GRID_OPTIONS),
    "diagonals": (TRI, ScoreOptions(lower=400_000, upper=2_000_000, shapes=grid_shapes(TRI))),
    "shapes beyond links": (GRID, ScoreOptions(shapes=TRI_SHAPES)),
    "empty units": (with_empty_units(GRID, 2), ScoreOptions(lower=300_000, shapes=grid_shapes(GRID))),
}


@pytest.mark.parametrize("name", list(GEOGRAPHIES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seeded_move_sequences_on_a_grid(name: str, seed: int) -> None:
    geo, options = GEOGRAPHIES[name]
    rng = np.random.default_rng(seed)
    plan = grid_plan()
    scorer = IncrementalScorer(geo, plan, options)
    for _ in range(120):
        unit = int(rng.integers(geo.n_units))
        nb = geo.adjacency.neighbours(unit)
        area = int(scorer.assignment[rng.choice(nb)]) if rng.random() < 0.7 else int(rng.integers(plan.n_areas))
        if not scorer.can_move(unit, area):
            continue
        delta = scorer.delta_vector(unit, area)
        before = scorer.vector()
        scorer.apply(unit, area)
        assert_delta(before, scorer.vector(), delta)
        assert_agrees(scorer, geo, options)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, ROWS * COLS - 1), st.integers(0, 8)), min_size=1, max_size=40))
def test_random_move_sequences_on_a_grid(moves: list[tuple[int, int]]) -> None:
    run_moves(GRID, grid_plan(), GRID_OPTIONS, moves)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, ROWS * COLS - 1), st.integers(0, 8)), min_size=1, max_size=40))
def test_random_move_sequences_on_a_grid_with_diagonals(moves: list[tuple[int, int]]) -> None:
    geo, options = GEOGRAPHIES["diagonals"]
    run_moves(geo, grid_plan(), options, moves)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=25))
def test_random_move_sequences_on_the_six_districts(moves: list[tuple[int, int]]) -> None:
    geo = tiny_geography()
    options = ScoreOptions(lower=500, upper=900, identity_layers=["T", "C"], shapes=unit_squares())
    run_moves(geo, tiny_plan("AAABBD"), options, moves)


def test_every_move_on_the_six_districts_with_three_unpopulated() -> None:
    """U1-U3 (area A, and U3 split between H1 and H2) without people: rows of zero population."""
    geo = tiny_geography()
    pop = geo.units.population.copy()
    pop[:3] = 0
    geo = Geography("six, three empty", Units(geo.units.codes, geo.units.names, pop), geo.layers, geo.adjacency,
                    geo.indicators)
    options = ScoreOptions(lower=500, identity_layers=["T", "C"], shapes=unit_squares())
    moves = [(u, a) for _ in range(2) for u in (2, 3, 0, 5, 4, 1) for a in (1, 2, 0)]
    assert run_moves(geo, tiny_plan("AAABBD"), options, moves) > 10


def test_running_totals_are_refreshed_exactly() -> None:
    scorer = IncrementalScorer(GRID, grid_plan(), GRID_OPTIONS)
    scorer.REFRESH_EVERY = 5
    rng = np.random.default_rng(7)
    applied = 0
    while applied < 12:
        unit, area = int(rng.integers(GRID.n_units)), int(rng.integers(9))
        if scorer.can_move(unit, area) and scorer.assignment[unit] != area:
            scorer.apply(unit, area)
            applied += 1
    assert_agrees(scorer, GRID, GRID_OPTIONS)


def test_same_area_move_is_a_no_op_and_bad_positions_are_rejected() -> None:
    geo = tiny_geography()
    scorer = IncrementalScorer(geo, tiny_plan("AAABBD"), ScoreOptions(identity_layers=["T", "C"]))
    assert not scorer.delta_vector(0, 0).any()
    scorer.apply(0, 0)
    assert scorer.plan == tiny_plan("AAABBD")
    assert scorer.sizes.tolist() == [3, 2, 1] and scorer.members(1) == {3, 4}
    with pytest.raises(DevoplanError, match="would empty area D"):
        scorer.apply(5, 1)
    with pytest.raises(DevoplanError, match="outside"):
        scorer.delta(6, 0)
    with pytest.raises(DevoplanError, match="outside"):
        scorer.delta(0, 3)


def test_a_move_by_hand_on_the_six_districts() -> None:
    geo = tiny_geography()
    scorer = IncrementalScorer(geo, tiny_plan("AAABBD"), ScoreOptions(layers=["T"], identity_layers=["T"]))
    d = scorer.delta(3, 0)  # U4 (400) joins A: A = U1-U4 (1000), B = U5 (500), D = U6 (600)
    assert d["balance.max_population"] == pytest.approx(1000 - 900)
    assert d["balance.min_population"] == pytest.approx(500 - 600)
    assert d["compactness.cut_edge_fraction"] == pytest.approx(0.0)  # cut U3-U4 becomes cut U4-U5
    assert d["identity.split@T"] == pytest.approx(-1)  # T2 = U3, U4 is whole again
    assert d["homogeneity.within_variance"] == pytest.approx(0.56)  # see test_metrics_plan
    scorer.apply(3, 0)
    assert scorer.plan == tiny_plan("AAAABD")
    assert scorer.values()["containment_layer_in@T"] == pytest.approx((300 + 700 + 600) / 2100)


def test_a_layer_without_population_is_rejected() -> None:
    with pytest.raises(DevoplanError, match="no population in common"):
        IncrementalScorer(with_empty_units(GRID, 1), grid_plan(), ScoreOptions(indicators=[]))

"""The do-not-cross rule (Greater London by default) and the asymmetric alignment objective, on lines
of units small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from devoplan.design.api import design
from devoplan.design.blocks import build_blocks
from devoplan.design.feasibility import check_feasible
from devoplan.design.objective import build_objective, score_assignment
from devoplan.design.options import DesignOptions, resolved_do_not_cross
from devoplan.errors import InfeasibleError
from devoplan.geography.model import Geography
from devoplan.metrics.overlap import alignment
from devoplan.plan import Plan
from devoplan.testing.tiny import group_layer, line_geography

ONLY_HEALTH = {"health": 1.0, "economic": 0.0, "police": 0.0, "needs": 0.0, "compact": 0.0, "balance": 0.0,
               "identity": 0.0}


def _london_line() -> Geography:
    """Six units (U0-U3 of 100 residents, U4 and U5 of 150), U0-U2 in Greater London; health areas
    {U0,U1}, {U2,U3}, {U4,U5}: the middle one straddles the London boundary (as Hillingdon's ICB once
    took in Slough)."""
    layers = {"H": group_layer("H", "partition", 6, [[0, 1], [2, 3], [4, 5]]),
              "GLA": group_layer("GLA", "partial", 6, [[0, 1, 2]])}
    return line_geography([100, 100, 100, 100, 150, 150], layers=layers)


def _opts(**extra: object) -> DesignOptions:
    base: dict[str, object] = {"areas": 2, "health": ("H",), "economic": (), "keep_whole": (),
                               "weights": ONLY_HEALTH | {"balance": 0.1}, "min_pop": 200, "max_pop": 500,
                               "time_limit": 0.05}
    return DesignOptions(**(base | extra))  # type: ignore[arg-type]


def _areas(res: object) -> list[list[str]]:
    plan = res.plan  # type: ignore[attr-defined]
    return sorted(sorted(plan.unit_codes[u] for u in np.flatnonzero(plan.assignment == a))
                  for a in range(plan.n_areas))


def test_london_is_not_crossed_by_default_and_the_option_lifts_it() -> None:
    geo = _london_line()
    assert resolved_do_not_cross(_opts(), geo.layers) == ("GLA",)
    kept = design(geo, _opts(), seed=0)
    # the only plan keeping London apart: {U0,U1,U2} | {U3,U4,U5}, splitting the middle health area
    assert _areas(kept) == [["U0", "U1", "U2"], ["U3", "U4", "U5"]]
    assert kept.checks["crossing_do_not_cross"] == [] and kept.checks["ok"]
    assert kept.plausibility.to_dict()["areas_crossing_london"]["ok"] is True
    # column maxima 200 + 100 + 300 of 700 (the middle health area split), row maxima 200 + 300
    assert kept.terms["health"] == pytest.approx(1 - (0.75 * 600 + 0.25 * 500) / 700)
    assert kept.bound is not None and kept.bound.proven_optimal
    lifted = design(geo, _opts(do_not_cross=()), seed=0)
    # without the rule every health area stays whole; of the two such plans the better balanced
    # (400 | 300 against 200 | 500) puts U0-U2 of London with U3
    assert _areas(lifted) == [["U0", "U1", "U2", "U3"], ["U4", "U5"]]
    assert lifted.terms["health"] == pytest.approx(1 - (0.75 * 700 + 0.25 * 500) / 700)
    assert lifted.objective < kept.objective
    london = lifted.plausibility.to_dict()["areas_crossing_london"]
    assert london["ok"] is False and london["count"] == 1
    assert "(3 London and 1 other districts)" in london["items"][0]


def test_fences_are_the_apart_pairs_on_the_boundary() -> None:
    geo = _london_line()
    blocks = build_blocks(geo, _opts())
    assert blocks.side is not None
    code = {b: geo.units.codes[int(blocks.members[b][0])] for b in range(blocks.n_blocks)}
    assert {(code[i], code[j]) for i, j in blocks.fences} == {("U2", "U3")}
    assert {(code[i], code[j]) for i, j in blocks.apart} == {("U2", "U3")}


def test_sides_that_cannot_take_whole_numbers_of_areas_are_refused_with_the_numbers() -> None:
    geo = _london_line()
    opts = _opts(areas=2, min_pop=150, max_pop=350)
    blocks = build_blocks(geo, opts)
    with pytest.raises(InfeasibleError) as err:
        check_feasible(blocks, 2, 150, 350)
    # London (300) takes one or two areas of 150..350, the rest (400) two: never 2 in all
    assert str(err.value) == (
        "2 areas cannot be shared between the sides of the do-not-cross boundary (400 people need 2..2, "
        "300 people need 1..2 areas within 150..350); change the number of areas or the bounds, or let areas "
        "cross it")
    with pytest.raises(InfeasibleError, match="2 areas cannot be shared"):
        design(geo, opts)
    check_feasible(build_blocks(geo, _opts(areas=3, min_pop=150, max_pop=350)), 3, 150, 350)


def test_a_kept_whole_body_across_the_boundary_is_refused_naming_both_sides() -> None:
    geo = _london_line()
    layers = dict(geo.layers) | {"CA": group_layer("CA", "partial", 6, [[2, 3]])}
    geo = Geography(geo.name, geo.units, layers, geo.adjacency, geo.indicators)
    with pytest.raises(InfeasibleError) as err:
        build_blocks(geo, _opts(keep_whole=("CA",)))
    assert "lies across the boundary of GLA" in str(err.value)
    assert {"(Unit 2 on one side, Unit 3 on the other)", "(Unit 3 on one side, Unit 2 on the other)"} & {
        str(err.value)[str(err.value).index("("):str(err.value).index(")") + 1]}
    assert "`do_not_cross`" in str(err.value)


def test_a_starting_plan_across_the_boundary_is_refused() -> None:
    geo = _london_line()
    start = Plan(geo.units.codes, np.array([0, 0, 1, 1, 1, 1]), ("A", "B"), ("A", "B"))
    with pytest.raises(InfeasibleError, match="across the boundary of GLA"):
        design(geo, _opts(start=start))


@pytest.mark.parametrize(("split", "merge_cost", "split_cost"), [(0.75, 0.125, 0.25), (0.5, 0.25, 0.25)])
def test_splitting_a_layer_area_costs_more_than_nesting_whole_ones(split: float, merge_cost: float,
                                                                   split_cost: float) -> None:
    """Four units of 100, health areas {U0,U1} and {U2,U3}.

    Nesting both in one area: every health area whole (containment 400/400) and the area's best health
    area holds 200/400, so ``1 - (s * 1 + (1 - s) * 0.5)`` = 0.125 at s = 0.75. Splitting one health area
    ({U0} | {U1,U2,U3}): column maxima 100 + 200, row maxima 100 + 200, so ``1 - 0.75`` = 0.25 whatever s.
    At s = 0.5 (plain coterminosity) the two cost the same; at 0.75 the split costs twice the nesting."""
    geo = line_geography([100] * 4, layers={"H": group_layer("H", "partition", 4, [[0, 1], [2, 3]])})
    for assignment, k, expected in (([0, 0, 0, 0], 1, merge_cost), ([0, 1, 1, 1], 2, split_cost)):
        opts = DesignOptions(areas=k, health=("H",), economic=(), keep_whole=(), weights=ONLY_HEALTH,
                             split_weight=split)
        blocks = build_blocks(geo, opts)
        obj = build_objective(geo, blocks, opts)
        block_assign = np.array([assignment[int(m[0])] for m in blocks.members])
        value, terms = score_assignment(obj, block_assign)
        assert terms["health"] == pytest.approx(expected, abs=1e-12)
        assert value == pytest.approx(expected, abs=1e-12)
        codes = tuple(f"A{a}" for a in range(k))
        plan = Plan(geo.units.codes, np.array(assignment), codes, codes)
        assert 1 - alignment(geo, "H", plan, split) == pytest.approx(expected, abs=1e-12)

"""Design on small hand-built grids where the optimum is known (by construction or by enumeration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devoplan.design.api import design
from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.bound import kmeans_1d
from devoplan.design.options import DEFAULT_SPLIT_WEIGHT, DesignOptions
from devoplan.geography.model import Geography, Layer
from devoplan.metrics.compactness import cut_edges
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.metrics.homogeneity import homogeneity
from devoplan.metrics.overlap import alignment
from devoplan.plan import Plan
from devoplan.testing.bruteforce import partitions
from devoplan.testing.tiny import rook_grid

ONLY_HEALTH = {"health": 1.0, "economic": 0.0, "needs": 0.0, "compact": 0.0, "balance": 0.0, "identity": 0.0}


def test_two_halves_found_exactly() -> None:
    # 0 1 2 3 / 4 5 6 7: health areas are the left and right halves; the optimum reproduces them
    geo = rook_grid(2, 4, [100] * 8, {"H": [0, 0, 1, 1, 0, 0, 1, 1], "E": [0, 0, 1, 1, 0, 0, 1, 1]},
               np.zeros((8, 1)) + np.arange(8)[:, None])
    opts = DesignOptions(areas=2, health=("H",), economic=("E",), keep_whole=(), weights=ONLY_HEALTH,
                         time_limit=1, min_pop=100, max_pop=700)
    res = design(geo, opts, seed=3)
    assert res.objective == pytest.approx(0.0, abs=1e-12)
    left = {res.plan.area_of(u) for u in (0, 1, 4, 5)}
    right = {res.plan.area_of(u) for u in (2, 3, 6, 7)}
    assert len(left) == 1 and len(right) == 1 and left != right
    assert res.checks["ok"]
    assert res.bound is not None and res.bound.value <= res.objective + 1e-12


def _oracle(geo: Geography, labels: tuple[int, ...], k: int, w: dict[str, float]) -> float:
    """The objective from the metrics module's from-scratch functions (independent of the search)."""
    plan = Plan(geo.units.codes, np.array(labels), tuple(f"A{i}" for i in range(k)), tuple(f"A{i}" for i in range(k)))
    pops = plan.area_totals(geo.units.population.astype(float))
    total = pops.sum()
    terms = {
        "health": 1 - alignment(geo, "H", plan, DEFAULT_SPLIT_WEIGHT),
        "economic": 1 - alignment(geo, "E", plan, DEFAULT_SPLIT_WEIGHT),
        "needs": homogeneity(geo, plan).scalars()["within_variance"],
        "compact": cut_edges(geo.adjacency.edges, plan.assignment) / len(geo.adjacency.edges),
        "balance": float(np.abs(pops - total / k).sum() / total),
    }
    return sum(w[t] * v for t, v in terms.items())


def test_matches_exhaustive_optimum_on_3x3() -> None:
    rng = np.random.default_rng(7)
    pop = rng.integers(50, 150, size=9).tolist()
    geo = rook_grid(3, 3, pop, {"H": [0, 0, 1, 0, 0, 1, 2, 2, 1], "E": [0, 1, 1, 0, 1, 1, 2, 2, 2]},
               rng.normal(size=(9, 2)))
    w = {"health": 1.0, "economic": 1.0, "needs": 1.0, "compact": 0.5, "balance": 0.5, "identity": 0.0}
    lo, hi = 150, 500
    best = np.inf
    for labels in partitions(9, 3):
        a = np.array(labels)
        pops = np.bincount(a, weights=pop, minlength=3)
        if pops.min() < lo or pops.max() > hi or (pieces_per_area(geo.adjacency, a, 3) != 1).any():
            continue
        best = min(best, _oracle(geo, labels, 3, w))
    opts = DesignOptions(areas=3, health=("H",), economic=("E",), keep_whole=(), weights=w, min_pop=lo,
                         max_pop=hi, time_limit=2)
    res = design(geo, opts, seed=0)
    assert res.objective == pytest.approx(best, abs=1e-9)
    assert _oracle(geo, tuple(res.plan.assignment), 3, w) == pytest.approx(res.objective, abs=1e-9)
    assert res.bound is not None and res.bound.value == pytest.approx(best, abs=1e-9)  # the exact model
    assert res.bound.proven_optimal and res.gap == pytest.approx(0.0, abs=1e-9)
    from devoplan.design.bound import lower_bound
    from devoplan.design.objective import build_objective

    relaxed = lower_bound(build_objective(geo, _blocks(geo, opts), opts), np.array(pop, dtype=float))
    assert relaxed.value <= best + 1e-9  # the relaxation alone is a valid bound too


def _blocks(geo: Geography, opts: DesignOptions) -> Blocks:
    return build_blocks(geo, opts)


def _grid4() -> Geography:
    rng = np.random.default_rng(1)
    h = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]
    utla = [0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]  # U0+U1 and U2+U3 are kept whole
    ca = [-1] * 16
    ca[14], ca[15] = 0, 0
    return rook_grid(4, 4, rng.integers(80, 120, size=16).tolist(), {"H": h, "E": h, "UTLA": utla, "CAUTH": ca},
                rng.normal(size=(16, 2)))


def test_constraints_honoured_locks_together_apart() -> None:
    geo = _grid4()
    opts = DesignOptions(
        areas=4, health=("H",), economic=("E",), keep_whole=("UTLA", "CAUTH"), time_limit=1,
        locks={"U0": "North", "U12": "South"}, together=(("U5", "U10"),), apart=(("U6", "U7"),),
    )
    res = design(geo, opts, seed=11)
    plan = res.plan
    assert res.checks["ok"], res.checks
    assert plan.n_areas == 4
    assert plan.area_names[plan.area_of("U0")] == "North" and plan.area_names[plan.area_of("U1")] == "North"
    assert plan.area_names[plan.area_of("U12")] == "South"
    assert plan.area_of("U5") == plan.area_of("U10")
    assert plan.area_of("U6") != plan.area_of("U7")
    assert plan.area_of("U14") == plan.area_of("U15")
    assert (pieces_per_area(geo.adjacency, plan.assignment, 4) == 1).all()


def test_same_seed_same_plan_different_seed_may_differ() -> None:
    geo = _grid4()
    opts = DesignOptions(areas=4, health=("H",), economic=("E",), keep_whole=(), time_limit=0.5)
    a = design(geo, opts, seed=5)
    b = design(geo, opts, seed=5)
    assert a.plan == b.plan and a.objective == b.objective and a.metrics == b.metrics


def test_wall_guard_stops_the_search_on_the_clock_and_inf_never_does() -> None:
    geo = _grid4()
    opts = DesignOptions(areas=4, health=("H",), economic=("E",), keep_whole=(), time_limit=0.5, compute_bound=False)
    stopped = design(geo, opts.with_(wall_guard=1e-9), seed=5)
    assert stopped.stats.stopped_by == "time" and stopped.checks["ok"]
    assert stopped.stats.evaluations < design(geo, opts, seed=5).stats.evaluations
    assert design(geo, opts.with_(wall_guard=float("inf")), seed=5).stats.stopped_by == "budget"


def test_start_plan_and_frozen_area_kept() -> None:
    geo = _grid4()
    labels = ["P1"] * 8 + ["P2", "P2", "P3", "P3"] * 2
    start = Plan.from_labels(geo.units.codes, labels)
    opts = DesignOptions(areas=3, health=("H",), economic=("E",), keep_whole=(), start=start,
                         frozen_areas=("P1",), time_limit=0.5, min_pop=100, max_pop=1500)
    res = design(geo, opts, seed=2)
    assert res.checks["ok"], res.checks
    assert set(res.plan.members("P1").tolist()) == set(range(8))
    assert res.plan.area_codes == ("P1", "P2", "P3")


def test_kmeans_1d_matches_enumeration() -> None:
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=7), rng.uniform(0.5, 2, size=7)
    best = np.inf
    for labels in partitions(7, 3):
        a = np.array(labels)
        cost = 0.0
        for g in range(3):
            m = a == g
            mean = np.average(x[m], weights=w[m])
            cost += float(np.sum(w[m] * (x[m] - mean) ** 2))
        best = min(best, cost)
    assert kmeans_1d(x, w, 3) == pytest.approx(best, rel=1e-9)
    assert kmeans_1d(x, w, 7) == 0.0


def test_governance_statuses() -> None:
    from devoplan.governance.classify import governance

    geo = _grid4()  # CAUTH CA0 = {U14, U15}; UTLA0 = {U0, U1}
    labels = ["a"] * 2 + ["b"] * 12 + ["c"] * 2
    res = governance(geo, Plan.from_labels(geo.units.codes, labels))
    assert [g.status for g in res] == ["new_combined_authority", "new_combined_authority",
                                       "existing_combined_authority"]
    assert res[2].mayor is None  # code CAUTH0 is not in the May 2024 table: unknown, not guessed
    labels = ["a"] * 2 + ["b"] * 11 + ["c"] * 3
    res = governance(geo, Plan.from_labels(geo.units.codes, labels))
    assert res[2].status == "extend_combined_authority" and "1 other district" in res[2].note


def test_frozen_area_that_splits_a_kept_whole_area_is_refused() -> None:
    from devoplan.errors import InfeasibleError

    geo = _grid4()  # UTLA0 = {U0, U1}
    labels = ["P1"] + ["P2"] * 7 + ["P3"] * 8
    start = Plan.from_labels(geo.units.codes, labels)
    opts = DesignOptions(areas=3, health=("H",), economic=("E",), keep_whole=("UTLA",), start=start,
                         frozen_areas=("P1",), time_limit=0.5)
    with pytest.raises(InfeasibleError, match="frozen area P1 cannot stay as it is"):
        design(geo, opts)


def test_outputs_without_display_geometry(tmp_path: Path) -> None:
    import json

    from devoplan.design.output import write_outputs
    from devoplan.fileio import output_set

    geo = _grid4()
    res = design(geo, DesignOptions(areas=3, health=("H",), economic=("E",), keep_whole=(), time_limit=0.3), seed=1)
    out = tmp_path / "out"
    out.mkdir()
    with output_set(out) as earlier:  # an earlier design's set held an areas.geojson
        (earlier / "areas.geojson").write_text("stale")
    files = write_outputs(geo, res, out)
    assert [f.name for f in files] == ["plan.csv", "metrics.json"]
    assert not (out / "areas.geojson").exists()  # dropped with that set; a user's own one would be kept
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["areas_geojson"].startswith("not written") and doc["checks"]["ok"] is True
    assert (out / "plan.csv").read_text().splitlines()[0] == "LAD24CD,area_code,area_name"


def test_balance_bound_is_twice_the_block_excess_and_tight_here() -> None:
    """Blocks 10, 1, 1 into 2 areas (mean 6): the best is {10},{1,1} with |10-6|+|2-6| = 8 of 12."""
    from devoplan.design.bound import balance_bound
    from devoplan.design.objective import build_objective

    geo = rook_grid(1, 3, [10, 1, 1], {"H": [0, 0, 1]}, np.zeros((3, 1)))
    only_balance = {k: 0.0 for k in ONLY_HEALTH} | {"balance": 1.0}
    opts = DesignOptions(areas=2, health=("H",), economic=("H",), keep_whole=(), weights=only_balance,
                         min_pop=0, max_pop=12, time_limit=0.2)
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    assert balance_bound(obj, blocks.population.astype(float)) == pytest.approx(8 / 12)
    res = design(geo, opts, seed=0)
    assert res.objective == pytest.approx(8 / 12)
    assert res.bound is not None and res.bound.terms["balance"] == pytest.approx(8 / 12)


def test_area_names_join_unambiguously_when_a_name_holds_and() -> None:
    from devoplan.design.naming import join_names

    assert join_names(["Kent", "Medway"]) == "Kent and Medway"
    assert join_names(["Cheshire East", "Shropshire", "Warrington"]) == "Cheshire East, Shropshire and Warrington"
    assert (join_names(["North Yorkshire", "Cumberland", "Westmorland and Furness"])
            == "North Yorkshire, Cumberland, and Westmorland and Furness")
    assert join_names(["Solo"]) == "Solo"


@pytest.mark.parametrize("case", range(6))
def test_relaxation_bound_below_the_exhaustive_optimum(case: int) -> None:
    """The term-wise relaxation (every term, all weights on) never exceeds the true contiguous optimum."""
    from devoplan.design.bound import lower_bound
    from devoplan.design.objective import build_objective, score_assignment

    rng = np.random.default_rng(100 + case)
    rows, cols, k = (2, 4, 2) if case % 2 else (3, 3, 3)
    n = rows * cols
    pop = rng.integers(20, 200, size=n).tolist()
    layers = {"H": rng.integers(0, 3, size=n).tolist(), "E": rng.integers(0, 4, size=n).tolist()}
    geo = rook_grid(rows, cols, pop, layers, rng.normal(size=(n, 2)))
    w = {"health": 1.0, "economic": 1.0, "needs": 1.0, "compact": 0.5, "balance": 0.5, "identity": 0.0}
    lo, hi = 0.5 * sum(pop) / k, 1.5 * sum(pop) / k
    opts = DesignOptions(areas=k, health=("H",), economic=("E",), keep_whole=(), weights=w, min_pop=int(lo),
                         max_pop=int(hi), time_limit=0.1)
    obj = build_objective(geo, build_blocks(geo, opts), opts)
    feasible = [a for a in map(np.array, partitions(n, k)) if (pieces_per_area(geo.adjacency, a, k) == 1).all()
                and lo <= np.bincount(a, weights=pop, minlength=k).min()
                and np.bincount(a, weights=pop, minlength=k).max() <= hi]
    scored = [score_assignment(obj, a) for a in feasible]
    best = min(value for value, _ in scored)
    relaxed = lower_bound(obj, np.array(pop, dtype=float))  # no population bounds: no cut programme
    with_bounds = lower_bound(obj, np.array(pop, dtype=float), bounds=(int(lo), int(hi)))
    assert 0 <= relaxed.value <= with_bounds.value <= best + 1e-9
    for term in ("health", "economic", "needs", "compact", "balance"):  # each term's bound alone is valid too
        assert with_bounds.terms[term] <= min(terms[term] for _, terms in scored) + 1e-9, term


def test_cut_bound_sees_the_population_bounds() -> None:
    """2x3 grid of equal units into two areas of exactly 3: every 3-set has boundary >= 3 edges, so the
    cut is at least 3 of the 7 edges (the optimum: two rows), where k-1 lightest edges only give 1."""
    from devoplan.design.bound import lower_bound
    from devoplan.design.cutbound import area_boundary_sum_bound, boundary_minima
    from devoplan.design.objective import build_objective

    geo = rook_grid(2, 3, [1] * 6, {"H": [0] * 6}, np.zeros((6, 1)))
    only_compact = {k: 0.0 for k in ONLY_HEALTH} | {"compact": 1.0}
    opts = DesignOptions(areas=2, health=("H",), economic=("H",), keep_whole=(), weights=only_compact,
                         min_pop=3, max_pop=3, time_limit=0.2)
    obj = build_objective(geo, build_blocks(geo, opts), opts)
    beta = boundary_minima(obj.edge_weight, np.ones(6), 3, 3)
    assert beta == pytest.approx([3.0] * 6, abs=1e-6)
    assert lower_bound(obj, np.ones(6)).terms["compact"] == pytest.approx(1 / 7)
    assert lower_bound(obj, np.ones(6), bounds=(3, 3)).terms["compact"] == pytest.approx(3 / 7, abs=1e-6)
    assert design(geo, opts, seed=0).objective == pytest.approx(3 / 7)
    # the integral by hand: beta 1,1,4 with populations 5,5,2 in k=3 areas of at most 6 people:
    # t in (0,1]: all 3 areas; t in (1,4]: 2 people need ceil(2/6) = 1 area -> 3*1 + 1*3 = 6
    assert area_boundary_sum_bound(np.array([1.0, 1.0, 4.0]), np.array([5.0, 5.0, 2.0]), 3, 6) == 6.0


def test_verify_reports_every_broken_constraint() -> None:
    from devoplan.design.verify import verify

    geo = _grid4()
    opts = DesignOptions(areas=3, health=("H",), economic=("E",), keep_whole=("UTLA",), time_limit=0.1,
                         locks={"U4": "North"}, together=(("U5", "U6"),), apart=(("U6", "U7"),))
    # X = U0 | U2 U3 (two pieces; splits kept-whole U0+U1), Z = U6 U7, Y = the other 11 units (too many people)
    labels = ["X", "Y", "X", "X", "Y", "Y", "Z", "Z"] + ["Y"] * 8
    plan = Plan.from_labels(geo.units.codes, labels)
    out = verify(geo, plan, opts, min_pop=100, max_pop=700)
    assert out["ok"] is False and out["areas"] == 3
    assert out["noncontiguous"] == ["X"]
    assert out["outside_bounds"] == ["Y"]  # 11 units of 80..120 people, above 700
    assert out["split_kept_whole"] == ["UTLA:UTLA0"]
    assert out["locks_broken"] == ["U4=North"]  # U4's area is called Y
    assert out["together_broken"] == ["U5,U6"] and out["apart_broken"] == ["U6,U7"]
    good = verify(geo, plan, DesignOptions(areas=3, health=("H",), economic=("E",), keep_whole=()), 0, 10_000)
    assert good["noncontiguous"] == ["X"] and not good["split_kept_whole"] and good["ok"] is False


def test_area_named_after_its_upper_tier_pieces_without_ambiguity() -> None:
    from devoplan.design.naming import area_names

    geo = rook_grid(1, 3, [34, 33, 33], {"UTLA": [0, 1, 2]}, np.zeros((3, 1)))
    utla = geo.layers["UTLA"]
    names = ("North Yorkshire", "Cumberland", "Westmorland and Furness")
    geo = geo.with_layers({**geo.layers, "UTLA": Layer(utla.key, utla.name, utla.kind, utla.area_codes, names,
                                                        utla.membership)})
    # no UTLA matches the single area well (best 34%), so it is named after its three pieces, largest first
    assert area_names(geo, np.zeros(3, dtype=np.int64), 1, {}) == [
        "North Yorkshire, Cumberland, and Westmorland and Furness"]
    assert area_names(geo, np.array([0, 0, 1]), 2, {1: "Lakes"}) == ["North Yorkshire and Cumberland", "Lakes"]

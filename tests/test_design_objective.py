"""Oracle: the design objective's incremental values equal the metrics module's from-scratch values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoplan.design.blocks import build_blocks
from devoplan.design.objective import Scorer, build_objective
from devoplan.design.options import DesignOptions
from devoplan.metrics.compactness import cut_edges
from devoplan.metrics.homogeneity import homogeneity
from devoplan.metrics.overlap import alignment, containment
from devoplan.plan import Plan
from devoplan.testing import grid_geography

GEO = grid_geography(5, 6, seed=4)
K = 5


def _options(keep: tuple[str, ...], split: float = 0.75) -> DesignOptions:
    return DesignOptions(areas=K, health=("SPLIT",), economic=("COVER", "CAUTH"), police=("BLOCK",), keep_whole=keep,
                         keep_whole_soft=("BLOCK",), split_weight=split, weights={"needs": 1.0})


def _from_scratch(unit_assign: np.ndarray, s: float) -> dict[str, float]:
    codes = tuple(f"A{i}" for i in range(K))
    plan = Plan(GEO.units.codes, unit_assign, codes, codes)
    pops = plan.area_totals(GEO.units.population.astype(float))
    total = pops.sum()
    return {
        "health": 1 - alignment(GEO, "SPLIT", plan, s),
        "economic": 1 - 0.5 * (alignment(GEO, "COVER", plan, s) + alignment(GEO, "CAUTH", plan, s)),
        "police": 1 - alignment(GEO, "BLOCK", plan, s),
        "identity": 1 - containment(GEO, "BLOCK", plan),
        "needs": homogeneity(GEO, plan).scalars()["within_variance"],
        "compact": cut_edges(GEO.adjacency.edges, plan.assignment) / len(GEO.adjacency.edges),
        "balance": float(np.abs(pops - total / K).sum() / total),
    }


@pytest.mark.parametrize(("keep", "split"), [((), 0.75), (("UTLA",), 0.75), ((), 0.5), ((), 1.0)])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_incremental_matches_metrics_module(keep: tuple[str, ...], split: float, data: st.DataObject) -> None:
    opts = _options(keep, split)
    blocks = build_blocks(GEO, opts)
    obj = build_objective(GEO, blocks, opts)
    nb = blocks.n_blocks
    start = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=nb, max_size=nb)))
    scorer = Scorer(obj, start)
    for _ in range(data.draw(st.integers(1, 12))):
        size = data.draw(st.integers(1, 3))
        moved = data.draw(st.lists(st.integers(0, nb - 1), min_size=size, max_size=size, unique=True))
        targets = data.draw(st.lists(st.integers(0, K - 1), min_size=size, max_size=size))
        before = scorer.value
        change = scorer.evaluate(moved, targets)
        assert scorer.value == before  # evaluating changes nothing
        scorer.apply(change)
    expected = _from_scratch(scorer.assign[blocks.unit_block], split)
    got = scorer.terms()
    for term, value in expected.items():
        assert got[term] == pytest.approx(value, abs=1e-9), term
    fresh = Scorer(obj, scorer.assign)
    assert scorer.value == pytest.approx(fresh.value, abs=1e-9)
    assert scorer.value == pytest.approx(sum(obj.weights[t] * v for t, v in expected.items()), abs=1e-9)

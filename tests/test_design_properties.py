"""Property: on random small grids with random constraints, design either refuses with a DevoplanError
or returns a plan that satisfies every hard constraint (checked here independently of the optimiser)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from devoplan.design.api import design
from devoplan.design.options import DesignOptions
from devoplan.errors import DevoplanError
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.testing import grid_geography

GEO = grid_geography(4, 5, seed=2)
CODES = GEO.units.codes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    k=st.integers(2, 6),
    keep=st.sampled_from([(), ("UTLA",), ("CAUTH",), ("UTLA", "CAUTH")]),
    lock=st.lists(st.tuples(st.integers(0, 19), st.sampled_from(["North", "South"])), max_size=2),
    apart=st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19)), max_size=2),
    slack=st.floats(0.2, 0.9),
    seed=st.integers(0, 3),
)
def test_plan_valid_or_refused(
    k: int, keep: tuple[str, ...], lock: list[tuple[int, str]], apart: list[tuple[int, int]], slack: float, seed: int
) -> None:
    total = GEO.units.total_population
    lo, hi = int(total / k * (1 - slack)), int(total / k * (1 + 2 * slack))
    locks = {CODES[u]: name for u, name in lock}
    pairs = tuple((CODES[a], CODES[b]) for a, b in apart if a != b)
    try:
        opts = DesignOptions(areas=k, health=("SPLIT",), economic=("COVER",), keep_whole=keep, min_pop=lo,
                             max_pop=hi, locks=locks, apart=pairs, time_limit=0.1)
        res = design(GEO, opts, seed=seed)
    except DevoplanError as exc:
        event(f"refused: {type(exc).__name__}")
        return
    event("designed")
    a = res.plan.assignment
    assert res.plan.n_areas == k
    assert (pieces_per_area(GEO.adjacency, a, k) == 1).all()
    pops = np.bincount(a, weights=GEO.units.population, minlength=k)
    assert pops.min() >= lo and pops.max() <= hi
    for key in keep:
        member = GEO.layer(key).membership.tocsc()
        for b in range(member.shape[1]):
            units = member.indices[member.indptr[b] : member.indptr[b + 1]]
            assert len(set(a[units].tolist())) <= 1
    for code, name in locks.items():
        assert res.plan.area_names[res.plan.area_of(code)] == name
    for x, y in pairs:
        assert res.plan.area_of(x) != res.plan.area_of(y)

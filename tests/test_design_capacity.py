"""The capacity count (the most areas that can reach ``min_pop``): a true upper bound, exact on small
grids checked against every partition, refused with its numbers, and a start the search can use."""

from __future__ import annotations

import numpy as np
import pytest

from devoplan.design.api import design
from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.capacity import capacity, packed_start
from devoplan.design.options import DesignOptions
from devoplan.errors import InfeasibleError
from devoplan.geography.model import Geography
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.testing.bruteforce import partitions
from devoplan.testing.grids import grid_geography
from devoplan.testing.tiny import group_layer, line_geography


def _fenced_grid(seed: int) -> Geography:
    """A random 3x3 grid whose left column is a do-not-cross area (like Greater London)."""
    geo = grid_geography(3, 3, seed=seed)
    return geo.with_layers(dict(geo.layers) | {"GLA": group_layer("GLA", "partial", 9, [[0, 3, 6]])})


def _smallest_areas(geo: Geography, blocks: Blocks) -> dict[int, float]:
    """Per number of areas, the largest smallest-area population over every contiguous plan that
    keeps the fences (every partition of the blocks, checked once)."""
    out: dict[int, float] = {}
    for k in range(1, blocks.n_blocks + 1):
        for labels in partitions(blocks.n_blocks, k):
            a = np.array(labels)
            low = float(np.bincount(a, weights=blocks.population).min())
            if low <= out.get(k, -1.0) or any(a[i] == a[j] for i, j in blocks.fences):
                continue
            if (pieces_per_area(geo.adjacency, a[blocks.unit_block], k) == 1).all():
                out[k] = low
    return out


def _opts(k: int = 2, **extra: object) -> DesignOptions:
    base: dict[str, object] = {"areas": k, "health": (), "economic": (), "keep_whole": (), "time_limit": 0.05,
                               "weights": {"balance": 0.1}}
    return DesignOptions(**(base | extra))  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(4))
def test_capacity_is_the_most_areas_any_plan_has_on_small_grids(seed: int) -> None:
    geo = _fenced_grid(seed)
    total = geo.units.total_population
    for fenced in ((), ("GLA",)):
        blocks = build_blocks(geo, _opts(do_not_cross=fenced))
        smallest = _smallest_areas(geo, blocks)
        for lo in (total // 7, total // 5, total // 3):
            cap = capacity(blocks, lo)
            possible = [k for k, pop in smallest.items() if pop >= lo]
            assert cap.most >= max(possible)  # a true upper bound: never refuses a possible plan
            assert cap.most == max(possible)  # and exact here: the clusters' packings can all be completed
            for k in possible:
                assign = packed_start(blocks, cap, k, total)
                assert assign is not None
                pops = np.bincount(assign, weights=blocks.population)
                assert len(pops) == k and pops.min() >= lo
                assert (pieces_per_area(geo.adjacency, assign[blocks.unit_block], k) == 1).all()
                assert not any(assign[i] == assign[j] for i, j in blocks.fences)


def _line() -> Geography:
    """U0..U5 of 300, 100, 100, 100, 450, 100 people; U0..U2 inside the fenced area ("London")."""
    layers = {"GLA": group_layer("GLA", "partial", 6, [[0, 1, 2]])}
    return line_geography([300, 100, 100, 100, 450, 100], layers=layers)


def test_counting_by_hand_and_the_refusal_states_it() -> None:
    geo = _line()
    blocks = build_blocks(geo, _opts())
    cap = capacity(blocks, 200)
    # U0 (300) and U4 (450) reach 200 alone; the small blocks form clusters U1-U2 (200, inside the fence),
    # U3 (100) and U5 (100): one more area in all
    assert [geo.units.codes[b] for b in cap.large] == ["U0", "U4"]
    assert sorted(c.population for c in cap.clusters) == [100, 100, 200]
    assert cap.most == 3
    plan = design(geo, _opts(3, min_pop=200, max_pop=700), seed=0).plan
    assert sorted(plan.area_totals(geo.units.population.astype(float)).tolist()) == [200.0, 300.0, 650.0]
    with pytest.raises(InfeasibleError) as err:
        design(geo, _opts(4, min_pop=200, max_pop=700), seed=0)
    text = str(err.value)
    assert "4 areas of at least `min_pop` 200 people cannot be drawn: at most 3 can" in text
    assert "2 blocks that stay whole reach 200 on their own" in text
    assert "those make at most 1 areas" in text and "1 from the 2 blocks in GLA 0 (200 people)" in text
    # without the fence U2 and U3 may join: still 3 (U1-U2 or U2-U3, never both)
    assert capacity(build_blocks(geo, _opts(do_not_cross=())), 200).most == 3


def test_locks_and_apart_pairs_leave_the_start_to_the_other_means() -> None:
    geo = _line()
    blocks = build_blocks(geo, _opts(apart=(("U1", "U2"),)))
    assert packed_start(blocks, capacity(blocks, 200), 3, 700) is None


def test_a_cluster_too_large_to_list_is_bounded_by_population_and_the_refusal_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import devoplan.design.capacity as capacity_module

    monkeypatch.setattr(capacity_module, "MAX_CLUSTER_BLOCKS", 2)
    # five districts of 100 each side of one of 500: by population each side could make two areas of 200
    geo = line_geography([100] * 5 + [500] + [100] * 5)
    blocks = build_blocks(geo, _opts(do_not_cross=()))
    cap = capacity(blocks, 200)
    assert cap.most == 5 and not any(c.exact for c in cap.clusters)
    assert packed_start(blocks, cap, 4, 1500) is None  # no packing to start from
    with pytest.raises(InfeasibleError, match=r"at most 5 can.*2 from the 5 blocks around Unit 0 \(U0\) \(500 "
                                              r"people, by population alone\)"):
        design(geo, _opts(6, min_pop=200, max_pop=1500, do_not_cross=()), seed=0)

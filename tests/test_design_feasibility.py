"""Impossible requests are refused before optimising, with the numbers that make them impossible."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from devoplan.design.api import design
from devoplan.design.options import DesignOptions
from devoplan.errors import DevoplanError, InfeasibleError
from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units


def line(pops: list[int], ca: list[int]) -> Geography:
    """Units U0..U(n-1) in a row; CAUTH groups units with the same non-negative label."""
    n = len(pops)
    edges = np.array([[i, i + 1] for i in range(n - 1)])
    adj = Adjacency(n, edges, np.ones(n - 1), ("border",) * (n - 1), ("",) * (n - 1))
    rows = [u for u in range(n) if ca[u] >= 0]
    k = max(ca) + 1
    m = sparse.csr_array((np.ones(len(rows)), (rows, [ca[u] for u in rows])), shape=(n, k))
    names = tuple(f"Big City {i}" for i in range(k))
    cauth = Layer("CAUTH", "CA", "partial", tuple(f"CA{i}" for i in range(k)), names, m)
    h = sparse.csr_array((np.ones(n), (range(n), [0] * n)), shape=(n, 1))
    icb = Layer("ICB", "ICB", "partition", ("I0",), ("ICB 0",), h)
    meta = (IndicatorMeta("x", "x", "2024", "s", "higher_is_worse", "t"),)
    return Geography("line", Units(tuple(f"U{i}" for i in range(n)), tuple(f"Unit {i}" for i in range(n)),
                                   np.array(pops)), {"CAUTH": cauth, "ICB": icb}, adj,
                     Indicators(meta, np.arange(n, dtype=float)[:, None]))


def opts(**kw: object) -> DesignOptions:
    base: dict[str, object] = {"health": ("ICB",), "economic": (), "keep_whole": ("CAUTH",), "time_limit": 0.2}
    base.update(kw)
    return DesignOptions(**base)  # type: ignore[arg-type]


GEO = line([100, 200, 300, 100, 100, 100], [0, 0, 0, -1, -1, -1])


def test_kept_whole_block_above_max_pop() -> None:
    with pytest.raises(InfeasibleError, match=r"CAUTH Big City 0.*600.*above `max_pop` 500"):
        design(GEO, opts(areas=2, max_pop=500, min_pop=0))


def test_more_areas_than_blocks() -> None:
    with pytest.raises(InfeasibleError, match="5 areas requested but only 4 blocks"):
        design(GEO, opts(areas=5))


def test_total_outside_k_times_bounds() -> None:
    with pytest.raises(InfeasibleError, match=r"total population 900 is above 2 areas x `max_pop` 400 = 800"):
        design(GEO, opts(areas=2, max_pop=400, keep_whole=()))
    with pytest.raises(InfeasibleError, match=r"below 3 areas x `min_pop` 400 = 1,200"):
        design(GEO, opts(areas=3, min_pop=400, keep_whole=()))


def test_locked_pair_also_apart() -> None:
    with pytest.raises(InfeasibleError, match="both locked to area 'X' but also `apart`"):
        design(GEO, opts(areas=2, locks={"U3": "X", "U4": "X"}, apart=(("U3", "U4"),)))


def test_apart_inside_a_kept_whole_block() -> None:
    with pytest.raises(InfeasibleError, match="`apart` names codes that must share an area"):
        design(GEO, opts(areas=2, apart=(("U0", "U2"),)))


def test_more_lock_names_than_areas() -> None:
    with pytest.raises(InfeasibleError, match="locks name 3 different areas but only 2"):
        design(GEO, opts(areas=2, locks={"U3": "A", "U4": "B", "U5": "C"}))


def test_kept_whole_block_locked_twice() -> None:
    with pytest.raises(InfeasibleError, match="locked to 2 different areas"):
        design(GEO, opts(areas=2, locks={"U0": "A", "U1": "B"}))


def test_locked_population_above_max() -> None:
    with pytest.raises(InfeasibleError, match="locked to area 'A' hold 700 people, above `max_pop` 650"):
        design(GEO, opts(areas=2, max_pop=650, locks={"U0": "A", "U5": "A"}))
    # 700 fits, but on a line U0..U2 (kept whole) reach U5 only through U3 and U4: 900 people
    with pytest.raises(InfeasibleError, match="lightest contiguous area holding them has 900 people"):
        design(GEO, opts(areas=2, max_pop=750, locks={"U0": "A", "U5": "A"}))


def test_disconnected_graph() -> None:
    geo = line([100, 100, 100, 100], [0, 0, -1, -1])
    broken = Geography(geo.name, geo.units, geo.layers,
                       Adjacency(4, np.array([[0, 1], [2, 3]]), np.ones(2), ("border",) * 2, ("",) * 2),
                       geo.indicators)
    with pytest.raises(InfeasibleError, match="2 separate pieces"):
        design(broken, opts(areas=2, keep_whole=()))


def test_unknown_codes_and_layers() -> None:
    with pytest.raises(DevoplanError, match="unknown district or area 'NOPE'"):
        design(GEO, opts(areas=2, together=(("U0", "NOPE"),)))
    with pytest.raises(DevoplanError, match="unknown layer 'LEP'; allowed: CAUTH, ICB"):
        design(GEO, opts(areas=2, economic=("LEP",)))

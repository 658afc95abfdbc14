"""The exact model's listing of candidate areas is capped by memory, not only by a count of sets."""

from __future__ import annotations

import numpy as np
import pytest

from devoplan.design import bound as bound_mod
from devoplan.design import columns as columns_mod
from devoplan.design.api import design
from devoplan.design.blocks import build_blocks
from devoplan.design.columns import MAX_SETS, enumerate_columns, listing_cap
from devoplan.design.options import DesignOptions, resolved_bounds
from devoplan.testing.grids import grid_geography


def test_the_cap_shrinks_as_blocks_grow() -> None:
    assert listing_cap(109) == MAX_SETS  # England's defaults keep their 8 million
    per_set = 4 * 8 * 157 + 32  # 10,000 blocks: 157 words a bitset
    assert listing_cap(10_000) == 1024**3 // per_set < 250_000
    assert listing_cap(10_000) * per_set <= 1024**3


def test_listing_gives_up_when_the_memory_cap_binds(monkeypatch: pytest.MonkeyPatch) -> None:
    geo = grid_geography(4, 4, seed=1)
    opts = DesignOptions(areas=3, keep_whole=(), health=("BLOCK",), economic=("COVER",), time_limit=0.05)
    blocks = build_blocks(geo, opts)
    lo, hi = resolved_bounds(opts, int(geo.units.population.sum()), int(blocks.population.max()))
    assert enumerate_columns(blocks, lo, hi) is not None
    monkeypatch.setattr(columns_mod, "LISTING_MEMORY", 20 * (4 * 8 + 32))  # room for 20 sets
    assert listing_cap(blocks.n_blocks) == 20
    assert enumerate_columns(blocks, lo, hi) is None


def test_design_generates_areas_when_the_listing_would_not_fit_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns_mod, "LISTING_MEMORY", 20 * (4 * 8 + 32))
    geo = grid_geography(4, 4, seed=1)
    opts = DesignOptions(areas=3, keep_whole=(), health=("BLOCK",), economic=("COVER",), time_limit=0.05)
    result = design(geo, opts, seed=0)
    assert result.checks["ok"] and result.bound is not None
    assert result.bound.value <= result.objective + 1e-12
    assert "column generation without listing" in result.bound.method
    assert "more than 20 connected sets" in str(result.bound.details["exact_model"])
    assert "memory" in str(result.bound.details["exact_model"])


def _kmeans_full_table(x: np.ndarray, w: np.ndarray, k: int) -> float:
    """The same dynamic programme over the whole n x n cost table (the former implementation)."""
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    n = len(x)
    if n == 0 or k >= n:
        return 0.0
    cw, cx, cxx = (np.concatenate([[0.0], np.cumsum(v)]) for v in (w, w * x, w * x * x))
    i, jj = np.arange(n)[:, None], np.arange(1, n + 1)[None, :]
    sw, sx, sxx = cw[jj] - cw[i], cx[jj] - cx[i], cxx[jj] - cxx[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.maximum(np.where((jj > i) & (sw > 0), sxx - sx * sx / np.where(sw > 0, sw, 1.0), np.inf), 0.0)
    best = cost[0].copy()
    for _ in range(1, k):
        best = np.minimum(best, (best[:-1, None] + cost[1:, :]).min(axis=0))
    return float(best[-1])


@pytest.mark.parametrize("cells", [1, 7, 2_000_000])
def test_kmeans_in_column_blocks_matches_the_full_table(monkeypatch: pytest.MonkeyPatch, cells: int) -> None:
    """The needs bound's 1-D k-means holds a block of the cost table at a time (10,000 blocks took 4.5 GB)."""
    monkeypatch.setattr(bound_mod, "_KMEANS_CELLS", cells)
    rng = np.random.default_rng(3)
    for trial in range(60):
        n, k = int(rng.integers(1, 30)), int(rng.integers(1, 7))
        x = rng.normal(size=n)
        x = np.round(x) if trial % 4 == 0 else x  # ties
        w = rng.uniform(0.1, 3.0, size=n)
        assert bound_mod.kmeans_1d(x, w, k) == pytest.approx(_kmeans_full_table(x, w, k), rel=1e-9, abs=1e-12)

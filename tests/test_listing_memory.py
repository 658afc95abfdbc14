"""The exact model's listing of candidate areas is capped by memory, not only by a count of sets."""

from __future__ import annotations

import pytest

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


def test_design_falls_back_to_the_relaxation_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns_mod, "LISTING_MEMORY", 20 * (4 * 8 + 32))
    geo = grid_geography(4, 4, seed=1)
    opts = DesignOptions(areas=3, keep_whole=(), health=("BLOCK",), economic=("COVER",), time_limit=0.05)
    result = design(geo, opts, seed=0)
    assert result.checks["ok"] and result.bound is not None and not result.bound.proven_optimal
    assert "more than 20 connected sets" in str(result.bound.details["exact_model"])
    assert "memory" in str(result.bound.details["exact_model"])

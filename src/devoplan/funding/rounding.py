"""Rounding to the penny so that every year's allocations add up exactly to the control total.

Rule (largest remainder, Hamilton's method): scale the amounts so they sum to the total, take
the whole pence of each, then give one extra penny to the areas with the largest fractional
remainders until the total is met; equal remainders go to the area listed first. Because an area
with a larger unrounded amount never ends up with fewer pence, the rule keeps the formula's order.
"""

from __future__ import annotations

import numpy as np


def to_pence(pounds: float) -> int:
    """A cash total in pounds rounded half-up to whole pence."""
    return int(np.floor(pounds * 100.0 + 0.5))


def largest_remainder(amounts: np.ndarray, total: np.ndarray | int) -> np.ndarray:
    """Integer parts of ``amounts`` (last axis) summing exactly to ``total`` (per leading index).

    ``amounts`` must be non-negative with a positive sum along the last axis.
    """
    x = np.asarray(amounts, dtype=np.float64)
    t = np.asarray(total, dtype=np.int64)
    sums = x.sum(axis=-1, keepdims=True)
    if np.any(sums <= 0) or np.any(x < 0):
        raise ValueError("largest_remainder needs non-negative amounts with a positive sum")
    scaled = x * (t[..., None] / sums)
    whole = np.floor(scaled)
    frac = scaled - whole
    whole = whole.astype(np.int64)
    short = t - whole.sum(axis=-1)
    # float error can leave the floors one or two pence off; fix by moving floors, then distribute
    order = np.argsort(-frac, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(x.shape[-1]), axis=-1)
    n = x.shape[-1]
    full_rounds = np.floor_divide(short, n)
    rest = short - full_rounds * n
    return whole + full_rounds[..., None] + (rank < rest[..., None]).astype(np.int64)

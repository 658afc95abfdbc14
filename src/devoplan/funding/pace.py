"""Pace of change: move each area from last year's allocation toward its target, within a floor
and a cap on cash growth, so that the year's allocations add up to the control total.

Method. With last year's allocation ``p_i`` and this year's target ``T_i``, an area's
*convergence growth* is ``g_i = c (T_i - p_i) / p_i`` (it would close a share ``c`` of its gap).
Every area then receives

    a_i(s) = p_i * (1 + clip(g_i + s, floor, cap))

where ``s`` is one growth adjustment common to all areas. ``sum_i a_i(s)`` is continuous,
non-decreasing and piecewise linear in ``s`` with breakpoints at ``floor - g_i`` and ``cap - g_i``,
so the ``s`` that meets the control total is found exactly: sort the breakpoints, accumulate the
total at each, and interpolate on the segment that brackets the control total. This is the same
water-filling as NHS-style "distance from target" pace-of-change policies, solved in closed form
(no iteration), vectorised over Monte Carlo draws.

Feasible exactly when the national growth ``C / sum p - 1`` lies within ``[floor, cap]``; otherwise
:class:`~devoplan.errors.InfeasibleError` states the numbers.
"""

from __future__ import annotations

import numpy as np

from devoplan.errors import InfeasibleError


def check_feasible(previous_total: float, total: float, floor: float, cap: float, label: str,
                   slack: float = 0.0) -> None:
    """Raise InfeasibleError unless the control total is reachable with every area in [floor, cap].

    ``slack`` (in the same units, e.g. one penny per area) absorbs totals rounded to the penny.
    """
    growth = total / previous_total - 1.0
    tol = slack + 1e-12 * max(1.0, abs(total))
    if total < previous_total * (1 + floor) - tol or total > previous_total * (1 + cap) + tol:
        raise InfeasibleError(
            f"{label}: the control total {total / 100:,.2f} is {growth:+.4%} on last year's "
            f"{previous_total / 100:,.2f}, outside the pace-of-change floor {floor:+.2%} and cap {cap:+.2%}; "
            "widen the floor/cap or change the growth rate"
        )


def common_shift(p: np.ndarray, g: np.ndarray, total: np.ndarray | float, floor: float, cap: float) -> np.ndarray:
    """The growth adjustment ``s`` (per leading index) with ``sum p (1 + clip(g + s)) == total``."""
    lo, hi = floor - g, cap - g
    need = np.asarray(total, dtype=np.float64) - (p * (1.0 + g)).sum(axis=-1)
    points = np.concatenate([lo, hi], axis=-1)
    dslope = np.concatenate([p, -p], axis=-1)
    order = np.argsort(points, axis=-1, kind="stable")
    b = np.take_along_axis(points, order, axis=-1)
    slope = np.cumsum(np.take_along_axis(dslope, order, axis=-1), axis=-1)
    start = (p * lo).sum(axis=-1, keepdims=True)
    rise = np.cumsum(np.diff(b, axis=-1) * slope[..., :-1], axis=-1)
    values = np.concatenate([start, start + rise], axis=-1)  # sum p*clip(s, lo, hi) at each breakpoint
    k = np.clip((values <= need[..., None]).sum(axis=-1) - 1, 0, b.shape[-1] - 1)
    bk = np.take_along_axis(b, k[..., None], axis=-1)[..., 0]
    vk = np.take_along_axis(values, k[..., None], axis=-1)[..., 0]
    sk = np.take_along_axis(slope, k[..., None], axis=-1)[..., 0]
    step = np.where(sk > 0, (need - vk) / np.where(sk > 0, sk, 1.0), 0.0)
    return bk + step


def pace_step(previous: np.ndarray, target: np.ndarray, total: np.ndarray | float,
              convergence: float, floor: float, cap: float) -> np.ndarray:
    """One year's allocations (floats summing to ``total``) from last year's and the targets."""
    p = np.asarray(previous, dtype=np.float64)
    g = convergence * (np.asarray(target, dtype=np.float64) - p) / p
    s = common_shift(p, g, total, floor, cap)
    return p * (1.0 + np.clip(g + s[..., None], floor, cap))

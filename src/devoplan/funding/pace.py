"""Pace of change: move each area from last year's allocation toward its target, within a floor
and a cap on cash growth, so that the year's allocations add up to the control total.

Method. With last year's allocation ``p_i`` and this year's target ``T_i``, an area's
*convergence growth* is ``g_i = c (T_i - p_i) / p_i`` (it would close a share ``c`` of its gap).
Every area then receives

    a_i(s) = p_i * (1 + clip(g_i + s, floor, cap))

where ``s`` is one growth adjustment common to all areas. ``sum_i a_i(s)`` is continuous,
non-decreasing and piecewise linear in ``s`` with breakpoints at ``floor - g_i`` and ``cap - g_i``,
so the ``s`` that meets the control total is found by safeguarded Newton steps: on the linear piece
that holds the root a Newton step is exact, and a step that would leave the bracket is replaced by
bisection (typically a handful of steps; at most 200). This is the water-filling behind
"distance from target" pace-of-change policies, vectorised over Monte Carlo draws.

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


def common_shift(p: np.ndarray, g: np.ndarray, total: np.ndarray | float, floor: float, cap: float,
                 max_iter: int = 200) -> np.ndarray:
    """The growth adjustment ``s`` (per leading index) with ``sum p (1 + clip(g + s)) == total``.

    Safeguarded Newton on the piecewise-linear total: a Newton step from any point on the linear
    piece that holds the root lands exactly on it; a step leaving the bracket is replaced by
    bisection, so convergence is guaranteed. Vectorised over leading axes (Monte Carlo draws).
    """
    p = np.asarray(p, dtype=np.float64)
    lo, hi = floor - g, cap - g
    need = np.asarray(total, dtype=np.float64) - (p * (1.0 + g)).sum(axis=-1)
    scale = p.sum(axis=-1)
    tol = 1e-12 * scale
    left, right = lo.min(axis=-1), hi.max(axis=-1)
    s = np.clip(need / scale, left, right)
    for _ in range(max_iter):
        s_ = s[..., None]
        resid = need - (p * np.clip(s_, lo, hi)).sum(axis=-1)
        done = np.abs(resid) <= tol
        if done.all():
            break
        slope = (p * ((lo < s_) & (s_ < hi))).sum(axis=-1)
        left = np.where(resid > 0, s, left)
        right = np.where(resid < 0, s, right)
        newton = s + resid / np.where(slope > 0, slope, 1.0)
        inside = (slope > 0) & (newton > left) & (newton < right)
        s = np.where(done, s, np.where(inside, newton, 0.5 * (left + right)))
    return s


def pace_step(previous: np.ndarray, target: np.ndarray, total: np.ndarray | float,
              convergence: float, floor: float, cap: float) -> np.ndarray:
    """One year's allocations (floats summing exactly to ``total``) from last year's and the targets."""
    p = np.asarray(previous, dtype=np.float64)
    g = convergence * (np.asarray(target, dtype=np.float64) - p) / p
    s = common_shift(p, g, total, floor, cap)
    alloc = p * (1.0 + np.clip(g + s[..., None], floor, cap))
    # when the total sits a fraction of a penny per area outside [floor, cap] (control totals are
    # rounded to the penny) the clipped sum misses it by that much: spread the residual pro rata so
    # the carried path always adds up to the control totals and cannot drift year on year
    return alloc * (np.asarray(total, dtype=np.float64) / alloc.sum(axis=-1))[..., None]

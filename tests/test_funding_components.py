"""Hand-worked checks of each funding building block: components, pace of change, rounding, years."""

from __future__ import annotations

import math

import numpy as np
import pytest

from devoplan.errors import InfeasibleError
from devoplan.funding.components import (
    band_curve,
    combine,
    composite,
    cost_weighted_population,
    need_multiplier,
    standardise,
    uplift,
)
from devoplan.funding.pace import check_feasible, common_shift, pace_step
from devoplan.funding.rounding import largest_remainder, to_pence
from devoplan.funding.spec import AgeSexCurve
from devoplan.funding.years import grown_totals, parse_range, parse_year


# -- age-sex cost curve -------------------------------------------------------------------------------
def test_band_curve_expands_bands_to_single_years() -> None:
    curve = AgeSexCurve(bands=((0, 4), (5, 10_000)), female=(1.0, 2.0), male=(3.0, 4.0))
    out = band_curve(curve, 8)
    assert out[0].tolist() == [1, 1, 1, 1, 1, 2, 2, 2]
    assert out[1].tolist() == [3, 3, 3, 3, 3, 4, 4, 4]


def test_cost_weighted_population_hand_worked() -> None:
    # unit 0: ten women aged 0 (cost 1); unit 1: ten women aged 2 (cost 3)
    age_sex = np.zeros((2, 2, 3), dtype=np.int64)
    age_sex[0, 0, 0] = 10
    age_sex[1, 0, 2] = 10
    curve = np.array([[1.0, 1.0, 3.0], [1.0, 1.0, 1.0]])
    # raw costs 10 and 30; scaled so the total is the population (20): x 0.5
    assert cost_weighted_population(age_sex, curve).tolist() == [5.0, 15.0]


# -- need adjustment ----------------------------------------------------------------------------------
def test_standardise_is_population_weighted_and_direction_aware() -> None:
    st = standardise(np.array([[0.0], [4.0]]), np.array([3.0, 1.0]), [True])
    # mean (3*0 + 1*4)/4 = 1, variance (3*1 + 1*9)/4 = 3
    assert st.z[:, 0] == pytest.approx([-1 / math.sqrt(3), 3 / math.sqrt(3)])
    better = standardise(np.array([[1.0], [3.0]]), np.array([1.0, 1.0]), [False])
    assert better.z[:, 0].tolist() == [1.0, -1.0]  # higher is better: the lower value is the needier


def test_standardise_fills_missing_with_mean_and_flags_constant() -> None:
    values = np.array([[1.0, 5.0], [np.nan, 5.0], [3.0, 5.0]])
    st = standardise(values, np.array([1.0, 1.0, 1.0]), [True, True])
    assert st.z[:, 0].tolist() == [-1.0, 0.0, 1.0]
    assert st.filled[:, 0].tolist() == [False, True, False]
    assert st.constant.tolist() == [False, True]
    assert st.z[:, 1].tolist() == [0.0, 0.0, 0.0]


def test_need_multiplier_hand_worked() -> None:
    z = np.array([[1.0, 0.0], [-1.0, 2.0]])
    weights = np.array([1.0, 3.0])
    assert composite(z, weights).tolist() == [0.25, 1.25]
    assert need_multiplier(z, weights, 0.2) == pytest.approx([math.exp(0.05), math.exp(0.25)])
    # broadcasting over draws: two weight vectors and two strengths
    draws = need_multiplier(z, np.array([[1.0, 3.0], [1.0, 0.0]]), np.array([0.2, 0.1]))
    assert draws == pytest.approx(np.array([[math.exp(0.05), math.exp(0.25)], [math.exp(0.1), math.exp(-0.1)]]))


def test_uplift_is_one_sided() -> None:
    assert uplift(np.array([-1.0, 0.5, 2.0]), 0.1) == pytest.approx([1.0, 1.05, 1.2])


def test_combine_multiplicative_and_additive() -> None:
    a, b = np.array([2.0, 3.0]), np.array([1.5, 0.5])
    assert combine([a, b], "multiplicative").tolist() == [3.0, 1.5]
    assert combine([a, b], "additive").tolist() == [2.5, 2.5]
    assert combine([np.array([0.2]), np.array([0.3])], "additive").tolist() == [0.0]


# -- pace of change -----------------------------------------------------------------------------------
def test_pace_cap_and_floor_both_binding() -> None:
    # targets 130/100/70 from 100 each, full convergence, growth within [-2%, +8%], total +3%
    alloc = pace_step(np.array([100.0, 100.0, 100.0]), np.array([130.0, 100.0, 70.0]), 309.0,
                      convergence=1.0, floor=-0.02, cap=0.08)
    # area 0 capped at +8, area 2 floored at -2, area 1 takes the rest: 100 s = 9 - 8 + 2 -> s = 3%
    assert alloc == pytest.approx([108.0, 103.0, 98.0])
    # a tighter cap also binds on area 1; area 2 then rises off its floor: 5 + 5 + 100 (s - 0.3) = 9
    tight = pace_step(np.array([100.0, 100.0, 100.0]), np.array([130.0, 100.0, 70.0]), 309.0,
                      convergence=1.0, floor=-0.02, cap=0.05)
    assert tight == pytest.approx([105.0, 105.0, 99.0])


def test_pace_without_binding_limits_closes_the_gap_share() -> None:
    alloc = pace_step(np.array([100.0, 100.0]), np.array([120.0, 90.0]), 210.0,
                      convergence=0.5, floor=-1.0, cap=1.0)
    # convergence growth +10% and -5% gives 205; the common shift s = 5/200 = 2.5% adds the rest
    assert alloc == pytest.approx([112.5, 97.5])


def test_pace_solution_is_vectorised_over_draws() -> None:
    p = np.array([[100.0, 100.0, 100.0], [100.0, 100.0, 100.0]])
    t = np.array([[130.0, 100.0, 70.0], [100.0, 100.0, 100.0]])
    alloc = pace_step(p, t, np.array([309.0, 303.0]), 1.0, -0.02, 0.08)
    assert alloc == pytest.approx(np.array([[108.0, 103.0, 98.0], [101.0, 101.0, 101.0]]))
    s = common_shift(p[1:], np.zeros((1, 3)), np.array([303.0]), -0.02, 0.08)
    assert s == pytest.approx([0.01])


def test_pace_infeasible_states_the_numbers() -> None:
    with pytest.raises(InfeasibleError, match=r"\+10\.0000%.*cap \+6\.00%"):
        check_feasible(10_000.0, 11_000.0, 0.01, 0.06, "line h, 2026/27")
    check_feasible(10_000.0, 10_600.0, 0.01, 0.06, "exactly at the cap is fine")


# -- rounding -----------------------------------------------------------------------------------------
def test_largest_remainder_hand_worked() -> None:
    assert largest_remainder(np.array([10.4, 20.35, 30.25]), 61).tolist() == [11, 20, 30]
    assert largest_remainder(np.array([1.0, 1.0, 1.0]), 100).tolist() == [34, 33, 33]
    assert largest_remainder(np.array([0.5, 0.5]), 1).tolist() == [1, 0]  # tie: first listed


def test_largest_remainder_rows_and_order() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((50, 7)) * 1e9
    totals = rng.integers(10**11, 10**12, size=50)
    out = largest_remainder(x, totals)
    assert (out.sum(axis=1) == totals).all()
    scaled = x * (totals / x.sum(axis=1))[:, None]
    assert (np.abs(out - scaled) < 1.0).all()
    order = np.argsort(scaled, axis=1)
    assert (np.diff(np.take_along_axis(out, order, axis=1), axis=1) >= 0).all()


def test_to_pence_rounds_half_up() -> None:
    assert to_pence(1.005) in (100, 101)  # binary floating point: either is the nearest
    assert to_pence(102_000_000_000.0) == 10_200_000_000_000
    assert to_pence(0.125) == 13


# -- years --------------------------------------------------------------------------------------------
def test_years_parse_and_range() -> None:
    assert parse_year("2026/27") == 2026
    assert parse_range("2026/27-2029/30") == ("2026/27", "2027/28", "2028/29", "2029/30")
    assert parse_range("2099/00") == ("2099/00",)
    for bad in ("2026/28", "2026-27", "26/27"):
        with pytest.raises(ValueError):
            parse_year(bad)
    with pytest.raises(ValueError, match="out of order"):
        parse_range("2029/30-2026/27")
    with pytest.raises(ValueError, match="not a financial year"):
        parse_range("2026/27-")  # a dangling range is not silently one year


def test_grown_totals_forward_and_back() -> None:
    out = grown_totals(100.0, "2026/27", 0.1, {"2028/29": 0.0}, ["2025/26", "2026/27", "2027/28", "2028/29"])
    assert out == pytest.approx([100 / 1.1, 100.0, 110.0, 110.0])


def test_common_shift_matches_a_scalar_root_finder() -> None:
    from scipy.optimize import brentq

    rng = np.random.default_rng(11)
    p = rng.uniform(1e6, 1e9, size=(20, 40))
    target = p * rng.uniform(0.7, 1.4, size=p.shape)
    total = p.sum(axis=1) * rng.uniform(1.0, 1.05, size=20)
    g = 0.3 * (target - p) / p
    s = common_shift(p, g, total, 0.0, 0.05)
    for d in range(20):
        def gap(x: float, d: int = d) -> float:
            return float((p[d] * (1 + np.clip(g[d] + x, 0.0, 0.05))).sum() - total[d])

        assert s[d] == pytest.approx(brentq(gap, -5, 5, xtol=1e-14), abs=1e-9)

"""Funnel limits, overdispersion, spine positions, variation ratios, trends and the SII on known numbers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from devoplan.outcomes.aggregate import AreaValues
from devoplan.outcomes.benchmark import funnel, slope_index, spine_position, spread, trend
from devoplan.outcomes.indicators import Indicator

Z = 1.959963984540054
IND = Indicator("x", "X", "%", "higher_is_worse", "mean", 1.0, (0, 90), "", ("2021", "2022", "2023"), "", "", "")


def _values(value: list[float], se: list[float], period: str = "2023", ind: Indicator = IND) -> AreaValues:
    v, s = np.array(value, dtype=float), np.array(se, dtype=float)
    n = len(v)
    return AreaValues(ind, period, tuple(f"A{i}" for i in range(n)), tuple(f"A{i}" for i in range(n)), v,
                      v - Z * s, v + Z * s, v - 3.09 * s, v + 3.09 * s, np.ones(n), np.zeros(n, bool),
                      np.zeros(n, bool))


def test_funnel_without_overdispersion_uses_plain_limits() -> None:
    f = funnel(_values([10.0, 10.5, 9.5, 10.2], [1.0, 1.0, 1.0, 1.0]), 10.0)
    assert f is not None and not f.overdispersed and f.tau2 == 0.0
    lo, hi = f.limits(np.array([1.0]), Z)
    assert (lo[0], hi[0]) == pytest.approx((10 - Z, 10 + Z))


def test_funnel_overdispersion_by_hand() -> None:
    # z = (y - 10) / 1 = [-4, -2, 0, 2, 4]; winsorised at the 10th/90th percentiles (-3.2, 3.2):
    # phi = (3.2^2 + 4 + 0 + 4 + 3.2^2) / 5 = 5.696; n phi = 28.48 > chi2(0.95, 4) = 9.49 -> overdispersed
    # tau2 = (28.48 - 4) / (5 - 5/5) = 6.12 (w = 1 for every area)
    f = funnel(_values([6.0, 8.0, 10.0, 12.0, 14.0], [1.0] * 5), 10.0)
    assert f is not None and f.overdispersed
    assert f.phi == pytest.approx(5.696) and f.tau2 == pytest.approx(6.12)
    assert f.outside_95 == ("", "", "", "", "")  # +-1.96 sqrt(7.12) = +-5.23 holds all of them
    assert f.outside_998 == ("",) * 5


def test_spread_and_spine_positions_oriented_by_polarity() -> None:
    s = spread(_values([10.0, 20.0, 30.0, 40.0, 50.0], [1.0] * 5))
    assert s is not None and (s.worst, s.best) == (50.0, 10.0)  # higher is worse
    assert (s.ratio, s.ratio_90_10) == pytest.approx((5.0, 46.0 / 14.0))
    assert spine_position(10.0, s, 30.0) == 1.0 and spine_position(50.0, s, 30.0) == 0.0
    assert spine_position(30.0, s, 30.0) == 0.5 and spine_position(40.0, s, 30.0) == 0.25


def test_trend_weighted_least_squares_and_markers() -> None:
    series = [_values([v], [0.5], p) for v, p in ((12.0, "2021"), (11.0, "2022"), (10.0, "2023"))]
    t = trend(series, 0)
    # slope -1 per year; SE = sqrt(1 / sum w (x - xbar)^2) = sqrt(1 / (4 * 2)) = 0.354 -> significant
    assert t.slope == pytest.approx(-1.0) and t.se == pytest.approx(math.sqrt(1 / 8))
    assert t.marker == "improving"  # falling, and higher is worse
    flat = [_values([v], [5.0], p) for v, p in ((12.0, "2021"), (11.0, "2022"), (10.0, "2023"))]
    assert trend(flat, 0).marker == "no significant change"
    assert trend(series[:2], 0).marker == "not enough data"
    better = dataclasses.replace(IND, polarity="higher_is_better")
    assert trend([dataclasses.replace(s, indicator=better) for s in series], 0).marker == "worsening"


def test_slope_index_of_inequality_on_a_straight_line() -> None:
    # five equal districts, most deprived first: ranks 0.1 .. 0.9, values 20 - 10 x -> SII = -10 exactly
    deprivation = np.array([50.0, 40.0, 30.0, 20.0, 10.0])
    value = 20 - 10 * np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    sii = slope_index(value, np.ones(5), deprivation)
    assert sii is not None and sii.sii == pytest.approx(-10.0) and sii.lci == pytest.approx(-10.0)
    assert slope_index(value[:4], np.ones(4), deprivation[:4]) is None  # fewer than five districts

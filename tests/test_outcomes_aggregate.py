"""Outcomes aggregation and limits, worked by hand on a tiny geography with known counts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from devoplan.outcomes import aggregate, areas_for, load_outcomes
from devoplan.outcomes.aggregate import england_value, poisson_limits
from devoplan.outcomes.benchmark import compare
from devoplan.outcomes.synthetic import tiny_geography, write_outcomes_dir
from devoplan.plan import Plan

Z = 1.959963984540054


@pytest.fixture()
def tiny(tmp_path: Path):  # type: ignore[no-untyped-def]
    return tiny_geography(), load_outcomes(write_outcomes_dir(tmp_path / "outcomes"))


def _plan(geo, labels: list[str]) -> Plan:  # type: ignore[no-untyped-def]
    return Plan.from_labels(geo.units.codes, labels)


def test_rates_combine_through_denominators_with_delta_method_interval(tiny) -> None:  # type: ignore[no-untyped-def]
    geo, data = tiny
    areas = _plan(geo, ["A", "A", "B", "B"])
    result = aggregate(data, geo, areas, data.indicator("rate"), "2023", use_published=False)
    # A: weights 100 and 300 -> (10*100 + 20*300) / 400 = 17.5, not the mean of rates (15)
    assert result.value[0] == pytest.approx(17.5)
    # SEs from the 95% intervals: 2/1.96 and 3/1.96; SE = sqrt((0.25*2/1.96)^2 + (0.75*3/1.96)^2) = 1.17598
    assert result.uci[0] - result.value[0] == pytest.approx(Z * 1.1759839, rel=1e-6)
    # B: D3 and D4 carry one county value (30, 26-34): one estimate, so its interval is the county's
    assert (result.value[1], result.lci[1], result.uci[1]) == pytest.approx((30.0, 26.0, 34.0))
    assert result.upper_tier.tolist() == [False, True]
    assert result.weight.tolist() == [400.0, 400.0]  # adults only: the indicator is for ages 18-90


def test_counts_use_byar_and_exact_limits(tiny) -> None:  # type: ignore[no-untyped-def]
    geo, data = tiny
    areas = _plan(geo, ["A", "A", "B", "C"])
    result = aggregate(data, geo, areas, data.indicator("looked_after"), "2023", use_published=False)
    # A: (30 + 10) / (10000 + 5000) * 10000 = 26.667; Byar on O = 40:
    # lower 40 (1 - 1/360 - 1.96/(3 sqrt 40))^3 = 28.5733; upper 41 (1 - 1/369 + 1.96/(3 sqrt 41))^3 = 54.4701
    assert result.value[0] == pytest.approx(26.6667, rel=1e-4)
    assert (result.lci[0], result.uci[0]) == pytest.approx((19.0489, 36.3134), rel=1e-4)
    # B: O = 8 < 10, exact chi-squared limits; C: O = 5 over 1000: chi2(0.025, 10)/2 and chi2(0.975, 12)/2
    assert (result.lci[2], result.uci[2]) == pytest.approx((16.2349, 116.6833), rel=1e-4)
    lo, hi = poisson_limits(np.array([0.0]), Z)
    assert lo[0] == 0.0 and hi[0] == pytest.approx(3.6889, rel=1e-4)


def test_published_value_used_where_area_is_a_published_geography(tiny) -> None:  # type: ignore[no-untyped-def]
    geo, data = tiny
    regions = areas_for(geo, layer="RGN")
    result = aggregate(data, geo, regions, data.indicator("rate"), "2023")
    assert result.published.tolist() == [True, False]  # R1 is published (18), R2 is not
    assert result.value[0] == 18.0 and (result.lci[0], result.uci[0]) == (16.5, 19.5)
    assert result.value[1] == pytest.approx(30.0)
    # the 99.8% interval is widened from the published 95% one: half-width 1.5 * 3.0902 / 1.96
    assert result.uci99[0] - 18.0 == pytest.approx(1.5 * 3.090232 / Z, rel=1e-5)
    assert england_value(data, geo, data.indicator("rate"), "2023")[:3] == [20.0, 19.0, 21.0]


def test_comparison_against_england_oriented_by_polarity() -> None:
    lci = np.array([21.5, 18.0, 10.0, math.nan])
    uci = np.array([25.0, 22.0, 19.5, math.nan])
    assert compare(lci, uci, 20.0, "higher_is_worse") == ("worse", "similar", "better", "not compared")
    assert compare(lci, uci, 20.0, "higher_is_better") == ("better", "similar", "worse", "not compared")
    assert compare(lci, uci, 20.0, "no_judgement") == ("higher", "similar", "lower", "not compared")


def test_area_with_too_little_coverage_has_no_value(tmp_path: Path) -> None:
    geo = tiny_geography()
    rows = "\n".join(line for line in write_outcomes_dir(tmp_path / "a").joinpath("districts.csv")
                     .read_text().splitlines() if not line.startswith("rate,D2,"))
    data = load_outcomes(write_outcomes_dir(tmp_path / "b", districts=rows + "\n"))
    result = aggregate(data, geo, Plan.from_labels(geo.units.codes, ["A", "A", "B", "B"]),
                       data.indicator("rate"), "2023", use_published=False)
    assert math.isnan(result.value[0])  # D2 holds 300 of A's 400 weight

"""Plan-level metrics on the six districts of ``test_metrics_overlap`` (U1..U6 in a row), by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from devoplan import DevoplanError
from devoplan.geography.model import Geography, Indicators
from devoplan.metrics import ShapeStats, balance, compactness, contiguity, homogeneity, identity
from devoplan.testing.tiny import six_district_plan as tiny_plan
from devoplan.testing.tiny import six_districts as tiny_geography


def test_contiguity_counts_pieces_of_each_area() -> None:
    geo = tiny_geography()
    assert contiguity(geo, tiny_plan("AAABBD")).noncontiguous == []
    result = contiguity(geo, tiny_plan("ABADDB"))  # A = U1, U3 (split by U2); B = U2, U6; D = U4, U5
    assert result.pieces.tolist() == [2, 2, 1]
    assert result.noncontiguous == ["A", "B"]
    assert result.scalars() == {"noncontiguous_areas": 2.0, "extra_pieces": 2.0}


def test_balance_with_bounds() -> None:
    result = balance(tiny_geography(), tiny_plan("AAABBD"), lower=650, upper=1000)
    # A = 100+200+300 = 600, B = 400+500 = 900, D = 600; mean 700
    assert result.populations.tolist() == [600, 900, 600]
    s = result.scalars()
    assert (s["min_population"], s["max_population"], s["max_min_ratio"]) == (600, 900, 1.5)
    assert s["max_deviation"] == pytest.approx(2 / 7)
    assert s["outside_bounds"] == 2
    assert result.to_dict()["outside_bounds"] == ["A", "D"]


def test_reversed_bounds_are_rejected() -> None:
    with pytest.raises(DevoplanError, match="reversed"):
        balance(tiny_geography(), tiny_plan(), lower=10, upper=5)


def test_homogeneity_of_a_perfect_and_an_imperfect_split() -> None:
    geo = tiny_geography()
    # x = 1,1,1,3,3,3: a plan separating the 1s from the 3s leaves no variance inside areas
    perfect = homogeneity(geo, tiny_plan("AAABBD")).scalars()
    assert perfect["within_variance"] == pytest.approx(0.0, abs=1e-12)
    assert perfect["between_share"] == pytest.approx(1.0)
    # A = U1..U4: weighted mean (600*1 + 400*3)/1000 = 1.8; sum p (x - 1.8)^2 = 600*0.64 + 400*1.44 = 960.
    # Total variance: mean 17/7, sum p (x - 17/7)^2 = 600*(10/7)^2 + 1500*(4/7)^2 = 84000/49.
    mixed = homogeneity(geo, tiny_plan("AAAABB")).scalars()
    assert mixed["within_variance"] == pytest.approx(960 / (84000 / 49))  # 0.56
    assert mixed["between_share"] == pytest.approx(1 - 0.56)


def test_homogeneity_rejects_unknown_indicators() -> None:
    with pytest.raises(DevoplanError, match="unknown indicator 'y'; allowed: x"):
        homogeneity(tiny_geography(), tiny_plan(), indicators=["y"])


def unit_squares() -> ShapeStats:
    """Six unit squares in a row: area 1, perimeter 4, neighbours share a side of 1."""
    shared = sparse.csr_array((np.ones(10), ([0, 1, 1, 2, 2, 3, 3, 4, 4, 5], [1, 0, 2, 1, 3, 2, 4, 3, 5, 4])),
                              shape=(6, 6))
    return ShapeStats(np.ones(6), np.full(6, 4.0), shared)


def test_compactness_cut_edges_and_polsby_popper() -> None:
    result = compactness(tiny_geography(), tiny_plan("AAABBD"), shapes=unit_squares())
    # edges U3-U4 and U5-U6 are cut out of five
    assert result.cut == 2 and result.scalars()["cut_edge_fraction"] == pytest.approx(0.4)
    # A: 3x1 rectangle, area 3, perimeter 8 -> 4 pi 3 / 64; B: 2x1, 4 pi 2 / 36; D: square, pi / 4
    assert result.polsby_popper is not None
    assert result.polsby_popper.tolist() == pytest.approx([3 * math.pi / 16, 2 * math.pi / 9, math.pi / 4])
    assert "polsby_popper_mean" not in compactness(tiny_geography(), tiny_plan()).scalars()


def test_identity_counts_split_upper_tier_and_combined_authorities() -> None:
    geo = tiny_geography()
    result = identity(geo, tiny_plan("AAABBD"), layers=["T", "C"])
    # T1 = U1, U2 both in A; T2 = U3 (A), U4 (B); T3 = U5 (B), U6 (D); C1 = U5, U6 split too
    assert result.parts["T"] == {"T1": 1, "T2": 2, "T3": 2}
    assert result.split("T") == ["T2", "T3"] and result.split("C") == ["C1"]
    assert result.scalars() == {"split@T": 2.0, "split@C": 1.0}
    # districts outside the partial layer never count: a plan keeping U5, U6 together splits no CA
    assert identity(geo, tiny_plan("ABCDEE"), layers=["C"]).scalars() == {"split@C": 0.0}


def test_homogeneity_leaves_a_missing_value_out_of_its_indicator() -> None:
    """x = 1, 1, 1, 3, 3, missing: U6 (600) drops out, so the weights are 100..500 of 1500.

    Mean (600 * 1 + 900 * 3) / 1500 = 2.2; variance (600 * 1.44 + 900 * 0.64) / 1500 = 0.96.
    Plan A = U1..U4, B = U5, U6: A's mean is 1.8 and sum p (x - 1.8)^2 = 960 as before; B holds one
    observed district. W = 960 / 1500 / 0.96 = 2/3.
    """
    geo = tiny_geography()
    values = np.array([[1.0], [1.0], [1.0], [3.0], [3.0], [np.nan]])
    gapped = Geography("six", geo.units, geo.layers, geo.adjacency, Indicators(geo.indicators.meta, values))
    s = homogeneity(gapped, tiny_plan("AAAABB")).scalars()
    assert s["within_variance"] == pytest.approx(2 / 3)
    assert s["between_share"] == pytest.approx(1 / 3)

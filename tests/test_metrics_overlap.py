"""Overlap measures on a six-district geography whose values are worked out by hand below.

Districts U1..U6 in a row (U1-U2-...-U6), populations 100, 200, 300, 400, 500, 600 (total 2100).

* H (partition): H1 = U1, U2, half of U3; H2 = half of U3, U4, U5, U6.
* E (cover): E1 = U1..U4, E2 = U4..U6 (U4 in both, weight 1/2 each).
* C (partial): C1 = U5, U6; U1..U4 are in no combined authority.
* T (partition, the "upper tier"): T1 = U1, U2; T2 = U3, U4; T3 = U5, U6.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from devoplan import DevoplanError
from devoplan.geography.model import Adjacency, Geography, Indicators, Units
from devoplan.metrics import (
    adjusted_rand,
    compare,
    containment,
    coterminosity,
    interfaces,
    overlap_matrix,
    split_areas,
)
from devoplan.plan import Plan
from devoplan.testing.tiny import six_district_plan as tiny_plan
from devoplan.testing.tiny import six_districts as tiny_geography


def C2(x: float) -> float:
    return x * (x - 1) / 2


def test_overlap_matrix_of_a_partition_with_a_split_district() -> None:
    geo = tiny_geography()
    # U3 (300) is half in H1, half in H2: 150 of it lies in T2 on each side
    assert overlap_matrix(geo, "H", "T").tolist() == [[300, 150, 0], [0, 550, 1100]]


def test_containment_coterminosity_splits_and_interfaces_of_h_and_t() -> None:
    geo = tiny_geography()
    assert containment(geo, "H", "T") == pytest.approx((300 + 1100) / 2100)  # 2/3
    assert containment(geo, "T", "H") == pytest.approx((300 + 550 + 1100) / 2100)  # 13/14
    assert coterminosity(geo, "H", "T") == pytest.approx((2 / 3 + 13 / 14) / 2)
    assert split_areas(geo, "H", "T") == ["H1", "H2"]  # 300/450 and 1100/1650 are under 99%
    assert split_areas(geo, "T", "H") == ["T2"]  # 550/700
    assert interfaces(geo, "H", "T") == {"H1": 2, "H2": 2}
    assert interfaces(geo, "T", "H") == {"T1": 1, "T2": 2, "T3": 1}


def test_adjusted_rand_over_people() -> None:
    geo = tiny_geography()
    index = C2(300) + C2(150) + C2(550) + C2(1100)  # 811,450 pairs together in both
    rows = C2(450) + C2(1650)  # 1,461,450 pairs together in H
    cols = C2(300) + C2(700) + C2(1100)  # 893,950 pairs together in T
    expected = rows * cols / C2(2100)
    assert adjusted_rand(geo, "H", "T") == pytest.approx((index - expected) / ((rows + cols) / 2 - expected))
    assert adjusted_rand(geo, "T", "T") == pytest.approx(1.0)


def test_cover_layer_counts_a_shared_district_half_in_each_area() -> None:
    geo = tiny_geography()
    # U4 (400) is 200 in E1 and 200 in E2; U3 (300) is 150 in H1 and 150 in H2
    assert overlap_matrix(geo, "H", "E").tolist() == [[450, 0], [350, 1300]]
    assert containment(geo, "E", "H") == pytest.approx((450 + 1300) / 2100)


def test_partial_layer_is_measured_on_the_population_covered_by_both() -> None:
    geo = tiny_geography()
    c = compare(geo, "H", "C")
    assert c.matrix.tolist() == [[0], [1100]]
    # C1 lies wholly inside H2, and the covered part of H2 lies wholly in C1
    assert c.containment_ab == pytest.approx(1.0) and c.containment_ba == pytest.approx(1.0)
    assert c.summary()["covered_share"] == pytest.approx(1100 / 2100)
    # H1 has no covered population: it is neither split nor counted in interfaces
    assert c.split_a() == [] and interfaces(geo, "H", "C") == {"H2": 1}


def test_plan_against_a_layer() -> None:
    geo = tiny_geography()
    plan = tiny_plan()  # A = U1-U3 (600), B = U4-U5 (900), D = U6 (600)
    assert overlap_matrix(geo, plan, "T").tolist() == [[300, 300, 0], [0, 400, 500], [0, 0, 600]]
    assert containment(geo, plan, "T") == pytest.approx((300 + 500 + 600) / 2100)
    assert containment(geo, "T", plan) == pytest.approx((300 + 400 + 600) / 2100)
    assert compare(geo, plan, "C").containment_ba == pytest.approx(600 / 1100)


def test_identical_zonings_are_perfectly_coterminous() -> None:
    geo = tiny_geography()
    plan = Plan.from_layer(geo, "T")
    c = compare(geo, plan, "T")
    assert (c.containment_ab, c.containment_ba, c.coterminosity) == (1.0, 1.0, 1.0)
    assert c.adjusted_rand == pytest.approx(1.0)
    assert c.split_a() == [] and c.split_b() == []


def test_comparison_is_json_serialisable_and_names_split_areas() -> None:
    d = compare(tiny_geography(), "H", "T").to_dict()
    back = json.loads(json.dumps(d))
    assert back["split_a_codes"] == ["H1", "H2"] and back["split_b_codes"] == ["T2"]
    assert back["matrix"] == [[300, 150, 0], [0, 550, 1100]]
    assert math.isclose(back["interfaces_b_mean"], 4 / 3)


def test_unknown_layer_and_foreign_plan_are_rejected() -> None:
    geo = tiny_geography()
    with pytest.raises(DevoplanError, match="unknown layer 'Z'; allowed: H, E, C, T"):
        containment(geo, "Z", "H")
    other = Plan.from_labels(("U1", "U2"), ["A", "B"])
    with pytest.raises(DevoplanError, match="do not match"):
        containment(geo, other, "H")


def test_a_layer_with_split_or_shared_districts_is_coterminous_with_itself() -> None:
    geo = tiny_geography()
    # H: U3 (300) half in H1, half in H2. Its two halves are different people, so H against H puts
    # 150 on each diagonal cell and none off it: M = diag(450, 1650), not the product's 75s.
    assert overlap_matrix(geo, "H", "H").tolist() == [[450, 0], [0, 1650]]
    # E: U4 (400) counts 200 in each of E1 and E2: M = diag(100 + 200 + 300 + 200, 200 + 500 + 600)
    assert overlap_matrix(geo, "E", "E").tolist() == [[800, 0], [0, 1300]]
    for key in ("H", "E", "C"):
        c = compare(geo, key, key)
        assert (c.containment_ab, c.coterminosity, c.adjusted_rand) == (1.0, 1.0, 1.0)
        assert c.split_a() == [] and c.interfaces_a().tolist() == [1] * c.a.n_areas


def test_adjusted_rand_by_hand_on_four_people() -> None:
    """Four districts of one person each: A = {1,2},{3,4}; B = {1,2,3},{4}; contingency [[2,0],[1,1]].

    Pairs together in both I = C2(2) + C2(1) + C2(1) = 1; in A, R = 1 + 1 = 2; in B, C = 3 + 0 = 3;
    expected E = R C / C2(4) = 6 / 6 = 1, so ARI = (1 - 1) / (2.5 - 1) = 0. With two people in
    each district the table doubles to [[4,0],[2,2]]: I = 6 + 1 + 1 = 8, R = 6 + 6 = 12,
    C = 15 + 1 = 16, E = 192 / 28 = 48/7, ARI = (8 - 48/7) / (14 - 48/7) = (8/7) / (50/7) = 0.16.
    """
    codes = ("P1", "P2", "P3", "P4")
    a = Plan.from_labels(codes, ["X", "X", "Y", "Y"])
    b = Plan.from_labels(codes, ["V", "V", "V", "W"])
    adjacency = Adjacency(4, np.array([[0, 1], [1, 2], [2, 3]]), np.ones(3), ("border",) * 3, ("",) * 3)
    for people, expected in ((1, 0.0), (2, 0.16)):
        units = Units(codes, codes, np.full(4, people))
        geo = Geography("four", units, {}, adjacency, Indicators((), np.zeros((4, 0))))
        assert adjusted_rand(geo, a, b) == pytest.approx(expected, abs=1e-12)
        assert adjusted_rand(geo, b, a) == pytest.approx(expected, abs=1e-12)  # symmetric


@pytest.mark.parametrize(("big", "small", "split", "interfaces_a"), [(99, 1, [], 2), (989, 11, ["A"], 2),
                                                                      (995, 5, [], 1)])
def test_the_99_and_1_percent_rules_at_their_edges(big: int, small: int, split: list[str], interfaces_a: int) -> None:
    """One A-area over two districts in two B-areas: 99% in one is not split, 98.9% is; a 1% part is an
    interface, a 0.5% part is not."""
    codes = ("P1", "P2")
    units = Units(codes, codes, np.array([big, small]))
    adjacency = Adjacency(2, np.array([[0, 1]]), np.ones(1), ("border",), ("",))
    geo = Geography("two", units, {}, adjacency, Indicators((), np.zeros((2, 0))))
    a, b = Plan.from_labels(codes, ["A", "A"]), Plan.from_labels(codes, ["X", "Y"])
    assert split_areas(geo, a, b) == split
    assert interfaces(geo, a, b) == {"A": interfaces_a}
    assert containment(geo, a, b) == pytest.approx(big / (big + small))
    assert containment(geo, b, a) == 1.0  # each district lies wholly in A

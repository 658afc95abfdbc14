"""The one model of areas (devoplan.zoning), checked against aggregations worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from devoplan import DevoplanError, Layer, Plan, Zoning
from devoplan.testing import line_geography

# Four units with populations 100, 200, 300, 400.
# Layer H (partition): u0 -> H1, u1 split 25% H1 / 75% H2, u2 and u3 -> H2.
# Layer C (partial): u1 and u2 in C1, u0 and u3 outside.
H = Layer("H", "Health", "partition", ("H1", "H2"), ("Health one", "Health two"),
          sparse.csr_array(np.array([[1.0, 0.0], [0.25, 0.75], [0.0, 1.0], [0.0, 1.0]])))
C = Layer("C", "Combined", "partial", ("C1",), ("Combined one",),
          sparse.csr_array(np.array([[0.0], [1.0], [1.0], [0.0]])))
POP = np.array([100.0, 200.0, 300.0, 400.0])


def test_aggregate_splits_a_unit_by_its_weights() -> None:
    # H1 = 100 + 0.25*200 = 150; H2 = 0.75*200 + 300 + 400 = 850
    assert H.aggregate(POP).tolist() == [150.0, 850.0]
    # several series at once: units on the last axis, areas on the last axis of the result
    both = H.aggregate(np.vstack([POP, np.ones(4)]))
    assert both.tolist() == [[150.0, 850.0], [1.25, 2.75]]


def test_aggregate_leaves_out_units_outside_a_partial_layer() -> None:
    assert C.aggregate(POP).tolist() == [500.0]
    assert C.areas_per_unit.tolist() == [0, 1, 1, 0]
    assert C.covered_units().tolist() == [1, 2]
    assert H.multi_member_units().tolist() == [1]
    assert H.main_area.tolist() == [0, 1, 1, 1]
    assert C.main_area.tolist() == [-1, 0, 0, -1]


def test_complete_gives_each_outside_unit_its_own_area() -> None:
    geo = line_geography(POP, layers={"C": C})
    whole = geo.layer("C").complete(geo)
    assert whole.area_codes == ("C1", "U0", "U3")
    assert whole.area_names == ("Combined one", "Unit 0", "Unit 3")
    assert whole.aggregate(POP).tolist() == [500.0, 100.0, 400.0]
    assert whole.kind == "partition" and whole.title == "layer C"
    assert geo.layer("C").complete(geo).aggregate(POP).sum() == POP.sum()
    full = line_geography(POP, layers={"H": H})
    assert full.layer("H").complete(full) is full.layer("H")


def test_a_plan_is_a_one_hot_zoning_built_once() -> None:
    plan = Plan.from_labels(("U0", "U1", "U2", "U3"), ["A", "B", "A", "B"])
    z = plan.zoning
    assert z is plan.zoning
    assert z.kind == "partition" and z.area_codes == ("A", "B") and z.title == "plan"
    assert z.aggregate(POP).tolist() == [400.0, 600.0]
    assert z.aggregate(POP).tolist() == plan.area_totals(POP).tolist()


def test_plan_from_a_partial_layer_uses_the_completed_zoning() -> None:
    geo = line_geography(POP, layers={"C": C, "H": H})
    plan = Plan.from_layer(geo, "C")
    assert plan.labels() == ["U0", "C1", "C1", "U3"]
    assert plan.area_names == ("Unit 0", "Combined one", "Unit 3")
    assert Plan.from_layer(geo, "H").labels() == ["H1", "H2", "H2", "H2"]  # u1's main area is H2 (75%)


def test_zoning_is_immutable() -> None:
    with pytest.raises(ValueError):
        H.membership.data[0] = 5.0
    with pytest.raises(ValueError):
        H.areas_per_unit[0] = 3
    with pytest.raises(AttributeError):
        H.key = "X"  # type: ignore[misc]


def test_zoning_refuses_inconsistent_parts() -> None:
    with pytest.raises(DevoplanError, match="2 area codes but 1 names"):
        Zoning("Z", "z", "partition", ("A", "B"), ("A",), sparse.csr_array(np.eye(2)))
    with pytest.raises(DevoplanError, match="3 columns for 2 areas"):
        Zoning("Z", "z", "partition", ("A", "B"), ("A", "B"), sparse.csr_array(np.eye(3)))
    with pytest.raises(DevoplanError, match="unknown layer kind 'lumpy'"):
        Zoning("Z", "z", "lumpy", ("A",), ("A",), sparse.csr_array(np.ones((2, 1))))  # type: ignore[arg-type]
    with pytest.raises(DevoplanError, match="3 values for 4 units"):
        H.aggregate(np.ones(3))


def test_plan_check_names_the_first_difference() -> None:
    geo = line_geography(POP)
    Plan.from_labels(geo.units.codes, ["A", "A", "B", "B"]).check(geo)
    with pytest.raises(DevoplanError, match=r"unit X9 is not in the geography"):
        Plan.from_labels(("U0", "U1", "U2", "X9"), ["A", "A", "B", "B"]).check(geo)
    with pytest.raises(DevoplanError, match=r"unit U3 is missing"):
        Plan.from_labels(("U0", "U1", "U2"), ["A", "A", "B"]).check(geo)
    with pytest.raises(DevoplanError, match=r"different order"):
        Plan.from_labels(("U1", "U0", "U2", "U3"), ["A", "A", "B", "B"]).check(geo)

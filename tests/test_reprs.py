"""Geography and Plan print as one readable line in a notebook, not thousands of characters."""

from __future__ import annotations

from pathlib import Path

from devoplan import Plan, load_geography
from devoplan.testing.files import write_five_units as write


def test_geography_and_plan_reprs_are_one_line_summaries(tmp_path: Path) -> None:
    geo = load_geography(write(tmp_path))
    assert repr(geo) == "Geography('Tiny': 5 units, 1,050 residents, layers H, E, C)"
    plan = Plan.from_labels(geo.units.codes, ["P1", "P1", "P2", "P2", "P3"])
    assert repr(plan) == "Plan(5 units in 3 areas: P1, P2, P3)"
    plan6 = Plan.from_labels([*"ABCDEF"], ["a", "b", "c", "d", "e", "f"])
    assert repr(plan6) == "Plan(6 units in 6 areas: a, b, c, d, e, ...)"

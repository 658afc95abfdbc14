"""Plausibility checks read off a plan, on a line of six districts worked out by hand."""

from __future__ import annotations

import numpy as np

from devoplan.design.plausibility import plausibility, plausibility_checks
from devoplan.plan import Plan
from devoplan.testing.tiny import group_layer, line_geography

POP = [1_000_000, 600_000, 500_000, 2_000_000, 1_500_000, 400_000]


def _plan(names: tuple[str, ...]) -> Plan:
    # A = {U0}, B = {U1}, C = {U2, U3, U4}, D = {U5}
    return Plan(tuple(f"U{i}" for i in range(6)), np.array([0, 1, 2, 2, 2, 3]), ("A", "B", "C", "D"), names)


def test_every_check_on_a_hand_made_plan() -> None:
    geo = line_geography(POP, layers={
        "CAUTH25": group_layer("CAUTH25", "partial", len(POP), [[0, 1]]),
        "GLA": group_layer("GLA", "partial", len(POP), [[4, 5]]),
        "PFA": group_layer("PFA", "partition", len(POP), [[0, 1, 2], [3, 4, 5]]),
    })
    found = plausibility(geo, _plan(("Unit 0", "Unit 1", "Unit 2", "Unit 5 and others"))).to_dict()
    assert found["combined_authorities_split"]["items"] == ["CAUTH25 0 across 2 areas"]
    assert found["areas_crossing_london"]["items"] == ["Unit 2 (1 London and 2 other districts)"]
    assert found["police_force_areas_split"]["items"] == ["PFA 0 across 3 areas", "PFA 1 across 2 areas"]
    assert found["areas_crossing_police"]["items"] == ["Unit 2 (parts of PFA 0, PFA 1)"]
    assert found["areas_below"]["items"] == ["Unit 0 1,000,000", "Unit 1 600,000", "Unit 5 and others 400,000"]
    assert found["areas_above"]["items"] == ["Unit 2 4,000,000"]
    # 'Unit 2' holds 500,000 of the area's 4,000,000; 'Unit 5 and others' says it is not the whole story
    assert found["named_after_minority"]["items"] == ["Unit 2: 12% of its 4,000,000 residents"]
    assert all(c["ran"] and not c["ok"] for c in found.values())  # type: ignore[index]


def test_checks_for_the_what_if_and_a_plan_that_passes() -> None:
    geo = line_geography([1_000_000, 600_000, 500_000, 1_000_000, 500_000, 400_000], layers={
                                      "CAUTH25": group_layer("CAUTH25", "partial", len(POP), [[0, 1]]),
                                      "GLA": group_layer("GLA", "partial", len(POP), [[3, 4, 5]])})
    plan = Plan(geo.units.codes, np.array([0, 0, 0, 1, 1, 1]), ("A", "B"), ("Unit 0, Unit 1 and Unit 2", "GLA 0"))
    checks = plausibility_checks(geo, plan)
    assert [c["key"] for c in checks] == ["combined_authorities_split", "areas_crossing_london",
                                         "police_force_areas_split", "areas_crossing_police", "areas_below",
                                         "areas_above", "named_after_minority"]
    assert all(set(c) == {"name", "ok", "message", "key"} for c in checks)
    by_key = {c["key"]: c for c in checks}
    for key in ("combined_authorities_split", "areas_crossing_london", "areas_below", "areas_above",
                "named_after_minority"):
        assert by_key[key]["ok"] is True and by_key[key]["message"] == "none", key
    # no PFA layer: reported as not checked, never as passed
    assert by_key["police_force_areas_split"] == {"name": "police force areas split", "ok": False,
                                                 "message": "not checked (no PFA layer)",
                                                 "key": "police_force_areas_split"}


def test_long_findings_are_cut_in_the_message_but_kept_in_full() -> None:
    geo = line_geography([100] * 8)
    plan = Plan(geo.units.codes, np.arange(8), tuple(f"A{i}" for i in range(8)), tuple(f"Area {i}" for i in range(8)))
    result = plausibility(geo, plan)
    below = next(c for c in result.checks if c.key == "areas_below")
    assert len(below.items) == 8
    assert below.message().startswith("8 (Area 0 100; ") and below.message().endswith("; and 2 more)")
    assert [line for line in result.lines() if line.startswith("  - areas under 1.5m residents: 8 (")]

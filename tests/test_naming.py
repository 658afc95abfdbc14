"""Area names are true: they say what an area mostly is and what else it holds; defunct bodies never name."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from devoplan.design.naming import COVER, join_names, name_areas, name_sources
from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units
from devoplan.plan import Plan


def _layer(key: str, names: list[str], labels: list[int]) -> Layer:
    rows = [u for u, lab in enumerate(labels) if lab >= 0]
    m = sparse.csr_array((np.ones(len(rows)), (rows, [labels[u] for u in rows])), shape=(len(labels), len(names)))
    kind = "partial" if min(labels) < 0 else "partition"
    return Layer(key, key, kind, tuple(f"{key}{i}" for i in range(len(names))), tuple(names), m)


def _geo(pop: list[int], layers: dict[str, tuple[list[str], list[int]]]) -> Geography:
    """A chain of districts D0-D1-...; ``layers`` maps a key to (area names, area of each district or -1)."""
    n = len(pop)
    edges = np.array([[i, i + 1] for i in range(n - 1)])
    adj = Adjacency(n, edges, np.ones(n - 1), ("border",) * (n - 1), ("",) * (n - 1))
    units = Units(tuple(f"D{i}" for i in range(n)), tuple(f"District {i}" for i in range(n)), np.array(pop))
    meta = (IndicatorMeta("x", "x", "2024", "score", "higher_is_worse", "test"),)
    return Geography("test chain", units, {k: _layer(k, *v) for k, v in layers.items()}, adj,
                     Indicators(meta, np.zeros((n, 1))))


# Cornwall (2 districts: Cornwall, Scilly), Plymouth, Devon; an ICB for Cornwall and the Isles of Scilly.
SOUTH_WEST = {
    "UTLA": (["Cornwall", "Isles of Scilly", "Plymouth", "Devon"], [0, 1, 2, 3]),
    "ICB": (["NHS Cornwall and the Isles of Scilly Integrated Care Board", "NHS Devon ICB"], [0, 0, 1, 1]),
    "LEP": (["Heart of the South West LEP"], [0, 0, 0, 0]),
}


def test_a_body_holding_a_third_less_than_the_area_says_and_what_else() -> None:
    geo = _geo([566_000, 2_000, 265_000, 820_000], SOUTH_WEST)
    named = name_areas(geo, np.array([0, 0, 0, 1]), 2)
    assert named[0].name == "Cornwall and the Isles of Scilly, and Plymouth"
    lead = named[0].lead
    assert lead is not None and lead.layer == "ICB" and lead.place == "Cornwall and the Isles of Scilly"
    assert named[0].lead_share == pytest.approx(568 / 833, abs=1e-3)
    assert named[0].named_share == pytest.approx(1.0)
    assert [p.place for p in named[0].parts] == ["Cornwall and the Isles of Scilly", "Plymouth"]


def test_an_exact_match_is_named_alone() -> None:
    geo = _geo([566_000, 2_000, 265_000, 820_000], SOUTH_WEST)
    named = name_areas(geo, np.array([0, 0, 1, 1]), 2)
    assert [n.name for n in named] == ["Cornwall and the Isles of Scilly", "Devon"]  # NHS Devon holds Plymouth
    assert named[0].how == "match" and named[0].lead_share == pytest.approx(1.0)


def test_defunct_lep_names_never_name_an_area() -> None:
    # the LEP is the only body matching the whole area exactly; the name comes from today's bodies instead
    geo = _geo([566_000, 2_000, 265_000, 820_000], SOUTH_WEST)
    named = name_areas(geo, np.zeros(4, dtype=np.int64), 1)[0]
    assert "Heart of the South West" not in named.name
    assert named.name == "Devon and Cornwall"  # NHS Devon (with Plymouth) and Cornwall: 99.9%, Scilly's 0.1% unsaid
    assert [p.layer for p in named.parts] == ["ICB", "UTLA"]


def test_newest_vintage_names_first() -> None:
    layers = {"UTLA": (["Hull", "East Riding", "North Lincolnshire"], [0, 1, 2]),
              "CAUTH": (["Old Humber Combined Authority"], [0, 0, 0]),
              "CAUTH25": (["Hull and East Yorkshire Combined Authority"], [0, 0, -1])}
    geo = _geo([270_000, 340_000, 170_000], layers)
    named = name_areas(geo, np.zeros(3, dtype=np.int64), 1)[0]
    assert named.name == "Hull and East Yorkshire, and North Lincolnshire"
    assert named.lead is not None and named.lead.layer == "CAUTH25"


def test_part_and_most_of_a_body_are_said() -> None:
    # Kent has four districts; an area with three of them (70% of Kent) and Medway
    layers = {"UTLA": (["Kent", "Medway", "East Sussex"], [0, 0, 0, 0, 1, 2])}
    geo = _geo([300_000, 300_000, 100_000, 300_000, 280_000, 550_000], layers)
    named = name_areas(geo, np.array([1, 0, 0, 0, 0, 1]), 2)
    assert named[0].name == "most of Kent and Medway"
    assert named[1].name == "East Sussex and part of Kent"


def test_a_name_covering_less_than_it_should_counts_the_rest() -> None:
    layers = {"UTLA": ([f"Borough {c}" for c in "ABCDEFGH"], list(range(8)))}
    geo = _geo([100] * 8, layers)
    named = name_areas(geo, np.zeros(8, dtype=np.int64), 1)[0]
    assert named.name == "Borough A, Borough B, Borough C and 5 more"
    assert named.named_share == pytest.approx(3 / 8) and named.unnamed == 5


def test_names_are_unique_and_locks_keep_their_names() -> None:
    layers = {"UTLA": (["Shire"], [0, 0, 0, 0])}
    geo = _geo([100, 100, 100, 100], layers)
    named = name_areas(geo, np.array([0, 1, 2, 3]), 4, {3: "Kept"})
    assert [n.name for n in named] == ["part of Shire (District 0)", "part of Shire (District 1)",
                                       "part of Shire (District 2)", "Kept"]
    assert named[3].how == "lock"


def test_name_sources_of_a_plan_with_its_own_names() -> None:
    geo = _geo([566_000, 2_000, 265_000, 820_000], SOUTH_WEST)
    plan = Plan.from_labels(geo.units.codes, ["A", "A", "A", "B"], names={"A": "Cornwall and the Isles of Scilly",
                                                                           "B": "Somewhere"})
    sources = name_sources(geo, plan)
    assert sources[0].how == "given" and sources[0].lead_share == pytest.approx(568 / 833, abs=1e-3)
    assert sources[1].parts == () and sources[1].lead_share is None


def test_join_names_reads_unambiguously() -> None:
    assert join_names(["Kent", "Medway"]) == "Kent and Medway"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(["North Yorkshire", "Cumberland", "Westmorland and Furness"]) == (
        "North Yorkshire, Cumberland, and Westmorland and Furness")


@pytest.mark.slow
def test_england_layer_plans_are_named_truly() -> None:
    """Every ICB area (as a plan) and a hand-built Cornwall + Plymouth area, on the England bundle."""
    from devoplan.geography.loader import load_geography

    geo = load_geography()
    icb = Plan.from_layer(geo, "ICB")
    named = name_areas(geo, icb.assignment, icb.n_areas)
    for n in named:
        assert "Enterprise" not in n.name and "New Anglia" not in n.name
        assert n.named_share is not None
        assert n.named_share >= COVER - 1e-9 or n.unnamed > 0, n  # an unnamed remainder is always counted
    utla = geo.layer("UTLA")
    wanted = [b for b, name in enumerate(utla.area_names) if name in ("Cornwall", "Isles of Scilly", "Plymouth")]
    assignment = np.where(np.isin(utla.main_area, wanted), 0, 1)
    area = name_areas(geo, assignment, 2)[0]
    assert "Cornwall and the Isles of Scilly" in area.name and area.name.endswith("and Plymouth")
    assert area.lead_share == pytest.approx(0.68, abs=0.01)

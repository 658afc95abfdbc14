"""Governance model: candidate bodies on hand-built geographies, cabinets from funding, simplification recounts."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from scipy import sparse

from devoplan.funding.money import baseline_per_unit
from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units
from devoplan.governance import Budgets, governance, governance_model, simplification
from devoplan.governance.facts import body_table, running_costs
from devoplan.governance.simplify import DEFAULT_FAMILIES
from devoplan.plan import Plan

# Eight districts in a row. Greater Manchester (mayoral, established) = U0-U1; Greater London = U2-U4;
# Devon and Torbay (a foundation authority, no mayor) = U6-U7, which is also one county (E10); U5 is a unitary.
LAYERS: dict[str, dict[str, list[int]]] = {
    "CAUTH25": {"E47000001": [0, 1], "E47000015": [6, 7]},
    "GLA": {"E12000007": [2, 3, 4]},
    "UTLA": {"E08000001": [0], "E08000002": [1], "E09000001": [2], "E09000002": [3], "E09000003": [4],
             "E06000001": [5], "E10000001": [6, 7]},
    "ICB26": {"I0": [0, 1, 2], "I1": [3, 4, 5, 6, 7]},
    "PFA": {"P0": [0, 1], "P1": [2, 3, 4], "P2": [5, 6, 7]},
    "FRA": {"F0": [0, 1], "F1": [2, 3, 4], "F2": [5], "F3": [6, 7]},
    "LSIP": {"L0": [0, 1, 2, 3], "L1": [4, 5, 6, 7]},
}


def _layer(key: str, areas: dict[str, list[int]], n: int, kind: str = "partition") -> Layer:
    rows = [u for members in areas.values() for u in members]
    cols = [b for b, members in enumerate(areas.values()) for _ in members]
    m = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, len(areas)))
    return Layer(key, key, kind, tuple(areas), tuple(f"{key} {c}" for c in areas), m)


def row_geography(layers: dict[str, dict[str, list[int]]] = LAYERS) -> Geography:
    n = 8
    edges = np.stack([np.arange(n - 1), np.arange(1, n)], 1)
    adj = Adjacency(n, edges, np.ones(n - 1), ("border",) * (n - 1), ("",) * (n - 1))
    units = Units(tuple(f"U{i}" for i in range(n)), tuple(f"Unit {i}" for i in range(n)),
                  np.array([100, 200, 300, 400, 500, 600, 700, 800]))
    meta = (IndicatorMeta("x", "x", "2024", "score", "higher_is_worse", "test"),)
    lays = {k: _layer(k, a, n, "partial" if len({u for m in a.values() for u in m}) < n else "partition")
            for k, a in layers.items()}
    return Geography("row", units, lays, adj, Indicators(meta, np.zeros((n, 1))))


def _plan(geo: Geography, labels: list[str]) -> Plan:
    return Plan.from_labels(geo.units.codes, labels)


def test_mayoral_ca_gla_unitary_and_foundation_ca() -> None:
    geo = row_geography()
    gov = governance(geo, _plan(geo, ["gm", "gm", "ldn", "ldn", "ldn", "u", "dt", "dt"]))
    gm, ldn, uni, dt = gov
    assert (gm.status, gm.mayor, gm.tier_today, gm.leadership, gm.tier_reachable) == (
        "existing_combined_authority", True, "established_mayoral", "mayor", "established_mayoral")
    assert gm.established == 2011 and "police" in gm.mayor_holds
    assert (ldn.status, ldn.mayor, ldn.tier_today, ldn.leadership) == ("existing_gla", True, "mayoral", "mayor")
    assert (uni.status, uni.body_code, uni.tier_today, uni.leadership, uni.tier_reachable) == (
        "single_unitary", "E06000001", "none", "council_leader", "foundation")
    # a foundation authority without a mayor: led by a council leader, so it cannot reach the mayoral tiers
    assert (dt.status, dt.mayor, dt.tier_today, dt.leadership, dt.tier_reachable) == (
        "existing_combined_authority", False, "foundation", "council_leader", "foundation")


def test_new_body_extension_and_london_subregion() -> None:
    geo = row_geography()
    ext, new, _sub = governance(geo, _plan(geo, ["a", "a", "a", "b", "b", "b", "c", "c"]))[:3]
    assert ext.status == "extend_combined_authority" and "1 other district" in ext.note and ext.mayor is True
    assert (new.status, new.body, new.tier_today, new.leadership) == ("new_combined_authority", None, "none",
                                                                      "council_leader")
    assert governance(geo, _plan(geo, ["a", "a", "s", "t", "t", "u", "v", "v"]))[1].status == \
        "within_strategic_authority"
    merged = governance(geo, _plan(geo, ["a", "a", "a", "a", "a", "b", "b", "b"]))[0]
    assert merged.status == "merge_combined_authorities" and merged.tier_today == "mayoral"  # the lower tier


def test_adopting_a_mayor_opens_the_mayoral_tiers() -> None:
    geo = row_geography()
    new = governance(geo, _plan(geo, ["a", "a", "a", "b", "b", "b", "c", "c"]), adopt_mayor=True)[1]
    assert (new.leadership, new.tier_reachable) == ("mayor", "established_mayoral")


def test_layer_keys_are_parameters_and_older_vintages_are_the_fallback() -> None:
    old = {("CAUTH" if k == "CAUTH25" else k): v for k, v in LAYERS.items() if k != "GLA"}
    geo = row_geography(old)
    gm, ldn = governance(geo, _plan(geo, ["gm", "gm", "ldn", "ldn", "ldn", "u", "dt", "dt"]))[:2]
    assert gm.status == "existing_combined_authority" and ldn.status == "new_combined_authority"
    ca = governance(geo, _plan(geo, ["gm", "gm", "x", "x", "x", "u", "dt", "dt"]), ca_keys=("NOPE",))[0]
    assert ca.status == "new_combined_authority"


def test_unknown_authority_is_reported_unknown_not_guessed() -> None:
    layers = dict(LAYERS, CAUTH25={"E47999999": [0, 1]})
    geo = row_geography(layers)
    g = governance(geo, _plan(geo, ["a", "a", "b", "b", "b", "c", "c", "c"]))[0]
    assert g.status == "existing_combined_authority" and g.mayor is None and "not in devoplan's table" in g.note


def test_cabinet_has_one_portfolio_per_line_with_its_budget() -> None:
    geo = row_geography()
    plan = _plan(geo, ["gm", "gm", "ldn", "ldn", "ldn", "u", "dt", "dt"])
    pounds = np.array([[10.0, 20.0, 30.0, 40.0], [1.0, 2.0, 3.0, 4.0]])
    budgets = Budgets("2026/27", ("health", "skills"), ("Health", "Skills"), plan.area_codes, pounds)
    model = governance_model(geo, plan, budgets=budgets)
    cab = model.areas[1].cabinet
    assert cab.leader == "Mayor" and cab.year == "2026/27"
    assert [(p.line, p.budget) for p in cab.portfolios] == [("health", 20.0), ("skills", 2.0)]
    assert model.areas[2].cabinet.leader.startswith("Leader")
    assert governance_model(geo, plan).areas[0].cabinet.portfolios == ()


def recount(geo: Geography, plan: Plan, keys: list[str]) -> tuple[int, int, dict[str, int]]:
    """Bodies, bodies split, and bodies touching each plan area, counted entry by entry from the layers."""
    areas_of: dict[tuple[str, str], set[int]] = defaultdict(set)
    for key in keys:
        layer = geo.layers[key]
        coo = layer.membership.tocoo()
        for u, b, w in zip(coo.row, coo.col, coo.data, strict=True):
            if w > 0:
                areas_of[(key, layer.area_codes[b])].add(int(plan.assignment[u]))
    per_area = defaultdict(int)
    for touched in areas_of.values():
        for a in touched:
            per_area[plan.area_codes[a]] += 1
    return len(areas_of), sum(len(t) > 1 for t in areas_of.values()), dict(per_area)


def test_simplification_matches_a_recount_on_the_row() -> None:
    geo = row_geography()
    plan = _plan(geo, ["a", "a", "a", "b", "b", "b", "c", "c"])
    s = simplification(geo, plan)
    before, split, per_area = recount(geo, plan, ["ICB26", "PFA", "FRA", "CAUTH25", "GLA", "LSIP"])
    assert (s.before, s.split_bodies, s.after) == (before, split, 3) == (before, split, plan.n_areas)
    assert {a.area_code: a.before for a in s.areas} == per_area
    assert s.before == 2 + 3 + 4 + 3 + 2


def test_simplification_matches_a_recount_on_england() -> None:
    from devoplan.geography.loader import load_geography

    geo = load_geography()
    plan = Plan.from_layer(geo, "PFA")
    s = simplification(geo, plan)
    keys = [layer.key for fam in DEFAULT_FAMILIES for group in fam.layer_keys
            if (layer := next((geo.layers[k] for k in group if k in geo.layers), None)) is not None]
    before, split, per_area = recount(geo, plan, keys)
    assert (s.before, s.split_bodies) == (before, split)
    assert {a.area_code: a.before for a in s.areas} == per_area
    assert s.after == plan.n_areas == 39
    police = next(f for f in s.national if f.family == "PFA")
    assert (police.touching, police.split) == (39, 0)  # a plan of police force areas splits none of them
    # ICB running costs come from the bundle's NHS money data, district by district
    icb = next(c for c in running_costs() if c.layer == "ICB")
    per_district = baseline_per_unit(geo, "nhs:running_cost_allowance:2025/26")
    assert icb.baseline == "nhs:running_cost_allowance:2025/26"
    assert [a.running_cost for a in s.areas] == pytest.approx(list(plan.area_totals(per_district)), rel=1e-12)
    assert s.running_cost == pytest.approx(icb.pounds, abs=1.0)  # the bundle adds up to the published total


def test_running_costs_are_sourced_and_add_up() -> None:
    geo = row_geography()
    s = simplification(geo, _plan(geo, ["a", "a", "a", "b", "b", "b", "c", "c"]))
    icb = next(c for c in running_costs() if c.layer == "ICB")
    assert icb.source and icb.pounds == pytest.approx(873_991_618)
    assert s.running_cost == pytest.approx(icb.pounds)  # the whole allowance lands in some area
    # shared by residents: area a holds ICB I0's units 0-2 (600 of 3,600 residents)
    assert s.areas[0].running_cost == pytest.approx(icb.pounds * 600 / 3600)
    given = simplification(geo, _plan(geo, ["a"] * 3 + ["b"] * 5), unit_costs={"ICB": np.arange(8.0)})
    assert [a.running_cost for a in given.areas] == pytest.approx([0 + 1 + 2, 3 + 4 + 5 + 6 + 7])


def test_every_body_row_is_attributed() -> None:
    t = body_table()
    assert len([b for b in t.bodies.values() if b.kind == "combined_authority"]) == 15
    assert all(b.sources and all(s in t.sources for s in b.sources) for b in t.bodies.values())
    assert {c for c, b in t.bodies.items() if not b.mayor} == {"E47000015", "E47000018"}

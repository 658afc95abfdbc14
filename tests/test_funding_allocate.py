"""``fund`` end to end on small hand-built geographies, plus property tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from devoplan.errors import InputError, SpecError
from devoplan.funding import fund, parse_spec
from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units
from devoplan.plan import Plan

N_AGES = 3


def make_geo(age_sex: np.ndarray, dep: np.ndarray, layer: np.ndarray | None = None) -> Geography:
    """Units U0..; one indicator ``dep`` (higher is worse); optional layer ``L`` with given weights."""
    n = age_sex.shape[0]
    codes = tuple(f"U{i}" for i in range(n))
    edges = np.array([[i, i + 1] for i in range(n - 1)], dtype=np.int64).reshape(-1, 2)
    layers = {}
    if layer is not None:
        k = layer.shape[1]
        names = tuple(f"A{j}" for j in range(k))
        layers["L"] = Layer("L", "test layer", "partition", names, names, sparse.csr_array(layer))
    meta = (IndicatorMeta("dep", "deprivation", "2024", "score", "higher_is_worse", "test"),)
    return Geography(
        name="test", units=Units(codes, codes, age_sex.sum(axis=(1, 2)), age_sex), layers=layers,
        adjacency=Adjacency(n, edges, np.ones(len(edges)), ("border",) * len(edges), ("",) * len(edges)),
        indicators=Indicators(meta, np.asarray(dep, dtype=np.float64)[:, None]),
    )


def flat_age_sex(pops: list[int]) -> np.ndarray:
    out = np.zeros((len(pops), 2, N_AGES), dtype=np.int64)
    out[:, 0, 1] = pops
    return out


def spec_dict(strength: float = 0.0, floor: float = -0.99, cap: float = 1.0, convergence: float = 1.0,
              growth: float = 0.1, total: float = 1000.0) -> dict[str, Any]:
    return {
        "settlement": {"years": ["2026/27", "2027/28"]},
        "baseline": {"method": "equal_per_head", "note": "equal per head"},
        "pace": {"convergence": convergence, "floor": floor, "cap": cap},
        "lines": {"h": {
            "total": total, "total_year": "2026/27", "growth": growth,
            "need": {"strength": strength, "indicators": [{"key": "dep", "weight": 1.0}]},
        }},
    }


def one_hot(labels: list[int]) -> Plan:
    return Plan.from_labels(tuple(f"U{i}" for i in range(len(labels))), [f"A{x}" for x in labels])


# -- hand-worked ----------------------------------------------------------------------------------
def test_split_district_shares_need_by_membership_weight() -> None:
    layer = np.array([[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    geo = make_geo(flat_age_sex([100, 200, 300, 400]), np.zeros(4), layer)
    res = fund(geo, "L", parse_spec(spec_dict()))
    # A0 = 100 + 100, A1 = 100 + 300, A2 = 400 of 1000 residents
    assert res.lines[0].target_share == pytest.approx([0.2, 0.4, 0.4])
    assert res.population.tolist() == [200.0, 400.0, 400.0]
    assert res.lines[0].target_pence[0].tolist() == [20_000, 40_000, 40_000]  # £1,000 in 2026/27


def test_need_adjustment_hand_worked() -> None:
    geo = make_geo(flat_age_sex([100, 100]), np.array([1.0, 3.0]))
    res = fund(geo, one_hot([0, 1]), parse_spec(spec_dict(strength=0.5)))
    # z = -1, +1 -> multipliers exp(-0.5), exp(0.5)
    expected = np.exp([-0.5, 0.5]) / np.exp([-0.5, 0.5]).sum()
    assert res.lines[0].target_share == pytest.approx(expected)
    assert res.need_index("h") == pytest.approx(2 * expected, abs=1e-4)


def test_age_sex_unmet_need_sparsity_and_area_cost(tmp_path: Path) -> None:
    age_sex = np.zeros((3, 2, N_AGES), dtype=np.int64)
    age_sex[:, 0, 0] = [100, 100, 100]  # everyone young ...
    age_sex[2, 0, 0], age_sex[2, 1, 2] = 50, 50  # ... but unit 2 is half old men
    geo = make_geo(age_sex, np.array([0.0, 0.0, 0.0]))
    (tmp_path / "aca.csv").write_text("code,factor\nU0,1.0\nU1,1.5\nU2,1.0\n", encoding="utf-8")
    spec = spec_dict()
    line = spec["lines"]["h"]
    line["age_sex"] = {"bands": ["0-1", "2+"], "female": [1.0, 1.0], "male": [1.0, 3.0]}
    line["area_cost"] = {"file": str(tmp_path / "aca.csv")}
    res = fund(geo, one_hot([0, 1, 2]), parse_spec(spec))
    # cost-weighted: 100, 100 x 1.5 (area cost), 50 + 150 = 200 -> 100 : 150 : 200
    assert res.lines[0].target_share == pytest.approx(np.array([100, 150, 200]) / 450)
    line["combine"] = "additive"  # one factor only: additive = multiplicative
    assert fund(geo, one_hot([0, 1, 2]), parse_spec(spec)).lines[0].target_share == pytest.approx(
        np.array([100, 150, 200]) / 450)

    geo2 = make_geo(flat_age_sex([100, 100, 100, 100]), np.array([0.0, 0.0, 1.0, 3.0]))
    spec2 = spec_dict()
    del spec2["lines"]["h"]["need"]
    spec2["lines"]["h"]["unmet_need"] = {"indicator": "dep", "strength": 0.1}
    res2 = fund(geo2, one_hot([0, 1, 2, 3]), parse_spec(spec2))
    # mean 1, sd sqrt(1.5): z = -0.816, -0.816, 0, 1.633 -> uplift only for unit 3
    up = 1 + 0.1 * 2 / np.sqrt(1.5)
    assert res2.lines[0].target_share == pytest.approx(np.array([1, 1, 1, up]) / (3 + up))
    spec2["lines"]["h"]["sparsity"] = spec2["lines"]["h"].pop("unmet_need")
    assert fund(geo2, one_hot([0, 1, 2, 3]), parse_spec(spec2)).lines[0].target_share == pytest.approx(
        np.array([1, 1, 1, up]) / (3 + up))


def test_pace_of_change_with_floor_and_cap_binding_through_fund() -> None:
    geo = make_geo(flat_age_sex([100, 100, 100]), np.array([3.0, 2.0, 1.0]))
    spec = parse_spec(spec_dict(strength=1.0, floor=0.02, cap=0.08, convergence=1.0, growth=0.05))
    res = fund(geo, one_hot([0, 1, 2]), spec)
    line = res.lines[0]
    base = line.baseline_pence  # equal per head share of 2025/26 (£1,000 / 1.05)
    assert line.baseline_pence.sum() == line.base_control_pence == 95_238
    growth = line.allocation_pence[0] / base - 1
    assert growth[0] == pytest.approx(0.08, abs=1e-4)  # neediest capped
    assert growth[2] == pytest.approx(0.02, abs=1e-4)  # least needy floored
    assert line.allocation_pence[0].sum() == 100_000 and line.allocation_pence[1].sum() == 105_000


def test_baseline_file_by_unit_or_area_and_assumption_label(tmp_path: Path) -> None:
    geo = make_geo(flat_age_sex([100, 100, 200]), np.zeros(3))
    plan = one_hot([0, 0, 1])
    spec = parse_spec(spec_dict(growth=0.0))
    by_unit = tmp_path / "units.csv"
    by_unit.write_text("code,line,amount\nU0,h,300\nU1,h,200.5\nU2,h,499.5\n", encoding="utf-8")
    res = fund(geo, plan, spec, baseline=by_unit)
    assert res.lines[0].baseline_pence.tolist() == [50_050, 49_950]
    assert res.summary["baseline"]["assumption"] is False
    by_area = tmp_path / "areas.csv"
    by_area.write_text("code,line,amount\nA0,h,500.5\nA1,h,499.5\n", encoding="utf-8")
    assert fund(geo, plan, spec, baseline=by_area).lines[0].baseline_pence.tolist() == [50_050, 49_950]
    assumed = fund(geo, plan, spec).summary
    assert assumed["baseline"]["assumption"] is True and assumed["baseline"]["lines_assumed"] == ["h"]
    assert any(a["key"] == "baseline" for a in assumed["assumptions"])
    bad = tmp_path / "bad.csv"
    bad.write_text("code,line,amount\nA0,h,500\nA1,x,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 3, field 'line': unknown line 'x'; allowed: h"):
        fund(geo, plan, spec, baseline=bad)


def test_unknown_indicator_names_key_path_and_allowed() -> None:
    geo = make_geo(flat_age_sex([100, 100]), np.zeros(2))
    spec = spec_dict()
    spec["lines"]["h"]["need"]["indicators"].append({"key": "smokng", "weight": 1.0})
    with pytest.raises(SpecError, match=r"key 'lines\.h\.need\.indicators\[1\]\.key'.*'smokng'; allowed: dep"):
        fund(geo, one_hot([0, 1]), parse_spec(spec))


def test_outputs_and_sensitivity_are_seeded() -> None:
    geo = make_geo(flat_age_sex([100, 300, 200, 400]), np.array([1.0, 5.0, 2.0, np.nan]))
    spec = spec_dict(strength=0.3)
    spec["lines"]["h"]["need"]["strength_range"] = [0.1, 0.5]
    a = fund(geo, one_hot([0, 1, 1, 2]), parse_spec(spec), draws=300, seed=7)
    b = fund(geo, one_hot([0, 1, 1, 2]), parse_spec(spec), draws=300, seed=7)
    c = fund(geo, one_hot([0, 1, 1, 2]), parse_spec(spec), draws=300, seed=8)
    assert a.sensitivity is not None and b.sensitivity is not None and c.sensitivity is not None
    assert np.array_equal(a.sensitivity.per_head_p95, b.sensitivity.per_head_p95)
    assert not np.array_equal(a.sensitivity.per_head_p95, c.sensitivity.per_head_p95)
    s = a.sensitivity
    assert (s.per_head_p5 <= s.per_head_p50).all() and (s.per_head_p50 <= s.per_head_p95).all()
    assert (s.per_head_p95 > s.per_head_p5).any()
    assert ((s.winner_frequency >= 0) & (s.winner_frequency <= 1)).all()
    df = a.allocations
    assert set(df["line"]) == {"h", "all"} and len(df) == 2 * 2 * 3
    assert {"target_share", "target", "baseline", "allocation", "per_head", "distance_from_target_pct",
            "change_on_baseline", "per_head_p5", "per_head_p95", "winner_frequency"} <= set(df.columns)
    summary = a.summary
    assert summary["missing_indicator_values"] == {"dep": 1}
    assert summary["lines"][0]["years"]["2027/28"]["equals_control_total"] is True
    assert summary["winners_and_losers"]["n_winners"] + summary["winners_and_losers"]["n_losers"] <= 3


# -- properties -----------------------------------------------------------------------------------
@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Geography, Plan, dict[str, Any]]:
    n = draw(st.integers(2, 8))
    pops = draw(st.lists(st.integers(1, 10_000), min_size=n * 2 * N_AGES, max_size=n * 2 * N_AGES))
    age_sex = np.array(pops, dtype=np.int64).reshape(n, 2, N_AGES)
    dep = np.array(draw(st.lists(st.floats(-50, 50), min_size=n, max_size=n)))
    k = draw(st.integers(1, n))
    labels = [i % k for i in range(n)]
    labels = [labels[i] for i in draw(st.permutations(range(n)))]
    floor = draw(st.floats(-0.05, 0.03))
    cap = draw(st.floats(0.03, 0.15))
    spec = spec_dict(strength=draw(st.floats(0, 1)), floor=floor, cap=cap,
                     convergence=draw(st.floats(0, 1)), growth=draw(st.floats(floor, cap)) if floor < cap else floor,
                     total=draw(st.floats(1e3, 2e11)))
    spec["lines"]["h"]["age_sex"] = {"bands": ["0-0", "1-1", "2+"], "female": [1.0, 0.5, 3.0],
                                     "male": [1.2, 0.4, 3.5]}
    return make_geo(age_sex, dep), one_hot(labels), spec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_totals_always_equal_control_totals(case: tuple[Geography, Plan, dict[str, Any]]) -> None:
    geo, plan, spec = case
    spec = copy.deepcopy(spec)
    spec["lines"]["h"]["top_slices"] = {"c": {"percent": 7.5}}
    res = fund(geo, plan, parse_spec(spec))
    line = res.lines[0]
    assert (line.allocation_pence.sum(axis=1) == line.control_pence).all()
    assert (line.target_pence.sum(axis=1) == line.control_pence).all()
    assert (line.control_pence + line.top_slice_pence["c"] == line.gross_pence).all()
    assert line.baseline_pence.sum() == line.base_control_pence


@settings(max_examples=60, deadline=None)
@given(base=st.integers(10, 5000), dep_lo=st.floats(-10, 10), extra=st.floats(0.001, 10),
       others=st.lists(st.floats(-10, 10), min_size=1, max_size=4), strength=st.floats(0.01, 1),
       unmet=st.floats(0, 0.5), convergence=st.floats(0, 1))
def test_higher_need_otherwise_equal_gets_no_less(base: int, dep_lo: float, extra: float, others: list[float],
                                                 strength: float, unmet: float, convergence: float) -> None:
    # the two compared units are listed needier-last, so a tie-break in rounding cannot favour it
    dep = np.array([*others, dep_lo, dep_lo + extra])
    pops = [base * 2 + i for i in range(len(others))] + [base, base]
    geo = make_geo(flat_age_sex(pops), dep)
    spec = spec_dict(strength=strength, floor=0.0, cap=0.2, convergence=convergence, growth=0.05)
    spec["lines"]["h"]["unmet_need"] = {"indicator": "dep", "strength": unmet}
    res = fund(geo, one_hot(list(range(len(dep)))), parse_spec(spec))
    line = res.lines[0]
    lo, hi = len(dep) - 2, len(dep) - 1
    assert line.target_share[hi] > line.target_share[lo]
    assert (line.target_pence[:, hi] >= line.target_pence[:, lo]).all()
    assert line.baseline_pence[hi] >= line.baseline_pence[lo] - 1  # equal per head: a tie up to the penny
    assert (line.allocation_pence[:, hi] >= line.allocation_pence[:, lo] - 1).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_doubling_every_population_leaves_shares_unchanged(case: tuple[Geography, Plan, dict[str, Any]]) -> None:
    geo, plan, spec = case
    doubled = make_geo(geo.units.age_sex * 2, geo.indicators.values[:, 0])  # type: ignore[operator]
    a = fund(geo, plan, parse_spec(spec))
    b = fund(doubled, plan, parse_spec(spec))
    assert b.lines[0].target_share == pytest.approx(a.lines[0].target_share, rel=1e-9, abs=1e-12)
    assert b.need_index("h") == pytest.approx(a.need_index("h"), rel=1e-9)
    # the money follows the shares: same control totals, so the same pence (up to a rounding tie)
    assert np.abs(b.lines[0].allocation_pence - a.lines[0].allocation_pence).max() <= 1
    assert (b.lines[0].allocation_pence.sum(axis=1) == a.lines[0].allocation_pence.sum(axis=1)).all()


def test_growth_exactly_at_the_floor_does_not_drift_into_infeasibility() -> None:
    # control totals rounded to the penny sit a fraction of a penny outside the floor every year;
    # the carried path must not accumulate those fractions (found by Hypothesis)
    spec = spec_dict(convergence=0.0, floor=-0.0341764238026143, cap=0.125, growth=-0.0341764238026143)
    spec["lines"]["h"]["top_slices"] = {"c": {"percent": 7.5}}
    geo = make_geo(np.ones((2, 2, N_AGES), dtype=np.int64), np.zeros(2))
    line = fund(geo, one_hot([0, 0]), parse_spec(spec)).lines[0]
    assert line.allocation_pence.sum(axis=1).tolist() == line.control_pence.tolist() == [92_500, 89_338]


def test_cover_and_partial_layers() -> None:
    """A unit in two areas of a cover counts half in each; units outside a partial layer become their
    own areas so the whole pot is still allocated."""
    geo = make_geo(flat_age_sex([100, 200, 300, 400]), np.zeros(4))
    cover = Layer("E", "cover", "cover", ("E1", "E2"), ("E1", "E2"),
                  sparse.csr_array(np.array([[1, 0], [0.5, 0.5], [0, 1], [0, 1]], dtype=float)))
    partial = Layer("P", "partial", "partial", ("P1",), ("P1",),
                    sparse.csr_array(np.array([[1], [1], [0], [0]], dtype=float)))
    geo = Geography(name="t", units=geo.units, layers={"E": cover, "P": partial}, adjacency=geo.adjacency,
                    indicators=geo.indicators)
    res = fund(geo, "E", parse_spec(spec_dict()))
    assert res.areas.area_codes == ("E1", "E2")
    assert res.lines[0].target_share == pytest.approx([200 / 1000, 800 / 1000])  # 100 + 200/2 : 200/2 + 700
    res = fund(geo, "P", parse_spec(spec_dict()))
    assert res.areas.area_codes == ("P1", "U2", "U3")
    assert res.lines[0].target_share == pytest.approx([0.3, 0.3, 0.4])
    assert res.lines[0].allocation_pence.sum(axis=1).tolist() == res.lines[0].control_pence.tolist()


def test_sensitivity_without_ranges_reproduces_the_settlement() -> None:
    """With no ranges every draw is the central formula: p5 = p50 = p95 = the allocation per head,
    and the winner frequency is 1 exactly for the settlement's winners."""
    geo = make_geo(flat_age_sex([100, 300, 200, 400]), np.array([1.0, 5.0, 2.0, 4.0]))
    spec = spec_dict(strength=0.4, floor=0.0, cap=0.2, convergence=0.5, growth=0.05)
    res = fund(geo, one_hot([0, 1, 2, 3]), parse_spec(spec), draws=50, seed=1)
    s = res.sensitivity
    assert s is not None
    per_head = res.total_allocation() / 100.0 / res.population
    assert s.per_head_p5 == pytest.approx(per_head, abs=0.011)
    assert s.per_head_p95 == pytest.approx(s.per_head_p5, abs=1e-9)
    winners = {w["area_code"] for w in res.summary["winners_and_losers"]["winners"]}
    assert winners and {res.areas.area_codes[i] for i in np.flatnonzero(s.winner_frequency[-1] == 1)} == winners
    assert set(np.unique(s.winner_frequency)) <= {0.0, 1.0}


def test_age_sex_curve_with_no_one_in_its_costed_bands_names_the_key() -> None:
    geo = make_geo(flat_age_sex([100, 100]), np.zeros(2))  # everyone is aged 1 (ages run 0..2)
    spec = spec_dict()
    spec["lines"]["h"]["age_sex"] = {"bands": ["0-0", "1-1", "2+"], "female": [1.0, 0.0, 2.0],
                                     "male": [1.0, 0.0, 2.0]}
    with pytest.raises(SpecError, match=r"key 'lines\.h\.age_sex': every age band with a non-zero cost is empty"):
        fund(geo, one_hot([0, 1]), parse_spec(spec))


def test_age_sex_curve_without_an_age_sex_table_says_what_to_do() -> None:
    with_table = make_geo(flat_age_sex([100, 100]), np.zeros(2))
    geo = Geography(name="test", units=Units(with_table.units.codes, with_table.units.names,
                                              with_table.units.population, None),
                    layers={}, adjacency=with_table.adjacency, indicators=with_table.indicators)
    spec = spec_dict()
    spec["lines"]["h"]["age_sex"] = {"bands": ["0-1", "2+"], "female": [1.0, 2.0], "male": [1.0, 2.0]}
    with pytest.raises(SpecError, match=r"key 'lines\.h\.age_sex': the geography has no age-sex population table "
                                        r"\(population_age_sex\.csv\).*give a spec without this table \(`spec`\)"):
        fund(geo, one_hot([0, 1]), parse_spec(spec))

"""Payment by results: the provider's choice, the parking index and price design, worked by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoplan.errors import InfeasibleError, SpecError
from devoplan.markets import design_prices, evaluate, example_spec_path, load_pbr_spec
from devoplan.markets.pbr import evaluate_group, served_share
from devoplan.markets.pbr_spec import CohortGroup, Provenance, parse_pbr_spec
from devoplan.testing import two_group_spec
from devoplan.testing.cli import run_cli as run

TWO = two_group_spec()  # easy: break-even £1,000 per outcome; hard: £2,500 (docs/markets.md)


def _spec(**design: Any) -> Any:
    return parse_pbr_spec({**TWO, "design": design} if design else TWO)


def test_flat_price_parks_the_harder_group() -> None:
    r = evaluate(_spec())
    assert [g.served_share for g in r.groups] == [1.0, 0.0]
    assert r.parked() == ("hard",)
    # easy: 100 * 0.6 * 2000 = 120,000; hard (unserved, paid for deadweight): 100 * 0.05 * 2000 = 10,000
    assert r.spend == pytest.approx(130_000)
    assert r.outcomes == pytest.approx(65)
    assert r.parking_index == pytest.approx(0.5)
    # margin: 130,000 spent minus 100 * 300 served cost
    assert r.provider_margin == pytest.approx(100_000)


def test_provider_serves_at_break_even_not_below() -> None:
    g = CohortGroup("a", "a", 10, 0.3, 0.6, 300, 0.0, Provenance("test", ()))
    assert served_share(g, 1000.0) == 1.0
    assert served_share(g, 999.0) == 0.0
    assert served_share(g, 1100.0, margin=0.1) == 1.0
    assert served_share(g, 1099.0, margin=0.1) == 0.0


def test_cost_spread_serves_the_cheaper_share() -> None:
    # costs uniform on [200, 600]; uplift 0.2 at £2,000 covers a cost of 400: half the group
    g = CohortGroup("a", "a", 100, 0.1, 0.3, 400, 0.5, Provenance("test", ()))
    r = evaluate_group(g, 2000.0, 50.0, 0.0)
    assert r.served_share == pytest.approx(0.5)
    assert r.parking_index == pytest.approx(0.5)
    assert r.provider_cost == pytest.approx(50 * 300)  # 50 people, mean cost of [200, 400]
    assert r.outcomes == pytest.approx(100 * (0.1 + 0.5 * 0.2))
    assert r.spend == pytest.approx(100 * 50 + 20 * 2000)


def test_designed_prices_serve_both_groups_at_lower_spend_per_outcome() -> None:
    d = design_prices(_spec())  # budget: the flat prices' spend, £130,000
    assert d.budget == pytest.approx(130_000)
    assert d.solver_status == "Optimal"
    assert d.designed.group("easy").outcome_price == 1000
    assert d.designed.group("hard").outcome_price == 2500
    assert d.designed.parked() == ()
    assert d.designed.parking_index == 0.0
    assert d.designed.outcomes == pytest.approx(85)
    assert d.designed.spend == pytest.approx(122_500)  # 60 * 1000 + 25 * 2500
    assert d.designed.spend_per_outcome <= d.current.spend_per_outcome
    # the flat price within the same money still parks the hard group
    assert d.flat_same_budget.parked() == ("hard",)
    assert d.flat_same_budget.spend <= 130_000 + 1e-6
    # the flat price reaching the same outcomes is £2,500 for everyone: dearer per outcome
    assert d.flat_same_outcomes is not None
    assert d.flat_same_outcomes.groups[0].outcome_price == 2500
    assert d.flat_same_outcomes.spend == pytest.approx(212_500)
    assert d.designed.spend_per_outcome < d.flat_same_outcomes.spend_per_outcome


def test_target_mode_finds_the_least_spend() -> None:
    d = design_prices(_spec(target_outcomes=85))
    assert d.mode == "target"
    assert d.designed.spend == pytest.approx(122_500)


def test_budget_too_small_is_infeasible_with_the_numbers() -> None:
    with pytest.raises(InfeasibleError, match=r"£100,000.*£122,500"):
        design_prices(_spec(budget=100_000))


def test_dropping_attachment_fees_moves_money_to_outcomes() -> None:
    data = {**TWO, "prices": {"outcome": {"easy": 2000, "hard": 2000}, "attachment": {"easy": 500, "hard": 500}},
            "design": {"attachment": "drop"}}
    d = design_prices(parse_pbr_spec(data))
    assert d.current.spend == pytest.approx(230_000)
    assert all(g.attachment_fee == 0 for g in d.designed.groups)
    assert d.designed.parked() == ()


def test_worked_example_parks_less_for_the_same_money() -> None:
    spec = load_pbr_spec(example_spec_path())
    assert len(spec.groups) == 9
    totals = {k: spec.prices.outcome_price(k) + spec.prices.attachment_fee(k) for k in ("g1", "g2", "g3", "g4", "g5")}
    assert min(totals.values()) == 3700 and max(totals.values()) == 6600
    d = design_prices(spec)
    assert d.designed.spend <= d.current.spend + 1e-6
    assert d.designed.outcomes > d.current.outcomes
    assert max(g.parking_index for g in d.designed.groups) <= spec.design.max_parking + 1e-9
    assert d.current.parked()  # the published prices park the harder groups under the assumptions


groups = st.builds(
    lambda p0, up, cost, spread, size: CohortGroup("g", "g", size, p0, min(p0 + up, 1.0), cost, spread,
                                                   Provenance("test", ())),
    st.floats(0, 0.9), st.floats(0, 0.5), st.floats(0, 5000), st.sampled_from([0.0, 0.2, 0.5, 1.0]),
    st.floats(0, 1e5))


@given(groups, st.floats(0, 50_000), st.floats(0, 50_000), st.floats(0, 0.5))
def test_raising_a_price_never_lowers_service(g: CohortGroup, p1: float, p2: float, margin: float) -> None:
    lo, hi = sorted((p1, p2))
    a, b = evaluate_group(g, lo, 0.0, margin), evaluate_group(g, hi, 0.0, margin)
    assert b.served_share >= a.served_share
    assert b.outcomes >= a.outcomes - 1e-9 * max(1.0, a.outcomes)
    assert 0.0 <= a.parking_index <= 1.0


@given(st.lists(st.tuples(st.floats(1, 1000), st.floats(0, 0.5), st.floats(0.05, 0.4), st.floats(1, 2000),
                          st.sampled_from([0.0, 0.3])), min_size=1, max_size=4),
       st.floats(0.0, 0.5))
def test_designs_respect_the_budget_and_the_parking_limit(rows: list[tuple[float, ...]], max_parking: float) -> None:
    data = {"groups": [{"key": f"g{i}", "size": n, "p_without": p0, "p_with": p0 + up, "cost": c, "cost_spread": s}
                       for i, (n, p0, up, c, s) in enumerate(rows)],
            "prices": {"outcome": {f"g{i}": 1000 for i in range(len(rows))}},
            "design": {"budget": 1e9, "max_parking": max_parking, "steps": 5}}
    d = design_prices(parse_pbr_spec(data))
    assert d.designed.spend <= 1e9
    assert all(g.parking_index <= max_parking + 1e-9 for g in d.designed.groups)


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["groups"][1].update(size=-5), "groups[1].size"),
    (lambda d: d["groups"][0].update(p_with=1.3), "groups[0].p_with"),
    (lambda d: d["groups"][0].update(p_without=-0.1), "groups[0].p_without"),
    (lambda d: d["prices"]["outcome"].pop("hard"), "prices.outcome.hard"),
    (lambda d: d["prices"]["outcome"].update(other=5), "prices.outcome.other"),
    (lambda d: d.update(design={"budget": 5, "target_outcomes": 3}), "design.target_outcomes"),
])
def test_bad_specs_name_the_key(change: Any, where: str) -> None:
    data = json.loads(json.dumps(TWO))
    change(data)
    with pytest.raises(SpecError, match=f"key '{re.escape(where)}'"):
        parse_pbr_spec(data)


def _toml(data: dict[str, Any]) -> str:
    lines = []
    for g in data["groups"]:
        lines.append("[[groups]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in g.items()]
    lines.append("[prices.outcome]")
    lines += [f"{k} = {v}" for k, v in data["prices"]["outcome"].items()]
    return "\n".join(lines) + "\n"


def test_cli_json_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "two.toml"
    good.write_text(_toml(TWO), encoding="utf-8")
    code, out, _ = run(["pbr", str(good), "--design", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["design"]["designed"]["parked_groups"] == []
    assert doc["design"]["current"]["parked_groups"] == ["hard"]
    bad = json.loads(json.dumps(TWO))
    bad["groups"][1]["size"] = -1
    file = tmp_path / "bad.toml"
    file.write_text(_toml(bad), encoding="utf-8")
    code, out, err = run(["pbr", str(file)], capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "bad.toml" in err and "groups[1].size" in err


def test_cli_table_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pbr", "--design"], capsys)
    assert code == 0
    assert "designed prices" in out and "flat price, within the same spend" in out

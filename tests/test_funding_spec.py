"""The funding spec: validation with key paths, provenance, and the shipped default spec."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from devoplan.errors import SpecError
from devoplan.funding import control_totals, default_spec_path, load_spec, parse_spec, shipped_spec_path
from devoplan.funding.spec import UNSOURCED
from devoplan.testing.files import small_spec, with_value


def changed(path: str, value: Any) -> dict[str, Any]:
    return with_value(small_spec(), path, value)


def test_minimal_spec_parses_with_provenance() -> None:
    spec = parse_spec(small_spec())
    line = spec.line("h")
    assert line.total == 1000.0 and line.top_slice_fraction() == pytest.approx(0.1)
    figures = {f.key: f for f in spec.figures}
    assert figures["lines.h.total"].source == "a report" and not figures["lines.h.total"].assumption
    assert figures["pace.floor"].assumption  # inherited from the [pace] table
    assert figures["lines.h.growth"].assumption and figures["lines.h.growth"].note == UNSOURCED
    assert [f.key for f in spec.sourced()] == ["lines.h.total"]


@pytest.mark.parametrize(("path", "value", "key", "message"), [
    ("lines/h/need/indicators/0/weight", -1.0, "lines.h.need.indicators[0].weight", "at least 0"),
    ("pace/floor", 0.2, "pace.floor", "above the cap"),
    ("settlement/years", ["2027/28", "2026/27"], "settlement.years", "out of order"),
    ("settlement/years", ["2026/27", "2028/29"], "settlement.years", "out of order"),
    ("lines/h/top_slices", {"a": {"percent": 60.0}, "b": {"amount": 500.0}}, "lines.h.top_slices",
     "leave nothing"),
    ("lines/h/combine", "sideways", "lines.h.combine", "allowed: multiplicative, additive"),
    ("lines/h/need/strenght", 0.1, "lines.h.need.strenght", "unknown key"),
    ("baseline/method", "last_year", "baseline.method", "allowed: age_sex_only, equal_per_head"),
    ("lines/h/total_year", "2026-27", "lines.h.total_year", "financial year"),
    ("lines/h/top_slices", {"a": {"percent": 5.0, "amount": 1.0}}, "lines.h.top_slices.a", "exactly one"),
    ("lines/h/need/indicators/0/weight_range", [2.0, 1.0], "lines.h.need.indicators[0].weight_range",
     "above high"),
    ("lines/h/need/indicators/0/weight_range", [0.2, 0.5], "lines.h.need.indicators[0].weight_range",
     r"\[0.2, 0.5\] does not contain the central value 1"),
    ("lines/h/need/strength_range", [0.2, 0.3], "lines.h.need.strength_range", "central value 0.1"),
    ("lines/h/top_slices", {"a": {"amount": 1500.0}}, "lines.h.top_slices", "leave nothing"),
    ("lines/h/area_cost", {"file": "/no/such/aca.csv"}, "lines.h.area_cost.file", "not found"),
    ("lines/h/total", {"value": 1000.0, "assumption": False}, "lines.h.total.assumption", "needs a 'source'"),
    ("pace/convergence", 1.5, "pace.convergence", "at most 1"),
    ("pace/floor", -1.0, "pace.floor", "must be above -1"),
    ("lines/h/need/strength", "high", "lines.h.need.strength", "must be a number"),
])
def test_bad_specs_name_the_key_path(path: str, value: Any, key: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        parse_spec(changed(path, value))
    assert info.value.key == key
    assert f"key '{key}'" in str(info.value)


def test_age_sex_bands_are_checked() -> None:
    spec = changed("lines/h/age_sex", {"bands": ["0-4", "6-9", "10+"], "female": [1, 1, 1], "male": [1, 1, 1]})
    with pytest.raises(SpecError, match="start at age 5") as info:
        parse_spec(spec)
    assert info.value.key == "lines.h.age_sex.bands[1]"
    spec = changed("lines/h/age_sex", {"bands": ["0-4", "5+"], "female": [1, 1], "male": [1]})
    with pytest.raises(SpecError, match="2 numbers") as info:
        parse_spec(spec)
    assert info.value.key == "lines.h.age_sex.male"


def test_load_spec_reports_bad_toml_and_missing_file(tmp_path: Any) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[pace\nfloor = 1", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "absent.toml")


def test_control_totals_and_top_slices_in_pence() -> None:
    spec = parse_spec(changed("lines/h/top_slices", {"a": {"percent": 10.0}, "b": {"amount": 50.0}}))
    gross, slices = control_totals(spec.line("h"), ["2026/27", "2027/28"])
    assert gross.tolist() == [100_000, 105_000]
    assert slices["a"].tolist() == [10_000, 10_500]
    assert slices["b"].tolist() == [5_000, 5_250]  # an amount keeps its share and grows with the line


def test_transparent_spec_is_the_policy_scope_with_every_figure_accounted_for() -> None:
    spec = load_spec(shipped_spec_path("transparent"))
    assert spec.years == ("2026/27", "2027/28", "2028/29", "2029/30")
    to_areas = {}
    for line in spec.lines:
        gross, slices = control_totals(line, ["2026/27"])
        to_areas[line.key] = int(gross[0] - sum(v[0] for v in slices.values()))
    assert to_areas["health"] == 102_000_000_000_00  # £102bn, in pence
    assert sum(to_areas.values()) == 108_000_000_000_00  # about £108bn a year to areas
    assert {t.name for t in spec.line("health").top_slices} == {
        "Specialised services", "Immunisation and screening", "National entitlements"}
    assert all(f.note != UNSOURCED for f in spec.figures), [f.key for f in spec.figures if f.note == UNSOURCED]
    assert all(f.source or f.assumption for f in spec.figures)
    assert any("Reform" in (f.source or "") for f in spec.figures)
    assert spec.pace.floor <= min(ln.growth for ln in spec.lines) <= spec.pace.cap
    assert np.isclose(spec.line("health").top_slice_fraction(), 0.05)


def test_default_spec_is_todays_money_by_stream() -> None:
    spec = load_spec(default_spec_path())
    assert spec.years == ("2026/27", "2027/28", "2028/29", "2029/30")
    keys = [ln.key for ln in spec.lines]
    assert keys[:5] == ["health_core", "health_primary_care", "health_other_primary_care", "health_specialised",
                        "health_running_costs"]
    assert {"adult_social_care", "childrens_social_care", "public_health", "youth_justice", "employment",
            "probation", "adult_skills"} <= set(keys)
    gross_2025 = sum(control_totals(spec.line(k), ["2025/26"])[0][0] for k in keys[:5])
    assert gross_2025 == 160_241_164_482_00 + 6_929_205_938_00 + 60_562_026_00  # ICB streams + HCDD + regional POD
    assert spec.line("health_specialised").top_slices[0].name.startswith("Specialised: high-cost drugs")
    assert all(f.note != UNSOURCED for f in spec.figures), [f.key for f in spec.figures if f.note == UNSOURCED]
    assert all(f.source or f.assumption for f in spec.figures)
    assert spec.deflator is not None and spec.deflator.base_year == "2025/26"
    assert spec.pace.floor <= min(ln.growth for ln in spec.lines) <= spec.pace.cap
    with_data = [ln.key for ln in spec.lines if ln.baseline_from]
    assert with_data == keys[:9]  # every line with data by area starts from it


def _numeric_leaves(node: Any, path: str = "") -> list[str]:
    """Key paths of every number (or list of numbers) in a parsed TOML tree, as the spec names them."""
    if isinstance(node, dict):
        if "value" in node:
            return [path]
        return [leaf for k, v in node.items() for leaf in _numeric_leaves(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list):
        if node and all(isinstance(v, int | float) and not isinstance(v, bool) for v in node):
            return [path]
        return [leaf for i, v in enumerate(node) for leaf in _numeric_leaves(v, f"{path}[{i}]")]
    if isinstance(node, int | float) and not isinstance(node, bool):
        return [path]
    return []


@pytest.mark.parametrize("name", ["default", "transparent"])
def test_every_number_in_a_shipped_spec_carries_a_source_or_an_assumption_flag(name: str) -> None:
    import tomllib

    path = shipped_spec_path(name)
    leaves = _numeric_leaves(tomllib.loads(path.read_text(encoding="utf-8")))
    figures = {f.key: f for f in load_spec(path).figures}
    assert len(leaves) > 60
    missing = [leaf for leaf in leaves if leaf not in figures]
    assert missing == []  # nothing escapes the provenance record, not even sensitivity ranges
    assert all(figures[leaf].source or figures[leaf].assumption for leaf in leaves)
    assert figures["settlement.years"].assumption



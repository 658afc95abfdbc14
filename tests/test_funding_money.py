"""The default spec on today's 42 ICBs reproduces NHS England's published money and need: these are
the issue's must-show checks, computed here from the source files (skipped when they are absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devoplan.funding import control_totals, fund, load_spec, parse_spec
from devoplan.funding.allocate import default_spec_path
from devoplan.funding.result import FundingResult, LineResult
from devoplan.geography.loader import load_geography
from devoplan.testing.sources import SOURCE_MISSING, source_dir

HEALTH = ("health_core", "health_primary_care", "health_other_primary_care", "health_specialised",
          "health_running_costs")


SOURCE = source_dir()
needs_source = pytest.mark.skipif(not SOURCE.is_dir(), reason=SOURCE_MISSING)


@pytest.fixture(scope="module")
def icb_result() -> FundingResult:
    return fund(load_geography(), "ICB")


def _summary() -> pd.DataFrame:
    return pd.read_csv(SOURCE / "spending/nhse_icb_allocations_summary_2023_24_to_2025_26.csv").set_index("ICB24CD")


def _line(result: FundingResult, key: str) -> LineResult:
    return next(ln for ln in result.lines if ln.key == key)


@needs_source
def test_health_baseline_per_icb_is_the_published_2025_26_allocation(icb_result: FundingResult) -> None:
    published = _summary()["total_2025_26_icb_allocation_gbpk"] * 1000
    base = sum(_line(icb_result, k).baseline_pence for k in HEALTH) / 100
    codes = list(icb_result.areas.area_codes)
    ratio = base / published.reindex(codes).to_numpy()
    assert icb_result.lines[0].base_year == "2025/26"
    assert np.abs(ratio - 1).max() <= 0.001


@needs_source
def test_core_need_index_matches_nhs_england(icb_result: FundingResult) -> None:
    src = pd.read_csv(SOURCE / "spending/nhse_aif_weighted_population_icb_2023_24_to_2025_26.csv")
    src = src[src["allocation_year"] == "2025/26"].set_index("ICB24CD")
    ours = _line(icb_result, "health_core").need_index[0]  # type: ignore[index]
    theirs = src["Final_need_index"].reindex(list(icb_result.areas.area_codes)).to_numpy()
    assert np.corrcoef(ours, theirs)[0, 1] >= 0.995
    assert np.abs(ours - theirs).max() <= 0.01


@needs_source
def test_target_per_head_follows_the_published_fair_shares_target(icb_result: FundingResult) -> None:
    summary = _summary().reindex(list(icb_result.areas.area_codes))
    published = summary["core_2024_25_fair_shares_target_gbpk"] / summary["core_2025_26_population_implied"]
    core = _line(icb_result, "health_core")
    ours = core.target_pence[0] / core.population  # type: ignore[operator]
    assert np.corrcoef(ours, published.to_numpy())[0, 1] >= 0.98


def test_default_spec_totals_are_sourced_and_allocated_exactly(icb_result: FundingResult) -> None:
    spec = load_spec(default_spec_path())
    for line in spec.lines:
        if line.key in HEALTH:
            assert line.total_year == "2025/26"
            assert any(f.key == f"lines.{line.key}.total" and f.source and not f.assumption for f in spec.figures)
    for ln in icb_result.lines:
        assert (ln.allocation_pence.sum(axis=1) == ln.control_pence).all()
    core = _line(icb_result, "health_core")
    assert core.base_control_pence == 12_434_577_858_000
    assert core.baseline_scale == pytest.approx(1.0, abs=1e-9)
    assert icb_result.summary["baseline"]["lines_assumed"] == ["employment", "probation", "adult_skills"]


def test_weights_are_used_year_by_year(icb_result: FundingResult) -> None:
    core = _line(icb_result, "health_core")
    assert core.weights_years == ("2025/26", "2026/27", "2027/28", "2028/29", "2028/29")
    assert not np.allclose(core.need_index[1], core.need_index[3])  # type: ignore[index]


def test_a_plan_starts_from_what_its_districts_receive_today() -> None:
    from devoplan.plan import Plan

    geo = load_geography()
    plan = Plan.from_layer(geo, "REGION")
    result = fund(geo, plan)
    core = _line(result, "health_core")
    assert core.baseline_source == "data:nhs:core_services:2025/26"
    assert core.baseline_pence.sum() == pytest.approx(core.base_control_pence, abs=plan.n_areas)


def _with_line_change(key: str, **change: object) -> dict:
    import tomllib

    data = tomllib.loads(default_spec_path().read_text(encoding="utf-8"))
    data["lines"][key].update(change)
    return data


@pytest.mark.parametrize(("source", "message"), [
    ("nhs:dentistry:2025/26", "unknown baseline source 'nhs:dentistry:2025/26'"),
    ("nhs:core_services:2031/32", "unknown baseline source 'nhs:core_services:2031/32'"),
    ("nhs:core_services", "is not a baseline source like"),
])
def test_spec_naming_an_unknown_stream_or_year_names_the_key(source: str, message: str) -> None:
    from devoplan.errors import SpecError

    with pytest.raises(SpecError, match=rf"key 'lines\.health_core\.baseline_from': .*{message}"):
        fund(load_geography(), "ICB", parse_spec(_with_line_change("health_core", baseline_from=source)))


def test_unknown_nhs_component_names_the_key() -> None:
    from devoplan.errors import SpecError

    data = _with_line_change("health_core")
    data["lines"]["health_core"]["nhs_need"]["component"] = "dentistry"
    with pytest.raises(SpecError, match=r"key 'lines\.health_core\.nhs_need\.component': .*'dentistry'"):
        fund(load_geography(), "ICB", parse_spec(data))


def test_baseline_file_still_overrides_todays_money(tmp_path: Path) -> None:
    geo = load_geography()
    codes = geo.layer("ICB").area_codes
    total = 124_345_778_580
    file = tmp_path / "baseline.csv"
    pd.DataFrame({"code": codes, "line": "health_core", "amount": total / len(codes)}).to_csv(file, index=False)
    result = fund(geo, "ICB", baseline=file)
    core = _line(result, "health_core")
    assert core.baseline_source == "file"
    assert np.allclose(core.baseline_pence / 100, total / len(codes), atol=1)
    assert _line(result, "health_primary_care").baseline_source == "data:nhs:primary_medical_care:2025/26"
    assert "health_core" in result.summary["baseline"]["lines_from_file"]


def test_demo_scale_totals_are_the_sourced_control_totals(icb_result: FundingResult) -> None:
    spec = load_spec(default_spec_path())
    national = icb_result.summary["national"]["2026/27"]
    expected = 0
    for line in spec.lines:
        gross, slices = control_totals(line, ["2026/27"])
        expected += int(gross[0] - sum(v[0] for v in slices.values()))
    assert round(national["to_areas"] * 100) == expected
    assert national["per_head"] == round(expected / 100 / float(icb_result.population.sum()), 2)


def _short(name: str) -> str:
    return name.removeprefix("NHS ").removesuffix(" Integrated Care Board").removesuffix(" ICB").strip().lower()


@needs_source
def test_need_index_on_the_36_icbs_of_2026() -> None:
    geo = load_geography()
    if "ICB26" not in geo.layers:
        pytest.skip("the bundle has no ICB 2026 layer yet (added by the current-geography issue)")
    result = fund(geo, "ICB26")
    layer = geo.layer("ICB26")
    practices = pd.read_csv(SOURCE / "spending/nhse_place_tool_gp_practice_weighted_population_2026_2027.csv",
                            encoding="utf-8-sig")
    by_icb = practices.groupby(practices["ICBname"].map(_short))[["Registered Patients", "Core WP"]].sum()
    index = (by_icb["Core WP"] / by_icb["Registered Patients"]) / (by_icb["Core WP"].sum()
                                                                   / by_icb["Registered Patients"].sum())
    names = [_short(n) for n in layer.area_names]
    assert set(names) <= set(index.index), sorted(set(names) - set(index.index))
    ours = _line(result, "health_core").need_index[1][: layer.n_areas]  # type: ignore[index]
    theirs = index.reindex(names).to_numpy()
    assert np.corrcoef(ours, theirs)[0, 1] >= 0.995
    assert np.abs(ours - theirs).max() <= 0.01

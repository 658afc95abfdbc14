"""`devoplan outcomes` on England: the must-show figures, published regions reproduced, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from devoplan.build.outcome_sources import period_label
from devoplan.build.outcomes import OUTCOMES_OUT, compute_outcome_bundle
from devoplan.geography.loader import load_geography
from devoplan.outcomes import aggregate, areas_for, load_outcomes
from devoplan.outcomes.synthetic import DISTRICTS_CSV, write_outcomes_dir
from devoplan.testing.cli import run_cli

SOURCE = Path(os.environ.get("DEVOPLAN_SOURCE", Path(__file__).resolve().parents[2] / "shared" / "data"))


def test_regions_json_has_preventable_cvd_2022_24_for_every_region(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["outcomes", "--layer", "RGN", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    cvd = next(i for i in doc["indicators"] if i["key"] == "cvd_u75")
    assert (cvd["period"], cvd["polarity"]) == ("2022-24", "higher_is_worse")
    by_name = {a["name"]: a for a in cvd["areas"]}
    assert len(by_name) == 9 and all(a["value"] is not None and a["published"] for a in cvd["areas"])
    assert set(cvd["areas"][0]) >= {"code", "name", "value", "lci", "uci", "comparison"}
    # OHID 2022-24: North East 34.9, South East 23.5 per 100,000 (ratio 1.48)
    assert by_name["North East"]["value"] == pytest.approx(34.85, abs=0.01)
    assert by_name["South East"]["value"] == pytest.approx(23.53, abs=0.01)
    assert by_name["North East"]["comparison"] == "worse" and by_name["South East"]["comparison"] == "better"


# Regions rebuilt from their districts against the published regional figures. Not exact, because
# (1) an age-standardised rate or a life expectancy of a union is not a weighted mean of its parts'
# (weights by Census 2021 population in the indicator's ages stand in for the age-specific pooling),
# (2) survey estimates (APS, ASHE) are weighted by the survey, not by the Census, and (3) published
# district values are rounded. Tolerances are relative, set above the largest gap measured.
REGION_TOLERANCE = {("cvd_u75", "2022-24"): 0.01, ("hle_male", "2022-24"): 0.005, ("hle_female", "2022-24"): 0.005,
                    ("employment", "2023"): 0.005, ("obesity", "2024/25"): 0.015, ("gcse", "2024/25"): 0.01,
                    ("child_poverty", "2024/25"): 0.005, ("cla", "2025"): 0.002}


@pytest.mark.parametrize(("key", "period"), list(REGION_TOLERANCE))
def test_published_regional_values_reproduced_from_districts(key: str, period: str) -> None:
    geo, data = load_geography(), load_outcomes()
    regions = areas_for(geo, layer="REGION")
    published = aggregate(data, geo, regions, data.indicator(key), period)
    rebuilt = aggregate(data, geo, regions, data.indicator(key), period, use_published=False)
    assert published.published.all()
    assert np.allclose(rebuilt.value, published.value, rtol=REGION_TOLERANCE[(key, period)])


def test_all_indicators_for_a_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    geo = load_geography()
    labels = [f"A{i % 38:02d}" for i in range(geo.n_units)]
    plan.write_text("code,area_code\n" + "".join(f"{c},{a}\n" for c, a in zip(geo.units.codes, labels, strict=True)))
    code, out, _ = run_cli(["outcomes", "--plan", str(plan), "--out", str(tmp_path / "o")], capsys)
    assert code == 0 and "Under-75 mortality" in out
    doc = json.loads((tmp_path / "o" / "outcomes.json").read_text())
    assert doc["n_areas"] == 38 and len(doc["indicators"]) == len(load_outcomes().indicators)
    assert (tmp_path / "o" / "outcomes.csv").read_text().startswith("indicator,period,code,name,value")


@pytest.mark.parametrize(("args", "expected"), [
    (["-i", "cvd_u75,nope"], "--indicators: unknown indicator 'nope'"),
    (["--layer", "NOPE"], "unknown layer 'NOPE'"),
    (["--period", "1999"], "has no period '1999'"),
])
def test_bad_options_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], expected: str) -> None:
    code, _, err = run_cli(["outcomes", *args], capsys)
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1


def test_plan_with_unknown_code_names_file_and_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("code,area_code\nE06000001,A\nX99,A\n")
    code, _, err = run_cli(["outcomes", "--plan", str(plan)], capsys)
    assert code == 2 and "plan.csv" in err and "X99" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("rate,D1,2022,12,", "rate,D1,2022-2023,12,", "districts.csv, row 2, field 'period': malformed period '2022-2023'"),
    ("looked_after,D1,2023,30,,,30,", "looked_after,D1,2023,30,,,-3,", "row 10, field 'count': a count cannot be"),
    ("rate,D2,2022,21,", "nope,D2,2022,21,", "row 4, field 'indicator': unknown indicator 'nope'"),
    ("rate,D1,2022,12,10,14", "rate,D1,2022,12,13,14", "row 2, field 'lci': the lower limit is above the value"),
])
def test_bad_indicator_file_names_file_row_field(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 old: str, new: str, expected: str) -> None:
    assert old in DISTRICTS_CSV
    data = write_outcomes_dir(tmp_path / "bad", districts=DISTRICTS_CSV.replace(old, new, 1))
    code, _, err = run_cli(["outcomes", "--data", str(data)], capsys)
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1


def test_period_labels() -> None:
    assert [period_label(p) for p in ("2022-01-01/P3Y", "2022-04-01/P3Y", "2023-08-01/P1Y", "2023-01-01/P1Y",
                                      "2025-04-30", "2020-01-01/P5Y")] == \
        ["2022-24", "2022-25", "2023/24", "2023", "2025", "2020-24"]


@pytest.mark.skipif(not SOURCE.is_dir(), reason=f"official source data not found at {SOURCE} (set DEVOPLAN_SOURCE)")
def test_rebuild_reproduces_committed_outcomes_byte_for_byte() -> None:
    files = compute_outcome_bundle(SOURCE)
    assert sorted(files) == sorted(p.name for p in OUTCOMES_OUT.iterdir())
    for name, text in files.items():
        assert (OUTCOMES_OUT / name).read_bytes() == text.encode("utf-8"), name

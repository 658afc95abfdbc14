"""``devoplan fund`` through the CLI on the bundled England geography: outputs and bad specs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from devoplan import load_geography
from devoplan.plan import Plan
from devoplan.testing.cli import run_cli as run

SPEC = """
[settlement]
years = ["2026/27", "2027/28"]
[baseline]
method = "equal_per_head"
note = "equal per head"
[pace]
convergence = 0.5
floor = 0.0
cap = 0.1
[lines.health]
total = 1000000
total_year = "2026/27"
growth = 0.03
[lines.health.top_slices.central]
percent = 10
[lines.health.need]
strength = 0.1
[[lines.health.need.indicators]]
key = "imd_score"
weight = 1.0
"""


def test_fund_layer_writes_exact_totals_and_assumptions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, stdout, err = run(["fund", "--layer", "ICB", "--out", str(out), "--draws", "200", "--seed", "3"], capsys)
    assert code == 0, err
    assert "Block grants 2026/27 to 2029/30" in stdout and "assumptions" in stdout
    assert sorted(p.name for p in out.iterdir()) == [".devoplan-outputs.json", "allocations.csv", "summary.json"]
    df = pd.read_csv(out / "allocations.csv", dtype={"allocation": str, "target": str})
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["baseline"]["assumption"] is True and len(summary["assumptions"]) > 20
    assert summary["areas"]["count"] == 42
    for line in summary["lines"]:
        for year, totals in line["years"].items():
            rows = df[(df["line"] == line["key"]) & (df["year"] == year)]
            assert len(rows) == 42
            assert sum(Decimal(v) for v in rows["allocation"]) == Decimal(str(totals["to_areas"])).quantize(
                Decimal("0.01"))
            assert sum(Decimal(v) for v in rows["target"]) == sum(Decimal(v) for v in rows["allocation"])
    all_2026 = df[(df["line"] == "all") & (df["year"] == "2026/27")]
    to_areas = sum(Decimal(str(line["years"]["2026/27"]["to_areas"])) for line in summary["lines"])
    assert sum(Decimal(v) for v in all_2026["allocation"]) == to_areas.quantize(Decimal("0.01"))
    health = summary["need_index"]["health_core"]
    assert 0.6 < health["min"] < 1.0 < health["max"] < 1.5
    assert all_2026["per_head_p5"].le(all_2026["per_head_p95"]).all()


def test_fund_plan_csv_and_years(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geo = load_geography()
    plan = Plan.from_layer(geo, "REGION")
    plan_csv = tmp_path / "plan.csv"
    pd.DataFrame({"LAD24CD": plan.unit_codes, "area_code": plan.labels()}).to_csv(plan_csv, index=False)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(["fund", "--plan", str(plan_csv), "--spec", str(spec), "--years", "2027/28-2028/29",
                        "--draws", "0", "--out", str(out)], capsys)
    assert code == 0, err
    df = pd.read_csv(out / "allocations.csv", dtype={"allocation": str})
    assert sorted(set(df["year"])) == ["2027/28", "2028/29"]
    assert df["area_code"].nunique() == 9
    year1 = df[(df["line"] == "health") & (df["year"] == "2027/28")]
    assert sum(Decimal(v) for v in year1["allocation"]) == Decimal("927000.00")  # 1,000,000 x 1.03 x 90%


@pytest.mark.parametrize(("old", "new", "key"), [
    ('key = "imd_score"', 'key = "imd_scor"', "lines.health.need.indicators[0].key"),
    ("weight = 1.0", "weight = -1.0", "lines.health.need.indicators[0].weight"),
    ("percent = 10", "percent = 100", "lines.health.top_slices"),
    ("percent = 10", "amount = 2000000", "lines.health.top_slices"),
    ("strength = 0.1", "strength = 0.1\nstrength_range = [0.2, 0.3]", "lines.health.need.strength_range"),
    ("growth = 0.03", "growth = 0.03\nwobble = 1", "lines.health.wobble"),
    ("floor = 0.0", "floor = 0.2", "pace.floor"),
    ('years = ["2026/27", "2027/28"]', 'years = ["2027/28", "2026/27"]', "settlement.years"),
])
def test_bad_spec_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         old: str, new: str, key: str) -> None:
    assert old in SPEC
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.replace(old, new), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(["fund", "--layer", "ICB", "--spec", str(spec), "--out", str(out)], capsys)
    assert code == 2
    assert err.startswith("error: ") and f"key '{key}'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_indicator_lists_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.replace('key = "imd_score"', 'key = "imd_scor"'), encoding="utf-8")
    _, _, err = run(["fund", "--layer", "ICB", "--spec", str(spec), "--out", str(tmp_path / "o")], capsys)
    assert "allowed: imd_score, avoidable_mortality" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--draws", "0"], "exactly one of --plan"),
    (["--layer", "ICB", "--years", "2029/30-2026/27"], "out of order"),
    (["--layer", "NOPE"], "unknown layer 'NOPE'"),
    (["--layer", "ICB", "--seed", "-1"], "seed must be 0 or more, not -1"),
    (["--layer", "ICB", "--draws", "1000000"], "draws must be between 0 and 20,000"),
    (["--layer", "ICB", "--years", "2026/27-"], "is not a financial year"),
])
def test_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                            message: str) -> None:
    code, _, err = run(["fund", *args, "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_infeasible_pace_states_the_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "fast.toml"
    spec.write_text(SPEC.replace("growth = 0.03", "growth = 0.25"), encoding="utf-8")
    code, _, err = run(["fund", "--layer", "ICB", "--spec", str(spec), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "+25.0000%" in err and "cap +10.00%" in err


def test_out_that_is_a_file_exits_2_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "taken"
    out.write_text("not a directory", encoding="utf-8")
    code, stdout, err = run(["fund", "--layer", "ICB", "--draws", "0", "--out", str(out)], capsys)
    assert code == 2 and stdout == ""
    assert err.startswith("error: ") and f"--out {out}: {out} is a file; --out names the folder to write into" in err
    assert len(err.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "not a directory"
    # a file further up the path is refused before any work too (it used to fail only when writing)
    code, stdout, err = run(["fund", "--layer", "ICB", "--draws", "0", "--out", str(out / "sub")], capsys)
    assert code == 2 and stdout == "" and f"{out} is a file; --out names the folder to write into" in err
    assert out.read_text(encoding="utf-8") == "not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_documented_icb_need_indices_are_what_the_code_gives() -> None:
    """docs/funding.md's ICB table (age-sex only, + need, + unmet need) is re-measured here, so the
    figures a reader compares with NHS England's cannot drift from the code."""
    import copy
    import re
    import tomllib

    import numpy as np

    from devoplan.funding import fund, parse_spec, shipped_spec_path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "funding.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z][^|]+?) \| (\d\.\d{3}) \| (\d\.\d{3}) \| (\d\.\d{3}) \|$", doc, re.M)
    assert len(rows) == 42
    full = tomllib.loads(shipped_spec_path("transparent").read_text(encoding="utf-8"))
    age_sex_only, need_only = copy.deepcopy(full), copy.deepcopy(full)
    del age_sex_only["lines"]["health"]["need"], age_sex_only["lines"]["health"]["unmet_need"]
    del need_only["lines"]["health"]["unmet_need"]
    geo = load_geography()
    columns = []
    for variant in (age_sex_only, need_only, full):
        res = fund(geo, "ICB", parse_spec(variant))
        names = [n.removeprefix("NHS ").removesuffix(" Integrated Care Board") for n in res.areas.area_names]
        columns.append(dict(zip(names, np.round(res.need_index("health"), 3), strict=True)))
    for name, *documented in rows:
        assert [f"{col[name]:.3f}" for col in columns] == documented, name


def test_documented_icb_winners_and_sensitivity_are_what_the_code_gives() -> None:
    """The 'Other measurements' paragraph of docs/funding.md (transparent spec, ICBs, 1,000 draws, seed 0)."""
    from devoplan.funding import fund, shipped_spec_path

    res = fund(load_geography(), "ICB", shipped_spec_path("transparent"), draws=1000, seed=0)
    wl, sens = res.summary["winners_and_losers"], res.summary["sensitivity"]
    assert (wl["n_winners"], wl["n_losers"], round(wl["national_cash_growth_pct"], 1)) == (13, 29, 12.3)
    assert round(sens["median_relative_p5_p95_width"] * 100, 1) == 3.2
    assert round(sens["max_relative_p5_p95_width"] * 100, 1) == 5.4
    assert (sens["areas_always_winners"], sens["areas_never_winners"]) == (11, 27)
    health = res.allocations.query("line == 'health' and year == '2029/30'")["distance_from_target_pct"]
    assert (round(health.min(), 1), round(health.max(), 1)) == (-5.3, 5.1)

"""`devoplan design` on England: outputs, reproducibility, and one-line errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan.cli import main


def run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.slow
def test_design_writes_outputs_and_is_reproducible(tmp_path: Path) -> None:
    # the search stops on its budget of work; the wall-clock guard (3 x the limit) is for very slow machines
    # and would make a run on a loaded test machine stop early and differ, which is not what is tested here
    args = ["design", "--time-limit", "2", "--seed", "4", "--quiet", "--wall-guard", "inf"]
    assert run([*args, "--out", str(tmp_path / "a")]) == 0
    assert run([*args, "--out", str(tmp_path / "b")]) == 0
    doc = json.loads((tmp_path / "a" / "metrics.json").read_text())
    other = json.loads((tmp_path / "b" / "metrics.json").read_text())
    stopped = (doc["search"]["stopped_by"], other["search"]["stopped_by"])
    for name in ("plan.csv", "areas.geojson", "metrics.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), (name, stopped)
    assert doc["areas"] == 38 and doc["checks"]["ok"] is True
    assert doc["bound"]["lower_bound"] <= doc["objective"]
    assert "coterminosity@ICB26" in doc["metrics"] and "coterminosity@LSIP" in doc["metrics"]
    assert doc["metrics"]["identity.split@UTLA"] == 0 and doc["metrics"]["identity.split@CAUTH25"] == 0
    assert doc["checks"]["crossing_do_not_cross"] == []
    checks = doc["plausibility"]
    assert set(checks) == {"combined_authorities_split", "areas_crossing_london", "police_force_areas_split",
                           "areas_crossing_police", "areas_below", "areas_above", "named_after_minority"}
    assert checks["combined_authorities_split"]["ok"] and checks["areas_crossing_london"]["ok"]
    assert all(c["ran"] for c in checks.values())
    gm = next(a for a in doc["area_list"] if "E08000003" in a["districts"])  # Manchester
    assert gm["governance"]["status"] == "existing_combined_authority" and gm["governance"]["mayor"] is True
    rows = (tmp_path / "a" / "plan.csv").read_text().splitlines()
    assert rows[0] == "LAD24CD,area_code,area_name" and len(rows) == 297


def test_infeasible_max_pop_exits_2_with_numbers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = run(["design", "--max-pop", "2500000", "--out", str(tmp_path / "x"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "West Midlands" in err and "2,919,650" in err and "2,500,000" in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--weights", "wealth=1"], "unknown weight 'wealth'"),
        (["--keep-whole", "UTLA,XYZ"], "unknown layer 'XYZ'"),
        (["--areas", "200"], "200 areas requested but only"),
        (["--lock", "E08000003=North", "--lock", "E08000001=South"], "locked to 2 different areas"),
        (["--min-pop", "3000000"], "below 38 areas x --min-pop 3,000,000"),
        (["--apart", "E08000003,E08000001"], "--apart names codes that must share an area"),
        (["--keep-whole", "none", "--lock", "E06000001=A", "--lock", "E06000002=A", "--apart", "E06000001,E06000002"],
         "both locked to area 'A' but also --apart"),
        (["--max-pop", "1000000", "--keep-whole", "none"], "above 38 areas x --max-pop 1,000,000 = 38,000,000"),
        (["--weights", "health=-1"], "weight 'health' must be a finite number >= 0"),
        (["--lock", "E08000003"], "--lock 'E08000003' is not CODE=area-name"),
        (["--together", "E08000003,ZZZ"], "--together: unknown district or area 'ZZZ'"),
        (["--lock", "Manchestr=North"],
         "--lock: unknown district or area 'Manchestr'; did you mean 'Manchester' (E08000003)?"),
        (["--time-limit", "0"], "--time-limit must be a positive number of seconds"),
        (["--seed", "-1"], "--seed must be a non-negative integer, got -1"),
        (["--wall-guard", "0"], "--wall-guard must be a number > 0 (a multiple of --time-limit; inf for no"),
        (["--bound-seconds", "0"], "--bound-seconds must be a positive number of seconds, got 0.0"),
        (["--health", "ICB", "--health", "NOPE"], "unknown layer 'NOPE'"),
    ],
)
def test_bad_requests_exit_2(extra: list[str], needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["design", "--out", str(tmp_path / "x"), "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()
    assert not list(tmp_path.glob(".x.*"))  # no temporary output left behind


def test_out_that_is_a_file_exits_2_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("mine\n")
    assert run(["design", "--quiet", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target}: {target} is a file; --out names the folder to write into" in err
    assert len(err.strip().splitlines()) == 1
    assert target.read_text() == "mine\n" and sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.slow
def test_start_plan_with_frozen_areas_via_cli(tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert run(["design", "--time-limit", "1", "--quiet", "--no-bound", "--out", str(first)]) == 0
    doc = json.loads((first / "metrics.json").read_text())
    frozen = [a for a in doc["area_list"] if a["governance"]["status"] == "existing_combined_authority"][:2]
    codes = ",".join(a["code"] for a in frozen)
    second = tmp_path / "second"
    args = ["design", "--time-limit", "1", "--quiet", "--no-bound", "--out", str(second),
            "--start", str(first / "plan.csv"), "--frozen-areas", codes, "--seed", "9"]
    assert run(args) == 0
    after = {a["code"]: a for a in json.loads((second / "metrics.json").read_text())["area_list"]}
    for area in frozen:
        assert after[area["code"]]["districts"] == area["districts"]
        assert after[area["code"]]["name"] == area["name"]
    assert json.loads((second / "metrics.json").read_text())["checks"]["ok"] is True


def test_start_plan_with_wrong_area_count_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "icb.csv"
    from devoplan import load_geography
    from devoplan.plan import Plan
    from devoplan.planio import write_plan_csv

    write_plan_csv(Plan.from_layer(load_geography(), "ICB"), plan)
    assert run(["design", "--quiet", "--out", str(tmp_path / "o"), "--start", str(plan)]) == 2
    assert "--start plan has 42 areas but --areas is 38" in capsys.readouterr().err

"""`devoplan whatif` as a user runs it: names or codes, a readable table, JSON, --save, and bad names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan import Plan, load_geography
from devoplan.planio import read_plan
from devoplan.testing.cli import run_cli


def test_unknown_district_suggests_the_closest_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["whatif", "ICB26", "--move", "West Lancs=QYG"], capsys)
    assert code == 2
    assert "unknown district 'West Lancs'; did you mean 'West Lancashire' (E07000127)?" in err
    assert "Traceback" not in err
    code, _, err = run_cli(["whatif", "ICB26", "--move", "West Lancashire"], capsys)
    assert code == 2 and "DISTRICT=AREA" in err


def test_json_and_save(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "edited.csv"
    code, out, err = run_cli(["whatif", "ICB26", "--move", "west lancashire=nhs cheshire and merseyside icb",
                              "--move", "E07000117=QYG", "--json", "--save", str(saved)], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert {"before", "after", "delta", "details", "problems", "moves"} <= set(data)
    assert [m["district_name"] for m in data["moves"]] == ["West Lancashire", "Burnley"]
    assert data["delta"]["areas"]["QYG"]["districts"] == 2
    geo = load_geography()
    edited = read_plan(saved, geo)
    assert edited.area_codes[edited.area_of("E07000127")] == "QYG"
    assert edited.area_codes[edited.area_of("E07000117")] == "QYG"
    code, out, _ = run_cli(["whatif", str(saved), "--move", "Burnley=QE1"], capsys)
    assert code == 0
    assert "Touched areas" in out and "coterminosity" in out and "Burnley" in out


def test_save_is_checked_before_any_work_and_never_clobbers_other_files(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes,not a plan\n", encoding="utf-8")
    cases = [(tmp_path, "is a directory; --save names the CSV file to write"),
             (tmp_path / "plan.json", "the plan is a CSV file: give a path ending in .csv"),
             (notes, "exists and is not a plan devoplan wrote; choose another path or pass --force")]
    for target, message in cases:
        code, out, err = run_cli(["whatif", "ICB26", "--move", "Burnley=QE1", "--save", str(target)], capsys)
        assert code == 2 and message in err and "Traceback" not in err and out == "", (target, err)
    assert notes.read_text(encoding="utf-8") == "my notes,not a plan\n"
    code, _, err = run_cli(["whatif", "ICB26", "--move", "Burnley=QE1", "--save", str(notes), "--force"], capsys)
    assert code == 0, err
    saved = tmp_path / "edited.csv"
    for _ in range(2):  # a plan CSV devoplan wrote may be written again
        code, _, err = run_cli(["whatif", "ICB26", "--move", "Burnley=QE1", "--save", str(saved)], capsys)
        assert code == 0, err


def test_one_move_per_district_and_moves_that_change_nothing_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["whatif", "ICB26", "--move", "Burnley=QE1", "--move", "burnley=QYG"], capsys)
    assert code == 2
    assert "Burnley (E07000117) is moved twice, to QE1 and to QYG; give one move per district" in err
    assert "--move" in err and "`" not in err
    icbs = Plan.from_layer(load_geography(), "ICB26")
    home = icbs.area_codes[icbs.area_of("E07000117")]
    code, out, err = run_cli(["whatif", "ICB26", "--move", f"Burnley={home}"], capsys)
    assert code == 0, err
    assert "already there: this move changes nothing" in " ".join(out.split())

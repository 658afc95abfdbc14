"""`devoplan whatif` as a user runs it: names or codes, a readable table, JSON, --save, and bad names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan import load_geography
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

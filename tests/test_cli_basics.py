"""The CLI shell: user errors are one line on stderr with exit status 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan.testing.cli import run_cli as run
from devoplan.testing.files import write_five_units as write


def test_info_on_a_user_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["info", "--geography", str(write(tmp_path)), "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["units"] == 5 and summary["population"] == 1050
    assert [(lay["key"], lay["areas"], lay["units_in_several_areas"]) for lay in summary["layers"]] == [
        ("H", 2, 1), ("E", 2, 1), ("C", 1, 0)]
    assert summary["adjacency"]["isolated_without_links"] == ["I"]
    assert summary["adjacency"]["links"] == [{"a": "D", "b": "I", "note": "ferry"}]


def test_bad_geography_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, units__csv="code,name,population\nA,Alpha,ten\n")
    code, out, err = run(["info", "--geography", str(bad)], capsys)
    assert code == 2
    assert out == ""
    assert err.strip().count("\n") == 0
    assert "units.csv, row 2, field 'population': 'ten' is not a number" in err
    assert "Traceback" not in err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["info", "--bogus"], capsys)
    assert code == 2 and "No such option" in err


ISLANDS = ["E06000046", "E06000053"]  # Isle of Wight, Isles of Scilly


def test_info_on_the_bundle_states_the_facts_through_the_loader(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's facts, this time read through load_geography() and devoplan info (not pandas)."""
    code, out, _ = run(["info", "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["units"] == 296 and summary["population"] == 56_490_040
    layers = {lay["key"]: (lay["kind"], lay["areas"], lay["units_covered"], lay["units_in_several_areas"])
              for lay in summary["layers"]}
    assert layers == {
        "ICB26": ("partition", 36, 296, 22), "CAUTH25": ("partial", 15, 106, 0), "GLA": ("partial", 1, 33, 0),
        "ICB": ("partition", 42, 296, 13), "LEP": ("cover", 38, 296, 7), "CAUTH24": ("partial", 11, 72, 0),
        "PFA": ("partition", 39, 296, 0), "FRA": ("partition", 44, 296, 0), "REGION": ("partition", 9, 296, 0),
        "UTLA": ("partition", 153, 296, 0), "LSIP": ("partition", 38, 296, 0),
    }
    vintages = {lay["key"]: lay["vintage"] for lay in summary["layers"]}
    assert vintages["ICB26"] == "April 2026" and vintages["CAUTH25"] == "May 2025"
    assert {k for k, v in vintages.items() if v.endswith("(historical)")} == {"ICB", "CAUTH24", "LEP"}
    assert summary["adjacency"]["isolated_without_links"] == ISLANDS
    assert {lk["b"] for lk in summary["adjacency"]["links"]} | {lk["a"] for lk in summary["adjacency"]["links"]} >= set(
        ISLANDS)
    coverage = {i["key"]: i["coverage"] for i in summary["indicators"]}
    assert coverage["imd_score"] == 296 and coverage["employment_rate"] == 295 and coverage["smoking"] == 294


def test_info_table_says_how_each_layer_departs_from_a_partition(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "150")  # one line per layer (at 80 columns the cells wrap, nothing is cut)
    code, out, _ = run(["info"], capsys)
    assert code == 0
    assert "296 units, 56,490,040 residents" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert "13 split" in rows["ICB"] and "42" in rows["ICB"]
    assert "7 double-covered" in rows["LEP"]
    assert "224 outside" in rows["CAUTH24"] and "72/296" in rows["CAUTH24"]
    assert "May 2025" in rows["CAUTH25"] and "106/296" in rows["CAUTH25"] and "April 2026" in rows["ICB26"]
    assert "April 2024 (historical)" in rows["ICB"] and "May 2021 (historical)" in rows["LEP"]
    assert "none" in rows["REGION"]
    assert "without links these units would be cut off: E06000046, E06000053" in out.replace("\n", " ")

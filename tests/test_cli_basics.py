"""The CLI shell: user errors are one line on stderr with exit status 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan.cli import main
from tests.test_loader import write


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


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

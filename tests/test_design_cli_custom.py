"""`devoplan design` on a user's own geography: the keep-whole default adapts to the layers it has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan.testing.cli import run_cli as run
from devoplan.testing.files import FIVE_UNITS as FILES
from devoplan.testing.files import write_five_units as write


def _as_cauth(text: str) -> str:
    """The tiny geography's partial layer 'C' renamed to the England key CAUTH (units A and B)."""
    return text.replace("C,Combined", "CAUTH,Combined").replace("C,C1", "CAUTH,C1").replace(
        "C,A,C1", "CAUTH,A,C1").replace("C,B,C1", "CAUTH,B,C1")


def _design(geo: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, dict]:
    argv = ["design", "-g", str(geo), "--areas", "2", "--health", "H", "--economic", "E",
            "--time-limit", "0.5", "--quiet", "--out", str(out), *extra]
    code, _, err = run(argv, capsys)
    doc = json.loads((out / "metrics.json").read_text()) if code == 0 else {}
    return code, err, doc


def test_default_keep_whole_skips_layers_the_geography_lacks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "geo").mkdir()
    geo = write(tmp_path / "geo")
    code, err, doc = _design(geo, tmp_path / "out", capsys)
    assert code == 0, err
    assert doc["blocks"] == 5  # nothing kept whole: every unit is its own block


def test_default_keep_whole_uses_cauth_when_present(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "geo").mkdir()
    geo = write(tmp_path / "geo", layers__csv=_as_cauth(FILES["layers.csv"]),
                areas__csv=_as_cauth(FILES["areas.csv"]), memberships__csv=_as_cauth(FILES["memberships.csv"]))
    code, err, doc = _design(geo, tmp_path / "a", capsys)
    assert code == 0, err
    assert doc["blocks"] == 4  # A and B (the combined authority) form one block
    assert doc["metrics"]["identity.split@CAUTH"] == 0
    code, err, doc = _design(geo, tmp_path / "b", capsys, "--keep-whole", "none")
    assert code == 0, err
    assert doc["blocks"] == 5


def test_naming_a_missing_layer_is_still_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "geo").mkdir()
    code, err, _ = _design(write(tmp_path / "geo"), tmp_path / "out", capsys, "--keep-whole", "UTLA")
    assert code == 2
    assert "unknown layer 'UTLA'; allowed: H, E, C" in err
    assert not (tmp_path / "out").exists()


def test_missing_default_health_layer_says_which_option_to_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "geo").mkdir()
    geo = write(tmp_path / "geo")
    code, _, err = run(["design", "-g", str(geo), "--areas", "2", "--quiet", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert ("the default --health layer ICB26 is not in geography 'Tiny'; "
            "name one of its layers with --health (H, E, C)") in err
    code, _, err = run(["design", "-g", str(geo), "--areas", "2", "--health", "H", "--quiet",
                        "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "the default --economic layer LSIP" in err
    assert not (tmp_path / "out").exists()

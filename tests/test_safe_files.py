"""Files a user gives and files devoplan writes: geometry checked on load, odd files refused in one
line, formula-like CSV cells written as text, and a report path that cannot destroy anything."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from devoplan.csvcells import neutralise, restore
from devoplan.errors import InputError
from devoplan.geography.loader import load_geography
from devoplan.plan import Plan
from devoplan.planio import read_plan, write_plan_csv
from devoplan.testing.cli import run_cli
from devoplan.testing.files import THREE_UNITS, assert_refused, square, write_three_units


# -- geometry -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("geometry", "message"), [
    ({"type": "Point", "coordinates": [-1.8, 52.0]}, "unit C has a Point geometry"),
    (None, "unit C has no geometry"),
    (square(530000.0, 180000.0, 1000.0), "unit C has coordinates (530000, 180000) outside longitude/latitude"),
    ({"type": "LineString", "coordinates": [[-1.8, 52.0], [-1.7, 52.1]]}, "unit C has a LineString geometry"),
])
def test_bad_geometry_is_refused_naming_the_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 geometry: dict[str, Any] | None, message: str) -> None:
    directory = write_three_units(tmp_path / "g", unit_c=geometry, boundaries=True)
    if geometry is None:  # a null geometry, written as JSON null
        data = json.loads((directory / "geometry.geojson").read_text())
        data["features"][2]["geometry"] = None
        (directory / "geometry.geojson").write_text(json.dumps(data))
    code, _, err = run_cli(["info", "-g", str(directory)], capsys)
    assert_refused(code, err, "geometry.geojson", message)


def test_self_intersecting_boundary_is_repaired(tmp_path: Path) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[-1.8, 52.0], [-1.7, 52.1], [-1.7, 52.0], [-1.8, 52.1],
                                                   [-1.8, 52.0]]]}
    geo = load_geography(write_three_units(tmp_path / "g", unit_c=bow_tie))
    shapes = geo.display_geometry()
    assert shapes.geometry.is_valid.all() and shapes.geometry.iloc[2].area > 0


def test_a_collapsed_boundary_is_refused(tmp_path: Path) -> None:
    flat = {"type": "Polygon", "coordinates": [[[-1.8, 52.0], [-1.7, 52.0], [-1.6, 52.0], [-1.8, 52.0]]]}
    geo = load_geography(write_three_units(tmp_path / "g", unit_c=flat))
    with pytest.raises(InputError, match="unit C has an invalid boundary"):
        geo.display_geometry()


@pytest.mark.parametrize("geometry", [{"type": "Hexagon", "coordinates": []}, {"type": "Polygon", "coordinates": 5}])
def test_plan_geojson_with_unreadable_geometry_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           geometry: dict[str, Any]) -> None:
    directory = write_three_units(tmp_path / "g", boundaries=True)
    plan = tmp_path / "plan.geojson"
    plan.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"area_code": "X"}, "geometry": geometry}]}))
    code, _, err = run_cli(["score", str(plan), "-g", str(directory)], capsys)
    assert_refused(code, err, "features[0].geometry")


# -- odd files ------------------------------------------------------------------------------------
def test_manifest_with_a_bom_is_read_like_every_csv(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    directory = write_three_units(tmp_path / "g", boundaries=True,
                                  **{"manifest.json": bom + THREE_UNITS["manifest.json"].encode(),
                                     "units.csv": bom + THREE_UNITS["units.csv"].encode()})
    assert load_geography(directory).name == "Tiny"


def test_non_utf8_manifest_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_three_units(tmp_path / "g", boundaries=True,
                                  **{"manifest.json": b'{"name": "Caf\xe9", "format": 1}'})
    code, _, err = run_cli(["info", "-g", str(directory)], capsys)
    assert_refused(code, err, "manifest.json", "not UTF-8")


def test_deeply_nested_json_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_three_units(tmp_path / "g", boundaries=True)
    plan = tmp_path / "plan.geojson"
    plan.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run_cli(["score", str(plan), "-g", str(directory)], capsys)
    assert_refused(code, err, "plan.geojson", "nested more than")


def test_a_directory_given_as_a_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_three_units(tmp_path / "g", boundaries=True)
    code, _, err = run_cli(["score", str(tmp_path), "-g", str(directory)], capsys)
    assert_refused(code, err, "is a directory, not a plan file")


def test_a_huge_plan_is_refused_before_it_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_three_units(tmp_path / "g", boundaries=True)
    plan = tmp_path / "plan.csv"
    with plan.open("wb") as f:
        f.truncate(200_000_000)  # sparse: 200 MB that takes no disk and no time
    code, _, err = run_cli(["score", str(plan), "-g", str(directory)], capsys)
    assert_refused(code, err, "plan.csv", "is 200 MB")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_three_units(tmp_path / "g", boundaries=True)
    (directory / "units.csv").chmod(0)
    code, _, err = run_cli(["info", "-g", str(directory)], capsys)
    assert_refused(code, err, "units.csv", "cannot be read")


# -- CSV cells that would be formulas -------------------------------------------------------------
@pytest.mark.parametrize(("text", "written"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+SUM(A1)", "'+SUM(A1)"), ("@SUM(A1)", "'@SUM(A1)"), ("-1+2", "'-1+2"), ("\tx", "'\tx"),
    ("-12.50", "-12.50"), ("North East", "North East"), ("'=x", "''=x"),
    ("-1,234", "-1,234"), ("-3.5%", "-3.5%"), ("+£12", "'+£12"), ("-1,2x", "'-1,2x"),  # numbers as shown stay
])
def test_formula_like_text_is_written_as_text(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(written) == text


def test_plan_csv_neutralises_names_and_reads_them_back(tmp_path: Path) -> None:
    geo = load_geography(write_three_units(tmp_path / "g", boundaries=True))
    plan = Plan(geo.units.codes, [0, 0, 1], ("=A1", "B"), ("=HYPERLINK(\"http://evil\")", "@SUM(1)"))
    path = write_plan_csv(plan, tmp_path / "plan.csv")
    cells = pd.read_csv(path, dtype=str)
    assert set(cells["area_name"]) == {"'=HYPERLINK(\"http://evil\")", "'@SUM(1)"}
    assert set(cells["area_code"]) == {"'=A1", "B"}
    again = read_plan(path, geo)
    assert again.area_codes == plan.area_codes and again.area_names == plan.area_names


# -- report --out ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "message"), [
    ("notes.txt", "give a path ending in .html"),
    ("existing.html", "is not a report devoplan wrote"),
])
def test_report_out_refuses_what_it_could_destroy(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                  message: str) -> None:
    target = tmp_path / name
    target.write_text("precious")
    code, _, err = run_cli(["report", "--plan", str(tmp_path / "none.csv"), "--out", str(target)], capsys)
    assert_refused(code, err, message)
    assert target.read_text() == "precious"


def test_report_out_overwrites_its_own_report_and_forced_files(tmp_path: Path) -> None:
    from devoplan.report.build import GENERATOR_TAG, check_out

    own = tmp_path / "own.html"
    own.write_text(f"<html><head>{GENERATOR_TAG}</head></html>")
    check_out(own)
    other = tmp_path / "other.html"
    other.write_text("<html>someone's</html>")
    check_out(other, force=True)
    with pytest.raises(InputError):
        check_out(other)

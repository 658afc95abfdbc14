"""Reading and writing plans: round trips, and each kind of bad plan file with its message."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from devoplan import InputError
from devoplan.planio import plan_table, read_plan, write_plan_csv
from devoplan.testing.tiny import six_district_plan as tiny_plan
from devoplan.testing.tiny import six_districts as tiny_geography

GOOD = "LAD24CD,area_code,area_name\nU1,A,Alpha\nU2,A,Alpha\nU3,A,Alpha\nU4,B,Beta\nU5,B,Beta\nU6,D,Delta\n"


def write(tmp_path: Path, text: str, name: str = "plan.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_a_plan_in_file_order_of_areas(tmp_path: Path) -> None:
    plan = read_plan(write(tmp_path, GOOD), tiny_geography())
    assert plan.assignment.tolist() == [0, 0, 0, 1, 1, 2]
    assert plan.area_codes == ("A", "B", "D") and plan.area_names == ("Alpha", "Beta", "Delta")


def test_rows_in_any_order_and_names_optional(tmp_path: Path) -> None:
    text = "code,area_code\nU6,D\nU1,A\nU2,A\nU3,A\nU4,B\nU5,B\n"
    plan = read_plan(write(tmp_path, text), tiny_geography())
    assert plan.labels() == ["A", "A", "A", "B", "B", "D"]
    assert plan.area_codes == ("D", "A", "B") and plan.area_names == ("D", "A", "B")


def test_an_area_named_on_any_of_its_rows(tmp_path: Path) -> None:
    text = GOOD.replace("U1,A,Alpha", "U1,A,").replace("U2,A,Alpha", "U2,A,").replace("U5,B,Beta", "U5,B,")
    plan = read_plan(write(tmp_path, text), tiny_geography())
    assert plan.area_names == ("Alpha", "Beta", "Delta")


def test_column_names_in_any_case(tmp_path: Path) -> None:
    text = GOOD.replace("LAD24CD,area_code,area_name", "lad24cd,Area_Code,AREA_NAME")
    assert read_plan(write(tmp_path, text), tiny_geography()).area_names == ("Alpha", "Beta", "Delta")


def test_numeric_area_ids_are_accepted(tmp_path: Path) -> None:
    text = "LAD24CD,area\nU1,0\nU2,0\nU3,0\nU4,1\nU5,1\nU6,2\n"
    assert read_plan(write(tmp_path, text), tiny_geography()).labels() == ["0", "0", "0", "1", "1", "2"]


def test_round_trip_through_csv(tmp_path: Path) -> None:
    plan = tiny_plan("ABADDB")
    path = write_plan_csv(plan, tmp_path / "out" / "plan.csv")
    assert path.read_text(encoding="utf-8").splitlines()[:2] == ["LAD24CD,area_code,area_name", "U1,A,A"]
    assert read_plan(path, tiny_geography()) == plan
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["plan.csv"]  # no temporary file left
    assert list(plan_table(plan).columns) == ["LAD24CD", "area_code", "area_name"]


BAD: list[tuple[str, str, str]] = [
    ("missing unit", GOOD.replace("U6,D,Delta\n", ""), "plan misses 1 of the 6 units, first U6 (District U6)"),
    ("unit twice", GOOD + "U2,B,Beta\n", "row 8, field 'LAD24CD': unit 'U2' appears twice (first on row 3)"),
    ("unknown code", GOOD.replace("U4,", "X9,"),
     "row 5, field 'LAD24CD': unknown unit 'X9' (not in geography 'six'; a plan for another geography needs"),
    ("empty unit", GOOD.replace("U4,", ","), "row 5, field 'LAD24CD': unit code is missing"),
    ("empty area", GOOD.replace("U5,B,", "U5,,"), "row 6, field 'area_code': area is missing"),
    ("non-numeric area id", "LAD24CD,area\nU1,0\nU2,zero\n", "row 3, field 'area': area 'zero' is not a whole number"),
    ("fractional area id", "LAD24CD,area\nU1,0\nU2,1.5\n", "row 3, field 'area': area '1.5' is not a whole number"),
    ("two names", GOOD.replace("U2,A,Alpha", "U2,A,Other"),
     "row 3, field 'area_name': area 'A' is named 'Other' here but 'Alpha' on row 2"),
    ("no unit column", "district,area_code\nU1,A\n", "field 'LAD24CD': no unit column"),
    ("no area column", "LAD24CD,zone\nU1,A\n", "field 'area_code': missing column"),
    ("header only", "LAD24CD,area_code\n", "has no rows"),
    ("repeated column", "LAD24CD,area_code,Area_Code\nU1,A,B\n",
     "row 1, field 'area_code': column 'area_code' appears twice in the header"),
    ("not UTF-8", GOOD.replace("Delta", "D\u00e9lta"), "row 7: is not UTF-8 text (byte 0xe9 on line 7)"),
    ("empty file", "", "cannot be read as CSV"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD, ids=[c[0] for c in BAD])
def test_bad_plans_name_the_row(tmp_path: Path, case: str, text: str, message: str) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes(text.encode("latin-1" if case == "not UTF-8" else "utf-8"))
    with pytest.raises(InputError) as exc:
        read_plan(path, tiny_geography())
    assert message in str(exc.value)
    assert str(exc.value).startswith(str(tmp_path / "plan.csv"))


def test_missing_file_and_geojson_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="plan file not found"):
        read_plan(tmp_path / "nope.csv", tiny_geography())
    geojson = write(tmp_path, json.dumps({"type": "FeatureCollection", "features": []}), "plan.geojson")
    with pytest.raises(InputError, match=r"plan\.geojson, field 'features': is not a GeoJSON FeatureCollection"):
        read_plan(geojson, tiny_geography())


def test_geojson_areas_are_dissolved_from_the_bundle_boundaries(tmp_path: Path) -> None:
    import devoplan
    from devoplan.planio import write_plan_geojson

    geo = devoplan.load_geography()
    plan = devoplan.Plan.from_layer(geo, "REGION")
    data = json.loads(write_plan_geojson(plan, geo, tmp_path / "regions.geojson").read_text(encoding="utf-8"))
    features = data["features"]
    assert [f["properties"]["area_code"] for f in features] == list(plan.area_codes)
    assert sum(f["properties"]["population"] for f in features) == geo.units.total_population
    assert sum(f["properties"]["units"] for f in features) == geo.n_units
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


def test_plan_geojson_round_trips_exactly_and_spatially(tmp_path: Path) -> None:
    import os
    import stat

    import devoplan
    from devoplan.planio import write_plan_geojson

    geo = devoplan.load_geography()
    plan = devoplan.Plan.from_layer(geo, "ICB")
    path = write_plan_geojson(plan, geo, tmp_path / "icb.geojson")
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o044, "written files are readable by others (umask allowing)"
    assert read_plan(path, geo) == plan
    # Areas drawn elsewhere carry no unit list: units are placed by their representative point.
    data = json.loads(path.read_text(encoding="utf-8"))
    for feature in data["features"]:
        del feature["properties"]["unit_codes"]
    drawn = tmp_path / "drawn.geojson"
    drawn.write_text(json.dumps(data), encoding="utf-8")
    spatial = read_plan(drawn, geo)
    assert spatial.area_codes == plan.area_codes
    assert np.array_equal(spatial.assignment, plan.assignment)


def test_plan_geojson_errors_name_the_feature(tmp_path: Path) -> None:
    geo = tiny_geography()
    cases = [
        ({"type": "FeatureCollection", "features": [{"properties": {}}]},
         r"field 'features\[0\]\.properties\.area_code': feature has no area_code"),
        ({"type": "FeatureCollection", "features": [{"properties": {"area_code": "X", "unit_codes": "A"}}]},
         r"field 'features\[0\]\.properties\.unit_codes': must be a list of unit codes"),
        ({"type": "FeatureCollection", "features": [{"properties": {"area_code": "X", "unit_codes": ["ZZ"]}}]},
         r"field 'features\[0\]\.properties\.unit_codes': unknown unit 'ZZ'"),
        ({"type": "FeatureCollection", "features": [
            {"properties": {"area_code": "X", "unit_codes": ["U1", "U2", "U3"]}},
            {"properties": {"area_code": "Y", "unit_codes": ["U4", "U5", "U6", "U2"]}}]},
         r"field 'features\[1\]\.properties\.unit_codes': unit 'U2' is listed in two areas \(also features\[0\]\)"),
        ({"type": "FeatureCollection", "features": [
            {"properties": {"area_code": "X", "unit_codes": ["U1", "U2", "U3"]}},
            {"properties": {"area_code": "X", "unit_codes": ["U4", "U5", "U6"]}}]},
         r"field 'features\[1\]\.properties\.area_code': area code 'X' is already used by features\[0\]"),
        ({"type": "FeatureCollection", "features": [
            {"properties": {"area_code": "X", "unit_codes": ["U1", "U2", "U3", "U4", "U5", "U6"]}},
            {"properties": {"area_code": "Y", "unit_codes": []}}]},
         r"field 'features\[1\]\.properties\.unit_codes': area has no units \(the list is empty\)"),
        ({"type": "FeatureCollection", "features": [
            {"properties": {"area_code": "X", "unit_codes": ["U1", "U2", "U3", "U4", "U5"]}}]},
         r"\.geojson: plan misses 1 of the 6 units, first U6 \(District U6\)$"),
        ({"type": "FeatureCollection", "features": [{"properties": {"area_code": "X"}, "geometry": None}]},
         r"field 'features\[0\]\.geometry': feature has neither unit_codes nor a geometry"),
    ]
    for i, (data, message) in enumerate(cases):
        path = write(tmp_path, json.dumps(data), f"bad{i}.geojson")
        with pytest.raises(InputError, match=message):
            read_plan(path, geo)
    broken = write(tmp_path, "{not json", "broken.geojson")
    with pytest.raises(InputError, match="is not valid GeoJSON"):
        read_plan(broken, geo)

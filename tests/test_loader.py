"""Loading a geography directory: a small valid one, then each kind of bad input and its message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from devoplan import InputError, load_geography
from devoplan.testing.files import FIVE_UNITS as FILES
from devoplan.testing.files import write_five_units as write


def test_loads_a_valid_directory(tmp_path: Path) -> None:
    geo = load_geography(write(tmp_path))
    assert geo.name == "Tiny"
    assert geo.units.codes == ("A", "B", "C", "D", "I")
    assert geo.units.total_population == 1050
    health, econ, combined = geo.layer("H"), geo.layer("e"), geo.layer("C")
    assert health.kind == "partition" and health.multi_member_units().tolist() == [1]
    assert health.main_area.tolist() == [0, 0, 1, 1, 1]
    assert econ.kind == "cover" and econ.multi_member_units().tolist() == [2]
    assert combined.covered_units().tolist() == [0, 1]
    assert combined.main_area.tolist() == [0, 0, -1, -1, -1]
    assert geo.adjacency.neighbours(3).tolist() == [2, 4]
    assert np.isnan(geo.indicators.column("jobs")[1])
    assert geo.indicators.coverage().tolist() == [5, 4]
    assert geo.indicators.get_meta("jobs").direction == "higher_is_better"


def test_unknown_layer_is_rejected_with_allowed_values(tmp_path: Path) -> None:
    geo = load_geography(write(tmp_path))
    with pytest.raises(Exception, match="unknown layer 'X'; allowed: H, E, C"):
        geo.layer("X")


BAD_CASES: list[tuple[str, Callable[[], dict[str, str | None]], str]] = [
    ("missing file", lambda: {"units__csv": None}, r"units\.csv: required file is missing"),
    ("missing column", lambda: {"units__csv": "code,name\nA,Alpha\n"},
     r"units\.csv, field 'population': missing column"),
    ("duplicate code", lambda: {"units__csv": FILES["units.csv"] + "B,Beta again,5\n"},
     r"units\.csv, row 7, field 'code': duplicate unit code 'B'"),
    ("negative population", lambda: {"units__csv": FILES["units.csv"].replace("C,Gamma,300", "C,Gamma,-3")},
     r"units\.csv, row 4, field 'population': must be at least 0, not -3"),
    ("non-numeric population", lambda: {"units__csv": FILES["units.csv"].replace("D,Delta,400", "D,Delta,lots")},
     r"units\.csv, row 5, field 'population': 'lots' is not a number"),
    ("missing population", lambda: {"units__csv": FILES["units.csv"].replace("A,Alpha,100", "A,Alpha,")},
     r"units\.csv, row 2, field 'population': value is missing"),
    ("fractional population", lambda: {"units__csv": FILES["units.csv"].replace("A,Alpha,100", "A,Alpha,1.5")},
     r"units\.csv, row 2, field 'population': must be a whole number, not 1.5"),
    ("membership unknown unit", lambda: {"memberships__csv": FILES["memberships.csv"] + "C,Z,C1,1\n"},
     r"memberships\.csv, row 16, field 'unit_code': unknown unit code 'Z'"),
    ("membership unknown area", lambda: {"memberships__csv": FILES["memberships.csv"].replace("H,A,H1,1", "H,A,H9,1")},
     r"memberships\.csv, row 2, field 'area_code': unknown area of layer H 'H9'"),
    ("partition weights", lambda: {"memberships__csv": FILES["memberships.csv"].replace("H,B,H2,0.25", "H,B,H2,0.2")},
     r"memberships\.csv, row 3, field 'weight': weights of unit B in layer H sum to 0.95, not 1"),
    ("partition misses a unit", lambda: {"memberships__csv": FILES["memberships.csv"].replace("H,I,H2,1\n", "")},
     r"partition layer H has no membership for unit I"),
    ("weight out of range", lambda: {"memberships__csv": FILES["memberships.csv"].replace("C,B,C1,1", "C,B,C1,0")},
     r"memberships\.csv, row 15, field 'weight': weight 0 is outside \(0, 1\]"),
    ("unknown layer kind", lambda: {"layers__csv": FILES["layers.csv"].replace("partial", "patchy")},
     r"layers\.csv, row 4, field 'kind': unknown kind 'patchy'; allowed: partition, cover, partial"),
    ("adjacency unknown unit", lambda: {"adjacency__csv": FILES["adjacency.csv"] + "A,Q,5,border,\n"},
     r"adjacency\.csv, row 6, field 'unit_b': unknown unit code 'Q'"),
    ("self loop", lambda: {"adjacency__csv": FILES["adjacency.csv"] + "A,A,5,border,\n"},
     r"adjacency\.csv, row 6, field 'unit_b': unit A is adjacent to itself"),
    ("duplicate edge", lambda: {"adjacency__csv": FILES["adjacency.csv"] + "B,A,5,border,\n"},
     r"adjacency\.csv, row 6, field 'unit_b': edge B-A is listed twice \(first on row 2; an edge is undirected\)"),
    ("island not linked", lambda: {"adjacency__csv": FILES["adjacency.csv"].replace("D,I,0,link,ferry\n", "")},
     r"adjacency\.csv: the adjacency graph is not connected: I \(Isle\) cannot reach the rest"),
    ("indicator non-numeric", lambda: {"indicators__csv": FILES["indicators.csv"].replace("3.5", "high")},
     r"indicators\.csv, row 4, field 'need': 'high' is not a number"),
    ("indicator unknown direction", lambda: {"indicator_meta__csv": FILES["indicator_meta.csv"].replace(
        "higher_is_worse", "up")}, r"indicator_meta\.csv, row 2, field 'direction'"),
    ("age table total", lambda: {"population_age_sex__csv": "code,sex,0,1\n" + "".join(
        f"{c},{s},{n},0\n" for c, n in zip("ABCDI", (50, 100, 150, 200, 25), strict=True) for s in "FM"
    ).replace("A,M,50", "A,M,51")},
     r"population_age_sex\.csv, row 2, field 'code': ages of A sum to 101 but units\.csv says 100"),
    ("bad manifest", lambda: {"manifest__json": "{not json"}, r"manifest\.json: invalid JSON"),
    ("cover weights", lambda: {"memberships__csv": FILES["memberships.csv"].replace("E,C,E2,0.5", "E,C,E2,0.4")},
     r"memberships\.csv, row 10, field 'weight': weights of unit C in layer E sum to 0.9, not 1"),
    ("partial in two areas", lambda: {"areas__csv": FILES["areas.csv"] + "C,C2,Combined two\n",
                                      "memberships__csv": FILES["memberships.csv"] + "C,A,C2,1\n"},
     r"memberships\.csv, field 'unit_code': partial layer C puts unit A in 2 areas"),
    ("area with no units", lambda: {"areas__csv": FILES["areas.csv"] + "H,H3,Health three\n"},
     r"areas\.csv, row 7, field 'area_code': area H3 of layer H has no units in memberships\.csv"),
    ("duplicate area", lambda: {"areas__csv": FILES["areas.csv"] + "E,E1,Econ again\n"},
     r"areas\.csv, row 7, field 'area_code': duplicate area 'E, E1'"),
    ("areas of unknown layer", lambda: {"areas__csv": FILES["areas.csv"] + "Q,Q1,Nowhere\n"},
     r"areas\.csv, row 7, field 'layer': unknown layer 'Q'"),
    ("extra cell shifts nothing", lambda: {"units__csv": FILES["units.csv"].replace("A,Alpha,100", "A,Alpha,100,9")},
     r"units\.csv, row 2: has 4 cells but the header has 3 columns"),
    ("blank row", lambda: {"units__csv": FILES["units.csv"].replace("B,Beta,200\n", "\nB,Beta,200\n")},
     r"units\.csv, row 3: row is empty"),
    ("empty file", lambda: {"units__csv": ""}, r"units\.csv: cannot be read as CSV \(the file is empty"),
    ("indicator unknown unit", lambda: {"indicators__csv": FILES["indicators.csv"] + "Z,1,2\n"},
     r"indicators\.csv, row 7, field 'code': unknown unit code 'Z'"),
    ("indicator duplicate unit", lambda: {"indicators__csv": FILES["indicators.csv"] + "A,1,2\n"},
     r"indicators\.csv, row 7, field 'code': duplicate unit code 'A'"),
    ("indicator without meta", lambda: {"indicators__csv": FILES["indicators.csv"].replace("jobs\n", "jobs,x\n")},
     r"indicators\.csv, field 'x': column has no entry in indicator_meta\.csv"),
    ("adjacency negative length", lambda: {"adjacency__csv": FILES["adjacency.csv"].replace("A,B,1000", "A,B,-1")},
     r"adjacency\.csv, row 2, field 'length_m': must be at least 0, not -1"),
    ("adjacency unknown kind", lambda: {"adjacency__csv": FILES["adjacency.csv"].replace("D,I,0,link", "D,I,0,road")},
     r"adjacency\.csv, row 5, field 'kind': unknown edge kind"),
]


@pytest.mark.parametrize(("label", "changes", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_names_file_row_and_field(
    tmp_path: Path, label: str, changes: Callable[[], dict[str, str | None]], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        load_geography(write(tmp_path, **changes()))


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="geography directory not found"):
        load_geography(tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"units\.csv: is a file, not a geography directory"):
        load_geography(write(tmp_path) / "units.csv")


def test_non_utf8_file_names_its_line(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "units.csv").write_bytes(FILES["units.csv"].replace("Gamma", "G\u00e9mma").encode("latin-1"))
    with pytest.raises(InputError, match=r"units\.csv, row 4: is not UTF-8 text \(byte 0xe9 on line 4\)"):
        load_geography(tmp_path)


def test_spreadsheet_byte_order_mark_and_trailing_blank_lines_are_accepted(tmp_path: Path) -> None:
    geo = load_geography(write(tmp_path, units__csv="\ufeff" + FILES["units.csv"] + "\n\n"))
    assert geo.units.codes == ("A", "B", "C", "D", "I") and geo.units.total_population == 1050


def test_quoted_names_with_commas(tmp_path: Path) -> None:
    geo = load_geography(write(tmp_path, units__csv=FILES["units.csv"].replace("Alpha", '"Alpha, upon Sea"')))
    assert geo.units.names[0] == "Alpha, upon Sea"


def _square(code: str, x: float) -> str:
    ring = [[x, 50.0], [x + 0.1, 50.0], [x + 0.1, 50.1], [x, 50.1], [x, 50.0]]
    return json.dumps({"type": "Feature", "properties": {"code": code},
                       "geometry": {"type": "Polygon", "coordinates": [ring]}})


def geometry_text(codes: str) -> str:
    features = ",".join(_square(c, i * 0.2) for i, c in enumerate(codes))
    return '{"type": "FeatureCollection", "features": [' + features + "]}"


def test_display_geometry_in_unit_order(tmp_path: Path) -> None:
    geo = load_geography(write(tmp_path, geometry__geojson=geometry_text("IDCBA")))
    gdf = geo.display_geometry()
    assert gdf["code"].tolist() == ["A", "B", "C", "D", "I"]
    assert gdf.crs.to_epsg() == 4326


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", r"geometry\.geojson: cannot be read as GeoJSON"),
    (geometry_text("ABCD"), r"geometry\.geojson, field 'code': no boundary for unit I \(1 missing\)"),
    (geometry_text("ABCDIA"), r"geometry\.geojson, field 'code': unit A has two features"),
])
def test_bad_display_geometry_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    geo = load_geography(write(tmp_path, geometry__geojson=text))
    with pytest.raises(InputError, match=message):
        geo.display_geometry()

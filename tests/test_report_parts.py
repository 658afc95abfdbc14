"""The report's building blocks: hex layout, SVG output, colours, sources parsing, input checks, formatting."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from devoplan.errors import InputError
from devoplan.plan import Plan
from devoplan.report.data import check_allocations, funding_view, read_allocations
from devoplan.report.figures import _compact_path, new_figure, to_svg
from devoplan.report.geometry import distinct_colours, drop_specks
from devoplan.report.hexmap import hex_layout, layout_from_cells, read_hexjson
from devoplan.report.sources import attribution_rows, attribution_statements, data_sources, licence_in
from devoplan.report.tables import fmt, money
from devoplan.testing.report import synthetic_allocations, tiny_geography

H = math.sqrt(3) / 2


def test_odd_r_shifts_odd_rows_right_by_half_a_hex() -> None:
    layout = layout_from_cells("odd-r", {"a": (0, 0), "b": (0, 1), "c": (2, -1)}, ("a", "b", "c", "missing"))
    assert np.allclose(layout.centres[:3], [[0, 0], [0.5, H], [2.5, -H]])
    assert layout.missing == ("missing",) and layout.present.tolist() == [0, 1, 2]
    # pointy-topped hexes of width 1: the top vertex is 1/sqrt(3) above the centre
    assert np.isclose(layout.offsets[:, 1].max(), 1 / math.sqrt(3))
    assert np.isclose(layout.offsets[:, 0].max() - layout.offsets[:, 0].min(), 1.0)


def test_even_r_and_odd_q_layouts() -> None:
    even = layout_from_cells("even-r", {"a": (0, 0), "b": (0, 1)}, ("a", "b"))
    assert np.allclose(even.centres, [[0.5, 0], [0, H]])
    odd_q = layout_from_cells("odd-q", {"a": (1, 0), "b": (2, 0)}, ("a", "b"))
    assert np.allclose(odd_q.centres, [[H, 0.5], [2 * H, 0]])


def test_bad_hexjson_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "h.hexjson"
    path.write_text('{"layout": "diagonal", "hexes": {}}')
    with pytest.raises(InputError, match=r"field 'layout': unknown HexJSON layout 'diagonal'; allowed: odd-r"):
        read_hexjson(path)
    path.write_text('{"layout": "odd-r", "hexes": {"A": {"q": "x", "r": 1}}}')
    with pytest.raises(InputError, match="hex A has no integer q and r"):
        read_hexjson(path)


def test_tiny_geography_hex_layout_covers_every_unit(tmp_path: Path) -> None:
    layout = hex_layout(tiny_geography(tmp_path))
    assert layout is not None and layout.missing == () and len(layout.polygons()) == 6


def test_svg_ids_are_prefixed_and_references_stay_inside_the_figure() -> None:
    fig = new_figure(3, 2)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("a < b & c")
    one, two = to_svg(fig, "f1", title="First"), to_svg(fig, "f2")
    ids1, ids2 = set(re.findall(r'id="([^"]+)"', one)), set(re.findall(r'id="([^"]+)"', two))
    assert ids1 and all(i.startswith("f1-") for i in ids1) and not ids1 & ids2
    refs = set(re.findall(r'url\(#([^)]+)\)', one)) | set(re.findall(r'href="#([^"]+)"', one))
    assert refs <= ids1
    assert one.startswith("<svg") and 'aria-label="First"' in one and "<?xml" not in one
    assert "a &lt; b &amp; c" in one  # text stays text (svg.fonttype none)


def test_compact_path_rounds_to_a_tenth_and_drops_repeated_points() -> None:
    d = "M 10.04 20.0 \nL 10.01 20.02 L 30.56 -0.04 L 30.58 -0.01 C 1 2 3 4 5 6 L 5 6 z"
    assert _compact_path(d) == "M 10 20 L 30.6 -0 C 1 2 3 4 5 6 L 5 6 z"


def test_neighbouring_areas_get_different_colours(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    plan = Plan.from_labels(geo.units.codes, ["x", "y", "z", "x", "y", "z"])
    colours = distinct_colours(geo, plan, ["red", "blue", "green"])
    assert colours[0] != colours[1] and colours[1] != colours[2]
    assert colours == distinct_colours(geo, plan, ["red", "blue", "green"])  # deterministic


def test_drop_specks_keeps_big_parts_and_never_empties() -> None:
    import shapely

    big = shapely.box(0, 0, 10, 10)
    speck = shapely.box(20, 20, 20.1, 20.1)
    assert drop_specks(shapely.MultiPolygon([big, speck]), 1.0).equals(big)
    assert drop_specks(speck, 1.0).equals(speck)


def test_attribution_tables_and_indicator_sources(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    assert attribution_rows(geo) == [("District boundaries", "Office for Tests", "OGL v3.0"),
                                     ("Hex layout", "Open Hexes", "CC BY 4.0")]
    rows = data_sources(geo)
    assert rows[-1] == ("Need score (2025)", "Ministry of Tests need survey (Open Government Licence v3.0)",
                        "Open Government Licence v3.0")
    assert licence_in("data under CC BY 4.0, see") == "CC BY 4.0"
    assert licence_in("Contains OS data; OGL v3.0.") == "OGL v3.0"
    assert licence_in("no licence named") is None


def test_funding_view_pivots_the_all_lines_rows_in_plan_order(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    plan = Plan.from_layer(geo, "ICB").renamed(["H2", "H1"], ["two", "one"])  # codes swapped on purpose
    fv = funding_view(synthetic_allocations(), plan)
    assert fv.years == ("2026/27", "2027/28")
    # plan area 0 is now coded H2: its numbers come from the H2 rows
    assert fv.allocation.tolist() == [[2_100_000.0, 700_000.0], [2_100_000.0, 735_000.0]]
    assert fv.population.tolist() == [1400.0, 700.0]
    assert fv.p5 is not None and fv.p5[0].tolist() == [1460.0, 960.0]


@pytest.mark.parametrize(("change", "message"), [
    (lambda df: df.drop(columns=["allocation"]), r"field 'allocation': missing column 'allocation'"),
    (lambda df: df[df["line"] != "all"], r"field 'line': no rows with line 'all'"),
    (lambda df: df.assign(area_code=df["area_code"].replace("H2", "H9")), r"row 3, field 'area_code': area 'H9'"),
    (lambda df: df[~((df["year"] == "2027/28") & (df["area_code"] == "H1"))],
     r"year 2027/28 has no row for plan area 'H1'"),
    (lambda df: df.assign(per_head=df["per_head"].astype(object).where(df.index != 5, "lots")),
     r"row 7, field 'per_head': 'lots' is not a number"),
])
def test_bad_allocation_tables_are_rejected_with_row_and_field(tmp_path: Path, change: object,
                                                                message: str) -> None:
    geo = tiny_geography(tmp_path / "geo")
    plan = Plan.from_layer(geo, "ICB")
    df = change(synthetic_allocations())  # type: ignore[operator]
    df.to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(InputError, match=message):
        read_allocations(tmp_path / "a.csv", plan)


def test_allocations_for_another_plan_are_rejected(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    with pytest.raises(InputError, match="area 'H1' is not in the plan"):
        check_allocations(synthetic_allocations(), Plan.from_layer(geo, "PFA"), "a.csv")


def test_number_formatting() -> None:
    assert fmt(1234567) == "1,234,567" and fmt(0.123456) == "0.123" and fmt(None) == "–"
    assert fmt(float("nan")) == "–" and fmt(float("inf")) == "∞" and fmt(12345.6) == "12,346"
    assert money(108e9, unit="bn") == "£108.00bn" and money(2_345_678) == "£2.3m" and money(999.4, unit="") == "£999"


def test_attribution_paragraphs_with_bold_file_names(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    (tmp_path / "ATTRIBUTION.md").write_text(
        "# Sources\n\nUnless stated otherwise, [Open Government Licence v3.0](https://example.org/ogl).\n\n"
        "* Contains OS data © Crown copyright.\n\n"
        "**`units.csv`** — Census 2021 table TS009,\nvia Nomis.\n\n"
        "**`hexmap.hexjson`** — Open Innovations hexes. MIT licence, not OGL.\n", encoding="utf-8")
    assert attribution_rows(geo) == [
        ("units.csv", "Census 2021 table TS009, via Nomis.", "Open Government Licence v3.0"),
        ("hexmap.hexjson", "Open Innovations hexes. MIT licence, not OGL.", "MIT licence"),
    ]
    assert attribution_statements(geo) == ["Contains OS data © Crown copyright."]
    assert data_sources(geo)[-1][2] == "Open Government Licence v3.0"  # the indicator names its own


def test_hex_neighbours_are_one_hex_width_apart() -> None:
    layout = layout_from_cells("odd-r", {"a": (0, 0), "b": (1, 0), "c": (0, 1), "d": (3, 0), "e": (0, 2)},
                               ("a", "b", "c", "d", "e"))
    pairs = {tuple(sorted(p)) for p in layout.neighbour_pairs().tolist()}
    # c (0, 1) sits half a hex right of row 0: it touches a and b; e (0, 2) is straight above c's left
    assert pairs == {(0, 1), (0, 2), (1, 2), (2, 4)}


def test_comparison_table_round_trips_and_reads_older_files(tmp_path: Path) -> None:
    from devoplan.metrics.scalars import ScoreOptions, plan_scalars
    from devoplan.report.comparison import ComparisonTable, comparison_table

    geo = tiny_geography(tmp_path)
    plan = Plan.from_labels(geo.units.codes, ["a"] * (geo.n_units // 2) + ["b"] * (geo.n_units - geo.n_units // 2))
    table = comparison_table(geo, plan, today=tuple(geo.layers)[:1])
    assert ComparisonTable.from_dict(table.to_dict()) == table
    key = next(iter(geo.layers))
    assert table.column_of(key) == 1 and table.areas[0] == 2
    metric = f"coterminosity@{key}"
    today = plan_scalars(geo, Plan.from_layer(geo, key), ScoreOptions())
    assert table.value(metric, 1) == pytest.approx(today[metric]) and table.value("no such measure", 0) is None
    older = table.to_dict()
    del older["layers"]
    for row in older["rows"]:
        del row["words"]
    again = ComparisonTable.from_dict(older)
    assert again.rows == table.rows and again.column_of(table.columns[1].removeprefix("Today's ")) == 1

"""The bundle builder: byte-for-byte rebuild of the committed bundle, clear errors for bad sources,
and the small derivation steps on hand-built inputs with hand-worked answers."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from devoplan.build.adjacency import ISLAND_LINKS, add_links, border_edges, point_contacts
from devoplan.build.bundle import DEFAULT_OUT, build_bundle, write_atomically
from devoplan.build.indicators import _to_2024
from devoplan.build.layers import _single_area, apportion
from devoplan.build.output import fmt_number
from devoplan.build.sources import POPULATION_LAD24, SourceDir
from devoplan.build.units import build_units
from devoplan.errors import InputError


def _source_dir() -> Path:
    env = os.environ.get("DEVOPLAN_SOURCE")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


SOURCE = _source_dir()


@pytest.mark.slow
@pytest.mark.skipif(not SOURCE.is_dir(), reason=f"official source data not found at {SOURCE} (set DEVOPLAN_SOURCE)")
def test_rebuild_reproduces_committed_bundle_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "england2024"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "an earlier build"}\n')
    (out / "stale.csv").write_text("left over from an earlier build\n")
    report = build_bundle(SOURCE, out)
    built = sorted(p.name for p in out.iterdir())
    committed = sorted(p.name for p in DEFAULT_OUT.iterdir())
    assert built == committed  # the stale file is gone: the directory was replaced, not patched
    for name in committed:
        assert (out / name).read_bytes() == (DEFAULT_OUT / name).read_bytes(), (
            f"{name} differs from the committed bundle"
        )
    assert report.facts["units"] == "296"
    assert report.total_bytes < 3_000_000


def _population_source(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / POPULATION_LAD24
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([header, *rows]) + "\n")
    return tmp_path


def test_missing_column_is_an_input_error_naming_file_and_column(tmp_path: Path) -> None:
    root = _population_source(tmp_path, "LAD24CD,LAD24NM,sex,age,count", ["E06000001,Hartlepool,F,0,449"])
    with pytest.raises(InputError, match=r"census2021_sex_single_year_age_lad24_england\.csv.*'population'") as info:
        build_units(SourceDir.open(root))
    assert info.value.field == "population"


def test_non_numeric_cell_names_its_row(tmp_path: Path) -> None:
    root = _population_source(
        tmp_path, "LAD24CD,LAD24NM,sex,age,population", ["E06000001,Hartlepool,F,0,449", "E06000001,Hartlepool,F,1,x"]
    )
    with pytest.raises(InputError, match=r"row 3, field 'population'"):
        build_units(SourceDir.open(root))


def test_incomplete_age_table_is_rejected(tmp_path: Path) -> None:
    root = _population_source(tmp_path, "LAD24CD,LAD24NM,sex,age,population", ["E06000001,Hartlepool,F,0,449"])
    with pytest.raises(InputError, match=r"both sexes and ages 0\.\.90"):
        build_units(SourceDir.open(root))


def test_missing_directory_and_file_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="source directory not found"):
        build_bundle(tmp_path / "nope", tmp_path / "out")
    with pytest.raises(InputError, match=r"census2021_sex_single_year_age_lad24_england\.csv: source file not found"):
        build_bundle(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_cli_bad_source_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan.cli import main

    with pytest.raises(SystemExit) as info:
        main(["data", "build", "--source", str(tmp_path / "missing"), "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert "source directory not found" in capsys.readouterr().err


def test_write_atomically_replaces_directory(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    write_atomically({"manifest.json": "{}\n", "a.csv": "x\n1\n", "b.csv": "y\n"}, out)
    write_atomically({"manifest.json": "{}\n", "a.csv": "x\n2\n"}, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]  # no temp or backup left
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "manifest.json"]
    assert (out / "a.csv").read_text() == "x\n2\n"


def test_write_atomically_never_replaces_what_is_not_a_bundle(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me\n")
    with pytest.raises(InputError, match="not a directory; refusing to replace it"):
        write_atomically({"a.csv": "x\n"}, a_file)
    other = tmp_path / "project"
    other.mkdir()
    (other / "README.md").write_text("keep me too\n")
    with pytest.raises(InputError, match=r"holds no manifest\.json"):
        write_atomically({"a.csv": "x\n"}, other)
    assert a_file.read_text() == "keep me\n" and (other / "README.md").read_text() == "keep me too\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "project"]
    empty = tmp_path / "empty"
    empty.mkdir()
    write_atomically({"a.csv": "x\n"}, empty)
    assert (empty / "a.csv").read_text() == "x\n"


def test_cli_refuses_to_overwrite_a_non_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan.cli import main

    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work\n")
    with pytest.raises(SystemExit) as info:
        main(["data", "build", "--source", str(tmp_path / "missing"), "--out", str(target)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "refusing to replace it" in err and len(err.strip().splitlines()) == 1
    assert (target / "thesis.tex").read_text() == "years of work\n"


def test_apportion_sums_exactly_to_one() -> None:
    # 346/379 = 0.9129287..., 30/379 = 0.0791556..., 3/379 = 0.0079155... -> millionths 912929 + 79156 + 7915
    shares = apportion(np.array([346, 30, 3]))
    assert (shares * 1_000_000).round().astype(int).tolist() == [912929, 79156, 7915]
    assert int((shares * 1_000_000).round().sum()) == 1_000_000
    thirds = apportion(np.array([1, 1, 1]))
    assert (thirds * 1_000_000).round().astype(int).tolist() == [333334, 333333, 333333]


def test_fmt_number() -> None:
    assert fmt_number(0.5, 6) == "0.5"
    assert fmt_number(1.0, 6) == "1"
    assert fmt_number(13337.2999, 1) == "13337.3"
    assert fmt_number(float("nan"), 4) == ""
    assert fmt_number(-0.00001, 2) == "0"


def _grid(codes: list[str]) -> gpd.GeoDataFrame:
    """A 2x2 grid of 1 km squares: a b / c d. a-d and b-c meet only at the centre point."""
    squares = [
        shapely.box(0, 1000, 1000, 2000),
        shapely.box(1000, 1000, 2000, 2000),
        shapely.box(0, 0, 1000, 1000),
        shapely.box(1000, 0, 2000, 1000),
    ]
    return gpd.GeoDataFrame({"code": codes, "name": codes}, geometry=squares, crs="EPSG:27700")


def test_border_edges_need_a_shared_line_not_a_point() -> None:
    grid = _grid(["a", "b", "c", "d"])
    edges = border_edges(grid)
    assert list(map(tuple, edges[["unit_a", "unit_b"]].to_numpy())) == [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    assert edges["length_m"].tolist() == [1000.0] * 4
    assert point_contacts(grid) == 2


def test_island_links_join_the_graph_or_fail(tmp_path: Path) -> None:
    islands = sorted({c for lk in ISLAND_LINKS for c in (lk.unit_a, lk.unit_b)})
    mainland = pd.DataFrame(
        {
            "unit_a": ["E06000044", "E06000045", "E06000052"],
            "unit_b": ["E06000045", "E07000091", "E07000091"],
            "length_m": [1.0, 1.0, 1.0],
            "kind": "border",
            "note": "",
        }
    )
    src = SourceDir(tmp_path)
    edges = add_links(src, mainland, tuple(islands), ISLAND_LINKS)
    assert (edges["kind"] == "link").sum() == 4
    with pytest.raises(InputError, match="adjacency has 2 components"):
        add_links(src, mainland, (*islands, "E09000001"), ISLAND_LINKS)
    with pytest.raises(InputError, match="link E06000052-E06000053 names an unknown district"):
        add_links(src, mainland, tuple(c for c in islands if c != "E06000053"), ISLAND_LINKS)
    doubled = pd.concat([mainland, pd.DataFrame({"unit_a": ["E06000044"], "unit_b": ["E06000046"], "length_m": [3.0],
                                                 "kind": "border", "note": ""})])
    with pytest.raises(InputError, match="link E06000044-E06000046 duplicates a shared border"):
        add_links(src, doubled, tuple(islands), ISLAND_LINKS)


def test_2021_districts_map_to_2024_by_population_weighted_average() -> None:
    mapping = pd.DataFrame({"old": ["a", "b", "c", "d"], "code": ["X", "X", "Y", "Z"]})
    values = pd.Series({"a": 10.0, "b": 20.0, "d": 5.0})  # c has no value
    weights = pd.Series({"a": 1.0, "b": 3.0, "c": 2.0, "d": 7.0})
    result = _to_2024(values, weights, mapping, ("X", "Y", "Z"))
    assert result[0] == pytest.approx((10 * 1 + 20 * 3) / 4)  # 17.5
    assert np.isnan(result[1])
    assert result[2] == 5.0


def _lookup(tmp_path: Path, rows: list[str]) -> SourceDir:
    path = tmp_path / "lookups" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(["LAD24CD,AREACD,AREANM", *rows]) + "\n")
    return SourceDir(tmp_path)


def test_single_area_lookup_merges_repeats_and_drops_wales(tmp_path: Path) -> None:
    src = _lookup(tmp_path, ["E06000001,A1,Alpha", "E06000001,A1,Alpha", "W06000001,W1,Wales", "E06000002,A1,Alpha"])
    areas, members = _single_area("LAD24CD", "AREACD", "AREANM", "lookups/x.csv")(src, ("E06000001", "E06000002"))
    assert areas.to_numpy().tolist() == [["A1", "Alpha"]]
    assert members.to_numpy().tolist() == [["E06000001", "A1", 1.0], ["E06000002", "A1", 1.0]]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["E06000001,A1,Alpha", "E06000001,A2,Beta"], "district E06000001 is in more than one area"),
        (["E06000001,A1,Alpha", "E06000099,A1,Alpha"], "district E06000099 is not an England 2024 district"),
        (["E06000001,A1,Alpha", "E06000002,A1,Alfa"], "area A1 has more than one name"),
    ],
)
def test_single_area_lookup_errors(tmp_path: Path, rows: list[str], message: str) -> None:
    src = _lookup(tmp_path, rows)
    with pytest.raises(InputError, match=message):
        _single_area("LAD24CD", "AREACD", "AREANM", "lookups/x.csv")(src, ("E06000001", "E06000002"))


def test_bad_cell_after_dropped_welsh_rows_names_its_row_in_the_file(tmp_path: Path) -> None:
    from devoplan.build.layers import _read_icb
    from devoplan.build.sources import ICB_LOOKUP

    path = tmp_path / ICB_LOOKUP
    path.parent.mkdir(parents=True)
    path.write_text(
        "LAD24CD,ICB24CD,ICB24NM,n_lsoa21\n"
        "W06000001,W1,Wales,5\nW06000002,W1,Wales,6\nE06000001,E54000050,North East,x\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"row 4, field 'n_lsoa21': not a number: 'x'"):
        _read_icb(SourceDir(tmp_path), ("E06000001",))


def test_unreadable_source_csv_is_one_line(tmp_path: Path) -> None:
    root = _population_source(tmp_path, "LAD24CD,LAD24NM,sex,age,population", ['E06000001,"Hartlepool,F,0,449'])
    (tmp_path / POPULATION_LAD24).write_bytes(b"LAD24CD,LAD24NM\n\"a,b\n")
    with pytest.raises(InputError) as info:
        build_units(SourceDir.open(root))
    assert "cannot be read as CSV (Error tokenizing data" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(not SOURCE.is_dir(), reason=f"official source data not found at {SOURCE} (set DEVOPLAN_SOURCE)")
def test_merged_2023_districts_get_population_weighted_values_from_the_real_sources() -> None:
    """Cumberland (E06000063) = Allerdale + Carlisle + Copeland, recomputed here with plain pandas from
    the official files and compared with the committed bundle."""
    parts = ["E07000026", "E07000028", "E07000029"]
    pop = pd.read_csv(SOURCE / "population" / "census2021_sex_single_year_age_lad22_england_wales.csv")
    weights = pop[pop["LAD22CD"].isin(parts)].groupby("LAD22CD")["population"].sum()
    hi = pd.read_csv(SOURCE / "indicators" / "ons_health_index_indicators_2015_2021_long.csv")
    smoking = hi[(hi["indicator"] == "Smoking") & (hi["year"] == 2021) & hi["AREA_CD"].isin(parts)]
    smoking = smoking.set_index("AREA_CD")["value"]
    expected_smoking = float((smoking * weights).sum() / weights.sum())
    aps = pd.read_csv(SOURCE / "indicators" / "aps_employment_16_64_lad21_2018_2022.csv")
    aps = aps[(aps["period"] == "Oct 2021-Sep 2022") & aps["AREA_CD"].isin(parts)]
    expected_employment = float(100 * aps["in_employment"].sum() / aps["pop_16_64"].sum())
    bundle = pd.read_csv(DEFAULT_OUT / "indicators.csv").set_index("code")
    assert len(smoking) == 3 and len(aps) == 3
    assert bundle.loc["E06000063", "smoking"] == pytest.approx(expected_smoking, abs=5e-5)
    assert bundle.loc["E06000063", "employment_rate"] == pytest.approx(expected_employment, abs=5e-5)
    # and not the unweighted mean, which differs in the third decimal
    assert abs(float(smoking.mean()) - expected_smoking) > 1e-3

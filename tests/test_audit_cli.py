"""`devoplan audit` and `devoplan score` through the CLI, on the six districts written as a directory."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from devoplan.testing.cli import run_cli as run

FILES: dict[str, str] = {
    "manifest.json": json.dumps({"name": "Six", "format": 1}),
    "units.csv": "code,name,population\n" + "".join(f"U{i},District U{i},{100 * i}\n" for i in range(1, 7)),
    "layers.csv": ("layer,name,kind,vintage,source\nH,H areas,partition,2024,test\nE,E areas,cover,2021,test\n"
                   "C,C areas,partial,2024,test\nT,T areas,partition,2023,test\n"),
    "areas.csv": ("layer,area_code,area_name\nH,H1,H1 name\nH,H2,H2 name\nE,E1,E1 name\nE,E2,E2 name\n"
                  "C,C1,C1 name\nT,T1,T1 name\nT,T2,T2 name\nT,T3,T3 name\n"),
    "memberships.csv": (
        "layer,unit_code,area_code,weight\n"
        "H,U1,H1,1\nH,U2,H1,1\nH,U3,H1,0.5\nH,U3,H2,0.5\nH,U4,H2,1\nH,U5,H2,1\nH,U6,H2,1\n"
        "E,U1,E1,1\nE,U2,E1,1\nE,U3,E1,1\nE,U4,E1,0.5\nE,U4,E2,0.5\nE,U5,E2,1\nE,U6,E2,1\n"
        "C,U5,C1,1\nC,U6,C1,1\n"
        "T,U1,T1,1\nT,U2,T1,1\nT,U3,T2,1\nT,U4,T2,1\nT,U5,T3,1\nT,U6,T3,1\n"
    ),
    "adjacency.csv": ("unit_a,unit_b,length_m,kind,note\n"
                      + "".join(f"U{i},U{i + 1},10,border,\n" for i in range(1, 6))),
    "indicators.csv": "code,x\nU1,1\nU2,1\nU3,1\nU4,3\nU5,3\nU6,3\n",
    "indicator_meta.csv": "key,name,year,unit,direction,source\nx,Need,2024,score,higher_is_worse,test\n",
}
PLAN = "LAD24CD,area_code,area_name\nU1,A,Alpha\nU2,A,Alpha\nU3,A,Alpha\nU4,B,Beta\nU5,B,Beta\nU6,D,Delta\n"


@pytest.fixture
def geo_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "six"
    directory.mkdir()
    for name, text in FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_audit_json(geo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["audit", "-g", str(geo_dir), "--json"], capsys)
    assert code == 0
    result = json.loads(out)
    assert result["coterminosity"]["H"]["T"] == pytest.approx(67 / 84)
    assert result["containment"]["H"]["T"] == pytest.approx(2 / 3)


def test_audit_csv_has_one_row_per_pair(geo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["audit", "-g", str(geo_dir), "--csv", "--layers", "H,T,C"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["a"], r["b"]) for r in rows} == {("H", "T"), ("H", "C"), ("T", "C")}
    ht = next(r for r in rows if (r["a"], r["b"]) == ("H", "T"))
    assert float(ht["containment_ab"]) == pytest.approx(2 / 3) and ht["split_a"] == "2"


def test_audit_tables_and_words(geo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "audit"
    code, out, _ = run(["audit", "-g", str(geo_dir), "--out", str(out_dir), "--pair", "H:T"], capsys)
    assert code == 0
    assert "Coterminosity" in out and "Containment" in out
    assert "District U3 is split between 2 H areas" in out
    assert "District U4 sits in 2 E areas" in out
    assert "H areas spanning several T areas: 2" in out
    written = sorted(p.name for p in out_dir.iterdir() if p.name != ".devoplan-outputs.json")
    assert written == ["audit.json", "crossings.csv", "pairs.csv", "unit_splits.csv"]


def test_score_json_and_csv(geo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN, encoding="utf-8")
    code, out, _ = run(["score", str(plan), "-g", str(geo_dir), "--json", "--min-pop", "650",
                          "--identity", "T,C"], capsys)
    assert code == 0
    result = json.loads(out)
    assert result["scalars"]["balance.outside_bounds"] == 2
    assert result["scalars"]["containment_plan_in@T"] == pytest.approx(1400 / 2100)
    assert result["plan_metrics"]["identity"]["split_areas"]["T"] == {"T2": 2, "T3": 2}
    code, out, _ = run(["score", str(plan), "-g", str(geo_dir), "--csv"], capsys)
    rows = {r["metric"]: float(r["value"]) for r in csv.DictReader(io.StringIO(out))}
    assert rows["compactness.cut_edge_fraction"] == pytest.approx(0.4)


def test_score_table(geo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN.replace("U2,A,Alpha", "U2,D,Delta"), encoding="utf-8")  # A = U1, U3: two pieces
    code, out, _ = run(["score", str(plan), "-g", str(geo_dir), "--identity", "T", "--max-pop", "800"], capsys)
    assert code == 0
    assert "The plan against each layer" in out and "Non-contiguous areas: Alpha (A, 2 pieces)" in out
    # B = U4 + U5 = 900 people; D = U2 + U6 = 800 is within the bound; T1 = U1 (A) + U2 (D), ...
    assert "Areas outside the population bounds: Beta (900)" in out
    assert "T areas split by the plan: T1 name (T1) in 2 areas, T2 name (T2) in 2 areas, T3 name (T3) in 2 areas" in out


BAD_PLANS: list[tuple[str, str, str]] = [
    ("missing unit", PLAN.replace("U6,D,Delta\n", ""), "plan misses 1 of the 6 units, first U6"),
    ("unit twice", PLAN + "U2,B,Beta\n", "row 8, field 'LAD24CD': unit 'U2' appears twice"),
    ("unknown code", PLAN.replace("U4,", "E09000001,"), "row 5, field 'LAD24CD': unknown unit 'E09000001'"),
    ("non-numeric area", "LAD24CD,area\nU1,1\nU2,one\n", "row 3, field 'area': area 'one' is not a whole number"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_PLANS, ids=[c[0] for c in BAD_PLANS])
def test_bad_plan_is_one_line_and_exit_2(geo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         case: str, text: str, message: str) -> None:
    plan = tmp_path / "bad.csv"
    plan.write_text(text, encoding="utf-8")
    code, out, err = run(["score", str(plan), "-g", str(geo_dir)], capsys)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert f"{plan}" in err and message in err


def test_missing_plan_file_and_unknown_layer(geo_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["score", str(tmp_path / "nope.csv"), "-g", str(geo_dir)], capsys)
    assert code == 2 and "nope.csv: plan file not found" in err
    code, _, err = run(["audit", "-g", str(geo_dir), "--layers", "H,Z"], capsys)
    assert code == 2 and "unknown layer 'Z'; allowed: H, E, C, T" in err
    code, _, err = run(["audit", "-g", str(geo_dir), "--pair", "HT"], capsys)
    assert code == 2 and "--pair must look like A:B" in err
    code, _, err = run(["audit", "-g", str(geo_dir), "--layers", "H,T", "--pair", "H:E"], capsys)
    assert code == 2 and "--pair: layer 'E' is not among the audited layers (H, T)" in err


def test_json_is_strict_when_a_measure_is_undefined(geo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # C covers U5, U6 only; a second partial layer over U1, U2 shares no population with it
    (geo_dir / "layers.csv").write_text(FILES["layers.csv"] + "D,D areas,partial,2024,test\n", encoding="utf-8")
    (geo_dir / "areas.csv").write_text(FILES["areas.csv"] + "D,D1,D1 name\n", encoding="utf-8")
    (geo_dir / "memberships.csv").write_text(FILES["memberships.csv"] + "D,U1,D1,1\nD,U2,D1,1\n", encoding="utf-8")
    code, out, _ = run(["audit", "-g", str(geo_dir), "--json", "--layers", "C,D"], capsys)
    assert code == 0

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    result = json.loads(out, parse_constant=refuse)
    assert result["coterminosity"]["C"]["D"] is None and result["pairs"][0]["covered_share"] == 0.0
    code, out, _ = run(["audit", "-g", str(geo_dir), "--layers", "C,D"], capsys)
    assert code == 0 and "nan" not in out.lower()


def test_score_reads_a_geojson_plan(geo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    areas = [("A", ["U1", "U2", "U3"]), ("B", ["U4", "U5"]), ("D", ["U6"])]
    features = [{"type": "Feature", "geometry": None, "properties": {"area_code": c, "unit_codes": u}}
                for c, u in areas]
    plan = tmp_path / "plan.geojson"
    plan.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    code, out, _ = run(["score", str(plan), "-g", str(geo_dir), "--json"], capsys)
    assert code == 0 and json.loads(out)["scalars"]["containment_plan_in@T"] == pytest.approx(1400 / 2100)
    features[2]["properties"]["unit_codes"] = ["U6", "U1"]
    plan.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    code, out, err = run(["score", str(plan), "-g", str(geo_dir)], capsys)
    assert code == 2 and out == "" and err.strip().count("\n") == 0
    assert "field 'features[2].properties.unit_codes': unit 'U1' is listed in two areas (also features[0])" in err

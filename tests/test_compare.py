"""`devoplan compare`: plans side by side — measures, governance readiness and funding per area."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan.compare import compare_plans, from_dict
from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.plan import Plan
from devoplan.planio import write_plan_csv
from devoplan.testing.cli import run_cli

GEO = load_geography()


@pytest.fixture(scope="module")
def regions_vs_police() -> dict[str, object]:
    return compare_plans(GEO, [("Regions", Plan.from_layer(GEO, "REGION")),
                               ("Police", Plan.from_layer(GEO, "PFA"))]).to_dict()


def test_each_plan_is_measured_classified_and_funded_alike(regions_vs_police: dict[str, object]) -> None:
    doc = regions_vs_police
    assert doc["labels"] == ["Regions", "Police"]
    plans = doc["plans"]
    assert isinstance(plans, list)
    assert [p["areas"] for p in plans] == [9, GEO.layer("PFA").n_areas]
    for p in plans:
        assert sum(p["governance"].values()) == p["areas"]
        assert sum(a["population"] for a in p["area_list"]) == GEO.units.total_population
        # the same money goes to areas under either map, and each area's share adds up to it
        assert sum(a["allocation_first"] for a in p["area_list"]) == pytest.approx(p["to_areas"][0], rel=1e-9)
    assert plans[0]["to_areas"][0] == pytest.approx(plans[1]["to_areas"][0], rel=1e-9)
    rows = {m["metric"]: m["values"] for m in doc["metrics"]}  # type: ignore[union-attr]
    assert rows["coterminosity@REGION"][0] == pytest.approx(1.0)
    assert rows["balance.min_population"][0] == min(a["population"] for a in plans[0]["area_list"])
    london = next(a for a in plans[0]["area_list"] if a["name"] == "London")
    assert london["per_head_first"] == pytest.approx(london["allocation_first"] / london["population"])


def test_saved_comparison_reads_back(regions_vs_police: dict[str, object]) -> None:
    assert from_dict(regions_vs_police).to_dict() == regions_vs_police


def test_fewer_than_two_plans_or_shared_labels_are_refused() -> None:
    plan = Plan.from_layer(GEO, "REGION")
    with pytest.raises(DevoplanError, match="at least 2 plans"):
        compare_plans(GEO, [("Only", plan)])
    with pytest.raises(DevoplanError, match="share the label 'Same'"):
        compare_plans(GEO, [("Same", plan), ("Same", plan)])


def test_cli_json_table_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "regions"
    folder.mkdir()
    write_plan_csv(Plan.from_layer(GEO, "REGION"), folder / "plan.csv")
    code, out, err = run_cli(["compare", str(folder), "PFA", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["labels"] == ["regions", "PFA"]
    report = tmp_path / "cmp" / "report.html"
    code, out, err = run_cli(["compare", str(folder / "plan.csv"), "PFA", "--label", "Nine regions",
                              "--label", "Police <forces>", "--report", str(report)], capsys)
    assert code == 0, err
    assert "Who could run the areas" in out and "Nine regions" in out and "London" in out
    html = report.read_text(encoding="utf-8")
    assert 'id="scenarios"' in html and "Police &lt;forces&gt;" in html and "Police <forces>" not in html


@pytest.mark.parametrize(("argv", "message"), [
    (["REGION"], "at least 2 plans"),
    (["REGION", "nowhere.csv"], "nowhere.csv: plan file not found"),
    (["REGION", "NOTALAYER"], "not a plan file, a design output folder, nor a layer key"),
    (["REGION", "PFA", "--label", "one"], "--label given 1 times for 2 plans"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["compare", *argv], capsys)
    assert code == 2 and message in err and "Traceback" not in err

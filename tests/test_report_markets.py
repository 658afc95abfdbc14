"""The report's Markets section: market health of the plan's areas, the registry's contracts, card lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devoplan import load_geography
from devoplan.markets.document import contracts_document
from devoplan.markets.indigo import read_indigo
from devoplan.markets.places import place_registry
from devoplan.plan import Plan
from devoplan.planio import write_plan_csv
from devoplan.report.build import build_report, render_from_files
from devoplan.testing import line_geography, write_indigo_export
from devoplan.testing.cli import run_cli as run


def test_england_report_has_markets_with_contracts(tmp_path: Path) -> None:
    geo = load_geography()
    plan = Plan.from_layer(geo, "ICB26")
    doc = contracts_document(place_registry(geo, read_indigo(write_indigo_export(tmp_path / "export"))))
    html = build_report(geo, plan, tmp_path / "r.html", metrics=doc).read_text(encoding="utf-8")
    section = html[html.index('id="markets"'):html.index('id="cards"')]
    assert "<svg" in section and "Share of GP patients on APMS contracts" in section
    assert "outcome contracts" in section and "3 contracts in the registry, 2 placed" in section
    assert "£0.9m" in section  # the placed contracts' outcome payments
    assert html.count("<dt>Market</dt>") == plan.n_areas
    assert "GO Lab" in section


def test_report_without_registry_or_gp_table_says_so(tmp_path: Path) -> None:
    geo = load_geography()
    html = build_report(geo, Plan.from_layer(geo, "ICB26"), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No contract registry was given" in html
    tiny = line_geography([10, 20, 30])
    plan = Plan.from_labels(tiny.units.codes, ["A", "A", "B"])
    html = build_report(tiny, plan, tmp_path / "t.html").read_text(encoding="utf-8")
    assert "no GP practice table" in html


def test_report_reads_the_contracts_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_indigo_export(tmp_path / "export")
    code, out, _ = run(["contracts", str(folder), "--json"], capsys)
    assert code == 0
    contracts = tmp_path / "contracts.json"
    contracts.write_text(out, encoding="utf-8")
    geo = load_geography()
    plan_csv = write_plan_csv(Plan.from_layer(geo, "ICB26"), tmp_path / "plan.csv")
    path = render_from_files(plan_csv, None, contracts, tmp_path / "r.html", geography=geo)
    assert "2 placed in at least one district" in path.read_text(encoding="utf-8")
    bad = json.loads(out)
    bad["contracts"]["contracts"][0]["footprint"] = {"E00000000": 1.0}
    contracts.write_text(json.dumps(bad), encoding="utf-8")
    code, _, err = run(["report", "--plan", str(plan_csv), "--metrics", str(contracts), "--out",
                        str(tmp_path / "r2.html")], capsys)
    assert code == 2 and "contracts.json" in err and "unknown district 'E00000000'" in err

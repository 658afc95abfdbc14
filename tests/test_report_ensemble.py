"""The report's ensemble section: read from an ensemble folder, histograms with the plan marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from devoplan.design.options import DesignOptions
from devoplan.ensemble import EnsembleOptions, ensemble
from devoplan.ensemble.output import write_ensemble
from devoplan.ensemble.scoring import MetricSummary
from devoplan.errors import InputError
from devoplan.plan import Plan
from devoplan.report.document import EnsembleSummary
from devoplan.report.ensemble import ensemble_section, read_ensemble
from devoplan.report.figures import FigureSink
from devoplan.testing import grid_geography

GRID = grid_geography(8, 8, seed=3)
OPTS = DesignOptions(areas=4, health=("BLOCK",), economic=("SPLIT",), keep_whole=("UTLA",), do_not_cross=())


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ens") / "e"
    label = "<b>today</b>"
    result = ensemble(GRID, OPTS, EnsembleOptions(plans=40, chains=2, burn_in=2), seed=0,
                      compare=(label, Plan.from_layer(GRID, "SPLIT")))
    write_ensemble(GRID, result, out)
    return out


def test_section_charts_the_plan_among_the_ensemble(folder: Path) -> None:
    doc = read_ensemble(folder)
    assert "objective" in doc["values"] and len(doc["values"]["objective"]) == 40
    section = ensemble_section(EnsembleSummary.from_json(doc), FigureSink())
    assert section is not None and section.id == "ensemble"
    assert "<svg" in section.body and "percentile" in section.body
    assert "<b>today</b>" not in section.body and "&lt;b&gt;today&lt;/b&gt;" in section.body
    assert "40" in section.body


def test_no_ensemble_no_section() -> None:
    assert ensemble_section(None, FigureSink()) is None


def test_a_folder_without_an_ensemble_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"ensemble.json.*is missing"):
        read_ensemble(tmp_path)
    (tmp_path / "ensemble.json").write_text("{}")
    (tmp_path / "metrics.csv").write_text("plan\n0\n")
    with pytest.raises(InputError, match="is not an ensemble summary"):
        read_ensemble(tmp_path)


def test_report_shows_where_the_plan_falls(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan.planio import write_plan_csv
    from devoplan.report.build import render_from_files
    from devoplan.testing.cli import run_cli

    plan_csv = write_plan_csv(Plan.from_layer(GRID, "SPLIT"), tmp_path / "plan.csv")
    html = render_from_files(plan_csv, None, None, tmp_path / "r.html", geography=GRID,
                             ensemble=folder).read_text(encoding="utf-8")
    assert 'id="ensemble"' in html and "Is the plan unusual?" in html and "percentile" in html
    from devoplan import load_geography

    england_csv = write_plan_csv(Plan.from_layer(load_geography(), "ICB26"), tmp_path / "icb26.csv")
    code, _, err = run_cli(["report", "--plan", str(england_csv), "--ensemble", str(tmp_path / "nowhere"),
                            "--out", str(tmp_path / "r2.html")], capsys)
    assert code == 2 and "ensemble.json" in err and "is missing" in err


def test_every_varying_metric_is_charted_once_and_the_constant_ones_are_named(folder: Path) -> None:
    from devoplan.report.ensemble import chart_groups, constant_metrics

    doc = EnsembleSummary.from_json(read_ensemble(folder))
    rows = doc.metrics
    charted = [m for _, group in chart_groups(rows) for m in group]
    varying = [r.metric for r in rows if r.maximum > r.minimum]
    assert sorted(charted) == sorted(varying) and len(set(charted)) == len(charted)
    assert set(doc.values) == set(charted)
    same = constant_metrics(rows)
    assert same and not set(same) & set(charted)
    section = ensemble_section(doc, FigureSink())
    assert section is not None
    assert section.body.count("<svg") == len(chart_groups(rows))
    assert section.body.count("<details>") == len(chart_groups(rows)) - 1
    assert all(m in section.body for m in same)


def test_the_headline_figure_grows_with_the_layers() -> None:
    from devoplan.report.ensemble import ensemble_figure

    rows = tuple(MetricSummary(name, 3, 0.5, 0.5, 0.0, 0.05, 0.5, 0.95, 1.0, plan_value=0.5, percentile=50.0)
                 for name in ["objective", *(f"coterminosity@L{i}" for i in range(21))])
    doc = EnsembleSummary(3, 3, 2, 1, 10, 0, "plan", rows, {r.metric: (0.0, 0.5, 1.0) for r in rows})
    fig = ensemble_figure(doc)
    assert len(fig.axes) == 22  # no cap: six rows of four

"""The report's plain-language parts, number formatting for comparisons, map insets and output checks."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import shapely

from devoplan.cli import main
from devoplan.commands.demo import summary_lines
from devoplan.errors import InputError
from devoplan.pipeline import Headline, WinnersAndLosers
from devoplan.plan import Plan
from devoplan.planio import write_plan_csv
from devoplan.report.build import build_report, render_from_files
from devoplan.report.data import funding_view, plan_fingerprint
from devoplan.report.document import BoundFacts, DesignPart, FundingSummary, MetricsDocument, bound_facts
from devoplan.report.maps import _number_list, area_figure, crowded_cluster
from devoplan.report.sources import assumption_rows, format_value
from devoplan.report.tables import fmt_row
from devoplan.report.words import design_facts, findings
from devoplan.testing.report import synthetic_allocations, tiny_geography


def section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S)
    assert m, f"section {sid} missing"
    return m.group(1)


def test_fmt_row_formats_a_row_alike() -> None:
    assert fmt_row([0.89, 0.993, 1.0]) == ["0.890", "0.993", "1.000"]
    assert fmt_row([743755.0, 8584.0]) == ["743,755", "8,584"]
    # one outlier (1,024) does not round the typical ratios (about 4) to whole numbers
    assert fmt_row([3.93, 5.74, 27.9, 3.51, 1024.0]) == ["3.93", "5.74", "27.90", "3.51", "1,024.00"]
    assert fmt_row([None, 0.5]) == ["–", "0.500"]


def test_crowded_labels_are_found_and_enlarged_beside_the_map_not_over_it() -> None:
    # four labels within 1 unit of each other in a 100-unit map, two far apart
    points = np.array([[50, 50], [50.5, 50], [51, 50.5], [50, 51], [10, 90], [90, 10]], dtype=float)
    assert crowded_cluster(points, 100.0) == [0, 1, 2, 3]
    assert crowded_cluster(points[3:], 100.0) == []  # no three labels crowd
    assert _number_list([18, 28, 33, 34, 35, 36, 37]) == "19, 29, 34–38"
    cells = [shapely.box(x, y, x + 1, y + 1) for x, y in [(50, 50), (51, 50), (50, 51), (51, 51)]]
    areas = np.array([*cells, shapely.box(0, 80, 20, 100), shapely.box(80, 0, 100, 20)], dtype=object)
    fig, ax = area_figure(areas, ["#88CCEE"] * 6, points, [f"Area {i}" for i in range(6)], "t", width=0.5, size=6)
    fig.draw_without_rendering()
    inset, legend = (a for a in fig.axes if a is not ax)
    # the inset and the legend of names sit beside the map, overlapping none of it
    assert not ax.get_position().overlaps(inset.get_position())
    assert not ax.get_position().overlaps(legend.get_position())
    assert [t.get_text() for t in legend.texts if t.get_text().startswith("Area")] == [f"Area {i}" for i in range(6)]


def test_spec_figures_are_shown_in_pounds_and_percent() -> None:
    assert format_value("lines.health.total", 107_368_421_053.0) == "£107.37bn"
    assert format_value("lines.probation.total", 300_000_000.0) == "£300.0m"
    assert format_value("lines.health.growth", 0.03) == "3% a year"
    assert format_value("pace.convergence", 0.25) == "25% of the gap a year"
    assert format_value("lines.health.need.strength", 0.1) == "0.1"


def test_assumptions_name_the_indicator_a_weight_belongs_to(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('[lines.health.need]\n[[lines.health.need.indicators]]\nkey = "imd_score"\nweight = 0.4\n')
    funding = {"spec": {"file": str(spec)},
               "assumptions": [{"key": "lines.health.need.indicators[0].weight", "value": 0.4}]}
    rows = assumption_rows(FundingSummary.from_json(funding), {"imd_score": "Index of Multiple Deprivation"})
    assert rows == [("lines.health.need.indicators[0].weight (Index of Multiple Deprivation)", "0.4",
                     "assumption (no source given)")]
    funding["spec"] = {"file": str(tmp_path / "gone.toml")}  # saved outputs moved elsewhere: the key stays
    assert assumption_rows(FundingSummary.from_json(funding))[0][0] == "lines.health.need.indicators[0].weight"


def _split(layer: str, kind: str) -> dict[str, object]:
    """One entry of the audit's ``unit_splits`` as metrics.json holds it."""
    return {"layer": layer, "kind": kind, "unit_code": "U1", "unit_name": "District U1", "population": 100,
            "parts": [{"code": f"{layer}1", "name": f"{layer} one", "share": 0.5}], "text": "District U1 is split"}


def test_findings_are_assembled_from_the_figures(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    plan = Plan.from_layer(geo, "ICB")
    metrics = {
        "audit": {"coterminosity": {"ICB26": {"LSIP": 0.7512}},
                  "unit_splits": [_split("ICB26", "partition"), _split("LSIP", "cover")]},
        "comparison": {"columns": ["Proposed plan", "Today's 2026 ICBs", "Today's LSIP areas"],
                       "layers": [None, "ICB26", "LSIP"], "areas": [2, 2, 2],
                       "rows": [{"metric": "coterminosity@ICB26", "values": [0.9, 1.0, 0.7]},
                                {"metric": "coterminosity@LSIP", "values": [0.8, 0.7, 1.0]},
                                {"metric": "split_layer_areas@ICB26", "values": [1, 0, 1]},
                                {"metric": "split_layer_areas@LSIP", "values": [2, 1, 0]}]},
        "design": {"governance": {"H1": {"status": "new_combined_authority"},
                                  "H2": {"status": "existing_combined_authority"}}},
        "funding": {"baseline": {"assumption": True},
                    "winners_and_losers": {"year": "2027/28", "national_cash_growth_pct": 4.25, "n_winners": 1,
                                           "n_losers": 1}},
    }
    fv = funding_view(synthetic_allocations(), plan)
    text = findings(MetricsDocument.from_json(metrics), fv, plan.n_areas)
    assert text[0] == ("Today, the 2026 ICBs and the LSIP areas have a coterminosity of 0.751 with each other (1 = "
                       "the same map); 1 districts are split between 2026 ICBs and 1 sit in two or more LSIP areas.")
    assert text[1] == ("The proposed 2 areas have a coterminosity of 0.900 with the 2026 ICBs and 0.800 with the "
                       "LSIP areas; they split 1 of the 2 2026 ICBs and 2 of the 2 LSIP areas between areas.")
    partition = {**metrics, "audit": {"coterminosity": {"ICB26": {"LSIP": 0.75}}, "unit_splits": []}}
    assert findings(MetricsDocument.from_json(partition), fv, plan.n_areas)[0].endswith(
        "0 districts are split between 2026 ICBs and every district lies in one LSIP area.")
    assert text[2] == ("Who would run them: 1 could be run by an existing combined authority; "
                       "1 need a new combined authority.")
    # 2026/27: £700,000 + £2,100,000 = £2.8m for 2,100 residents = £1,333 per head
    assert text[3].startswith("The settlement gives areas £0.0bn in 2026/27 (£1,333 per head)")
    assert "1 areas grow faster than England's 4.2% cash growth" in text[3]
    other = findings(MetricsDocument.from_json(metrics), fv, plan.n_areas,  # a geography that is not England
                     national="the national")[3]
    assert "1 areas grow faster than the national 4.2% cash growth" in other and "England" not in other
    assert "The baseline is assumed, not measured" in text[3]
    del metrics["funding"]
    assert "assumed" not in findings(MetricsDocument.from_json(metrics), fv, plan.n_areas)[3]


def test_how_the_plan_was_found_in_words() -> None:
    design = {"facts": {"objective": 1.2, "starting_objective": 1.5, "lower_bound": 0.6, "gap_to_bound": "50.0%",
                        "min_population_bound": 800, "max_population_bound": 2000, "evaluations": 1000, "seed": 3,
                        "stopped_by": "budget"},
              "result": {"checks": {"ok": True}, "weights": {"health": 1.0, "compact": 0.5, "identity": 0.0},
                         "terms": {"health": 0.25, "compact": 0.4, "identity": 0.1}}}
    html = design_facts(DesignPart.from_json(design))
    assert "800–2,000 residents per area" in html and "all met" in html
    assert "1.200 (the starting plan scored 1.500)" in html
    assert "0.25" in html and "0.5 × 0.400" in html and "broken local identity" not in html  # zero weight left out
    assert "0.600: no plan meeting the same constraints can score below this (the term-wise relaxation)" in html
    assert "50.0%: the most a better plan could improve" in html and "(the relaxation may be loose)" in html
    assert "proven optimal" not in html  # facts from before the exact model: not proven
    assert "1,000 candidate plans scored with seed 3" in html
    assert design_facts(DesignPart.from_json({})) == ""


def _bound_html(**extra: object) -> str:
    facts = {"objective": 1.2, "lower_bound": 1.2, "gap_to_bound": "0.0%", **extra}
    return design_facts(DesignPart.from_json({"facts": facts}))


def test_a_proven_optimal_plan_is_called_optimal_not_bounded() -> None:
    html = _bound_html(proven_optimal=True, bound_kind="exact model", search_objective=1.2, improved_by_mip=0.0)
    assert ("yes: no plan meeting the same constraints scores lower on this objective (the exact "
            "model&#x27;s lower bound 1.200 meets it; gap 0.0%)") in html
    assert "may be loose" not in html and "gap to the bound" not in html and "improved on" not in html
    html = _bound_html(proven_optimal=True, bound_kind="exact model", search_objective=1.25, improved_by_mip=0.05)
    assert "proven optimal" in html
    assert "improved on the local search&#x27;s plan, which scored 1.250; this is the exact model&#x27;s plan" in html


def test_an_unproven_bound_says_which_kind_it_is() -> None:
    html = _bound_html(proven_optimal=False, bound_kind="exact model", lower_bound=1.1, gap_to_bound="8.3%")
    assert "1.100: no plan meeting the same constraints can score below this (the exact model&#x27;s LP " \
           "(Lagrangian) bound)" in html
    assert "8.3%: the most a better plan could improve on this one; it does not say a better plan exists<" in html
    assert "proven optimal" not in html and "may be loose" not in html
    note = "skipped: more than 2,000,000 connected sets of blocks to list; term-wise relaxation used"
    html = _bound_html(proven_optimal=False, bound_kind="term-wise relaxation", exact_model_note=note,
                       lower_bound=0.6, gap_to_bound="50.0%")
    assert f"(the term-wise relaxation; exact model {note})" in html and "(the relaxation may be loose)" in html


def test_bound_facts_read_a_saved_bound_and_old_files_as_not_proven() -> None:
    details = {"feasible_areas": 120, "closing_mip": "not needed", "search_objective": 1.2500000004,
               "improved_by_mip": 0.05}
    proven = bound_facts({"lower_bound": 1.2, "gap": 0.0, "proven_optimal": True, "details": details})
    assert proven.to_dict() == {
        "proven_optimal": True, "bound_kind": "exact model", "search_objective": 1.25, "improved_by_mip": 0.05}
    assert BoundFacts.from_facts(proven.to_dict()) == proven and proven.mip_improved
    unproven = bound_facts({"proven_optimal": False, "details": {**details, "improved_by_mip": 1e-12}})
    assert unproven.bound_kind == "exact model" and unproven.improved_by_mip == 0.0  # rounding noise
    assert not unproven.mip_improved
    note = "skipped: too many sets; term-wise relaxation used"
    assert bound_facts({"proven_optimal": False, "details": {"exact_model": note}}).to_dict() == {
        "proven_optimal": False, "bound_kind": "term-wise relaxation", "exact_model_note": note}
    generated = {"exact_model": "listing skipped; areas generated", "lagrangian_bound": 0.9, "termwise_bound": 0.5}
    assert bound_facts({"proven_optimal": False, "details": generated}).bound_kind == "exact model"
    weaker = generated | {"lagrangian_bound": 0.0}
    assert bound_facts({"proven_optimal": False, "details": weaker}).bound_kind == "term-wise relaxation"
    assert bound_facts({"lower_bound": 0.25, "gap": 0.5}).to_dict() == {"proven_optimal": False,
                                                                       "bound_kind": "term-wise relaxation"}


def test_metrics_for_another_plan_are_not_shown_under_this_one(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    plan = Plan.from_layer(geo, "ICB")
    other = Plan.from_layer(geo, "PFA")
    governance = {"H1": {"status": "existing_combined_authority", "body": "Old body"}}
    design = {"facts": {"objective": 9.87654}, "governance": governance}
    for fingerprint, shown in ((plan_fingerprint(geo, plan), True), (plan_fingerprint(geo, other), False)):
        metrics = {"plan": {"fingerprint": fingerprint}, "design": design}
        html = build_report(geo, plan, tmp_path / "r.html", metrics=metrics).read_text(encoding="utf-8")
        assert ("Old body" in section(html, "cards")) is shown
        assert ("9.877" in section(html, "areas")) is shown
        assert ("written for a different plan" in section(html, "summary")) is not shown
    assert plan_fingerprint(geo, plan) != plan_fingerprint(geo, other)


def test_allocations_with_other_populations_are_rejected(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    plan = Plan.from_layer(geo, "ICB")
    table = synthetic_allocations()
    table.loc[5, "population"] = 1399  # H2 in 2026/27 on the 'all' lines
    with pytest.raises(InputError, match=r"row 7, field 'population': area 'H2' has 1,399 residents here but "
                                         r"1,400 in the plan"):
        build_report(geo, plan, tmp_path / "r.html", allocations=table)


def test_report_out_must_be_a_writable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geo_dir = tmp_path / "geo"
    geo = tiny_geography(geo_dir)
    write_plan_csv(Plan.from_layer(geo, "ICB"), tmp_path / "plan.csv")
    (tmp_path / "afile").write_text("x")
    for out, message in ((tmp_path, "is a directory; --out names the HTML file to write"),
                         (tmp_path / "afile" / "r.html", "is a file, not a folder")):
        with pytest.raises(SystemExit) as exit_info:
            main(["report", "--plan", str(tmp_path / "plan.csv"), "--geography", str(geo_dir), "--out", str(out)])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and message in err and len(err.strip().splitlines()) == 1
    with pytest.raises(InputError, match="is a directory"):
        render_from_files(tmp_path / "plan.csv", None, None, tmp_path, geography=geo)


def test_demo_summary_lines_say_what_the_figures_mean() -> None:
    s = Headline(areas=38, population_min=743_755, population_max=2_919_650, bounds=(743_290, 2_973_160),
                 today_health_economic=0.7983, objective=1.17, lower_bound=0.46, gap_to_bound=0.606,
                 stopped_by="time", alignment={}, governance={"new_combined_authority": 25, "single_county": 3},
                 years=("2026/27", "2029/30"), to_areas={"2026/27": 108.0e9, "2029/30": 117.83e9},
                 per_head={"2026/27": 1911.8, "2029/30": 2085.8},
                 winners=WinnersAndLosers("2029/30", 12.309, 12, 26), baseline_assumed=True, baseline_assumed_lines=())
    lines = summary_lines(s)
    assert lines[0] == ("38 areas of 743,755–2,919,650 residents (allowed 743,290–2,973,160); today the 2026 ICBs "
                        "and the LSIP areas have a coterminosity of 0.798 with each other.")
    assert lines[1] == ("Optimiser: objective 1.170 (lower is better); the term-wise relaxation's lower bound is "
                        "0.460 (the exact model was skipped), so a better plan could improve it by at most 60.6% "
                        "(the bound may be loose).")
    assert lines[2] == "Who would run them: 25 need a new combined authority; 3 are a single county."
    assert lines[3] == ("Funding: £108.0bn to areas in 2026/27 (£1,912 per head) → £117.8bn in 2029/30; by 2029/30 "
                        "12 areas grow faster than England's 12.3% and 26 slower (against an assumed baseline: "
                        "devoplan holds no spending by area).")
    proven = replace(s, objective=0.4912, lower_bound=0.4912, gap_to_bound=0.0, proven_optimal=True,
                     bound_kind="exact model", search_objective=0.4912, improved_by_mip=0.0)
    assert summary_lines(proven)[1] == ("Optimiser: objective 0.491 (lower is better), proven optimal by the exact "
                                        "model: no plan meeting the same constraints scores lower (lower bound "
                                        "0.491, gap 0.0%).")
    improved = summary_lines(replace(proven, search_objective=0.5031, improved_by_mip=0.0119))[1]
    assert improved.endswith("gap 0.0%). The exact model improved on the local search's plan, which scored 0.503.")
    unproven = summary_lines(replace(proven, proven_optimal=False, lower_bound=0.48, gap_to_bound=0.0228))[1]
    assert unproven == ("Optimiser: objective 0.491 (lower is better); the exact model's LP (Lagrangian) lower "
                        "bound is 0.480, so a better plan could improve it by at most 2.3% (it does not say one "
                        "exists).")


def test_print_layout_is_a4_and_keeps_headings_with_their_content(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    html = build_report(geo, Plan.from_layer(geo, "ICB"), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "@page { size: A4" in html and "h3 { break-after: avoid; }" in html


def test_design_metrics_and_fund_summary_are_read_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geo_dir = tmp_path / "geo"
    geo = tiny_geography(geo_dir)
    plan = Plan.from_layer(geo, "ICB")  # H1 = A, B, D; H2 = C, E, F
    write_plan_csv(plan, tmp_path / "plan.csv")
    design = {"areas": 2, "seed": 7, "objective": 0.5, "start_objective": 0.75, "weights": {"health": 1.0},
              "terms": {"health": 0.5}, "population_bounds": {"min": 600, "max": 1500},
              "bound": {"lower_bound": 0.25, "gap": 0.5}, "search": {"evaluations": 1234, "stopped_by": "budget"},
              "checks": {"ok": True},
              "area_list": [{"code": "H1", "districts": ["A", "B", "D"],
                             "governance": {"status": "single_county", "body": "Zeta shire council"}},
                            {"code": "H2", "districts": ["C", "E", "F"],
                             "governance": {"status": "new_combined_authority"}}]}
    (tmp_path / "design.json").write_text(json.dumps(design))
    (tmp_path / "summary.json").write_text(json.dumps({"national": {}, "assumptions": [
        {"key": "pace.cap", "value": 0.06, "note": "devoplan's choice"}]}))
    html = render_from_files(tmp_path / "plan.csv", None, [tmp_path / "design.json", tmp_path / "summary.json"],
                             tmp_path / "r.html", geography=geo).read_text(encoding="utf-8")
    assert "single county: Zeta shire council" in section(html, "cards")
    assert "1,234 candidate plans scored with seed 7" in section(html, "areas")
    assert "600–1,500 residents per area" in section(html, "areas")
    assert "6% a year" in section(html, "sources") and "devoplan&#x27;s choice" in section(html, "sources")
    assert "(the relaxation may be loose)" in section(html, "areas")  # written before the exact model
    design["bound"] = {"lower_bound": 0.5, "gap": 0.0, "proven_optimal": True,
                       "details": {"feasible_areas": 40, "search_objective": 0.625, "improved_by_mip": 0.125}}
    (tmp_path / "design.json").write_text(json.dumps(design))
    areas = section(render_from_files(tmp_path / "plan.csv", None, tmp_path / "design.json", tmp_path / "r.html",
                                      geography=geo).read_text(encoding="utf-8"), "areas")
    assert "proven optimal" in areas and "gap 0.0%" in areas and "may be loose" not in areas
    assert "local search&#x27;s plan, which scored 0.625" in areas
    # the same design file with Beta moved to H2 describes another plan: its results are left out
    design["area_list"][0]["districts"] = ["A", "D"]  # type: ignore[index]
    design["area_list"][1]["districts"] = ["B", "C", "E", "F"]  # type: ignore[index]
    (tmp_path / "design.json").write_text(json.dumps(design))
    html = render_from_files(tmp_path / "plan.csv", None, tmp_path / "design.json", tmp_path / "r.html",
                             geography=geo).read_text(encoding="utf-8")
    assert "written for a different plan" in html and "Zeta shire council" not in html
    (tmp_path / "other.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--plan", str(tmp_path / "plan.csv"), "--geography", str(geo_dir),
              "--metrics", str(tmp_path / "other.json"), "--out", str(tmp_path / "x.html")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "other.json: not a metrics.json from devoplan demo or design" in err
    assert "(top-level keys: hello)" in err and not (tmp_path / "x.html").exists()

"""The HTML report on a tiny hand-built geography: sections, areas, hand-worked figures, self-containment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devoplan.cli import main
from devoplan.errors import InputError
from devoplan.plan import Plan
from devoplan.planio import write_plan_csv
from devoplan.report.build import build_report, render_from_files
from devoplan.report.sections import SECTION_IDS
from devoplan.testing.html import scan
from devoplan.testing.report import synthetic_allocations, tiny_geography


@pytest.fixture(scope="module")
def rendered_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render once for the module: the report and its PNG maps in ``<dir>/out``."""
    tmp_path = tmp_path_factory.mktemp("report")
    geo = tiny_geography(tmp_path / "geo")
    plan = Plan.from_layer(geo, "ICB")
    metrics = {"funding": {"assumptions": [{"key": "lines.skills.total", "value": 2.5e9,
                                            "note": "split of the non-health money not published"}],
                           "sources": [{"key": "lines.health.total", "value": 1.02e11,
                                        "source": "NHS England 2016-17 allocations"}]},
               "design": {"bounds": {"min_pop": 800, "max_pop": 2000},
                          "governance": {"H1": {"status": "new_combined_authority", "body": None,
                                                "note": "no existing body has this footprint"},
                                         "H2": {"status": "existing_combined_authority",
                                                "body": "North east combined", "note": "mayoral"}}}}
    build_report(geo, plan, tmp_path / "out" / "report.html", allocations=synthetic_allocations(),
                 metrics=metrics, png_dir=tmp_path / "out")
    return tmp_path / "out"


@pytest.fixture(scope="module")
def rendered(rendered_dir: Path) -> str:
    return (rendered_dir / "report.html").read_text(encoding="utf-8")


def section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S)
    assert m, f"section {sid} missing"
    return m.group(1)


def test_every_section_in_order_and_self_contained(rendered: str) -> None:
    s = scan(rendered)
    assert s.section_ids == list(SECTION_IDS)
    assert s.scripts == 0 and s.external == []
    assert "@media print" in rendered
    assert rendered.count("<svg") >= 7  # plan, hex, misalignment, population, 2 funding maps, 2 charts


def test_every_area_has_a_card_with_hand_worked_figures(rendered: str) -> None:
    cards = section(rendered, "cards")
    assert 'id="area-1"' in cards and 'id="area-2"' in cards and 'id="area-3"' not in cards
    h1 = re.search(r'id="area-1".*?</article>', cards, re.S).group(0)  # type: ignore[union-attr]
    h2 = re.search(r'id="area-2".*?</article>', cards, re.S).group(0)  # type: ignore[union-attr]
    assert "1. Health one" in h1 and "2. Health two" in h2
    assert "<dd>700</dd>" in h1 and "<dd>1,400</dd>" in h2
    # H1 = A, B, D: 650 of its 700 residents are in ICB H1 (A 100 + 3/4 of B's 200 + D 400) = 93%
    assert "Health one (93% of residents)" in h1
    # H2 = C, E, F in LEP L2: C 300 + half of E's 500 + F 600 = 1,150 of 1,400 = 82%
    assert "Enterprise two (82% of residents)" in h2
    assert "Alpha, Beta, Delta" in h1
    assert "£0.7m (£1,000 per head)" in h1 and "£0.7m (£1,050 per head)" in h1
    assert "-9.1% → -4.5%" in h1
    assert "£1,010–£1,110 per head (5th–95th)" in h1
    assert "new combined authority" in h1
    assert "existing combined authority: North east combined (mayoral)" in h2


def test_patchwork_names_the_split_districts(rendered: str) -> None:
    part = section(rendered, "patchwork")
    assert "1 districts split between ICBs" in part and "Beta is split between 2" in part
    assert "1 districts in two or more LEPs" in part and "Echo sits in 2" in part


def test_comparison_has_plan_and_todays_layers(rendered: str) -> None:
    part = section(rendered, "comparison")
    for col in ("Proposed plan", "Today&#x27;s ICBs", "Today&#x27;s LEPs", "Today&#x27;s regions",
                "Today&#x27;s police force areas"):
        assert col in part
    assert "coterminosity@ICB" in part and "balance.max_min_ratio" in part
    # the stand-in plan is today's ICBs, so its coterminosity with ICBs is the ICB column's, to 3 decimals
    row = re.search(r"coterminosity@ICB</code></td>(.*?)</tr>", part, re.S).group(1)  # type: ignore[union-attr]
    values = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert values[0] == values[1] and re.fullmatch(r"\d\.\d{3}", values[0])
    assert "<b>ICB</b>: Health boards" in part  # codes explained


def test_sources_list_assumptions_and_licences(rendered: str) -> None:
    part = section(rendered, "sources")
    assert "lines.skills.total" in part and "split of the non-health money not published" in part
    assert "NHS England 2016-17 allocations" in part
    assert "District boundaries" in part and "OGL v3.0" in part and "CC BY 4.0" in part
    assert "Ministry of Tests need survey" in part


def test_pngs_written_for_maps(rendered_dir: Path) -> None:
    pngs = sorted(p.name for p in rendered_dir.glob("*.png"))
    assert pngs == ["map_allocation_per_head.png", "map_allocation_vs_today.png", "map_distance_from_target.png",
                    "map_misalignments.png",
                    "map_plan.png", "map_plan_hex.png"]
    assert all((rendered_dir / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    for p in pngs:  # wide enough for a full-width slide: the width is bytes 16-20 of the PNG header
        assert int.from_bytes((rendered_dir / p).read_bytes()[16:20], "big") >= 1600, p


def test_missing_inputs_are_said_in_place(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    html = build_report(geo, Plan.from_layer(geo, "PFA"), tmp_path / "r.html").read_text(encoding="utf-8")
    assert scan(html).section_ids == list(SECTION_IDS)
    assert "No allocations were given" in section(html, "funding")
    assert "not assessed (no design result given)" in section(html, "cards")


def test_render_from_files_matches_and_cli_reports_bad_files(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    geo = tiny_geography(tmp_path / "geo")
    plan = Plan.from_layer(geo, "ICB")
    write_plan_csv(plan, tmp_path / "plan.csv")
    synthetic_allocations().to_csv(tmp_path / "allocations.csv", index=False)
    (tmp_path / "metrics.json").write_text(json.dumps({"design": {"bounds": {"min_pop": 800, "max_pop": 2000}}}))
    out = render_from_files(tmp_path / "plan.csv", tmp_path / "allocations.csv", tmp_path / "metrics.json",
                            tmp_path / "again.html", geography=geo)
    html = out.read_text(encoding="utf-8")
    assert "£0.7m (£1,000 per head)" in html and scan(html).section_ids == list(SECTION_IDS)
    bad = synthetic_allocations().drop(columns=["per_head"])
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--plan", str(tmp_path / "plan.csv"), "--allocations", str(tmp_path / "bad.csv"),
              "--geography", str(tmp_path / "geo"), "--out", str(tmp_path / "x.html")])
    assert exit_info.value.code == 2
    assert "bad.csv, field 'per_head': missing column 'per_head'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_render_from_files_rejects_unreadable_metrics(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    write_plan_csv(Plan.from_layer(geo, "ICB"), tmp_path / "plan.csv")
    (tmp_path / "metrics.json").write_text("{not json")
    with pytest.raises(InputError, match=r"metrics\.json: not valid JSON"):
        render_from_files(tmp_path / "plan.csv", None, tmp_path / "metrics.json", tmp_path / "r.html",
                          geography=geo)


def test_geography_without_boundaries_still_gets_a_report(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path / "geo")
    (tmp_path / "geo" / "geometry.geojson").unlink()
    html = build_report(geo, Plan.from_layer(geo, "ICB"), tmp_path / "r.html",
                        allocations=synthetic_allocations()).read_text(encoding="utf-8")
    assert scan(html).section_ids == list(SECTION_IDS)
    assert "no display boundaries (geometry.geojson), so maps are left out" in section(html, "areas")
    assert "no display boundaries" in section(html, "funding")
    assert 'aria-label="Hex map"' in html  # the hex map needs no boundaries
    assert "£0.7m (£1,000 per head)" in section(html, "cards")


def test_a_users_own_geography_is_not_called_england(tmp_path: Path) -> None:
    from devoplan import load_geography
    from devoplan.testing.files import write_five_units as write

    (tmp_path / "geo").mkdir()
    geo = load_geography(write(tmp_path / "geo"))  # layers H, E, C: no ICB, no LEP, no boundaries
    html = build_report(geo, Plan.from_layer(geo, "H"), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<h1>Devolved commissioning areas: Tiny</h1>" in html
    assert "England" not in section(html, "summary")
    assert "300–750" in section(html, "summary")  # small areas in whole residents, not "0.00m–0.00m"
    patchwork = section(html, "patchwork")
    assert "ICBs" not in patchwork and "LEPs" not in patchwork  # no lists for layers the geography lacks
    matrix = re.findall(r"<td[^>]*>([0-9.]+)</td>", patchwork)
    assert len(matrix) == 9 and all(re.fullmatch(r"[01]\.\d{3}", v) for v in matrix), matrix


def test_fixture_geography_is_valid(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    assert geo.units.total_population == 2100
    assert geo.layer("ICB").multi_member_units().tolist() == [1]
    assert geo.layer("LEP").multi_member_units().tolist() == [4]

"""The demo pipeline end to end on the bundled England data, and the report in headless Chromium.

The pipeline runs once per module with a short optimiser time limit (the full demo uses 30 s).
The browser check opens the real report in Debian's chromium with a page script that records
every script error, failed resource and console.error into the DOM, dumps the DOM, and also reads
Chromium's own console log; a page with deliberate errors proves the check catches them.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from devoplan.errors import InputError
from devoplan.geography.loader import load_geography
from devoplan.pipeline import DemoOptions, DemoResult, run_demo
from devoplan.planio import read_plan
from devoplan.report.build import render_from_files
from devoplan.report.sections import SECTION_IDS
from devoplan.testing.browser import find_chromium
from devoplan.testing.html import scan

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000")
RECORDER = """<script>
window.__errs = [];
window.addEventListener('error', function (e) {
  var t = e.target, src = t && (t.src || t.href);
  window.__errs.push(e.message ? String(e.message) : 'failed to load ' + (src || '?'));
}, true);
var __ce = console.error;
console.error = function () { window.__errs.push([].join.call(arguments, ' ')); __ce.apply(console, arguments); };
window.addEventListener('load', function () {
  var p = document.createElement('pre'); p.id = '__errors';
  p.textContent = JSON.stringify(window.__errs); document.body.appendChild(p);
});
</script>"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo") / "out"
    return run_demo(DemoOptions(out=out, time_limit=2.0, seed=3, draws=200))


def test_demo_writes_every_output(demo: DemoResult) -> None:
    for name in ("report.html", "plan.csv", "plan.geojson", "allocations.csv", "metrics.json",
                 "funding_summary.json"):
        assert (demo.out / name).is_file(), name
    maps = sorted(p.name for p in (demo.out / "maps").glob("*.png"))
    assert maps == ["map_allocation_per_head.png", "map_allocation_vs_today.png", "map_apms_share.png",
                    "map_distance_from_target.png", "map_misalignments.png", "map_outcomes_worse.png",
                    "map_plan.png", "map_plan_hex.png"]
    temps = [p for p in demo.out.iterdir() if p.name.startswith(".") and p.name != ".devoplan-outputs.json"]
    assert not temps  # no staging leftovers; the manifest lists the output set
    # the report's tables as files too: one CSV each and the workbook, the same bytes as the report's links
    html_text = (demo.out / "report.html").read_text(encoding="utf-8")
    csvs = sorted((demo.out / "tables").glob("*.csv"))
    assert len(csvs) == html_text.count("Download this table (CSV)") > 5
    assert (demo.out / "report_tables.xlsx").read_bytes()[:2] == b"PK"
    assert demo.files["table:report_tables"] == demo.out / "report_tables.xlsx"
    assert set(demo.timings) == {"load", "audit", "design", "fund", "compare", "report"}


def test_outputs_agree_with_each_other(demo: DemoResult) -> None:
    geo = load_geography()
    plan = read_plan(demo.out / "plan.csv", geo)
    assert plan.n_areas == 38 == demo.summary.areas
    alloc = pd.read_csv(demo.out / "allocations.csv", dtype={"year": str, "line": str})
    totals = alloc[alloc["line"] == "all"].groupby("year")["allocation"].sum()
    for year, value in demo.summary.to_areas.items():
        assert totals[year] == pytest.approx(value, abs=0.01)
    doc = json.loads((demo.out / "metrics.json").read_text())
    assert {"audit", "design", "comparison", "funding", "run"} <= set(doc)
    assert doc["comparison"]["columns"][0] == "Proposed plan" and doc["comparison"]["areas"][0] == 38
    assert set(doc["design"]["governance"]) == set(plan.area_codes)
    features = json.loads((demo.out / "plan.geojson").read_text())["features"]
    assert sorted(f["properties"]["area_code"] for f in features) == sorted(plan.area_codes)


def test_report_holds_every_section_and_area_and_no_external_url(demo: DemoResult) -> None:
    text = demo.report.read_text(encoding="utf-8")
    s = scan(text)
    assert s.section_ids == list(SECTION_IDS)
    assert s.external == [] and s.scripts == 0
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*(src|href)=\"(https?:)?//", text, re.I)
    plan = read_plan(demo.out / "plan.csv", load_geography())
    cards = re.search(r'<section id="cards">(.*?)</section>', text, re.S).group(1)  # type: ignore[union-attr]
    for i, name in enumerate(plan.area_names, start=1):
        assert f'id="area-{i}"' in cards and f"{i}. {html.escape(name)}</h3>" in cards, name
    assert demo.report.stat().st_size < 5_000_000
    # London's crowded labels get an enlarged inset beside the plan map, the three funding maps, the markets
    # map and the outcomes map
    assert text.count("Enlarged (framed on the map): areas ") == 6
    areas = re.search(r'<section id="areas">(.*?)</section>', text, re.S).group(1)  # type: ignore[union-attr]
    assert all(html.escape(name.split()[-1]) in areas for name in plan.area_names)  # the maps' legends name them
    summary = re.search(r'<section id="summary">(.*?)</section>', text, re.S).group(1)  # type: ignore[union-attr]
    for block in ("What is proposed", "What it costs", "Who gains", "What is assumed"):
        assert f"<h3>{block}</h3>" in summary
    assert "Baselines are what each area&#x27;s districts receive or spend today" in summary
    assert "Largest gains: " in summary and "published figures (NHS England and MHCLG)" in summary
    funding = re.search(r'<section id="funding">(.*?)</section>', text, re.S).group(1)  # type: ignore[union-attr]
    for part in ("Where the totals come from", "Each area against what its districts receive today",
                 "assumed: no data by area", "Why London&#x27;s per-head figures look as they do",
                 "NHS England, ICB allocations 2025/26"):
        assert part in funding, part


def test_report_re_renders_from_the_saved_files(demo: DemoResult, tmp_path: Path) -> None:
    out = render_from_files(demo.out / "plan.csv", demo.out / "allocations.csv", demo.out / "metrics.json",
                            tmp_path / "again.html")
    again, first = out.read_text(encoding="utf-8"), demo.report.read_text(encoding="utf-8")
    cards = [re.search(r'<section id="cards">.*?</section>', t, re.S).group(0)  # type: ignore[union-attr]
             for t in (again, first)]
    assert cards[0] == cards[1]
    assert scan(again).section_ids == list(SECTION_IDS)
    # the whole page is the same report, figures included; only the footer's time stamp may differ
    def body(text: str) -> str:
        return re.sub(r"<footer>.*?</footer>", "", text, flags=re.S)

    assert body(again) == body(first)


def test_an_edited_plan_is_not_shown_with_the_old_results(demo: DemoResult, tmp_path: Path) -> None:
    plan = pd.read_csv(demo.out / "plan.csv", dtype=str)
    first_area, other = plan["area_code"].iloc[0], plan.loc[plan["area_code"] != plan["area_code"].iloc[0]].iloc[0]
    plan.loc[0, ["area_code", "area_name"]] = [other["area_code"], other["area_name"]]
    plan.to_csv(tmp_path / "edited.csv", index=False)
    assert first_area != other["area_code"]
    with pytest.raises(InputError, match=r"field 'population': .* \(allocations made for a different plan"):
        render_from_files(tmp_path / "edited.csv", demo.out / "allocations.csv", None, tmp_path / "x.html")
    html_text = render_from_files(tmp_path / "edited.csv", None, demo.out / "metrics.json",
                                  tmp_path / "edited.html").read_text(encoding="utf-8")
    assert "written for a different plan" in html_text
    assert "How the plan was found" not in html_text and "not assessed (no design result given)" in html_text


def test_demo_summary_has_what_the_terminal_prints(demo: DemoResult) -> None:
    from rich.console import Console

    from devoplan.commands.demo import render_summary

    console = Console(record=True, width=200)
    render_summary(demo, console)
    text = console.export_text()
    for phrase in ("coterminosity: 1 = the same map", "today the 2026 ICBs and the LSIP areas have a coterminosity of",
                   "Who would run them:", "Funding: £", "baselines are today's money", "Open the report:",
                   "allocations.csv", "maps/*.png"):
        assert phrase in text, phrase
    bodies = demo.summary.bodies
    assert bodies is not None
    assert bodies.after == demo.summary.areas and bodies.before == sum(bodies.by_family.values())
    assert f"Commissioning bodies: {bodies.before} today" in text
    assert f"{bodies.before} → {bodies.after}" in demo.report.read_text(encoding="utf-8")
    doc = json.loads((demo.out / "metrics.json").read_text(encoding="utf-8"))
    assert doc["governance"]["bodies_before"] == bodies.before and len(doc["roadmap"]["areas"]) == bodies.after
    assert demo.summary.roadmap_end == doc["roadmap"]["last_end"]


# -- headless Chromium ------------------------------------------------------------------------------
def browser_errors(page: Path, tmp_path: Path) -> list[str]:
    """Open ``page`` (with the recorder injected) in headless Chromium; every error it reports."""
    chromium = find_chromium()
    assert chromium is not None
    text = page.read_text(encoding="utf-8")
    probe = tmp_path / f"probe-{page.name}"
    probe.write_text(re.sub(r"<head>", "<head>" + RECORDER, text, count=1), encoding="utf-8")
    run = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          probe.resolve().as_uri()], capture_output=True, text=True, timeout=90, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    m = re.search(r'<pre id="__errors">(.*?)</pre>', run.stdout, re.S)
    assert m, "the recorder did not run (page did not load?)\n" + run.stderr[-2000:]
    errors = [str(e) for e in json.loads(html.unescape(m.group(1)))]
    errors += [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln]
    return errors


needs_chromium = pytest.mark.skipif(find_chromium() is None,
                                    reason="Chromium not found: install Debian's chromium "
                                           "(apt-get install -y chromium) to run the browser check")


@needs_chromium
def test_browser_check_catches_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><title>x</title></head><body><p>x</p>"
                   "<script>noSuchFunction();</script><img src='missing.png'></body></html>", encoding="utf-8")
    errors = browser_errors(bad, tmp_path)
    assert any("noSuchFunction" in e for e in errors)
    assert any("missing.png" in e for e in errors)


@needs_chromium
def test_report_renders_in_chromium_without_console_errors(demo: DemoResult, tmp_path: Path) -> None:
    assert browser_errors(demo.report, tmp_path) == []


@needs_chromium
def test_summary_prints_on_one_a4_page(demo: DemoResult, tmp_path: Path) -> None:
    """The title and the summary, printed alone (the print rules of the page, the rest hidden), fill one page."""
    only = tmp_path / "summary.html"
    hide = "<style>@media print { section:not(#summary), footer { display: none } }</style>"
    only.write_text(demo.report.read_text(encoding="utf-8").replace("</head>", hide + "</head>", 1), encoding="utf-8")
    pdf = tmp_path / "summary.pdf"
    chromium = find_chromium()
    assert chromium is not None
    run = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--no-pdf-header-footer", f"--print-to-pdf={pdf}", only.resolve().as_uri()],
                         capture_output=True, timeout=90, check=False)
    assert run.returncode == 0 and pdf.is_file(), run.stderr[-2000:]
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--time-limit", "0"], "--time-limit must be a positive number of seconds, got 0.0"),
    (["--draws", "-1"], "draws must be 0 or more, got -1"),
    (["--seed", "-2"], "--seed must be 0 or more, got -2"),
    (["--areas", "0"], "--areas must be at least 1, got 0"),
    (["--out", "{tmp}/file"], "file is a file; --out names the folder to write into"),
    (["--out", "{tmp}/file/out"], "file is a file; --out names the folder to write into"),
])
def test_demo_rejects_bad_options_before_running(args: list[str], message: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan.cli import main

    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path / "out"), *[a.format(tmp=tmp_path) for a in args]])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()

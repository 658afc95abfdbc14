"""The report's plausibility section: one row per check, on a line of six districts worked out by hand."""

from __future__ import annotations

import re

import numpy as np

from devoplan.plan import Plan
from devoplan.report.checks import checks_section
from devoplan.report.data import ReportData
from devoplan.testing.tiny import group_layer, line_geography

POP = [1_000_000, 600_000, 500_000, 2_000_000, 1_500_000, 400_000]


def _rows(body: str) -> dict[str, tuple[str, str]]:
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body)
    return {check: (result, found) for check, result, found in cells}


def test_each_check_is_a_row_with_its_result_and_findings_escaped() -> None:
    geo = line_geography(POP, layers={
        "CAUTH25": group_layer("CAUTH25", "partial", len(POP), [[0, 1]]),
        "GLA": group_layer("GLA", "partial", len(POP), [[4, 5]]),
    })
    # A = {U0}, B = {U1}, C = {U2, U3, U4}, D = {U5}; D's name would be markup if not escaped
    plan = Plan(geo.units.codes, np.array([0, 1, 2, 2, 2, 3]), ("A", "B", "C", "D"),
                ("Unit 0", "Unit 1", "Unit 2", "<b>Unit 5</b> & others"))
    section = checks_section(ReportData(geo, plan))
    assert section.id == "checks"
    rows = _rows(section.body)
    assert rows["combined authorities split"] == ("1 found", "CAUTH25 0 across 2 areas")
    assert rows["areas crossing the Greater London boundary"] == ("1 found", "Unit 2 (1 London and 2 other districts)")
    assert rows["areas over 3m residents"] == ("1 found", "Unit 2 4,000,000")
    assert rows["areas under 1.5m residents"] == (
        "3 found", "Unit 0 1,000,000; Unit 1 600,000; &lt;b&gt;Unit 5&lt;/b&gt; &amp; others 400,000")
    assert "<b>Unit 5" not in section.body
    # no police force layer: said, not passed
    police = [v for k, v in rows.items() if "police" in k]
    assert police == [("not checked", "no PFA layer")] * 2
    assert section.lead.startswith("0 of 7 checks pass; to look at: combined authorities split, areas crossing")
    assert section.lead.endswith("; 2 not checked (a layer this geography lacks).")


def test_a_plan_that_passes_says_ok_on_every_row() -> None:
    geo = line_geography([1_000_000, 600_000, 500_000, 1_000_000, 500_000, 400_000], layers={
        "CAUTH25": group_layer("CAUTH25", "partial", 6, [[0, 1]]),
        "GLA": group_layer("GLA", "partial", 6, [[3, 4, 5]]),
        "PFA": group_layer("PFA", "partition", 6, [[0, 1, 2], [3, 4, 5]]),
    })
    plan = Plan(geo.units.codes, np.array([0, 0, 0, 1, 1, 1]), ("A", "B"), ("Unit 0, Unit 1 and Unit 2", "GLA 0"))
    section = checks_section(ReportData(geo, plan))
    rows = _rows(section.body)
    assert len(rows) == 7 and all(result == "ok" and found == "none" for result, found in rows.values())
    assert section.lead == "7 of 7 checks pass."

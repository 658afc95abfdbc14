"""The report's outcomes section: the policy's claims re-measured, map and table, funnels, spine-chart cards."""

from __future__ import annotations

import re

import pytest

from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.outcomes import load_outcomes
from devoplan.outcomes.claims import policy_claims
from devoplan.outcomes.synthetic import tiny_geography
from devoplan.plan import Plan
from devoplan.report.data import ReportData
from devoplan.report.figures import FigureSink
from devoplan.report.outcomes import outcomes_section


@pytest.fixture(scope="module")
def england() -> Geography:
    return load_geography()


def test_claims_reproduce_the_policys_figures_from_the_data(england: Geography) -> None:
    found = policy_claims(load_outcomes(), england)
    claims = {c.indicator: c for c in found if "lowest and highest" in c.measure or c.indicator == "cvd_u75"}
    cvd = claims["cvd_u75"]
    assert (round(cvd.ratio, 2), cvd.period) == (1.48, "2022-24")
    assert "34.9 vs 23.5" in cvd.figure
    smoking = claims["smoking"]
    assert "Woking 4.2%" in smoking.figure and "Fenland 19.8%" in smoking.figure and smoking.period == "2020-24"
    hle = claims["hle_male"]
    assert "Blackpool 50.9" in hle.figure and "Richmond upon Thames 69.3" in hle.figure
    assert "gap 18.4 years" in hle.figure
    corby = next(c for c in found if "Corby" in c.claim)
    assert "North Northamptonshire" in corby.measure and corby.period == "2020-24"


def test_section_on_regions_has_claims_map_funnels_and_a_spine_chart_per_area(england: Geography) -> None:
    base = Plan.from_layer(england, "REGION")
    names = list(base.area_names)
    names[0] = "North <East> & \"Co\""
    plan = base.renamed(base.area_codes, names)
    section = outcomes_section(ReportData(england, plan), FigureSink(None))
    assert section.id == "outcomes"
    body = section.body
    assert "1.48 (34.9 vs 23.5 per 100,000)" in body
    assert "North &lt;East&gt; &amp; &quot;Co&quot;" in body and "North <East>" not in body
    spines = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox="[^"]*" role="img" aria-label="Spine', body)
    assert len(spines) == plan.n_areas
    assert body.count('aria-label="Funnel plot:') >= 3
    assert "Map: number of indicators" in body
    # every chart has its figures in a table: the gap table lists every area, one table every area's indicators
    figures = body[body.index("<h3>Every area and indicator</h3>"):]
    assert figures.count("<tr>") == 1 + plan.n_areas * len(load_outcomes().indicators)
    assert "Worse than England on: cvd_u75" in body  # the North East's card
    assert "Achieving for Children" in body  # the what-works entry in London's card


def test_geography_without_outcome_data_says_so_in_place() -> None:
    geo = tiny_geography()
    plan = Plan.from_layer(geo, "REGION")
    section = outcomes_section(ReportData(geo, plan), FigureSink(None))
    assert "outcomes are not shown" in section.body and "<svg" not in section.body

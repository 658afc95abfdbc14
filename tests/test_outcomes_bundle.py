"""The children's services, social work and adult social care indicators of the outcomes bundle:
mapped to 2024 districts as documented (joint returns, counties abolished in 2023, upper-tier flags)."""

from __future__ import annotations

import pandas as pd
import pytest

from devoplan.outcomes import load_outcomes
from devoplan.outcomes.indicators import OutcomeData


@pytest.fixture(scope="module")
def data() -> OutcomeData:
    return load_outcomes()


def rows(data: OutcomeData, key: str, period: str) -> pd.DataFrame:
    return data.district_groups[(key, period)]


def test_workforce_rates_reproduce_dfes_published_england_figures(data: OutcomeData) -> None:
    # DfE, Children's social work workforce 2025: turnover 11.8%, vacancy 14.2%, agency 13.0%, caseload 15.2
    expected = {"sw_turnover": 11.8, "sw_vacancy": 14.2, "sw_agency": 13.0, "sw_caseload": 15.2}
    for key, value in expected.items():
        row = data.published_index[(key, "2025", "E92000001")]
        assert round(row.count / row.denominator * data.indicators[key].multiplier, 1) == value, key


def test_joint_returns_are_shared_by_both_authorities(data: OutcomeData) -> None:
    at = rows(data, "sw_caseload", "2025")
    both = at.loc[["E09000021", "E09000027"]]  # Kingston and Richmond: Achieving for Children
    assert set(both["source"]) == {"E09000021 / E09000027"}
    assert both["value"].nunique() == 1
    # 4,514 cases over 305.5 FTE for North and West Northamptonshire's trust, split by their children
    nn = at.loc[["E06000061", "E06000062"]]
    assert nn["count"].sum() == pytest.approx(4514, abs=0.02)
    assert nn["denominator"].sum() == pytest.approx(305.5, abs=0.02)


def test_counties_abolished_in_2023_serve_their_successors_up_to_march_2023(data: OutcomeData) -> None:
    cin = rows(data, "cin", "2023")
    cumbria = data.published_index[("cin", "2023", "E10000006")]
    successors = cin.loc[["E06000063", "E06000064"]]  # Cumberland, Westmorland and Furness
    assert set(successors["source"]) == {"E10000006"}
    assert successors["count"].sum() == pytest.approx(cumbria.count, abs=0.02)
    assert cin.loc["E06000065", "source"] == "E10000023"  # North Yorkshire
    assert rows(data, "cin", "2025").loc["E06000063", "source"] == ""  # its own return from 2024


def test_ofsted_judgements_and_upper_tier_flags(data: OutcomeData) -> None:
    at = rows(data, "ofsted", "2025")
    # Barnet judged good (2024), Barking and Dagenham requires improvement (2023)
    assert at.loc["E09000003", "value"] == 100 and at.loc["E09000002", "value"] == 0
    assert at.loc["E07000008", "source"] == "E10000003"  # Cambridge takes Cambridgeshire's judgement
    assert data.indicators["ofsted"].ages == (0, 17)
    asc = rows(data, "asc_turnover", "2022/23")
    assert asc.loc["E07000008", "source"] == "E10000003" and asc.loc["E06000001", "source"] == ""

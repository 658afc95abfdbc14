"""The audit and the metric registry, on the six districts of ``test_metrics_overlap`` and on England."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import sparse

import devoplan
from devoplan import DevoplanError
from devoplan.jsonio import dumps
from devoplan.metrics import (
    REGISTRY,
    Comparison,
    ScoreOptions,
    audit,
    compare,
    get_metric,
    metric_names,
    plan_scalars,
    score,
)
from devoplan.metrics.audit import Audit, crossings, nestings
from devoplan.testing.tiny import six_district_plan as tiny_plan
from devoplan.testing.tiny import six_districts as tiny_geography
from devoplan.zoning import Zoning


def test_audit_matrices_of_the_six_districts() -> None:
    result = audit(tiny_geography())
    assert list(result.keys) == ["H", "E", "C", "T"]
    assert result.containment["H"]["T"] == pytest.approx(2 / 3)
    assert result.containment["T"]["H"] == pytest.approx(13 / 14)
    assert result.coterminosity["H"]["T"] == result.coterminosity["T"]["H"] == pytest.approx(67 / 84)
    assert result.coterminosity["T"]["T"] == 1.0
    assert len(result.pairs) == 6
    assert result.pairs[0].coterminosity == min(p.coterminosity for p in result.pairs)
    json.dumps(result.to_dict())


def test_audit_names_split_and_shared_districts() -> None:
    texts = [s.text for s in audit(tiny_geography()).unit_splits]
    assert texts == ["District U3 is split between 2 H areas: H1 name (50%), H2 name (50%)",
                     "District U4 sits in 2 E areas: E1 name and E2 name"]


def test_audit_crossings_by_hand() -> None:
    crossings = audit(tiny_geography(), ["H", "T"]).crossings
    found = {(x.a_code, x.b_layer): x for x in crossings}
    # H1 = 300 in T1 + 150 in T2; T2 (700) reaches beyond H1, so it crosses; 150 residents would move
    h1 = found[("H1", "T")]
    assert [p.code for p in h1.parts] == ["T1", "T2"] and h1.crossing == ("T2",)
    assert h1.misaligned_population == pytest.approx(150)
    assert h1.text == ("H1 name (H) spans 2 T areas: T1 name (67%), T2 name (33%); "
                          "T2 name crosses its boundary (150 residents misaligned)")
    # H2 = 550 in T2 + 1100 in T3; T3 nests inside H2 (not a crossing), T2 does not
    assert found[("H2", "T")].crossing == ("T2",)
    assert found[("H2", "T")].misaligned_population == pytest.approx(150)
    # T2 = 150 in H1 + 550 in H2: moving its 150 in H1 repairs it
    assert found[("T2", "H")].misaligned_population == pytest.approx(150)
    assert set(found) == {("H1", "T"), ("H2", "T"), ("T2", "H")}


def test_nesting_is_not_a_crossing() -> None:
    geo = tiny_geography()
    # C1 = U5, U6 nests inside H2 and inside T3: no crossing either way
    assert audit(geo, ["H", "C"]).crossings == ()
    assert audit(geo, ["T", "C"]).crossings == ()


def test_registry_lists_every_metric_and_rejects_unknown_names() -> None:
    assert set(metric_names("pair")) == {"containment", "coterminosity", "split_count", "interfaces",
                                         "adjusted_rand", "overlap"}
    assert set(metric_names("plan")) == {"contiguity", "balance", "homogeneity", "compactness", "identity"}
    assert get_metric("coterminosity").compute(tiny_geography(), "H", "T") == pytest.approx(67 / 84)
    assert all(m.description for m in REGISTRY.values())
    with pytest.raises(DevoplanError, match="unknown metric 'area'; allowed: containment"):
        get_metric("area")


def test_score_covers_every_layer_and_names_every_scalar() -> None:
    geo = tiny_geography()
    options = ScoreOptions(identity_layers=["T", "C"], lower=650)
    result = score(geo, tiny_plan(), options)
    assert list(result["layers"]) == ["H", "E", "C", "T"]
    assert result["layers"]["T"]["containment_ab"] == pytest.approx(1400 / 2100)
    assert result["plan_metrics"]["balance"]["outside_bounds"] == ["A", "D"]
    assert set(result["pair_metrics"]) == set(metric_names("pair")) - {"overlap"}
    assert result["pair_metrics"]["containment"]["T"] == pytest.approx(1400 / 2100)
    assert result["pair_metrics"]["split_count"]["T"] == ["A", "B"]  # A: 300/300 of 600, B: 500 of 900
    assert result["scalars"] == plan_scalars(geo, tiny_plan(), options)
    json.dumps(result)


def test_england_audit_facts() -> None:
    geo = devoplan.load_geography()
    result = audit(geo)
    assert list(result.keys) == ["ICB26", "CAUTH25", "GLA", "PFA", "FRA", "REGION",
                                                            "UTLA", "LSIP", "ICB", "CAUTH24", "LEP"]
    assert result.containment["GLA"]["REGION"] == pytest.approx(1.0)  # Greater London is the London region
    assert result.containment["UTLA"]["REGION"] == pytest.approx(1.0)  # counties nest in regions
    assert 0.95 < result.containment["ICB"]["REGION"] < 1.0  # a few ICBs cross a regional boundary
    pfa_icb = {x.a_name for x in result.crossings if (x.a_layer, x.b_layer) == ("PFA", "ICB")}
    assert "Thames Valley" in pfa_icb
    # police force areas made of whole ICBs span several ICBs without crossing any ICB boundary
    pfa_nested = {x.a_name for x in result.nestings if (x.a_layer, x.b_layer) == ("PFA", "ICB")}
    assert "Metropolitan Police" in pfa_nested and not pfa_nested & pfa_icb
    assert compare(geo, "ICB", "ICB").coterminosity == 1.0  # 13 split districts overlap no ICB but their own
    assert {s.layer for s in result.unit_splits} == {"ICB26", "ICB", "LEP"}
    json.dumps(result.to_dict())


def test_an_area_made_of_whole_areas_is_a_nesting_not_a_crossing() -> None:
    geo = tiny_geography()
    # plan A = U1..U4 = T1 + T2 (300 + 700), B = U5, U6 = T3: A spans T1 and T2, both wholly inside it
    c = compare(geo, tiny_plan("AAAABB"), "T")
    assert crossings(c) == []
    (nest,) = nestings(c)
    assert (nest.a_code, nest.crossing, nest.misaligned_population) == ("A", (), 0.0)
    assert nest.text == ("A (PLAN) spans 2 T areas: T2 name (70%), T1 name (30%); "
                            "each lies within it (nested, not misaligned)")
    result = audit(geo, ["H", "T"])
    assert result.nestings == ()  # H2 = T2 (part) + T3: T2 crosses, so H2 is a crossing only


def test_crossings_of_a_hand_written_overlap_matrix() -> None:
    """A-areas X = [50, 30, 20] and Y = [50, 70, 80] over B-areas P, Q, R of 100, 100, 100 people.

    X: best partner holds 50, so moving the other 50 repairs it; making each partner nest or stay
    out moves min(50, 50) + min(30, 70) + min(20, 80) = 100; the cheaper repair is 50.
    Y: 200 - 80 = 120 against min(50, 50) + min(70, 30) + min(80, 20) = 100; the cheaper is 100.
    """
    def zoning(key: str, codes: tuple[str, ...]) -> Zoning:
        return Zoning(key, f"{key} areas", "partition", codes, tuple(f"{c}-name" for c in codes),
                      sparse.csr_array((1, len(codes))))

    m = np.array([[50.0, 30.0, 20.0], [50.0, 70.0, 80.0]])
    c = Comparison(zoning("A", ("X", "Y")), zoning("B", ("P", "Q", "R")), m, 300.0, 300.0)
    found = {x.a_code: x for x in crossings(c) if x.a_layer == "A"}
    assert found["X"].misaligned_population == 50 and found["Y"].misaligned_population == 100
    assert found["X"].text == ("X-name (A) spans 3 B areas: P-name (50%), Q-name (30%), R-name (20%); "
                                  "P-name, Q-name and R-name cross its boundary (50 residents misaligned)")
    # every B-area is split 50/50 or so between X and Y, and X, Y both reach beyond each of them
    assert {x.a_code for x in crossings(c) if x.a_layer == "B"} == {"P", "Q", "R"}


def test_shares_near_the_thresholds_are_not_rounded_across_them() -> None:
    from devoplan.metrics.audit import _percent

    assert [_percent(s) for s in (0.004, 0.012, 0.05, 0.988, 0.99, 1.0)] == ["<1%", "1.2%", "5%", "98.8%",
                                                                               "99.0%", "100%"]


def test_parts_under_one_percent_are_counted_not_named() -> None:
    """Z = [988, 6, 6] over P, Q, R of 2000, 10, 10 people: 98.8% in P (under the 99% rule), two
    specks under 1%. P reaches far beyond Z, so it crosses; moving the 12 outside P repairs it."""
    def zoning(key: str, codes: tuple[str, ...]) -> Zoning:
        return Zoning(key, f"{key} areas", "partition", codes, tuple(f"{c}-name" for c in codes),
                      sparse.csr_array((1, len(codes))))

    m = np.array([[988.0, 6.0, 6.0], [1012.0, 4.0, 4.0]])
    c = Comparison(zoning("A", ("Z", "W")), zoning("B", ("P", "Q", "R")), m, 2020.0, 2020.0)
    z = next(x for x in crossings(c) if x.a_code == "Z")
    assert z.misaligned_population == 12
    assert z.text == ("Z-name (A) lies 98.8% in P-name, the rest in 2 other B areas (each under 1%); "
                         "P-name crosses its boundary (12 residents misaligned)")


def test_audit_reads_back_from_its_json_form() -> None:
    """What the report reads from metrics.json is the audit the demo wrote (undefined measures stay NaN)."""
    result = audit(tiny_geography())
    again = Audit.from_dict(json.loads(dumps(result.to_dict())))
    assert dumps(again.to_dict()) == dumps(result.to_dict())
    assert again.unit_splits == result.unit_splits and again.crossings == result.crossings

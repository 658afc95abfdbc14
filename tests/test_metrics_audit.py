"""The audit and the metric registry, on the six districts of ``test_metrics_overlap`` and on England."""

from __future__ import annotations

import json

import pytest

import devoplan
from devoplan import DevoplanError
from devoplan.metrics import (
    REGISTRY,
    IncrementalScorer,
    ScoreOptions,
    audit,
    get_metric,
    metric_names,
    plan_scalars,
    score,
)
from tests.test_metrics_overlap import tiny_geography, tiny_plan


def test_audit_matrices_of_the_six_districts() -> None:
    result = audit(tiny_geography())
    assert [layer["key"] for layer in result["layers"]] == ["H", "E", "C", "T"]
    assert result["containment"]["H"]["T"] == pytest.approx(2 / 3)
    assert result["containment"]["T"]["H"] == pytest.approx(13 / 14)
    assert result["coterminosity"]["H"]["T"] == result["coterminosity"]["T"]["H"] == pytest.approx(67 / 84)
    assert result["coterminosity"]["T"]["T"] == 1.0
    assert len(result["pairs"]) == 6
    assert result["pairs"][0]["coterminosity"] == min(p["coterminosity"] for p in result["pairs"])
    json.dumps(result)


def test_audit_names_split_and_shared_districts() -> None:
    texts = [s["text"] for s in audit(tiny_geography())["unit_splits"]]
    assert texts == ["District U3 is split between 2 H areas: H1 name (50%), H2 name (50%)",
                     "District U4 sits in 2 E areas: E1 name and E2 name"]


def test_audit_crossings_by_hand() -> None:
    crossings = audit(tiny_geography(), ["H", "T"])["crossings"]
    found = {(x["a_code"], x["b_layer"]): x for x in crossings}
    # H1 = 300 in T1 + 150 in T2; T2 (700) reaches beyond H1, so it crosses; 150 residents would move
    h1 = found[("H1", "T")]
    assert [p["code"] for p in h1["parts"]] == ["T1", "T2"] and h1["crossing"] == ["T2"]
    assert h1["misaligned_population"] == pytest.approx(150)
    assert h1["text"] == ("H1 name (H) spans 2 T areas: T1 name (67%), T2 name (33%); "
                          "T2 name crosses its boundary (150 residents misaligned)")
    # H2 = 550 in T2 + 1100 in T3; T3 nests inside H2 (not a crossing), T2 does not
    assert found[("H2", "T")]["crossing"] == ["T2"]
    assert found[("H2", "T")]["misaligned_population"] == pytest.approx(150)
    # T2 = 150 in H1 + 550 in H2: moving its 150 in H1 repairs it
    assert found[("T2", "H")]["misaligned_population"] == pytest.approx(150)
    assert set(found) == {("H1", "T"), ("H2", "T"), ("T2", "H")}


def test_nesting_is_not_a_crossing() -> None:
    geo = tiny_geography()
    # C1 = U5, U6 nests inside H2 and inside T3: no crossing either way
    assert audit(geo, ["H", "C"])["crossings"] == []
    assert audit(geo, ["T", "C"])["crossings"] == []


def test_registry_lists_every_metric_and_rejects_unknown_names() -> None:
    assert set(metric_names("pair")) == {"containment", "coterminosity", "split_count", "interfaces",
                                         "adjusted_rand", "overlap"}
    assert set(metric_names("plan")) == {"contiguity", "balance", "homogeneity", "compactness", "identity"}
    assert get_metric("coterminosity").compute(tiny_geography(), "H", "T") == pytest.approx(67 / 84)
    assert all(m.description for m in REGISTRY.values())
    with pytest.raises(DevoplanError, match="unknown metric 'area'; allowed: containment"):
        get_metric("area")


def test_score_covers_every_layer_and_matches_the_incremental_names() -> None:
    geo = tiny_geography()
    options = ScoreOptions(identity_layers=["T", "C"], lower=650)
    result = score(geo, tiny_plan(), options)
    assert list(result["layers"]) == ["H", "E", "C", "T"]
    assert result["layers"]["T"]["containment_ab"] == pytest.approx(1400 / 2100)
    assert result["plan_metrics"]["balance"]["outside_bounds"] == ["A", "D"]
    assert set(result["pair_metrics"]) == set(metric_names("pair")) - {"overlap"}
    assert result["pair_metrics"]["containment"]["T"] == pytest.approx(1400 / 2100)
    assert result["pair_metrics"]["split_count"]["T"] == ["A", "B"]  # A: 300/300 of 600, B: 500 of 900
    assert list(result["scalars"]) == list(IncrementalScorer(geo, tiny_plan(), options).keys)
    assert result["scalars"] == plan_scalars(geo, tiny_plan(), options)
    json.dumps(result)


def test_england_audit_facts() -> None:
    geo = devoplan.load_geography()
    result = audit(geo)
    assert [layer["key"] for layer in result["layers"]] == ["ICB", "LEP", "CAUTH", "PFA", "FRA", "REGION",
                                                            "UTLA", "LSIP"]
    assert result["containment"]["UTLA"]["REGION"] == pytest.approx(1.0)  # counties nest in regions
    assert 0.95 < result["containment"]["ICB"]["REGION"] < 1.0  # a few ICBs cross a regional boundary
    pfa_icb = {x["a_name"] for x in result["crossings"] if (x["a_layer"], x["b_layer"]) == ("PFA", "ICB")}
    assert "Thames Valley" in pfa_icb
    assert {s["layer"] for s in result["unit_splits"]} == {"ICB", "LEP"}
    json.dumps(result)

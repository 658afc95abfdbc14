"""Markets over the API: market health of a layer and of a scenario version, and payment by results
(the two-group case worked by hand in docs/markets.md), with bad input answered 4xx naming the field."""

from __future__ import annotations

import copy

import pytest

from devoplan.markets.health import market_health
from devoplan.testing.contracts import two_group_spec
from devoplan.testing.workspace import Api


def test_layer_markets_are_the_library_result(api: Api) -> None:
    doc = api.ok("viewer", "GET", "/api/markets", params={"layer": "ICB"})
    want = market_health(api.geography, "ICB")
    assert len(doc["areas"]) == 42
    assert {a["code"]: a["apms_share"] for a in doc["areas"]} == pytest.approx(
        {a.code: a.apms_share for a in want.areas})
    assert doc["england"]["registered_patients"] == pytest.approx(want.england.registered_patients)


def test_unknown_layer_names_the_field(api: Api) -> None:
    response = api.get("viewer", "/api/markets", params={"layer": "NOWHERE"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "layer"
    assert api.client.get("/api/markets").status_code == 401


def test_scenario_version_markets_cover_the_same_practices(api: Api) -> None:
    scenario = api.scenario()
    doc = api.ok("viewer", "GET", f"/api/scenarios/{scenario['id']}/markets")
    assert doc["version"] == 1 and len(doc["areas"]) == len(scenario["areas"])
    placed = sum(a["registered_patients"] for a in doc["areas"])
    layer = api.ok("viewer", "GET", "/api/markets")
    assert placed == pytest.approx(sum(a["registered_patients"] for a in layer["areas"]))
    missing = api.get("viewer", f"/api/scenarios/{scenario['id']}/markets", params={"version": 99})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "version"


def test_pbr_flat_prices_park_and_designed_prices_do_not(api: Api) -> None:
    flat = api.ok("viewer", "POST", "/api/pbr", json=two_group_spec())["result"]
    assert flat["outcomes"] == pytest.approx(65) and flat["spend"] == pytest.approx(130_000)
    assert [g["parking_index"] for g in flat["groups"]] == [0.0, 1.0]
    designed = api.ok("viewer", "POST", "/api/pbr", params={"design": "true"}, json=two_group_spec())["design"]
    assert designed["designed"]["outcomes"] == pytest.approx(85)
    assert designed["designed"]["spend"] == pytest.approx(122_500)
    assert designed["designed"]["parking_index"] == 0.0


def test_pbr_example_round_trips(api: Api) -> None:
    example = api.ok("viewer", "GET", "/api/pbr/example")
    assert len(example["groups"]) == 9
    doc = api.ok("viewer", "POST", "/api/pbr", json=example)
    assert doc["spec"]["name"] == example["name"] and len(doc["result"]["groups"]) == 9


@pytest.mark.parametrize(("path", "value", "field"), [
    (("groups", 1, "size"), -5, "groups[1].size"),
    (("groups", 0, "p_with"), 1.5, "groups[0].p_with"),
    (("prices", "outcome"), {"easy": 2000}, "prices.outcome.hard"),
])
def test_bad_spec_names_the_key(api: Api, path: tuple, value: object, field: str) -> None:
    spec = copy.deepcopy(two_group_spec())
    target = spec
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    response = api.post("viewer", "/api/pbr", json=spec)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_impossible_design_is_a_conflict_with_the_numbers(api: Api) -> None:
    spec = {**two_group_spec(), "design": {"budget": 1000}}
    response = api.post("viewer", "/api/pbr", params={"design": "true"}, json=spec)
    assert response.status_code == 409
    assert "1,000" in response.json()["error"]["message"]

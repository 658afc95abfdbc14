"""Optimiser jobs over the API: a run in the background with progress that ends in a scenario honouring
its locks; cancelling; bad options answered 4xx with the field."""

from __future__ import annotations

import time
from typing import Any

import pytest

from devoplan.testing.workspace import Api


def _wait(api: Api, job_id: int, until: tuple[str, ...], seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = api.ok("viewer", "GET", f"/api/jobs/{job_id}")
        if job["status"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']} after {seconds} s")


@pytest.mark.slow
def test_a_job_designs_a_scenario_with_locks(api: Api) -> None:
    started = api.ok("analyst", "POST", "/api/jobs", json={
        "name": "designed", "areas": 38, "time_limit": 1, "seed": 3,
        "locks": {"E07000127": "Lancashire coast", "E06000009": "Lancashire coast"}})
    assert started["status"] in ("queued", "running")
    done = _wait(api, started["id"], ("done", "failed", "cancelled"))
    assert done["status"] == "done", done["message"]
    assert done["progress"] == 1.0 and done["scenario"] is not None
    scenario = api.ok("viewer", "GET", f"/api/scenarios/{done['scenario']}")
    assert scenario["name"] == "designed" and len(scenario["areas"]) == 38
    assert scenario["assignment"]["E07000127"] == scenario["assignment"]["E06000009"]  # the locks held
    assert any(n["kind"] == "job" for n in api.ok("analyst", "GET", "/api/notifications"))


def test_a_job_can_be_cancelled(api: Api) -> None:
    started = api.ok("admin", "POST", "/api/jobs", json={"name": "long", "time_limit": 300})
    cancelled = api.ok("admin", "POST", f"/api/jobs/{started['id']}/cancel")
    assert cancelled["status"] == "cancelling"
    assert _wait(api, started["id"], ("cancelled",), 30)["scenario"] is None
    again = api.post("admin", f"/api/jobs/{started['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"]["field"] == "job_id"


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "areas": 0}, "areas"),
    ({"name": "x", "time_limit": -1}, "time_limit"),
    ({"name": "x", "locks": {"E99999999": "A"}}, "locks"),
    ({"name": "x", "apart": [["E07000127"]]}, "apart[0]"),
    ({"name": "x", "from_scenario": 999}, "scenario_id"),
    ({"name": "x", "colour": "red"}, "colour"),
])
def test_bad_job_options_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("analyst", "/api/jobs", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == field, response.json()
    assert api.get("viewer", "/api/jobs/999").status_code == 404

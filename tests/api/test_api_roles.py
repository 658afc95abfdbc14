"""The role matrix: every role against every mutating endpoint -> allowed (2xx) or 403, on SQLite and
PostgreSQL. Each case builds the state it needs (a scenario, an open proposal, a running job) as admin."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from devoplan.testing import two_group_spec
from devoplan.testing.workspace import ROLE_NAMES, Api

WEST_LANCS = "E07000127"
ALL = tuple(ROLE_NAMES)
PROPOSERS = ("area", "analyst", "admin")
EDITORS = ("analyst", "admin")
ADMINS = ("admin",)
_names = itertools.count()


@dataclass(frozen=True)
class Case:
    """One mutating endpoint: ``build(api)`` returns (method, url, request kwargs) on fresh state."""

    name: str
    allowed: tuple[str, ...]
    build: Callable[[Api], tuple[str, str, dict[str, Any]]]


def _scenario(api: Api) -> dict[str, Any]:
    return api.ok("admin", "POST", "/api/scenarios", json={"name": f"s{next(_names)}",
                                                           "source": {"kind": "layer", "layer": "ICB"}})


def _move(api: Api, s: dict[str, Any]) -> dict[str, str]:
    return {"district": WEST_LANCS, "area": api.area_code(s, "Cheshire and Merseyside")}


def _edited(api: Api) -> dict[str, Any]:
    s = _scenario(api)
    api.ok("admin", "POST", f"/api/scenarios/{s['id']}/versions", json={"base_version": 1, "moves": [_move(api, s)]})
    return s


def _proposal(api: Api) -> int:
    s = _scenario(api)
    return int(api.ok("admin", "POST", f"/api/scenarios/{s['id']}/proposals",
                      json={"moves": [_move(api, s)], "reason": "r"})["id"])


def _undone(api: Api) -> dict[str, Any]:
    s = _edited(api)
    api.ok("admin", "POST", f"/api/scenarios/{s['id']}/undo", json={})
    return s


def _job(api: Api) -> int:
    return int(api.ok("admin", "POST", "/api/jobs", json={"name": "j", "time_limit": 60})["id"])


CASES: tuple[Case, ...] = (
    Case("add user", ADMINS, lambda api: ("POST", "/api/users", {"json": {
        "name": f"u{next(_names)}", "password": "long password", "role": "viewer"}})),
    Case("change user", ADMINS, lambda api: ("PATCH", f"/api/users/{api.users['viewer']}", {"json": {"active": True}})),
    Case("create scenario", EDITORS, lambda api: ("POST", "/api/scenarios", {"json": {
        "name": "x", "source": {"kind": "layer", "layer": "REGION"}}})),
    Case("upload scenario", EDITORS, lambda api: ("POST", "/api/scenarios/upload", {
        "data": {"name": "up"}, "files": {"file": ("p.csv", api.get("admin", f"/api/scenarios/{_scenario(api)['id']}"
                                                                         "/versions/1/plan.csv").content)}})),
    Case("change scenario", EDITORS, lambda api: ("PATCH", f"/api/scenarios/{_scenario(api)['id']}", {
        "json": {"description": "d"}})),
    Case("save edit", EDITORS, lambda api: (lambda s: ("POST", f"/api/scenarios/{s['id']}/versions", {
        "json": {"base_version": 1, "moves": [_move(api, s)]}}))(_scenario(api))),
    Case("restore", EDITORS, lambda api: ("POST", f"/api/scenarios/{_edited(api)['id']}/restore", {
        "json": {"version": 1}})),
    Case("undo", EDITORS, lambda api: ("POST", f"/api/scenarios/{_edited(api)['id']}/undo", {"json": {}})),
    Case("redo", EDITORS, lambda api: ("POST", f"/api/scenarios/{_undone(api)['id']}/redo", {"json": {}})),
    Case("preview", ALL, lambda api: (lambda s: ("POST", f"/api/scenarios/{s['id']}/preview", {
        "json": {"moves": [_move(api, s)]}}))(_scenario(api))),
    Case("propose", PROPOSERS, lambda api: (lambda s: ("POST", f"/api/scenarios/{s['id']}/proposals", {
        "json": {"moves": [_move(api, s)], "reason": "r"}}))(_scenario(api))),
    Case("accept", EDITORS, lambda api: ("POST", f"/api/proposals/{_proposal(api)}/accept", {"json": {}})),
    Case("reject", EDITORS, lambda api: ("POST", f"/api/proposals/{_proposal(api)}/reject", {"json": {}})),
    Case("counter", EDITORS, lambda api: ("POST", f"/api/proposals/{_proposal(api)}/counter", {
        "json": {"moves": [{"district": WEST_LANCS, "area": "E54000057"}], "reason": "r"}})),
    Case("comment on proposal", PROPOSERS, lambda api: ("POST", f"/api/proposals/{_proposal(api)}/comments", {
        "json": {"text": "t"}})),
    Case("comment on district", PROPOSERS, lambda api: ("POST", f"/api/scenarios/{_scenario(api)['id']}/comments", {
        "json": {"district": WEST_LANCS, "text": "t"}})),
    Case("mark notifications read", ALL, lambda api: ("POST", "/api/notifications/read-all", {})),
    Case("price a contract", ALL, lambda api: ("POST", "/api/pbr", {"json": two_group_spec()})),
    Case("start job", EDITORS, lambda api: ("POST", "/api/jobs", {"json": {"name": "j", "time_limit": 60}})),
    Case("cancel job", EDITORS, lambda api: ("POST", f"/api/jobs/{_job(api)}/cancel", {})),
)


def _cleanup_jobs(api: Api) -> None:
    for job in api.ok("admin", "GET", "/api/jobs"):
        if job["status"] in ("queued", "running"):
            api.post("admin", f"/api/jobs/{job['id']}/cancel")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_role_matrix(api_any: Api, case: Case) -> None:
    outcomes = {}
    for role in ROLE_NAMES:
        method, url, kwargs = case.build(api_any)
        response = api_any.request(role, method, url, **kwargs)
        outcomes[role] = response.status_code
        _cleanup_jobs(api_any)
    expected = {role: ("allowed" if role in case.allowed else 403) for role in ROLE_NAMES}
    got = {role: ("allowed" if 200 <= code < 300 else code) for role, code in outcomes.items()}
    assert got == expected


def test_logout_is_open_to_every_role(api: Api) -> None:
    from devoplan.testing.workspace import ROLE_NAMES, bearer

    for name in ROLE_NAMES.values():
        headers = bearer(api.client, name)
        assert api.client.post("/api/auth/logout", headers=headers).status_code == 200
    api.client.cookies.clear()


def test_every_mutating_route_is_in_the_matrix(api: Api) -> None:
    """A new endpoint that changes things must join the matrix (log-in and log-out are for everyone)."""
    spec = api.client.get("/openapi.json").json()
    mutating = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops if m != "get"}
    covered = {"/api/auth/login", "/api/auth/logout", "/api/notifications/{notification_id}/read"}
    templates = {
        "add user": "/api/users", "change user": "/api/users/{user_id}", "create scenario": "/api/scenarios",
        "upload scenario": "/api/scenarios/upload", "change scenario": "/api/scenarios/{scenario_id}",
        "save edit": "/api/scenarios/{scenario_id}/versions", "restore": "/api/scenarios/{scenario_id}/restore",
        "undo": "/api/scenarios/{scenario_id}/undo", "redo": "/api/scenarios/{scenario_id}/redo",
        "preview": "/api/scenarios/{scenario_id}/preview", "propose": "/api/scenarios/{scenario_id}/proposals",
        "accept": "/api/proposals/{proposal_id}/accept", "reject": "/api/proposals/{proposal_id}/reject",
        "counter": "/api/proposals/{proposal_id}/counter",
        "comment on proposal": "/api/proposals/{proposal_id}/comments",
        "comment on district": "/api/scenarios/{scenario_id}/comments",
        "mark notifications read": "/api/notifications/read-all", "start job": "/api/jobs",
        "cancel job": "/api/jobs/{job_id}/cancel", "price a contract": "/api/pbr",
    }
    assert set(templates) == {c.name for c in CASES}
    assert {path for _, path in mutating} == set(templates.values()) | covered

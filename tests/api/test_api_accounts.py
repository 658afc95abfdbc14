"""Accounts over the API: log-in and expiry, cookies with CSRF, log-in rate limit, user administration,
and ``devoplan users add``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from devoplan.api.auth import COOKIE, MAX_FAILURES
from devoplan.store.models import AuthToken
from devoplan.testing.cli import run_cli
from devoplan.testing.workspace import PASSWORD, Api


def test_login_me_logout_and_bearer(fresh_api: Api) -> None:
    client = fresh_api.client
    wrong = client.post("/api/auth/login", json={"name": "anna", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "password"
    unknown = client.post("/api/auth/login", json={"name": "nobody", "password": "nope"})
    assert unknown.json()["error"]["message"] == wrong.json()["error"]["message"]  # no hint which was wrong
    assert client.get("/api/auth/me").status_code == 401
    me = client.get("/api/auth/me", headers=fresh_api.headers["area"]).json()
    assert me.pop("csrf_token")
    assert me == {"id": fresh_api.users["area"], "name": "arun", "role": "area", "area": "E10000017", "active": True}
    done = client.post("/api/auth/logout", headers=fresh_api.headers["viewer"])
    assert done.status_code == 200
    assert client.get("/api/auth/me", headers=fresh_api.headers["viewer"]).status_code == 401


def test_cookie_sessions_need_the_csrf_token(fresh_api: Api) -> None:
    client = fresh_api.client
    login = client.post("/api/auth/login", json={"name": "anna", "password": PASSWORD})
    assert login.cookies.get(COOKIE) and "httponly" in login.headers["set-cookie"].lower()
    me = client.get("/api/auth/me").json()  # reads need no CSRF token; a new tab learns it here
    assert me["name"] == "anna" and me["csrf_token"] == login.json()["csrf_token"]
    body = {"name": "x", "source": {"kind": "layer", "layer": "REGION"}}
    refused = client.post("/api/scenarios", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "X-CSRF-Token"
    assert client.post("/api/scenarios", json=body, headers={"X-CSRF-Token": "guess"}).status_code == 403
    made = client.post("/api/scenarios", json=body, headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert made.status_code == 201
    client.cookies.clear()


def test_expired_tokens_are_refused(fresh_api: Api) -> None:
    with fresh_api.database.session() as s:
        s.execute(update(AuthToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    response = fresh_api.get("analyst", "/api/auth/me")
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]


def test_login_is_rate_limited(fresh_api: Api) -> None:
    client = fresh_api.client
    for _ in range(MAX_FAILURES):
        assert client.post("/api/auth/login", json={"name": "adam", "password": "wrong"}).status_code == 401
    limited = client.post("/api/auth/login", json={"name": "adam", "password": PASSWORD})
    assert limited.status_code == 429  # even the right password, until the window passes


def test_user_administration(fresh_api: Api) -> None:
    made = fresh_api.ok("admin", "POST", "/api/users", json={"name": "cara", "password": "long enough pw",
                                                             "role": "area", "area": "E08000012"})
    assert made["role"] == "area" and made["area"] == "E08000012"
    assert fresh_api.client.post("/api/auth/login", json={"name": "cara", "password": "long enough pw"}).is_success
    for body, status, field in (
        ({"name": "cara", "password": "long enough pw", "role": "viewer"}, 409, "name"),
        ({"name": "dan", "password": "short", "role": "viewer"}, 422, "password"),
        ({"name": "dan", "password": "long enough pw", "role": "king"}, 422, "role"),
        ({"name": "dan", "password": "long enough pw", "role": "area"}, 422, "area"),
        ({"name": "dan", "password": "long enough pw", "role": "area", "area": "E99"}, 422, "area"),
        ({"name": "dan bob", "password": "long enough pw", "role": "viewer"}, 422, "name"),
    ):
        response = fresh_api.post("admin", "/api/users", json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), response.text
    changed = fresh_api.ok("admin", "PATCH", f"/api/users/{made['id']}", json={"role": "analyst", "active": False})
    assert changed["role"] == "analyst" and not changed["active"]
    assert fresh_api.client.post("/api/auth/login", json={"name": "cara", "password": "long enough pw"}
                                 ).status_code == 401
    assert fresh_api.request("admin", "PATCH", "/api/users/999", json={"role": "viewer"}).status_code == 404
    names = [u["name"] for u in fresh_api.ok("admin", "GET", "/api/users")]
    assert names == ["vera", "arun", "anna", "adam", "cara"]
    actions = [e["action"] for e in fresh_api.ok("admin", "GET", "/api/audit") if e["action"].startswith("user.")]
    assert actions[:2] == ["user.change", "user.add"]


def test_users_add_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.db"
    secret = tmp_path / "pw"
    secret.write_text("a long password\n", encoding="utf-8")
    common = ["--db", str(db), "--password-file", str(secret)]
    code, out, _ = run_cli(["users", "add", "nina", "--role", "admin", *common], capsys)
    assert code == 0 and "added admin 'nina'" in out
    code, _, err = run_cli(["users", "add", "nina", "--role", "admin", *common], capsys)
    assert code == 2 and "user 'nina' exists already" in err
    code, _, err = run_cli(["users", "add", "omar", "--role", "area", "--area", "E99", *common], capsys)
    assert code == 2 and "--area: unknown area 'E99'" in err
    code, _, err = run_cli(["users", "add", "omar", "--role", "chief", *common], capsys)
    assert code == 2 and "--role: unknown role 'chief'" in err

"""Helpers for tests and benchmarks of the web workspace: one account per role and clients logged in.

``seed_accounts(database, geography)`` creates ``viewer``, ``area`` (for :data:`AREA_CODE`),
``analyst`` and ``admin`` users with :data:`PASSWORD`; ``bearer(client, name)`` logs one in and
returns the ``Authorization`` header.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import create_engine, text

from devoplan.geography.model import Geography
from devoplan.store.db import Database, normalise_url

if TYPE_CHECKING:  # the test client needs httpx, a development dependency
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
AREA_CODE = "E10000017"  # Lancashire county council: 12 districts in the Lancashire and South Cumbria ICB
ROLE_NAMES: dict[str, str] = {"viewer": "vera", "area": "arun", "analyst": "anna", "admin": "adam"}


class Poster(Protocol):
    def post(self, url: str, **kwargs: Any) -> Any: ...


def cheap_password_hashing() -> None:
    """Hash test accounts' passwords with Argon2's cheapest profile (tests only: it is not secure)."""
    from argon2 import PasswordHasher, profiles

    from devoplan.api.auth import use_hasher

    use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))


def seed_accounts(database: Database, geography: Geography, area: str = AREA_CODE) -> dict[str, int]:
    """One user per role (names in :data:`ROLE_NAMES`); returns role -> user id."""
    from devoplan.api.routes.accounts import create_user

    ids: dict[str, int] = {}
    with database.session() as session:
        for role, name in ROLE_NAMES.items():
            user = create_user(session, geography, name, PASSWORD, role, area if role == "area" else None)
            ids[role] = user.id
        session.commit()
    return ids


def bearer(client: Poster, name: str, password: str = PASSWORD) -> dict[str, str]:
    """Log ``name`` in and return the header that authenticates its requests."""
    response = client.post("/api/auth/login", json={"name": name, "password": password})
    if response.status_code != 200:
        raise AssertionError(f"log-in of {name} failed: {response.status_code} {response.text}")
    return {"Authorization": f"Bearer {response.json()['token']}"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, *, timeout: float = 90.0) -> subprocess.Popen[bytes]:
    """Run ``devoplan serve`` on 127.0.0.1:``port`` over ``url`` and wait until it answers."""
    import time

    import httpx

    exe = Path(sys.executable).with_name("devoplan")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", url], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    raise RuntimeError(f"devoplan serve did not start: {err[-500:]}")


_numbers = itertools.count(1)


def postgres_database(server: str) -> str:
    """A new empty database on the throwaway server (one per test)."""
    name = f"t{next(_numbers)}"
    engine = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


@dataclass
class Api:
    """A test client with one bearer header per role and helpers for common set-ups."""

    client: TestClient
    database: Database
    geography: Geography
    users: dict[str, int]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def request(self, role: str, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, headers=self.headers[role], **kwargs)

    def get(self, role: str, url: str, **kwargs: Any) -> Any:
        return self.request(role, "GET", url, **kwargs)

    def post(self, role: str, url: str, **kwargs: Any) -> Any:
        return self.request(role, "POST", url, **kwargs)

    def ok(self, role: str, method: str, url: str, **kwargs: Any) -> Any:
        response = self.request(role, method, url, **kwargs)
        assert response.status_code < 300, (method, url, response.status_code, response.text)
        return response.json()

    def scenario(self, layer: str = "ICB", name: str = "today's ICBs") -> dict[str, Any]:
        return self.ok("analyst", "POST", "/api/scenarios", json={"name": name,
                                                                  "source": {"kind": "layer", "layer": layer}})

    def area_code(self, scenario: dict[str, Any], words: str) -> str:
        return next(a["code"] for a in scenario["areas"] if words in a["name"])

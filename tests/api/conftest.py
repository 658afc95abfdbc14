"""Fixtures of the API tests: the England geography, a fresh database per test (SQLite, and a
throwaway PostgreSQL cluster where it can run), one logged-in account per role."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from devoplan.api.app import create_app
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.store.db import Database, normalise_url, open_database
from devoplan.testing.postgres import Unavailable, throwaway_postgres
from devoplan.testing.workspace import ROLE_NAMES, bearer, cheap_password_hashing, seed_accounts

ROLES = tuple(ROLE_NAMES)


@pytest.fixture(scope="session")
def england() -> Geography:
    cheap_password_hashing()
    return load_geography()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    try:
        with throwaway_postgres() as url:
            yield url
    except Unavailable as why:
        pytest.skip(f"PostgreSQL tests skipped: {why}")


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


def _api(database: Database, geography: Geography) -> Iterator[Api]:
    users = seed_accounts(database, geography)
    with TestClient(create_app(database, geography, serve_web=False)) as client:
        api = Api(client, database, geography, users)
        api.headers = {role: bearer(client, name) for role, name in ROLE_NAMES.items()}
        client.cookies.clear()  # the log-ins set cookies; requests here authenticate by their header only
        yield api
    database.dispose()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, england: Geography) -> Iterator[Api]:
    """The API over a SQLite database shared by a test module (each test makes its own scenarios)."""
    yield from _api(open_database(str(tmp_path_factory.mktemp("api") / "workspace.db")), england)


@pytest.fixture
def fresh_api(tmp_path: Path, england: Geography) -> Iterator[Api]:
    """The API over a new SQLite database (for tests of log-in limits and counts)."""
    yield from _api(open_database(str(tmp_path / "workspace.db")), england)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_any(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            england: Geography) -> Iterator[Api]:
    """The API over SQLite and over PostgreSQL (skipped with the reason where it cannot run)."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("api") / "workspace.db")
    else:
        url = postgres_database(request.getfixturevalue("postgres_server"))
    yield from _api(open_database(url), england)

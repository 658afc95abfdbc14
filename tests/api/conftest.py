"""Fixtures of the API tests: the England geography, a fresh database per test (SQLite, and a
throwaway PostgreSQL cluster where it can run), one logged-in account per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devoplan.api.app import create_app
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.store.db import Database, open_database
from devoplan.testing.postgres import Unavailable, throwaway_postgres
from devoplan.testing.workspace import ROLE_NAMES, Api, bearer, cheap_password_hashing, postgres_database, seed_accounts


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

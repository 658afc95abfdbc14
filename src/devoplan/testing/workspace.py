"""Helpers for tests and benchmarks of the web workspace: one account per role and clients logged in.

``seed_accounts(database, geography)`` creates ``viewer``, ``area`` (for :data:`AREA_CODE`),
``analyst`` and ``admin`` users with :data:`PASSWORD`; ``bearer(client, name)`` logs one in and
returns the ``Authorization`` header.
"""

from __future__ import annotations

from typing import Any, Protocol

from devoplan.geography.model import Geography
from devoplan.store.db import Database

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

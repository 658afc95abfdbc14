"""Accounts, log-in and who may do what.

Passwords are hashed with Argon2id (argon2-cffi). A log-in issues a random token: the client keeps it
in an HttpOnly cookie (browsers) or sends it as ``Authorization: Bearer`` (scripts); the database
keeps only its SHA-256 and its expiry. Cookie sessions must echo their CSRF token in the
``X-CSRF-Token`` header on every request that is not a GET (double submit, checked against the
stored token); bearer requests cannot be forged by another site and need none. Failed log-ins are
counted per name and per client address: more than ``MAX_FAILURES`` in ``FAILURE_WINDOW`` answers
429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from devoplan.api.errors import ApiError
from devoplan.store.models import ROLES, AuthToken, LoginAttempt, User

COOKIE = "devoplan_session"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=5)
MIN_PASSWORD = 8
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_hashing = {"hasher": PasswordHasher()}  # RFC 9106's recommended Argon2id parameters
_DUMMY_HASH = _hashing["hasher"].hash("not a real password")


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash new passwords with other parameters (tests use the cheapest profile to stay fast).

    Verification reads the parameters stored in each hash, so existing accounts keep working."""
    _hashing["hasher"] = hasher


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, f"password must be at least {MIN_PASSWORD} characters", "password")
    return _hashing["hasher"].hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hashing["hasher"].verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str
    csrf_token: str
    expires_at: datetime


def log_in(db: Session, name: str, password: str, client: str) -> LoginResult:
    """Check the password (rate limited) and issue a token; wrong name or password read the same."""
    since = now() - FAILURE_WINDOW
    failures = db.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, or_(LoginAttempt.name == name, LoginAttempt.client == client))) or 0
    if failures >= MAX_FAILURES:
        raise ApiError(429, f"too many failed log-ins; try again in {int(FAILURE_WINDOW.total_seconds())} s")
    user = db.scalar(select(User).where(User.name == name))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None and user.active
    if not ok or user is None:
        db.add(LoginAttempt(name=name[:80], client=client[:64]))
        db.commit()
        raise ApiError(401, "wrong name or password", "password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now() + TOKEN_LIFETIME
    db.execute(delete(AuthToken).where(AuthToken.expires_at < now()))
    db.add(AuthToken(token_hash=token_digest(token), csrf_token=csrf, user_id=user.id, expires_at=expires))
    db.commit()
    return LoginResult(user, token, csrf, expires)


def log_out(db: Session, token: str) -> None:
    db.execute(delete(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    db.commit()


def session_csrf(db: Session, token: str) -> str | None:
    """The CSRF token issued with a session token (None when the token is unknown)."""
    return db.scalar(select(AuthToken.csrf_token).where(AuthToken.token_hash == token_digest(token)))


def presented_token(request: Request) -> tuple[str | None, bool]:
    """The token and whether it came from the cookie (which needs a CSRF check)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    cookie = request.cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


def authenticate(db: Session, request: Request) -> User:
    """The logged-in user of a request, or 401; cookie requests that change things need their CSRF token."""
    token, from_cookie = presented_token(request)
    if not token:
        raise ApiError(401, "log in first (POST /api/auth/login)")
    row = db.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if row is None or aware(row.expires_at) <= now():
        raise ApiError(401, "session expired or unknown; log in again")
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent, row.csrf_token):
            raise ApiError(403, f"missing or wrong {CSRF_HEADER} header (cookie sessions must send it)",
                           CSRF_HEADER)
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        raise ApiError(401, "account disabled")
    return user


# -- roles ------------------------------------------------------------------------------------------
VIEWER, AREA, ANALYST, ADMIN = ROLES
PROPOSERS = (AREA, ANALYST, ADMIN)
COMMENTERS = (AREA, ANALYST, ADMIN)
EDITORS = (ANALYST, ADMIN)  # edit scenarios, run the optimiser, decide on proposals (government)
ADMINS = (ADMIN,)


def require(user: User, allowed: tuple[str, ...], action: str) -> None:
    if user.role not in allowed:
        raise ApiError(403, f"a {user.role} may not {action} (allowed: {', '.join(allowed)})")


def check_role(role: str, field: str = "role") -> str:
    if role not in ROLES:
        raise ApiError(422, f"unknown role '{role}'; allowed: {', '.join(ROLES)}", field)
    return role


RoleCheck = Callable[[User], None]

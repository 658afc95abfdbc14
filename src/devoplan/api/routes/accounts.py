"""Log-in, log-out, who am I, and user administration (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from devoplan.api.auth import (
    ADMINS,
    COOKIE,
    TOKEN_LIFETIME,
    check_role,
    hash_password,
    log_in,
    log_out,
    presented_token,
    require,
    session_csrf,
)
from devoplan.api.context import DB, WS, CurrentUser, audit
from devoplan.api.errors import ApiError, not_found
from devoplan.api.plans import check_area_code
from devoplan.api.schemas import LoginBody, UserBody, UserPatch
from devoplan.geography.model import Geography
from devoplan.store.models import User

router = APIRouter(prefix="/api", tags=["accounts"])


def user_doc(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "role": user.role, "area": user.area_code, "active": user.active}


@router.post("/auth/login")
def login(body: LoginBody, request: Request, response: Response, db: DB) -> dict[str, Any]:
    """Log in: sets the session cookie and returns the token (for ``Authorization: Bearer``) and CSRF token."""
    client = request.client.host if request.client else "unknown"
    result = log_in(db, body.name, body.password, client)
    response.set_cookie(COOKIE, result.token, max_age=int(TOKEN_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    audit(db, result.user, "login", f"user:{result.user.id}")
    db.commit()
    return {"user": user_doc(result.user), "token": result.token, "csrf_token": result.csrf_token,
            "expires_at": result.expires_at.isoformat()}


@router.post("/auth/logout")
def logout(request: Request, response: Response, user: CurrentUser, db: DB) -> dict[str, Any]:
    token, _ = presented_token(request)
    if token:
        log_out(db, token)
    response.delete_cookie(COOKIE, path="/")
    audit(db, user, "logout", f"user:{user.id}")
    db.commit()
    return {"ok": True}


@router.get("/auth/me")
def me(request: Request, user: CurrentUser, db: DB) -> dict[str, Any]:
    """Who is logged in, with the session's CSRF token (so a new tab on a cookie session can change things)."""
    token, _ = presented_token(request)
    return user_doc(user) | {"csrf_token": session_csrf(db, token or "")}


@router.get("/users")
def list_users(user: CurrentUser, db: DB) -> list[dict[str, Any]]:
    require(user, ADMINS, "list users")
    return [user_doc(u) for u in db.scalars(select(User).order_by(User.id))]


def create_user(db: Session, geography: Geography, name: str, password: str, role: str, area: str | None) -> User:
    """Shared by the API and ``devoplan users add``: checks role, area and a free name."""
    check_role(role)
    if role == "area" and not area:
        raise ApiError(422, "an area user needs an area (a district or layer area code)", "area")
    if area:
        check_area_code(geography, area)
    if db.scalar(select(User).where(User.name == name)) is not None:
        raise ApiError(409, f"user '{name}' exists already", "name")
    user = User(name=name, password_hash=hash_password(password), role=role, area_code=area or None)
    db.add(user)
    db.flush()
    return user


@router.post("/users", status_code=201)
def add_user(body: UserBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    require(user, ADMINS, "add users")
    new = create_user(db, ws.geography, body.name, body.password, body.role, body.area)
    audit(db, user, "user.add", f"user:{new.id}", name=new.name, role=new.role, area=new.area_code)
    db.commit()
    return user_doc(new)


@router.patch("/users/{user_id}")
def change_user(user_id: int, body: UserPatch, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    require(user, ADMINS, "change users")
    target = db.get(User, user_id)
    if target is None:
        raise not_found("user", user_id, "user_id")
    changes: dict[str, Any] = {}
    if body.role is not None:
        target.role = changes["role"] = check_role(body.role)
    if body.area is not None:
        target.area_code = changes["area"] = check_area_code(ws.geography, body.area) if body.area else None
    if target.role == "area" and not target.area_code:
        raise ApiError(422, "an area user needs an area (a district or layer area code)", "area")
    if body.password is not None:
        target.password_hash = hash_password(body.password)
        changes["password"] = "changed"
    if body.active is not None:
        target.active = changes["active"] = body.active
    audit(db, user, "user.change", f"user:{target.id}", **changes)
    db.commit()
    return user_doc(target)

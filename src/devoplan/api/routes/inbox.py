"""Notifications (each user's own) and the audit log (analysts and admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select, update

from devoplan.api.auth import EDITORS, require
from devoplan.api.context import DB, CurrentUser
from devoplan.api.errors import not_found
from devoplan.store.models import AuditEntry, Notification

router = APIRouter(prefix="/api", tags=["notifications", "audit"])


@router.get("/notifications")
def notifications(user: CurrentUser, db: DB, unread: bool = False) -> list[dict[str, Any]]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread:
        query = query.where(Notification.read.is_(False))
    return [{"id": n.id, "kind": n.kind, "text": n.text, "scenario": n.scenario_id, "proposal": n.proposal_id,
             "read": n.read, "created_at": n.created_at.isoformat()}
            for n in db.scalars(query.order_by(Notification.id.desc()).limit(200))]


@router.post("/notifications/{notification_id}/read")
def mark_read(notification_id: int, user: CurrentUser, db: DB) -> dict[str, Any]:
    found = db.scalar(select(Notification).where(Notification.id == notification_id,
                                                 Notification.user_id == user.id))
    if found is None:
        raise not_found("notification", notification_id, "notification_id")
    found.read = True
    db.commit()
    return {"id": found.id, "read": True}


@router.post("/notifications/read-all")
def mark_all_read(user: CurrentUser, db: DB) -> dict[str, Any]:
    result = db.execute(update(Notification).where(Notification.user_id == user.id, Notification.read.is_(False))
                        .values(read=True))
    db.commit()
    return {"marked": int(getattr(result, "rowcount", 0) or 0)}


@router.get("/audit")
def audit_log(user: CurrentUser, db: DB, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
              action: str | None = None) -> list[dict[str, Any]]:
    require(user, EDITORS, "read the audit log")
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = db.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    return [{"id": e.id, "at": e.at.isoformat(), "user": e.user_name, "user_id": e.user_id, "action": e.action,
             "target": e.target, "detail": e.detail} for e in rows]

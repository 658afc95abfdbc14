"""What every request handler reaches: the workspace (database, geography, what-if engine, jobs),
a database session per request, the logged-in user, and the small helpers that record a change
(audit entry, notifications) in the same transaction as the change itself."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from devoplan.api.auth import authenticate
from devoplan.api.errors import not_found
from devoplan.api.plans import to_plan
from devoplan.api.whatif import WhatIf
from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.store.db import Database
from devoplan.store.models import AuditEntry, Notification, Scenario, User, Version

if TYPE_CHECKING:
    from devoplan.api.jobs import JobRunner


PLAN_CACHE = 1024


@dataclass
class Workspace:
    """What the app serves: the database, the geography, the what-if engine, the optimiser jobs."""

    db: Database
    geography: Geography
    whatif: WhatIf
    jobs: JobRunner
    plans: OrderedDict[int, tuple[str, Plan]] = field(default_factory=OrderedDict)
    plans_lock: threading.Lock = field(default_factory=threading.Lock)


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def db_session(request: Request) -> Iterator[Session]:
    with workspace(request).db.session() as session:
        yield session


def current_user(request: Request, db: Annotated[Session, Depends(db_session)]) -> User:
    return authenticate(db, request)


WS = Annotated[Workspace, Depends(workspace)]
DB = Annotated[Session, Depends(db_session)]
CurrentUser = Annotated[User, Depends(current_user)]


def audit(db: Session, user: User | None, action: str, target: str, **detail: Any) -> None:
    db.add(AuditEntry(user_id=user.id if user else None, user_name=user.name if user else "system",
                      action=action, target=target, detail=detail))


def notify(db: Session, users: Iterable[int], kind: str, text: str, *, scenario: int | None = None,
           proposal: int | None = None, skip: int | None = None) -> None:
    for uid in sorted(set(users) - {skip} if skip is not None else set(users)):
        db.add(Notification(user_id=uid, kind=kind, text=text, scenario_id=scenario, proposal_id=proposal))


def government(db: Session) -> list[int]:
    """Users who decide proposals (analysts and admins)."""
    return list(db.scalars(select(User.id).where(User.role.in_(("analyst", "admin")), User.active)))


def get_scenario(db: Session, scenario_id: int, *, lock: bool = False) -> Scenario:
    query = select(Scenario).where(Scenario.id == scenario_id)
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise not_found("scenario", scenario_id, "scenario_id")
    return found


def get_version(db: Session, scenario: Scenario, number: int | None = None, field: str = "version") -> Version:
    n = scenario.head if number is None else number
    found = db.scalar(select(Version).where(Version.scenario_id == scenario.id, Version.number == n))
    if found is None:
        raise not_found(f"version of scenario {scenario.id} numbered", n, field)
    return found


def version_plan(ws: Workspace, version: Version) -> Plan:
    """The version's plan (versions never change, so each is built once per server, by row id)."""
    with ws.plans_lock:
        found = ws.plans.get(version.id)
    if found is not None and found[0] == version.digest:
        return found[1]
    plan = to_plan(ws.geography, version.labels, version.names)
    with ws.plans_lock:
        ws.plans[version.id] = (version.digest, plan)
        while len(ws.plans) > PLAN_CACHE:
            ws.plans.popitem(last=False)
    return plan


def user_ref(db: Session, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    user = db.get(User, user_id)
    return {"id": user_id, "name": user.name if user else "?"}

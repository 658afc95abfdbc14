"""Optimiser jobs: start (analysts), follow, cancel. A finished job creates a scenario."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from devoplan.api.auth import EDITORS, require
from devoplan.api.context import DB, WS, CurrentUser, Workspace, audit, get_scenario, get_version, notify
from devoplan.api.errors import ApiError, not_found
from devoplan.api.plans import to_plan
from devoplan.api.routes.scenarios import new_scenario
from devoplan.api.schemas import JobBody
from devoplan.design.options import DesignOptions
from devoplan.plan import Plan
from devoplan.store.models import Job, Scenario, User

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
MAX_RUNNING = 2  # the optimiser uses a core each; more would starve the previews


def job_doc(job: Job) -> dict[str, Any]:
    return {"id": job.id, "name": job.name, "status": job.status, "progress": round(job.progress, 4),
            "phase": job.phase, "message": job.message, "scenario": job.scenario_id, "options": job.options,
            "created_by": job.created_by, "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def design_options(body: JobBody, locks: dict[str, str]) -> DesignOptions:
    """The library's options (validated there: a bad value is a 422 naming the field)."""
    return DesignOptions(areas=body.areas, time_limit=body.time_limit, locks=locks,
                         together=tuple(tuple(g) for g in body.together),
                         apart=tuple((p[0], p[1]) if len(p) == 2 else _bad_pair(i) for i, p in enumerate(body.apart)),
                         compute_bound=body.prove)


def _bad_pair(i: int) -> tuple[str, str]:
    raise ApiError(422, "each apart entry is a pair of codes", f"apart[{i}]")


def _locks(db: Session, ws: Workspace, body: JobBody) -> dict[str, str]:
    """The request's locks, plus a scenario's locks (district -> the name of its area there)."""
    locks = dict(body.locks)
    if body.from_scenario is not None:
        scenario = get_scenario(db, body.from_scenario)
        version = get_version(db, scenario)
        for district, area in scenario.locks.items():
            locks.setdefault(district, str(version.names.get(area, area)))
    return locks


@router.post("", status_code=202)
def start_job(body: JobBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """Run the optimiser in the background; with no options it draws the default plan."""
    require(user, EDITORS, "run the optimiser")
    if ws.geography.assets.directory is None:
        raise ApiError(409, "the optimiser runs in its own process, which loads the geography from its directory; "
                            "this geography was built in memory")
    options = design_options(body, _locks(db, ws, body))
    _check_codes(ws, options)
    if ws.jobs.active() >= MAX_RUNNING:
        raise ApiError(429, f"{MAX_RUNNING} optimiser jobs are running already; wait or cancel one")
    job = Job(name=body.name, options=body.model_dump(), created_by=user.id)
    db.add(job)
    db.flush()
    audit(db, user, "job.start", f"job:{job.id}", options=job.options)
    db.commit()
    ws.jobs.start(job.id, options, body.seed)
    db.refresh(job)
    return job_doc(job)


def _check_codes(ws: Workspace, options: DesignOptions) -> None:
    """Codes in locks/together/apart must be districts or layer areas (else the child would fail late)."""
    from devoplan.design.blocks import build_blocks

    build_blocks(ws.geography, options)  # raises DevoplanError naming the unknown code or the clash


@router.get("")
def list_jobs(user: CurrentUser, db: DB) -> list[dict[str, Any]]:
    return [job_doc(j) for j in db.scalars(select(Job).order_by(Job.id.desc()).limit(100))]


@router.get("/{job_id}")
def read_job(job_id: int, user: CurrentUser, db: DB) -> dict[str, Any]:
    job = db.get(Job, job_id)
    if job is None:
        raise not_found("job", job_id, "job_id")
    return job_doc(job)


@router.post("/{job_id}/cancel")
def cancel_job(job_id: int, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    require(user, EDITORS, "cancel optimiser jobs")
    job = db.get(Job, job_id)
    if job is None:
        raise not_found("job", job_id, "job_id")
    if job.status not in ("queued", "running") or not ws.jobs.cancel(job_id):
        raise ApiError(409, f"job {job_id} is {job.status}, not running", "job_id")
    audit(db, user, "job.cancel", f"job:{job.id}")
    db.commit()
    return job_doc(job) | {"status": "cancelling"}


def finished(ws: Workspace) -> Callable[[Session, Job, list[str], dict[str, str], float], Scenario]:
    """The runner's callback: a finished job becomes a scenario owned by whoever started it."""

    def make(db: Session, job: Job, labels: list[str], names: dict[str, str], objective: float) -> Scenario:
        user = db.get(User, job.created_by)
        assert user is not None
        plan: Plan = to_plan(ws.geography, labels, names)
        scenario = new_scenario(db, user, job.name, f"optimiser job {job.id} (objective {objective})", plan,
                                f"optimiser job {job.id}")
        notify(db, [user.id], "job", f"optimiser job {job.id} finished: scenario '{job.name}'", scenario=scenario.id)
        return scenario

    return make

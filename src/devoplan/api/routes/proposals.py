"""Proposals (an area proposes moves with a reason; government accepts, rejects or counter-proposes)
and comments on proposals or districts. Everyone can see a proposal's effect before it is decided."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from devoplan.api.auth import COMMENTERS, EDITORS, PROPOSERS, require
from devoplan.api.context import (
    DB,
    WS,
    CurrentUser,
    Workspace,
    audit,
    get_scenario,
    get_version,
    government,
    notify,
    user_ref,
    version_plan,
)
from devoplan.api.errors import ApiError, forbidden, not_found
from devoplan.api.plans import Move, apply_moves, area_districts, district_position, resolve_moves
from devoplan.api.schemas import CommentBody, CounterBody, DecisionBody, MoveBody, ProposalBody
from devoplan.api.versions import commit_version, version_summary
from devoplan.plan import Plan
from devoplan.store.models import Comment, Proposal, Scenario, User

router = APIRouter(prefix="/api", tags=["proposals"])


def proposal_doc(db: Session, p: Proposal) -> dict[str, Any]:
    return {"id": p.id, "scenario": p.scenario_id, "base_version": p.base_version, "moves": p.moves,
            "reason": p.reason, "status": p.status, "author": user_ref(db, p.author_id), "counter_of": p.counter_of,
            "decided_by": user_ref(db, p.decided_by), "decision_note": p.decision_note,
            "decided_at": p.decided_at.isoformat() if p.decided_at else None, "result_version": p.result_version,
            "created_at": p.created_at.isoformat()}


def _get(db: Session, proposal_id: int, *, lock: bool = False) -> Proposal:
    query = select(Proposal).where(Proposal.id == proposal_id)
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise not_found("proposal", proposal_id, "proposal_id")
    return found


def check_area_user(ws: Workspace, user: User, plan: Plan, moves: list[Move]) -> None:
    """An area user proposes only moves of their own districts or into/out of an area holding one."""
    if user.role != "area":
        return
    own = area_districts(ws.geography, user.area_code or "")
    own_areas = {int(plan.assignment[u]) for u in own}
    for i, move in enumerate(moves):
        if move.unit not in own and move.area not in own_areas and int(plan.assignment[move.unit]) not in own_areas:
            raise ApiError(403, f"an area user of {user.area_code} may propose moves of its own districts or into "
                                f"or out of the areas that hold them ({ws.geography.units.codes[move.unit]} is "
                                "neither)", f"moves[{i}].district")


def _resolved(ws: Workspace, scenario: Scenario, plan: Plan, moves: list[MoveBody] | list[dict[str, Any]]
              ) -> list[Move]:
    raw = [m.model_dump() if isinstance(m, MoveBody) else m for m in moves]
    return resolve_moves(ws.geography, plan, raw, scenario.locks)


def _codes(ws: Workspace, plan: Plan, moves: list[Move]) -> list[dict[str, str]]:
    return [{"district": ws.geography.units.codes[m.unit], "area": plan.area_codes[m.area]} for m in moves]


@router.post("/scenarios/{scenario_id}/proposals", status_code=201)
def propose(scenario_id: int, body: ProposalBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    require(user, PROPOSERS, "propose changes")
    scenario = get_scenario(db, scenario_id)
    version = get_version(db, scenario, body.base_version, "base_version")
    plan = version_plan(ws, version)
    moves = _resolved(ws, scenario, plan, body.moves)
    check_area_user(ws, user, plan, moves)
    proposal = Proposal(scenario_id=scenario.id, base_version=version.number, author_id=user.id,
                        reason=body.reason, moves=_codes(ws, plan, moves))
    db.add(proposal)
    db.flush()
    notify(db, government(db), "proposal", f"{user.name} proposes {len(moves)} move(s) in '{scenario.name}'",
           scenario=scenario.id, proposal=proposal.id, skip=user.id)
    audit(db, user, "proposal.create", f"proposal:{proposal.id}", scenario=scenario.id, moves=proposal.moves)
    db.commit()
    return proposal_doc(db, proposal)


@router.get("/scenarios/{scenario_id}/proposals")
def list_proposals(scenario_id: int, user: CurrentUser, db: DB, status: str | None = None) -> list[dict[str, Any]]:
    get_scenario(db, scenario_id)
    query = select(Proposal).where(Proposal.scenario_id == scenario_id).order_by(Proposal.id)
    if status is not None:
        query = query.where(Proposal.status == status)
    return [proposal_doc(db, p) for p in db.scalars(query)]


@router.get("/proposals/{proposal_id}")
def read_proposal(proposal_id: int, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """The proposal and its effect on the scenario's current version (null with the reason if it no longer applies)."""
    proposal = _get(db, proposal_id)
    scenario = get_scenario(db, proposal.scenario_id)
    plan = version_plan(ws, get_version(db, scenario))
    doc = proposal_doc(db, proposal)
    try:
        doc["effect"] = ws.whatif.preview(plan, _resolved(ws, scenario, plan, proposal.moves))
        doc["applies"] = None
    except ApiError as exc:
        doc["effect"], doc["applies"] = None, exc.message
    return doc


def _decidable(db: Session, user: User, proposal: Proposal) -> None:
    """Government decides; the author of a proposal that was countered may decide the counter-proposal."""
    if proposal.status != "open":
        raise ApiError(409, f"proposal {proposal.id} is {proposal.status} already", "proposal_id")
    if user.role in EDITORS:
        return
    original = db.get(Proposal, proposal.counter_of) if proposal.counter_of else None
    if original is None or original.author_id != user.id:
        raise forbidden(f"a {user.role} may not decide proposals (allowed: {', '.join(EDITORS)}, or the author of "
                        "a countered proposal for the counter-proposal)")


def _close(proposal: Proposal, user: User, status: str, note: str) -> None:
    proposal.status, proposal.decided_by, proposal.decision_note = status, user.id, note
    proposal.decided_at = datetime.now(UTC)


@router.post("/proposals/{proposal_id}/accept")
def accept(proposal_id: int, body: DecisionBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """Apply the proposal to the scenario's current version as a new version."""
    proposal = _get(db, proposal_id, lock=True)
    _decidable(db, user, proposal)
    scenario = get_scenario(db, proposal.scenario_id, lock=True)
    plan = version_plan(ws, get_version(db, scenario))
    moves = _resolved(ws, scenario, plan, proposal.moves)
    version = commit_version(db, scenario, apply_moves(plan, moves), kind="proposal", user=user, previous=plan,
                             message=f"proposal {proposal.id} accepted: {proposal.reason}"[:2000])
    _close(proposal, user, "accepted", body.note)
    proposal.result_version = version.number
    notify(db, [proposal.author_id], "decision", f"{user.name} accepted your proposal {proposal.id}",
           scenario=scenario.id, proposal=proposal.id, skip=user.id)
    audit(db, user, "proposal.accept", f"proposal:{proposal.id}", version=version.number)
    db.commit()
    return proposal_doc(db, proposal) | {"version": version_summary(db, version)}


@router.post("/proposals/{proposal_id}/reject")
def reject(proposal_id: int, body: DecisionBody, user: CurrentUser, db: DB) -> dict[str, Any]:
    proposal = _get(db, proposal_id, lock=True)
    _decidable(db, user, proposal)
    _close(proposal, user, "rejected", body.note)
    notify(db, [proposal.author_id], "decision", f"{user.name} rejected your proposal {proposal.id}",
           scenario=proposal.scenario_id, proposal=proposal.id, skip=user.id)
    audit(db, user, "proposal.reject", f"proposal:{proposal.id}", note=body.note)
    db.commit()
    return proposal_doc(db, proposal)


@router.post("/proposals/{proposal_id}/counter", status_code=201)
def counter(proposal_id: int, body: CounterBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """Government answers with other moves: the original is closed as countered, the counter is open."""
    require(user, EDITORS, "counter-propose")
    proposal = _get(db, proposal_id, lock=True)
    _decidable(db, user, proposal)
    scenario = get_scenario(db, proposal.scenario_id)
    version = get_version(db, scenario)
    plan = version_plan(ws, version)
    moves = _resolved(ws, scenario, plan, body.moves)
    answer = Proposal(scenario_id=scenario.id, base_version=version.number, author_id=user.id, reason=body.reason,
                      moves=_codes(ws, plan, moves), counter_of=proposal.id)
    db.add(answer)
    _close(proposal, user, "countered", body.reason)
    db.flush()
    notify(db, [proposal.author_id], "counter", f"{user.name} counter-proposed on your proposal {proposal.id}",
           scenario=scenario.id, proposal=answer.id, skip=user.id)
    audit(db, user, "proposal.counter", f"proposal:{proposal.id}", counter=answer.id, moves=answer.moves)
    db.commit()
    return proposal_doc(db, answer)


# -- comments ---------------------------------------------------------------------------------------
def comment_doc(db: Session, c: Comment) -> dict[str, Any]:
    return {"id": c.id, "scenario": c.scenario_id, "proposal": c.proposal_id, "district": c.district,
            "author": user_ref(db, c.author_id), "text": c.text, "created_at": c.created_at.isoformat()}


@router.post("/proposals/{proposal_id}/comments", status_code=201)
def comment_proposal(proposal_id: int, body: CommentBody, user: CurrentUser, db: DB) -> dict[str, Any]:
    require(user, COMMENTERS, "comment")
    if body.district is not None:
        raise ApiError(422, "a comment on a proposal names no district", "district")
    proposal = _get(db, proposal_id)
    comment = Comment(scenario_id=proposal.scenario_id, proposal_id=proposal.id, author_id=user.id, text=body.text)
    db.add(comment)
    others = set(db.scalars(select(Comment.author_id).where(Comment.proposal_id == proposal.id)))
    db.flush()
    notify(db, others | {proposal.author_id}, "comment", f"{user.name} commented on proposal {proposal.id}",
           scenario=proposal.scenario_id, proposal=proposal.id, skip=user.id)
    audit(db, user, "comment.add", f"proposal:{proposal.id}", comment=comment.id)
    db.commit()
    return comment_doc(db, comment)


@router.get("/proposals/{proposal_id}/comments")
def proposal_comments(proposal_id: int, user: CurrentUser, db: DB) -> list[dict[str, Any]]:
    _get(db, proposal_id)
    rows = db.scalars(select(Comment).where(Comment.proposal_id == proposal_id).order_by(Comment.id))
    return [comment_doc(db, c) for c in rows]


@router.post("/scenarios/{scenario_id}/comments", status_code=201)
def comment_district(scenario_id: int, body: CommentBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """A comment on a district of a scenario; an area user comments on their own districts."""
    require(user, COMMENTERS, "comment")
    scenario = get_scenario(db, scenario_id)
    if body.district is None:
        raise ApiError(422, "name the district the comment is about", "district")
    unit = district_position(ws.geography, body.district, "district")
    if user.role == "area" and unit not in area_districts(ws.geography, user.area_code or ""):
        raise forbidden(f"an area user of {user.area_code} comments on its own districts")
    code = ws.geography.units.codes[unit]
    comment = Comment(scenario_id=scenario.id, district=code, author_id=user.id, text=body.text)
    db.add(comment)
    db.flush()
    audit(db, user, "comment.add", f"scenario:{scenario.id}", district=code, comment=comment.id)
    db.commit()
    return comment_doc(db, comment)


@router.get("/scenarios/{scenario_id}/comments")
def scenario_comments(scenario_id: int, user: CurrentUser, db: DB, ws: WS,
                      district: str | None = None) -> list[dict[str, Any]]:
    get_scenario(db, scenario_id)
    query = select(Comment).where(Comment.scenario_id == scenario_id, Comment.proposal_id.is_(None))
    if district is not None:
        query = query.where(Comment.district == ws.geography.units.codes[
            district_position(ws.geography, district, "district")])
    return [comment_doc(db, c) for c in db.scalars(query.order_by(Comment.id))]

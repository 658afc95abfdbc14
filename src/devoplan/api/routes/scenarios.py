"""Scenarios and their versions: create, list, edit (save moves), preview, restore, undo/redo, diff."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from sqlalchemy import select

from devoplan.api.auth import EDITORS, require
from devoplan.api.context import DB, WS, CurrentUser, Workspace, audit, get_scenario, get_version, version_plan
from devoplan.api.errors import ApiError
from devoplan.api.plans import apply_moves, check_locks, district_position, resolve_moves
from devoplan.api.schemas import EditBody, PreviewBody, RestoreBody, ScenarioBody, ScenarioPatch, Source, StepBody
from devoplan.api.versions import check_base, commit_version, version_summary
from devoplan.errors import DevoplanError
from devoplan.plan import Plan
from devoplan.planio import read_plan
from devoplan.store.models import Scenario, User, Version

router = APIRouter(prefix="/api/scenarios", tags=["scenarios"])
MAX_UPLOAD = 5 * 1024 * 1024


def scenario_doc(scenario: Scenario) -> dict[str, Any]:
    return {"id": scenario.id, "name": scenario.name, "description": scenario.description,
            "version": scenario.head, "locks": scenario.locks, "created_by": scenario.created_by,
            "created_at": scenario.created_at.isoformat(),
            "can_undo": bool(scenario.undo_stack), "can_redo": bool(scenario.redo_stack)}


def assignment_doc(ws: Workspace, version: Version) -> dict[str, Any]:
    """The whole plan of a version: district code -> area code, and the areas in order with names."""
    return {"assignment": dict(zip(ws.geography.units.codes, version.labels, strict=True)),
            "areas": [{"code": c, "name": n} for c, n in version.names.items()]}


def full_doc(ws: Workspace, scenario: Scenario, version: Version) -> dict[str, Any]:
    return scenario_doc(scenario) | assignment_doc(ws, version)


def new_scenario(db: DB, user: User, name: str, description: str, plan: Plan, message: str) -> Scenario:
    scenario = Scenario(name=name, description=description, created_by=user.id, locks={}, undo_stack=[],
                        redo_stack=[])
    db.add(scenario)
    db.flush()
    commit_version(db, scenario, plan, kind="create", user=user, message=message)
    audit(db, user, "scenario.create", f"scenario:{scenario.id}", name=name, source=message)
    return scenario


def _source_plan(db: DB, ws: WS, source: Source) -> tuple[Plan, str]:
    geo = ws.geography
    if source.kind == "layer":
        if not source.layer or source.layer not in geo.layers:
            raise ApiError(422, f"unknown layer '{source.layer}'; allowed: {', '.join(geo.layers)}", "source.layer")
        return Plan.from_layer(geo, source.layer), f"from layer {source.layer}"
    if source.kind == "version":
        if source.scenario is None:
            raise ApiError(422, "give the scenario to copy", "source.scenario")
        other = get_scenario(db, source.scenario)
        version = get_version(db, other, source.version, "source.version")
        return version_plan(ws, version), f"copy of scenario {other.id} version {version.number}"
    if not source.assignment:
        raise ApiError(422, "give the assignment: district code -> area code for every district", "source.assignment")
    labels = []
    for code in geo.units.codes:
        if code not in source.assignment:
            raise ApiError(422, f"district {code} has no area ({len(source.assignment)} of {geo.n_units} given)",
                           f"source.assignment.{code}")
        labels.append(source.assignment[code])
    for key in source.assignment:
        if key not in geo.units.index:
            district_position(geo, key, f"source.assignment.{key}")  # names it, or says it is unknown
            raise ApiError(422, f"give district codes, not names ('{key}')", f"source.assignment.{key}")
    return Plan.from_labels(geo.units.codes, labels, source.names or {}), "from an assignment"


@router.get("")
def list_scenarios(user: CurrentUser, db: DB) -> list[dict[str, Any]]:
    return [scenario_doc(s) for s in db.scalars(select(Scenario).order_by(Scenario.id))]


@router.post("", status_code=201)
def create_scenario(body: ScenarioBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """A scenario from a layer, a saved version, or an assignment (the default plan: ``POST /api/jobs``)."""
    require(user, EDITORS, "create scenarios")
    plan, message = _source_plan(db, ws, body.source)
    scenario = new_scenario(db, user, body.name, body.description, plan, message)
    db.commit()
    return full_doc(ws, scenario, get_version(db, scenario))


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@router.post("/upload", status_code=201)
def upload_scenario(user: CurrentUser, db: DB, ws: WS, file: Annotated[UploadFile, File()],
                    name: Annotated[str, Form(min_length=1, max_length=200)],
                    description: Annotated[str, Form(max_length=5000)] = "") -> dict[str, Any]:
    """A scenario from a plan file: CSV (``LAD24CD,area_code,area_name``) or GeoJSON areas."""
    require(user, EDITORS, "create scenarios")
    filename = _SAFE_NAME.sub("_", Path(file.filename or "plan.csv").name)[:100] or "plan.csv"
    if Path(filename).suffix.lower() not in (".csv", ".geojson", ".json"):
        raise ApiError(422, f"{filename}: a plan upload must be .csv, .geojson or .json", "file")
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, f"{filename}: larger than {MAX_UPLOAD // (1024 * 1024)} MB", "file")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        try:
            plan = read_plan(path, ws.geography)
        except DevoplanError as exc:
            raise ApiError(422, str(exc).replace(str(path), filename), getattr(exc, "field", None) or "file") from None
    scenario = new_scenario(db, user, name, description, plan, f"uploaded {filename}")
    db.commit()
    return full_doc(ws, scenario, get_version(db, scenario))


@router.get("/{scenario_id}")
def read_scenario(scenario_id: int, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    scenario = get_scenario(db, scenario_id)
    return full_doc(ws, scenario, get_version(db, scenario))


@router.patch("/{scenario_id}")
def change_scenario(scenario_id: int, body: ScenarioPatch, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """Rename, describe, or set the locks (district -> the area it must stay in)."""
    require(user, EDITORS, "change scenarios")
    scenario = get_scenario(db, scenario_id, lock=True)
    version = get_version(db, scenario)
    changes: dict[str, Any] = {}
    if body.name is not None:
        scenario.name = changes["name"] = body.name
    if body.description is not None:
        scenario.description = changes["description"] = body.description
    if body.locks is not None:
        scenario.locks = changes["locks"] = check_locks(ws.geography, version_plan(ws, version), body.locks)
    audit(db, user, "scenario.change", f"scenario:{scenario.id}", **changes)
    db.commit()
    return full_doc(ws, scenario, version)


@router.get("/{scenario_id}/versions")
def history(scenario_id: int, user: CurrentUser, db: DB) -> list[dict[str, Any]]:
    scenario = get_scenario(db, scenario_id)
    rows = db.scalars(select(Version).where(Version.scenario_id == scenario.id).order_by(Version.number.desc()))
    return [version_summary(db, v) for v in rows]


@router.get("/{scenario_id}/versions/{number}")
def read_version(scenario_id: int, number: int, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    scenario = get_scenario(db, scenario_id)
    version = get_version(db, scenario, number)
    return version_summary(db, version, assignment_doc(ws, version))


@router.post("/{scenario_id}/preview")
def preview(scenario_id: int, body: PreviewBody, user: CurrentUser, db: DB, ws: WS) -> Response:
    """What changes if these moves are made (nothing is saved); any logged-in user may ask."""
    scenario = get_scenario(db, scenario_id)
    plan = version_plan(ws, get_version(db, scenario, body.version))
    moves = resolve_moves(ws.geography, plan, [m.model_dump() for m in body.moves], scenario.locks)
    # the document is plain finite JSON already: skip FastAPI's generic encoder (a millisecond per preview)
    return Response(json.dumps(ws.whatif.preview(plan, moves), separators=(",", ":")),
                    media_type="application/json")


@router.post("/{scenario_id}/versions", status_code=201)
def save_edit(scenario_id: int, body: EditBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """Save moves as the next version; ``base_version`` must be the current one (else 409)."""
    require(user, EDITORS, "edit scenarios")
    scenario = get_scenario(db, scenario_id, lock=True)
    check_base(scenario, body.base_version)
    plan = version_plan(ws, get_version(db, scenario))
    moves = resolve_moves(ws.geography, plan, [m.model_dump() for m in body.moves], scenario.locks)
    edited = apply_moves(plan, moves)
    version = commit_version(db, scenario, edited, kind="edit", user=user, message=body.message, previous=plan)
    audit(db, user, "scenario.edit", f"scenario:{scenario.id}", version=version.number, moves=version.moves)
    db.commit()
    ws.whatif.session(edited)  # ready for the next preview of the new version (the editor's next request)
    return version_summary(db, version, {"scenario": scenario_doc(scenario)})


@router.post("/{scenario_id}/restore", status_code=201)
def restore(scenario_id: int, body: RestoreBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    """Make an earlier version current again (as a new version; history is never rewritten)."""
    require(user, EDITORS, "restore versions")
    scenario = get_scenario(db, scenario_id, lock=True)
    check_base(scenario, body.base_version)
    target = get_version(db, scenario, body.version)
    return _step(db, ws, user, scenario, target, "restore", "edit")


def _step(db: DB, ws: WS, user: User, scenario: Scenario, target: Version, kind: str, stack: str) -> dict[str, Any]:
    current = version_plan(ws, get_version(db, scenario))
    version = commit_version(db, scenario, version_plan(ws, target), kind=kind, user=user, stack=stack,
                             message=f"{kind} to version {target.number}", previous=current)
    audit(db, user, f"scenario.{kind}", f"scenario:{scenario.id}", version=version.number, to=target.number)
    db.commit()
    return version_summary(db, version, {"scenario": scenario_doc(scenario)})


def _walk(db: DB, ws: WS, user: User, scenario_id: int, body: StepBody, kind: str) -> dict[str, Any]:
    """Undo (back along the undo stack) or redo (forward along the redo stack), as a new version."""
    require(user, EDITORS, f"{kind} edits")
    scenario = get_scenario(db, scenario_id, lock=True)
    check_base(scenario, body.base_version)
    source, other = ("undo_stack", "redo_stack") if kind == "undo" else ("redo_stack", "undo_stack")
    stack = list(getattr(scenario, source))
    if not stack:
        raise ApiError(409, f"nothing to {kind}", "scenario_id")
    number = stack.pop()
    setattr(scenario, source, stack)
    setattr(scenario, other, [*getattr(scenario, other), scenario.head])
    return _step(db, ws, user, scenario, get_version(db, scenario, number), kind, "none")


@router.post("/{scenario_id}/undo", status_code=201)
def undo(scenario_id: int, body: StepBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    return _walk(db, ws, user, scenario_id, body, "undo")


@router.post("/{scenario_id}/redo", status_code=201)
def redo(scenario_id: int, body: StepBody, user: CurrentUser, db: DB, ws: WS) -> dict[str, Any]:
    return _walk(db, ws, user, scenario_id, body, "redo")


@router.get("/{scenario_id}/diff")
def diff(scenario_id: int, user: CurrentUser, db: DB, ws: WS, a: int, b: int | None = None) -> dict[str, Any]:
    """Between versions ``a`` and ``b`` (default: current): districts moved, metrics and funding before/after."""
    scenario = get_scenario(db, scenario_id)
    va, vb = get_version(db, scenario, a, "a"), get_version(db, scenario, b, "b")
    pa, pb = version_plan(ws, va), version_plan(ws, vb)
    fa, fb = ws.whatif.facts(pa), ws.whatif.facts(pb)
    geo = ws.geography
    moved = [{"district": geo.units.codes[u], "district_name": geo.units.names[u], "from": va.labels[u],
              "to": vb.labels[u]} for u in range(geo.n_units) if va.labels[u] != vb.labels[u]]
    return {"a": va.number, "b": vb.number, "moved": moved,
            "metrics": {k: {"a": fa.metrics[k], "b": fb.metrics[k], "delta": fb.metrics[k] - fa.metrics[k]}
                        for k in sorted(fa.metrics)},
            "funding": _funding_diff(pa, pb, fa.funding, fb.funding)}


def _funding_diff(pa: Plan, pb: Plan, fa: Any, fb: Any) -> dict[str, Any]:
    year = fa.years[0]
    ya, yb = fa.total_allocation()[0] / 100.0, fb.total_allocation()[0] / 100.0
    codes = list(dict.fromkeys([*pa.area_codes, *pb.area_codes]))
    rows = []
    for code in codes:
        x = float(ya[pa.area_index[code]]) if code in pa.area_index else None
        y = float(yb[pb.area_index[code]]) if code in pb.area_index else None
        rows.append({"area": code, "a": x, "b": y, "delta": (y or 0.0) - (x or 0.0)})
    return {"year": year, "areas": [r for r in rows if r["delta"] != 0.0 or r["a"] is None or r["b"] is None]}

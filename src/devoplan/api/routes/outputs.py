"""Read-only documents: the geography (districts, layers, display boundaries, hex layout) and the
downloads of a scenario version (plan CSV/GeoJSON, allocations CSV, the HTML report)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from devoplan.api.context import DB, WS, CurrentUser, get_scenario, get_version, version_plan
from devoplan.api.errors import ApiError
from devoplan.funding import fund
from devoplan.funding.output import write_allocations_csv
from devoplan.geography.geometry import GEOMETRY_FILE
from devoplan.planio import write_plan_csv, write_plan_geojson
from devoplan.report.build import build_report
from devoplan.report.data import read_allocations
from devoplan.report.hexmap import HEXJSON_FILE

router = APIRouter(prefix="/api", tags=["geography", "downloads"])
DOWNLOADS: dict[str, str] = {"plan.csv": "text/csv", "plan.geojson": "application/geo+json",
                             "allocations.csv": "text/csv", "report.html": "text/html"}


@router.get("/geography")
def geography(user: CurrentUser, ws: WS) -> dict[str, Any]:
    geo = ws.geography
    return {"name": geo.name, "population": geo.units.total_population,
            "districts": [{"code": c, "name": n, "population": int(p)}
                          for c, n, p in zip(geo.units.codes, geo.units.names, geo.units.population, strict=True)],
            "layers": [{"key": k, "name": geo.layer(k).name,
                        "areas": [{"code": c, "name": n} for c, n in
                                  zip(geo.layer(k).area_codes, geo.layer(k).area_names, strict=True)]}
                       for k in geo.layers]}


def _asset(ws: WS, name: str, media: str) -> FileResponse:
    path = ws.geography.assets.path(name)
    if path is None:
        raise ApiError(404, f"geography '{ws.geography.name}' has no {name}")
    return FileResponse(path, media_type=media)


@router.get("/geography/districts.geojson")
def boundaries(user: CurrentUser, ws: WS) -> FileResponse:
    """Simplified district boundaries (EPSG:4326) with ``LAD24CD`` and ``LAD24NM`` properties."""
    return _asset(ws, GEOMETRY_FILE, "application/geo+json")


@router.get("/geography/hexmap.hexjson")
def hexmap(user: CurrentUser, ws: WS) -> FileResponse:
    """One hex per district (HexJSON keyed by district code)."""
    return _asset(ws, HEXJSON_FILE, "application/json")


def _filename(name: str, number: int, what: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "scenario"
    return f"{stem}-v{number}-{what}"


@router.get("/scenarios/{scenario_id}/versions/{number}/{what}")
def download(scenario_id: int, number: int, what: str, user: CurrentUser, db: DB, ws: WS) -> Response:
    """``plan.csv``, ``plan.geojson``, ``allocations.csv`` (first settlement, all lines) or ``report.html``."""
    if what not in DOWNLOADS:
        raise ApiError(404, f"unknown download '{what}'; allowed: {', '.join(DOWNLOADS)}", "what")
    scenario = get_scenario(db, scenario_id)
    version = get_version(db, scenario, number)
    plan = version_plan(ws, version)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / what
        if what == "plan.csv":
            write_plan_csv(plan, path)
        elif what == "plan.geojson":
            write_plan_geojson(plan, ws.geography, path)
        else:
            funding = fund(ws.geography, plan, draws=0)
            write_allocations_csv(funding, Path(tmp) / "allocations.csv")
            if what == "report.html":
                saved = read_allocations(Path(tmp) / "allocations.csv", plan,
                                         plan.area_totals(ws.geography.units.population.astype(float)))
                build_report(ws.geography, plan, path, allocations=saved,
                             title=f"{scenario.name} (version {version.number})")
        content = path.read_bytes()
    return Response(content, media_type=DOWNLOADS[what], headers={
        "Content-Disposition": f'attachment; filename="{_filename(scenario.name, version.number, what)}"'})

"""Outcome-based markets over the API (docs/markets.md): market health per area of a layer or of a
scenario version, and the payment-by-results model with its price design.

- ``GET /api/markets?layer=ICB``: per area, the APMS (contestable) share of GP registered patients,
  payments per weighted patient and concentration, as ``devoplan markets --layer ICB --json``;
- ``GET /api/scenarios/{id}/markets?version=N``: the same for a version of a scenario (default: its head);
- ``GET /api/pbr/example``: the shipped Work Programme spec as JSON, a starting point to edit;
- ``POST /api/pbr?design=true``: a spec (the TOML's keys as JSON) -> who is served, outcomes, spend,
  the parking index and, with ``design``, prices that park no group against flat prices, as
  ``devoplan pbr --json``. A bad spec answers 422 naming the key path; an impossible design 409.
"""

from __future__ import annotations

import tomllib
from typing import Annotated, Any

from fastapi import APIRouter, Body

from devoplan.api.context import DB, WS, CurrentUser, get_scenario, get_version, version_plan
from devoplan.api.errors import ApiError
from devoplan.errors import DevoplanError
from devoplan.jsonio import finite
from devoplan.markets import example_spec_path, pbr_document
from devoplan.markets.health import market_health
from devoplan.markets.pbr_spec import parse_pbr_spec

router = APIRouter(prefix="/api", tags=["markets"])


@router.get("/markets")
def markets(user: CurrentUser, ws: WS, layer: str = "ICB") -> dict[str, Any]:
    """Market health per area of a layer (default: today's ICBs)."""
    try:
        ws.geography.layer(layer)
    except DevoplanError as exc:
        raise ApiError(422, str(exc), "layer") from None
    result: dict[str, Any] = finite(market_health(ws.geography, layer).as_dict())
    return result


@router.get("/scenarios/{scenario_id}/markets")
def scenario_markets(scenario_id: int, user: CurrentUser, db: DB, ws: WS,
                     version: int | None = None) -> dict[str, Any]:
    """Market health per area of a scenario's version (default: the head version)."""
    found = get_version(db, get_scenario(db, scenario_id), version)
    result: dict[str, Any] = finite(market_health(ws.geography, version_plan(ws, found)).as_dict())
    return {"scenario": scenario_id, "version": found.number, **result}


@router.get("/pbr/example")
def pbr_example(user: CurrentUser) -> dict[str, Any]:
    """The shipped worked example (the Work Programme's nine payment groups) as a spec document."""
    return tomllib.loads(example_spec_path().read_text(encoding="utf-8"))


@router.post("/pbr")
def pbr(user: CurrentUser, spec: Annotated[dict[str, Any], Body(description="A payment-by-results spec: the keys "
        "of the TOML spec (name, provider, groups, prices, design) as JSON.")], design: bool = False) -> dict[str, Any]:
    """The provider's response to the spec's prices, and with ``design`` prices that park no group."""
    result: dict[str, Any] = finite(pbr_document(parse_pbr_spec(spec), design))
    return result

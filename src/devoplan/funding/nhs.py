"""Health need from NHS England's own allocation formula, on any plan or layer.

* Need per unit is a weighted-population component of NHS England's formula (``core``, ``primary
  medical care``, ... or plain ``registered`` patients) for the allocation year, from the bundle's
  ``nhs_population.csv``. Years after the last published set (2028/29) use the last set; years
  before the first (2025/26) use the first.
* The area cost factor is *implied* by the published 2025/26 core fair-shares targets: for each
  2024 ICB ``i``, ``f_i = (target_i / registered_i) / (need_index_i x national target per head)``,
  where ``need_index_i`` is the core weighted population per registered patient relative to
  England, both summed from districts through the ICB layer. ``f`` carries the market forces factor
  (staff, buildings and land costs, highest in London) and NHS England's other cost adjustments
  (e.g. for remote areas). A district takes its ICB's factor; a split district the
  membership-weighted mix. ``need x f`` then reproduces each ICB's published target per head.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.errors import DevoplanError, SpecError
from devoplan.funding import money
from devoplan.funding.spec import FundingSpec, NhsNeedSpec
from devoplan.funding.years import parse_year
from devoplan.geography.model import Geography

AREA_COST_YEAR = "2025/26"
AREA_COST_LAYER = "ICB"


@dataclass(frozen=True, eq=False)
class AreaCost:
    """The implied factor per unit and per 2024 ICB (with the ICB's need index and target per head)."""

    per_unit: np.ndarray
    icb_codes: tuple[str, ...]
    factor: np.ndarray
    need_index: np.ndarray
    target_per_head: np.ndarray


def weights_year(available: Sequence[str], year: str) -> str:
    """The published weights year used for ``year``: itself, else the nearest available."""
    if year in available:
        return year
    start = parse_year(year)
    ordered = sorted(available, key=parse_year)
    return ordered[-1] if start > parse_year(ordered[-1]) else ordered[0]


def implied_area_cost(geography: Geography) -> AreaCost:
    """Per-unit area cost factors implied by NHS England's 2025/26 core fair-shares targets."""
    layer = geography.layer(AREA_COST_LAYER)
    alloc = money.nhs_allocations(geography)
    rows = alloc[(alloc["holder_type"] == "ICB") & (alloc["stream"] == "core_services")
                 & (alloc["allocation_year"] == AREA_COST_YEAR)].set_index("holder")
    codes = tuple(layer.area_codes)
    missing = [c for c in codes if c not in rows.index]
    if missing:
        raise DevoplanError(f"no published {AREA_COST_YEAR} core target for ICB {missing[0]}")
    target = rows["target_gbpk"].reindex(list(codes)).to_numpy(dtype=np.float64)
    registered = rows["registered_population"].reindex(list(codes)).to_numpy(dtype=np.float64)
    m = layer.membership
    wp = money.nhs_weighted(geography, "core", AREA_COST_YEAR)
    reg = money.nhs_weighted(geography, "registered", AREA_COST_YEAR)
    icb_wp, icb_reg = np.asarray(m.T @ wp), np.asarray(m.T @ reg)
    need_index = (icb_wp / icb_reg) / (wp.sum() / reg.sum())
    per_head = target / registered
    factor = per_head / (need_index * target.sum() / registered.sum())
    per_unit = np.asarray(m @ factor)
    covered = np.asarray(m.sum(axis=1)).ravel()
    per_unit = np.where(covered > 0, per_unit / np.where(covered > 0, covered, 1.0), 1.0)
    return AreaCost(per_unit, codes, factor, need_index, per_head * 1000.0)


def nhs_need_by_year(geography: Geography, spec: FundingSpec, need: NhsNeedSpec,
                     years: Sequence[str]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], tuple[str, ...]]:
    """For each year: (need per unit with area cost, need per unit without it), and the weights year used."""
    try:
        available = money.nhs_years(geography)
        used = tuple(weights_year(available, y) for y in years)
        raw = tuple(money.nhs_weighted(geography, need.component, y) for y in used)
    except DevoplanError as exc:
        raise SpecError(str(exc), key=f"{need.path}.component", file=spec.path) from None
    try:
        cost = implied_area_cost(geography).per_unit if need.area_cost == "implied" else None
    except DevoplanError as exc:
        raise SpecError(str(exc), key=f"{need.path}.area_cost", file=spec.path) from None
    with_cost = tuple(r * cost if cost is not None else r for r in raw)
    return with_cost, raw, used


def registered_patients(geography: Geography, spec: FundingSpec, path: str, year: str) -> np.ndarray:
    """GP-registered patients per unit for the weights year nearest ``year``."""
    try:
        used = weights_year(money.nhs_years(geography), year)
        return money.nhs_weighted(geography, "registered", used)
    except DevoplanError as exc:
        raise SpecError(str(exc), key=path, file=spec.path) from None

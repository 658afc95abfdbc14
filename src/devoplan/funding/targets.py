"""From a service line's formula to each unit's weighted need and each area's target share.

:func:`prepare_line` does everything that does not depend on the formula's weights (indicator
lookup and checking, z-scores, the cost-weighted population) once; :func:`unit_need` then turns
weights into per-unit need and broadcasts over leading axes (Monte Carlo draws). Area targets are
need aggregated through the membership matrix, so a plan (one-hot) and a layer with split
districts (fractional weights) are handled the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.errors import DevoplanError, InputError, SpecError
from devoplan.funding import money
from devoplan.funding.components import (
    band_curve,
    combine,
    cost_weighted_population,
    need_multiplier,
    standardise,
    uplift,
)
from devoplan.funding.inputs import read_area_cost
from devoplan.funding.nhs import nhs_need_by_year, registered_patients
from devoplan.funding.spec import FundingSpec, ServiceLine, UpliftSpec
from devoplan.geography.model import Geography
from devoplan.zoning import Zoning


@dataclass(frozen=True, eq=False)
class LineInputs:
    """A service line's formula evaluated up to its weights, on one geography."""

    line: ServiceLine
    population: np.ndarray  # (n,)
    cost_population: np.ndarray  # (n,) age-sex cost-weighted, sums to the population
    need_z: np.ndarray | None  # (n, k)
    need_weights: np.ndarray  # (k,)
    unmet_z: np.ndarray | None  # (n,)
    sparsity_z: np.ndarray | None  # (n,)
    area_cost: np.ndarray | None  # (n,)
    filled: dict[str, int]  # indicator -> units whose missing value was set to the national mean
    years: tuple[str, ...] = ()  # (base year, *settlement years) the per-year arrays follow
    nhs_need: tuple[np.ndarray, ...] | None = None  # per year: NHS weighted population x area cost
    nhs_raw: tuple[np.ndarray, ...] | None = None  # per year: NHS weighted population (no area cost)
    weights_years: tuple[str, ...] = ()  # the published weights year used for each year
    basis: np.ndarray | None = None  # (n,) the population per-head figures divide by
    baseline_units: np.ndarray | None = None  # (n,) today's money per unit (pounds), from the data


def _indicator_column(geography: Geography, key: str, path: str, spec: FundingSpec) -> tuple[np.ndarray, bool]:
    keys = geography.indicators.keys
    if key not in keys:
        allowed = ", ".join(keys) if keys else "(the geography has no indicators)"
        raise SpecError(f"unknown indicator '{key}'; allowed: {allowed}", key=path, file=spec.path)
    meta = geography.indicators.get_meta(key)
    return geography.indicators.column(key), meta.direction == "higher_is_worse"


def _uplift_z(geography: Geography, spec: FundingSpec, up: UpliftSpec | None,
              filled: dict[str, int]) -> np.ndarray | None:
    if up is None:
        return None
    col, worse = _indicator_column(geography, up.indicator, f"{up.path}.indicator", spec)
    st = standardise(col[:, None], geography.units.population, [worse])
    filled[up.indicator] = int(st.filled.sum())
    return st.z[:, 0]


def prepare_line(geography: Geography, spec: FundingSpec, line: ServiceLine,
                 years: Sequence[str] = ()) -> LineInputs:
    """Validate the line against the geography (indicators, age-sex data, money tables) and precompute.

    ``years`` is ``(base year, *settlement years)``; lines with NHS need get one need array per year.
    """
    pop = geography.units.population.astype(np.float64)
    if pop.sum() <= 0:
        raise DevoplanError("the geography has no residents to allocate to")
    years = tuple(years) or spec.years
    basis = (registered_patients(geography, spec, f"lines.{line.key}.population", years[min(1, len(years) - 1)])
             if line.population == "registered" else pop)
    today = _baseline_units(geography, spec, line)
    if line.nhs_need is not None:
        need, raw, used = nhs_need_by_year(geography, spec, line.nhs_need, years)
        return LineInputs(line=line, population=pop, cost_population=pop, need_z=None, need_weights=np.zeros(0),
                          unmet_z=None, sparsity_z=None, area_cost=None, filled={}, years=years, nhs_need=need,
                          nhs_raw=raw, weights_years=used, basis=basis, baseline_units=today)
    if line.age_sex is not None:
        age_sex = geography.units.age_sex
        if age_sex is None:
            raise SpecError("the geography has no age-sex population table (population_age_sex.csv) for the "
                            "age-sex cost curve; add one, or give a spec without this table (`spec`)",
                            key=f"lines.{line.key}.age_sex", file=spec.path)
        curve = band_curve(line.age_sex, age_sex.shape[2])
        if not ((curve[None] > 0) & (age_sex > 0)).any():
            raise SpecError(f"every age band with a non-zero cost is empty in this geography (its ages run "
                            f"0..{age_sex.shape[2] - 1}), so the line has no one to fund",
                            key=f"lines.{line.key}.age_sex", file=spec.path)
        cost_pop = cost_weighted_population(age_sex, curve)
    else:
        cost_pop = pop
    filled: dict[str, int] = {}
    need_z, weights = None, np.zeros(0)
    if line.need is not None:
        cols, worse = zip(*(_indicator_column(geography, i.key, f"{i.path}.key", spec)
                            for i in line.need.indicators), strict=True)
        st = standardise(np.column_stack(cols), pop, worse)
        need_z = st.z
        weights = np.array([i.weight for i in line.need.indicators])
        filled.update({i.key: int(st.filled[:, j].sum()) for j, i in enumerate(line.need.indicators)})
    area_cost = read_area_cost(line.area_cost.file, geography) if line.area_cost else None
    return LineInputs(
        line=line, population=pop, cost_population=cost_pop, need_z=need_z, need_weights=weights,
        unmet_z=_uplift_z(geography, spec, line.unmet_need, filled),
        sparsity_z=_uplift_z(geography, spec, line.sparsity, filled),
        area_cost=area_cost, filled=filled, years=years, basis=basis, baseline_units=today,
    )


def _baseline_units(geography: Geography, spec: FundingSpec, line: ServiceLine) -> np.ndarray | None:
    """Today's money per unit for ``baseline_from`` (a SpecError naming the key when the data lacks it)."""
    if line.baseline_from is None:
        return None
    try:
        values = money.baseline_per_unit(geography, line.baseline_from)
    except InputError as exc:
        raise SpecError(str(exc), key=f"lines.{line.key}.baseline_from", file=spec.path) from None
    return np.maximum(values, 0.0)  # net income above spending (a few youth justice teams) counts as zero


def year_need(inputs: LineInputs, y: int, *, raw: bool = False) -> np.ndarray:
    """Per-unit need in year ``y`` (index into ``inputs.years``); formula lines do not vary by year."""
    per_year = inputs.nhs_raw if raw else inputs.nhs_need
    if per_year is not None:
        return per_year[y]
    return unit_need(inputs)


def unit_need(inputs: LineInputs, *, need_weights: np.ndarray | None = None,
              need_strength: np.ndarray | float | None = None,
              unmet_strength: np.ndarray | float | None = None,
              sparsity_strength: np.ndarray | float | None = None) -> np.ndarray:
    """Weighted need per unit: cost-weighted population x combined per-head index.

    Parameters left as ``None`` take the spec's central values; arrays broadcast over leading
    axes, giving ``(..., n)``.
    """
    line = inputs.line
    factors: list[np.ndarray] = []
    if line.need is not None and inputs.need_z is not None:
        w = inputs.need_weights if need_weights is None else need_weights
        s = line.need.strength if need_strength is None else need_strength
        factors.append(need_multiplier(inputs.need_z, w, s))
    if line.unmet_need is not None and inputs.unmet_z is not None:
        s = line.unmet_need.strength if unmet_strength is None else unmet_strength
        factors.append(uplift(inputs.unmet_z, s))
    if line.sparsity is not None and inputs.sparsity_z is not None:
        s = line.sparsity.strength if sparsity_strength is None else sparsity_strength
        factors.append(uplift(inputs.sparsity_z, s))
    if inputs.area_cost is not None:
        factors.append(inputs.area_cost)
    return inputs.cost_population * combine(factors, line.combine)


def area_shares(need: np.ndarray, areas: Zoning) -> np.ndarray:
    """Target shares of the areas (last axis), summing to 1."""
    by_area = areas.aggregate(need)
    total = by_area.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise DevoplanError("the formula gives zero need everywhere; nothing to share out")
    return by_area / total


def baseline_shares(inputs: LineInputs, areas: Zoning, method: str) -> np.ndarray:
    """Shares implied by the spec's baseline rule (used when no baseline file is given)."""
    weights = inputs.population if method == "equal_per_head" else inputs.cost_population
    return area_shares(weights, areas)

"""Outcomes for any areas: districts combined through their denominators, with intervals.

Two methods, chosen by the indicator's ``kind`` (docs/outcomes.md works both by hand):

* ``count`` (children looked after): the area's rate is the summed count over the summed
  denominator (times the multiplier). Its interval is Byar's approximation to the exact Poisson
  interval on the summed count, or the exact (chi-squared) interval when the count is below 10,
  as in PHEindicatormethods.
* ``mean`` (published rates, percentages, years, pounds): the area's value is the mean of its
  districts' values weighted by the bundled Census 2021 population of the indicator's ages and sex
  (so a rate is combined through its denominator, never as a mean of rates). The standard error of
  each published value is recovered from its 95% interval (width / 3.92) and combined by the delta
  method, ``SE^2 = sum_g (W_g / W)^2 SE_g^2``, where districts sharing one published value (a
  county figure used for its districts) form one group ``g``. Intervals are value +- z SE.

An area that is exactly a published geography (a region, combined authority, county, police force
area or England) takes the published value and interval directly. An area whose districts with a
value hold less than 95% of its weight gets no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from devoplan.errors import DevoplanError, reject_unknown
from devoplan.geography.model import Geography
from devoplan.outcomes.indicators import Z95, Indicator, OutcomeData
from devoplan.plan import Plan

Z998 = float(stats.norm.ppf(0.999))
MIN_COVERAGE = 0.95
EXACT_BELOW = 10
PUBLISHED_LAYERS: tuple[str, ...] = ("REGION", "CAUTH", "UTLA", "PFA")
LAYER_ALIASES = {"RGN": "REGION", "CA": "CAUTH", "CAUTH24": "CAUTH"}
ENGLAND = "E92000001"


# -- membership: the only place that reads how units form areas (switchable to a shared zoning type)
def areas_for(geography: Geography, *, plan: Plan | None = None, layer: str | None = None) -> Plan:
    """The areas to report: a plan as given, or a layer's areas (``RGN`` is accepted for REGION)."""
    if plan is not None:
        return plan
    if layer is None:
        raise DevoplanError("give a plan or a layer")
    key = LAYER_ALIASES.get(layer.upper(), layer) if layer not in geography.layers else layer
    if key not in geography.layers:
        raise reject_unknown("layer", layer, tuple(geography.layers))
    return Plan.from_layer(geography, key)


def area_of_units(areas: Plan) -> np.ndarray:
    """Area index of every unit (unit positions follow the geography)."""
    return np.asarray(areas.assignment)


@lru_cache(maxsize=8)
def published_sets(geography: Geography) -> dict[frozenset[int], str]:
    """Unit sets that are exactly a published geography (whole-unit layer areas and England)."""
    out: dict[frozenset[int], str] = {frozenset(range(geography.n_units)): ENGLAND}
    for key in PUBLISHED_LAYERS:
        if key not in geography.layers:
            continue
        layer = geography.layer(key)
        matrix = layer.membership.tocsc()
        for a, code in enumerate(layer.area_codes):
            column = matrix[:, [a]].toarray().ravel()
            if np.all((column == 0) | (column == 1)):
                out.setdefault(frozenset(np.flatnonzero(column == 1).tolist()), code)
    return out


def denominator_weights(geography: Geography, indicator: Indicator) -> np.ndarray:
    """Each unit's population in the indicator's ages and sex (all residents without age-sex data)."""
    age_sex = geography.units.age_sex
    if age_sex is None:
        return geography.units.population.astype(np.float64)
    lo, hi = indicator.ages
    sexes = {"F": [0], "M": [1]}.get(indicator.sex, [0, 1])
    return age_sex[:, sexes, lo:hi + 1].sum(axis=(1, 2)).astype(np.float64)


@dataclass(frozen=True)
class UnitValues:
    """One indicator and period on the geography's units (NaN where there is no value)."""

    value: np.ndarray
    se: np.ndarray
    count: np.ndarray
    denominator: np.ndarray
    group: np.ndarray  # units sharing one published value share a group id
    upper_tier: np.ndarray  # the value was published for a wider geography


def unit_values(data: OutcomeData, geography: Geography, indicator: Indicator, period: str) -> UnitValues:
    n = geography.n_units
    value, se, count, denom = (np.full(n, np.nan) for _ in range(4))
    group = np.arange(n)
    upper = np.zeros(n, dtype=bool)
    rows = data.district_groups.get((indicator.key, period))
    if rows is not None:
        pos = np.array([geography.units.index.get(c, -1) for c in rows.index])
        keep = pos >= 0
        pos = pos[keep]
        value[pos] = rows["value"].to_numpy()[keep]
        se[pos] = (rows["uci"].to_numpy()[keep] - rows["lci"].to_numpy()[keep]) / (2 * Z95)
        count[pos] = rows["count"].to_numpy()[keep]
        denom[pos] = rows["denominator"].to_numpy()[keep]
        source = rows["source"].to_numpy()[keep]
        shared = np.array([len(s) > 0 and s != "lad21" for s in source], dtype=bool)
        upper[pos] = shared
        ids = {s: n + i for i, s in enumerate(sorted(set(source[shared])))}
        group[pos[shared]] = [ids[s] for s in source[shared]]
    return UnitValues(value, se, count, denom, group, upper)


@dataclass(frozen=True)
class AreaValues:
    """An indicator for one period on a set of areas, with 95% and 99.8% intervals."""

    indicator: Indicator
    period: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    value: np.ndarray
    lci: np.ndarray
    uci: np.ndarray
    lci99: np.ndarray
    uci99: np.ndarray
    weight: np.ndarray  # the area's denominator population (indicator ages, Census 2021)
    published: np.ndarray  # the published value of this exact geography was used
    upper_tier: np.ndarray  # some districts carry a value published only for a wider geography

    @property
    def se(self) -> np.ndarray:
        return (self.uci - self.lci) / (2 * Z95)


def aggregate(data: OutcomeData, geography: Geography, areas: Plan, indicator: Indicator, period: str,
              *, use_published: bool = True) -> AreaValues:
    """Combine the indicator's district values into ``areas`` (see the module docstring)."""
    units = unit_values(data, geography, indicator, period)
    assign = area_of_units(areas)
    k = areas.n_areas
    weight = denominator_weights(geography, indicator)
    total = np.bincount(assign, weights=weight, minlength=k)
    if indicator.kind == "count":
        est = _count_estimates(units, assign, k, indicator.multiplier)
    else:
        est = _mean_estimates(units, weight, assign, k)
    has = np.isfinite(units.value if indicator.kind == "mean" else units.count)
    covered = np.bincount(assign, weights=np.where(has, weight, 0.0), minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = covered < MIN_COVERAGE * total
    for arr in est:
        arr[low] = np.nan
    published = np.zeros(k, dtype=bool)
    if use_published:
        _apply_published(data, geography, areas, indicator, period, est, published)
    upper = np.bincount(assign, weights=units.upper_tier.astype(float), minlength=k) > 0
    value, lci, uci, lci99, uci99 = est
    return AreaValues(indicator, period, areas.area_codes, areas.area_names, value, lci, uci, lci99, uci99,
                      total, published, upper & ~published)


def _mean_estimates(units: UnitValues, weight: np.ndarray, assign: np.ndarray, k: int) -> list[np.ndarray]:
    ok = np.isfinite(units.value)
    w = np.where(ok, weight, 0.0)
    wsum = np.bincount(assign, weights=w, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.bincount(assign, weights=w * np.where(ok, units.value, 0.0), minlength=k) / wsum
        # group weights inside each area: districts sharing a published value are one estimate
        n_groups = int(units.group.max()) + 1
        key = assign * n_groups + units.group
        gw = np.bincount(key, weights=w, minlength=k * n_groups)
        gse = np.zeros(k * n_groups)
        gse[key] = np.where(ok, units.se, 0.0)
        missing_se = np.bincount(assign, weights=(ok & ~np.isfinite(units.se)).astype(float), minlength=k) > 0
        gse = np.nan_to_num(gse)
        var = np.bincount(np.arange(k * n_groups) // n_groups, weights=gw**2 * gse**2, minlength=k) / wsum**2
    se = np.sqrt(var)
    se[missing_se] = np.nan
    return [value, value - Z95 * se, value + Z95 * se, value - Z998 * se, value + Z998 * se]


def _count_estimates(units: UnitValues, assign: np.ndarray, k: int, multiplier: float) -> list[np.ndarray]:
    ok = np.isfinite(units.count) & np.isfinite(units.denominator)
    counts = np.bincount(assign, weights=np.where(ok, units.count, 0.0), minlength=k)
    denoms = np.bincount(assign, weights=np.where(ok, units.denominator, 0.0), minlength=k)
    return _rate_limits(counts, denoms, multiplier)


def _rate_limits(counts: np.ndarray, denoms: np.ndarray, multiplier: float) -> list[np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = multiplier / denoms
        out = [counts * scale]
        for z in (Z95, Z998):
            lo, hi = poisson_limits(counts, z)
            out += [lo * scale, hi * scale]
    return [out[0], out[1], out[2], out[3], out[4]]


def poisson_limits(counts: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits for Poisson counts: Byar's method from 10 up, exact (chi-squared) below."""
    o = np.asarray(counts, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        byar_lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        o1 = o + 1
        byar_hi = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    alpha = 2 * (1 - stats.norm.cdf(z))
    exact_lo = np.where(o > 0, stats.chi2.ppf(alpha / 2, 2 * o) / 2, 0.0)
    exact_hi = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    small = o < EXACT_BELOW
    return np.where(small, exact_lo, byar_lo), np.where(small, exact_hi, byar_hi)


def _apply_published(data: OutcomeData, geography: Geography, areas: Plan, indicator: Indicator, period: str,
                     est: list[np.ndarray], published: np.ndarray) -> None:
    sets = published_sets(geography)
    assign = area_of_units(areas)
    order = np.argsort(assign, kind="stable")
    bounds = np.searchsorted(assign[order], np.arange(areas.n_areas + 1))
    for a in range(areas.n_areas):
        code = sets.get(frozenset(order[bounds[a]:bounds[a + 1]].tolist()))
        row = data.published_index.get((indicator.key, period, code)) if code else None
        if row is None:
            continue
        values = published_estimate(row, indicator)
        if values is not None:
            for arr, v in zip(est, values, strict=True):
                arr[a] = v
            published[a] = True


def published_estimate(row: Any, indicator: Indicator) -> list[float] | None:
    """Value and 95%/99.8% limits of one published row (None when it has no usable value)."""
    if indicator.kind == "count":
        count, denom = float(row.count), float(row.denominator)
        if not (np.isfinite(count) and np.isfinite(denom)):
            return None
        return [float(x[0]) for x in _rate_limits(np.array([count]), np.array([denom]), indicator.multiplier)]
    value, lci, uci = (float(getattr(row, c)) for c in ("value", "lci", "uci"))
    se = (uci - lci) / (2 * Z95)
    return [value, lci, uci, value - Z998 * se, value + Z998 * se]


def england_value(data: OutcomeData, geography: Geography, indicator: Indicator, period: str) -> list[float]:
    """England's value and limits: published when available, otherwise all units combined."""
    row = data.published_index.get((indicator.key, period, ENGLAND))
    values = published_estimate(row, indicator) if row is not None else None
    if values is not None:
        return values
    whole = Plan.from_labels(geography.units.codes, [ENGLAND] * geography.n_units, {ENGLAND: "England"})
    result = aggregate(data, geography, whole, indicator, period, use_published=False)
    return [float(result.value[0]), float(result.lci[0]), float(result.uci[0]),
            float(result.lci99[0]), float(result.uci99[0])]

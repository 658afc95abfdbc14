"""One call from a plan (or layer) to benchmarked outcomes, and its JSON form."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from devoplan.geography.model import Geography
from devoplan.outcomes.aggregate import (
    AreaValues,
    aggregate,
    area_of_units,
    denominator_weights,
    england_value,
    unit_values,
)
from devoplan.outcomes.benchmark import (
    Benchmark,
    Funnel,
    Inequality,
    Spread,
    Trend,
    benchmark,
    funnel,
    slope_index,
    spread,
    trend,
)
from devoplan.outcomes.comparators import PUBLISHED_SETS, Neighbours, nearest_neighbours, published_sets_of
from devoplan.outcomes.indicators import Indicator, OutcomeData, check_codes, period_or_latest
from devoplan.plan import Plan


@dataclass(frozen=True)
class IndicatorOutcome:
    """One indicator on the areas: benchmark, funnel, spread, trend and inequality per area."""

    benchmark: Benchmark
    funnel: Funnel | None
    spread: Spread | None
    trends: tuple[Trend, ...]
    inequality: tuple[Inequality | None, ...]
    series: tuple[AreaValues, ...]

    @property
    def values(self) -> AreaValues:
        return self.benchmark.values


@dataclass(frozen=True)
class OutcomesResult:
    """Benchmarked outcomes of a set of areas, one entry per indicator (latest period unless asked)."""

    label: str
    areas: Plan
    indicators: tuple[IndicatorOutcome, ...]
    neighbours: Neighbours | None = None
    published_neighbours: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # by area code, then set

    @property
    def benchmarks(self) -> tuple[Benchmark, ...]:
        return tuple(i.benchmark for i in self.indicators)

    def get(self, key: str) -> IndicatorOutcome:
        for item in self.indicators:
            if item.values.indicator.key == key:
                return item
        raise KeyError(key)


def outcomes(data: OutcomeData, geography: Geography, areas: Plan, keys: list[str] | tuple[str, ...] | None = None,
             *, period: str | None = None, label: str = "plan") -> OutcomesResult:
    """Aggregate and benchmark the chosen indicators (all when ``keys`` is empty) for ``areas``."""
    check_codes(data, geography.units.codes)
    deprivation = _deprivation(geography)
    items = []
    for indicator in data.select(keys):
        when = period_or_latest(indicator, period)
        upto = indicator.periods[:indicator.periods.index(when) + 1]
        series = tuple(aggregate(data, geography, areas, indicator, p) for p in upto)
        values = next(v for v in series if v.period == when)
        england = england_value(data, geography, indicator, when)
        items.append(IndicatorOutcome(
            benchmark(values, england), funnel(values, england[0]), spread(values),
            tuple(trend(list(series), a) for a in range(areas.n_areas)),
            _inequality(data, geography, areas, indicator, when, deprivation), series))
    neighbours = nearest_neighbours(data, geography, areas) if areas.n_areas > 1 else None
    return OutcomesResult(label, areas, tuple(items), neighbours, published_sets_of(data, areas.area_codes))


def _deprivation(geography: Geography) -> np.ndarray | None:
    """The bundled IMD score by unit (None for a geography without one)."""
    if "imd_score" not in geography.indicators.keys:
        return None
    return geography.indicators.column("imd_score")


def _inequality(data: OutcomeData, geography: Geography, areas: Plan, indicator: Indicator, period: str,
                deprivation: np.ndarray | None) -> tuple[Inequality | None, ...]:
    """SII inside each area over its districts with their own values (county values carry no
    within-county variation, so they are left out)."""
    if deprivation is None:
        return (None,) * areas.n_areas
    units = unit_values(data, geography, indicator, period)
    value = units.count / units.denominator * indicator.multiplier if indicator.kind == "count" else units.value
    value = np.where(units.upper_tier, np.nan, value)
    weight = denominator_weights(geography, indicator)
    assign = area_of_units(areas)
    return tuple(slope_index(value[assign == a], weight[assign == a], deprivation[assign == a])
                 for a in range(areas.n_areas))


def _num(x: float, digits: int = 3) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def result_json(result: OutcomesResult) -> dict[str, Any]:
    """Per indicator: key, name, period, polarity, unit, England, and per area code, name, value,
    lci, uci, comparison (95%) and comparison_998, plus how the value was obtained."""
    indicators = []
    for item in result.indicators:
        b, f = item.benchmark, item.funnel
        v, ind = b.values, b.values.indicator
        rows = [{
            "code": code, "name": name, "value": _num(v.value[i]), "lci": _num(v.lci[i]), "uci": _num(v.uci[i]),
            "comparison": b.comparison[i], "comparison_998": b.comparison_998[i],
            "funnel": (f.outside_95[i] or "inside") if f else None,
            "trend": {"per_year": _num(item.trends[i].slope, 4), "marker": item.trends[i].marker,
                      "periods": [s.period for s in item.series]},
            "sii": _sii(item.inequality[i]),
            "published": bool(v.published[i]), "upper_tier": bool(v.upper_tier[i]),
        } for i, (code, name) in enumerate(zip(v.codes, v.names, strict=True))]
        sp = item.spread
        indicators.append({
            "key": ind.key, "name": ind.name, "period": v.period, "polarity": ind.polarity, "unit": ind.unit,
            "source": f"{ind.publisher}, {ind.dataset}", "url": ind.url,
            "england": {"value": _num(b.england[0]), "lci": _num(b.england[1]), "uci": _num(b.england[2])},
            "variation": {"ratio": _num(sp.ratio), "ratio_90_10": _num(sp.ratio_90_10)} if sp else None,
            "funnel": {"phi": _num(f.phi), "tau2": _num(f.tau2, 6), "overdispersed": f.overdispersed} if f else None,
            "areas": rows,
        })
    doc: dict[str, Any] = {"areas": result.label, "n_areas": result.areas.n_areas, "indicators": indicators}
    nb = result.neighbours
    if nb is not None:
        doc["comparators"] = {
            "method": "Euclidean distance on standardised variables (ONS similar-areas method)",
            "variables": list(nb.variables),
            "neighbours": {code: [{"code": c, "name": n, "distance": _num(d)} for c, n, d in nb.of(code)]
                           for code in result.areas.area_codes},
        }
    if result.published_neighbours:
        doc.setdefault("comparators", {})["published"] = {
            "sets": dict(PUBLISHED_SETS),
            "neighbours": result.published_neighbours,  # area code -> set -> neighbour codes, nearest first
        }
    return doc


def _sii(value: Inequality | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"value": _num(value.sii), "lci": _num(value.lci), "uci": _num(value.uci), "districts": value.districts}

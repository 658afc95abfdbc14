"""One call from a plan (or layer) to benchmarked outcomes, and its JSON form."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from devoplan.geography.model import Geography
from devoplan.outcomes.aggregate import aggregate, england_value
from devoplan.outcomes.benchmark import Benchmark, benchmark
from devoplan.outcomes.indicators import OutcomeData, check_codes, period_or_latest
from devoplan.plan import Plan


@dataclass(frozen=True)
class OutcomesResult:
    """Benchmarked outcomes of a set of areas, one entry per indicator (latest period unless asked)."""

    label: str
    areas: Plan
    benchmarks: tuple[Benchmark, ...]

    def get(self, key: str) -> Benchmark:
        for b in self.benchmarks:
            if b.values.indicator.key == key:
                return b
        raise KeyError(key)


def outcomes(data: OutcomeData, geography: Geography, areas: Plan, keys: list[str] | tuple[str, ...] | None = None,
             *, period: str | None = None, label: str = "plan") -> OutcomesResult:
    """Aggregate and benchmark the chosen indicators (all when ``keys`` is empty) for ``areas``."""
    check_codes(data, geography.units.codes)
    marks = []
    for indicator in data.select(keys):
        when = period_or_latest(indicator, period)
        values = aggregate(data, geography, areas, indicator, when)
        marks.append(benchmark(values, england_value(data, geography, indicator, when)))
    return OutcomesResult(label, areas, tuple(marks))


def _num(x: float, digits: int = 3) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def result_json(result: OutcomesResult) -> dict[str, Any]:
    """Per indicator: key, name, period, polarity, unit, England, and per area code, name, value,
    lci, uci, comparison (95%) and comparison_998, plus how the value was obtained."""
    indicators = []
    for b in result.benchmarks:
        v, ind = b.values, b.values.indicator
        rows = [{
            "code": code, "name": name, "value": _num(v.value[i]), "lci": _num(v.lci[i]), "uci": _num(v.uci[i]),
            "comparison": b.comparison[i], "comparison_998": b.comparison_998[i],
            "published": bool(v.published[i]), "upper_tier": bool(v.upper_tier[i]),
        } for i, (code, name) in enumerate(zip(v.codes, v.names, strict=True))]
        indicators.append({
            "key": ind.key, "name": ind.name, "period": v.period, "polarity": ind.polarity, "unit": ind.unit,
            "source": f"{ind.publisher}, {ind.dataset}", "url": ind.url,
            "england": {"value": _num(b.england[0]), "lci": _num(b.england[1]), "uci": _num(b.england[2])},
            "areas": rows,
        })
    return {"areas": result.label, "n_areas": result.areas.n_areas, "indicators": indicators}

"""The outcome of :func:`devoplan.funding.fund`: integer pence arrays plus DataFrame/JSON adapters.

Money is held as integer pence so that every year's allocations add up exactly to the control
total; the DataFrame shows pounds (pence / 100, exact to two decimals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from devoplan.funding.sensitivity import SensitivityResult
from devoplan.funding.spec import FundingSpec
from devoplan.funding.years import grown_totals
from devoplan.zoning import Zoning

ALL_LINES = "all"
METHOD_NOTES = {
    "standardisation": "indicators are population-weighted z-scores over units, oriented so higher = more "
                       "need; a missing value is set to the population-weighted mean (z = 0) and counted "
                       "in missing_indicator_values",
    "need": "need multiplier = exp(strength x weighted mean z); unmet need and sparsity uplift = "
            "1 + strength x max(z, 0); components combine multiplicatively or additively per line",
    "targets": "unit need = age-sex cost-weighted population x combined index; area need = membership-"
               "weighted sum of unit need (split districts by their weights); target share = area need / total",
    "pace_of_change": "each area's cash growth = clip(convergence x (target - last year) / last year + s, "
                      "floor, cap) with one common s solved by safeguarded Newton steps on the piecewise-linear "
                      "total (exact on the root's linear piece) so the year's allocations equal the control total",
    "rounding": "largest remainder on integer pence: whole pence first, then one extra penny to the "
                "largest fractional remainders (ties to the area listed first)",
    "winners": "an area is a winner in a year when its cash growth on its baseline (all lines) is above "
               "the national growth; gain = allocation - baseline x national growth factor",
}


@dataclass(frozen=True, eq=False)
class LineResult:
    """One service line over the settlement: ``(years, areas)`` pence arrays and top-slices."""

    key: str
    name: str
    base_year: str
    gross_pence: np.ndarray
    base_gross_pence: int
    top_slice_pence: dict[str, np.ndarray]
    top_slice_names: dict[str, str]
    control_pence: np.ndarray
    base_control_pence: int
    target_share: np.ndarray
    target_pence: np.ndarray
    baseline_pence: np.ndarray
    allocation_pence: np.ndarray
    population: np.ndarray | None = None  # (areas,) the per-head basis: residents or registered patients
    population_basis: str = "residents"
    need_index: np.ndarray | None = None  # (1 + years, areas): base year, then each settlement year
    baseline_source: str = ""  # "file", "data:<source>" or "assumed:<method>"
    baseline_scale: float = 1.0
    weights_years: tuple[str, ...] = ()

    @property
    def baseline_from_data(self) -> bool:
        return self.baseline_source.startswith(("data:", "file"))


@dataclass(frozen=True)
class Baseline:
    """Where the baseline came from; anything not from a file is the spec's assumed rule."""

    file: str | None
    lines_from_file: tuple[str, ...]
    method: str
    note: str


@dataclass(frozen=True)
class AreaGain:
    """One area's gain on its baseline in the last settlement year (£) and its cash growth (%)."""

    area_code: str
    area_name: str
    gain: float
    cash_growth_pct: float


@dataclass(frozen=True)
class WinnersAndLosers:
    """Areas growing faster (winners) and slower (losers) than the national cash growth by ``year``;
    ``winners`` and ``losers`` list the largest and smallest gains (the summary keeps ten of each)."""

    year: str
    national_cash_growth_pct: float
    n_winners: int
    n_losers: int
    winners: tuple[AreaGain, ...] = ()
    losers: tuple[AreaGain, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The summary's ``winners_and_losers`` (JSON-ready)."""
        doc = asdict(self)
        return doc | {"winners": list(doc["winners"]), "losers": list(doc["losers"])}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> WinnersAndLosers:
        """Read :meth:`to_dict` output back (a saved ``summary.json`` or ``metrics.json``); a figure missing
        from a row of a hand-made file reads as blank (NaN), never as an error half-way through a report."""
        def gains(key: str) -> tuple[AreaGain, ...]:
            return tuple(AreaGain(str(r.get("area_code", "")), str(r.get("area_name", r.get("area_code", ""))),
                                  _float(r.get("gain")), _float(r.get("cash_growth_pct")))
                         for r in doc.get(key) or [] if isinstance(r, Mapping))

        return cls(str(doc["year"]), float(doc["national_cash_growth_pct"]), int(doc["n_winners"]),
                   int(doc["n_losers"]), gains("winners"), gains("losers"))


def _float(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("nan")


@dataclass(frozen=True, eq=False)
class FundingResult:
    """Allocations per line, year and area; ``.allocations`` and ``.summary`` for people."""

    spec: FundingSpec
    years: tuple[str, ...]
    areas: Zoning
    population: np.ndarray
    lines: tuple[LineResult, ...]
    baseline: Baseline
    sensitivity: SensitivityResult | None = None
    filled: dict[str, int] = field(default_factory=dict)

    # -- arrays across lines -------------------------------------------------------------------
    def total_allocation(self) -> np.ndarray:
        """``(years, areas)`` pence, all lines."""
        return np.sum([ln.allocation_pence for ln in self.lines], axis=0)

    def total_baseline(self) -> np.ndarray:
        return np.sum([ln.baseline_pence for ln in self.lines], axis=0)

    def total_target(self) -> np.ndarray:
        return np.sum([ln.target_pence for ln in self.lines], axis=0)

    def need_index(self, line: str | None = None) -> np.ndarray:
        """Target per head / national target per head (first settlement year)."""
        if line is not None and self._line(line).need_index is not None:
            return self._line(line).need_index[1]  # type: ignore[index]
        target = self.total_target()[0] if line is None else self._line(line).target_pence[0]
        return (target / self.population) / (target.sum() / self.population.sum())

    def _line(self, key: str) -> LineResult:
        for ln in self.lines:
            if ln.key == key:
                return ln
        raise KeyError(key)

    def gains(self) -> np.ndarray:
        """``(years, areas)`` pounds above (or below) an even-growth share of each year's total."""
        alloc, base = self.total_allocation().astype(np.float64), self.total_baseline().astype(np.float64)
        national = alloc.sum(axis=1, keepdims=True) / base.sum()
        return (alloc - base * national) / 100.0

    # -- adapters ------------------------------------------------------------------------------
    @cached_property
    def allocations(self) -> pd.DataFrame:
        """One row per year, line (and ``all``) and area."""
        frames = [self._frame(ln.key, ln.name, ln.target_share, ln.target_pence, ln.baseline_pence,
                              ln.allocation_pence) for ln in self.lines]
        target = self.total_target()
        share = target / target.sum(axis=1, keepdims=True)
        total = self._frame(ALL_LINES, "All lines", share, target, self.total_baseline(),
                            self.total_allocation())
        if self.sensitivity is not None:
            s = self.sensitivity
            total["per_head_p5"] = s.per_head_p5.ravel().round(2)
            total["per_head_p50"] = s.per_head_p50.ravel().round(2)
            total["per_head_p95"] = s.per_head_p95.ravel().round(2)
            total["winner_frequency"] = s.winner_frequency.ravel().round(4)
        return pd.concat([*frames, total], ignore_index=True)

    def _frame(self, key: str, name: str, share: np.ndarray, target: np.ndarray, base: np.ndarray,
               alloc: np.ndarray) -> pd.DataFrame:
        n_years, n_areas = alloc.shape
        tgt = target.astype(np.float64)
        bas = np.broadcast_to(base, alloc.shape).astype(np.float64)
        shares = np.broadcast_to(share, alloc.shape)
        index = (tgt / self.population) / (tgt.sum(axis=1, keepdims=True) / self.population.sum())
        return pd.DataFrame({
            "year": np.repeat(self.years, n_areas),
            "line": key,
            "line_name": name,
            "area_code": np.tile(self.areas.area_codes, n_years),
            "area_name": np.tile(self.areas.area_names, n_years),
            "population": np.tile(np.round(self.population, 3), n_years),
            "need_index": index.ravel().round(6),
            "target_share": shares.ravel().round(9),
            "target": tgt.ravel() / 100.0,
            "baseline": bas.ravel() / 100.0,
            "allocation": alloc.ravel() / 100.0,
            "per_head": (alloc / self.population / 100.0).ravel().round(2),
            "distance_from_target_pct": ((alloc - tgt) / tgt * 100.0).ravel().round(4),
            "change_on_baseline": (alloc - bas).ravel() / 100.0,
            "change_on_baseline_pct": ((alloc - bas) / bas * 100.0).ravel().round(4),
        })

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Everything a reader needs besides the table: totals, assumptions, winners, sensitivity."""
        return {
            "spec": {"name": self.spec.name, "file": str(self.spec.path) if self.spec.path else None},
            "areas": {"source": self.areas.title, "count": self.areas.n_areas},
            "years": list(self.years),
            "baseline_year": self.lines[0].base_year,
            "baseline": self._baseline_summary(),
            "lines": [self._line_summary(ln) for ln in self.lines],
            "national": self._national(),
            "need_index": self._need_index_summary(),
            "winners_and_losers": self.winners_and_losers.to_dict(),
            "sensitivity": self._sensitivity_summary(),
            "missing_indicator_values": dict(self.filled),
            "assumptions": [f.as_dict() for f in self.spec.assumptions()] + self._baseline_assumptions(),
            "sources": [f.as_dict() for f in self.spec.sourced()],
            "method": METHOD_NOTES,
        }

    def _baseline_summary(self) -> dict[str, Any]:
        assumed = [ln.key for ln in self.lines if not ln.baseline_from_data]
        return {
            "file": self.baseline.file,
            "lines_from_file": list(self.baseline.lines_from_file),
            "lines_from_data": {ln.key: {"source": ln.baseline_source[5:],
                                         "scale_to_base_year": round(ln.baseline_scale, 6)}
                                for ln in self.lines if ln.baseline_source.startswith("data:")},
            "lines_assumed": assumed,
            "assumption": bool(assumed),
            "method": self.baseline.method if assumed else None,
            "note": self.baseline.note if assumed else None,
        }

    def _baseline_assumptions(self) -> list[dict[str, Any]]:
        assumed = [ln.key for ln in self.lines if not ln.baseline_from_data]
        if not assumed:
            return []
        return [{"key": "baseline", "value": self.baseline.method, "lines": assumed,
                 "note": f"no baseline file for these lines; baseline assumed: {self.baseline.note}"}]

    def _line_summary(self, ln: LineResult) -> dict[str, Any]:
        years = {}
        for y, year in enumerate(self.years):
            years[year] = {
                "gross": int(ln.gross_pence[y]) / 100,
                "top_slices": {ln.top_slice_names[k]: int(v[y]) / 100 for k, v in ln.top_slice_pence.items()},
                "to_areas": int(ln.control_pence[y]) / 100,
                "allocated": int(ln.allocation_pence[y].sum()) / 100,
                "equals_control_total": bool(ln.allocation_pence[y].sum() == ln.control_pence[y]),
            }
        return {"key": ln.key, "name": ln.name, "baseline_to_areas": ln.base_control_pence / 100,
                "baseline_source": ln.baseline_source, "population_basis": ln.population_basis,
                "weights_years": dict(zip((ln.base_year, *self.years), ln.weights_years, strict=False)),
                "baseline_allocated": int(ln.baseline_pence.sum()) / 100, "years": years}

    def price_index(self) -> np.ndarray:
        """Prices of each settlement year relative to the deflator's base year (1 without a deflator)."""
        d = self.spec.deflator
        if d is None:
            return np.ones(len(self.years))
        return np.array(grown_totals(1.0, d.base_year, d.rate, d.rate_by_year, self.years))

    def _national(self) -> dict[str, Any]:
        alloc = self.total_allocation()
        pop = float(self.population.sum())
        prices = self.price_index()
        base = self.spec.deflator.base_year if self.spec.deflator else None
        return {year: {"to_areas": int(alloc[y].sum()) / 100,
                       "to_areas_real": round(float(int(alloc[y].sum()) / 100 / prices[y]), 2),
                       "prices": base and f"{base} prices", "price_index": round(float(prices[y]), 6),
                       "top_sliced": sum(int(v[y]) for ln in self.lines for v in ln.top_slice_pence.values()) / 100,
                       "per_head": round(int(alloc[y].sum()) / 100 / pop, 2)}
                for y, year in enumerate(self.years)}

    def _need_index_summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in [None, *(ln.key for ln in self.lines)]:
            idx = self.need_index(key)
            out[key or ALL_LINES] = {"min": round(float(idx.min()), 4), "max": round(float(idx.max()), 4),
                                     "by_area": {c: round(float(v), 4) for c, v in zip(self.areas.area_codes, idx,
                                                                                       strict=True)}}
        return out

    @cached_property
    def winners_and_losers(self) -> WinnersAndLosers:
        """Winners and losers in the last settlement year, with the ten largest and smallest gains."""
        return self._winners()

    def _winners(self, top: int = 10) -> WinnersAndLosers:
        gains = self.gains()[-1]
        alloc, base = self.total_allocation()[-1], self.total_baseline()
        growth = alloc / base - 1.0
        national = alloc.sum() / base.sum() - 1.0
        order = np.argsort(-gains, kind="stable")

        def row(i: int) -> AreaGain:
            return AreaGain(self.areas.area_codes[i], self.areas.area_names[i], round(float(gains[i]), 2),
                            round(float(growth[i]) * 100, 3))

        winners = [row(int(i)) for i in order if growth[i] > national + 1e-12]
        losers = [row(int(i)) for i in order[::-1] if growth[i] < national - 1e-12]
        return WinnersAndLosers(self.years[-1], round(float(national) * 100, 3), len(winners), len(losers),
                                tuple(winners[:top]), tuple(losers[:top]))

    def _sensitivity_summary(self) -> dict[str, Any] | None:
        s = self.sensitivity
        if s is None:
            return None
        width = (s.per_head_p95[-1] - s.per_head_p5[-1]) / s.per_head_p50[-1]
        return {"draws": s.draws, "seed": s.seed, "year": self.years[-1],
                "median_relative_p5_p95_width": round(float(np.median(width)), 5),
                "max_relative_p5_p95_width": round(float(width.max()), 5),
                "areas_always_winners": int((s.winner_frequency[-1] == 1).sum()),
                "areas_never_winners": int((s.winner_frequency[-1] == 0).sum())}

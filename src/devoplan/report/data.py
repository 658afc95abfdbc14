"""What a report is rendered from, and reading it back from saved files.

A report needs the geography, the plan, optionally the funding allocations table (the
``allocations.csv`` that :mod:`devoplan.funding` writes: one row per year, line and area) and the
metrics document (``metrics.json`` written by the demo pipeline: comparison with today's layers,
audit, design summary with governance readiness, funding summary with assumptions). Both paths --
in-memory results and saved files -- end in the same :class:`ReportData`, so a re-rendered report
is the same report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.plan import Plan

ALL_LINES = "all"  # the allocations rows that total every service line
ALLOCATION_COLUMNS: tuple[str, ...] = (
    "year", "line", "area_code", "area_name", "population", "target", "baseline", "allocation",
    "per_head", "distance_from_target_pct",
)
SENSITIVITY_COLUMNS: tuple[str, ...] = ("per_head_p5", "per_head_p95")


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything the report shows. ``metrics`` is the JSON-ready metrics document (may be empty)."""

    geography: Geography
    plan: Plan
    allocations: pd.DataFrame | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    title: str = "Devolved commissioning areas for England"

    def __post_init__(self) -> None:
        if self.allocations is not None:
            check_allocations(self.allocations, self.plan, "allocations", population=self.area_population)

    @property
    def area_population(self) -> np.ndarray:
        """Residents of each plan area (plan area order)."""
        return self.plan.area_totals(self.geography.units.population.astype(np.float64))


def plan_fingerprint(geography: Geography, plan: Plan) -> str:
    """A short hash of which area each district is in: tells whether saved results belong to this plan."""
    text = "\n".join(f"{u},{plan.area_codes[a]}" for u, a in zip(geography.units.codes, plan.assignment.tolist(),
                                                                  strict=True))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class FundingView:
    """Totals across service lines per area, as ``(years, areas)`` arrays in plan area order (£)."""

    years: tuple[str, ...]
    population: np.ndarray
    allocation: np.ndarray
    target: np.ndarray
    baseline: np.ndarray
    per_head: np.ndarray
    distance_pct: np.ndarray
    p5: np.ndarray | None
    p95: np.ndarray | None
    winner_frequency: np.ndarray | None


def funding_view(allocations: pd.DataFrame, plan: Plan) -> FundingView:
    """Pivot the ``all``-lines rows of the allocations table into arrays in the plan's area order."""
    rows = allocations[allocations["line"].astype(str) == ALL_LINES]
    years = tuple(dict.fromkeys(rows["year"].astype(str)))

    def grid(column: str) -> np.ndarray:
        table = rows.pivot_table(index="year", columns="area_code", values=column, aggfunc="first")
        table.index = table.index.astype(str)
        return table.loc[list(years), list(plan.area_codes)].to_numpy(dtype=np.float64)

    has_sens = all(c in rows.columns for c in SENSITIVITY_COLUMNS)
    return FundingView(
        years=years,
        population=grid("population")[0],
        allocation=grid("allocation"),
        target=grid("target"),
        baseline=grid("baseline")[0],
        per_head=grid("per_head"),
        distance_pct=grid("distance_from_target_pct"),
        p5=grid("per_head_p5") if has_sens else None,
        p95=grid("per_head_p95") if has_sens else None,
        winner_frequency=grid("winner_frequency") if "winner_frequency" in rows.columns else None,
    )


def check_allocations(df: pd.DataFrame, plan: Plan, source: str | Path, *,
                      population: np.ndarray | None = None) -> None:
    """The table has the needed columns, ``all``-lines rows, and a row for every plan area each year.

    With ``population`` (residents per plan area), each area's population must match too: an
    allocations table made for another version of the plan would otherwise be shown under this one.
    """
    for col in ALLOCATION_COLUMNS:
        if col not in df.columns:
            raise InputError(f"missing column '{col}' (an allocations table from devoplan fund)",
                             file=source, field=col)
    rows = df[df["line"].astype(str) == ALL_LINES]
    if rows.empty:
        raise InputError(f"no rows with line '{ALL_LINES}' (the totals across service lines)",
                         file=source, field="line")
    known = set(plan.area_codes)
    codes = rows["area_code"].astype(str)
    unknown = sorted(set(codes) - known)
    if unknown:
        row = int(np.flatnonzero((df["area_code"].astype(str) == unknown[0]).to_numpy())[0]) + 2
        raise InputError(f"area '{unknown[0]}' is not in the plan", file=source, row=row, field="area_code")
    for year, group in rows.groupby(rows["year"].astype(str)):
        missing = sorted(known - set(group["area_code"].astype(str)))
        if missing:
            raise InputError(f"year {year} has no row for plan area '{missing[0]}' "
                             f"({len(missing)} missing)", file=source, field="area_code")
    for col in ("population", "allocation", "per_head"):
        values = pd.to_numeric(rows[col], errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row = int(rows.index[np.flatnonzero(bad)[0]]) + 2
            raise InputError("not a number", file=source, row=row, field=col)
    if population is not None:
        _check_population(df, rows, plan, population, source)


def _check_population(df: pd.DataFrame, rows: pd.DataFrame, plan: Plan, population: np.ndarray,
                      source: str | Path) -> None:
    expected = dict(zip(plan.area_codes, population.tolist(), strict=True))
    for index, code, value in zip(rows.index, rows["area_code"].astype(str), pd.to_numeric(rows["population"]),
                                  strict=True):
        want = expected[code]
        if abs(float(value) - want) > 0.5 + 1e-9 * want:
            raise InputError(f"area '{code}' has {float(value):,.0f} residents here but {want:,.0f} in the plan "
                             "(allocations made for a different plan?)", file=source, row=int(index) + 2,
                             field="population")


def read_allocations(path: Path, plan: Plan, population: np.ndarray | None = None) -> pd.DataFrame:
    """``allocations.csv`` read and checked against the plan (and its area populations when given)."""
    if not path.is_file():
        raise InputError("allocations file not found", file=path)
    try:
        df = pd.read_csv(path, dtype={"year": str, "line": str, "area_code": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {exc}", file=path) from None
    check_allocations(df, plan, path, population=population)
    return df


def read_metrics(path: Path) -> dict[str, Any]:
    """``metrics.json`` as written by the demo pipeline (a JSON object)."""
    if not path.is_file():
        raise InputError("metrics file not found", file=path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=path) from None
    if not isinstance(doc, dict):
        raise InputError("must hold a JSON object", file=path)
    return doc

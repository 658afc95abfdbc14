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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.csvcells import restore
from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.markets.document import placed_from_document
from devoplan.metrics.audit import Audit
from devoplan.plan import Plan
from devoplan.report.comparison import ComparisonTable
from devoplan.report.document import MetricsDocument, PopulationBounds, bound_facts, mapping
from devoplan.report.schema import DEMO, DESIGN_DOC, FUNDING, check_metrics
from devoplan.validate import Bounds, Cell, financial_year, numbers, parse_document, read_text

ALL_LINES = "all"  # the allocations rows that total every service line
ALLOCATION_COLUMNS: tuple[str, ...] = (
    "year", "line", "area_code", "area_name", "population", "target", "baseline", "allocation",
    "per_head", "distance_from_target_pct",
)
SENSITIVITY_COLUMNS: tuple[str, ...] = ("per_head_p5", "per_head_p95")


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything the report shows. ``doc`` is the metrics document, typed (parts may be missing)."""

    geography: Geography
    plan: Plan
    allocations: pd.DataFrame | None = None
    doc: MetricsDocument = field(default_factory=MetricsDocument)
    title: str = "Devolved commissioning areas for England"

    def __post_init__(self) -> None:
        if self.allocations is not None:
            check_allocations(self.allocations, self.plan, "allocations", population=self.area_population)

    @property
    def comparison(self) -> ComparisonTable | None:
        """The plan against today's layers (the metrics document's ``comparison``), typed; None without one."""
        return self.doc.comparison

    @property
    def bounds(self) -> PopulationBounds:
        """The design's population bounds per area (the metrics document's ``design.bounds``)."""
        return self.doc.design.bounds

    @property
    def audit(self) -> Audit | None:
        """Today's layers against each other (the metrics document's ``audit``), typed; None without one."""
        return self.doc.audit

    @property
    def area_population(self) -> np.ndarray:
        """Residents of each plan area (plan area order)."""
        return self.plan.area_totals(self.geography.units.population.astype(np.float64))


def default_title(geography: Geography) -> str:
    """The report's title: 'for England' on the England bundle, the geography's own name otherwise."""
    if geography.name.lower().startswith("england"):
        return "Devolved commissioning areas for England"
    return f"Devolved commissioning areas: {geography.name}"


def plan_fingerprint(geography: Geography, plan: Plan) -> str:
    """A short hash of which area each district is in: tells whether saved results belong to this plan."""
    return _fingerprint(geography, {u: plan.area_codes[a] for u, a in zip(geography.units.codes,
                                                                           plan.assignment.tolist(), strict=True)})


def _fingerprint(geography: Geography, area_of: Mapping[str, str]) -> str:
    text = "\n".join(f"{u},{area_of.get(u, '')}" for u in geography.units.codes)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


DEMO_KEYS: tuple[str, ...] = ("design", "comparison", "audit", "funding", "run", "plan")


def metrics_sections(doc: Mapping[str, Any], path: Path, geography: Geography) -> dict[str, Any]:
    """A saved JSON file as the report's metrics document.

    Three kinds are read: the demo's ``metrics.json`` (as is), the ``metrics.json`` of
    ``devoplan design`` (its objective, bound, checks and governance become the ``design`` part,
    with the plan it describes fingerprinted from its area list), the ``summary.json`` of
    ``devoplan fund`` (the ``funding`` part: assumptions, sources, winners and losers) and the placed
    registry of ``devoplan contracts --json`` (the ``contracts`` part, read by the Markets section).
    """
    if any(k in doc for k in DEMO_KEYS):
        check_metrics(doc, path, DEMO)
        return dict(doc)
    if "area_list" in doc and "objective" in doc:
        check_metrics(doc, path, DESIGN_DOC)
        return _from_design_document(doc, geography)
    if set(doc) == {"contracts"} and isinstance(doc["contracts"], Mapping):  # devoplan contracts --json
        placed_from_document(doc["contracts"], geography, path)  # checked here, where the file is known
        return {"contracts": dict(doc["contracts"])}
    if "assumptions" in doc and "national" in doc:
        check_metrics(doc, path, FUNDING)
        return {"funding": dict(doc)}
    raise InputError("not a metrics.json from devoplan demo or design, a summary.json from devoplan fund "
                     "or the placed registry devoplan contracts prints as JSON "
                     f"(top-level keys: {', '.join(list(doc)[:8]) or 'none'})", file=path)


def for_plan(metrics: Mapping[str, Any], geography: Geography, plan: Plan) -> tuple[dict[str, Any], list[str]]:
    """The metrics document without the parts that belong to another plan, and a note saying so.

    A document written for a different plan (its ``plan.fingerprint`` differs, e.g. the plan CSV
    was edited since) keeps only what does not depend on the plan: its design result and its
    comparison are dropped, so the report never shows one plan's figures under another's name.
    """
    doc = dict(metrics)
    saved = mapping(doc.get("plan")).get("fingerprint")
    if saved is None or saved == plan_fingerprint(geography, plan):
        return doc, []
    doc.pop("design", None)
    doc.pop("comparison", None)
    doc.pop("plan", None)
    return doc, ["The metrics file was written for a different plan (the plan CSV has changed since), so its "
                 "design result and governance are left out and the comparison was recomputed."]


def read_metrics_files(paths: Sequence[Path], geography: Geography, plan: Plan) -> dict[str, Any]:
    """Saved JSON files (:func:`metrics_sections` says which kinds) merged in order into one metrics
    document, each without the parts written for another plan; ``report_notes`` says what was left out."""
    metrics: dict[str, Any] = {}
    notes: list[str] = []
    for path in paths:
        doc, dropped = for_plan(metrics_sections(read_metrics(path), path, geography), geography, plan)
        notes += [str(n) for n in doc.pop("report_notes", None) or []] + dropped
        metrics.update(doc)
    return metrics | {"report_notes": notes}


def _from_design_document(doc: Mapping[str, Any], geography: Geography) -> dict[str, Any]:
    areas = [a for a in doc.get("area_list", []) if isinstance(a, Mapping)]
    bounds, bound, search = (mapping(doc.get(k)) for k in ("population_bounds", "bound", "search"))
    gap = bound.get("gap")
    facts = {"areas": doc.get("areas"), "seed": doc.get("seed"), "objective": doc.get("objective"),
             "starting_objective": doc.get("start_objective"), "lower_bound": bound.get("lower_bound"),
             "gap_to_bound": f"{gap:.1%}" if isinstance(gap, int | float) else None,
             "min_population_bound": bounds.get("min"), "max_population_bound": bounds.get("max"),
             "evaluations": search.get("evaluations"), "stopped_by": search.get("stopped_by"),
             **(bound_facts(bound).to_dict() if bound else {})}
    area_of = {str(u): str(a.get("code")) for a in areas for u in a.get("districts", [])}
    return {
        "plan": {"fingerprint": _fingerprint(geography, area_of), "areas": len(areas)},
        "design": {"facts": {k: v for k, v in facts.items() if v is not None},
                   "bounds": {"min_pop": bounds.get("min"), "max_pop": bounds.get("max")},
                   "governance": {str(a.get("code")): a.get("governance") for a in areas},
                   "result": dict(doc)},
    }


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
    check_allocation_numbers(df, source)
    for col in ("population", "allocation", "per_head"):
        values = pd.to_numeric(rows[col], errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row = int(rows.index[np.flatnonzero(bad)[0]]) + 2
            raise InputError("value is missing", file=source, row=row, field=col)
    if population is not None:
        _check_population(rows, plan, population, source)


# Numeric columns of allocations.csv and what their values may be (money and percentages: any finite
# number of a sane size); blank cells are allowed (sensitivity columns are blank on single lines).
NUMERIC_COLUMNS: dict[str, Bounds] = {
    "population": Bounds(lo=0.0), "need_index": Bounds(lo=0.0), "target_share": Bounds(lo=0.0, hi=1.0),
    "winner_frequency": Bounds(lo=0.0, hi=1.0),
    **{c: Bounds() for c in ("target", "baseline", "allocation", "per_head", "distance_from_target_pct",
                             "change_on_baseline", "change_on_baseline_pct", *SENSITIVITY_COLUMNS)},
}


def check_allocation_numbers(df: pd.DataFrame, source: str | Path) -> None:
    """Every cell of every numeric column on every row: a finite number in range (or blank), and every
    year a real financial year; the first bad cell is named by row and field."""
    for col, bounds in NUMERIC_COLUMNS.items():
        if col not in df.columns:
            continue
        cells = df[col]
        present = np.flatnonzero(cells.notna().to_numpy())
        text = cells.iloc[present].astype(str).tolist()
        values = pd.to_numeric(cells.iloc[present].astype(str), errors="coerce").to_numpy(dtype=np.float64)
        numbers(values, source, col, bounds, rows=[int(i) + 2 for i in present], text=text)
    for i, year in enumerate(df["year"].astype(str)):
        try:
            financial_year(year)
        except ValueError as exc:
            raise InputError(str(exc), file=source, row=i + 2, field="year") from None


def _check_population(rows: pd.DataFrame, plan: Plan, population: np.ndarray,
                      source: str | Path) -> None:
    expected = dict(zip(plan.area_codes, population.tolist(), strict=True))
    for index, code, value in zip(rows.index, rows["area_code"].astype(str), pd.to_numeric(rows["population"]),
                                  strict=True):
        want = expected[code]
        if abs(float(value) - want) > 0.5 + 1e-9 * want:
            raise InputError(f"area '{code}' has {float(value):,.0f} residents here but {want:,.0f} in the plan "
                             "(allocations made for a different plan, or for a layer with split districts? "
                             "fund the plan itself)", file=source, row=int(index) + 2,
                             field="population")


def read_allocations(path: Path, plan: Plan, population: np.ndarray | None = None) -> pd.DataFrame:
    """``allocations.csv`` read and checked against the plan (and its area populations when given)."""
    if not path.is_file():
        raise InputError("allocations file not found", file=path)
    try:
        df = pd.read_csv(path, dtype={"year": str, "line": str, "area_code": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {exc}", file=path) from None
    for col in ("area_code", "area_name"):  # devoplan writes formula-like names with a leading quote
        if col in df.columns:
            df[col] = df[col].map(lambda v: restore(v) if isinstance(v, str) else v)
    check_allocations(df, plan, path, population=population)
    return df


def read_metrics(path: Path) -> dict[str, Any]:
    """``metrics.json`` as written by the demo pipeline (a JSON object)."""
    if not path.is_file():
        raise InputError("metrics file not found", file=path)
    try:
        doc = parse_document(read_text(path, what="metrics file"), json.loads, Cell(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", file=path) from None
    if not isinstance(doc, dict):
        raise InputError("must hold a JSON object", file=path)
    return doc

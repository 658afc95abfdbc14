"""The end-to-end demo as a library function: audit -> design -> fund -> compare -> write ``out/``.

``run_demo(DemoOptions(...))`` is what ``devoplan demo`` (and so ``make demo``) runs:

1. audit today's layers (coterminosity of every pair, districts each layer splits);
2. design ``areas`` commissioning areas with the default constraints (fixed seed, time limit);
3. fund them with the default spec over its four-year settlement, with a seeded Monte Carlo;
4. score the plan side by side with today's layers: the 2026 ICBs, the LSIP areas, regions and police force areas;
5. write ``report.html``, ``plan.csv``, ``plan.geojson``, ``allocations.csv``, ``funding_summary.json``,
   ``metrics.json``, ``maps/*.png``, and the report's tables as ``tables/*.csv`` and
   ``report_tables.xlsx`` into the output directory.

Everything is written into a temporary directory beside ``out`` first and moved into place at the
end, so a failed or interrupted run never leaves a half-written set of outputs. Same seed and time
limit give the same plan and allocations (the optimiser runs on a fixed evaluation budget).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from devoplan.design.api import DesignResult, design
from devoplan.design.options import DesignOptions
from devoplan.design.output import metrics_document
from devoplan.design.search import Progress as SearchProgress
from devoplan.errors import DevoplanError
from devoplan.fileio import check_out_dir, output_set
from devoplan.funding import FundingResult, fund
from devoplan.funding.output import write_allocations_csv, write_summary_json
from devoplan.funding.result import WinnersAndLosers
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.governance.assess import Assessment, Money, assess
from devoplan.jsonio import finite, write_json
from devoplan.metrics.audit import Audit
from devoplan.metrics.audit import audit as audit_layers
from devoplan.planio import write_plan_csv, write_plan_geojson
from devoplan.report.build import build_report
from devoplan.report.comparison import ComparisonTable, comparison_table
from devoplan.report.data import plan_fingerprint, read_allocations, read_metrics
from devoplan.report.document import BoundFacts, bound_facts
from devoplan.report.downloads import write_tables
from devoplan.report.layerwords import ECONOMIC, HEALTH
from devoplan.validate import MAX_TIME_LIMIT

STEPS: tuple[str, ...] = ("load", "audit", "design", "fund", "compare", "report")
# Search budget in seconds. The exact model that follows proves the England plan optimal from any budget
# tried (none to 45 s, docs/design.md); 10 s leaves its closing MIP small, so the demo stays quick.
DEFAULT_TIME_LIMIT = 10.0
DEFAULT_DRAWS = 1000


@dataclass(frozen=True)
class DemoOptions:
    """What the demo runs: output directory, optimiser time limit, seed, areas and Monte Carlo draws."""

    out: Path = Path("out")
    time_limit: float = DEFAULT_TIME_LIMIT
    seed: int = 0
    areas: int = 38
    draws: int = DEFAULT_DRAWS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_limit) and 0 < self.time_limit <= MAX_TIME_LIMIT):
            raise DevoplanError(f"`time_limit` must be a positive number of seconds, got {self.time_limit} "
                                f"(at most {MAX_TIME_LIMIT:,.0f}, a week)")
        if self.draws < 0:
            raise DevoplanError(f"draws must be 0 or more, got {self.draws}")
        if self.seed < 0:
            raise DevoplanError(f"`seed` must be 0 or more, got {self.seed}")
        if self.areas < 1:
            raise DevoplanError(f"`areas` must be at least 1, got {self.areas}")
        check_out_dir(Path(self.out))  # said before the optimiser runs, not after


@dataclass(frozen=True)
class StepEvent:
    """Reported to the progress callback: a step starts, advances (``fraction``) or finishes."""

    step: str
    state: str  # "start", "progress" or "done"
    fraction: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class Bodies:
    """Commissioning bodies today (per family) and after: one single body per area."""

    before: int
    after: int
    split: int
    by_family: dict[str, int]


@dataclass(frozen=True)
class Headline:
    """The few figures ``devoplan demo`` prints: plan shape, optimiser evidence, alignment, money, bodies."""

    areas: int
    population_min: int
    population_max: int
    bounds: tuple[float | None, float | None]
    objective: float
    gap_to_bound: float | None
    lower_bound: float | None
    stopped_by: str
    today_health_economic: float | None  # coterminosity of today's health and economic layers (ICB26, LSIP)
    alignment: dict[str, dict[str, float | None]]  # measure -> column label -> value
    governance: dict[str, int]  # candidate-body status -> areas
    years: tuple[str, ...]
    to_areas: dict[str, float]  # year -> pounds to areas
    per_head: dict[str, float]
    winners: WinnersAndLosers | None
    baseline_assumed: bool  # every line's baseline is an assumed share
    baseline_assumed_lines: tuple[str, ...]
    proven_optimal: bool = False
    bound_kind: str | None = None
    search_objective: float | None = None
    improved_by_mip: float | None = None
    bodies: Bodies | None = None
    roadmap_end: int | None = None


@dataclass(frozen=True)
class DemoResult:
    """Paths written and the headline figures, with per-step timings in seconds."""

    out: Path
    files: dict[str, Path]
    summary: Headline
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def report(self) -> Path:
        return self.files["report"]


EventCallback = Callable[[StepEvent], None]


class _Steps:
    """Times each step and forwards events to the caller's callback."""

    def __init__(self, callback: EventCallback | None) -> None:
        self.callback = callback
        self.timings: dict[str, float] = {}
        self._t0 = 0.0

    def emit(self, event: StepEvent) -> None:
        if self.callback is not None:
            self.callback(event)

    def start(self, step: str, message: str = "") -> None:
        self._t0 = time.perf_counter()
        self.emit(StepEvent(step, "start", 0.0, message))

    def done(self, step: str, message: str = "") -> None:
        self.timings[step] = round(time.perf_counter() - self._t0, 2)
        self.emit(StepEvent(step, "done", 1.0, message))


def run_demo(options: DemoOptions | None = None, *, geography: Geography | None = None,
             progress: EventCallback | None = None) -> DemoResult:
    """Run the whole demo and write its outputs into ``options.out`` (see the module docstring)."""
    opts = options or DemoOptions()
    steps = _Steps(progress)
    steps.start("load")
    geo = geography if geography is not None else load_geography()
    steps.done("load", f"{geo.n_units} districts")

    steps.start("audit")
    audit = audit_layers(geo)
    steps.done("audit", f"{len(audit.layers)} layers, {len(audit.crossings)} crossings")

    steps.start("design", f"{opts.areas} areas, {opts.time_limit:g}s")
    result = design(geo, DesignOptions(areas=opts.areas, time_limit=opts.time_limit), seed=opts.seed,
                    progress=lambda p: _design_progress(steps, p))
    steps.done("design", f"objective {result.objective:.4f}")

    steps.start("fund", f"{opts.draws} sensitivity draws")
    funding = fund(geo, result.plan, draws=opts.draws, seed=opts.seed)
    steps.done("fund", f"{funding.years[0]} to {funding.years[-1]}")

    steps.start("compare")
    comparison = comparison_table(geo, result.plan, lower=result.min_pop, upper=result.max_pop)
    steps.done("compare", f"against {len(comparison.columns) - 1} of today's layers")

    steps.start("report")
    governed = assess(geo, result.plan, money=Money.from_funding(funding))  # governance model and roadmap
    doc = metrics_doc(geo, result, funding, audit, comparison, opts, steps.timings) | finite(governed.to_dict())
    files = write_outputs(geo, result, funding, doc, opts.out)
    steps.done("report", str(files["report"]))
    summary = replace(headline(geo, result, funding, comparison, audit), **bodies_headline(governed))
    return DemoResult(opts.out, files, summary, dict(steps.timings))


def bodies_headline(governed: Assessment) -> dict[str, Any]:
    """Commissioning bodies before and after, nationally, and the roadmap's last year (Headline fields)."""
    s = governed.model.simplification
    ends = [a.end for a in governed.roadmap.areas if a.end is not None]
    return {"bodies": Bodies(s.before, s.after, s.split_bodies, {f.family: f.touching for f in s.national}),
            "roadmap_end": max(ends) if ends else None}


def _design_progress(steps: _Steps, p: SearchProgress) -> None:
    steps.emit(StepEvent("design", "progress", p.bar_fraction, f"{p.phase}: best {p.best_text(4)}"))


def metrics_doc(geo: Geography, result: DesignResult, funding: FundingResult, audit: Audit,
                comparison: ComparisonTable, opts: DemoOptions, timings: dict[str, float]) -> dict[str, Any]:
    """The ``metrics.json`` document the report is rendered from (and re-rendered by ``devoplan report``)."""
    design_doc = metrics_document(geo, result)
    gap = result.gap
    facts = {
        "areas": result.plan.n_areas,
        "seed": result.seed,
        "time_limit_s": opts.time_limit,
        "objective": round(result.objective, 6),
        "starting_objective": round(result.start_objective, 6),
        "lower_bound": round(result.bound.value, 6) if result.bound is not None else None,
        "gap_to_bound": f"{gap:.1%}" if gap is not None and math.isfinite(gap) else None,
        "min_population_bound": result.min_pop,
        "max_population_bound": result.max_pop,
        "evaluations": result.stats.evaluations,
        "stopped_by": result.stats.stopped_by,
        **(bound.to_dict() if (bound := _bound_facts(result)) is not None else {}),
    }
    return finite({
        "geography": geo.name,
        "plan": {"fingerprint": plan_fingerprint(geo, result.plan), "areas": result.plan.n_areas},
        "run": {"seed": opts.seed, "time_limit_s": opts.time_limit, "draws": opts.draws},
        "audit": audit.to_dict(),
        "design": {
            "facts": {k: v for k, v in facts.items() if v is not None},
            "bounds": {"min_pop": result.min_pop, "max_pop": result.max_pop},
            "governance": {g.area_code: g.to_dict() for g in result.governance},
            "result": design_doc,
        },
        "comparison": comparison.to_dict(),
        "funding": funding.summary,
        "timings_s": dict(timings),
    })


def _bound_facts(result: DesignResult) -> BoundFacts | None:
    """Proven optimal or not, the kind of bound, and the exact model's improvement (None without a bound)."""
    return None if result.bound is None else bound_facts(result.bound.to_dict(result.objective))


def write_outputs(geo: Geography, result: DesignResult, funding: FundingResult, doc: dict[str, Any],
                  out: Path) -> dict[str, Path]:
    """Write every output into a staging folder that then replaces ``out``'s output set whole."""
    out = Path(out)
    with output_set(out) as tmp:
        (tmp / "maps").mkdir()
        write_plan_csv(result.plan, tmp / "plan.csv")
        write_plan_geojson(result.plan, geo, tmp / "plan.geojson")
        write_allocations_csv(funding, tmp / "allocations.csv")
        write_summary_json(funding, tmp / "funding_summary.json")
        write_json(tmp / "metrics.json", doc)
        # the report is drawn from the files just written, so `devoplan report` on them gives the same page
        saved = read_allocations(tmp / "allocations.csv", result.plan, result.populations(geo))
        build_report(geo, result.plan, tmp / "report.html", allocations=saved,
                     metrics=read_metrics(tmp / "metrics.json"), png_dir=tmp / "maps")
        tables = write_tables((tmp / "report.html").read_text(encoding="utf-8"), tmp)  # the report's tables as files
        pngs = sorted(p.name for p in (tmp / "maps").glob("*.png"))
    files = {f"map:{Path(name).stem}": out / "maps" / name for name in pngs}
    files |= {f"table:{p.stem}": out / p.relative_to(tmp) for p in tables}
    for name in ("plan.csv", "plan.geojson", "allocations.csv", "funding_summary.json", "metrics.json",
                 "report.html"):
        files[name.split(".")[0] if name != "plan.geojson" else "plan_geojson"] = out / name
    return files


def headline(geo: Geography, result: DesignResult, funding: FundingResult, comparison: ComparisonTable,
             audit: Audit | None = None) -> Headline:
    """The few figures ``devoplan demo`` prints: plan shape, alignment, money, and what they rest on."""
    pops = result.populations(geo)
    rows = {r.metric: r.values for r in comparison.rows}
    alloc = funding.total_allocation() / 100.0
    statuses: dict[str, int] = {}
    for g in result.governance:
        statuses[g.status] = statuses.get(g.status, 0) + 1
    columns = comparison.columns
    matrix = audit.coterminosity if audit is not None else {}
    facts = _bound_facts(result)
    gap = result.gap
    return Headline(
        areas=result.plan.n_areas,
        population_min=int(pops.min()),
        population_max=int(pops.max()),
        bounds=(result.min_pop, result.max_pop),
        objective=result.objective,
        gap_to_bound=gap if gap is not None and math.isfinite(gap) else None,
        lower_bound=(result.bound.value if result.bound is not None and math.isfinite(result.bound.value)
                     else None),
        proven_optimal=facts is not None and facts.proven_optimal,
        bound_kind=facts.bound_kind if facts is not None else None,
        search_objective=facts.search_objective if facts is not None else None,
        improved_by_mip=facts.improved_by_mip if facts is not None else None,
        stopped_by=result.stats.stopped_by,
        today_health_economic=matrix.get(HEALTH, {}).get(ECONOMIC),
        alignment={m: dict(zip(columns, rows[m], strict=True)) for m in
                   (f"coterminosity@{HEALTH}", f"coterminosity@{ECONOMIC}", f"split_layer_areas@{HEALTH}",
                    f"split_layer_areas@{ECONOMIC}") if m in rows},
        governance=dict(sorted(statuses.items())),
        years=tuple(funding.years),
        to_areas={y: float(alloc[i].sum()) for i, y in enumerate(funding.years)},
        per_head={y: float(alloc[i].sum() / float(np.sum(funding.population))) for i, y in enumerate(funding.years)},
        winners=funding.winners_and_losers,
        baseline_assumed=len(funding.summary["baseline"]["lines_assumed"]) == len(funding.lines),
        baseline_assumed_lines=tuple(funding.summary["baseline"]["lines_assumed"]),
    )

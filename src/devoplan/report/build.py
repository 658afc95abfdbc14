"""Build ``report.html``: from in-memory results (:func:`build_report`) or saved files (:func:`render_from_files`).

The file is written to a temporary name in the target directory and moved into place, so an
interrupted run never leaves half a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from devoplan import __version__, fileio
from devoplan.errors import DevoplanError
from devoplan.fileio import check_file_target
from devoplan.funding import fund
from devoplan.funding.spec import FundingSpec
from devoplan.geography.model import Geography
from devoplan.metrics.audit import audit
from devoplan.plan import Plan
from devoplan.report.comparison import comparison_table
from devoplan.report.data import ReportData, default_title, for_plan, read_allocations, read_metrics_files
from devoplan.report.document import MetricsDocument
from devoplan.report.html import Page, esc, render_page

if TYPE_CHECKING:
    from devoplan.compare import PlanComparison


def render(data: ReportData, *, png_dir: Path | None = None) -> str:
    """The report as one HTML string; maps also go to ``png_dir`` as PNG files when given."""
    # Drawing needs matplotlib (half a second to import): load it here, not when any CLI command starts.
    from devoplan.report.downloads import with_downloads
    from devoplan.report.figures import FigureSink
    from devoplan.report.sections import build_sections

    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
    sink = FigureSink(png_dir)
    geo = data.geography
    sections = build_sections(data, sink)
    subtitle = [f"Geography: {geo.name} — {geo.n_units} districts, {geo.units.total_population:,} residents.",
                f"Plan: {data.plan.n_areas} areas."]
    footer = (f"Made by devoplan {esc(__version__)} on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
              "Self-contained: no scripts and nothing loaded from elsewhere; when printed, each section starts "
              "on a new page.")
    page = render_page(Page(title=data.title, subtitle=subtitle, sections=sections, footer=footer,
                            meta={"generator": "devoplan"}))  # GENERATOR_TAG: check_out knows its own reports
    return with_downloads(page)


GENERATOR_TAG = '<meta name="generator" content="devoplan">'


def with_computed(geography: Geography, plan: Plan, metrics: Mapping[str, Any]) -> MetricsDocument:
    """The metrics document, typed, without the parts that belong to another plan (:func:`for_plan`), with
    the audit and the plan-vs-today comparison filled in when it lacks them (both are cheap, deterministic
    functions of geography and plan, so a report rendered from a bare plan CSV still has them)."""
    kept, notes = for_plan(metrics, geography, plan)
    doc = MetricsDocument.from_json(kept)
    if doc.audit is None:
        doc = replace(doc, audit=audit(geography))
    if doc.comparison is None:
        bounds = doc.design.bounds
        doc = replace(doc, comparison=comparison_table(geography, plan, lower=bounds.lower, upper=bounds.upper))
    if notes:
        doc = replace(doc, report_notes=(*doc.report_notes, *notes))
    return doc


def build_report(geography: Geography, plan: Plan, out: Path, *, allocations: pd.DataFrame | None = None,
                 metrics: Mapping[str, Any] | None = None, png_dir: Path | None = None,
                 title: str | None = None) -> Path:
    """Render the report for in-memory results and write it to ``out`` (returns ``out``)."""
    check_out(Path(out))
    doc = with_computed(geography, plan, metrics or {})
    data = ReportData(geography, plan, allocations, doc, title=title or default_title(geography))
    return write_atomic(Path(out), render(data, png_dir=png_dir))


def check_out(out: Path, *, force: bool = False) -> None:
    """Refuse, before any work, a report path that could destroy something: it must end in ``.html``,
    lie in a folder that exists or can be made and be written, and be new or a report devoplan wrote
    (its ``generator`` meta tag), unless ``force``."""
    check_file_target(out, what="the report", kind="HTML", field="out", example="out/report.html",
                      suffixes=(".html", ".htm"), ours=written_by_devoplan, force=force)


def written_by_devoplan(path: Path) -> bool:
    """Whether ``path`` is an HTML report devoplan wrote (its head names devoplan as generator)."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return GENERATOR_TAG.encode() in head


def render_from_files(plan_csv: Path, allocations_csv: Path | None, metrics_json: Path | Sequence[Path] | None,
                      out: Path, *, geography: Geography | None = None, force: bool = False,
                      ensemble: Path | None = None) -> Path:
    """Re-render a report from saved outputs: ``plan.csv``, ``allocations.csv`` and any of the demo's
    ``metrics.json``, the design's ``metrics.json`` and the funding ``summary.json`` (merged in order)."""
    from devoplan.geography.loader import load_geography
    from devoplan.planio import read_plan

    check_out(Path(out), force=force)
    geo = geography if geography is not None else load_geography()
    plan = read_plan(Path(plan_csv), geo)
    population = plan.area_totals(geo.units.population.astype(float))
    allocations = read_allocations(Path(allocations_csv), plan, population) if allocations_csv is not None else None
    paths = [metrics_json] if isinstance(metrics_json, str | Path) else list(metrics_json or [])
    metrics = read_metrics_files([Path(p) for p in paths], geo, plan)
    if ensemble is not None:  # a `devoplan ensemble` folder: the plan among valid plans (report/ensemble.py)
        from devoplan.report.ensemble import read_ensemble

        metrics["ensemble"] = read_ensemble(ensemble)
    return build_report(geo, plan, Path(out), allocations=allocations, metrics=metrics)


def write_atomic(path: Path, text: str) -> Path:
    """Write the report whole or not at all (a failed write is one line)."""
    try:
        return fileio.write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise DevoplanError(f"{path}: cannot write the report: {exc.strerror or exc}") from None


def write_scenarios_report(geography: Geography, plan: Plan, comparison: PlanComparison, out: Path, *,
                           spec: FundingSpec | None = None) -> Path:
    """The report of ``plan`` (funded with ``spec``, no draws) holding every compared plan side by side."""
    funding = fund(geography, plan, spec)
    return build_report(geography, plan, out, allocations=funding.allocations,
                        metrics={"funding": funding.summary, "scenarios": comparison.to_dict()})

"""Write a design's outputs (plan.csv, areas.geojson, metrics.json) into a directory, atomically.

Everything is written into a staging folder that then replaces the target's output set whole, so an
interrupted or concurrent run never leaves a half-written or mixed output (``fileio.output_set``).
The files hold no timings or paths, so the
same inputs and seed give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devoplan import fileio
from devoplan.design.api import DesignResult
from devoplan.design.naming import name_sources
from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.jsonio import dumps, finite
from devoplan.metrics.compactness import shape_stats
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.planio import write_plan_csv, write_plan_geojson

OUTPUT_FILES: tuple[str, ...] = ("plan.csv", "areas.geojson", "metrics.json")


def has_geometry(geography: Geography) -> bool:
    """Whether the geography ships display boundaries (needed for areas.geojson and Polsby-Popper)."""
    return geography.assets.has_geometry


def metrics_document(geography: Geography, result: DesignResult) -> dict[str, object]:
    """The JSON-ready record of a design: objective, bound and gap, checks, governance, every metric."""
    pops = result.populations(geography)
    plan = result.plan
    areas = []
    sources = name_sources(geography, plan)
    for a, (code, name) in enumerate(zip(plan.area_codes, plan.area_names, strict=True)):
        members = np.flatnonzero(plan.assignment == a)
        areas.append({
            "code": code,
            "name": name,
            "name_source": sources[a].to_dict(),
            "population": int(pops[a]),
            "districts": [geography.units.codes[u] for u in members],
            "governance": result.governance[a].to_dict(),
        })
    weighted = {k: result.weights[k] * v for k, v in result.terms.items()}
    doc: dict[str, object] = {
        "geography": geography.name,
        "areas": plan.n_areas,
        "seed": result.seed,
        "population_bounds": {"min": result.min_pop, "max": result.max_pop},
        "blocks": result.n_blocks,
        "objective": result.objective,
        "start_objective": result.start_objective,
        "weights": result.weights,
        "terms": result.terms,
        "weighted_terms": weighted,
        "bound": result.bound.to_dict(result.objective) if result.bound is not None else None,
        "checks": result.checks,
        "plausibility": result.plausibility.to_dict(),
        "search": {
            "evaluations": result.stats.evaluations,
            "accepted": result.stats.accepted,
            "improvements": result.stats.improved,
            "accepted_by_kind": result.stats.moves,
            "stopped_by": result.stats.stopped_by,
        },
        "bridges": list(result.bridges),
        "governance_summary": _governance_counts(result),
        "metrics": _metrics_with_shapes(geography, result),
        "area_list": areas,
    }
    clean: dict[str, object] = finite(doc)
    return clean


def _metrics_with_shapes(geography: Geography, result: DesignResult) -> dict[str, float]:
    """The design's metrics, plus Polsby-Popper compactness when display boundaries exist."""
    if not has_geometry(geography):
        return result.metrics
    opts = ScoreOptions(lower=result.min_pop, upper=result.max_pop, shapes=shape_stats(geography),
                        indicators=result.indicators)
    return plan_scalars(geography, result.plan, opts)


def _governance_counts(result: DesignResult) -> dict[str, int]:
    out: dict[str, int] = {}
    for g in result.governance:
        out[g.status] = out.get(g.status, 0) + 1
    return dict(sorted(out.items()))


def check_out_dir(out: Path) -> None:
    """Refuse, before any work, an ``--out`` that is (or lies under) a file or whose parent cannot be created."""
    out = Path(out)
    fileio.check_out_dir(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DevoplanError(f"`out` {out}: cannot create {out.parent} ({exc.strerror})") from None


def write_outputs(geography: Geography, result: DesignResult, out: Path) -> list[Path]:
    """Write plan.csv, areas.geojson and metrics.json as ``out``'s new output set (``fileio.output_set``).

    A geography without display boundaries gets no areas.geojson (metrics.json says so); one left by
    an earlier design run goes with that run's set, a file of the user's own is kept.
    """
    out = Path(out)
    check_out_dir(out)
    with fileio.output_set(out) as tmp:
        write_plan_csv(result.plan, tmp / "plan.csv")
        if has_geometry(geography):
            write_plan_geojson(result.plan, geography, tmp / "areas.geojson")
        doc = metrics_document(geography, result)
        doc["areas_geojson"] = "areas.geojson" if has_geometry(geography) else "not written: no display geometry"
        (tmp / "metrics.json").write_text(dumps(doc), encoding="utf-8")
        written = [name for name in OUTPUT_FILES if (tmp / name).exists()]
    return [out / name for name in written]

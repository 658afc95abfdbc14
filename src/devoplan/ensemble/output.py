"""An ensemble as a JSON document and as files (written as one output set, never half-written).

Files in the output folder (docs/ensemble.md):

* ``plans.npy`` — the plans, one row per plan, one column per district in the geography's unit order
  (``ensemble.json`` lists the codes), the area index (int16, areas numbered by first district);
* ``metrics.csv`` — every metric of every plan (``plan``, ``chain``, then one column per metric);
* ``summary.csv`` — per metric: count, mean, sd, min, 5th percentile, median, 95th, max, and the compared
  plan's value and percentile;
* ``ensemble.json`` — the settings, seed, chain statistics, unit codes and the summary.

No timings or paths are written: the same inputs and seed give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan import fileio
from devoplan.ensemble.run import EnsembleResult
from devoplan.ensemble.scoring import MetricSummary
from devoplan.geography.model import Geography
from devoplan.jsonio import dumps, finite

OUTPUT_FILES: tuple[str, ...] = ("plans.npy", "metrics.csv", "summary.csv", "ensemble.json")
SUMMARY_COLUMNS: tuple[str, ...] = ("metric", "count", "mean", "sd", "minimum", "p05", "median", "p95", "maximum",
                                    "plan_value", "percentile", "unusual")


def summary_row(s: MetricSummary) -> dict[str, Any]:
    return {"metric": s.metric, "count": s.count, "mean": s.mean, "sd": s.sd, "minimum": s.minimum, "p05": s.p05,
            "median": s.median, "p95": s.p95, "maximum": s.maximum, "plan_value": s.plan_value,
            "percentile": s.percentile, "unusual": s.unusual}


def ensemble_document(geography: Geography, result: EnsembleResult) -> dict[str, Any]:
    """What ``devoplan ensemble --json`` prints and ``ensemble.json`` holds."""
    opts = result.design_options
    doc = {
        "geography": geography.name,
        "areas": opts.areas,
        "plans": result.n_plans,
        "distinct_plans": result.distinct_plans,
        "seed": result.seed,
        "chains": len(result.chain_stats),
        "burn_in": result.options.burn_in,
        "thin": result.options.thin,
        "population_bounds": {"min": result.min_pop, "max": result.max_pop},
        "blocks": result.n_blocks,
        "keep_whole": list(opts.keep_whole),
        "chain_steps": [{"steps": s.steps, "moved": s.moved, "no_cut": s.no_cut} for s in result.chain_stats],
        "compared_plan": result.compare_label,
        "unit_codes": list(geography.units.codes),
        "metrics": [summary_row(s) for s in result.summary],
    }
    clean: dict[str, Any] = finite(doc)
    return clean


def write_ensemble(geography: Geography, result: EnsembleResult, out: Path,
                   also: Callable[[Path], Path] | None = None) -> list[Path]:
    """Write the four files as ``out``'s new output set; returns their paths. ``also(folder)`` may add a
    file made from them (the command's chart) to the same set."""
    extra: list[str] = []
    with fileio.output_set(out) as tmp:
        with (tmp / "plans.npy").open("wb") as fh:
            np.save(fh, result.assignments.astype(np.int16), allow_pickle=False)
        metrics = pd.DataFrame(result.values, columns=list(result.metric_names))
        metrics.insert(0, "chain", result.chain)
        metrics.insert(0, "plan", np.arange(result.n_plans))
        metrics.to_csv(tmp / "metrics.csv", index=False, lineterminator="\n")
        summary = pd.DataFrame([summary_row(s) for s in result.summary], columns=list(SUMMARY_COLUMNS))
        summary.to_csv(tmp / "summary.csv", index=False, lineterminator="\n")
        (tmp / "ensemble.json").write_text(dumps(ensemble_document(geography, result)), encoding="utf-8")
        if also is not None:
            extra.append(also(tmp).name)
    return [Path(out) / name for name in (*OUTPUT_FILES, *extra)]

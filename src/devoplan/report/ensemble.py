"""The report's ensemble section: where a plan falls among many valid plans ("is this plan unusual?").

It reads an output folder of ``devoplan ensemble --compare PLAN --out DIR`` (:func:`read_ensemble`: the
summary in ``ensemble.json`` and the per-plan values of the charted metrics from ``metrics.csv``) and
draws one histogram per headline metric with the compared plan marked and its percentile in the panel's
title, then lists the metrics on which the plan lies outside the ensemble's middle 95%.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from devoplan.errors import InputError
from devoplan.report.figures import FigureSink, new_figure
from devoplan.report.html import Section, figure, kpis, note
from devoplan.report.tables import table

TITLE = "Is the plan unusual? The plan among an ensemble of valid plans"
HEADLINE_TERMS = ("objective", "term.health", "term.economic", "term.police", "term.compact", "term.balance",
                  "term.needs", "term.identity")
MAX_PANELS = 12
COLUMNS = 4


def read_ensemble(directory: str | Path) -> dict[str, Any]:
    """An ensemble folder as the report's document: the summary, plus the values of the charted metrics."""
    folder = Path(directory)
    summary_path, metrics_path = folder / "ensemble.json", folder / "metrics.csv"
    for path in (summary_path, metrics_path):
        if not path.is_file():
            raise InputError("is missing: give a folder written by devoplan ensemble", file=path)
    try:
        doc = json.loads(summary_path.read_text(encoding="utf-8"))
        rows = {m["metric"]: m for m in doc["metrics"]}
        int(doc["plans"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"is not an ensemble summary ({exc})", file=summary_path) from None
    chosen = chart_metrics(rows)
    try:
        values = pd.read_csv(metrics_path, usecols=chosen)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"does not hold the ensemble's metrics ({exc})", file=metrics_path) from None
    return doc | {"values": {m: values[m].to_numpy(dtype=np.float64).tolist() for m in chosen}}


def chart_metrics(rows: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The objective and its terms, then coterminosity with each layer, those that vary, at most 12."""
    def varies(m: str) -> bool:
        r = rows[m]
        return r.get("minimum") is not None and r.get("maximum") is not None and r["maximum"] > r["minimum"]

    terms = [m for m in HEADLINE_TERMS if m in rows and varies(m)]
    layers = [m for m in rows if m.startswith("coterminosity@") and varies(m)]
    return [*terms, *layers][:MAX_PANELS]


def ensemble_figure(doc: Mapping[str, Any]) -> Figure:
    """One histogram per charted metric, the compared plan as a vertical line, its percentile in the title."""
    rows = {m["metric"]: m for m in doc["metrics"]}
    names = list(doc["values"])
    n_rows = max(1, math.ceil(len(names) / COLUMNS))
    fig = new_figure(11.0, 2.2 * n_rows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(n_rows, COLUMNS, i + 1)
        values = np.asarray(doc["values"][name], dtype=np.float64)
        ax.hist(values[np.isfinite(values)], bins=30, color="#9bb7d4", edgecolor="white", linewidth=0.3)
        row = rows.get(name, {})
        mark, pct = row.get("plan_value"), row.get("percentile")
        title = name
        if mark is not None:
            unusual = bool(row.get("unusual"))
            ax.axvline(mark, color="#c0392b" if unusual else "#1f3a5f", linewidth=2)
            title += f"\nplan: {pct:.0f}th percentile" if pct is not None else "\nplan"
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    return fig


def ensemble_section(metrics: Mapping[str, Any], sink: FigureSink) -> Section | None:
    """The section, when the report was given an ensemble (``metrics["ensemble"]``); else None."""
    doc = metrics.get("ensemble")
    if not isinstance(doc, Mapping):
        return None
    label = doc.get("compared_plan")
    rows = doc["metrics"]
    unusual = [m for m in rows if m.get("unusual")]
    body = kpis([(f"{int(doc['plans']):,}", "valid plans in the ensemble"),
                 (f"{int(doc.get('distinct_plans', doc['plans'])):,}", "of them different"),
                 (f"{len(unusual)} of {len(rows)}", f"metrics on which '{label}' is unusual" if label
                  else "metrics (no plan compared)")])
    if doc.get("values"):
        caption = ("Each panel: the metric over the ensemble; the line is the plan compared "
                   "(red: outside the middle 95% of the ensemble).")
        body += figure(sink.svg(ensemble_figure(doc), "The plan among the ensemble"), caption, wide=True)
    if unusual:
        body += table(["metric", "ensemble median", "5th-95th percentile", "plan", "percentile"],
                      [[m["metric"], _num(m["median"]), f"{_num(m['p05'])} – {_num(m['p95'])}", _num(m["plan_value"]),
                        f"{m['percentile']:.1f}"] for m in unusual], numeric=range(1, 5), scroll=True)
    elif label:
        body += note(f"'{label}' lies within the middle 95% of the ensemble on every metric.")
    lead = (f"{int(doc['plans']):,} plans drawn by a ReCom Markov chain under the same rules as the design "
            f"({doc['areas']} areas, population {doc['population_bounds']['min']:,}–"
            f"{doc['population_bounds']['max']:,}, kept-whole areas whole, seed {doc['seed']}; docs/ensemble.md), "
            "each scored like the plan itself. A percentile near 0 or 100 means few valid plans are like it.")
    return Section("ensemble", TITLE, body, lead=lead)


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"

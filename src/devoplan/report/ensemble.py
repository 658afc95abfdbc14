"""The report's ensemble section: where a plan falls among many valid plans ("is this plan unusual?").

It reads an output folder of ``devoplan ensemble --compare PLAN --out DIR`` (:func:`read_ensemble`: the
summary in ``ensemble.json`` and the per-plan values of every metric that varies, from ``metrics.csv``)
and draws one histogram per metric with the compared plan marked and its percentile in the panel's
title: the headline figure (the objective, its terms and coterminosity with each layer; also
``ensemble.png``), then every other metric that varies, one figure per layer and one for the rest
(balance, homogeneity, compactness, identity), folded away. The grid grows with the metrics: nothing
is capped. Metrics that are the same in every plan have no histogram; the section names them. Then it
lists the metrics on which the plan lies outside the ensemble's middle 95%.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from devoplan.ensemble.scoring import MetricSummary
from devoplan.errors import InputError
from devoplan.report.document import EnsembleSummary
from devoplan.report.figures import FigureSink, new_figure
from devoplan.report.html import Section, esc, figure, kpis, note
from devoplan.report.tables import table

TITLE = "Is the plan unusual? The plan among an ensemble of valid plans"
HEADLINE_TERMS = ("objective", "term.health", "term.economic", "term.police", "term.compact", "term.balance",
                  "term.needs", "term.identity")
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
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"is not an ensemble summary ({exc})", file=summary_path) from None
    rows = EnsembleSummary.from_json(doc, file=summary_path).metrics
    chosen = [m for _, group in chart_groups(rows) for m in group]
    try:
        values = pd.read_csv(metrics_path, usecols=chosen)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"does not hold the ensemble's metrics ({exc})", file=metrics_path) from None
    return doc | {"values": {m: values[m].to_numpy(dtype=np.float64).tolist() for m in chosen}}


def chart_metrics(rows: Sequence[MetricSummary]) -> list[str]:
    """The headline panels: the objective and its terms, then coterminosity with each layer, those that vary."""
    varying = {m.metric for m in rows if m.varies}
    terms = [m for m in HEADLINE_TERMS if m in varying]
    layers = [m.metric for m in rows if m.metric.startswith("coterminosity@") and m.metric in varying]
    return [*terms, *layers]


def chart_groups(rows: Sequence[MetricSummary]) -> list[tuple[str, list[str]]]:
    """Every metric that varies, once: the headline panels, then one group per layer (``...@LAYER``, in
    the summary's order), then the rest; a group with no metric left is dropped."""
    headline = chart_metrics(rows)
    taken = set(headline)
    by_layer: dict[str, list[str]] = {}
    rest: list[str] = []
    for row in rows:
        m = row.metric
        if m in taken or not row.varies:
            continue
        _, at, layer = m.partition("@")
        if at and not m.startswith("identity."):
            by_layer.setdefault(layer, []).append(m)
        else:
            rest.append(m)
    groups = [("headline", headline), *((f"layer {k}", v) for k, v in by_layer.items()),
              ("balance, homogeneity, compactness, identity", rest)]
    return [(title, group) for title, group in groups if group]


def constant_metrics(rows: Sequence[MetricSummary]) -> list[str]:
    """The metrics with one value over the whole ensemble (no histogram to draw)."""
    return [m.metric for m in rows if not m.varies]


def ensemble_figure(doc: EnsembleSummary, names: list[str] | None = None) -> Figure:
    """One histogram per metric of ``names`` (default: the headline panels), four to a row, as many rows
    as needed; the compared plan as a vertical line, its percentile in the title."""
    rows = {m.metric: m for m in doc.metrics}
    names = chart_metrics(doc.metrics) if names is None else names
    n_rows = max(1, math.ceil(len(names) / COLUMNS))
    fig = new_figure(11.0, 2.2 * n_rows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(n_rows, COLUMNS, i + 1)
        values = np.asarray(doc.values[name], dtype=np.float64)
        ax.hist(values[np.isfinite(values)], bins=30, color="#9bb7d4", edgecolor="white", linewidth=0.3)
        row = rows.get(name)
        title = name
        if row is not None and row.plan_value is not None:
            ax.axvline(row.plan_value, color="#c0392b" if row.unusual else "#1f3a5f", linewidth=2)
            title += f"\nplan: {row.percentile:.0f}th percentile" if row.percentile is not None else "\nplan"
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    return fig


def ensemble_section(doc: EnsembleSummary | None, sink: FigureSink) -> Section | None:
    """The section, when the report was given an ensemble (``metrics["ensemble"]``); else None."""
    if doc is None:
        return None
    label = doc.compared_plan
    unusual = [m for m in doc.metrics if m.unusual]
    body = kpis([(f"{doc.plans:,}", "valid plans in the ensemble"),
                 (f"{doc.distinct_plans:,}", "of them different"),
                 (f"{len(unusual)} of {len(doc.metrics)}", f"metrics on which '{label}' is unusual" if label
                  else "metrics (no plan compared)")])
    if doc.values:
        body += _charts(doc, sink)
    if unusual:
        body += table(["metric", "ensemble median", "5th-95th percentile", "plan", "percentile"],
                      [[m.metric, _num(m.median), f"{_num(m.p05)} – {_num(m.p95)}", _num(m.plan_value),
                        f"{m.percentile:.1f}"] for m in unusual], numeric=range(1, 5), scroll=True)
    elif label:
        body += note(f"'{label}' lies within the middle 95% of the ensemble on every metric.")
    lead = (f"{doc.plans:,} plans drawn by a ReCom Markov chain under the same rules as the design "
            f"({doc.areas} areas, population {doc.min_pop:,}–{doc.max_pop:,}, kept-whole areas whole, seed "
            f"{doc.seed}; docs/ensemble.md), each scored like the plan itself. A percentile near 0 or 100 means few "
            "valid plans are like it.")
    return Section("ensemble", TITLE, body, lead=lead)


def _charts(doc: EnsembleSummary, sink: FigureSink) -> str:
    """The headline figure, every other varying metric in folded figures (one per layer), and the names
    of the metrics that have no histogram because every plan has the same value."""
    rows = doc.metrics
    caption = ("Each panel: the metric over the ensemble; the line is the plan compared "
               "(red: outside the middle 95% of the ensemble).")
    out = ""
    for title, names in chart_groups(rows):
        names = [m for m in names if m in doc.values]
        if not names:
            continue
        if title == "headline":
            out += figure(sink.svg(ensemble_figure(doc, names), "The plan among the ensemble"), caption, wide=True)
            continue
        chart = figure(sink.svg(ensemble_figure(doc, names), f"The plan among the ensemble: {title}"), caption,
                       wide=True)
        noun = "metric" if len(names) == 1 else "metrics"
        out += f"<details><summary>{esc(title)}: {len(names)} more {noun}</summary>{chart}</details>"
    same = constant_metrics(rows)
    if same:
        out += note(f"Not charted, because every plan in the ensemble has the same value: {', '.join(same)} "
                    "(the compared plan's value is in the table below where it differs).")
    return out


def _num(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"

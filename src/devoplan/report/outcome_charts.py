"""Charts for the outcomes section: funnel plots (matplotlib) and per-area spine charts (small inline SVG).

A spine chart is drawn as a few rectangles per indicator straight into SVG: one per area card, so
38 cards cost milliseconds, where 38 matplotlib figures would cost seconds. Every chart carries an
accessible label, and the section puts the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from devoplan.outcomes.aggregate import Z998
from devoplan.outcomes.benchmark import Funnel
from devoplan.outcomes.indicators import Z95
from devoplan.report.figures import new_figure
from devoplan.report.html import esc

COMPARISON_COLOURS = {"better": "#1e6b3a", "worse": "#b3261e", "similar": "#e0a800", "higher": "#2b5c8a",
                      "lower": "#8fb3d9", "not compared": "#ffffff"}


def funnel_figure(f: Funnel, names: Sequence[str], title: str, unit: str) -> Figure:
    """Each area's value against its precision, with England's value and 95% / 99.8% control limits;
    areas outside the 99.8% limits are labelled."""
    fig = new_figure(4.6, 3.4)
    ax = fig.add_subplot()
    ok = np.isfinite(f.precision) & np.isfinite(f.value)
    if ok.any():
        grid = np.linspace(max(float(f.precision[ok].min()) * 0.8, 1e-9), float(f.precision[ok].max()) * 1.1, 120)
        for z, style in ((Z95, "--"), (Z998, "-")):
            low, high = f.limits(grid, z)
            ax.plot(grid, low, style, color="#5b6472", lw=0.8)
            ax.plot(grid, high, style, color="#5b6472", lw=0.8)
    ax.axhline(f.target, color="#1d2330", lw=1)
    colours = ["#b3261e" if f.outside_998[i] else "#e0a800" if f.outside_95[i] else "#2b5c8a"
               for i in range(len(f.value))]
    idx = np.flatnonzero(ok)
    ax.scatter(f.precision[idx], f.value[idx], s=14, c=[colours[i] for i in idx], zorder=3)
    for i in idx:
        if f.outside_998[i]:
            ax.annotate(str(names[int(i)]), (f.precision[i], f.value[i]), fontsize=6, xytext=(3, 2),
                        textcoords="offset points")
    ax.set_xlabel("precision (1 / standard error)", fontsize=8)
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=9, loc="left")
    ax.grid(alpha=0.25)
    return fig


@dataclass(frozen=True)
class SpineRow:
    """One indicator of one area on a spine chart: position 0 (worst area) .. 1 (best), England at 0.5."""

    label: str
    position: float
    q_worse: float  # the worse-side quartile's position
    q_better: float
    comparison: str


def spine_svg(rows: Sequence[SpineRow], title: str) -> str:
    """A spine chart as inline SVG: grey range worst-to-best, darker interquartile band, England as the
    centre line, the area as a dot coloured by its comparison with England."""
    label_w, bar_w, row_h = 150, 200, 14
    width, height = label_w + bar_w + 10, row_h * len(rows) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{esc(title)}" style="max-width:{width}px">']
    for r, row in enumerate(rows):
        y = 2 + r * row_h
        parts.append(f'<text x="{label_w - 4}" y="{y + 10}" font-size="9" text-anchor="end">{esc(row.label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 4}" fill="#e6e9ee"/>')
        lo, hi = sorted((row.q_worse, row.q_better))
        if np.isfinite(lo) and np.isfinite(hi):
            parts.append(f'<rect x="{label_w + lo * bar_w:.1f}" y="{y + 2}" width="{(hi - lo) * bar_w:.1f}" '
                         f'height="{row_h - 4}" fill="#aeb6c2"/>')
        if np.isfinite(row.position):
            colour = COMPARISON_COLOURS.get(row.comparison, "#ffffff")
            cx = label_w + min(max(row.position, 0.0), 1.0) * bar_w
            parts.append(f'<circle cx="{cx:.1f}" cy="{y + row_h / 2:.1f}" r="4" fill="{colour}" stroke="#1d2330" '
                         f'stroke-width="0.8"><title>{esc(row.label)}: {esc(row.comparison)}</title></circle>')
    parts.append(f'<line x1="{label_w + bar_w / 2}" y1="0" x2="{label_w + bar_w / 2}" y2="{height}" '
                 'stroke="#1d2330" stroke-width="1"/></svg>')
    return "".join(parts)

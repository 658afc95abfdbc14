"""The report's charts: area populations against the bounds, allocation per head with its
sensitivity range, and convergence toward target over the settlement years."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from devoplan.report.figures import new_figure

BAR = "#6699CC"
OUT = "#CC3311"


def _labels(names: Sequence[str], order: np.ndarray) -> list[str]:
    return [f"{i + 1}. {names[i]}" for i in order]


def _height(n: int) -> float:
    return max(3.0, 0.19 * n + 1.2)


def population_chart(names: Sequence[str], populations: np.ndarray, lower: float | None,
                     upper: float | None) -> Figure:
    """Horizontal bars of area population, largest first, with the design bounds as dashed lines."""
    order = np.argsort(-populations, kind="stable")
    fig = new_figure(7.0, _height(len(names)))
    ax = fig.add_subplot()
    outside = np.zeros(len(populations), dtype=bool)
    if lower is not None:
        outside |= populations < lower
    if upper is not None:
        outside |= populations > upper
    y = np.arange(len(order))
    ax.barh(y, populations[order] / 1e6, color=[OUT if outside[i] else BAR for i in order])
    for bound, text in ((lower, "minimum"), (upper, "maximum")):
        if bound is not None:
            ax.axvline(bound / 1e6, color="#333333", ls="--", lw=1)
            ax.text(bound / 1e6, -0.9, f" {text} {bound / 1e6:.2f}m", fontsize=7, va="bottom")
    ax.set_yticks(y, _labels(names, order), fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("residents (millions)")
    fig.suptitle("Population of each area against the design bounds", fontsize=11, x=0.01, ha="left")
    ax.grid(axis="x", alpha=0.3)
    return fig


def allocation_chart(names: Sequence[str], per_head: np.ndarray, low: np.ndarray | None,
                     high: np.ndarray | None, national: float, *, year: str) -> Figure:
    """Allocation per head by area (dots), 5th-95th percentile sensitivity ranges (bars), national line."""
    order = np.argsort(-per_head, kind="stable")
    fig = new_figure(7.0, _height(len(names)))
    ax = fig.add_subplot()
    y = np.arange(len(order))
    if low is not None and high is not None:
        ax.hlines(y, low[order], high[order], color="#999999", lw=3, label="sensitivity range (5th-95th pct)")
    ax.plot(per_head[order], y, "o", color=BAR, ms=4, label=f"allocation per head, {year}")
    ax.axvline(national, color="#333333", ls="--", lw=1, label=f"England £{national:,.0f}")
    ax.set_yticks(y, _labels(names, order), fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # "£1,900" labels need room
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}"))
    ax.set_xlabel("£ per resident")
    ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Allocation per head with sensitivity ranges", fontsize=11, x=0.01, ha="left")
    ax.grid(axis="x", alpha=0.3)
    return fig


def convergence_chart(names: Sequence[str], years: Sequence[str], distance: np.ndarray) -> Figure:
    """Distance from target (% of target), ``distance`` shaped ``(years, areas)``; the furthest areas are named."""
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    x = np.arange(len(years))
    for row in distance.T:
        ax.plot(x, row, color="#6699CC", lw=0.8, alpha=0.7)
    ax.axhline(0.0, color="#333333", lw=1)
    if distance.size:
        first = distance[0]
        for i in sorted({int(np.nanargmax(first)), int(np.nanargmin(first))}):
            ax.plot(x, distance[:, i], color=OUT, lw=1.6)
            ax.annotate(f"{i + 1}. {names[i]}", (x[-1], distance[-1, i]), fontsize=7, xytext=(4, 0),
                        textcoords="offset points", va="center")
    ax.set_xticks(x, list(years))
    ax.set_ylabel("allocation above (+) or below (−) target (%)")
    fig.suptitle("Convergence toward target over the settlement", fontsize=11, x=0.01, ha="left")
    ax.grid(alpha=0.3)
    return fig

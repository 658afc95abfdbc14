"""Benchmarking as public-health analysts do it (OHID Fingertips, PHEindicatormethods).

Each area's 95% and 99.8% confidence intervals are compared with England's value: an interval
wholly above or below it is significantly different, oriented by the indicator's polarity
(``better``/``worse``; ``higher``/``lower`` for indicators with no judgement), otherwise
``similar``. Indicators published without intervals are ``not compared``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.outcomes.aggregate import AreaValues

NOT_COMPARED = "not compared"


@dataclass(frozen=True)
class Benchmark:
    """Areas against England for one indicator and period."""

    values: AreaValues
    england: tuple[float, float, float]  # value, lci, uci
    comparison: tuple[str, ...]  # at 95%
    comparison_998: tuple[str, ...]  # at 99.8%


def compare(lci: np.ndarray, uci: np.ndarray, target: float, polarity: str) -> tuple[str, ...]:
    """``better``/``similar``/``worse`` (or ``higher``/``lower``) for each interval against ``target``."""
    above, below = ("worse", "better") if polarity == "higher_is_worse" else ("better", "worse")
    if polarity == "no_judgement":
        above, below = "higher", "lower"
    out = []
    for lo, hi in zip(lci, uci, strict=True):
        if not (np.isfinite(lo) and np.isfinite(hi)) or not np.isfinite(target):
            out.append(NOT_COMPARED)
        elif lo > target:
            out.append(above)
        elif hi < target:
            out.append(below)
        else:
            out.append("similar")
    return tuple(out)


def benchmark(values: AreaValues, england: list[float]) -> Benchmark:
    """Compare every area with England at 95% and 99.8%."""
    target = england[0]
    polarity = values.indicator.polarity
    return Benchmark(values, (england[0], england[1], england[2]),
                     compare(values.lci, values.uci, target, polarity),
                     compare(values.lci99, values.uci99, target, polarity))

"""The plan side by side with today's geographies, on every metric of :mod:`devoplan.metrics`.

Today's layers are turned into plans (:meth:`Plan.from_layer`: split districts go to their main
area) and scored exactly like the proposed plan, so each row of the table compares like with like.
Nothing is computed here beyond calling the metrics package and arranging its output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.metrics.overlap import overlap_matrix
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan

TODAY: tuple[str, ...] = ("ICB", "LEP", "REGION", "PFA")
PLAN_LABEL = "Proposed plan"
# Rows shown first, in this order (the policy's headline questions); the rest follow alphabetically.
HEADLINE: tuple[str, ...] = (
    "coterminosity@ICB", "coterminosity@LEP", "containment_layer_in@ICB", "containment_layer_in@LEP",
    "split_layer_areas@ICB", "split_layer_areas@LEP", "split_plan_areas@ICB", "split_plan_areas@LEP",
    "coterminosity@PFA", "coterminosity@REGION", "homogeneity.explained_share",
    "balance.min_population", "balance.max_population", "balance.max_min_ratio",
    "contiguity.noncontiguous_areas", "compactness.cut_edge_fraction", "compactness.polsby_popper_mean",
    "identity.split@UTLA", "identity.split@CAUTH",
)


def comparison_table(geography: Geography, plan: Plan, *, today: Sequence[str] = TODAY,
                     lower: float | None = None, upper: float | None = None) -> dict[str, Any]:
    """``{"columns": [label...], "areas": [k...], "rows": [{"metric": name, "values": [...]}, ...]}``.

    Columns are the proposed plan then each of ``today``'s layers present in the geography.
    Polsby-Popper needs display geometry; without it that metric is left out.
    """
    layers = [geography.layer(k).key for k in today if k.upper() in {x.upper() for x in geography.layers}]
    shapes = _shapes(geography)
    opts = ScoreOptions(lower=lower, upper=upper, shapes=shapes)
    plans: list[tuple[str, Plan]] = [(PLAN_LABEL, plan)] + [(f"Today's {k}", Plan.from_layer(geography, k))
                                                              for k in layers]
    scored = [plan_scalars(geography, p, opts) for _, p in plans]
    names = [m for m in HEADLINE if m in scored[0]] + sorted(m for m in scored[0] if m not in HEADLINE)
    return {
        "columns": [label for label, _ in plans],
        "areas": [p.n_areas for _, p in plans],
        "rows": [{"metric": m, "values": [_json(s.get(m)) for s in scored]} for m in names],
    }


def dominant_areas(geography: Geography, plan: Plan, key: str) -> list[tuple[str, float]]:
    """For each plan area, the layer area holding most of its residents and that share."""
    layer = geography.layer(key)
    m = overlap_matrix(geography, plan, layer)
    totals = m.sum(axis=1)
    best = m.argmax(axis=1)
    share = np.divide(m.max(axis=1), totals, out=np.zeros_like(totals), where=totals > 0)
    return [(layer.area_names[b] if totals[a] > 0 else "none", float(share[a])) for a, b in enumerate(best)]


def _shapes(geography: Geography) -> Any:
    from devoplan.metrics.compactness import shape_stats

    try:
        return shape_stats(geography)
    except DevoplanError:
        return None


def _json(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return float(value)

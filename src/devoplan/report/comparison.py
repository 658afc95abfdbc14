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
# Column headings for today's layers (plural, as a reader says them); other layers use their key.
TODAY_LABELS: dict[str, str] = {"ICB": "ICBs", "LEP": "LEPs", "REGION": "regions", "PFA": "police force areas"}
# Rows shown first, in this order (the policy's headline questions); the rest follow alphabetically.
HEADLINE: tuple[str, ...] = (
    "coterminosity@ICB", "coterminosity@LEP", "containment_layer_in@ICB", "containment_layer_in@LEP",
    "split_layer_areas@ICB", "split_layer_areas@LEP", "split_plan_areas@ICB", "split_plan_areas@LEP",
    "coterminosity@PFA", "coterminosity@REGION", "homogeneity.between_share",
    "balance.min_population", "balance.max_population", "balance.max_min_ratio",
    "contiguity.noncontiguous_areas", "compactness.cut_edge_fraction", "compactness.polsby_popper_mean",
    "identity.split@UTLA", "identity.split@CAUTH25",
)


# Plain words for the measures (``{X}`` is the layer a per-layer measure is taken against).
WORDS: dict[str, str] = {
    "coterminosity": "coterminosity with {X} (1 = the same map; higher is better)",
    "containment_layer_in": "share of residents whose {X} area lies inside one area",
    "containment_plan_in": "share of residents whose area lies inside one {X} area",
    "split_layer_areas": "{X} areas split between the map's areas (fewer is better)",
    "split_plan_areas": "areas that straddle {X} borders",
    "interfaces_mean": "{X} areas each area deals with, mean",
    "interfaces_max": "{X} areas each area deals with, most",
    "adjusted_rand": "adjusted Rand index with {X} (population-weighted)",
    "balance.min_population": "residents in the smallest area",
    "balance.max_population": "residents in the largest area",
    "balance.max_min_ratio": "largest / smallest area",
    "balance.max_deviation": "largest deviation from the mean area population",
    "balance.outside_bounds": "areas outside the design's population bounds",
    "contiguity.noncontiguous_areas": "areas in more than one piece",
    "contiguity.extra_pieces": "extra pieces beyond one per area",
    "compactness.cut_edge_fraction": "share of district borders that are area borders",
    "compactness.polsby_popper_mean": "Polsby-Popper compactness, mean (1 = a circle)",
    "compactness.polsby_popper_min": "Polsby-Popper compactness, least compact area",
    "homogeneity.between_share": "share of needs variance between areas",
    "homogeneity.within_variance": "needs variance within areas (lower = more alike inside)",
    "identity.split": "{X} areas split between areas (local identity)",
}


def in_words(metric: str) -> str:
    """A reader's description of a metric name such as ``coterminosity@ICB`` (empty if unknown)."""
    name, _, layer = metric.partition("@")
    text = WORDS.get(name, "")
    return text.replace("{X}", layer) if layer else text


def comparison_table(geography: Geography, plan: Plan, *, today: Sequence[str] = TODAY,
                     lower: float | None = None, upper: float | None = None) -> dict[str, Any]:
    """``{"columns": [label...], "layers": [key...], "areas": [k...], "rows": [{"metric", "words", "values"}]}``.

    Columns are the proposed plan then each of ``today``'s layers present in the geography.
    Polsby-Popper needs display geometry; without it that metric is left out.
    """
    layers = [geography.layer(k).key for k in today if k.upper() in {x.upper() for x in geography.layers}]
    plans: list[tuple[str, Plan]] = [(PLAN_LABEL, plan)] + [
        (f"Today's {TODAY_LABELS.get(k.upper(), k)}", Plan.from_layer(geography, k)) for k in layers]
    return {
        "columns": [label for label, _ in plans],
        "layers": [None, *layers],
        "areas": [p.n_areas for _, p in plans],
        "rows": score_plans(geography, plans, lower=lower, upper=upper),
    }


def score_plans(geography: Geography, plans: Sequence[tuple[str, Plan]], *, lower: float | None = None,
                upper: float | None = None) -> list[dict[str, Any]]:
    """Every metric for each ``(label, plan)``, scored alike: ``[{"metric", "words", "values"}]``, headline
    measures first (in :data:`HEADLINE` order), then the rest alphabetically (the first plan's metrics)."""
    opts = ScoreOptions(lower=lower, upper=upper, shapes=_shapes(geography))
    scored = [plan_scalars(geography, p, opts) for _, p in plans]
    names = [m for m in HEADLINE if m in scored[0]] + sorted(m for m in scored[0] if m not in HEADLINE)
    return [{"metric": m, "words": in_words(m), "values": [_json(s.get(m)) for s in scored]} for m in names]


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

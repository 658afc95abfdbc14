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
from devoplan.report.words import ECONOMIC, HEALTH, areas_word, today_keys

OTHER_TODAY: tuple[str, ...] = ("REGION", "PFA")  # beside the health and economic layers (words.today_keys)
PLAN_LABEL = "Proposed plan"


def headline_metrics(health: str = HEALTH, economic: str = ECONOMIC) -> tuple[str, ...]:
    """Rows shown first, in this order (the policy's headline questions), against the given health and
    economic layers; the rest follow alphabetically."""
    return (
        f"coterminosity@{health}", f"coterminosity@{economic}", f"containment_layer_in@{health}",
        f"containment_layer_in@{economic}", f"split_layer_areas@{health}", f"split_layer_areas@{economic}",
        f"split_plan_areas@{health}", f"split_plan_areas@{economic}",
        "coterminosity@PFA", "coterminosity@REGION", "homogeneity.between_share",
        "balance.min_population", "balance.max_population", "balance.max_min_ratio",
        "contiguity.noncontiguous_areas", "compactness.cut_edge_fraction", "compactness.polsby_popper_mean",
        "identity.split@UTLA", "identity.split@CAUTH25",
    )


HEADLINE: tuple[str, ...] = headline_metrics()  # against today's layers, the 2026 ICBs and the LSIP areas


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
    """A reader's description of a metric name such as ``coterminosity@ICB26`` (empty if unknown)."""
    name, _, layer = metric.partition("@")
    text = WORDS.get(name, "")
    return text.replace("{X}", layer) if layer else text


def comparison_table(geography: Geography, plan: Plan, *, today: Sequence[str] | None = None,
                     lower: float | None = None, upper: float | None = None) -> dict[str, Any]:
    """``{"columns": [label...], "layers": [key...], "areas": [k...], "headline": [metric...],
    "rows": [{"metric", "words", "values"}]}``.

    Columns are the proposed plan then each of ``today``'s layers present in the geography (by default
    the health and economic layers of :func:`~devoplan.report.words.today_keys`, regions and police
    force areas). Polsby-Popper needs display geometry; without it that metric is left out.
    """
    health, economic = today_keys(geography.layers)
    wanted = today if today is not None else (health, economic, *OTHER_TODAY)
    layers = [geography.layer(k).key for k in wanted if k.upper() in {x.upper() for x in geography.layers}]
    headline = headline_metrics(health, economic)
    plans: list[tuple[str, Plan]] = [(PLAN_LABEL, plan)] + [
        (f"Today's {areas_word(k)}", Plan.from_layer(geography, k)) for k in layers]
    return {
        "columns": [label for label, _ in plans],
        "layers": [None, *layers],
        "areas": [p.n_areas for _, p in plans],
        "headline": list(headline),
        "rows": score_plans(geography, plans, lower=lower, upper=upper, headline=headline),
    }


def score_plans(geography: Geography, plans: Sequence[tuple[str, Plan]], *, lower: float | None = None,
                upper: float | None = None, headline: Sequence[str] = HEADLINE) -> list[dict[str, Any]]:
    """Every metric for each ``(label, plan)``, scored alike: ``[{"metric", "words", "values"}]``, headline
    measures first (in ``headline`` order), then the rest alphabetically (the first plan's metrics)."""
    opts = ScoreOptions(lower=lower, upper=upper, shapes=_shapes(geography))
    scored = [plan_scalars(geography, p, opts) for _, p in plans]
    names = [m for m in headline if m in scored[0]] + sorted(m for m in scored[0] if m not in headline)
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

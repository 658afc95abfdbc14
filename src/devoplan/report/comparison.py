"""The plan side by side with today's geographies, on every metric of :mod:`devoplan.metrics`.

Today's layers are turned into plans (:meth:`Plan.from_layer`: split districts go to their main
area) and scored exactly like the proposed plan, so each row of the table compares like with like.
Nothing is computed here beyond calling the metrics package and arranging its output.

The result is a :class:`ComparisonTable` (typed rows); ``to_dict()`` is the ``comparison`` part of
``metrics.json`` and ``from_dict`` reads it back for a re-rendered report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.metrics.overlap import overlap_matrix
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan
from devoplan.report.layerwords import ECONOMIC, HEALTH, areas_word, today_keys

OTHER_TODAY: tuple[str, ...] = ("REGION", "PFA")  # beside the health and economic layers (layerwords.today_keys)
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


@dataclass(frozen=True)
class MeasureRow:
    """One measure of every column: its name (``coterminosity@ICB26``), words, and a value per column."""

    metric: str
    words: str
    values: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "words": self.words, "values": list(self.values)}


@dataclass(frozen=True)
class ComparisonTable:
    """The plan (first column) and today's layers as plans, scored alike; ``layers`` names each column's
    layer key (``None`` for the plan); ``headline`` the measures shown first."""

    columns: tuple[str, ...]
    layers: tuple[str | None, ...]
    areas: tuple[int, ...]
    rows: tuple[MeasureRow, ...]
    headline: tuple[str, ...] = HEADLINE

    def to_dict(self) -> dict[str, Any]:
        """The ``comparison`` part of ``metrics.json``."""
        return {"columns": list(self.columns), "layers": list(self.layers), "areas": list(self.areas),
                "headline": list(self.headline), "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ComparisonTable:
        """Read back ``to_dict()`` output (already checked by the metrics schema). Files written before
        ``layers``, ``headline`` and ``words`` were saved take them from the column labels, the layers and
        :func:`in_words`."""
        columns = tuple(str(c) for c in doc.get("columns", []))
        layers = tuple(None if k is None else str(k) for k in
                       (doc.get("layers") or [None, *(c.removeprefix("Today's ") for c in columns[1:])]))
        headline = doc.get("headline") or headline_metrics(*today_keys(k for k in layers if k))
        rows = tuple(MeasureRow(str(r["metric"]), str(r.get("words") or in_words(str(r["metric"]))),
                                tuple(None if v is None else float(v) for v in r.get("values", [])))
                     for r in doc.get("rows", []))
        return cls(columns, layers, tuple(int(a) for a in doc.get("areas", [])), rows,
                   tuple(str(m) for m in headline))

    def row(self, metric: str) -> MeasureRow | None:
        return next((r for r in self.rows if r.metric == metric), None)

    def value(self, metric: str, column: int) -> float | None:
        """The value of ``metric`` in ``column`` (None when the measure or the value is missing)."""
        row = self.row(metric)
        return row.values[column] if row is not None and column < len(row.values) else None

    def column_of(self, key: str) -> int | None:
        """The column of today's layer ``key``."""
        return next((i for i, k in enumerate(self.layers) if k == key), None)


def comparison_table(geography: Geography, plan: Plan, *, today: Sequence[str] | None = None,
                     lower: float | None = None, upper: float | None = None) -> ComparisonTable:
    """The plan and each of ``today``'s layers present in the geography, on every metric.

    Columns are the proposed plan then each of ``today``'s layers present in the geography (by default
    the health and economic layers of :func:`~devoplan.report.layerwords.today_keys`, regions and police
    force areas). Polsby-Popper needs display geometry; without it that metric is left out.
    """
    health, economic = today_keys(geography.layers)
    wanted = today if today is not None else (health, economic, *OTHER_TODAY)
    layers = [geography.layer(k).key for k in wanted if k.upper() in {x.upper() for x in geography.layers}]
    headline = headline_metrics(health, economic)
    plans: list[tuple[str, Plan]] = [(PLAN_LABEL, plan)] + [
        (f"Today's {areas_word(k)}", Plan.from_layer(geography, k)) for k in layers]
    return ComparisonTable(tuple(label for label, _ in plans), (None, *layers), tuple(p.n_areas for _, p in plans),
                           score_plans(geography, plans, lower=lower, upper=upper, headline=headline), headline)


def score_plans(geography: Geography, plans: Sequence[tuple[str, Plan]], *, lower: float | None = None,
                upper: float | None = None, headline: Sequence[str] = HEADLINE) -> tuple[MeasureRow, ...]:
    """Every metric for each ``(label, plan)``, scored alike, headline measures first (in ``headline``
    order), then the rest alphabetically (the first plan's metrics)."""
    opts = ScoreOptions(lower=lower, upper=upper, shapes=_shapes(geography))
    scored = [plan_scalars(geography, p, opts) for _, p in plans]
    names = [m for m in headline if m in scored[0]] + sorted(m for m in scored[0] if m not in headline)
    return tuple(MeasureRow(m, in_words(m), tuple(_json(s.get(m)) for s in scored)) for m in names)


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

"""Measures of alignment between service geographies and of proposed plans (``docs/metrics.md``).

* overlap of two zonings (layers or plans): :func:`compare`, :func:`containment`,
  :func:`coterminosity`, :func:`split_areas`, :func:`interfaces`, :func:`adjusted_rand`;
* plan measures: :func:`contiguity`, :func:`balance`, :func:`homogeneity`, :func:`compactness`,
  :func:`identity`, and :func:`plan_scalars` (every scalar at once);
* :func:`audit` (every pair of layers, a typed :class:`~devoplan.metrics.audit.Audit`) and
  :func:`score` (a plan against every layer, a JSON-serialisable dict); metrics are registered by
  name in :data:`REGISTRY`.

What changes when districts move is answered incrementally by the design's scorer
(:class:`devoplan.design.objective.Scorer`) through the session layer (:mod:`devoplan.session`),
oracle-tested against these from-scratch functions.
"""

from devoplan.metrics.audit import audit
from devoplan.metrics.balance import balance
from devoplan.metrics.compactness import ShapeStats, compactness, shape_stats
from devoplan.metrics.contiguity import contiguity
from devoplan.metrics.homogeneity import homogeneity
from devoplan.metrics.identity import identity
from devoplan.metrics.overlap import (
    Comparison,
    adjusted_rand,
    as_zoning,
    compare,
    containment,
    coterminosity,
    interfaces,
    overlap_matrix,
    split_areas,
)
from devoplan.metrics.registry import REGISTRY, Metric, get_metric, metric_names, score
from devoplan.metrics.scalars import ScoreOptions, plan_scalars

__all__ = [
    "REGISTRY",
    "Comparison",
    "Metric",
    "ScoreOptions",
    "ShapeStats",
    "adjusted_rand",
    "as_zoning",
    "audit",
    "balance",
    "compactness",
    "compare",
    "containment",
    "contiguity",
    "coterminosity",
    "get_metric",
    "homogeneity",
    "identity",
    "interfaces",
    "metric_names",
    "overlap_matrix",
    "plan_scalars",
    "score",
    "shape_stats",
    "split_areas",
]

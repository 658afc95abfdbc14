"""Measures of alignment between service geographies and of proposed plans (``docs/metrics.md``).

* overlap of two zonings (layers or plans): :func:`compare`, :func:`containment`,
  :func:`coterminosity`, :func:`split_areas`, :func:`interfaces`, :func:`adjusted_rand`;
* plan measures: :func:`contiguity`, :func:`balance`, :func:`homogeneity`, :func:`compactness`,
  :func:`identity`, and :func:`plan_scalars` (every scalar at once);
* :class:`IncrementalScorer` keeps all of them current as units move.
"""

from devoplan.metrics.balance import balance
from devoplan.metrics.compactness import ShapeStats, compactness, shape_stats
from devoplan.metrics.contiguity import contiguity
from devoplan.metrics.homogeneity import homogeneity
from devoplan.metrics.identity import identity
from devoplan.metrics.incremental import IncrementalScorer
from devoplan.metrics.overlap import (
    Comparison,
    adjusted_rand,
    compare,
    containment,
    coterminosity,
    interfaces,
    overlap_matrix,
    split_areas,
)
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.metrics.zoning import Zoning, as_zoning

__all__ = [
    "Comparison",
    "IncrementalScorer",
    "ScoreOptions",
    "ShapeStats",
    "Zoning",
    "adjusted_rand",
    "as_zoning",
    "balance",
    "compactness",
    "compare",
    "containment",
    "contiguity",
    "coterminosity",
    "homogeneity",
    "identity",
    "interfaces",
    "overlap_matrix",
    "plan_scalars",
    "shape_stats",
    "split_areas",
]

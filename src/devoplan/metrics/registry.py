"""Metrics by name, and :func:`score`: every metric of a plan against every layer.

Two kinds of metric are registered:

* ``pair`` metrics take two zonings (a layer key, a Layer or a Plan): ``compute(geography, a, b)``;
* ``plan`` metrics take a plan and the scoring options: ``compute(geography, plan, options)``.

Each returns a JSON-serialisable value. ``docs/metrics.md`` gives the formula of each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from devoplan.errors import reject_unknown
from devoplan.geography.model import Geography
from devoplan.metrics import overlap
from devoplan.metrics.balance import balance
from devoplan.metrics.compactness import compactness
from devoplan.metrics.contiguity import contiguity
from devoplan.metrics.homogeneity import homogeneity
from devoplan.metrics.identity import identity
from devoplan.metrics.scalars import ScoreOptions, plan_scalars
from devoplan.plan import Plan

MetricKind = Literal["pair", "plan"]


@dataclass(frozen=True)
class Metric:
    """A named metric: its kind, what it computes, and a one-line description."""

    name: str
    kind: MetricKind
    compute: Callable[..., Any]
    description: str


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add a metric under its name (names are unique)."""
    if metric.name in REGISTRY:
        raise ValueError(f"metric {metric.name!r} is already registered")
    REGISTRY[metric.name] = metric
    return metric


def get_metric(name: str) -> Metric:
    """A metric by name; unknown names are rejected with the registered ones listed."""
    if name not in REGISTRY:
        raise reject_unknown("metric", name, tuple(REGISTRY))
    return REGISTRY[name]


def metric_names(kind: MetricKind | None = None) -> tuple[str, ...]:
    return tuple(n for n, m in REGISTRY.items() if kind is None or m.kind == kind)


def _pair(name: str, description: str, fn: Callable[..., Any]) -> None:
    register(Metric(name, "pair", fn, description))


def _plan(name: str, description: str, fn: Callable[[Geography, Plan, ScoreOptions], Any]) -> None:
    register(Metric(name, "plan", fn, description))


_pair("containment", "share of people whose A-area lies in its best-matching B-area", overlap.containment)
_pair("coterminosity", "mean of containment(A in B) and containment(B in A)", overlap.coterminosity)
_pair("split_count", "A-areas whose best B-area holds under 99% of them (codes)", overlap.split_areas)
_pair("interfaces", "for each A-area, the B-areas holding at least 1% of it", overlap.interfaces)
_pair("adjusted_rand", "adjusted Rand index over people", overlap.adjusted_rand)
_pair("overlap", "overlap matrix M and every measure above, both ways",
      lambda g, a, b: overlap.compare(g, a, b).to_dict())
_plan("contiguity", "connected pieces of every area; non-contiguous areas",
      lambda g, p, o: contiguity(g, p).to_dict())
_plan("balance", "area populations: min, max, max/min, outside the bounds",
      lambda g, p, o: balance(g, p, lower=o.lower, upper=o.upper).to_dict())
_plan("homogeneity", "within-area variance of standardised needs indicators",
      lambda g, p, o: homogeneity(g, p, indicators=o.indicators).to_dict())
_plan("compactness", "cut-edge fraction; Polsby-Popper when shapes are given",
      lambda g, p, o: compactness(g, p, shapes=o.shapes).to_dict())
_plan("identity", "upper-tier and combined authorities split by the plan",
      lambda g, p, o: identity(g, p, layers=o.identity_keys(g)).to_dict())


def score(geography: Geography, plan: Plan, options: ScoreOptions | None = None) -> dict[str, Any]:
    """Every metric of the plan against every layer, JSON-serialisable.

    ``layers[L]`` holds the full comparison of the plan (A) with layer L (B): overlap matrix and
    every measure both ways. ``pair_metrics[name][L]`` is each registered pair metric of the plan
    against L (the plan as A), ``plan_metrics[name]`` each registered plan metric, and ``scalars``
    every scalar under the names of :func:`~devoplan.metrics.scalars.plan_scalars`.
    """
    opts = options or ScoreOptions()
    plan.check(geography)
    opts.check(geography)
    layers = {}
    for key in opts.layer_keys(geography):
        detail = overlap.compare(geography, plan, key).to_dict()
        detail.pop("a_codes")
        layers[key] = detail
    return {
        "geography": geography.name,
        "areas": plan.n_areas,
        "units": plan.n_units,
        "area_codes": list(plan.area_codes),
        "area_names": list(plan.area_names),
        "layers": layers,
        "pair_metrics": {name: {key: m.compute(geography, plan, key) for key in layers}
                         for name, m in REGISTRY.items() if m.kind == "pair" and name != "overlap"},
        "plan_metrics": {name: m.compute(geography, plan, opts) for name, m in REGISTRY.items()
                         if m.kind == "plan"},
        "scalars": plan_scalars(geography, plan, opts),
    }

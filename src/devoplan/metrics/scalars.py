"""Every scalar measure of a plan, computed from scratch, under stable names.

Names (stable: ``devoplan score --json`` and the report read them):

* per layer ``L``: ``containment_plan_in@L``, ``containment_layer_in@L``, ``coterminosity@L``,
  ``adjusted_rand@L``, ``split_plan_areas@L`` (plan areas split by L), ``split_layer_areas@L``
  (L-areas split by the plan), ``interfaces_mean@L``, ``interfaces_max@L`` (L-areas per plan area);
* ``contiguity.*``, ``balance.*``, ``homogeneity.*``, ``compactness.*``, ``identity.split@L``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devoplan.geography.model import Geography
from devoplan.metrics.balance import balance, check_bounds
from devoplan.metrics.compactness import ShapeStats, compactness
from devoplan.metrics.contiguity import contiguity
from devoplan.metrics.homogeneity import homogeneity
from devoplan.metrics.identity import default_identity_layers, identity
from devoplan.metrics.overlap import compare
from devoplan.plan import Plan


@dataclass(frozen=True)
class ScoreOptions:
    """What to score a plan against. ``None`` means the defaults noted on each field."""

    layers: Sequence[str] | None = None  # all layers of the geography
    indicators: Sequence[str] | None = None  # all indicators with variation
    identity_layers: Sequence[str] | None = None  # UTLA and CAUTH25 (or CAUTH) when present
    lower: float | None = None  # population bounds for balance.outside_bounds
    upper: float | None = None
    shapes: ShapeStats | None = None  # give it to get Polsby-Popper (see compactness.shape_stats)

    def layer_keys(self, geography: Geography) -> tuple[str, ...]:
        keys = self.layers if self.layers is not None else tuple(geography.layers)
        return tuple(geography.layer(k).key for k in keys)

    def identity_keys(self, geography: Geography) -> tuple[str, ...]:
        keys = self.identity_layers if self.identity_layers is not None else default_identity_layers(geography)
        return tuple(geography.layer(k).key for k in keys)

    def check(self, geography: Geography) -> None:
        """Reject unknown layers and reversed bounds before any work."""
        self.layer_keys(geography)
        self.identity_keys(geography)
        check_bounds(self.lower, self.upper)


def pair_scalars(geography: Geography, plan: Plan, key: str) -> dict[str, float]:
    """The per-layer measures of the plan against layer ``key``, named ``<measure>@<key>``."""
    s = compare(geography, plan, key).summary()
    values = {
        "containment_plan_in": s["containment_ab"],
        "containment_layer_in": s["containment_ba"],
        "coterminosity": s["coterminosity"],
        "adjusted_rand": s["adjusted_rand"],
        "split_plan_areas": s["split_a"],
        "split_layer_areas": s["split_b"],
        "interfaces_mean": s["interfaces_a_mean"],
        "interfaces_max": s["interfaces_a_max"],
    }
    return {f"{name}@{key}": float(v) for name, v in values.items()}


def plan_scalars(geography: Geography, plan: Plan, options: ScoreOptions | None = None) -> dict[str, float]:
    """Every scalar measure of the plan, from scratch."""
    opts = options or ScoreOptions()
    opts.check(geography)
    out: dict[str, float] = {}
    for key in opts.layer_keys(geography):
        out.update(pair_scalars(geography, plan, key))
    groups = {
        "contiguity": contiguity(geography, plan).scalars(),
        "balance": balance(geography, plan, lower=opts.lower, upper=opts.upper).scalars(),
        "homogeneity": homogeneity(geography, plan, indicators=opts.indicators).scalars(),
        "compactness": compactness(geography, plan, shapes=opts.shapes).scalars(),
        "identity": identity(geography, plan, layers=opts.identity_keys(geography)).scalars(),
    }
    for group, values in groups.items():
        out.update({f"{group}.{k}": float(v) for k, v in values.items()})
    return out

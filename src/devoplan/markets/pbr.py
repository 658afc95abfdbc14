"""The payment-by-results model: whom a profit-seeking provider serves at given prices, and what follows.

The provider is paid an attachment fee for every person referred and a price for every outcome,
whether or not it served the person (the payer cannot tell an outcome that would have happened
anyway). Serving a person in group g raises the chance of the outcome from ``p_without`` to
``p_with`` and costs the provider ``c``; so serving pays when ``(p_with - p_without) * price >=
c * (1 + margin)``, where ``margin`` is the return the provider requires on its costs. The
attachment fee is paid either way, so it never changes whom the provider serves (it only moves
money). When costs vary within a group (uniformly on ``cost * (1 ± cost_spread)``), the provider
serves the cheaper people first, up to the cost at which serving stops paying.

The **parking index** of a group is the share of it left unserved: 0 when everyone is served, 1
when the whole group is parked. For the cohort it is the unserved share of all people referred.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from devoplan.markets.pbr_spec import CohortGroup, PbrSpec, PriceTable

# Relative tolerance when a price exactly covers the cost: the provider is then taken to serve
# (a designed price at the break-even point must not be lost to floating-point rounding).
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class GroupResult:
    """One group under one price table."""

    key: str
    name: str
    size: float
    outcome_price: float
    attachment_fee: float
    served_share: float
    parking_index: float
    served: float
    outcomes: float
    deadweight_outcomes: float
    spend: float
    provider_cost: float
    provider_margin: float
    break_even_price: float


@dataclass(frozen=True)
class PbrResult:
    """The provider's choices and their consequences for one price table."""

    label: str
    groups: tuple[GroupResult, ...]

    @property
    def size(self) -> float:
        return sum(g.size for g in self.groups)

    @property
    def outcomes(self) -> float:
        return sum(g.outcomes for g in self.groups)

    @property
    def deadweight_outcomes(self) -> float:
        return sum(g.deadweight_outcomes for g in self.groups)

    @property
    def spend(self) -> float:
        return sum(g.spend for g in self.groups)

    @property
    def provider_margin(self) -> float:
        return sum(g.provider_margin for g in self.groups)

    @property
    def parking_index(self) -> float:
        """Share of everyone referred who is left unserved."""
        size = self.size
        return sum(g.size - g.served for g in self.groups) / size if size > 0 else 0.0

    @property
    def spend_per_outcome(self) -> float:
        return self.spend / self.outcomes if self.outcomes > 0 else float("nan")

    @property
    def spend_per_additional_outcome(self) -> float:
        """Spend divided by the outcomes the service added (outcomes minus deadweight)."""
        extra = self.outcomes - self.deadweight_outcomes
        return self.spend / extra if extra > 1e-12 else float("nan")

    def parked(self, threshold: float = 0.5) -> tuple[str, ...]:
        """Keys of groups with at least ``threshold`` of their members unserved (and someone in them)."""
        return tuple(g.key for g in self.groups if g.size > 0 and g.parking_index >= threshold)

    def group(self, key: str) -> GroupResult:
        return next(g for g in self.groups if g.key == key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "size": self.size,
            "outcomes": self.outcomes,
            "deadweight_outcomes": self.deadweight_outcomes,
            "spend": self.spend,
            "provider_margin": self.provider_margin,
            "parking_index": self.parking_index,
            "spend_per_outcome": self.spend_per_outcome,
            "spend_per_additional_outcome": self.spend_per_additional_outcome,
            "parked_groups": list(self.parked()),
            "groups": [asdict(g) for g in self.groups],
        }


def served_share(group: CohortGroup, price: float, margin: float = 0.0) -> float:
    """Share of ``group`` a provider serves when paid ``price`` per outcome and needing ``margin`` on cost."""
    if group.uplift <= 0:
        return 0.0
    threshold = group.uplift * price / (1.0 + margin)  # the dearest person worth serving
    lo, hi = group.cost_range
    if hi - lo <= 0:
        return 1.0 if threshold >= group.cost * (1.0 - TIE_TOLERANCE) else 0.0
    if threshold >= hi * (1.0 - TIE_TOLERANCE):
        return 1.0
    return min(max((threshold - lo) / (hi - lo), 0.0), 1.0)


def price_for_share(group: CohortGroup, share: float, margin: float = 0.0) -> float:
    """The lowest price per outcome at which the provider serves ``share`` of ``group`` (inf if none)."""
    if group.uplift <= 0:
        return 0.0 if share <= 0 else float("inf")
    lo, hi = group.cost_range
    if share <= 0:
        return 0.0
    return (1.0 + margin) * (lo + share * (hi - lo)) / group.uplift


def evaluate_group(group: CohortGroup, price: float, attachment: float, margin: float) -> GroupResult:
    """The provider's choice in one group and the resulting outcomes, spend and margin."""
    share = served_share(group, price, margin)
    lo, hi = group.cost_range
    served = group.size * share
    cost = served * (lo + share * (hi - lo) / 2.0)  # the cheapest ``share`` of the cost range
    p = group.p_without + share * group.uplift
    spend = group.size * (attachment + p * price)
    return GroupResult(
        key=group.key, name=group.name, size=group.size, outcome_price=price, attachment_fee=attachment,
        served_share=share, parking_index=1.0 - share, served=served, outcomes=group.size * p,
        deadweight_outcomes=group.size * group.p_without, spend=spend, provider_cost=cost,
        provider_margin=spend - cost, break_even_price=price_for_share(group, 1.0, margin),
    )


def evaluate(spec: PbrSpec, prices: PriceTable | None = None, label: str = "spec prices") -> PbrResult:
    """Run the model for ``prices`` (default: the spec's own price table)."""
    table = prices if prices is not None else spec.prices
    return PbrResult(label, tuple(
        evaluate_group(g, table.outcome_price(g.key), table.attachment_fee(g.key), spec.margin)
        for g in spec.groups))


def with_outcome_prices(table: PriceTable, outcome: Mapping[str, float]) -> PriceTable:
    """A copy of ``table`` with new outcome prices and the same attachment fees."""
    return PriceTable(outcome=dict(outcome), attachment=dict(table.attachment), provenance=None)

"""Local identity: which upper-tier authorities and combined authorities a plan splits.

For a reference layer L (UTLA, CAUTH) an L-area is split when its member units sit in more than
one plan area. Only units that belong to the L-area count, so for a partial layer such as the
combined authorities only CAs can be split; districts outside any CA never count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.zoning import one_hot_matrix

# CAUTH25 is the England bundle's combined authorities (May 2025); CAUTH is the key a custom geography
# uses for its combined authorities (docs/data-format.md). CAUTH24 is historical and not a default.
IDENTITY_LAYERS: tuple[str, ...] = ("UTLA", "CAUTH25", "CAUTH")


@dataclass(frozen=True)
class IdentityResult:
    """For each reference layer, the number of plan areas each of its areas is spread over."""

    parts: dict[str, dict[str, int]]

    def split(self, key: str) -> list[str]:
        return [code for code, n in self.parts[key].items() if n > 1]

    def scalars(self) -> dict[str, float]:
        return {f"split@{k}": float(len(self.split(k))) for k in self.parts}

    def to_dict(self) -> dict[str, object]:
        return {**self.scalars(), "split_areas": {k: {c: self.parts[k][c] for c in self.split(k)}
                                                 for k in self.parts}}


def unit_counts(membership: sparse.csr_array, assignment: np.ndarray, n_areas: int) -> np.ndarray:
    """``C[l, a]``: number of units of L-area ``l`` assigned to plan area ``a``."""
    member = sparse.csr_array((membership > 0).astype(np.float64))
    return np.rint((member.T @ one_hot_matrix(assignment, n_areas)).toarray()).astype(np.int64)


def default_identity_layers(geography: Geography) -> tuple[str, ...]:
    """The identity layers present in the geography (UTLA and CAUTH25 in the England bundle)."""
    present = {k.upper() for k in geography.layers}
    return tuple(k for k in IDENTITY_LAYERS if k in present)


def identity(geography: Geography, plan: Plan, *, layers: Sequence[str] | None = None) -> IdentityResult:
    """Areas of each reference layer split by the plan (default: those of IDENTITY_LAYERS present)."""
    plan.check(geography)
    keys = tuple(layers) if layers is not None else default_identity_layers(geography)
    parts: dict[str, dict[str, int]] = {}
    for key in keys:
        layer = geography.layer(key)
        counts = unit_counts(layer.membership, plan.assignment, plan.n_areas)
        spread = (counts > 0).sum(axis=1)
        parts[layer.key] = {layer.area_codes[i]: int(spread[i]) for i in range(layer.n_areas) if spread[i] > 0}
    return IdentityResult(parts)

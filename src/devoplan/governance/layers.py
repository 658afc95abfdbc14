"""Which of a geography's layers the governance model reads, with fallbacks for older bundles.

Layer keys are parameters everywhere in :mod:`devoplan.governance`; these are the defaults. The first
key a geography has is used: the May 2025 combined authorities (``CAUTH25``) before the May 2024 ones,
the April 2026 ICBs (``ICB26``) before the 2024 ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.geography.model import Geography, Layer
from devoplan.plan import Plan

CA_KEYS: tuple[str, ...] = ("CAUTH25", "CAUTH24", "CAUTH")
GLA_KEYS: tuple[str, ...] = ("GLA",)
ICB_KEYS: tuple[str, ...] = ("ICB26", "ICB")
UTLA_KEYS: tuple[str, ...] = ("UTLA",)
POLICE_KEYS: tuple[str, ...] = ("PFA",)
FIRE_KEYS: tuple[str, ...] = ("FRA",)
SKILLS_KEYS: tuple[str, ...] = ("LSIP",)


def find_layer(geography: Geography, keys: str | Sequence[str]) -> Layer | None:
    """The first of ``keys`` the geography has (case-insensitive), or None."""
    wanted = [keys] if isinstance(keys, str) else list(keys)
    by_lower = {k.lower(): layer for k, layer in geography.layers.items()}
    for key in wanted:
        if key.lower() in by_lower:
            return by_lower[key.lower()]
    return None


@dataclass(frozen=True, eq=False)
class Footprints:
    """Each area of a layer as the set of units with any membership in it, and residents per area."""

    layer: Layer
    units: tuple[frozenset[int], ...]

    @classmethod
    def of(cls, layer: Layer) -> Footprints:
        csc = layer.membership.tocsc()
        sets = tuple(frozenset(int(u) for u in csc.indices[csc.indptr[b]: csc.indptr[b + 1]])
                     for b in range(layer.n_areas))
        return cls(layer, sets)


def plan_units(plan: Plan) -> list[frozenset[int]]:
    """Units of each plan area (plan area order)."""
    return [frozenset(int(u) for u in np.flatnonzero(plan.assignment == a)) for a in range(plan.n_areas)]

"""Simplification: the commissioning bodies each area's single body replaces or absorbs, before and after.

Today's bodies are read from the layers, one family per kind of commissioner:

* integrated care boards (``ICB26``, else ``ICB``);
* police force areas, each with a police and crime commissioner or a mayor holding those functions (``PFA``);
* fire and rescue authorities (``FRA``);
* strategic authorities: combined authorities (``CAUTH25``, else older vintages) and the GLA (``GLA``);
* local skills improvement plan areas (``LSIP``).

A body *touches* an area when any of its districts (any membership weight above zero) lies in the
area. It is *absorbed* when all of its districts do, and *split* otherwise (its functions would be
shared out between several single bodies). Before = the bodies touching the area (nationally: every
body of every family with at least one district); after = one single commissioning body per area.

Running costs: a family's allowance per district, summed over each area's districts, where the
geography's money tables hold it (``baseline`` in ``data/running_costs.toml``: the ICBs' running cost
allowance, from the bundle's NHS money data) or the caller gives it (``unit_costs``); otherwise its
national figure (``data/running_costs.toml``) shared between areas by each body's residents in the area.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from devoplan.errors import InputError
from devoplan.funding.money import baseline_per_unit
from devoplan.geography.model import Geography, Layer
from devoplan.governance.facts import RunningCost, running_costs
from devoplan.governance.layers import CA_KEYS, FIRE_KEYS, GLA_KEYS, ICB_KEYS, POLICE_KEYS, SKILLS_KEYS, find_layer
from devoplan.plan import Plan


@dataclass(frozen=True)
class Family:
    """A kind of commissioning body and the layer keys that map it (first key present wins per group)."""

    key: str
    name: str
    layer_keys: tuple[tuple[str, ...], ...]


DEFAULT_FAMILIES: tuple[Family, ...] = (
    Family("ICB", "integrated care boards", (ICB_KEYS,)),
    Family("PFA", "police and crime commissioners (police force areas)", (POLICE_KEYS,)),
    Family("FRA", "fire and rescue authorities", (FIRE_KEYS,)),
    Family("CAUTH", "combined authorities and the GLA", (CA_KEYS, GLA_KEYS)),
    Family("LSIP", "skills areas (local skills improvement plans)", (SKILLS_KEYS,)),
)


BY_DISTRICT = "summed over each area's districts"
BY_RESIDENTS = "the national figure shared between areas by residents"


@dataclass(frozen=True)
class FamilyCount:
    """One family's bodies in one area (or nationally): touching = absorbed + split."""

    family: str
    absorbed: int
    split: int
    layers: tuple[str, ...]
    body_codes: tuple[str, ...] = ()

    @property
    def touching(self) -> int:
        return self.absorbed + self.split


@dataclass(frozen=True)
class AreaSimplification:
    """What one area's single body takes over: bodies per family, and running costs put in one place."""

    area_code: str
    families: tuple[FamilyCount, ...]
    running_cost: float
    running_cost_families: tuple[str, ...]

    @property
    def before(self) -> int:
        return sum(f.touching for f in self.families)


@dataclass(frozen=True)
class Simplification:
    """Bodies before and after, nationally and per area, with the running costs that pooling brings together."""

    families: tuple[Family, ...]
    national: tuple[FamilyCount, ...]
    areas: tuple[AreaSimplification, ...]
    costs: tuple[RunningCost, ...]
    missing_families: tuple[str, ...] = field(default=())
    cost_basis: tuple[tuple[str, str], ...] = field(default=())  # (family, how its running cost was shared)

    @property
    def before(self) -> int:
        """Commissioning bodies today, all families (each counted once)."""
        return sum(f.touching for f in self.national)

    @property
    def after(self) -> int:
        """One single commissioning body per plan area."""
        return len(self.areas)

    @property
    def split_bodies(self) -> int:
        """Today's bodies whose districts the plan puts in more than one area."""
        return sum(f.split for f in self.national)

    @property
    def running_cost(self) -> float:
        return float(sum(a.running_cost for a in self.areas))


def simplification(geography: Geography, plan: Plan, *, families: Sequence[Family] = DEFAULT_FAMILIES,
                   costs: Sequence[RunningCost] | None = None,
                   unit_costs: Mapping[str, np.ndarray] | None = None) -> Simplification:
    """Count today's commissioning bodies per area and nationally (see the module docstring).

    ``unit_costs`` maps a family key to running costs per district (pounds a year, in the geography's
    unit order); a family without them uses its ``baseline`` money source, else shares its national
    figure from ``costs`` by residents.
    """
    costs = tuple(costs if costs is not None else running_costs())
    onehot = np.zeros((plan.n_units, plan.n_areas))
    onehot[np.arange(plan.n_units), plan.assignment] = 1.0
    pop = geography.units.population.astype(np.float64)
    per_area: list[list[FamilyCount]] = [[] for _ in range(plan.n_areas)]
    cost_area = np.zeros(plan.n_areas)
    costed: set[str] = set()
    national, missing, basis = [], [], []
    for fam in families:
        layers = [layer for keys in fam.layer_keys if (layer := find_layer(geography, keys)) is not None]
        if not layers:
            missing.append(fam.key)
            continue
        touches, residents, codes = _family(layers, onehot, pop)
        counts = touches.sum(axis=1)
        national.append(FamilyCount(fam.key, int((counts == 1).sum()), int((counts > 1).sum()),
                                    tuple(lay.key for lay in layers), codes))
        for a in range(plan.n_areas):
            touching = np.flatnonzero(touches[:, a])
            whole = [b for b in touching if counts[b] == 1]
            per_area[a].append(FamilyCount(fam.key, len(whole), len(touching) - len(whole),
                                           tuple(lay.key for lay in layers),
                                           tuple(codes[b] for b in touching)))
        costed_family = _family_cost(geography, fam.key, residents, onehot, costs, unit_costs)
        if costed_family is not None:
            cost_area += costed_family[0]
            costed.add(fam.key)
            basis.append((fam.key, costed_family[1]))
    areas = tuple(AreaSimplification(code, tuple(per_area[a]), float(cost_area[a]), tuple(sorted(costed)))
                  for a, code in enumerate(plan.area_codes))
    return Simplification(tuple(families), tuple(national), areas, costs, tuple(missing), tuple(basis))


def _family(layers: list[Layer], onehot: np.ndarray, pop: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Per body and plan area ``(bodies, areas)``: whether the body has districts there and its residents
    there; and each body's code."""
    blocks, codes = [], []
    for layer in layers:
        m = layer.membership.toarray()
        used = np.flatnonzero(m.sum(axis=0) > 0)
        blocks.append(m[:, used])
        codes += [layer.area_codes[b] for b in used]
    member = np.hstack(blocks)  # (units, bodies) weights
    touch = (member > 0).astype(np.float64).T @ onehot  # (bodies, areas): districts in the area
    residents = (member * pop[:, None]).T @ onehot
    return touch > 0, residents, tuple(codes)


def _family_cost(geography: Geography, family: str, residents: np.ndarray, onehot: np.ndarray,
                 costs: Sequence[RunningCost],
                 unit_costs: Mapping[str, np.ndarray] | None) -> tuple[np.ndarray, str] | None:
    """Pounds a year per area for one family and how they were found, or None when the family is not costed."""
    cost = next((c for c in costs if c.layer == family), None)
    per_unit = (unit_costs or {}).get(family)
    if per_unit is None and cost is not None and cost.baseline is not None:
        per_unit = _baseline(geography, cost.baseline)
    if per_unit is not None:
        return np.asarray(np.asarray(per_unit, dtype=np.float64) @ onehot), BY_DISTRICT
    if cost is None or cost.pounds is None or residents.sum() <= 0:
        return None
    return np.asarray(cost.pounds * residents.sum(axis=0) / residents.sum()), BY_RESIDENTS


def _baseline(geography: Geography, source: str) -> np.ndarray | None:
    """Pounds per district from the geography's money tables, or None when it has none (a test geography)."""
    try:
        return baseline_per_unit(geography, source)
    except InputError:
        return None

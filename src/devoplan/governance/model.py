"""The governance model of a plan: per area its candidate body, tiers, leader, cabinet and simplification.

``governance_model(geography, plan, budgets=...)`` puts together :mod:`~devoplan.governance.classify`,
:mod:`~devoplan.governance.cabinet` and :mod:`~devoplan.governance.simplify` into one typed value, with
``to_dict()`` for ``metrics.json`` and the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devoplan.geography.model import Geography
from devoplan.governance.cabinet import Budgets, Cabinet, cabinet
from devoplan.governance.classify import AreaGovernance, governance
from devoplan.governance.facts import body_table
from devoplan.governance.layers import CA_KEYS, GLA_KEYS, UTLA_KEYS
from devoplan.governance.simplify import DEFAULT_FAMILIES, AreaSimplification, Family, Simplification, simplification
from devoplan.plan import Plan


@dataclass(frozen=True)
class AreaModel:
    """Everything the governance model says about one plan area."""

    code: str
    name: str
    population: int
    governance: AreaGovernance
    cabinet: Cabinet
    simplification: AreaSimplification


@dataclass(frozen=True)
class GovernanceModel:
    """Per-area models plus the national simplification."""

    areas: tuple[AreaModel, ...]
    simplification: Simplification
    sources: Mapping[str, str]

    def status_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.areas:
            out[a.governance.status] = out.get(a.governance.status, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: national counts, running costs, sources, and one record per area."""
        s = self.simplification
        return {
            "bodies_before": s.before,
            "bodies_after": s.after,
            "bodies_split": s.split_bodies,
            "families": [{"family": f.family, "layers": list(f.layers), "bodies": f.touching, "split": f.split}
                         for f in s.national],
            "families_missing": list(s.missing_families),
            "running_cost": round(s.running_cost, 2),
            "running_cost_basis": dict(s.cost_basis),
            "running_costs": [{"family": c.layer, "name": c.name, "year": c.year, "pounds": c.pounds,
                               "source": c.source, "baseline": c.baseline, "note": c.note} for c in s.costs],
            "statuses": self.status_counts(),
            "sources": dict(self.sources),
            "areas": [_area_dict(a) for a in self.areas],
        }


def _area_dict(a: AreaModel) -> dict[str, Any]:
    s = a.simplification
    return {
        "code": a.code, "name": a.name, "population": a.population,
        **a.governance.to_dict(),
        "leader": a.cabinet.leader,
        "budget_year": a.cabinet.year,
        "portfolios": [{"line": p.line, "title": p.title, "budget": round(p.budget, 2)} for p in a.cabinet.portfolios],
        "bodies_before": s.before,
        "bodies": {f.family: {"absorbed": f.absorbed, "split": f.split, "codes": list(f.body_codes)}
                   for f in s.families},
        "running_cost": round(s.running_cost, 2),
    }


def governance_model(geography: Geography, plan: Plan, *, budgets: Budgets | None = None,
                     ca_keys: str | Sequence[str] = CA_KEYS, gla_keys: str | Sequence[str] = GLA_KEYS,
                     utla_keys: str | Sequence[str] = UTLA_KEYS, families: Sequence[Family] = DEFAULT_FAMILIES,
                     adopt_mayor: bool = False,
                     unit_costs: Mapping[str, np.ndarray] | None = None) -> GovernanceModel:
    """The governance model of ``plan`` (layer keys are parameters; see the modules for the rules)."""
    gov = governance(geography, plan, ca_keys=ca_keys, gla_keys=gla_keys, utla_keys=utla_keys,
                     adopt_mayor=adopt_mayor)
    simple = simplification(geography, plan, families=families, unit_costs=unit_costs)
    pops = plan.area_totals(geography.units.population.astype(np.float64))
    areas = tuple(AreaModel(code, plan.area_names[a], round(pops[a]), gov[a], cabinet(gov[a], budgets),
                            simple.areas[a]) for a, code in enumerate(plan.area_codes))
    return GovernanceModel(areas, simple, body_table().sources)

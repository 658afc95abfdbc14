"""One call for the CLI, the demo and the report: a plan's governance model and its roadmap.

Funding enters in one of two typed forms: a :class:`~devoplan.funding.FundingResult` (in memory) or a saved
allocations table (the report's path), each giving the cabinet budgets and each area's distance from
its funding target in the first settlement year (a readiness criterion of the roadmap).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.funding.result import ALL_LINES, FundingResult
from devoplan.geography.model import Geography
from devoplan.governance.cabinet import Budgets
from devoplan.governance.model import GovernanceModel, governance_model
from devoplan.governance.roadmap import Roadmap, area_facts, generate
from devoplan.governance.roadmap_spec import RoadmapSpec, default_roadmap_path, load_roadmap
from devoplan.plan import Plan


@dataclass(frozen=True)
class Money:
    """What the governance model takes from a funding result: budgets and distance from target (%)."""

    budgets: Budgets
    distance_pct: np.ndarray

    @classmethod
    def from_funding(cls, result: FundingResult) -> Money:
        target = result.total_target()[0].astype(np.float64)
        alloc = result.total_allocation()[0].astype(np.float64)
        return cls(Budgets.from_funding(result), (alloc - target) / target * 100.0)

    @classmethod
    def from_allocations(cls, frame: pd.DataFrame, plan: Plan) -> Money:
        budgets = Budgets.from_allocations(frame, plan)
        rows = frame[(frame["line"] == ALL_LINES) & (frame["year"].astype(str) == budgets.year)]
        dist = rows.set_index("area_code")["distance_from_target_pct"].reindex(list(plan.area_codes))
        return cls(budgets, dist.to_numpy(dtype=np.float64))


@dataclass(frozen=True)
class Assessment:
    """A plan's governance model and roadmap, with ``to_dict`` for ``metrics.json``."""

    model: GovernanceModel
    roadmap: Roadmap

    def to_dict(self) -> dict[str, Any]:
        return {"governance": self.model.to_dict(), "roadmap": self.roadmap.to_dict()}


def assess(geography: Geography, plan: Plan, *, money: Money | None = None, spec: RoadmapSpec | Path | None = None,
           adopt_mayor: bool = False) -> Assessment:
    """The governance model of ``plan`` and its roadmap under ``spec`` (default: the shipped roadmap).

    A spec given as a path is checked against the funded service lines of ``money`` (when given).
    """
    if not isinstance(spec, RoadmapSpec):
        lines = money.budgets.line_keys if money is not None else None
        spec = load_roadmap(spec if spec is not None else default_roadmap_path(), service_lines=lines)
    model = governance_model(geography, plan, budgets=money.budgets if money is not None else None,
                             adopt_mayor=adopt_mayor)
    facts = area_facts(model, money.distance_pct if money is not None else None)
    return Assessment(model, generate(spec, facts))

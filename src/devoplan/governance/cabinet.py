"""The cabinet of each area's single commissioning body: one portfolio per funded service line.

Each portfolio's budget is the area's allocation for that line in the first settlement year, taken
from a funding result (:class:`~devoplan.funding.FundingResult`) or from a saved ``allocations.csv``
(the report's path), both turned into the same typed :class:`Budgets` first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from devoplan.errors import DevoplanError
from devoplan.funding.result import ALL_LINES, FundingResult
from devoplan.governance.classify import AreaGovernance
from devoplan.plan import Plan

LEADER_TITLES: dict[str, str] = {"mayor": "Mayor", "council_leader": "Leader (council leaders' chair)"}


@dataclass(frozen=True, eq=False)
class Budgets:
    """One year's allocation per service line and plan area: ``pounds[line, area]``."""

    year: str
    line_keys: tuple[str, ...]
    line_names: tuple[str, ...]
    area_codes: tuple[str, ...]
    pounds: np.ndarray

    @classmethod
    def from_funding(cls, result: FundingResult, year: int = 0) -> Budgets:
        """The ``year``-th settlement year of a funding result (pence to pounds)."""
        pounds = np.array([ln.allocation_pence[year] for ln in result.lines], dtype=np.float64) / 100.0
        return cls(result.years[year], tuple(ln.key for ln in result.lines), tuple(ln.name for ln in result.lines),
                   tuple(result.areas.area_codes), pounds)

    @classmethod
    def from_allocations(cls, frame: pd.DataFrame, plan: Plan) -> Budgets:
        """The first year of a saved allocations table (one row per year, line and area; ``all`` rows skipped)."""
        rows = frame[frame["line"] != ALL_LINES]
        if rows.empty:
            raise DevoplanError("the allocations table has no service-line rows")
        year = str(sorted(rows["year"].astype(str).unique())[0])
        rows = rows[rows["year"].astype(str) == year]
        keys = tuple(dict.fromkeys(rows["line"].astype(str)))
        names_col = "line_name" if "line_name" in rows.columns else "line"
        names = tuple(str(rows.loc[rows["line"] == k, names_col].iloc[0]) for k in keys)
        table = rows.pivot_table(index="line", columns="area_code", values="allocation", aggfunc="sum")
        table = table.reindex(index=list(keys), columns=list(plan.area_codes)).fillna(0.0)
        return cls(year, keys, names, plan.area_codes, table.to_numpy(dtype=np.float64))

    def for_area(self, code: str) -> np.ndarray:
        """Pounds per line for one area (zeros for an area the budgets do not cover)."""
        if code not in self.area_codes:
            return np.zeros(len(self.line_keys))
        return self.pounds[:, self.area_codes.index(code)]


@dataclass(frozen=True)
class Portfolio:
    """A cabinet member's brief: one service line and the budget the area commissions with."""

    line: str
    title: str
    budget: float


@dataclass(frozen=True)
class Cabinet:
    """The accountable leader and one portfolio per funded service line (year of the budgets)."""

    leader: str
    year: str | None
    portfolios: tuple[Portfolio, ...]

    @property
    def total(self) -> float:
        return float(sum(p.budget for p in self.portfolios))


def cabinet(g: AreaGovernance, budgets: Budgets | None) -> Cabinet:
    """The cabinet of one area: its leader and a portfolio per line in ``budgets`` (none without budgets)."""
    leader = LEADER_TITLES[g.leadership]
    if budgets is None:
        return Cabinet(leader, None, ())
    amounts = budgets.for_area(g.area_code)
    portfolios = tuple(Portfolio(k, f"Cabinet member for {n}", float(a))
                       for k, n, a in zip(budgets.line_keys, budgets.line_names, amounts, strict=True))
    return Cabinet(leader, budgets.year, portfolios)

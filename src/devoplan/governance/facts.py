"""Sourced facts the governance model rests on, read from the data files shipped in this package.

* ``data/bodies.toml``: England's strategic authorities (combined authorities and the GLA): whether
  each has a directly elected mayor, its English Devolution White Paper tier, the year it was set up,
  which commissioners' functions its mayor already holds, and the publications each row comes from.
* ``data/running_costs.toml``: running-cost allowances of today's commissioning bodies, each figure
  sourced, or left out (and so reported as "not costed") where no open figure exists.

Both files are part of the repository (not derived from ``../shared/data``): they are small tables of
published facts with their attribution, documented in ``docs/governance.md``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from devoplan.errors import SpecError

Tier = Literal["none", "foundation", "mayoral", "established_mayoral"]
TIERS: tuple[Tier, ...] = ("none", "foundation", "mayoral", "established_mayoral")
TIER_WORDS: dict[str, str] = {
    "none": "no strategic authority",
    "foundation": "foundation strategic authority",
    "mayoral": "mayoral strategic authority",
    "established_mayoral": "established mayoral strategic authority (integrated settlement)",
}
BODY_KINDS: tuple[str, ...] = ("combined_authority", "gla")
GLA_CODE = "GLA"  # the bodies.toml row that matches any area of the GLA layer
BODIES_FILE = "bodies.toml"
COSTS_FILE = "running_costs.toml"


@dataclass(frozen=True)
class BodyFacts:
    """One strategic authority as published (see ``data/bodies.toml`` for the sources)."""

    code: str
    name: str
    kind: str
    established: int
    mayor: bool
    first_mayoral_election: int | None
    tier: Tier
    integrated_settlement_from: str | None
    mayor_holds: tuple[str, ...]
    sources: tuple[str, ...]
    assumption: bool
    note: str

    def attribution(self, texts: dict[str, str]) -> str:
        """The publications this row rests on, in words."""
        return "; ".join(texts.get(s, s) for s in self.sources)


@dataclass(frozen=True)
class BodyTable:
    """All strategic authorities, by code, with the texts of their sources."""

    bodies: dict[str, BodyFacts]
    sources: dict[str, str]

    def get(self, code: str, *, gla: bool = False) -> BodyFacts | None:
        """The row for ``code``; any area of the GLA layer matches the ``GLA`` row."""
        return self.bodies.get(GLA_CODE if gla else code)


@dataclass(frozen=True)
class RunningCost:
    """A body type's running-cost allowance for England (``pounds`` None = no open figure: not costed)."""

    layer: str
    name: str
    year: str | None
    pounds: float | None
    source: str | None
    note: str
    baseline: str | None = None  # a per-district money source key (``nhs:<stream>:<year>``) used where present


def _read(name: str) -> dict[str, Any]:
    text = resources.files("devoplan.governance").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def body_table() -> BodyTable:
    """The shipped table of strategic authorities (parsed and checked once)."""
    data = _read(BODIES_FILE)
    sources = {str(k): str(v) for k, v in data.get("sources", {}).items()}
    bodies: dict[str, BodyFacts] = {}
    for i, row in enumerate(data.get("body", [])):
        path = f"body[{i}]"
        tier = row.get("tier")
        if tier not in TIERS or row.get("kind") not in BODY_KINDS:
            raise SpecError(f"tier must be one of {TIERS} and kind one of {BODY_KINDS}", key=path, file=BODIES_FILE)
        unknown = [s for s in row.get("sources", []) if s not in sources]
        if unknown or not row.get("sources"):
            raise SpecError(f"every row needs sources listed in [sources]; unknown: {unknown}", key=f"{path}.sources",
                            file=BODIES_FILE)
        bodies[str(row["code"])] = BodyFacts(
            code=str(row["code"]), name=str(row["name"]), kind=str(row["kind"]), established=int(row["established"]),
            mayor=bool(row["mayor"]), first_mayoral_election=row.get("first_mayoral_election"), tier=tier,
            integrated_settlement_from=row.get("integrated_settlement_from"),
            mayor_holds=tuple(row.get("mayor_holds", [])), sources=tuple(row["sources"]),
            assumption=bool(row.get("assumption", False)), note=str(row.get("note", "")))
    return BodyTable(bodies, sources)


@cache
def running_costs() -> tuple[RunningCost, ...]:
    """The shipped running-cost allowances, one per kind of body (layer family)."""
    data = _read(COSTS_FILE)
    out = []
    for layer, row in data.get("costs", {}).items():
        value = row.get("value")
        if value is not None and not row.get("source") and not row.get("assumption"):
            raise SpecError("a figure needs a source or assumption = true", key=f"costs.{layer}.value",
                            file=COSTS_FILE)
        out.append(RunningCost(str(layer), str(row["name"]), row.get("year"),
                               float(value) if value is not None else None,
                               row.get("source") or ("assumption" if row.get("assumption") else None),
                               str(row.get("note", "")), row.get("baseline")))
    return tuple(out)

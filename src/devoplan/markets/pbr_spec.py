"""The payment-by-results specification: a TOML file parsed into frozen dataclasses.

A spec describes a referred cohort split into payment groups (size, probability of the outcome
without and with the service, the provider's cost of serving one person), the price table (a price
per outcome and an optional attachment fee per person, by group), the provider's required margin
and, for ``--design``, the budget or outcome target. Every problem raises
:class:`~devoplan.errors.SpecError` naming the file and key path (``groups[2].p_with``) and what is
wrong (the checks are :mod:`devoplan.validate`'s, shared with every other reader). Each group and
the price table say where their figures come from: ``source`` (text) and ``assumptions`` (the
fields that are judgement rather than published figures).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devoplan.errors import SpecError
from devoplan.validate import (
    MAX_POPULATION,
    MAX_POUNDS,
    MAX_RELATIVE,
    Key,
    SpecReader,
    join_key,
    parse_document,
    read_text,
)

GROUP_KEYS = ("key", "name", "size", "p_without", "p_with", "cost", "cost_spread", "source", "assumptions")
GROUP_FIELDS = ("size", "p_without", "p_with", "cost", "cost_spread")
PRICE_KEYS = ("outcome", "attachment", "source", "assumptions")
DESIGN_KEYS = ("budget", "target_outcomes", "max_parking", "steps", "round_to", "attachment")
ATTACHMENT_MODES = ("keep", "drop")


@dataclass(frozen=True)
class Provenance:
    """Where a table's figures come from: a citation and the fields that are assumptions."""

    source: str
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class CohortGroup:
    """One payment group: who they are, how likely the outcome is, and what serving them costs.

    ``cost_spread`` makes the cost per person vary within the group, uniformly on
    ``cost * (1 ± cost_spread)``; 0 means every person costs ``cost``.
    """

    key: str
    name: str
    size: float
    p_without: float
    p_with: float
    cost: float
    cost_spread: float
    provenance: Provenance

    @property
    def uplift(self) -> float:
        """Extra probability of the outcome when the person is served."""
        return self.p_with - self.p_without

    @property
    def cost_range(self) -> tuple[float, float]:
        return (self.cost * (1.0 - self.cost_spread), self.cost * (1.0 + self.cost_spread))


@dataclass(frozen=True)
class PriceTable:
    """Price per outcome and attachment fee per person referred, by group key."""

    outcome: Mapping[str, float]
    attachment: Mapping[str, float]
    provenance: Provenance | None = None

    def outcome_price(self, key: str) -> float:
        return self.outcome[key]

    def attachment_fee(self, key: str) -> float:
        return self.attachment.get(key, 0.0)


@dataclass(frozen=True)
class DesignSpec:
    """What ``--design`` optimises: outcomes within ``budget``, or least spend reaching ``target_outcomes``.

    ``max_parking`` is the largest share of any group a design may leave unserved; ``steps`` the
    number of service levels tried in a group whose costs vary; prices are rounded up to ``round_to``.
    ``attachment`` is ``keep`` (designed prices keep the spec's attachment fees) or ``drop`` (they pay
    none, so that money can go to outcome prices; attachment fees never change whom a provider serves).
    """

    budget: float | None
    target_outcomes: float | None
    max_parking: float
    steps: int
    round_to: float
    attachment: str = "keep"


@dataclass(frozen=True)
class PbrSpec:
    """A validated payment-by-results specification."""

    name: str
    description: str
    groups: tuple[CohortGroup, ...]
    prices: PriceTable
    margin: float
    design: DesignSpec
    path: Path | None = None

    def group(self, key: str) -> CohortGroup:
        for g in self.groups:
            if g.key == key:
                return g
        raise SpecError(f"unknown group '{key}'", key="groups")


def load_pbr_spec(path: str | Path) -> PbrSpec:
    """Read and validate a payment-by-results spec TOML file."""
    file = Path(path)
    if not file.is_file() and not file.is_dir():
        raise SpecError("spec file not found", file=file)
    text = read_text(file, what="spec file")
    try:
        data = parse_document(text, tomllib.loads, Key("(document)", file))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"not valid TOML: {exc}", file=file) from None
    return parse_pbr_spec(data, file=file)


def _provenance(r: SpecReader, table: Mapping[str, Any], path: str, fields: tuple[str, ...]) -> Provenance:
    source = r.text(table, "source", path, default="no source given in the spec")
    raw = table.get("assumptions", [])
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise r.error(join_key(path, "assumptions"), "must be a list of field names")
    for name in raw:
        if name not in fields:
            raise r.error(join_key(path, "assumptions"), f"'{name}' is not a field here; allowed: "
                          f"{', '.join(fields)}")
    return Provenance(source, tuple(raw))


def parse_pbr_spec(data: Mapping[str, Any], *, file: Path | None = None) -> PbrSpec:
    """Validate a spec already read into a dict (``file`` only labels messages)."""
    r = SpecReader(file)
    r.only(data, "", ("name", "description", "provider", "groups", "prices", "design"))
    groups = _groups(r, data.get("groups"))
    provider = r.table(data, "provider", required=False)
    r.only(provider, "provider", ("margin",))
    return PbrSpec(
        name=r.text(data, "name", "", default="payment-by-results spec"),
        description=r.text(data, "description", "", default=""),
        groups=groups,
        prices=_prices(r, r.table(data, "prices"), groups),
        margin=r.number(provider, "margin", "provider", default=0.0, lo=0.0, hi=MAX_RELATIVE),
        design=_design(r, r.table(data, "design", required=False)),
        path=file,
    )


def _groups(r: SpecReader, raw: Any) -> tuple[CohortGroup, ...]:
    if raw is None:
        raise r.error("groups", "is missing (give at least one [[groups]] table)")
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise r.error("groups", "must be a non-empty array of tables ([[groups]])")
    groups: list[CohortGroup] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        path = f"groups[{i}]"
        r.only(table, path, GROUP_KEYS)
        key = r.text(table, "key", path)
        if key in seen:
            raise r.error(join_key(path, "key"), f"duplicate group key '{key}'")
        seen.add(key)
        p_without = r.number(table, "p_without", path, lo=0.0, hi=1.0)
        p_with = r.number(table, "p_with", path, lo=0.0, hi=1.0)
        if p_with < p_without:
            raise r.error(join_key(path, "p_with"), f"{p_with:g} is below p_without {p_without:g} (the service "
                          "would lower the chance of the outcome)")
        groups.append(CohortGroup(
            key=key, name=r.text(table, "name", path, default=key),
            size=r.number(table, "size", path, lo=0.0, hi=MAX_POPULATION), p_without=p_without, p_with=p_with,
            cost=r.number(table, "cost", path, lo=0.0, hi=MAX_POUNDS),
            cost_spread=r.number(table, "cost_spread", path, default=0.0, lo=0.0, hi=1.0),
            provenance=_provenance(r, table, path, GROUP_FIELDS),
        ))
    return tuple(groups)


def _price_map(r: SpecReader, table: Mapping[str, Any], key: str, groups: tuple[CohortGroup, ...],
               required: bool) -> dict[str, float]:
    path = f"prices.{key}"
    sub = r.table(table, key, "prices", required=required)
    keys = tuple(g.key for g in groups)
    for name in sub:
        if name not in keys:
            raise r.error(join_key(path, name), f"unknown group '{name}'; groups: {', '.join(keys)}")
    if required:
        missing = [k for k in keys if k not in sub]
        if missing:
            raise r.error(join_key(path, missing[0]), f"is missing: the price table has no price for group "
                          f"'{missing[0]}'")
    return {name: r.number(sub, name, path, lo=0.0, hi=MAX_POUNDS) for name in keys if name in sub}


def _prices(r: SpecReader, table: dict[str, Any], groups: tuple[CohortGroup, ...]) -> PriceTable:
    r.only(table, "prices", PRICE_KEYS)
    return PriceTable(
        outcome=_price_map(r, table, "outcome", groups, required=True),
        attachment=_price_map(r, table, "attachment", groups, required=False),
        provenance=_provenance(r, table, "prices", ("outcome", "attachment")),
    )


def _design(r: SpecReader, table: dict[str, Any]) -> DesignSpec:
    r.only(table, "design", DESIGN_KEYS)
    budget = r.number(table, "budget", "design", lo=0.0, hi=MAX_POUNDS) if "budget" in table else None
    target = (r.number(table, "target_outcomes", "design", lo=0.0, hi=MAX_POPULATION)
              if "target_outcomes" in table else None)
    if budget is not None and target is not None:
        raise r.error("design.target_outcomes", "give a budget or an outcome target, not both")
    steps = r.number(table, "steps", "design", default=20, lo=1, hi=1000, integer=True)
    round_to = r.number(table, "round_to", "design", default=1.0, lo=0.0, hi=MAX_POUNDS)
    attachment = r.text(table, "attachment", "design", default="keep")
    if attachment not in ATTACHMENT_MODES:
        raise r.error("design.attachment", f"unknown mode '{attachment}'; allowed: {', '.join(ATTACHMENT_MODES)}")
    return DesignSpec(budget=budget, target_outcomes=target,
                      max_parking=r.number(table, "max_parking", "design", default=0.0, lo=0.0, hi=1.0),
                      steps=int(steps), round_to=round_to, attachment=attachment)

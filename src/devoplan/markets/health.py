"""Market health per area: how contestable general practice is, what it costs and how concentrated it is.

Read from the bundle's ``gp_practices.csv`` (NHS Payments to General Practice 2022-23, one row per
practice; see docs/markets.md). For each area of a plan or layer:

- the **contestable share**: registered patients at practices on time-limited APMS contracts, which
  are competed, against the open-ended GMS and PMS contracts (renewed without competition);
- payments per registered and per weighted patient (total NHS payments, excluding COVID and PCN);
- the number of providers and their concentration (Herfindahl-Hirschman index on registered
  patients, 0-10,000). The file identifies each contract holder only by its practice, so a company
  holding several contracts counts several times: the HHI is a lower bound on concentration;
- outcome-linked spend and the number of outcome contracts, when a placed contract registry is given
  (:mod:`devoplan.markets.places`): a contract counts in each area it delivers in (and so do its
  providers, counted once per area however many contracts they hold), and its outcome
  payments (actual, and the maximum potential) are shared by the residents of its districts.

A practice is placed in an area through its district (the area's share of the district, for a
layer that splits districts); a practice whose own ICB is an area of the target (the ICB layer) is
placed in that ICB exactly, as the NHS places it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.markets.places import PlacedRegistry
from devoplan.plan import Plan
from devoplan.zoning import Zoning

GP_FILE = "gp_practices.csv"
GP_COLUMNS = ("practice_code", "unit_code", "icb_code", "contract_type", "registered_patients",
              "weighted_patients", "payments_gbp")
CONTRACT_TYPES = ("GMS", "PMS", "APMS", "Unknown")


@dataclass(frozen=True)
class AreaMarket:
    """Market health of one area."""

    code: str
    name: str
    practices: float
    registered_patients: float
    patients_by_contract: dict[str, float]
    apms_share: float
    open_ended_share: float
    payments_gbp: float
    payments_per_patient: float
    payments_per_weighted_patient: float
    hhi: float
    outcome_contracts: int = 0
    outcome_providers: int = 0
    outcome_paid_gbp: float = 0.0
    outcome_max_gbp: float = 0.0


@dataclass(frozen=True)
class MarketHealth:
    """Market health of every area of a plan or layer, and England's totals."""

    label: str
    areas: tuple[AreaMarket, ...]
    england: AreaMarket
    practices_without_area: int
    contracts: ContractSummary | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "england": asdict(self.england),
                "practices_without_area": self.practices_without_area,
                "contracts": asdict(self.contracts) if self.contracts is not None else None,
                "areas": [asdict(a) for a in self.areas]}


@dataclass(frozen=True)
class ContractSummary:
    """What the registry held and how much of it could be placed in an area."""

    source: str
    attribution: str
    contracts: int
    placed: int
    paid_gbp: float
    paid_placed_gbp: float
    max_gbp: float
    max_placed_gbp: float
    providers: int
    review: int


def read_gp_practices(geography: Geography) -> pd.DataFrame:
    """The geography's practice table (cached on it); an InputError when the geography has none."""
    return geography.assets.derived("markets:gp_practices", lambda: _read_practices(geography))


def _read_practices(geography: Geography) -> pd.DataFrame:
    path = geography.assets.path(GP_FILE)
    if path is None:
        raise InputError("this geography has no GP practice table (the England bundle has one)", file=GP_FILE)
    frame = pd.read_csv(path, dtype={"practice_code": str, "unit_code": str, "icb_code": str,
                                     "contract_type": str}, keep_default_na=False)
    for col in GP_COLUMNS:
        if col not in frame.columns:
            raise InputError("expected column is missing", file=path, field=col)
    return frame


def target_areas(geography: Geography, target: Plan | str) -> Zoning:
    """The areas to report on: a layer's (uncovered units as their own areas) or a plan's."""
    if isinstance(target, str):
        return geography.layer(target).complete(geography)
    target.check(geography)
    return target.zoning


def practice_weights(geography: Geography, practices: pd.DataFrame, areas: Zoning) -> sparse.csr_array:
    """``(n_practices, n_areas)`` weights: through the district, or exactly by the practice's own ICB."""
    index = geography.units.index
    unit_pos = practices["unit_code"].map(lambda c: index.get(c, -1)).to_numpy()
    rows = np.flatnonzero(unit_pos >= 0)
    pick = sparse.csr_array((np.ones(len(rows)), (rows, unit_pos[rows])), shape=(len(practices), len(index)))
    weights = sparse.lil_array(pick @ sparse.csr_array(areas.membership))
    area_pos = {c: i for i, c in enumerate(areas.area_codes)}
    own = practices["icb_code"].map(lambda c: area_pos.get(c, -1)).to_numpy()
    for i in np.flatnonzero(own >= 0):
        weights[[i], :] = 0.0
        weights[i, own[i]] = 1.0
    return sparse.csr_array(weights)


def _area(code: str, name: str, frame: pd.DataFrame, weight: np.ndarray) -> AreaMarket:
    reg = frame["registered_patients"].to_numpy() * weight
    total = float(reg.sum())
    by_type = {t: float(reg[(frame["contract_type"] == t).to_numpy()].sum()) for t in CONTRACT_TYPES}
    payments = float((frame["payments_gbp"].to_numpy() * weight).sum())
    weighted = float((frame["weighted_patients"].to_numpy() * weight).sum())
    shares = reg / total if total > 0 else reg
    nan = float("nan")
    return AreaMarket(
        code=code, name=name, practices=float(weight.sum()), registered_patients=total,
        patients_by_contract=by_type, apms_share=by_type["APMS"] / total if total > 0 else nan,
        open_ended_share=(by_type["GMS"] + by_type["PMS"]) / total if total > 0 else nan,
        payments_gbp=payments, payments_per_patient=payments / total if total > 0 else nan,
        payments_per_weighted_patient=payments / weighted if weighted > 0 else nan,
        hhi=float((shares**2).sum() * 10_000) if total > 0 else nan,
    )


def market_health(geography: Geography, target: Plan | str, contracts: PlacedRegistry | None = None) -> MarketHealth:
    """Contestable share, payments per patient and concentration for each area of ``target``, and the
    outcome contracts of a placed registry (count and outcome payments per area) when one is given."""
    practices = read_gp_practices(geography)
    areas = target_areas(geography, target)
    weights = practice_weights(geography, practices, areas).tocsc()
    outcome = outcome_by_area(geography, areas, contracts) if contracts is not None else None
    rows = []
    for j, (code, name) in enumerate(zip(areas.area_codes, areas.area_names, strict=True)):
        col = weights[:, [j]].toarray().ravel()
        rows.append(_with_outcomes(_area(code, name, practices, col), outcome, j))
    placed = np.asarray(weights.sum(axis=1)).ravel()
    england = _area("E92000001", "England", practices, np.ones(len(practices)))
    summary = summarise(contracts) if contracts is not None else None
    if summary is not None:
        england = replace(england, outcome_contracts=summary.placed, outcome_providers=summary.providers,
                          outcome_paid_gbp=summary.paid_placed_gbp,
                          outcome_max_gbp=summary.max_placed_gbp)
    return MarketHealth(label=f"{areas.key} ({areas.name})", areas=tuple(rows), england=england,
                        practices_without_area=int((placed < 1e-9).sum()), contracts=summary)


@dataclass(frozen=True)
class OutcomeByArea:
    """Per area: contracts with any delivery there, and their outcome payments shared out by residents."""

    contracts: np.ndarray
    providers: tuple[frozenset[str], ...]
    paid_gbp: np.ndarray
    max_gbp: np.ndarray


def outcome_by_area(geography: Geography, areas: Zoning, placed: PlacedRegistry) -> OutcomeByArea:
    """A contract counts in every area it delivers in; its money is shared among its districts in
    proportion to the residents it covers there, then among areas by the zoning's weights."""
    n_units, index = len(geography.units), geography.units.index
    population = geography.units.population.astype(float)
    member = sparse.csr_array(areas.membership)
    count, paid, cap = (np.zeros(areas.n_areas) for _ in range(3))
    providers: list[set[str]] = [set() for _ in range(areas.n_areas)]
    for c in placed.contracts:
        if not c.footprint:
            continue
        cover = np.zeros(n_units)
        for unit, w in c.footprint.items():
            cover[index[unit]] = w
        residents = cover * population
        share = residents / residents.sum() if residents.sum() > 0 else cover / cover.sum()
        present = (member.T @ cover) > 0
        count += present
        names = {p.organisation.id or p.organisation.name for p in c.contract.providers}
        for j in np.flatnonzero(present):
            providers[j] |= names
        paid += c.contract.paid_gbp() * (member.T @ share)
        cap += (c.contract.max_outcome_payment_gbp or 0.0) * (member.T @ share)
    return OutcomeByArea(count, tuple(frozenset(p) for p in providers), paid, cap)


def _with_outcomes(area: AreaMarket, outcome: OutcomeByArea | None, j: int) -> AreaMarket:
    if outcome is None:
        return area
    return replace(area, outcome_contracts=int(outcome.contracts[j]), outcome_providers=len(outcome.providers[j]),
                   outcome_paid_gbp=float(outcome.paid_gbp[j]),
                   outcome_max_gbp=float(outcome.max_gbp[j]))


def summarise(placed: PlacedRegistry) -> ContractSummary:
    """Totals of the registry, and of the part that could be placed."""
    where = [c for c in placed.contracts if c.footprint]
    return ContractSummary(
        source=placed.registry.source, attribution=placed.registry.attribution,
        contracts=len(placed.contracts), placed=len(where),
        paid_gbp=sum(c.contract.paid_gbp() for c in placed.contracts),
        paid_placed_gbp=sum(c.contract.paid_gbp() for c in where),
        max_gbp=sum(c.contract.max_outcome_payment_gbp or 0.0 for c in placed.contracts),
        max_placed_gbp=sum(c.contract.max_outcome_payment_gbp or 0.0 for c in where),
        providers=len({p.organisation.id or p.organisation.name for c in where for p in c.contract.providers}),
        review=len(placed.review))

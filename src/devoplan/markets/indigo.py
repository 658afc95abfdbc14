"""Read INDIGO's CSV export (GO Lab, University of Oxford) into a :class:`~devoplan.markets.registry.Registry`.

A folder holds one CSV per INDIGO table, named as GO Lab's export names them (any prefix/suffix, e.g.
``golab_indigo_impact_bond_projects_uk.csv``) with INDIGO's column headings: projects (required),
outcome payment commitments, outcome payments, service providers, delivery locations and, when
the export has it, outcome metrics. Every row of a component table must name a project in the
projects table. INDIGO's licence is not stated in the copy devoplan was built with, so devoplan
ships none of its data: point it at your own copy (docs/markets.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pandas as pd

from devoplan.errors import InputError
from devoplan.markets.registry import (
    PAYMENT_KINDS,
    Contract,
    Organisation,
    OutcomeMetric,
    OutcomePayer,
    OutcomePayment,
    Place,
    Provider,
    Registry,
    check_currency,
    check_date,
    check_money,
    check_period,
    read_registry_json,
)
from devoplan.validate import Cell, number, readable_file

ATTRIBUTION = ("Impact bond data: Government Outcomes Lab (GO Lab), Blavatnik School of Government, University "
               "of Oxford, INDIGO Impact Bond Dataset. Licence not stated in the copy used; not redistributed by "
               "devoplan.")
TABLES: dict[str, str] = {
    "projects": "impact_bond_projects",
    "payers": "outcome_payment_commitments",
    "payments": "outcome_payments",
    "providers": "service_providers",
    "places": "delivery_locations",
    "metrics": "outcome_metrics",
}
PROJECT_ID = "project_id"
T = TypeVar("T")


def looks_like_indigo(folder: Path) -> bool:
    """Whether ``folder`` holds an INDIGO projects table."""
    return folder.is_dir() and any(folder.glob(f"*{TABLES['projects']}*.csv"))


def read_indigo(folder: Path) -> Registry:
    """The registry from an INDIGO CSV export folder (see the module docstring), validated row by row."""
    folder = Path(folder)
    if not looks_like_indigo(folder):
        raise InputError(f"no INDIGO projects table (*{TABLES['projects']}*.csv) in this folder", file=folder)
    notes: list[str] = []
    projects = _Table.open(folder, "projects", notes, required=True)
    assert projects is not None
    known: set[str] = set()
    for r in projects.rows():
        pid = r.text(PROJECT_ID, required=True)
        if pid in known:
            raise r.at(PROJECT_ID).error(f"contract id '{pid}' appears twice")
        known.add(pid)
    parts = {key: _grouped(folder, key, known, notes)
             for key in ("payers", "payments", "providers", "places", "metrics")}
    contracts = tuple(_contract(r, parts) for r in projects.rows())
    return Registry(contracts, source=str(folder), attribution=ATTRIBUTION, notes=tuple(notes))


class _Row:
    """One CSV row with typed reads that name file, row and column on error."""

    def __init__(self, path: Path, row: int, values: dict[str, str], notes: list[str]) -> None:
        self.path, self.row, self.values, self.notes = path, row, values, notes

    def at(self, column: str) -> Cell:
        return Cell(self.path, self.row, column)

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "").strip()
        if required and not value:
            raise self.at(column).error("is empty")
        return value

    def money(self, amount: str, currency: str) -> float | None:
        value = check_money(self.text(amount), self.at(amount))
        if value is not None:
            check_currency(self.text(currency), self.at(currency))
        return value

    def date(self, column: str) -> str | None:
        return check_date(self.text(column)[:10], self.at(column))

    def period(self, start: str, end: str) -> tuple[str | None, str | None]:
        a, b = self.date(start), self.date(end)
        try:
            check_period(a, b, self.at(end))
        except InputError as exc:  # INDIGO's own inconsistency: kept as published, and said so
            self.notes.append(f"{exc}; kept as published")
        return a, b

    def coordinate(self, column: str, limit: float) -> float | None:
        text = self.text(column)
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise self.at(column).error(f"'{text}' is not a number") from None
        return number(value, self.at(column), lo=-limit, hi=limit)

    def organisation(self) -> Organisation:
        return Organisation(self.text("organisation_id"), self.text("Name") or self.text("organisation_id"),
                            self.text("organisation_type"))


class _Table:
    def __init__(self, path: Path, frame: pd.DataFrame, notes: list[str]) -> None:
        self.path, self.frame, self.notes = path, frame, notes

    @classmethod
    def open(cls, folder: Path, key: str, notes: list[str], *, required: bool = False) -> _Table | None:
        matches = sorted(folder.glob(f"*{TABLES[key]}*.csv"))
        if not matches:
            if required:
                raise InputError(f"no *{TABLES[key]}*.csv in this folder", file=folder)
            return None
        if len(matches) > 1:
            raise InputError(f"{len(matches)} files match *{TABLES[key]}*.csv ({', '.join(m.name for m in matches)}); "
                             "keep one", file=folder)
        path = readable_file(matches[0], what="INDIGO table")
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise InputError(f"cannot be read as CSV ({exc})", file=path) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        if PROJECT_ID not in frame.columns:
            raise InputError("expected column is missing", file=path, field=PROJECT_ID)
        return cls(path, frame, notes)

    def rows(self) -> Iterator[_Row]:
        for i, values in enumerate(self.frame.to_dict("records")):
            yield _Row(self.path, i + 2, values, self.notes)


def _grouped(folder: Path, key: str, known: set[str], notes: list[str]) -> dict[str, list[_Row]]:
    table = _Table.open(folder, key, notes)
    out: dict[str, list[_Row]] = defaultdict(list)
    if table is None:
        return out
    for r in table.rows():
        pid = r.text(PROJECT_ID, required=True)
        if pid not in known:
            raise r.at(PROJECT_ID).error(f"project '{pid}' is not in the projects table")
        out[pid].append(r)
    return out


def _each(rows: list[_Row], make: Callable[[_Row], T]) -> tuple[T, ...]:
    return tuple(make(r) for r in rows)


def _contract(r: _Row, parts: dict[str, dict[str, list[_Row]]]) -> Contract:
    pid = r.text(PROJECT_ID, required=True)
    start, end = r.period("Dates - Start date of service provision", "Dates - Actual end date of service provision")
    if end is None:
        end = r.date("Dates - Anticipated end date of service provision")
    target = r.text("Service and beneficiaries - Targeted number of unique service users or beneficiaries (total)")
    return Contract(
        id=pid, name=r.text("Impact Bond Name") or pid, stage=r.text("Stage of Development"),
        sector=r.text("Purpose and classifications - Policy sector"),
        signed=r.date("Dates - Date outcomes contract signed"), start=start, end=end,
        max_outcome_payment_gbp=r.money("Overall project finance - Maximum potential outcome payment - Amount",
                                        "Overall project finance - Maximum potential outcome payment - Currency"),
        target_users=check_money(target, r.at("Service and beneficiaries - Targeted number of unique service users "
                                              "or beneficiaries (total)")) if target else None,
        payers=_each(parts["payers"][pid], _payer),
        providers=_each(parts["providers"][pid], _provider),
        metrics=_each(parts["metrics"][pid], _metric),
        payments=_each(parts["payments"][pid], _payment),
        places=_each(parts["places"][pid], _place),
    )


def _payer(r: _Row) -> OutcomePayer:
    return OutcomePayer(r.organisation(),
                        r.money("Maximum potential Outcome payment - Amount",
                                "Maximum potential Outcome payment - Currency"),
                        r.money("Total outcome payments made - Amount", "Total outcome payments made - Currency"))


def _provider(r: _Row) -> Provider:
    start, end = r.period("Actual Service - Start", "Actual Service - End")
    planned = r.period("Planned Service - Start", "Planned Service - End")
    return Provider(r.organisation(), r.text("Intervention"), start or planned[0], end or planned[1])


def _metric(r: _Row) -> OutcomeMetric:
    return OutcomeMetric(r.text("Outcome Metric Id", required=True), r.text("Definition"),
                         r.money("Price - Amount", "Price - Currency"))


def _payment(r: _Row) -> OutcomePayment:
    kind = r.text("Type").lower() or "unknown"
    if kind not in PAYMENT_KINDS:
        raise r.at("Type").error(f"'{r.text('Type')}' is not Actual or Planned (or empty)")
    start, end = r.period("Period - Start", "Period - End")
    amount = r.money("Payments - Amount", "Payments - Currency")
    payers = tuple(p.strip() for p in r.text("Payer Organisation ID").split(",") if p.strip())
    return OutcomePayment(amount or 0.0, kind if amount is not None else "unknown", start, end,
                          r.text("Outcome Metric Id") or None, payers)


def _place(r: _Row) -> Place:
    return Place(r.text("Location - Name"), r.text("Location - Postcode"),
                 r.coordinate("Lat/Lng - Lat", 90.0), r.coordinate("Lat/Lng - Lng", 180.0))


def load_registry(path: Path) -> Registry:
    """A registry from an INDIGO CSV export folder (or any one of its tables) or devoplan's JSON document."""
    path = Path(path)
    if path.is_dir():
        return read_indigo(path)
    if path.suffix.lower() == ".json":
        return read_registry_json(path)
    if path.suffix.lower() == ".csv" and looks_like_indigo(path.parent):
        return read_indigo(path.parent)
    readable_file(path, what="contract registry")
    raise InputError("a contract registry is a folder of INDIGO CSV tables or a devoplan registry .json file",
                     file=path)

"""The contract registry: outcome contracts in a data model compatible with INDIGO (GO Lab, Oxford).

INDIGO describes an impact bond or outcomes contract as a *project* with components; the registry
keeps the components a commissioner needs to see its market (docs/markets.md, "The contract
registry"):

- :class:`Contract` (INDIGO ``project``): id, name, stage of development, policy sector, dates,
  the maximum potential outcome payment and the number of people it aims to serve;
- :class:`OutcomePayer` (``outcome_payment_commitments``): who pays for outcomes, and how much at most;
- :class:`Provider` (``service_provisions``): who delivers, with the intervention and service dates;
- :class:`OutcomeMetric` (``outcome_metrics``): what is paid for and the price per outcome;
- :class:`OutcomePayment` (``outcome_payments``): payments by period, actual or planned;
- :class:`Place` (``delivery_locations``): where, as free text (and postcode, latitude/longitude)
  and, optionally, the GSS codes of the districts or authorities it covers.

It is read from INDIGO's CSV export (:mod:`devoplan.markets.indigo`) or from devoplan's own JSON
document (:func:`read_registry_json`, written by :meth:`Registry.as_dict`). Money is in pounds; other
currencies are refused rather than converted. Every problem is one
:class:`~devoplan.errors.InputError` naming the file, row and field (or JSON key path).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from devoplan.errors import InputError
from devoplan.validate import MAX_POUNDS, Cell, number, parse_document, read_text

PAYMENT_KINDS: tuple[str, ...] = ("actual", "planned", "unknown")
_DATE = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class Organisation:
    """An organisation as INDIGO identifies it (``INDIGO-ORG-…``) with its name and type."""

    id: str
    name: str
    type: str = ""


@dataclass(frozen=True)
class OutcomePayer:
    """An outcome payment commitment: the payer and the most it may pay (None = not recorded)."""

    organisation: Organisation
    max_payment_gbp: float | None = None
    paid_gbp: float | None = None


@dataclass(frozen=True)
class Provider:
    """A service provision: who delivers, what, and when (ISO dates, possibly year-month only)."""

    organisation: Organisation
    intervention: str = ""
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class OutcomeMetric:
    """An outcome the contract pays for and its price per outcome (None = not recorded)."""

    id: str
    definition: str = ""
    price_gbp: float | None = None


@dataclass(frozen=True)
class OutcomePayment:
    """One payment for outcomes over a period: ``kind`` is actual, planned or unknown."""

    amount_gbp: float
    kind: str
    start: str | None = None
    end: str | None = None
    metric_id: str | None = None
    payer_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """A delivery location: INDIGO's free text, postcode and point, and optional area codes.

    ``codes`` (GSS codes of districts, upper-tier authorities, combined authorities or regions) place
    the contract exactly; without them the name is matched (:mod:`devoplan.markets.places`).
    """

    name: str
    postcode: str = ""
    lat: float | None = None
    lng: float | None = None
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contract:
    """An outcome contract (INDIGO project) and its components."""

    id: str
    name: str
    stage: str = ""
    sector: str = ""
    signed: str | None = None
    start: str | None = None
    end: str | None = None
    max_outcome_payment_gbp: float | None = None
    target_users: float | None = None
    payers: tuple[OutcomePayer, ...] = ()
    providers: tuple[Provider, ...] = ()
    metrics: tuple[OutcomeMetric, ...] = ()
    payments: tuple[OutcomePayment, ...] = ()
    places: tuple[Place, ...] = ()

    def paid_gbp(self, kind: str = "actual") -> float:
        """Outcome payments of ``kind`` recorded for this contract, in pounds."""
        return float(sum(p.amount_gbp for p in self.payments if p.kind == kind))


@dataclass(frozen=True)
class Registry:
    """The contracts, where they came from (file and attribution) and how they are licensed."""

    contracts: tuple[Contract, ...]
    source: str
    attribution: str = ""
    notes: tuple[str, ...] = ()  # data-quality findings kept as published (e.g. INDIGO dates out of order)

    def contract(self, contract_id: str) -> Contract:
        for c in self.contracts:
            if c.id == contract_id:
                return c
        raise KeyError(contract_id)

    def as_dict(self) -> dict[str, Any]:
        """The registry as devoplan's JSON document (read back by :func:`read_registry_json`)."""
        return {"registry": {"source": self.source, "attribution": self.attribution, "notes": list(self.notes),
                             "contracts": [asdict(c) for c in self.contracts]}}


# -- checks shared by both readers -----------------------------------------------------------------------
def check_date(value: str, where: Cell) -> str | None:
    """An ISO date ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (empty -> None), else an InputError."""
    text = value.strip()
    if not text:
        return None
    if not _DATE.match(text):
        raise where.error(f"'{text}' is not a date like 2019-04 or 2019-04-01")
    return text


def check_period(start: str | None, end: str | None, where: Cell) -> None:
    """An end that comes before its start (compared on the precision both give) is refused."""
    if start and end:
        n = min(len(start), len(end))
        if end[:n] < start[:n]:
            raise where.error(f"ends ({end}) before it starts ({start})")


def check_money(value: object, where: Cell, *, optional: bool = True) -> float | None:
    """Pounds: a finite number from 0 to ``MAX_POUNDS`` (an empty cell is None when optional)."""
    if optional and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            raise where.error(f"'{text}' is not an amount in pounds") from None
    return number(value, where, lo=0.0, hi=MAX_POUNDS)


def check_currency(value: str, where: Cell) -> None:
    """Amounts must be in pounds (an empty currency is taken as GBP): others are refused, not converted."""
    code = value.strip().upper()
    if code not in ("", "GBP"):
        raise where.error(f"amounts in {code} are not supported; the registry holds pounds (GBP)")


def check_unique_ids(contracts: Sequence[Contract], where: Cell) -> None:
    seen: set[str] = set()
    for c in contracts:
        if c.id in seen:
            raise where.error(f"contract id '{c.id}' appears twice")
        seen.add(c.id)


# -- devoplan's JSON document ----------------------------------------------------------------------------
def read_registry_json(path: Path) -> Registry:
    """A registry from devoplan's JSON document (``{"registry": {"contracts": [...]}}``), validated."""
    where = Cell(path)
    doc = parse_document(read_text(path, what="contract registry"), _loads(path), where)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("registry"), Mapping):
        raise InputError("expected a JSON object with a 'registry' object", file=path)
    reg = doc["registry"]
    raw = reg.get("contracts")
    if not isinstance(raw, list):
        raise InputError("must be a list of contracts", file=path, field="registry.contracts")
    contracts = tuple(_contract(c, _Json(path, f"registry.contracts[{i}]")) for i, c in enumerate(raw))
    check_unique_ids(contracts, Cell(path, field="registry.contracts"))
    return Registry(contracts, source=str(reg.get("source") or path), attribution=str(reg.get("attribution") or ""))


def _loads(path: Path) -> Any:
    def parse(text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                             file=path, row=exc.lineno) from None
    return parse


@dataclass(frozen=True)
class _Json:
    """A JSON object at a key path; typed reads name the path on error."""

    file: Path
    path: str

    def at(self, key: str) -> Cell:
        return Cell(self.file, field=f"{self.path}.{key}")

    def obj(self, value: object) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise InputError("must be an object", file=self.file, field=self.path)
        return value

    def text(self, doc: Mapping[str, Any], key: str, *, required: bool = False) -> str:
        value = doc.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise self.at(key).error(f"must be text, not {value!r}")
        if required and not value.strip():
            raise self.at(key).error("is missing or empty")
        return value.strip()

    def money(self, doc: Mapping[str, Any], key: str) -> float | None:
        return check_money(doc.get(key), self.at(key))

    def date(self, doc: Mapping[str, Any], key: str) -> str | None:
        return check_date(self.text(doc, key), self.at(key))

    def items(self, doc: Mapping[str, Any], key: str) -> list[tuple[_Json, Mapping[str, Any]]]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            raise self.at(key).error("must be a list")
        out = []
        for i, item in enumerate(value):
            sub = _Json(self.file, f"{self.path}.{key}[{i}]")
            out.append((sub, sub.obj(item)))
        return out


def _organisation(j: _Json, doc: Mapping[str, Any]) -> Organisation:
    sub = _Json(j.file, f"{j.path}.organisation")
    org = sub.obj(doc.get("organisation"))
    return Organisation(id=sub.text(org, "id"), name=sub.text(org, "name", required=True), type=sub.text(org, "type"))


def _contract(raw: object, j: _Json) -> Contract:
    doc = j.obj(raw)
    start, end = j.date(doc, "start"), j.date(doc, "end")
    check_period(start, end, j.at("end"))
    target = doc.get("target_users")
    return Contract(
        id=j.text(doc, "id", required=True), name=j.text(doc, "name", required=True),
        stage=j.text(doc, "stage"), sector=j.text(doc, "sector"), signed=j.date(doc, "signed"), start=start, end=end,
        max_outcome_payment_gbp=j.money(doc, "max_outcome_payment_gbp"),
        target_users=None if target is None else number(target, j.at("target_users"), lo=0.0),
        payers=tuple(OutcomePayer(_organisation(s, d), s.money(d, "max_payment_gbp"), s.money(d, "paid_gbp"))
                     for s, d in j.items(doc, "payers")),
        providers=tuple(_provider(s, d) for s, d in j.items(doc, "providers")),
        metrics=tuple(OutcomeMetric(s.text(d, "id", required=True), s.text(d, "definition"), s.money(d, "price_gbp"))
                      for s, d in j.items(doc, "metrics")),
        payments=tuple(_payment(s, d) for s, d in j.items(doc, "payments")),
        places=tuple(_place(s, d) for s, d in j.items(doc, "places")),
    )


def _provider(j: _Json, doc: Mapping[str, Any]) -> Provider:
    start, end = j.date(doc, "start"), j.date(doc, "end")
    check_period(start, end, j.at("end"))
    return Provider(_organisation(j, doc), j.text(doc, "intervention"), start, end)


def _payment(j: _Json, doc: Mapping[str, Any]) -> OutcomePayment:
    kind = j.text(doc, "kind") or "unknown"
    if kind not in PAYMENT_KINDS:
        raise j.at("kind").error(f"unknown kind '{kind}'; allowed: {', '.join(PAYMENT_KINDS)}")
    amount = check_money(doc.get("amount_gbp"), j.at("amount_gbp"), optional=False)
    start, end = j.date(doc, "start"), j.date(doc, "end")
    check_period(start, end, j.at("end"))
    payers = doc.get("payer_ids", [])
    if not isinstance(payers, list) or not all(isinstance(p, str) for p in payers):
        raise j.at("payer_ids").error("must be a list of organisation ids")
    return OutcomePayment(float(amount or 0.0), kind, start, end, j.text(doc, "metric_id") or None, tuple(payers))


def _place(j: _Json, doc: Mapping[str, Any]) -> Place:
    codes = doc.get("codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise j.at("codes").error("must be a list of GSS codes")
    lat, lng = doc.get("lat"), doc.get("lng")
    return Place(name=j.text(doc, "name"), postcode=j.text(doc, "postcode"),
                 lat=None if lat is None else number(lat, j.at("lat"), lo=-90, hi=90),
                 lng=None if lng is None else number(lng, j.at("lng"), lo=-180, hi=180),
                 codes=tuple(c.strip() for c in codes))

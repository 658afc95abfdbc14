"""The placed registry as a JSON document, and back: what ``devoplan contracts --json`` prints and the
report reads (``devoplan report --metrics contracts.json``).

It keeps, per contract, what market health needs (id, name, stage, sector, dates, outcome payments
actually made, the maximum potential outcome payment, and the footprint: district code -> share of its
residents covered), the review list and the registry's attribution. The documents are checked when
read back: an unknown district or a malformed amount is one error naming the file and key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.markets.places import PlacedContract, PlacedRegistry, Placement
from devoplan.markets.registry import Contract, OutcomePayment, Registry, check_money
from devoplan.validate import Cell, number


def contracts_document(placed: PlacedRegistry) -> dict[str, Any]:
    """``{"contracts": {...}}``: the registry's source, attribution and notes, each contract, the review list."""
    reg = placed.registry
    return {"contracts": {
        "source": reg.source, "attribution": reg.attribution, "notes": list(reg.notes),
        "contracts": [{"id": c.contract.id, "name": c.contract.name, "stage": c.contract.stage,
                       "sector": c.contract.sector, "start": c.contract.start, "end": c.contract.end,
                       "paid_gbp": c.contract.paid_gbp(), "max_outcome_payment_gbp": c.contract.max_outcome_payment_gbp,
                       "footprint": dict(sorted(c.footprint.items())),
                       "places": [asdict(p) for p in c.placements]} for c in placed.contracts],
        "review": [asdict(r) for r in placed.review],
    }}


def placed_from_document(doc: Mapping[str, Any], geography: Geography, file: str | Path | None) -> PlacedRegistry:
    """The placed registry from :func:`contracts_document`'s ``contracts`` part, checked against ``geography``."""
    where = Cell(file, field="contracts")
    if not isinstance(doc, Mapping) or not isinstance(doc.get("contracts"), list):
        raise where.error("must be an object with a 'contracts' list (the placed registry devoplan contracts "
                          "prints as JSON)")
    out = []
    for i, raw in enumerate(doc["contracts"]):
        path = f"contracts.contracts[{i}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            raise InputError("must be an object with an id", file=file, field=path)
        foot = raw.get("footprint", {})
        if not isinstance(foot, Mapping):
            raise InputError("must be an object of district code -> share", file=file, field=f"{path}.footprint")
        checked = {}
        for unit, w in foot.items():
            if unit not in geography.units.index:
                raise InputError(f"unknown district '{unit}' (not in {geography.name})", file=file,
                                 field=f"{path}.footprint")
            checked[unit] = number(w, Cell(file, field=f"{path}.footprint.{unit}"), lo=0.0, hi=1.0)
        paid = check_money(raw.get("paid_gbp"), Cell(file, field=f"{path}.paid_gbp")) or 0.0
        contract = Contract(id=raw["id"], name=str(raw.get("name") or raw["id"]), stage=str(raw.get("stage") or ""),
                            sector=str(raw.get("sector") or ""), start=raw.get("start"), end=raw.get("end"),
                            max_outcome_payment_gbp=check_money(raw.get("max_outcome_payment_gbp"),
                                                                Cell(file, field=f"{path}.max_outcome_payment_gbp")),
                            payments=(OutcomePayment(paid, "actual"),) if paid else ())
        out.append(PlacedContract(contract, checked, ()))
    review = tuple(Placement(**{**r, "matched": tuple(r.get("matched", ())), "units": tuple(r.get("units", ()))})
                   for r in doc.get("review", []) if isinstance(r, Mapping) and _is_placement(r))
    registry = Registry(tuple(c.contract for c in out), source=str(doc.get("source") or file),
                        attribution=str(doc.get("attribution") or ""), notes=tuple(map(str, doc.get("notes", []))))
    return PlacedRegistry(registry, tuple(out), review)


def _is_placement(raw: Mapping[str, Any]) -> bool:
    return set(raw) <= {"contract_id", "place", "status", "matched", "units", "unrecognised", "note"} and all(
        isinstance(raw.get(k), str) for k in ("contract_id", "place", "status"))

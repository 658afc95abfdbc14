"""Governance readiness: could an existing body be each area's single commissioning body?

For every designed area, in this order:

* ``existing_combined_authority`` — the area is exactly the footprint of a combined authority
  (CAUTH layer); ``mayor`` says whether it has a directly elected mayor (table below);
* ``extend_combined_authority`` — the area holds a whole combined authority plus other districts;
* ``merge_combined_authorities`` — the area holds two or more whole combined authorities (and maybe
  other districts); ``mayor`` is true when all of them are mayoral;
* ``single_unitary`` — the area is exactly one single-tier authority (a unitary, metropolitan
  district or London borough: UTLA codes E06/E08/E09);
* ``single_county`` — the area is exactly one two-tier county (UTLA code E10): one upper-tier council,
  but its districts would also have to be party to any arrangement;
* ``new_combined_authority`` — anything else: a new combined authority would be needed.

Mayors: all eleven combined authorities of the ONS May 2024 lookup are mayoral. Source: GOV.UK,
"English devolution: area factsheets" (MHCLG, published 10 July 2025), which lists each of them as a
Mayoral Strategic Authority with an elected mayor; the North East, East Midlands and York and North
Yorkshire mayors were first elected on 2 May 2024 (Institute for Government, "Local elections 2024"
explainers). Codes not in the table (e.g. authorities created after May 2024) are reported with
``mayor = None`` (unknown) rather than guessed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from devoplan.design.naming import clean_name
from devoplan.geography.model import Geography, Layer
from devoplan.plan import Plan

MAYORAL_CAUTH_2024: dict[str, str] = {
    "E47000001": "Greater Manchester",
    "E47000002": "South Yorkshire",
    "E47000003": "West Yorkshire",
    "E47000004": "Liverpool City Region",
    "E47000006": "Tees Valley",
    "E47000007": "West Midlands",
    "E47000008": "Cambridgeshire and Peterborough",
    "E47000009": "West of England",
    "E47000012": "York and North Yorkshire",
    "E47000013": "East Midlands",
    "E47000014": "North East",
}
MAYOR_SOURCE = (
    "GOV.UK 'English devolution: area factsheets' (10 July 2025): all 11 combined authorities of May 2024 "
    "are mayoral"
)
SINGLE_TIER_PREFIXES: tuple[str, ...] = ("E06", "E08", "E09")
COUNTY_PREFIX = "E10"


@dataclass(frozen=True)
class AreaGovernance:
    area_code: str
    status: str
    body: str | None
    body_code: str | None
    mayor: bool | None
    note: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def governance(geography: Geography, plan: Plan) -> list[AreaGovernance]:
    """Readiness of every area of ``plan`` (see the module docstring for the rules)."""
    ca = _find(geography, "CAUTH25") or _find(geography, "CAUTH")
    utla = _find(geography, "UTLA")
    ca_sets = _area_sets(ca) if ca is not None else []
    utla_sets = _area_sets(utla) if utla is not None else []
    out = []
    for a, code in enumerate(plan.area_codes):
        units = frozenset(int(u) for u in np.flatnonzero(plan.assignment == a))
        out.append(_one(code, units, ca, ca_sets, utla, utla_sets))
    return out


def _one(
    code: str,
    units: frozenset[int],
    ca: Layer | None,
    ca_sets: list[frozenset[int]],
    utla: Layer | None,
    utla_sets: list[frozenset[int]],
) -> AreaGovernance:
    if ca is not None:
        inside = [b for b, members in enumerate(ca_sets) if members and members <= units]
        if len(inside) == 1 and ca_sets[inside[0]] == units:
            b = inside[0]
            mayor = True if ca.area_codes[b] in MAYORAL_CAUTH_2024 else None
            note = "mayoral combined authority" if mayor else "combined authority (mayor: unknown)"
            return AreaGovernance(code, "existing_combined_authority", clean_name(ca.area_names[b]),
                                  ca.area_codes[b], mayor, note)
        if inside:
            names = " + ".join(clean_name(ca.area_names[b]) for b in inside)
            codes = "+".join(ca.area_codes[b] for b in inside)
            mayor = True if all(ca.area_codes[b] in MAYORAL_CAUTH_2024 for b in inside) else None
            rest = len(units) - sum(len(ca_sets[b]) for b in inside)
            status = "merge_combined_authorities" if len(inside) > 1 else "extend_combined_authority"
            note = f"holds all of {names}" + (f" plus {rest} other district(s)" if rest else "")
            return AreaGovernance(code, status, names, codes, mayor, note)
    if utla is not None:
        for b, members in enumerate(utla_sets):
            if members == units:
                ucode = utla.area_codes[b]
                name = clean_name(utla.area_names[b])
                if ucode.startswith(SINGLE_TIER_PREFIXES):
                    return AreaGovernance(code, "single_unitary", name, ucode, None, "one single-tier council")
                if ucode.startswith(COUNTY_PREFIX):
                    return AreaGovernance(
                        code, "single_county", name, ucode, None, "one county council; its districts are two-tier"
                    )
    return AreaGovernance(code, "new_combined_authority", None, None, None, "no existing body has this footprint")


def _find(geography: Geography, key: str) -> Layer | None:
    for k, layer in geography.layers.items():
        if k.lower() == key.lower():
            return layer
    return None


def _area_sets(layer: Layer) -> list[frozenset[int]]:
    csc = layer.membership.tocsc()
    return [
        frozenset(int(u) for u in csc.indices[csc.indptr[b] : csc.indptr[b + 1]]) for b in range(layer.n_areas)
    ]

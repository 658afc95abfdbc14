"""Who could be each area's single commissioning body, its White Paper tier today and the tier it could reach.

For every area of a plan, in this order (``units`` = the area's districts):

* ``existing_combined_authority`` / ``existing_gla`` — the area is exactly the footprint of a combined
  authority (the ``CAUTH25`` layer, falling back to older vintages) or of Greater London (``GLA``);
* ``within_strategic_authority`` — the area lies inside one combined authority or London without being
  all of it (e.g. one of several London areas): a sub-regional body under that authority;
* ``extend_combined_authority`` — the area holds one whole strategic authority plus other districts;
* ``merge_combined_authorities`` — the area holds two or more whole strategic authorities;
* ``single_unitary`` — exactly one single-tier council (UTLA code E06/E08/E09);
* ``single_county`` — exactly one two-tier county (UTLA code E10); its districts would also be party;
* ``new_combined_authority`` — anything else: a new combined authority would be needed.

``mayor`` is read from the sourced table in ``data/bodies.toml`` (None for a code the table does not
know: unknown, never guessed). Tiers follow the English Devolution White Paper (December 2024):
``foundation``, ``mayoral``, ``established_mayoral`` (an integrated settlement); ``none`` for an area
with no strategic authority. The leadership model is ``mayor`` where the body (or every body merged)
has one, or where ``adopt_mayor`` is set; otherwise ``council_leader`` — the policy's fallback where
mayors are rejected. The tier an area could reach is ``established_mayoral`` under a mayor, and
``foundation`` under a council leader (the White Paper ties the mayoral tiers, and so integrated
settlements, to a directly elected mayor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from devoplan.design.naming import clean_name
from devoplan.geography.model import Geography
from devoplan.governance.facts import TIERS, BodyFacts, BodyTable, Tier, body_table
from devoplan.governance.layers import CA_KEYS, GLA_KEYS, UTLA_KEYS, Footprints, find_layer, plan_units
from devoplan.plan import Plan

Leadership = Literal["mayor", "council_leader"]
SINGLE_TIER_PREFIXES: tuple[str, ...] = ("E06", "E08", "E09")
COUNTY_PREFIX = "E10"
# How a count of areas with each status reads in a sentence ("4 could be run by an existing combined authority").
STATUS_WORDS: dict[str, str] = {
    "existing_combined_authority": "could be run by an existing combined authority",
    "existing_gla": "could be run by the Greater London Authority",
    "within_strategic_authority": "lie within a strategic authority",
    "extend_combined_authority": "would extend an existing combined authority",
    "merge_combined_authorities": "would merge combined authorities",
    "new_combined_authority": "need a new combined authority",
    "single_unitary": "are a single unitary council",
    "single_county": "are a single county",
}


@dataclass(frozen=True)
class AreaGovernance:
    """The candidate single commissioning body of one plan area and what it is today."""

    area_code: str
    status: str
    body: str | None
    body_code: str | None
    mayor: bool | None
    note: str
    tier_today: Tier = "none"
    tier_reachable: Tier = "foundation"
    leadership: Leadership = "council_leader"
    established: int | None = None
    mayor_holds: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["mayor_holds"] = list(self.mayor_holds)
        return out


@dataclass(frozen=True, eq=False)
class _Strategic:
    """One strategic authority on the map: its footprint and its row in the facts table (if any)."""

    code: str
    name: str
    units: frozenset[int]
    facts: BodyFacts | None


def governance(geography: Geography, plan: Plan, *, ca_keys: str | Sequence[str] = CA_KEYS,
               gla_keys: str | Sequence[str] = GLA_KEYS, utla_keys: str | Sequence[str] = UTLA_KEYS,
               adopt_mayor: bool = False, table: BodyTable | None = None) -> list[AreaGovernance]:
    """The candidate body of every area of ``plan`` (see the module docstring for the rules)."""
    facts = table if table is not None else body_table()
    strategic = _strategic(geography, ca_keys, gla_keys, facts)
    utla = find_layer(geography, utla_keys)
    utla_sets = Footprints.of(utla) if utla is not None else None
    out = []
    for code, units in zip(plan.area_codes, plan_units(plan), strict=True):
        g = _by_strategic(code, units, strategic) or _by_council(code, units, utla_sets) or AreaGovernance(
            code, "new_combined_authority", None, None, None, "no existing body has this footprint")
        out.append(_with_leadership(g, adopt_mayor))
    return out


def _strategic(geography: Geography, ca_keys: str | Sequence[str], gla_keys: str | Sequence[str],
               table: BodyTable) -> list[_Strategic]:
    out = []
    for keys, gla in ((ca_keys, False), (gla_keys, True)):
        layer = find_layer(geography, keys)
        if layer is None:
            continue
        for b, members in enumerate(Footprints.of(layer).units):
            if members:
                code = layer.area_codes[b]
                out.append(_Strategic(code, clean_name(layer.area_names[b]), members, table.get(code, gla=gla)))
    return out


def _by_strategic(code: str, units: frozenset[int], bodies: list[_Strategic]) -> AreaGovernance | None:
    inside = [b for b in bodies if b.units <= units]
    if len(inside) == 1 and inside[0].units == units:
        b = inside[0]
        status = "existing_gla" if b.facts is not None and b.facts.kind == "gla" else "existing_combined_authority"
        return _from_body(code, status, b, "the area is exactly this authority's footprint")
    if inside:
        names = " + ".join(b.name for b in inside)
        rest = len(units) - sum(len(b.units) for b in inside)
        status = "merge_combined_authorities" if len(inside) > 1 else "extend_combined_authority"
        note = f"holds all of {names}" + (f" plus {rest} other district(s)" if rest else "")
        known = [b.facts for b in inside]
        mayor = None if any(f is None for f in known) else all(f.mayor for f in known if f is not None)
        tiers = [TIERS.index(f.tier) for f in known if f is not None]
        return AreaGovernance(code, status, names, "+".join(b.code for b in inside), mayor, note,
                              tier_today=TIERS[min(tiers)] if tiers and len(tiers) == len(known) else "none")
    parent = next((b for b in bodies if units < b.units), None)
    if parent is not None:
        share = f"{len(units)} of its {len(parent.units)} districts"
        return _from_body(code, "within_strategic_authority", parent, f"a sub-region of {parent.name} ({share})")
    return None


def _from_body(code: str, status: str, b: _Strategic, note: str) -> AreaGovernance:
    f = b.facts
    if f is None:
        return AreaGovernance(code, status, b.name, b.code, None, note + "; not in devoplan's table of bodies "
                              "(mayor and tier unknown)")
    return AreaGovernance(code, status, b.name, b.code, f.mayor, note, tier_today=f.tier,
                          established=f.established, mayor_holds=f.mayor_holds)


def _by_council(code: str, units: frozenset[int], utla: Footprints | None) -> AreaGovernance | None:
    if utla is None:
        return None
    for b, members in enumerate(utla.units):
        if members != units:
            continue
        ucode, name = utla.layer.area_codes[b], clean_name(utla.layer.area_names[b])
        if ucode.startswith(SINGLE_TIER_PREFIXES):
            return AreaGovernance(code, "single_unitary", name, ucode, None, "one single-tier council")
        if ucode.startswith(COUNTY_PREFIX):
            return AreaGovernance(code, "single_county", name, ucode, None,
                                  "one county council; its districts are two-tier")
    return None


def _with_leadership(g: AreaGovernance, adopt_mayor: bool) -> AreaGovernance:
    leadership: Leadership = "mayor" if g.mayor or adopt_mayor else "council_leader"
    reach: Tier = "established_mayoral" if leadership == "mayor" else "foundation"
    if TIERS.index(g.tier_today) > TIERS.index(reach):
        reach = g.tier_today
    return AreaGovernance(g.area_code, g.status, g.body, g.body_code, g.mayor, g.note, g.tier_today, reach,
                          leadership, g.established, g.mayor_holds)

"""Plausibility checks: what someone who knows English local government looks for first in a plan.

None of these is a constraint of the optimiser (some are, by default: combined authorities kept
whole, London not crossed); they are read off the finished plan, printed with it and stored in
``metrics.json`` so that a plan nobody would propose is visible at a glance:

* ``combined_authorities_split``: combined authorities (``CAUTH25``, or a custom ``CAUTH``) whose
  districts sit in more than one area;
* ``areas_crossing_london``: areas holding both Greater London (``GLA``) and other districts;
* ``police_force_areas_split`` / ``areas_crossing_police``: police force areas (``PFA``) divided
  between areas, and areas that take in parts of several forces without holding them whole;
* ``areas_below`` / ``areas_above``: areas under 1.5 million or over 3 million residents (the
  December 2024 English Devolution White Paper's strategic-authority size, and about twice it);
* ``named_after_minority``: areas whose name names places holding less than half of the residents.

A check that needs a layer the geography lacks is reported as not run, never as passed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from devoplan.design.naming import clean_name
from devoplan.geography.model import Geography, Layer
from devoplan.plan import Plan

SMALL, LARGE = 1_500_000, 3_000_000
CA_LAYERS: tuple[str, ...] = ("CAUTH25", "CAUTH")
LONDON, POLICE = "GLA", "PFA"
NAMED_MAJORITY = 0.5
_JOINERS = re.compile(r"\s+\+\s+|,\s+|\s+and\s+")


@dataclass(frozen=True)
class Check:
    """One plausibility check: what it found (``items``, human-readable), or why it could not run."""

    key: str
    label: str
    items: tuple[str, ...] = ()
    ran: bool = True
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.ran and not self.items

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "ran": self.ran, "ok": self.ok, "count": len(self.items),
                "items": list(self.items), "note": self.note}

    def message(self, shown: int = 6) -> str:
        """'none', the count and the first ``shown`` findings, or why the check did not run."""
        if not self.ran:
            return f"not checked ({self.note})"
        if not self.items:
            return "none"
        more = f"; and {len(self.items) - shown} more" if len(self.items) > shown else ""
        return f"{len(self.items)} ({'; '.join(self.items[:shown])}{more})"


@dataclass(frozen=True)
class Plausibility:
    """Every check, in a fixed order."""

    checks: tuple[Check, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        return {c.key: c.to_dict() for c in self.checks}

    def lines(self) -> list[str]:
        """One line per check: 'none', the findings, or why it did not run."""
        return [f"  - {c.label}: {c.message()}" for c in self.checks]

    def as_checks(self) -> list[dict[str, object]]:
        """``[{"name", "ok", "message", "key"}]`` per check, the shape the web workspace's what-if shows; a
        check that could not run is not ok."""
        return [{"name": c.label, "ok": c.ok, "message": c.message(), "key": c.key} for c in self.checks]


def plausibility(geography: Geography, plan: Plan) -> Plausibility:
    """Run every check on ``plan`` (named areas, from ``design`` or a plan file)."""
    pops = np.bincount(plan.assignment, weights=geography.units.population, minlength=plan.n_areas)
    return Plausibility((
        _ca_split(geography, plan),
        _london(geography, plan),
        *_police(geography, plan),
        Check("areas_below", f"areas under {SMALL / 1e6:.1f}m residents",
              _sized(plan, pops, lambda p: p < SMALL)),
        Check("areas_above", f"areas over {LARGE / 1e6:.0f}m residents",
              _sized(plan, pops, lambda p: p > LARGE)),
        _minority_names(geography, plan, pops),
    ))


def plausibility_checks(geography: Geography, plan: Plan) -> list[dict[str, object]]:
    """Every plausibility check of ``plan`` as ``[{"name", "ok", "message", "key"}]`` (a few ms on
    England: for a what-if preview of the plan after some moves)."""
    return plausibility(geography, plan).as_checks()


def _layer(geography: Geography, keys: Sequence[str]) -> Layer | None:
    present = {k.upper(): k for k in geography.layers}
    for key in keys:
        if key.upper() in present:
            return geography.layer(present[key.upper()])
    return None


def _parts(layer: Layer, plan: Plan) -> list[tuple[int, np.ndarray]]:
    """Per layer area, the plan areas its member districts fall in."""
    member = layer.membership.tocsc()
    out = []
    for b in range(layer.n_areas):
        units = member.indices[member.indptr[b] : member.indptr[b + 1]]
        out.append((b, np.unique(plan.assignment[units])))
    return out


def _ca_split(geography: Geography, plan: Plan) -> Check:
    label = "combined authorities split"
    ca = _layer(geography, CA_LAYERS)
    if ca is None:
        return Check("combined_authorities_split", label, ran=False, note="no CAUTH25 or CAUTH layer")
    items = tuple(f"{clean_name(ca.area_names[b])} across {len(areas)} areas"
                  for b, areas in _parts(ca, plan) if len(areas) > 1)
    return Check("combined_authorities_split", label, items)


def _london(geography: Geography, plan: Plan) -> Check:
    label = "areas crossing the Greater London boundary"
    gla = _layer(geography, (LONDON,))
    if gla is None:
        return Check("areas_crossing_london", label, ran=False, note="no GLA layer")
    inside = np.asarray(gla.membership.sum(axis=1)).ravel() > 0
    items = []
    for a, name in enumerate(plan.area_names):
        members = plan.assignment == a
        if inside[members].any() and not inside[members].all():
            items.append(f"{name} ({int(inside[members].sum())} London and {int((~inside[members]).sum())} other "
                         "districts)")
    return Check("areas_crossing_london", label, tuple(items))


def _police(geography: Geography, plan: Plan) -> tuple[Check, Check]:
    split_label, cross_label = "police force areas split", "areas crossing police force boundaries"
    pfa = _layer(geography, (POLICE,))
    if pfa is None:
        return (Check("police_force_areas_split", split_label, ran=False, note="no PFA layer"),
                Check("areas_crossing_police", cross_label, ran=False, note="no PFA layer"))
    parts = _parts(pfa, plan)
    split = tuple(f"{pfa.area_names[b]} across {len(areas)} areas" for b, areas in parts if len(areas) > 1)
    main = pfa.main_area
    crossing = []
    for a, name in enumerate(plan.area_names):
        forces = np.unique(main[plan.assignment == a])
        partial = [f for f in forces if len(parts[int(f)][1]) > 1]
        if len(forces) > 1 and partial:
            crossing.append(f"{name} (parts of {', '.join(pfa.area_names[int(f)] for f in partial)})")
    return Check("police_force_areas_split", split_label, split), Check("areas_crossing_police", cross_label,
                                                                        tuple(crossing))


def _sized(plan: Plan, pops: np.ndarray, test: object) -> tuple[str, ...]:
    assert callable(test)
    return tuple(f"{name} {int(p):,}" for name, p in zip(plan.area_names, pops, strict=True) if test(p))


def _minority_names(geography: Geography, plan: Plan, pops: np.ndarray) -> Check:
    """Areas whose name's places hold less than half of their residents (names not recognised are listed)."""
    places = _places(geography)
    pop = geography.units.population
    items = []
    for a, name in enumerate(plan.area_names):
        members = np.flatnonzero(plan.assignment == a)
        share = named_share(name, members, pop, places)
        if share is None:
            continue
        if share < NAMED_MAJORITY:
            items.append(f"{name}: {share:.0%} of its {int(pops[a]):,} residents")
    return Check("named_after_minority", "areas named after a minority of their residents", tuple(items),
                 note="a name's places are matched to districts, upper-tier authorities, combined authorities, "
                      "ICBs and regions; names that match none are not judged")


@lru_cache(maxsize=4)
def _places(geography: Geography) -> dict[str, tuple[np.ndarray, ...]]:
    """Cleaned place name (lower case) -> the member units of every district or layer area so named
    ('Dorset' is a district and an ICB holding Bournemouth, Christchurch and Poole too); built once
    per geography."""
    out: dict[str, list[np.ndarray]] = {}
    for u, name in enumerate(geography.units.names):
        out.setdefault(name.lower(), []).append(np.array([u]))
    for key in ("UTLA", *CA_LAYERS, LONDON, "ICB26", "ICB", "LSIP", "REGION"):
        layer = _layer(geography, (key,))
        if layer is None:
            continue
        member = layer.membership.tocsc()
        for b in range(layer.n_areas):
            units = member.indices[member.indptr[b] : member.indptr[b + 1]]
            out.setdefault(clean_name(layer.area_names[b]).lower(), []).append(units)
    return {k: tuple(v) for k, v in out.items()}


def named_share(name: str, members: np.ndarray, pop: np.ndarray,
                places: Mapping[str, Sequence[np.ndarray]]) -> float | None:
    """Share of an area's residents living in the places its name names; None if the name is not recognised.

    The whole name is tried first ('Hull and East Yorkshire' is one body), then its parts joined by
    'and', ',' or '+'; a trailing qualifier in brackets (added to tell two areas apart) is ignored, and so
    is 'and ...' / 'and others', which says that the name is not the whole story. A place name that
    names several things (a district and an ICB) is read in the way that covers most of the area."""
    text = re.sub(r"\s*\(.*\)\s*$", "", name).strip()
    if re.search(r"\b(and|\+)\s*(\.\.\.|…|others?|more)$", text):
        return None

    def best(key: str) -> np.ndarray | None:
        cands = places.get(key)
        if not cands:
            return None
        return max(cands, key=lambda units: float(pop[np.intersect1d(units, members)].sum()))

    found = _match(text.lower(), best)
    if found is None:
        return None
    total = float(pop[members].sum()) or 1.0
    inside = np.isin(members, found)
    return float(pop[members[inside]].sum()) / total


def _match(text: str, place: Callable[[str], np.ndarray | None]) -> np.ndarray | None:
    found = place(text)
    if found is not None:
        return found
    parts = [p for p in _JOINERS.split(text) if p]
    if len(parts) < 2:
        return None
    units = []
    i = 0
    while i < len(parts):  # longest run of parts that is a place ('east riding of yorkshire', 'hull and east ...')
        for j in range(len(parts), i, -1):
            hit = place(" and ".join(parts[i:j]))
            if hit is not None:
                units.append(hit)
                i = j
                break
        else:
            return None
    return np.unique(np.concatenate(units))

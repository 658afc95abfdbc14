"""Readable names for designed areas, from the constituents that dominate them.

An area takes the name of the layer area that matches it best, measured by the product of the two
containments ``(M_ab / P_a) * (M_ab / P_b)`` (1 when the area and the layer area are identical).
Layers are tried in the order combined authority, ICB, upper-tier authority, LEP, region; a match
needs a product of at least 0.64 (e.g. 80% each way). Otherwise the area is named after its two
(or three) most populous upper-tier authorities, e.g. "Kent and Medway" ("A + B + C" when one of
those names holds "and" itself: "North Yorkshire + Cumberland + Westmorland and Furness"). Locked
areas keep the name the lock gave them. Duplicates get the most populous district in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from devoplan.geography.model import Geography

NAME_LAYERS: tuple[str, ...] = ("CAUTH25", "CAUTH", "ICB", "UTLA", "LEP", "REGION")
MATCH = 0.64
_STRIP = (
    r"^NHS\s+",
    r"\s+Integrated Care Board$",
    r"\s+ICB$",
    r"\s+Combined Authority$",
    r"\s+Mayoral Combined( County)? Authority$",
    r"\s+Local Enterprise Partnership$",
    r"\s+LEP$",
)


def clean_name(name: str) -> str:
    """Drop organisational boilerplate: 'NHS Kent and Medway Integrated Care Board' -> 'Kent and Medway'."""
    out = name.strip()
    for pattern in _STRIP:
        out = re.sub(pattern, "", out)
    return out.strip() or name


def area_names(geography: Geography, assignment: np.ndarray, k: int, fixed: Mapping[int, str]) -> list[str]:
    """One readable, unique name per area ``0..k-1``; ``fixed`` names (locks) win."""
    pop = geography.units.population.astype(np.float64)
    present = [key for key in NAME_LAYERS if key.lower() in {x.lower() for x in geography.layers}]
    names = []
    for a in range(k):
        units = np.flatnonzero(assignment == a)
        names.append(fixed.get(a) or _name_one(geography, units, pop, present))
    return _unique(geography, assignment, names, set(fixed))


def _name_one(geography: Geography, units: np.ndarray, pop: np.ndarray, layers: list[str]) -> str:
    p_area = float(pop[units].sum()) or 1.0
    best: tuple[float, str] | None = None
    for key in layers:
        layer = geography.layer(key)
        w = layer.membership
        inside = np.asarray(w[units].T @ pop[units]).ravel()
        totals = np.asarray(w.T @ pop).ravel()
        score = np.divide(inside**2, p_area * totals, out=np.zeros_like(inside), where=totals > 0)
        b = int(np.argmax(score))
        if score[b] >= MATCH and (best is None or score[b] > best[0] + 1e-12):
            best = (float(score[b]), clean_name(layer.area_names[b]))
    if best is not None:
        return best[1]
    return _constituents(geography, units, pop)


def _constituents(geography: Geography, units: np.ndarray, pop: np.ndarray) -> str:
    """'A and B' from the most populous upper-tier pieces (districts if there is no UTLA layer)."""
    if "utla" in {x.lower() for x in geography.layers}:
        layer = geography.layer("UTLA")
        inside = np.asarray(layer.membership[units].T @ pop[units]).ravel()
        pieces = [(float(inside[b]), clean_name(layer.area_names[b])) for b in np.flatnonzero(inside > 0)]
    else:
        pieces = [(float(pop[u]), geography.units.names[u]) for u in units]
    pieces.sort(key=lambda t: (-t[0], t[1]))
    total = sum(p for p, _ in pieces) or 1.0
    if len(pieces) == 1:
        return pieces[0][1]
    n = 3 if (pieces[0][0] + pieces[1][0]) / total < 0.7 and len(pieces) > 2 else 2
    return join_names([name for _, name in pieces[:n]])


def join_names(names: list[str]) -> str:
    """'A and B' / 'A, B and C'; 'A + B + C' when a name itself holds 'and', which would otherwise
    read ambiguously ('North Yorkshire, Cumberland and Westmorland and Furness')."""
    if len(names) == 1:
        return names[0]
    if any(" and " in name for name in names):
        return " + ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _unique(geography: Geography, assignment: np.ndarray, names: list[str], keep: set[int]) -> list[str]:
    pop = geography.units.population
    out = list(names)
    for name in sorted(set(names)):
        idx = [a for a, n in enumerate(names) if n == name]
        if len(idx) < 2:
            continue
        for a in idx:
            if a in keep:
                continue
            units = np.flatnonzero(assignment == a)
            biggest = int(units[np.argmax(pop[units])])
            out[a] = f"{name} ({geography.units.names[biggest]})"
    seen: dict[str, int] = {}
    for a, n in enumerate(out):
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1 and a not in keep:
            out[a] = f"{n} {seen[n]}"
    return out

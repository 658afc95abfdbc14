"""Independent check that a designed plan honours every hard constraint, at unit level.

The search maintains these invariants by construction; this module re-derives them from scratch
from the final unit assignment (not from the optimiser's bookkeeping), so tests and ``metrics.json``
carry evidence rather than a promise.
"""

from __future__ import annotations

import numpy as np

from devoplan.design.options import DesignOptions, resolved_do_not_cross
from devoplan.geography.model import Geography
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.names import place_units
from devoplan.plan import Plan


def verify(
    geography: Geography, plan: Plan, opts: DesignOptions, min_pop: int, max_pop: int
) -> dict[str, object]:
    """Every hard constraint with the offending areas/codes listed; ``ok`` is true when all hold."""
    a = plan.assignment
    k = plan.n_areas
    pops = np.bincount(a, weights=geography.units.population, minlength=k)
    pieces = pieces_per_area(geography.adjacency, a, k)
    out: dict[str, object] = {
        "areas": int(k),
        "areas_requested": opts.areas,
        "noncontiguous": [plan.area_codes[i] for i in np.flatnonzero(pieces != 1)],
        "outside_bounds": [plan.area_codes[i] for i in np.flatnonzero((pops < min_pop) | (pops > max_pop))],
        "split_kept_whole": _split_whole(geography, a, opts.keep_whole),
        "locks_broken": _locks(geography, plan, opts),
        "together_broken": [",".join(g) for g in opts.together if len(_areas_of(geography, a, g)) > 1],
        "apart_broken": [
            f"{x},{y}" for x, y in opts.apart if _areas_of(geography, a, (x,)) & _areas_of(geography, a, (y,))
        ],
        "frozen_changed": _frozen(plan, opts),
        "crossing_do_not_cross": _crossing(geography, plan, resolved_do_not_cross(opts, geography.layers)),
    }
    out["ok"] = int(k) == opts.areas and not any(
        out[key] for key in ("noncontiguous", "outside_bounds", "split_kept_whole", "locks_broken",
                             "together_broken", "apart_broken", "frozen_changed",
                             "crossing_do_not_cross")
    )
    return out


def _areas_of(geography: Geography, a: np.ndarray, codes: tuple[str, ...]) -> set[int]:
    units = np.concatenate([place_units(geography, c) for c in codes])
    return {int(x) for x in a[units]}


def _split_whole(geography: Geography, a: np.ndarray, keys: tuple[str, ...]) -> list[str]:
    out = []
    for key in keys:
        layer = geography.layer(key)
        csc = layer.membership.tocsc()
        for b in range(layer.n_areas):
            units = csc.indices[csc.indptr[b] : csc.indptr[b + 1]]
            if len({int(x) for x in a[units]}) > 1:
                out.append(f"{layer.key}:{layer.area_codes[b]}")
    return out


def _crossing(geography: Geography, plan: Plan, keys: tuple[str, ...]) -> list[str]:
    """Areas holding districts of two sides of a do-not-cross layer (two of its areas, or in and out)."""
    out = []
    for key in keys:
        layer = geography.layer(key)
        side = layer.main_area
        for a, code in enumerate(plan.area_codes):
            if len(np.unique(side[plan.assignment == a])) > 1:
                out.append(f"{code} crosses {layer.key}")
    return out


def _locks(geography: Geography, plan: Plan, opts: DesignOptions) -> list[str]:
    area_of_name: dict[str, set[int]] = {}
    broken = []
    for code, name in opts.locks.items():
        areas = _areas_of(geography, plan.assignment, (code,))
        area_of_name.setdefault(name, set()).update(areas)
        if any(plan.area_names[x] != name for x in areas):
            broken.append(f"{code}={name}")
    for name, areas in area_of_name.items():
        if len(areas) > 1:
            broken.append(f"'{name}' spread over {len(areas)} areas")
    return broken


def _frozen(plan: Plan, opts: DesignOptions) -> list[str]:
    if opts.start is None:
        return []
    changed = []
    for code in opts.frozen_areas:
        before = set(opts.start.members(code).tolist())
        after_areas = {int(plan.assignment[u]) for u in before}
        after: set[int] = set()
        if len(after_areas) == 1:
            after = set(np.flatnonzero(plan.assignment == next(iter(after_areas))).tolist())
        if before != after:
            changed.append(code)
    return changed

"""The audit of today's patchwork: how well every pair of service layers lines up.

:func:`audit` compares every pair of layers (containment both ways, coterminosity, adjusted Rand
index) and lists the misalignments in plain words:

* districts split between areas of a partition layer (a district in two ICBs) or sitting in
  several areas of a cover layer (a district in two LEPs);
* crossings: an area of one layer that straddles areas of another which are not nested inside it
  (a police force area spanning parts of several ICBs). Nesting is not a misalignment: a region
  covering several whole ICBs is not reported, but a police force area sharing an ICB with its
  neighbour is. Crossings are ranked by their misaligned population, the smaller of two repairs:
  moving the residents of area ``i`` outside its best partner (``pop(i) - max_j M[i, j]``), or, for
  every partner ``j`` crossing ``i``, moving the smaller of ``M[i, j]`` and ``pop(j) - M[i, j]`` so
  that ``j`` nests inside ``i`` or stays out of it;
* nestings: an area made of several whole areas of another layer (the Metropolitan Police area
  holding five London ICBs). It spans several areas without misalignment; listed so that "which
  police force areas span several ICBs" has its full answer.

The result is a plain JSON-serialisable dict so that the report and the demo can reuse it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

from devoplan.geography.model import Geography, Layer
from devoplan.metrics.overlap import INTERFACE_THRESHOLD, SPLIT_THRESHOLD, TOLERANCE, Comparison, compare

PART_THRESHOLD = INTERFACE_THRESHOLD  # parts smaller than 1% of an area are not listed


def audit(geography: Geography, layers: Sequence[str] | None = None) -> dict[str, Any]:
    """Pairwise alignment of the layers and the misalignments behind it (JSON-serialisable)."""
    keys = tuple(geography.layer(k).key for k in (layers if layers is not None else tuple(geography.layers)))
    comparisons = {(a, b): compare(geography, a, b) for a, b in combinations(keys, 2)}
    spread = [x for c in comparisons.values() for x in spans(c)]
    return {
        "geography": geography.name,
        "population": geography.units.total_population,
        "layers": [_layer_info(geography.layer(k)) for k in keys],
        "coterminosity": _matrix(keys, comparisons, lambda c: c.coterminosity, 1.0),
        "containment": _containment_matrix(keys, comparisons),
        "adjusted_rand": _matrix(keys, comparisons, lambda c: c.adjusted_rand, 1.0),
        "pairs": sorted((_pair_info(c) for c in comparisons.values()), key=lambda p: p["coterminosity"]),
        "unit_splits": [s for k in keys for s in unit_splits(geography, geography.layer(k))],
        "crossings": sorted((x for x in spread if x["crossing"]), key=lambda x: -x["misaligned_population"]),
        "nestings": [x for x in spread if not x["crossing"]],
    }


def _layer_info(layer: Layer) -> dict[str, Any]:
    return {"key": layer.key, "name": layer.name, "kind": layer.kind, "areas": layer.n_areas,
            "units_covered": len(layer.covered_units()), "vintage": layer.vintage}


def _matrix(keys: tuple[str, ...], comparisons: dict[tuple[str, str], Comparison],
            value: Any, diagonal: float) -> dict[str, dict[str, float]]:
    out = {a: {b: diagonal for b in keys} for a in keys}
    for (a, b), c in comparisons.items():
        out[a][b] = out[b][a] = float(value(c))
    return out


def _containment_matrix(keys: tuple[str, ...],
                        comparisons: dict[tuple[str, str], Comparison]) -> dict[str, dict[str, float]]:
    """``[A][B]`` = containment of A in B (share of people whose A-area lies in its best B-area)."""
    out = {a: {b: 1.0 for b in keys} for a in keys}
    for (a, b), c in comparisons.items():
        out[a][b], out[b][a] = c.containment_ab, c.containment_ba
    return out


def _pair_info(c: Comparison) -> dict[str, Any]:
    summary = c.summary()
    return {"a": c.a.key, "b": c.b.key, **summary,
            "split_a_codes": [c.a.area_codes[i] for i in c.split_a()],
            "split_b_codes": [c.b.area_codes[i] for i in c.split_b()]}


def _parts(codes: tuple[str, ...], names: tuple[str, ...], shares: np.ndarray,
           threshold: float = PART_THRESHOLD) -> list[dict[str, Any]]:
    """Areas holding at least ``threshold`` of the whole (any positive share if 0), largest first."""
    order = np.argsort(-shares, kind="stable")
    keep = shares > 0 if threshold <= 0 else shares >= threshold - TOLERANCE
    return [{"code": codes[j], "name": names[j], "share": float(shares[j])} for j in order if keep[j]]


def _percent(share: float) -> str:
    """Whole percentages, except near the 1% and 99% thresholds where rounding would mislead."""
    if share < 0.005:
        return "<1%"
    whole = f"{share:.0%}"
    return f"{share:.1%}" if whole in ("1%", "99%", "100%") and share != 1.0 else whole


def _list_parts(parts: list[dict[str, Any]], with_share: bool = True) -> str:
    if with_share:
        return ", ".join(f"{p['name']} ({_percent(p['share'])})" for p in parts)
    names = [p["name"] for p in parts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def unit_splits(geography: Geography, layer: Layer) -> list[dict[str, Any]]:
    """Units (districts) split between areas of a partition, or shared by areas of a cover."""
    out = []
    dense = layer.membership
    for u in layer.multi_member_units():
        lo, hi = dense.indptr[u], dense.indptr[u + 1]
        shares = np.zeros(layer.n_areas)
        shares[dense.indices[lo:hi]] = dense.data[lo:hi]
        parts = _parts(layer.area_codes, layer.area_names, shares, threshold=0.0)
        name = geography.units.names[u]
        if layer.kind == "cover":
            text = f"{name} sits in {len(parts)} {layer.name}: {_list_parts(parts, False)}"
        else:
            text = f"{name} is split between {len(parts)} {layer.name}: {_list_parts(parts)}"
        out.append({"layer": layer.key, "kind": layer.kind, "unit_code": geography.units.codes[u],
                    "unit_name": name, "population": int(geography.units.population[u]),
                    "parts": parts, "text": text})
    return sorted(out, key=lambda s: -s["population"])


def _span_head(who: str, layer_name: str, parts: list[dict[str, Any]], small: int) -> str:
    """'X (A) spans 3 B: ...' ; parts under 1% are counted, not named."""
    rest = f"{small} more under 1%" if small > 1 else "1 more under 1%"
    if len(parts) == 1:
        only = parts[0]
        return (f"{who} lies {_percent(only['share'])} in {only['name']}, the rest in {small} other "
                f"{layer_name} (each under 1%)")
    tail = f", and {rest}" if small else ""
    return f"{who} spans {len(parts)} {layer_name}: {_list_parts(parts)}{tail}"


def crossings(c: Comparison) -> list[dict[str, Any]]:
    """Areas of either layer that straddle non-nested areas of the other, both directions."""
    return [x for x in spans(c) if x["crossing"]]


def nestings(c: Comparison) -> list[dict[str, Any]]:
    """Areas of either layer made of several whole areas of the other (spanning without crossing)."""
    return [x for x in spans(c) if not x["crossing"]]


def spans(c: Comparison) -> list[dict[str, Any]]:
    """Every area of either layer spread over several areas of the other (none holds 99% of it)."""
    return _spans(c.matrix, c, forward=True) + _spans(c.matrix.T, c, forward=False)


def _spans(m: np.ndarray, c: Comparison, *, forward: bool) -> list[dict[str, Any]]:
    a, b = (c.a, c.b) if forward else (c.b, c.a)
    rows, cols = m.sum(axis=1), m.sum(axis=0)
    out = []
    for i in np.flatnonzero((rows > 0) & (m.max(axis=1) < (SPLIT_THRESHOLD - TOLERANCE) * rows)):
        shares = m[i] / rows[i]
        # a partner lying (almost) wholly inside area i is nesting, not a crossing
        cross = (shares >= PART_THRESHOLD - TOLERANCE) & (m[i] < (SPLIT_THRESHOLD - TOLERANCE) * cols)
        parts = _parts(b.area_codes, b.area_names, shares)
        crossing = [p for p in parts if cross[b.area_index[p["code"]]]]
        head = _span_head(f"{a.area_names[i]} ({a.key})", b.name, parts,
                          int(np.count_nonzero((shares > 0) & (shares < PART_THRESHOLD - TOLERANCE))))
        if crossing:
            nest_fix = float(np.minimum(m[i, cross], cols[cross] - m[i, cross]).sum())
            misaligned = min(float(rows[i] - m[i].max()), nest_fix)
            verb = "crosses" if len(crossing) == 1 else "cross"
            text = (f"{head}; {_list_parts(crossing, False)} {verb} its boundary "
                    f"({misaligned:,.0f} residents misaligned)")
        else:
            misaligned = 0.0
            text = f"{head}; {'it lies' if len(parts) == 1 else 'each lies'} within it (nested, not misaligned)"
        out.append({"a_layer": a.key, "a_code": a.area_codes[i], "a_name": a.area_names[i], "b_layer": b.key,
                    "parts": parts, "crossing": [p["code"] for p in crossing],
                    "misaligned_population": misaligned, "text": text})
    return out

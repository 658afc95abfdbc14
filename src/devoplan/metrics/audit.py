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

The result is a typed :class:`Audit` (layers, matrices, pairs, split districts, crossings, nestings)
handed as is to the demo, the report and ``devoplan audit``; :meth:`Audit.to_dict` is its JSON form
(the ``audit`` part of ``metrics.json``) and :meth:`Audit.from_dict` reads that form back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np

from devoplan.geography.model import Geography, Layer
from devoplan.metrics.overlap import INTERFACE_THRESHOLD, SPLIT_THRESHOLD, TOLERANCE, Comparison, compare

PART_THRESHOLD = INTERFACE_THRESHOLD  # parts smaller than 1% of an area are not listed


Matrix = dict[str, dict[str, float]]


@dataclass(frozen=True)
class Part:
    """One area holding a share of a split district or of a spread area."""

    code: str
    name: str
    share: float


@dataclass(frozen=True)
class LayerInfo:
    """An audited layer: key, name, kind, number of areas, districts it covers, vintage."""

    key: str
    name: str
    kind: str
    areas: int
    units_covered: int
    vintage: str


@dataclass(frozen=True)
class PairMeasures:
    """Every measure of one pair of layers (``a`` against ``b``) and the areas of each that the other splits."""

    a: str
    b: str
    containment_ab: float
    containment_ba: float
    coterminosity: float
    adjusted_rand: float
    split_a: int
    split_b: int
    interfaces_a_mean: float
    interfaces_a_max: int
    interfaces_b_mean: float
    interfaces_b_max: int
    covered_share: float
    split_a_codes: tuple[str, ...]
    split_b_codes: tuple[str, ...]


@dataclass(frozen=True)
class UnitSplit:
    """A district split between areas of a partition layer, or shared by areas of a cover layer."""

    layer: str
    kind: str
    unit_code: str
    unit_name: str
    population: int
    parts: tuple[Part, ...]
    text: str


@dataclass(frozen=True)
class Span:
    """An area of layer ``a_layer`` spread over several areas of ``b_layer``: a crossing when ``crossing``
    names the partners that reach beyond it, a nesting when it is empty."""

    a_layer: str
    a_code: str
    a_name: str
    b_layer: str
    parts: tuple[Part, ...]
    crossing: tuple[str, ...]
    misaligned_population: float
    text: str


@dataclass(frozen=True)
class Audit:
    """How today's layers line up: ``[A][B]`` matrices, every pair worst first, and the misalignments in words."""

    geography: str
    population: int
    layers: tuple[LayerInfo, ...]
    coterminosity: Matrix
    containment: Matrix  # [A][B] = containment of A in B
    adjusted_rand: Matrix
    pairs: tuple[PairMeasures, ...]
    unit_splits: tuple[UnitSplit, ...]
    crossings: tuple[Span, ...]
    nestings: tuple[Span, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The audited layers' keys, in order."""
        return tuple(layer.key for layer in self.layers)

    def splits_of(self, layer: str) -> tuple[UnitSplit, ...]:
        """The districts ``layer`` splits (or shares), largest population first."""
        return tuple(s for s in self.unit_splits if s.layer == layer)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``metrics.json``'s ``audit``, ``devoplan audit --json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Audit:
        """Read :meth:`to_dict` output back. Parts written by older versions (no ``layers``, ``pairs`` or
        ``nestings``) read as empty; the report needs only the matrices, splits and crossings."""
        matrices = {k: {str(a): {str(b): _number(v) for b, v in row.items()} for a, row in doc.get(k, {}).items()}
                    for k in ("coterminosity", "containment", "adjusted_rand")}
        return cls(
            geography=str(doc.get("geography", "")),
            population=int(doc.get("population", 0)),
            layers=tuple(LayerInfo(**{**x, "vintage": str(x.get("vintage") or "")}) for x in doc.get("layers", [])),
            pairs=tuple(PairMeasures(**{**x, "split_a_codes": tuple(x.get("split_a_codes", ())),
                                        "split_b_codes": tuple(x.get("split_b_codes", ()))})
                        for x in doc.get("pairs", [])),
            unit_splits=tuple(UnitSplit(**{**x, "parts": _parts_from(x.get("parts", []))})
                              for x in doc.get("unit_splits", [])),
            crossings=tuple(_span_from(x) for x in doc.get("crossings", [])),
            nestings=tuple(_span_from(x) for x in doc.get("nestings", [])),
            **matrices,
        )


def _number(value: Any) -> float:
    """A matrix cell read back: JSON ``null`` (no shared residents) is NaN again."""
    return float("nan") if value is None else float(value)


def _parts_from(items: Sequence[Mapping[str, Any]]) -> tuple[Part, ...]:
    return tuple(Part(str(p["code"]), str(p["name"]), float(p["share"])) for p in items)


def _span_from(x: Mapping[str, Any]) -> Span:
    return Span(str(x["a_layer"]), str(x["a_code"]), str(x["a_name"]), str(x["b_layer"]),
                _parts_from(x.get("parts", [])), tuple(str(c) for c in x.get("crossing", [])),
                float(x.get("misaligned_population", 0.0)), str(x["text"]))


def audit(geography: Geography, layers: Sequence[str] | None = None) -> Audit:
    """Pairwise alignment of the layers and the misalignments behind it."""
    keys = tuple(geography.layer(k).key for k in (layers if layers is not None else tuple(geography.layers)))
    comparisons = {(a, b): compare(geography, a, b) for a, b in combinations(keys, 2)}
    spread = [x for c in comparisons.values() for x in spans(c)]
    return Audit(
        geography=geography.name,
        population=int(geography.units.total_population),
        layers=tuple(_layer_info(geography.layer(k)) for k in keys),
        coterminosity=_matrix(keys, comparisons, lambda c: c.coterminosity, 1.0),
        containment=_containment_matrix(keys, comparisons),
        adjusted_rand=_matrix(keys, comparisons, lambda c: c.adjusted_rand, 1.0),
        pairs=tuple(sorted((_pair_info(c) for c in comparisons.values()), key=lambda p: p.coterminosity)),
        unit_splits=tuple(s for k in keys for s in unit_splits(geography, geography.layer(k))),
        crossings=tuple(sorted((x for x in spread if x.crossing), key=lambda x: -x.misaligned_population)),
        nestings=tuple(x for x in spread if not x.crossing),
    )


def _layer_info(layer: Layer) -> LayerInfo:
    return LayerInfo(layer.key, layer.name, layer.kind, layer.n_areas, len(layer.covered_units()), layer.vintage)


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


def _pair_info(c: Comparison) -> PairMeasures:
    m = c.summary()
    return PairMeasures(c.a.key, c.b.key, float(m["containment_ab"]), float(m["containment_ba"]),
                        float(m["coterminosity"]), float(m["adjusted_rand"]), int(m["split_a"]), int(m["split_b"]),
                        float(m["interfaces_a_mean"]), int(m["interfaces_a_max"]), float(m["interfaces_b_mean"]),
                        int(m["interfaces_b_max"]), float(m["covered_share"]),
                        tuple(c.a.area_codes[i] for i in c.split_a()), tuple(c.b.area_codes[i] for i in c.split_b()))


def _parts(codes: tuple[str, ...], names: tuple[str, ...], shares: np.ndarray,
           threshold: float = PART_THRESHOLD) -> tuple[Part, ...]:
    """Areas holding at least ``threshold`` of the whole (any positive share if 0), largest first."""
    order = np.argsort(-shares, kind="stable")
    keep = shares > 0 if threshold <= 0 else shares >= threshold - TOLERANCE
    return tuple(Part(codes[j], names[j], float(shares[j])) for j in order if keep[j])


def _percent(share: float) -> str:
    """Whole percentages, except near the 1% and 99% thresholds where rounding would mislead."""
    if share < 0.005:
        return "<1%"
    whole = f"{share:.0%}"
    return f"{share:.1%}" if whole in ("1%", "99%", "100%") and share != 1.0 else whole


def _list_parts(parts: Sequence[Part], with_share: bool = True) -> str:
    if with_share:
        return ", ".join(f"{p.name} ({_percent(p.share)})" for p in parts)
    names = [p.name for p in parts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def unit_splits(geography: Geography, layer: Layer) -> list[UnitSplit]:
    """Units (districts) split between areas of a partition, or shared by areas of a cover."""
    out: list[UnitSplit] = []
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
        out.append(UnitSplit(layer.key, layer.kind, geography.units.codes[u], name,
                             int(geography.units.population[u]), parts, text))
    return sorted(out, key=lambda s: -s.population)


def _span_head(who: str, layer_name: str, parts: Sequence[Part], small: int) -> str:
    """'X (A) spans 3 B: ...' ; parts under 1% are counted, not named."""
    rest = f"{small} more under 1%" if small > 1 else "1 more under 1%"
    if len(parts) == 1:
        only = parts[0]
        return (f"{who} lies {_percent(only.share)} in {only.name}, the rest in {small} other "
                f"{layer_name} (each under 1%)")
    tail = f", and {rest}" if small else ""
    return f"{who} spans {len(parts)} {layer_name}: {_list_parts(parts)}{tail}"


def crossings(c: Comparison) -> list[Span]:
    """Areas of either layer that straddle non-nested areas of the other, both directions."""
    return [x for x in spans(c) if x.crossing]


def nestings(c: Comparison) -> list[Span]:
    """Areas of either layer made of several whole areas of the other (spanning without crossing)."""
    return [x for x in spans(c) if not x.crossing]


def spans(c: Comparison) -> list[Span]:
    """Every area of either layer spread over several areas of the other (none holds 99% of it)."""
    return _spans(c.matrix, c, forward=True) + _spans(c.matrix.T, c, forward=False)


def _spans(m: np.ndarray, c: Comparison, *, forward: bool) -> list[Span]:
    a, b = (c.a, c.b) if forward else (c.b, c.a)
    rows, cols = m.sum(axis=1), m.sum(axis=0)
    out = []
    for i in np.flatnonzero((rows > 0) & (m.max(axis=1) < (SPLIT_THRESHOLD - TOLERANCE) * rows)):
        shares = m[i] / rows[i]
        # a partner lying (almost) wholly inside area i is nesting, not a crossing
        cross = (shares >= PART_THRESHOLD - TOLERANCE) & (m[i] < (SPLIT_THRESHOLD - TOLERANCE) * cols)
        parts = _parts(b.area_codes, b.area_names, shares)
        crossing = [p for p in parts if cross[b.area_index[p.code]]]
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
        out.append(Span(a.key, a.area_codes[i], a.area_names[i], b.key, parts, tuple(p.code for p in crossing),
                        misaligned, text))
    return out

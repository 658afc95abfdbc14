"""Names for designed areas that are true: each says what the area mostly is, and what else it holds.

Rules (docs/design.md, "Area names"):

1. **Only bodies that exist today name areas.** Name layers are tried in the order combined
   authority (``CAUTH25``, else ``CAUTH``), ICB (``ICB26``, else ``ICB``), upper-tier authority
   (``UTLA``), region. Local Enterprise Partnerships (wound down in 2024) and superseded vintages
   never give a name.
2. **The lead name is the body that best matches the area**, by the product of the two
   containments ``(M_ab / P_a) * (M_ab / P_b)`` (1 when identical); a match needs at least
   :data:`MATCH`. Without a match the lead is the largest upper-tier piece.
3. **The rest is named until the name covers** :data:`COVER` **of the residents**: the largest
   upper-tier pieces outside the lead are added ("Cornwall and the Isles of Scilly, and Plymouth"),
   at most :data:`MAX_PARTS` names (four when only one piece is left); what is still unnamed is
   counted ("..., and 4 more"). So a name never names places holding less than half the residents
   without saying "and ...".
4. **A body mostly but not wholly inside the area is called "most of X"** (under
   :data:`WHOLE` of its residents inside), **and "part of X"** under half. A name of whole pieces
   that hedges less wins over a match that hedges ("Wiltshire and Swindon", not "most of Bath and
   North East Somerset, Swindon and Wiltshire").
5. Locked areas keep the name the lock gave them; duplicates get the most populous district in
   brackets.

:func:`name_areas` returns, with each name, the places it comes from and the share of the area's
residents each holds (:class:`AreaName`); :func:`name_sources` does the same for any plan, so checks
such as "areas named after a minority of their residents" can use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from devoplan.geography.model import Geography
from devoplan.plan import Plan

# Each group: the newest vintage first; the first key the geography has is used.
NAME_LAYERS: tuple[tuple[str, ...], ...] = (("CAUTH25", "CAUTH"), ("ICB26", "ICB"), ("UTLA",), ("REGION",))
DEFUNCT: frozenset[str] = frozenset({"LEP"})  # never names an area
MATCH = 0.64  # e.g. 80% of the area in the body and 80% of the body in the area
COVER = 0.9  # a name goes on naming places until it covers this share of the residents
WHOLE = 0.9  # a body with less than this share of its residents inside is "most of" it
MAX_PARTS = 3
_STRIP = (
    r"^NHS\s+",
    r"\s+Integrated Care Board$",
    r"\s+ICB$",
    r"\s+Combined Authority$",
    r"\s+Mayoral Combined( County)? Authority$",
    r"\s+Combined County Authority$",
    r"\s+Local Enterprise Partnership$",
    r"\s+LEP$",
    r",\s+(City|County) of$",
)


@dataclass(frozen=True)
class NamePart:
    """One place a name comes from: its layer and code, and the area's residents in it."""

    label: str  # as written in the name, e.g. "most of Kent"
    place: str  # the place itself, e.g. "Kent"
    layer: str
    code: str
    residents: float
    share: float  # of the area's residents


@dataclass(frozen=True)
class AreaName:
    """An area's name and where it comes from.

    ``how`` is ``"match"`` (a body matching the area leads the name), ``"pieces"`` (upper-tier
    pieces), ``"lock"`` (the lock's name) or ``"given"`` (a plan's own name, not made here).
    ``parts`` is empty when the name's places are unknown (a given name that names no body).
    """

    name: str
    parts: tuple[NamePart, ...]
    how: str
    unnamed: int = 0  # pieces counted but not named ("and 4 more")

    @property
    def lead(self) -> NamePart | None:
        """The place the name comes from first (the body it is named after)."""
        return self.parts[0] if self.parts else None

    @property
    def lead_share(self) -> float | None:
        """Share of the area's residents in the place the name comes from (None when unknown)."""
        return self.parts[0].share if self.parts else None

    @property
    def named_share(self) -> float | None:
        """Share of the area's residents in all the places the name names (None when unknown)."""
        return float(sum(p.share for p in self.parts)) if self.parts else None

    def to_dict(self) -> dict[str, object]:
        lead = self.lead
        return {"name": self.name, "how": self.how,
                "named_after": None if lead is None else {"place": lead.place, "layer": lead.layer,
                                                          "code": lead.code, "share": round(lead.share, 4)},
                "named_share": None if self.named_share is None else round(self.named_share, 4),
                "parts": [{"place": p.place, "layer": p.layer, "code": p.code, "share": round(p.share, 4)}
                          for p in self.parts]}


def clean_name(name: str) -> str:
    """Drop organisational boilerplate: 'NHS Kent and Medway Integrated Care Board' -> 'Kent and Medway'."""
    out = name.strip()
    if re.fullmatch(r"Greater London( Authority)?", out):
        return "London"
    for pattern in _STRIP:
        out = re.sub(pattern, "", out)
    return out.strip() or name


def name_layers(geography: Geography) -> list[str]:
    """The layer keys that may name areas in this geography (newest vintage of each kind, no defunct)."""
    present = {k.upper(): k for k in geography.layers}
    out = []
    for group in NAME_LAYERS:
        key = next((present[g] for g in group if g in present), None)
        if key is not None and key.upper() not in DEFUNCT:
            out.append(key)
    return out


def area_names(geography: Geography, assignment: np.ndarray, k: int, fixed: Mapping[int, str]) -> list[str]:
    """One true, unique name per area ``0..k-1``; ``fixed`` names (locks) win."""
    return [n.name for n in name_areas(geography, assignment, k, fixed)]


def name_areas(geography: Geography, assignment: np.ndarray, k: int,
               fixed: Mapping[int, str] | None = None) -> list[AreaName]:
    """:func:`area_names` with, for each name, the places it comes from and their shares."""
    fixed = fixed or {}
    namer = _Namer(geography)
    named = []
    for a in range(k):
        units = np.flatnonzero(assignment == a)
        if a in fixed:
            named.append(_given(namer, units, fixed[a], "lock"))
        else:
            named.append(namer.name(units))
    return _unique(geography, assignment, named, set(fixed))


def name_sources(geography: Geography, plan: Plan) -> tuple[AreaName, ...]:
    """Where each of a plan's names comes from: as :func:`name_areas` would name it when the plan's name
    is the one devoplan makes; otherwise the body whose (cleaned) name the plan's name is, or no parts."""
    namer = _Namer(geography)
    made = name_areas(geography, plan.assignment, plan.n_areas)
    out = []
    for a, name in enumerate(plan.area_names):
        if made[a].name == name:
            out.append(made[a])
        else:
            out.append(_given(namer, plan.members(a), name, "given"))
    return tuple(out)


def _given(namer: _Namer, units: np.ndarray, name: str, how: str) -> AreaName:
    """A name not made here: its places are the body (in any layer, defunct ones too) of that name."""
    part = namer.body_named(units, name)
    return AreaName(name, (part,) if part is not None else (), how)


class _Namer:
    """Names one area at a time; holds the geography's populations and the layers that name."""

    def __init__(self, geography: Geography) -> None:
        self.geo = geography
        self.pop = geography.units.population.astype(np.float64)
        self.layers = name_layers(geography)
        self.pieces_key = next((k for k in geography.layers if k.upper() == "UTLA"), None)

    def name(self, units: np.ndarray) -> AreaName:
        """The best match leads when it is the whole body; a body only mostly inside gives way to a name
        of whole upper-tier pieces that says everything ("Wiltshire and Swindon", not "most of Bath and
        North East Somerset, Swindon and Wiltshire")."""
        weights = self.pop[units]
        total = float(weights.sum()) or 1.0
        pieces = self._named(self._pieces(units, weights, total), [], "pieces")
        lead = self._best_match(units, total)
        if lead is None:
            return pieces
        part, lead_w = lead
        matched = self._named(self._pieces(units, weights * (1.0 - lead_w), total), [part], "match")
        return pieces if _caveats(pieces) < _caveats(matched) else matched

    @staticmethod
    def _named(pieces: list[NamePart], lead: list[NamePart], how: str) -> AreaName:
        covered = sum(p.share for p in lead)
        more, rest = _take(pieces, covered, room=MAX_PARTS - len(lead))
        parts = [*lead, *more]
        if rest == 1:  # "and 1 more" says less than the name itself: name it
            parts, rest = [*parts, pieces[len(more)]], 0
        labels = [p.label for p in parts] + ([f"{rest} more"] if rest else [])
        return AreaName(join_names(labels), tuple(parts), how, rest)

    def _best_match(self, units: np.ndarray, total: float) -> tuple[NamePart, np.ndarray] | None:
        """The body matching the area best (score >= MATCH), with its weight on each of the area's units."""
        best: tuple[float, NamePart, np.ndarray] | None = None
        for key in self.layers:
            layer = self.geo.layer(key)
            inside = np.asarray(layer.membership[units].T @ self.pop[units]).ravel()
            totals = np.asarray(layer.membership.T @ self.pop).ravel()
            score = np.divide(inside**2, total * totals, out=np.zeros_like(inside), where=totals > 0)
            b = int(np.argmax(score))
            if score[b] >= MATCH and (best is None or score[b] > best[0] + 1e-12):
                place = clean_name(layer.area_names[b])
                part = NamePart(_whole_or_most(place, inside[b] / totals[b]), place, layer.key,
                                layer.area_codes[b], float(inside[b]), float(inside[b] / total))
                w = np.asarray(layer.membership[units][:, [b]].todense()).ravel()
                best = (float(score[b]), part, w)
        return None if best is None else (best[1], best[2])

    def _pieces(self, units: np.ndarray, weights: np.ndarray, total: float) -> list[NamePart]:
        """Upper-tier pieces (districts without a UTLA layer) of ``weights`` residents, largest first."""
        if self.pieces_key is None:
            pieces = [NamePart(self.geo.units.names[u], self.geo.units.names[u], "district",
                               self.geo.units.codes[u], float(w), float(w / total))
                      for u, w in zip(units.tolist(), weights.tolist(), strict=True) if w > 0.5]
        else:
            layer = self.geo.layer(self.pieces_key)
            inside = np.asarray(layer.membership[units].T @ weights).ravel()
            totals = np.asarray(layer.membership.T @ self.pop).ravel()
            pieces = []
            for b in np.flatnonzero(inside > 0.5).tolist():
                place = clean_name(layer.area_names[b])
                pieces.append(NamePart(_whole_or_most(place, inside[b] / totals[b]), place, layer.key,
                                       layer.area_codes[b], float(inside[b]), float(inside[b] / total)))
        return sorted(pieces, key=lambda p: (-p.residents, p.place))

    def body_named(self, units: np.ndarray, name: str) -> NamePart | None:
        """The body in any layer whose name (cleaned or not) is ``name``, with the area's residents in it."""
        total = float(self.pop[units].sum()) or 1.0
        for key in self.geo.layers:
            layer = self.geo.layer(key)
            for b, raw in enumerate(layer.area_names):
                if name in (raw, clean_name(raw)):
                    inside = float(np.asarray(layer.membership[units][:, [b]].T @ self.pop[units]).sum())
                    return NamePart(name, clean_name(raw), layer.key, layer.area_codes[b], inside, inside / total)
        return None


def _caveats(name: AreaName) -> int:
    """How much a name hedges: places only partly inside, plus one for an unnamed remainder."""
    return sum(p.label != p.place for p in name.parts) + (name.unnamed > 0)


def _whole_or_most(place: str, inside_share: float) -> str:
    """'Kent', 'most of Kent' or 'part of Kent', by the share of the body's residents in the area."""
    if inside_share >= WHOLE:
        return place
    return f"most of {place}" if inside_share >= 0.5 else f"part of {place}"


def _take(pieces: Sequence[NamePart], covered: float, room: int = MAX_PARTS) -> tuple[list[NamePart], int]:
    """Pieces, largest first, until the name covers COVER of the residents or has no room; and the number
    of pieces (holding at least 1% of residents) left unnamed."""
    taken: list[NamePart] = []
    for p in pieces:
        if covered >= COVER - 1e-9 or len(taken) >= room:
            break
        taken.append(p)
        covered += p.share
    rest = [p for p in pieces[len(taken):] if p.share >= 0.01]
    return taken, (len(rest) if covered < COVER - 1e-9 else 0)


def join_names(names: list[str]) -> str:
    """'A and B' / 'A, B and C'; with a serial comma when a name itself holds 'and', which would
    otherwise read ambiguously ('Cornwall and the Isles of Scilly, and Plymouth')."""
    if len(names) == 1:
        return names[0]
    if any(" and " in name for name in names):
        return f"{', '.join(names[:-1])}, and {names[-1]}"
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _unique(geography: Geography, assignment: np.ndarray, names: list[AreaName], keep: set[int]) -> list[AreaName]:
    pop = geography.units.population
    out = list(names)
    texts = [n.name for n in names]
    for text in sorted(set(texts)):
        idx = [a for a, n in enumerate(texts) if n == text]
        if len(idx) < 2:
            continue
        for a in idx:
            if a in keep:
                continue
            units = np.flatnonzero(assignment == a)
            biggest = int(units[np.argmax(pop[units])])
            out[a] = _renamed(out[a], f"{text} ({geography.units.names[biggest]})")
    seen: dict[str, int] = {}
    for a, n in enumerate(out):
        seen[n.name] = seen.get(n.name, 0) + 1
        if seen[n.name] > 1 and a not in keep:
            out[a] = _renamed(n, f"{n.name} {seen[n.name]}")
    return out


def _renamed(name: AreaName, text: str) -> AreaName:
    return AreaName(text, name.parts, name.how, name.unnamed)

"""The session layer: a plan being edited, answering "what changes if this district moves?" in milliseconds.

:class:`SessionModel` is everything that does not depend on the plan — the geography, the design
objective on single districts, every layer's overlap features, the kept-whole layers, population
bounds and the first settlement year's funding inputs. It is built once per geography, options and
spec, is read-only, and can be shared by every session of a web server's threads.

:class:`Session` is one scenario: a plan, the design's incremental :class:`~devoplan.design.objective.Scorer`
over it, per-area sums for the money, pieces per area and the kept-whole areas split.
``preview(moves)`` evaluates moves without changing anything; ``move``/``apply`` make them current;
``undo``/``redo`` walk the history. A session is not meant to be shared between threads; its
methods hold a lock all the same, so a stray concurrent call waits rather than corrupting it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from devoplan.design.blocks import build_blocks
from devoplan.design.objective import REPORT, TERMS, Change, Objective, Scorer, build_objective
from devoplan.design.options import DEFAULT_KEEP_WHOLE_IF_PRESENT, DesignOptions, resolved_bounds
from devoplan.errors import DevoplanError
from devoplan.funding.allocate import default_spec_path
from devoplan.funding.spec import FundingSpec, load_spec
from devoplan.geography.model import Geography
from devoplan.metrics.contiguity import pieces_per_area
from devoplan.names import NameIndex, districts, plan_areas
from devoplan.plan import Plan
from devoplan.session.money import AreaMoney, FirstYearMoney
from devoplan.session.results import Alignment, AreaChange, Money, Move, Preview, Quantity, Splits

MoveLike = tuple[str | int, str | int]
_Step = tuple[np.ndarray, np.ndarray, np.ndarray]  # moved districts, their areas before, their areas after


@dataclass(frozen=True, eq=False)
class KeptWhole:
    """A layer the design keeps whole: its areas' districts, to tell which areas a plan splits."""

    key: str
    hard: bool
    area_codes: tuple[str, ...]
    area_units: tuple[np.ndarray, ...]
    unit_areas: tuple[tuple[int, ...], ...]  # per unit: the layer areas it belongs to

    def split(self, assignment: np.ndarray, areas: Iterable[int] | None = None) -> set[int]:
        """Layer areas (of ``areas``, default all) whose districts lie in more than one plan area."""
        chosen = range(len(self.area_codes)) if areas is None else areas
        return {a for a in chosen if len(np.unique(assignment[self.area_units[a]])) > 1}


@dataclass(frozen=True, eq=False)
class SessionModel:
    """The plan-independent half of a session (read-only; one per geography, options and spec)."""

    geography: Geography
    options: DesignOptions
    objective: Objective
    money: FirstYearMoney | None  # None: a session without funding (a geography with no money tables)
    kept_whole: tuple[KeptWhole, ...]
    min_pop: int
    max_pop: int
    districts: NameIndex

    @classmethod
    def build(cls, geography: Geography, options: DesignOptions | None = None,
              spec: FundingSpec | str | Path | None = None, *, areas: int | None = None,
              funding: bool = True) -> SessionModel:
        """Precompute for ``geography``: the design objective of ``options`` (default: the design
        defaults, with ``areas`` areas), every layer's overlaps and the first year of ``spec``'s money
        (default: the shipped spec; ``funding=False`` for a geography without money tables)."""
        opts = options if options is not None else default_options(geography, areas or DesignOptions().areas)
        if areas is not None and opts.areas != areas:
            opts = opts.with_(areas=areas)
        free = opts.with_(keep_whole=(), together=(), apart=(), locks={}, start=None, frozen_areas=())
        singles = build_blocks(geography, free)
        objective = build_objective(geography, singles, opts, report_layers=tuple(geography.layers))
        kept = build_blocks(geography, free.with_(keep_whole=opts.keep_whole))
        lo, hi = resolved_bounds(opts, geography.units.total_population, int(kept.population.max()))
        whole = tuple(_kept_whole(geography, k, True) for k in opts.keep_whole)
        whole += tuple(_kept_whole(geography, k, False) for k in opts.keep_whole_soft)
        money = None
        if funding:
            chosen = spec if isinstance(spec, FundingSpec) else load_spec(spec or default_spec_path())
            money = FirstYearMoney.build(geography, chosen)
        return cls(geography, opts, objective, money, whole, lo, hi, districts(geography))

    def session(self, plan: Plan) -> Session:
        """A new editing session on ``plan`` (checked against the geography and the options' area count)."""
        return Session(self, plan)


def default_options(geography: Geography, areas: int) -> DesignOptions:
    """The design defaults restricted to the layers ``geography`` has (a custom geography may lack some)."""
    d = DesignOptions(areas=areas)
    have = set(geography.layers)
    return d.with_(health=tuple(k for k in d.health if k in have), economic=tuple(k for k in d.economic if k in have),
                   keep_whole=tuple(k for k in DEFAULT_KEEP_WHOLE_IF_PRESENT if k in have))


def _kept_whole(geography: Geography, key: str, hard: bool) -> KeptWhole:
    layer = geography.layer(key)
    member = layer.membership.tocsc()
    units = tuple(np.sort(member.indices[member.indptr[a]: member.indptr[a + 1]]).astype(np.int64)
                  for a in range(layer.n_areas))
    per_unit: list[list[int]] = [[] for _ in range(geography.n_units)]
    for a, us in enumerate(units):
        for u in us:
            per_unit[int(u)].append(a)
    return KeptWhole(layer.key, hard, layer.area_codes, units, tuple(tuple(x) for x in per_unit))


@dataclass(frozen=True)
class _State:
    """A session's plan-dependent arrays that a preview reads and an applied move replaces."""

    assignment: np.ndarray
    money_sums: np.ndarray  # (k, money columns)
    money: AreaMoney | None
    pieces: np.ndarray  # (k,)
    splits: tuple[frozenset[int], ...]  # per kept-whole layer


class Session:
    """One scenario being edited: preview, apply, undo and redo moves of districts between areas."""

    def __init__(self, model: SessionModel, plan: Plan) -> None:
        geo = model.geography
        plan.check(geo)
        if plan.n_areas != model.options.areas:
            raise DevoplanError(f"the plan has {plan.n_areas} areas but the session model was built for "
                                f"{model.options.areas} (areas)")
        self.model = model
        self._codes, self._names = plan.area_codes, plan.area_names
        self.areas = plan_areas(plan)
        self._lock = threading.RLock()
        assign = np.array(plan.assignment, dtype=np.int64)
        self.scorer = Scorer(model.objective, assign)
        values = self._money_values()
        sums = np.stack([_ordered_sum(values, np.flatnonzero(assign == a)) for a in range(plan.n_areas)])
        money = model.money.evaluate(sums, plan.area_codes) if model.money is not None else None
        self._state = _State(assign, sums, money,
                             pieces_per_area(geo.adjacency, assign, plan.n_areas),
                             tuple(frozenset(k.split(assign)) for k in model.kept_whole))
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []

    # -- reading -----------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        """The current plan (a new immutable value after every applied move)."""
        g = self.model.geography
        return Plan(g.units.codes, self._state.assignment, self._codes, self._names)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def resolve(self, moves: Iterable[MoveLike] | Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
        """District and area positions of ``moves`` (codes or names, any case, or positions). A district
        sent to two different areas is refused (which one was meant cannot be guessed)."""
        items = moves.items() if isinstance(moves, Mapping) else moves
        chosen: dict[int, int] = {}
        for district, area in items:
            u = district if isinstance(district, int | np.integer) else self.model.districts.position(district)
            a = area if isinstance(area, int | np.integer) else self.areas.position(area)
            if not 0 <= int(u) < self.model.geography.n_units or not 0 <= int(a) < len(self._codes):
                raise DevoplanError(f"move {district}={area}: position out of range")
            if chosen.get(int(u), int(a)) != int(a):
                raise DevoplanError(f"`moves`: {self.model.districts.label(int(u))} is moved twice, to "
                                    f"{self._codes[chosen[int(u)]]} and to {self._codes[int(a)]}; give one move "
                                    "per district")
            chosen[int(u)] = int(a)
        if not chosen:
            raise DevoplanError("moves: give at least one district=area move")
        return np.array(list(chosen), dtype=np.int64), np.array(list(chosen.values()), dtype=np.int64)

    # -- what-if -----------------------------------------------------------------------------------
    def preview(self, moves: Iterable[MoveLike] | Mapping[str, str]) -> Preview:
        """What ``moves`` would change; the session is left as it was."""
        with self._lock:
            units, targets = self.resolve(moves)
            return self._evaluate(units, targets)[0]

    def move(self, district: str | int, area: str | int) -> Preview:
        """Move one district to an area (code or name) and return what changed; undoable."""
        return self.apply([(district, area)])

    def apply(self, moves: Iterable[MoveLike] | Mapping[str, str]) -> Preview:
        """Make ``moves`` current (one undo step) and return what changed."""
        with self._lock:
            units, targets = self.resolve(moves)
            old = self._state.assignment[units].copy()
            preview = self._commit(units, targets)
            self._undo.append((units, old, targets))
            self._redo.clear()
            return preview

    def undo(self) -> Preview:
        """Revert the last applied step; returns what reverting changed."""
        return self._replay(self._undo, self._redo, back=True)

    def redo(self) -> Preview:
        """Re-apply the last undone step."""
        return self._replay(self._redo, self._undo, back=False)

    def _replay(self, source: list[_Step], target: list[_Step], *, back: bool) -> Preview:
        with self._lock:
            if not source:
                raise DevoplanError(f"nothing to {'undo' if back else 'redo'}")
            units, old, new = source.pop()
            preview = self._commit(units, old if back else new)
            target.append((units, old, new))
            return preview

    # -- internals ---------------------------------------------------------------------------------
    def _commit(self, units: np.ndarray, targets: np.ndarray) -> Preview:
        preview, change, state = self._evaluate(units, targets)
        self.scorer.apply(change)
        self._state = state
        return preview

    def _evaluate(self, units: np.ndarray, targets: np.ndarray) -> tuple[Preview, Change, _State]:
        model, st = self.model, self._state
        before = st.assignment
        after = before.copy()
        after[units] = targets
        touched = np.unique(np.concatenate([before[units], targets]))
        members = {int(a): np.flatnonzero(after == a) for a in touched}
        for a, m in members.items():
            if len(m) == 0:
                raise DevoplanError(f"the moves would leave area {self._names[a]} ({self._codes[a]}) with no "
                                    "districts; every area keeps at least one")
        change = self.scorer.evaluate(units, targets)
        sums = st.money_sums.copy()
        values = self._money_values()
        for a, m in members.items():
            sums[a] = _ordered_sum(values, m)
        money = model.money.evaluate(sums, self._codes) if model.money is not None else None
        pieces = st.pieces.copy()
        named: dict[int, tuple[tuple[str, ...], ...]] = {}
        for a, m in members.items():
            named[a] = self._pieces(m)
            pieces[a] = len(named[a])
        splits = tuple(_new_splits(k, s, after, units) for k, s in zip(model.kept_whole, st.splits, strict=True))
        state = _State(after, sums, money, pieces, splits)
        preview = self._preview(units, before, targets, change, state, members, named)
        return preview, change, state

    def _pieces(self, members: np.ndarray) -> tuple[tuple[str, ...], ...]:
        """District names of each connected piece of an area (largest piece first)."""
        sub = sparse.csr_array(self.model.geography.adjacency.matrix[members][:, members])
        n, labels = connected_components(sub, directed=False)
        names = self.model.geography.units.names
        groups = [tuple(names[int(u)] for u in members[labels == i]) for i in range(n)]
        return tuple(sorted(groups, key=lambda g: (-len(g), g)))

    def _preview(self, units: np.ndarray, before: np.ndarray, targets: np.ndarray, change: Change,
                 new: _State, members: dict[int, np.ndarray], named: dict[int, tuple[tuple[str, ...], ...]]) -> Preview:
        model, old, scorer = self.model, self._state, self.scorer
        geo = model.geography
        moves = tuple(Move(geo.units.codes[u], geo.units.names[u], self._codes[b], self._codes[t])
                      for u, b, t in zip(units.tolist(), before[units].tolist(), targets.tolist(), strict=True))
        t0, t1 = scorer.terms(), scorer.change_terms(change)
        a0, a1 = scorer.alignment(), scorer.alignment(change)
        alignment = tuple(
            Alignment(p.key, geo.layer(p.key).name, Quantity(0.5 * (x0[0] + x0[1]), 0.5 * (x1[0] + x1[1])),
                      Quantity(x0[1], x1[1]), Quantity(x0[0], x1[0]))
            for p, x0, x1 in zip(model.objective.layers, a0, a1, strict=True) if p.term == REPORT)
        areas = tuple(self._area(a, m, old, new, named[a]) for a, m in members.items())
        splits = tuple(Splits(k.key, k.hard, _codes(k, s0), _codes(k, s1),
                              {k.area_codes[a]: geo.layer(k.key).area_names[a] for a in s0 | s1})
                       for k, s0, s1 in zip(model.kept_whole, old.splits, new.splits, strict=True))
        return Preview(moves, model.money.year if model.money else None, Quantity(scorer.value, change.value),
                       {t: Quantity(t0[t], t1[t]) for t in TERMS}, alignment, areas,
                       Quantity(int((old.pieces > 1).sum()), int((new.pieces > 1).sum())), splits)

    def _area(self, a: int, members: np.ndarray, old: _State, new: _State,
              named: tuple[tuple[str, ...], ...]) -> AreaChange:
        pop = self.model.geography.units.population
        p0 = int(pop[old.assignment == a].sum())
        return AreaChange(
            self._codes[a], self._names[a], Quantity(int((old.assignment == a).sum()), len(members)),
            Quantity(p0, int(pop[members].sum())), self.model.min_pop, self.model.max_pop,
            Quantity(int(old.pieces[a]), int(new.pieces[a])), named if len(named) > 1 else (),
            *_funding(old.money, new.money, a),
        )

    def _money_values(self) -> np.ndarray:
        money = self.model.money
        return money.unit_values if money is not None else np.zeros((self.model.geography.n_units, 0))


def _funding(m0: AreaMoney | None, m1: AreaMoney | None, a: int) -> tuple[Money | None, Quantity | None,
                                                                         Quantity | None]:
    """Allocation (pounds), allocation per resident and need index of area ``a``, before and after."""
    if m0 is None or m1 is None:
        return None, None, None
    return (Money(int(m0.allocation_pence[a]) / 100.0, int(m1.allocation_pence[a]) / 100.0),
            Quantity(float(m0.per_head()[a]), float(m1.per_head()[a])),
            Quantity(float(m0.need_index[a]), float(m1.need_index[a])))


def _ordered_sum(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Column sums of ``values[rows]`` added one row at a time in row order (the order a sparse
    aggregation over a one-hot zoning uses), so a touched area's sums equal a full recompute's bit for bit."""
    if len(rows) == 0:
        return np.zeros(values.shape[1])
    return np.cumsum(values[rows], axis=0)[-1]


def _new_splits(kept: KeptWhole, current: frozenset[int], after: np.ndarray, units: np.ndarray) -> frozenset[int]:
    """Split areas of a kept-whole layer after the moves: only the layer areas of moved districts can change."""
    affected = {a for u in units.tolist() for a in kept.unit_areas[u]}
    now = kept.split(after, affected)
    return frozenset((current - affected) | now)


def _codes(kept: KeptWhole, areas: frozenset[int]) -> tuple[str, ...]:
    return tuple(kept.area_codes[a] for a in sorted(areas))


def open_session(geography: Geography, plan: Plan, options: DesignOptions | None = None,
                 spec: FundingSpec | str | Path | None = None) -> Session:
    """A session on ``plan`` with a model built for it (build a :class:`SessionModel` once to share it)."""
    return SessionModel.build(geography, options, spec, areas=plan.n_areas).session(plan)


__all__: Sequence[str] = ("KeptWhole", "Session", "SessionModel", "default_options", "open_session")

"""The session layer against full recomputes on England: every reported quantity, 200 random moves.

Each step previews a random move (now and then two at once), checks every figure of the preview
against the plan after the move computed from scratch — objective terms by a fresh scorer,
alignment by ``devoplan.metrics.overlap``, pieces by ``devoplan.metrics.contiguity``, kept-whole
splits by listing each layer area's plan areas, and money by ``devoplan.funding.fund`` (to the
penny: every tenth move by the whole of ``fund``, the others by a fresh aggregation of every
area) — then applies it, so errors that build up over a long edit would show.
"""

from __future__ import annotations

import functools
import math

import networkx as nx
import numpy as np
import pytest

from devoplan import load_geography
from devoplan.design.objective import TERMS, score_assignment
from devoplan.errors import DevoplanError
from devoplan.funding import default_spec_path, fund, load_spec
from devoplan.geography.model import Geography
from devoplan.metrics.contiguity import contiguity
from devoplan.metrics.overlap import containment_of, coterminosity_of, overlap_matrix
from devoplan.names import UnknownNameError
from devoplan.plan import Plan
from devoplan.session import Preview, Session, SessionModel
from devoplan.testing import grid_geography, grid_plan_labels

MOVES = 200
TOL = 1e-9
FUND_EVERY = 10  # fund() itself takes ~30 ms; the other moves check money against a fresh aggregation


@pytest.fixture(scope="module")
def england() -> Geography:
    return load_geography()


@pytest.fixture(scope="module")
def model(england: Geography) -> SessionModel:
    return SessionModel.build(england, areas=Plan.from_layer(england, "ICB26").n_areas)


@pytest.fixture()
def session(england: Geography, model: SessionModel) -> Session:
    return model.session(Plan.from_layer(england, "ICB26"))


def _random_moves(rng: np.random.Generator, geo: Geography, plan: Plan) -> list[tuple[int, int]]:
    """One or two districts moved to a neighbouring area, never emptying an area."""
    out: list[tuple[int, int]] = []
    sizes = plan.sizes().copy()
    for _ in range(1 + int(rng.random() < 0.2)):
        u = int(rng.integers(geo.n_units))
        a = int(plan.assignment[u])
        nbr = {int(plan.assignment[v]) for v in geo.adjacency.neighbours(u)} - {a}
        if sizes[a] < 2 or not nbr or u in {x for x, _ in out}:
            continue
        t = int(rng.choice(sorted(nbr)))
        sizes[a] -= 1
        sizes[t] += 1
        out.append((u, t))
    return out


@functools.cache
def _layer_units(geo: Geography, key: str) -> tuple[np.ndarray, ...]:
    dense = geo.layer(key).membership.toarray() > 0
    return tuple(np.flatnonzero(dense[:, j]) for j in range(dense.shape[1]))


def _check(preview: Preview, geo: Geography, model: SessionModel, after: Plan, spec: object,
           with_fund: bool) -> None:
    value, terms = score_assignment(model.objective, after.assignment)
    assert preview.objective.after == pytest.approx(value, abs=TOL)
    for t in TERMS:
        assert preview.terms[t].after == pytest.approx(terms[t], abs=TOL)
    for a in preview.alignment:
        m = overlap_matrix(geo, after, a.key)
        assert a.coterminosity.after == pytest.approx(coterminosity_of(m), abs=TOL)
        assert a.plan_in_layer.after == pytest.approx(containment_of(m), abs=TOL)
        assert a.layer_in_plan.after == pytest.approx(containment_of(m.T), abs=TOL)
    pieces = contiguity(geo, after).pieces
    assert preview.noncontiguous_areas.after == int((pieces > 1).sum())
    if with_fund:  # the whole of fund(), formulas prepared afresh for the country
        money = fund(geo, after, spec, years=model.money.year)  # type: ignore[arg-type]
        alloc, index = money.total_allocation()[0], money.need_index()
    else:  # every area's sums aggregated afresh, then the first year's settlement for all areas
        fresh = model.money.evaluate(after.zoning.aggregate(model.money.unit_values.T).T)
        alloc, index = fresh.allocation_pence, fresh.need_index
    pop = after.area_totals(geo.units.population)
    graph = geo.adjacency.graph()
    for area in preview.areas:
        i = after.area_index[area.code]
        assert area.population.after == int(pop[i])
        assert area.districts.after == int(after.sizes()[i])
        assert area.pieces.after == int(pieces[i])
        if area.pieces.after > 1:
            parts = nx.connected_components(graph.subgraph(after.members(i).tolist()))
            want = {frozenset(geo.units.names[u] for u in part) for part in parts}
            assert {frozenset(p) for p in area.pieces_after} == want
        assert round(area.allocation.after * 100) == int(alloc[i])  # to the penny
        assert area.per_head.after == pytest.approx(alloc[i] / 100.0 / pop[i], rel=TOL)
        assert area.need_index.after == pytest.approx(index[i], abs=TOL)
    _check_splits(preview, geo, after)


def _check_splits(preview: Preview, geo: Geography, after: Plan) -> None:
    for s in preview.splits:
        codes = geo.layer(s.key).area_codes
        split = [codes[j] for j, units in enumerate(_layer_units(geo, s.key)) if len(set(after.assignment[units])) > 1]
        assert list(s.after) == split


def test_every_reported_quantity_matches_a_full_recompute(england: Geography, model: SessionModel,
                                                        session: Session) -> None:
    rng = np.random.default_rng(2024)
    spec = load_spec(default_spec_path())
    start = session.plan
    checked = 0
    while checked < MOVES:
        moves = _random_moves(rng, england, session.plan)
        if not moves:
            continue
        after = session.plan
        for u, t in moves:
            after = after.move(u, t)
        preview = session.preview(moves)
        assert session.plan == after.__class__(start.unit_codes, session.plan.assignment, start.area_codes,
                                               start.area_names)  # preview changed nothing
        _check(preview, england, model, after, spec, with_fund=checked % FUND_EVERY == 0)
        _delta_is_after_minus_before(preview.to_dict())
        applied = session.apply(moves)
        assert applied.to_dict() == preview.to_dict()
        assert session.plan == after
        checked += 1
    while session.can_undo:
        session.undo()
    assert session.plan == start


def _leaves(tree: object, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _leaves(sub, (*path, str(key))).items()}
    return {path: tree}


def _delta_is_after_minus_before(d: dict[str, object]) -> None:
    """Every number of ``delta`` is ``after - before`` (the three sides have one shape)."""
    before, after, delta = (_leaves(d[side]) for side in ("before", "after", "delta"))
    assert before.keys() == after.keys() == delta.keys()
    for key, change in delta.items():
        if change is None or before[key] is None:
            continue
        assert change == pytest.approx(after[key] - before[key], rel=1e-12, abs=1e-6), key  # type: ignore[operator]


def test_before_after_delta_and_undo_redo(england: Geography, session: Session) -> None:
    plan = session.plan
    west_lancs = england.units.codes.index("E07000127")
    target = next(int(plan.assignment[v]) for v in england.adjacency.neighbours(west_lancs)
                  if plan.assignment[v] != plan.assignment[west_lancs])
    first = session.move("west lancashire", plan.area_codes[target])  # names and codes, any case
    d = first.to_dict()
    assert set(d) >= {"before", "after", "delta", "details", "moves"}
    assert d["before"].keys() == d["after"].keys() == d["delta"].keys()
    v = d["delta"]["objective"]["value"]
    assert math.isclose(v, d["after"]["objective"]["value"] - d["before"]["objective"]["value"])
    areas = first.areas
    assert sum(a.population.delta for a in areas) == 0
    undone = session.undo()
    assert session.plan == plan and not session.can_undo and session.can_redo
    assert undone.objective.after == pytest.approx(first.objective.before, abs=TOL)
    redone = session.redo()
    assert redone.to_dict()["after"] == d["after"]
    with pytest.raises(DevoplanError, match="nothing to redo"):
        session.redo()


def test_unknown_names_get_a_suggestion_and_empty_areas_are_refused(england: Geography, session: Session) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown district 'West Lancs'; did you mean 'West Lancashire' "
                                               r"\(E07000127\)\?"):
        session.preview([("West Lancs", session.plan.area_codes[0])])
    with pytest.raises(UnknownNameError, match="unknown area 'Nowhere at all'"):
        session.preview([("E07000127", "Nowhere at all")])
    plan = session.plan
    single = next(a for a in range(plan.n_areas) if plan.sizes()[a] == 1) if (plan.sizes() == 1).any() else None
    if single is not None:
        u = int(plan.members(single)[0])
        with pytest.raises(DevoplanError, match="no districts"):
            session.preview([(u, (single + 1) % plan.n_areas)])


def test_the_model_is_shared_read_only(england: Geography, model: SessionModel) -> None:
    one, two = model.session(Plan.from_layer(england, "ICB26")), model.session(Plan.from_layer(england, "ICB26"))
    u = next(u for u in range(england.n_units) if one.plan.sizes()[one.plan.assignment[u]] > 1 and
             len({int(one.plan.assignment[v]) for v in england.adjacency.neighbours(u)}) > 1)
    a = int(one.plan.assignment[u])
    target = next(int(one.plan.assignment[v]) for v in england.adjacency.neighbours(u)
                  if one.plan.assignment[v] != a)
    one.move(u, target)
    assert two.plan == Plan.from_layer(england, "ICB26")
    assert not model.money.unit_values.flags.writeable and not model.objective.features.flags.writeable


def test_a_session_without_funding_on_a_grid_with_every_layer_kind() -> None:
    """Split, cover and partial layers on a small grid, no money tables: every figure against from scratch."""
    geo = grid_geography(6, 6)
    plan = Plan.from_labels(geo.units.codes, grid_plan_labels(geo, 3, 6))
    model = SessionModel.build(geo, areas=plan.n_areas, funding=False)
    session = model.session(plan)
    rng = np.random.default_rng(7)
    for _ in range(40):
        moves = _random_moves(rng, geo, session.plan)
        if not moves:
            continue
        after = session.plan
        for u, t in moves:
            after = after.move(u, t)
        preview = session.apply(moves)
        assert preview.year is None and all(a.allocation is None for a in preview.areas)
        assert preview.to_dict()["after"]["areas"][preview.areas[0].code]["allocation"] is None
        value, terms = score_assignment(model.objective, after.assignment)
        assert preview.objective.after == pytest.approx(value, abs=TOL)
        assert {k: q.after for k, q in preview.terms.items()} == pytest.approx(terms, abs=TOL)
        for a in preview.alignment:
            m = overlap_matrix(geo, after, a.key)
            assert a.layer_in_plan.after == pytest.approx(containment_of(m.T), abs=TOL)
            assert a.plan_in_layer.after == pytest.approx(containment_of(m), abs=TOL)
        pieces = contiguity(geo, after).pieces
        assert [a.pieces.after for a in preview.areas] == [int(pieces[after.area_index[a.code]]) for a in preview.areas]
        _check_splits(preview, geo, after)

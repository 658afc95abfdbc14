"""Session layer speed: previewing one move (all figures, first-year funding included) on England.

The 36 ICBs of 2026 as a plan over the 296 districts; each preview moves one random district to a
random neighbouring area (never emptying one) and computes everything ``devoplan whatif`` reports:
objective terms, alignment with every layer, the touched areas' residents, pieces and funding, and
kept-whole splits. Targets: median under 20 ms, 95th percentile under 50 ms. A full recompute of the
same figures from scratch (fresh scorer, overlap matrices, contiguity and ``fund`` for the year) is
timed on a sample of the same moves for the ratio. Results go to the "Session layer" section of
docs/benchmarks.md.

Run: ``python -m benchmarks.bench_session``
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.docs import measured_on, publish
from devoplan import load_geography
from devoplan.design.objective import score_assignment
from devoplan.funding import default_spec_path, fund, load_spec
from devoplan.geography.model import Geography
from devoplan.metrics.contiguity import contiguity
from devoplan.metrics.overlap import coterminosity_of, overlap_matrix
from devoplan.plan import Plan
from devoplan.session import SessionModel

PREVIEWS = 1000
FULL = 30
HEADING = "## Session layer"


def random_moves(geo: Geography, plan: Plan, n: int, seed: int = 0) -> list[tuple[int, int]]:
    """``n`` moves of a district to a neighbouring area that would not empty its own."""
    rng = np.random.default_rng(seed)
    sizes = plan.sizes()
    out: list[tuple[int, int]] = []
    while len(out) < n:
        u = int(rng.integers(geo.n_units))
        a = int(plan.assignment[u])
        nbr = sorted({int(plan.assignment[v]) for v in geo.adjacency.neighbours(u)} - {a})
        if nbr and sizes[a] > 1:
            out.append((u, int(rng.choice(nbr))))
    return out


def full_recompute(geo: Geography, model: SessionModel, plan: Plan, spec: object) -> None:
    """The same figures from scratch for the plan after a move."""
    score_assignment(model.objective, plan.assignment)
    for key in geo.layers:
        coterminosity_of(overlap_matrix(geo, plan, key))
    contiguity(geo, plan)
    fund(geo, plan, spec, years=model.money.year)  # type: ignore[arg-type]


def measure() -> dict[str, float]:
    geo = load_geography()
    plan = Plan.from_layer(geo, "ICB26")
    spec = load_spec(default_spec_path())
    start = time.perf_counter()
    model = SessionModel.build(geo, spec=spec, areas=plan.n_areas)
    built = time.perf_counter() - start
    start = time.perf_counter()
    session = model.session(plan)
    opened = time.perf_counter() - start
    moves = random_moves(geo, plan, PREVIEWS)
    times = []
    for move in moves:
        t = time.perf_counter()
        session.preview([move])
        times.append(time.perf_counter() - t)
    scored = []
    for u, a in moves:
        t = time.perf_counter()
        session.scorer.evaluate([u], [a])
        scored.append(time.perf_counter() - t)
    full = []
    for u, a in moves[:FULL]:
        t = time.perf_counter()
        full_recompute(geo, model, plan.move(u, a), spec)
        full.append(time.perf_counter() - t)
    applied = []
    for u, a in moves[:FULL]:
        t = time.perf_counter()
        session.apply([(u, a)])
        session.undo()
        applied.append((time.perf_counter() - t) / 2)
    return {"built": built, "opened": opened, "median": statistics.median(times),
            "p95": float(np.percentile(times, 95)), "max": max(times), "full": statistics.median(full),
            "apply": statistics.median(applied), "areas": float(plan.n_areas),
            "scorer": statistics.median(scored), "layers": float(len(geo.layers))}


def section(m: dict[str, float]) -> str:
    ms = 1000.0
    return (
        f"{HEADING}\n\n"
        f"{measured_on('benchmarks.bench_session')} (a shared machine: other work was running).\n\n"
        f"The {int(m['areas'])} ICBs of 2026 as a plan; {PREVIEWS:,} previews, each moving one random district to a "
        "random neighbouring area, with every figure `devoplan whatif` reports (objective terms, alignment with "
        "all 11 layers, the touched areas' residents, pieces and first-year funding of all twelve lines, kept-whole "
        "splits). Targets: median under 20 ms, 95th percentile under 50 ms.\n\n"
        "| measure | milliseconds |\n|---|---|\n"
        f"| preview of one move, median | {m['median'] * ms:.2f} |\n"
        f"| preview of one move, 95th percentile | {m['p95'] * ms:.2f} |\n"
        f"| preview of one move, slowest | {m['max'] * ms:.2f} |\n"
        f"| apply (or undo) one move, median | {m['apply'] * ms:.2f} |\n"
        f"| the scorer's evaluation alone (objective terms and all {int(m['layers'])} layers' containments), median "
        f"| {m['scorer'] * ms:.3f} |\n"
        f"| full recompute of the same figures, median of {FULL} | {m['full'] * ms:.1f} |\n"
        f"| ratio full recompute / preview (medians) | {m['full'] / m['median']:.0f}x |\n"
        f"| building the shared `SessionModel` (once per geography and spec) | {m['built'] * ms:.0f} |\n"
        f"| opening a session on a plan | {m['opened'] * ms:.1f} |\n"
    )


def main() -> None:
    publish(HEADING, section(measure()))


if __name__ == "__main__":
    main()

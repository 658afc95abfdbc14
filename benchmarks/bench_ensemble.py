"""Ensemble benchmark: devoplan's ReCom chain against GerryChain 1.0's ReCom, side by side in one run.

Both chains run on England 2024's kept-whole block graph (UTLA and CAUTH25 whole: 109 blocks, 38
areas) with the default bounds, from the same valid start, on one core each, in turn, in this process:

* devoplan: :func:`devoplan.ensemble.run_chain` (proposal over cut edges on one side of the London
  boundary, random minimum spanning tree by SciPy, cut search in NumPy);
* GerryChain: ``MarkovChain`` with ``recom(..., pair_selection="cut_edges")``, population ``target (1 +-
  epsilon)`` exactly ``min_pop..max_pop``, ``always_accept``, on the same graph without the edges that cross
  the London boundary: so it never merges across it, which is exactly devoplan's proposal (merging only
  along edges within one side) and needs no rejection step.

Plans per second = chain steps per second (each step yields the next plan of the chain, as in GerryChain).
Also measured: devoplan's whole ``ensemble()`` (chains, scoring every distinct plan with the objective and
every plan metric) with 1 and 2 workers. Run: ``python -m benchmarks.bench_ensemble [--seconds 20]``
(needs the ``bench`` extra: ``pip install -e '.[bench]'``). Writes the "Ensembles" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time

import networkx as nx
import numpy as np

from benchmarks import docs
from devoplan import load_geography
from devoplan.design.blocks import Blocks, build_blocks
from devoplan.design.options import DesignOptions, resolved_bounds
from devoplan.ensemble import ChainModel, ChainStats, EnsembleOptions, ensemble, recom_step
from devoplan.ensemble.run import initial_assignment
from devoplan.geography.model import Geography

SECTION = "## Ensembles (ReCom chain)"


def setup(geo: Geography, opts: DesignOptions) -> tuple[Blocks, ChainModel, np.ndarray]:
    blocks = build_blocks(geo, opts)
    lo, hi = resolved_bounds(opts, geo.units.total_population, int(blocks.population.max()))
    start = initial_assignment(geo, blocks, opts, lo, hi, np.random.default_rng(0))
    return blocks, ChainModel.build(blocks, opts.areas, lo, hi), start


def run_devoplan(model: ChainModel, start: np.ndarray, seconds: float) -> tuple[int, float, ChainStats]:
    """Steps of devoplan's chain in about ``seconds``."""
    assign = start.copy()
    rng = np.random.default_rng(1)
    stats = ChainStats()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(100):
            recom_step(model, assign, rng, stats)
    return stats.steps, time.perf_counter() - t0, stats


def run_gerrychain(blocks: Blocks, model: ChainModel, start: np.ndarray, seconds: float) -> tuple[int, float, int]:
    """Steps of GerryChain's ReCom chain in about ``seconds`` (and how many changed the plan)."""
    from gerrychain import Graph, MarkovChain, Partition
    from gerrychain.accept import always_accept
    from gerrychain.proposals import recom
    from gerrychain.updaters import Tally

    g = nx.Graph()
    for b in range(blocks.n_blocks):
        g.add_node(b, pop=int(blocks.population[b]))
    g.add_edges_from(e for e in blocks.edge_weight if e not in blocks.fences)
    graph = Graph.from_networkx(g)
    part = Partition(graph, {b: int(a) for b, a in enumerate(start)},
                     updaters={"population": Tally("pop", alias="population")})
    lo, hi = model.min_pop, model.max_pop
    target, eps = (lo + hi) / 2, (hi - lo) / (hi + lo)
    def proposal(p: Partition, *, rng: random.Random) -> Partition:  # GerryChain 1.0's callback protocol
        return recom(p, "pop", target, eps, pair_selection="cut_edges", rng=rng)

    chain = MarkovChain(proposal, [], always_accept, part, total_steps=10**9, rng=random.Random(1))
    steps = moved = 0
    previous = None
    t0 = time.perf_counter()
    for state in chain:
        steps += 1
        current = frozenset(frozenset(nodes) for nodes in state.parts.values())
        moved += previous is not None and current != previous
        previous = current
        if time.perf_counter() - t0 > seconds:
            break
    return steps - 1, time.perf_counter() - t0, moved  # the first state yielded is the start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="time per chain")
    parser.add_argument("--plans", type=int, default=2000, help="plans of the whole-ensemble runs")
    args = parser.parse_args()
    geo = load_geography()
    opts = DesignOptions()
    load_before = os.getloadavg()
    blocks, model, start = setup(geo, opts)
    ours_steps, ours_secs, ours_stats = run_devoplan(model, start, args.seconds)
    gc_steps, gc_secs, gc_moved = run_gerrychain(blocks, model, start, args.seconds)
    ours_rate, gc_rate = ours_steps / ours_secs, gc_steps / gc_secs
    ens_opts = EnsembleOptions(plans=args.plans)
    whole = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        result = ensemble(geo, opts, ens_opts, seed=0, workers=workers)
        whole[workers] = (time.perf_counter() - t0, result.distinct_plans)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_after = os.getloadavg()
    rows = [
        SECTION, "",
        docs.measured_on("benchmarks.bench_ensemble") + f"; `--seconds {args.seconds:g} --plans {args.plans}`.", "",
        f"England 2024, default constraints: {blocks.n_blocks} kept-whole blocks, 38 areas, bounds "
        f"{model.min_pop:,}..{model.max_pop:,}, no area across the Greater London boundary; both chains from the "
        "same valid start, one core each, one after the other in one process.", "",
        "| chain | steps | seconds | plans per second | steps that changed the plan |",
        "|---|---:|---:|---:|---:|",
        f"| devoplan ReCom (`devoplan.ensemble`) | {ours_steps:,} | {ours_secs:.1f} | {ours_rate:,.0f} | "
        f"{100 * ours_stats.moved / max(ours_steps, 1):.0f}% |",
        f"| GerryChain 1.0 ReCom (`pair_selection=\"cut_edges\"`, London boundary edges removed) | {gc_steps:,} | "
        f"{gc_secs:.1f} | {gc_rate:,.0f} | "
        f"{100 * gc_moved / max(gc_steps, 1):.0f}% |",
        "",
        f"* devoplan / GerryChain plans per second: **{ours_rate / gc_rate:.1f}x** (target: at least 3x).",
        f"* The whole `ensemble()` — {args.plans:,} plans in 8 chains after 200 burn-in steps each, every distinct "
        f"plan scored with the objective and all {len(result.metric_names)} metrics — took "
        f"{whole[1][0]:.1f} s with 1 worker and {whole[2][0]:.1f} s with 2 worker processes "
        f"({args.plans / whole[1][0]:,.0f} and {args.plans / whole[2][0]:,.0f} scored plans per second; "
        f"{whole[1][1]:,} distinct plans). Peak memory of the run (process maximum resident set): {peak_mb:,.0f} MB.",
        f"* Load average (1/5/15 min) {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f} at the start "
        f"and {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} at the end (the machine is shared).",
    ]
    docs.publish(SECTION, "\n".join(rows))


if __name__ == "__main__":
    main()

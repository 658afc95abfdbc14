"""Speed of the exact model's set-up on England: listing every feasible area and pricing it.

With the default design options (109 blocks, population bounds from ``resolved_bounds``) we time

* ``enumerate_columns`` (every connected set of blocks within the bounds, in ESU depth-first order),
* ``column_costs`` (per-area cost, block rows and layer overlaps, in chunks on two threads),
* one ``ColumnCosts.reduced_costs`` pass (what each column-generation round prices),

``REPEATS`` times each, checking that every repeat lists the same columns and prices them the same.
Wall and CPU seconds are both shown: the machine is shared, so wall time depends on whether the second
core is free (the load average at the start and end is reported). Peak resident memory is read from the
first repeat (it can only grow afterwards). Target: listing + pricing under 9 s (it was ~18 s).
Results replace the "Exact model" section of docs/benchmarks.md.

Run: ``python -m benchmarks.bench_exact``
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np

from benchmarks.docs import measured_on, write_section
from devoplan import load_geography
from devoplan.design.blocks import build_blocks
from devoplan.design.column_costs import ColumnCosts, column_costs
from devoplan.design.columns import Columns, enumerate_columns
from devoplan.design.objective import build_objective
from devoplan.design.options import DesignOptions, resolved_bounds

REPEATS = 3
SEED = 0
HEADING = "## Exact model"
TARGET = 9.0
P = ParamSpec("P")
T = TypeVar("T")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _timed(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[T, float, float]:
    """``fn(*args)`` with its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def measure() -> dict[str, float]:
    geo = load_geography()
    opts = DesignOptions()
    blocks = build_blocks(geo, opts)
    obj = build_objective(geo, blocks, opts)
    lo, hi = resolved_bounds(opts, geo.units.total_population, int(blocks.population.max()))
    rng = np.random.default_rng(SEED)
    load_start = os.getloadavg()[0]
    rows: dict[str, list[float]] = {k: [] for k in ("list", "list_cpu", "price", "price_cpu", "reduce", "reduce_cpu")}
    first: tuple[Columns, ColumnCosts, np.ndarray] | None = None
    peaks = [_peak_mb()]
    pi = pis = None
    for _ in range(REPEATS):
        columns, wall, cpu = _timed(enumerate_columns, blocks, lo, hi)
        assert columns is not None
        rows["list"].append(wall)
        rows["list_cpu"].append(cpu)
        peaks.append(_peak_mb())
        costs, wall, cpu = _timed(column_costs, obj, columns)
        rows["price"].append(wall)
        rows["price_cpu"].append(cpu)
        peaks.append(_peak_mb())
        if pi is None:
            pi = rng.normal(size=blocks.n_blocks) * 0.01
            pis = tuple(rng.random(s) * 1e-3 for s in costs.layer_sizes)
        assert pis is not None
        rc, wall, cpu = _timed(costs.reduced_costs, pi, 0.05, pis)
        rows["reduce"].append(wall)
        rows["reduce_cpu"].append(cpu)
        if first is None:
            first = (columns, costs, rc)
        else:  # every repeat lists and prices exactly the same
            assert np.array_equal(first[0].words, columns.words)
            assert np.array_equal(first[1].cost, costs.cost) and np.array_equal(first[2], rc)
        del columns, costs, rc
    assert first is not None
    out = {k: statistics.median(v) for k, v in rows.items()}
    out |= {f"{k}_max": max(v) for k, v in rows.items()}
    total = [a + b for a, b in zip(rows["list"], rows["price"], strict=True)]
    out |= {"total": statistics.median(total), "total_max": max(total), "columns": float(first[0].n_columns),
            "visited": float(first[0].visited), "base_mb": peaks[0], "list_mb": peaks[1], "price_mb": peaks[2],
            "load_start": load_start, "load_end": os.getloadavg()[0]}
    return out


def section(m: dict[str, float]) -> str:
    met = m["total"] < TARGET
    return (
        f"{HEADING}\n\n{measured_on('benchmarks.bench_exact')} on a shared 2-core machine.\n\n"
        f"England, default design options: {int(m['columns']):,} feasible areas "
        f"({int(m['visited']):,} connected sets visited). Each step timed {REPEATS} times (median, slowest); "
        "every repeat lists the same columns and gives bit-identical costs and reduced costs. "
        f"Load average {m['load_start']:.2f} at the start, {m['load_end']:.2f} at the end.\n\n"
        "| step | wall s (median) | wall s (slowest) | CPU s (median) |\n|---|---|---|---|\n"
        f"| `enumerate_columns` (listing) | {m['list']:.2f} | {m['list_max']:.2f} | {m['list_cpu']:.2f} |\n"
        f"| `column_costs` (pricing, 2 threads) | {m['price']:.2f} | {m['price_max']:.2f} | {m['price_cpu']:.2f} |\n"
        f"| **listing + pricing** | **{m['total']:.2f}** | {m['total_max']:.2f} | "
        f"{m['list_cpu'] + m['price_cpu']:.2f} |\n"
        f"| one `reduced_costs` pass | {m['reduce']:.2f} | {m['reduce_max']:.2f} | {m['reduce_cpu']:.2f} |\n\n"
        f"Peak resident memory: {m['base_mb']:.0f} MB with the geography loaded, {m['list_mb']:.0f} MB after "
        f"listing, {m['price_mb']:.0f} MB after pricing.\n\n"
        f"**Speed goal of this rewrite {'met' if met else 'not met'}** (listing + pricing {m['total']:.1f} s"
        f"{' < ' if met else ' >= '}{TARGET:.0f} s). For comparison, measured once when this code replaced the "
        "previous listing (Python-int ESU stack) and pricing (dense products over all blocks): those took ~5.4 s + "
        "~12 s at load ~1 with 0.81 GB peak after pricing, and timed alternately with the new code at load ~2.5, "
        "23.8 s against 5.5 s (medians of 3). When the other core is busy, CPU time is about wall time: the "
        "two pricing threads then share one core.\n\n"
        "How: listing builds the ESU tree one set size at a time with NumPy (all sets of a size grown at once "
        "from uint64 bitsets), then places each set where a depth-first listing puts it, from subtree sizes. "
        "Pricing works on an area's ~11 member blocks instead of all 109: sparse products give the population "
        "and needs sums, each layer's overlaps (already as sparse rows) and the edges inside the area; their "
        "sums run over blocks in increasing order, like the dense products they replace, so results are "
        "unchanged to the last bit.\n"
    )


def main() -> None:
    text = section(measure())
    print(text)
    write_section(HEADING, text)


if __name__ == "__main__":
    main()

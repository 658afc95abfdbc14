"""Outcomes speed on England: every indicator for a 38-area plan, after loading (target under 1 s).

The plan puts district ``i`` in area ``i mod 38``. Loading the geography and the outcomes bundle is
timed once; then ``outcomes()`` (aggregation of every period, benchmarks, funnels, spreads, trends,
SII and nearest neighbours) is timed over several repeats. Results replace the "Outcomes" section
of docs/benchmarks.md.

Run: ``python -m benchmarks.bench_outcomes``
"""

from __future__ import annotations

import platform
import statistics
import time

from benchmarks.docs import write_section
from devoplan import load_geography
from devoplan.outcomes import load_outcomes, outcomes
from devoplan.plan import Plan

REPEATS = 7
AREAS = 38


def main() -> None:
    start = time.perf_counter()
    geo = load_geography()
    data = load_outcomes()
    load = time.perf_counter() - start
    plan = Plan.from_labels(geo.units.codes, [f"A{i % AREAS:02d}" for i in range(geo.n_units)])
    outcomes(data, geo, plan)  # warm caches (district groups, published sets)
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        outcomes(data, geo, plan)
        times.append(time.perf_counter() - t)
    n = len(data.indicators)
    text = (f"## Outcomes\n\nAll {n} indicators (every period, benchmarks, funnels, trends, SII, neighbours) "
            f"for a {AREAS}-area plan of England's 296 districts: median {statistics.median(times):.2f} s, "
            f"fastest {min(times):.2f} s over {REPEATS} runs after loading (target under 1 s); loading the "
            f"geography and the outcomes bundle took {load:.2f} s. Measured on {platform.machine()} "
            f"with Python {platform.python_version()} by `python -m benchmarks.bench_outcomes`.\n")
    write_section("## Outcomes", text)
    print(text)


if __name__ == "__main__":
    main()

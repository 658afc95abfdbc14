"""Funding sensitivity speed: 1,000 Monte Carlo draws x 296 districts x 4 years, all lines.

Every district of the England 2024 bundle is its own area (296 areas), the shipped default spec
(twelve service lines) is used, and the whole settlement (targets, then pace of change for each of
the four years) is evaluated for every draw. Target: under one second. The measured times are
written into the "Funding sensitivity" section of docs/benchmarks.md (other sections untouched).

Run: ``python -m benchmarks.bench_funding``
"""

from __future__ import annotations

import platform
import statistics
import time

import numpy as np

from benchmarks.docs import write_section
from devoplan import load_geography
from devoplan.funding import default_spec_path, fund, load_spec
from devoplan.funding.sensitivity import simulate
from devoplan.funding.targets import prepare_line
from devoplan.plan import Plan
from devoplan.zoning import Zoning

DRAWS = 1000
REPEATS = 5
HEADING = "## Funding sensitivity"


def measure() -> dict[str, float]:
    geo = load_geography()
    spec = load_spec(default_spec_path())
    plan = Plan.from_labels(geo.units.codes, list(geo.units.codes))
    areas = Zoning.one_hot(plan.assignment, plan.area_codes, plan.area_names, name="one area per district")
    result = fund(geo, areas, spec)  # deterministic run gives the baselines and control totals
    years = (result.lines[0].base_year, *result.years)
    inputs = [prepare_line(geo, spec, line, years) for line in spec.lines]
    baseline = np.array([ln.baseline_pence / 100.0 for ln in result.lines])
    control = np.array([ln.control_pence / 100.0 for ln in result.lines])
    times = []
    for seed in range(REPEATS):
        start = time.perf_counter()
        simulate(inputs, areas, baseline, control, spec.pace, DRAWS, seed)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    fund(geo, areas, spec, draws=DRAWS, seed=0)
    full = time.perf_counter() - start
    return {"areas": float(areas.n_areas), "years": float(len(result.years)), "lines": float(len(spec.lines)),
            "best": min(times), "median": statistics.median(times), "full": full}


def section(m: dict[str, float]) -> str:
    return (
        f"{HEADING}\n\n"
        f"`python -m benchmarks.bench_funding` on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, measured {time.strftime('%Y-%m-%d')}.\n\n"
        f"{DRAWS:,} Monte Carlo draws x {int(m['areas'])} districts (each its own area) x {int(m['years'])} "
        f"years x {int(m['lines'])} service lines of the default spec (the NHS lines use NHS England's "
        "weights year by year, which no draw varies; the others redraw indicator weights, "
        "indicator inclusion and component strengths); every draw recomputes targets and runs the pace of change "
        "(safeguarded Newton on the piecewise-linear total) year by year. Target: under 1 second.\n\n"
        "| measure | seconds |\n|---|---|\n"
        f"| Monte Carlo (`simulate`), best of {REPEATS} | {m['best']:.3f} |\n"
        f"| Monte Carlo (`simulate`), median of {REPEATS} | {m['median']:.3f} |\n"
        f"| whole `fund(..., draws={DRAWS})` incl. deterministic settlement and outputs | {m['full']:.3f} |\n"
    )


def main() -> None:
    m = measure()
    text = section(m)
    print(text)
    write_section(HEADING, text)


if __name__ == "__main__":
    main()

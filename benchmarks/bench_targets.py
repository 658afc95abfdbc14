"""The optimiser's targets at every scale: England, default weights, k in {20, 30, 38, 45, 60} with the
default kept-whole layers, and k = 38 with none (296 districts).

Each case is ``design`` in a fresh process (so its peak resident memory is its own): a search of
``--time`` seconds, then the evidence (the exact model over every listed area where the listing fits,
column generation with a pricing MIP where it does not; docs/design.md). Per case: the plan's
objective, the bound, the gap, the method, wall time and peak memory, or the refusal with its
numbers. Target (issue 17): within 1% of a proven bound in 60 s on 2 cores, peak memory under 4 GB.
Column generation (where the listing does not fit) runs on ``--bound-seconds`` of wall clock
(``DesignOptions.bound_seconds``; 60 by default here, the target, against the library's 240): every case
reports what it reaches at that budget.
The machine is shared: the load average before and after is reported. Results replace the "Targets
at every scale" section of docs/benchmarks.md.

Run: ``python -m benchmarks.bench_targets [--time 20] [--bound-seconds 60] [--cases 20,30,38n] [--no-write]``
(a case is k, with ``n`` for no kept-whole layer; ``--no-write`` prints the table without touching the docs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from benchmarks.docs import measured_on, write_section
from devoplan.design.options import DesignOptions

HEADING = "## Targets at every scale"
CASES: tuple[tuple[int, bool], ...] = ((20, True), (30, True), (38, True), (45, True), (60, True), (38, False))
CHILD = """
import json, resource, sys, time
from devoplan import load_geography
from devoplan.design.api import design
from devoplan.design.options import DesignOptions
from devoplan.errors import DevoplanError
k, whole, limit, budget = int(sys.argv[1]), sys.argv[2] == "1", float(sys.argv[3]), float(sys.argv[4])
geo = load_geography()
opts = DesignOptions(areas=k, time_limit=limit, bound_seconds=budget)
opts = opts if whole else opts.with_(keep_whole=())
t0 = time.perf_counter()
try:
    r = design(geo, opts, seed=0)
    b = r.bound
    out = {"objective": r.objective, "bound": b.value if b else None, "gap": r.gap,
           "proven": bool(b and b.proven_optimal),
           "method": b.method if b else "", "blocks": r.n_blocks, "search_s": r.search_seconds,
           "details": {k: v for k, v in (b.details if b else {}).items() if isinstance(v, (int, float, str, bool))}}
except DevoplanError as exc:
    out = {"refused": str(exc)}
out.update(seconds=time.perf_counter() - t0, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""


def measure(k: int, whole: bool, limit: float, budget: float) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(k), "1" if whole else "0", str(limit), str(budget)],
                          capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _f(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("nan")


def _row(k: int, whole: bool, r: dict[str, object]) -> str:
    case = f"{k} areas, {' + '.join(DesignOptions().keep_whole) + ' whole' if whole else 'no kept-whole layer'}"
    mem = f"{_f(r['peak_mb']):,.0f} MB"
    if "refused" in r:
        return f"| {case} | refused: {r['refused']} | | | {_f(r['seconds']):.0f} s | {mem} |"
    gap = _f(r["gap"] or 0.0)
    how = "exact model over every area" if "every contiguous area" in str(r["method"]) else "generated areas"
    proven = ", proven optimal" if r["proven"] else ""
    return (f"| {case} | {_f(r['objective']):.4f} ({how}{proven}) | {_f(r['bound']):.4f} "
            f"| {100 * gap:.2f}% | {_f(r['seconds']):.0f} s | {mem} |")


def _cases(text: str) -> tuple[tuple[int, bool], ...]:
    """``20,30,38n`` -> ((20, True), (30, True), (38, False)): ``n`` for no kept-whole layer."""
    try:
        return tuple((int(c.rstrip("n")), not c.endswith("n")) for c in text.split(",") if c.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"cases are k or kn (no kept-whole layer), e.g. 20,38n; got {text}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time", type=float, default=20.0, help="search seconds per case")
    parser.add_argument("--bound-seconds", type=float, default=60.0,
                        help="wall-clock budget of column generation per case (DesignOptions.bound_seconds)")
    parser.add_argument("--cases", type=_cases, default=CASES, help="e.g. 20,30,38n (n: no kept-whole layer)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    rows = []
    for k, whole in args.cases:
        r = measure(k, whole, args.time, args.bound_seconds)
        print(json.dumps({"k": k, "whole": whole, **r}), flush=True)
        rows.append(_row(k, whole, r))
    load_end = os.getloadavg()[0]
    table = "\n".join(rows)
    text = f"""{HEADING}

{measured_on("benchmarks.bench_targets")} on a shared 2-core machine;
`--time {args.time:g}` (search seconds), `--bound-seconds {args.bound_seconds:g}`; one run; load average
{load_start:.1f} at the start, {load_end:.1f} at the end (other engineers' work on the same 2 cores). England,
default weights, seed 0. Target: within 1% of a proven bound in 60 s, peak memory under 4 GB. The time
is the whole `design` call (search, bound, naming, metrics).

| case | plan objective (how) | bound | gap | time | peak memory |
|---|---|---|---|---|---|
{table}
"""
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()

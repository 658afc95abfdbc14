"""The audit's speed on England: every pair of layers, as a library call and as `devoplan audit` end to end.

Target: `devoplan audit` under 5 seconds. Results replace the "Audit" section of docs/benchmarks.md.

Run: ``python -m benchmarks.bench_audit``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks.docs import measured_on, publish
from devoplan import load_geography
from devoplan.metrics import audit

REPEATS = 7
HEADING = "## Audit"


def measure() -> dict[str, float]:
    geo = load_geography()
    calls = []
    for _ in range(5):
        start = time.perf_counter()
        audit(geo)
        calls.append(time.perf_counter() - start)
    commands = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "devoplan.cli", "audit"], check=True, stdout=subprocess.DEVNULL)
        commands.append(time.perf_counter() - start)
    return {"call": min(calls), "command": statistics.median(commands), "command_max": max(commands),
            "layers": float(len(geo.layers))}


def section(m: dict[str, float]) -> str:
    n = int(m["layers"])
    return (
        f"{HEADING}\n\n{measured_on('benchmarks.bench_audit')} on a shared 2-core machine.\n\n"
        f"Every pair of the {n} England layers ({n * (n - 1) // 2} comparisons) plus the misalignments in words. "
        "Target: `devoplan audit` under 5 seconds.\n\n"
        "| measure | seconds |\n|---|---|\n"
        f"| `devoplan.metrics.audit(geography)`, best of 5 | {m['call']:.3f} |\n"
        f"| `devoplan audit` end to end (new process: imports, loading, tables), median of {REPEATS} "
        f"| {m['command']:.2f} |\n"
        f"| `devoplan audit` end to end, slowest of {REPEATS} | {m['command_max']:.2f} |\n"
    )


def main() -> None:
    publish(HEADING, section(measure()))


if __name__ == "__main__":
    main()
